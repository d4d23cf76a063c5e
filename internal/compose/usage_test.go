package compose

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestClusterUsage(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddProtectionToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := AddProtectionToScheme(composed.Scheme); err != nil {
		t.Fatal(err)
	}
	yes := true
	u := &ClusterUsage{Spec: ClusterUsageSpec{
		Of: UsageResource{
			APIVersion:       "eks.aws.upbound.io/v1beta1",
			Kind:             "Cluster",
			ResourceSelector: &UsageResourceSelector{MatchControllerRef: &yes, MatchLabels: map[string]string{"role": "eks-cluster"}},
		},
		By: &UsageResource{
			APIVersion:  "kubernetes.crossplane.io/v1alpha2",
			Kind:        "Object",
			ResourceRef: &UsageResourceRef{Name: "edge"},
		},
		ReplayDeletion: &yes,
	}}

	gvks, _, err := s.ObjectKinds(u)
	if err != nil || len(gvks) != 1 || gvks[0].String() != "protection.crossplane.io/v1beta1, Kind=ClusterUsage" {
		t.Errorf("registered as %v (%v), want protection.crossplane.io/v1beta1 ClusterUsage", gvks, err)
	}

	d := &Desired{Resources: map[resource.Name]*resource.DesiredComposed{}}
	if err := d.AddAll(Resource{Name: "usage", Object: u}); err != nil {
		t.Fatal(err)
	}
	// The JSON of the CRD of Crossplane v2.1.0, written out independently
	// of the Go types.
	want := map[string]any{
		"apiVersion": "protection.crossplane.io/v1beta1",
		"kind":       "ClusterUsage",
		"spec": map[string]any{
			"of": map[string]any{
				"apiVersion":       "eks.aws.upbound.io/v1beta1",
				"kind":             "Cluster",
				"resourceSelector": map[string]any{"matchControllerRef": true, "matchLabels": map[string]any{"role": "eks-cluster"}},
			},
			"by": map[string]any{
				"apiVersion":  "kubernetes.crossplane.io/v1alpha2",
				"kind":        "Object",
				"resourceRef": map[string]any{"name": "edge"},
			},
			"replayDeletion": true,
		},
	}
	if diff := cmp.Diff(want, d.Resources["usage"].Resource.Object); diff != "" {
		t.Errorf("composed ClusterUsage: -want, +got:\n%s", diff)
	}

	c := u.DeepCopyObject().(*ClusterUsage)
	c.Spec.Of.ResourceSelector.MatchLabels["role"] = "changed"
	*c.Spec.Of.ResourceSelector.MatchControllerRef = false
	c.Spec.By.ResourceRef.Name = "changed"
	*c.Spec.ReplayDeletion = false
	if u.Spec.Of.ResourceSelector.MatchLabels["role"] != "eks-cluster" || !*u.Spec.Of.ResourceSelector.MatchControllerRef ||
		u.Spec.By.ResourceRef.Name != "edge" || !*u.Spec.ReplayDeletion {
		t.Errorf("DeepCopyObject shares state with the original: %+v", u.Spec)
	}
}
