package main

import (
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// keptManaged are composed resources that exist but cannot be composed
// now, because what they are composed from (the platform's status) is
// missing: they are composed again exactly as they were, so that a platform
// outage never deletes an instance's role, bucket, secret, or the synced
// Secret its pods read.
func keptManaged(observed map[resource.Name]resource.ObservedComposed, desired map[resource.Name]bool) []compose.Resource {
	var rs []compose.Resource
	for name, oc := range observed {
		if desired[name] || oc.Resource == nil {
			continue
		}
		o := oc.Resource.Unstructured
		kept := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": o.GetAPIVersion(),
			"kind":       o.GetKind(),
			"spec":       o.Object["spec"],
		}}
		kept.SetLabels(o.GetLabels())
		if ext, ok := o.GetAnnotations()[compose.AnnotationExternalName]; ok {
			kept.SetAnnotations(map[string]string{compose.AnnotationExternalName: ext})
		}
		rs = append(rs, compose.Resource{Name: name, Object: kept})
	}
	return rs
}
