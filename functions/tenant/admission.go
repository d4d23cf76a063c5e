package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// admission is what the platform decided about this composite: its
// allocation, or why it refused it. Both are nil/empty until the platform
// has seen the tenant, on its next reconcile.
func admission(pl *v1alpha1.XPlatform, composite string) (alloc *v1alpha1.TenantAllocation, refused string) {
	if pl == nil {
		return nil, ""
	}
	for _, r := range pl.Status.Tenants.Refused {
		if r.Composite == composite {
			return nil, fmt.Sprintf("platform %q refuses this instance: %s", pl.GetName(), r.Reason)
		}
	}
	for i := range pl.Status.Tenants.Allocations {
		if a := pl.Status.Tenants.Allocations[i]; a.Composite == composite {
			return &a, ""
		}
	}
	return nil, ""
}

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
