package compose

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/errors"
	jsonv2 "github.com/go-json-experiment/json"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// KubernetesObject wraps a Kubernetes object, a typed struct or
// unstructured content, in a provider-kubernetes Object that applies it
// through providerConfig. The zero Readiness is provider-kubernetes'
// default: ready once created.
//
// The manifest is carried twice, as the Kubernetes codecs allow a
// RawExtension: as JSON in Raw, which is what the Object marshals to, and
// as the same content in Object, from which Desired.Add composes it
// without parsing the JSON again: converting composed resources through
// JSON was a third of a tenant's reconcile, and manifests are most of
// their bytes. Build a new Object to change a manifest; never edit either
// copy.
//
// No dependsOn references are offered: provider-kubernetes v1.0.0 resolves
// them in the control plane, not in the cluster the object goes to.
func KubernetesObject(manifest any, providerConfig string, readiness kubev1alpha2.Readiness) (*kubev1alpha2.Object, error) {
	u, err := manifestContent(manifest)
	if err != nil {
		return nil, err
	}
	// go-json-experiment writes a map in a quarter of encoding/json's
	// allocations, which sorts keys through a slice of its own per map.
	raw, err := jsonv2.Marshal(u, jsonv2.Deterministic(true))
	if err != nil {
		return nil, errors.Wrapf(err, "cannot marshal %T", manifest)
	}
	return &kubev1alpha2.Object{
		Spec: kubev1alpha2.ObjectSpec{
			ResourceSpec: xpv2.ResourceSpec{ProviderConfigReference: &xpv2.Reference{Name: providerConfig}},
			ForProvider:  kubev1alpha2.ObjectParameters{Manifest: runtime.RawExtension{Raw: raw, Object: &unstructured.Unstructured{Object: u}}},
			Readiness:    readiness,
		},
	}, nil
}

// manifestContent is a copy of manifest as unstructured content, as
// server-side apply should read it: without the empty status, the null
// creationTimestamp and the other nulls that typed structs carry, which it
// would take as intent.
func manifestContent(manifest any) (map[string]any, error) {
	var u map[string]any
	if in, ok := manifest.(*unstructured.Unstructured); ok {
		u = runtime.DeepCopyJSON(in.Object)
	} else {
		var err error
		if u, err = runtime.DefaultUnstructuredConverter.ToUnstructured(manifest); err != nil {
			return nil, errors.Wrapf(err, "cannot convert %T to unstructured", manifest)
		}
	}
	delete(u, "status")
	if md, ok := u["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	pruneNulls(u)
	return u, nil
}

// manifestOf is the manifest content KubernetesObject put in o, nil for an
// Object built otherwise.
func manifestOf(o runtime.Object) map[string]any {
	ko, ok := o.(*kubev1alpha2.Object)
	if !ok {
		return nil
	}
	u, ok := ko.Spec.ForProvider.Manifest.Object.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	return u.Object
}
