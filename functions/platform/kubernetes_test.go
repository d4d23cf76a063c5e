package main

import (
	"encoding/json"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
)

func TestClusterSettings(t *testing.T) {
	cases := map[string]struct {
		reason    string
		observed  map[resource.Name]resource.ObservedComposed
		configMap bool
	}{
		"ClusterNotReachableYet": {
			reason:   "The add-on comes with the cluster; the ConfigMap waits until provider-kubernetes can reach it.",
			observed: map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(false)},
		},
		"ClusterReachable": {
			reason:    "Once ClusterAuth is ready the network policy controller is turned on.",
			observed:  map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(true)},
			configMap: true,
		},
		"ExistingConfigMapIsKept": {
			reason:    "A ConfigMap that exists is never dropped, even if ClusterAuth is not ready now.",
			observed:  map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(false), nameNetworkPolicyCNI: {}},
			configMap: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, err := clusterSettings(mustPlan(t, newXR()), tc.observed)
			if err != nil {
				t.Fatal(err)
			}
			addon := mustGet[*eksv1beta1.Addon](t, rs, nameMetricsServer).Spec.ForProvider
			if *addon.AddonName != "metrics-server" || addon.ClusterNameSelector == nil {
				t.Errorf("%s\nadd-on %q selecting %v, want metrics-server on this platform's cluster", tc.reason, *addon.AddonName, addon.ClusterNameSelector)
			}
			objs := ofType[*kubev1alpha2.Object](rs)
			if got := len(objs) == 1; got != tc.configMap {
				t.Fatalf("%s\nConfigMap composed: %t, want %t", tc.reason, got, tc.configMap)
			}
			if !tc.configMap {
				return
			}
			var cm struct {
				Metadata struct{ Name, Namespace string }
				Data     map[string]string
			}
			if err := json.Unmarshal(objs[nameNetworkPolicyCNI].Spec.ForProvider.Manifest.Raw, &cm); err != nil {
				t.Fatal(err)
			}
			if cm.Metadata.Name != "amazon-vpc-cni" || cm.Metadata.Namespace != "kube-system" {
				t.Errorf("%s\nConfigMap %s/%s, want kube-system/amazon-vpc-cni", tc.reason, cm.Metadata.Namespace, cm.Metadata.Name)
			}
			if diff := cmp.Diff(map[string]string{"enable-network-policy-controller": "true"}, cm.Data); diff != "" {
				t.Errorf("%s\nConfigMap data: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
