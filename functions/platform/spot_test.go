package main

import (
	"encoding/json"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

func observedSpotNodePool(ready bool) resource.ObservedComposed {
	status := `{}`
	if ready {
		status = `{` + edgeTestReady + `}`
	}
	return observedJSON(`{"apiVersion": "kubernetes.crossplane.io/v1alpha2", "kind": "Object", "metadata": {"name": "prod-n0dep"}, "status": ` + status + `}`)
}

func TestSpotNodePool(t *testing.T) {
	// The whole NodePool, as provider-kubernetes applies it.
	want := map[string]any{
		"apiVersion": "karpenter.sh/v1",
		"kind":       "NodePool",
		"metadata":   map[string]any{"name": "openedx-spot"},
		"spec": map[string]any{
			"template": map[string]any{"spec": map[string]any{
				"nodeClassRef": map[string]any{"group": "eks.amazonaws.com", "kind": "NodeClass", "name": "default"},
				"requirements": []any{
					map[string]any{"key": "karpenter.sh/capacity-type", "operator": "In", "values": []any{"spot", "on-demand"}},
					map[string]any{"key": "eks.amazonaws.com/instance-category", "operator": "In", "values": []any{"c", "m", "r"}},
					map[string]any{"key": "eks.amazonaws.com/instance-generation", "operator": "Gt", "values": []any{"4"}},
					map[string]any{"key": "kubernetes.io/arch", "operator": "In", "values": []any{"amd64"}},
					map[string]any{"key": "kubernetes.io/os", "operator": "In", "values": []any{"linux"}},
					map[string]any{"key": "topology.kubernetes.io/zone", "operator": "In", "values": []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
				},
				"taints": []any{map[string]any{"key": "platform.openedx.cloud/spot", "value": "true", "effect": "NoSchedule"}},
			}},
			"disruption": map[string]any{"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m"},
		},
	}
	published := &v1alpha1.SpotNodePoolStatus{Name: "openedx-spot", TaintKey: "platform.openedx.cloud/spot", TaintValue: "true", TaintEffect: "NoSchedule"}

	cases := map[string]struct {
		reason    string
		off       bool
		observed  map[resource.Name]resource.ObservedComposed
		composed  bool
		published *v1alpha1.SpotNodePoolStatus
	}{
		"ClusterNotReachableYet": {
			reason:   "The NodePool waits until provider-kubernetes can reach the cluster.",
			observed: map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(false)},
		},
		"ClusterReachable": {
			reason:   "Once ClusterAuth is ready the NodePool is composed, but not published until it exists.",
			observed: map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(true)},
			composed: true,
		},
		"NodePoolReady": {
			reason:    "A NodePool that exists is published for the tenants.",
			observed:  map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(true), nameSpotNodePool: observedSpotNodePool(true)},
			composed:  true,
			published: published,
		},
		"ExistingNodePoolIsKept": {
			reason:    "A NodePool that exists is never dropped, even if ClusterAuth is not ready now.",
			observed:  map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(false), nameSpotNodePool: observedSpotNodePool(true)},
			composed:  true,
			published: published,
		},
		"TurnedOff": {
			reason:   "With spec.kubernetes.spotForTenants false there is no NodePool, and none is published while the old one is deleted.",
			off:      true,
			observed: map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(true), nameSpotNodePool: observedSpotNodePool(true)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := newXR(func(xr *v1alpha1.XPlatform) {
				if tc.off {
					xr.Spec.Kubernetes.SpotForTenants = ptr.To(false)
				}
			})
			p := mustPlan(t, xr)
			rs, err := spotNodePool(p, tc.observed)
			if err != nil {
				t.Fatal(err)
			}
			objs := ofType[*kubev1alpha2.Object](rs)
			if got := len(objs) == 1; got != tc.composed {
				t.Fatalf("%s\nNodePool composed: %t, want %t", tc.reason, got, tc.composed)
			}
			if tc.composed {
				o := objs[nameSpotNodePool]
				if o.Spec.ProviderConfigReference == nil || o.Spec.ProviderConfigReference.Name != p.kubernetesProviderConfigName() {
					t.Errorf("%s\nprovider config %v, want %q", tc.reason, o.Spec.ProviderConfigReference, p.kubernetesProviderConfigName())
				}
				var got map[string]any
				if err := json.Unmarshal(o.Spec.ForProvider.Manifest.Raw, &got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s\nNodePool: -want, +got:\n%s", tc.reason, diff)
				}
			}
			status := platformStatus(p, tc.observed, true)
			if diff := cmp.Diff(tc.published, status.Cluster.SpotNodePool); diff != "" {
				t.Errorf("%s\nstatus.cluster.spotNodePool: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
