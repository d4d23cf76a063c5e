package compose

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/errors"
	jsonv2 "github.com/go-json-experiment/json"
	"k8s.io/apimachinery/pkg/runtime"
)

// KubernetesObject wraps a typed Kubernetes object in a provider-kubernetes
// Object that applies it through providerConfig. The zero Readiness is
// provider-kubernetes' default: ready once created.
//
// No dependsOn references are offered: provider-kubernetes v1.0.0 resolves
// them in the control plane, not in the cluster the object goes to.
func KubernetesObject(manifest runtime.Object, providerConfig string, readiness kubev1alpha2.Readiness) (*kubev1alpha2.Object, error) {
	raw, err := ManifestJSON(manifest)
	if err != nil {
		return nil, err
	}
	return &kubev1alpha2.Object{
		Spec: kubev1alpha2.ObjectSpec{
			ResourceSpec: xpv2.ResourceSpec{ProviderConfigReference: &xpv2.Reference{Name: providerConfig}},
			ForProvider:  kubev1alpha2.ObjectParameters{Manifest: runtime.RawExtension{Raw: raw}},
			Readiness:    readiness,
		},
	}, nil
}

// ManifestJSON renders a typed object without the empty status and null
// creationTimestamp that typed structs carry: server-side apply would take
// them as intent.
func ManifestJSON(o runtime.Object) ([]byte, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, errors.Wrapf(err, "cannot convert %T to unstructured", o)
	}
	delete(u, "status")
	if md, ok := u["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	// go-json-experiment writes a map in a quarter of encoding/json's
	// allocations, which sorts keys through a slice of its own per map.
	b, err := jsonv2.Marshal(u, jsonv2.Deterministic(true))
	return b, errors.Wrapf(err, "cannot marshal %T", o)
}
