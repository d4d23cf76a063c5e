package compose

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ProtectionGroupVersion is the API of Crossplane's usages.
var ProtectionGroupVersion = schema.GroupVersion{Group: "protection.crossplane.io", Version: "v1beta1"}

// ClusterUsage is Crossplane's protection.crossplane.io/v1beta1
// ClusterUsage: while it exists, Crossplane refuses to delete Of. Crossplane
// publishes its Go types only in its core module, which would raise this
// module's Kubernetes libraries; these fields are those of the CRD of
// Crossplane v2.1.0 (cluster/crds/protection.crossplane.io_clusterusages.yaml).
type ClusterUsage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ClusterUsageSpec `json:"spec"`
}

// ClusterUsageSpec says which resource uses which.
type ClusterUsageSpec struct {
	// Of is the resource being used, which cannot be deleted.
	Of UsageResource `json:"of"`
	// By is the resource using it. The usage ends when By is deleted.
	By *UsageResource `json:"by,omitempty"`
	// Reason is shown when a deletion of Of is refused; required without By.
	Reason string `json:"reason,omitempty"`
	// ReplayDeletion deletes Of again as soon as the usage is gone, if its
	// deletion was refused, rather than at the next retry.
	ReplayDeletion *bool `json:"replayDeletion,omitempty"`
}

// UsageResource names a resource by reference or by selector.
type UsageResource struct {
	APIVersion       string                 `json:"apiVersion,omitempty"`
	Kind             string                 `json:"kind,omitempty"`
	ResourceRef      *UsageResourceRef      `json:"resourceRef,omitempty"`
	ResourceSelector *UsageResourceSelector `json:"resourceSelector,omitempty"`
}

// UsageResourceRef is a resource's name.
type UsageResourceRef struct {
	Name string `json:"name"`
}

// UsageResourceSelector selects a resource by labels and, with
// MatchControllerRef, among those of the usage's own composite.
type UsageResourceSelector struct {
	MatchControllerRef *bool             `json:"matchControllerRef,omitempty"`
	MatchLabels        map[string]string `json:"matchLabels,omitempty"`
}

// DeepCopyObject lets ClusterUsage be a runtime.Object.
func (in *ClusterUsage) DeepCopyObject() runtime.Object {
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.Of = in.Spec.Of.deepCopy()
	if in.Spec.By != nil {
		by := in.Spec.By.deepCopy()
		out.Spec.By = &by
	}
	if in.Spec.ReplayDeletion != nil {
		out.Spec.ReplayDeletion = ptr(*in.Spec.ReplayDeletion)
	}
	return &out
}

func (in UsageResource) deepCopy() UsageResource {
	out := in
	if in.ResourceRef != nil {
		out.ResourceRef = ptr(*in.ResourceRef)
	}
	if s := in.ResourceSelector; s != nil {
		c := UsageResourceSelector{}
		if s.MatchControllerRef != nil {
			c.MatchControllerRef = ptr(*s.MatchControllerRef)
		}
		c.MatchLabels = maps.Clone(s.MatchLabels)
		out.ResourceSelector = &c
	}
	return out
}

// AddProtectionToScheme registers ClusterUsage, so that it can be composed
// like any typed object.
func AddProtectionToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(ProtectionGroupVersion, &ClusterUsage{})
	return nil
}
