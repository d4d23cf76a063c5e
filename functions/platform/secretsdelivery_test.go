package main

import (
	"encoding/json"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	"k8s.io/utils/ptr"
)

func TestSecretsDelivery(t *testing.T) {
	cases := map[string]struct {
		reason string
		name   string
		region string
	}{
		"Default": {
			reason: "The add-on is installed on the platform's own cluster, in its region.",
			name:   testName,
			region: testRegion,
		},
		"OtherPlatform": {
			reason: "Its Name tag follows the cluster's name.",
			name:   "staging",
			region: "us-east-1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := secretsDelivery(mustPlan(t, newXR(withName(tc.name), withRegion(tc.region))))
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != "eks-addon-secrets-store-csi-driver" {
				t.Errorf("%s\ncomposed as %q", tc.reason, r.Name)
			}
			got := r.Object.(*eksv1beta1.Addon).Spec.ForProvider
			config := ptr.Deref(got.ConfigurationValues, "")
			got.ConfigurationValues = nil
			want := eksv1beta1.AddonParameters{
				Region:                   ptr.To(tc.region),
				AddonName:                ptr.To("aws-secrets-store-csi-driver-provider"),
				ClusterNameSelector:      selectorOf(map[string]string{LabelRole: "eks-cluster"}),
				ResolveConflictsOnCreate: ptr.To("OVERWRITE"),
				ResolveConflictsOnUpdate: ptr.To("OVERWRITE"),
				Tags: map[string]*string{
					"Name": ptr.To(tc.name + "-aws-secrets-store-csi-driver-provider"), "platform": ptr.To(tc.name),
					"cost-center": ptr.To(testCostCenter), "managed-by": ptr.To("crossplane"), "app": ptr.To("openedx"),
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nadd-on: -want, +got:\n%s", tc.reason, diff)
			}

			// Decoded independently of the builder's types: the driver is
			// a subchart of the AWS provider's chart.
			var values map[string]map[string]any
			if err := json.Unmarshal([]byte(config), &values); err != nil {
				t.Fatalf("%s\nconfigurationValues %q: %v", tc.reason, config, err)
			}
			wantValues := map[string]map[string]any{"secrets-store-csi-driver": {
				"syncSecret":           map[string]any{"enabled": true},
				"enableSecretRotation": true,
				"rotationPollInterval": "2m",
			}}
			if diff := cmp.Diff(wantValues, values); diff != "" {
				t.Errorf("%s\nconfigurationValues: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestClusterSettingsDeliverSecrets(t *testing.T) {
	rs, err := clusterSettings(mustPlan(t, newXR()), map[resource.Name]resource.ObservedComposed{})
	if err != nil {
		t.Fatal(err)
	}
	addons := ofType[*eksv1beta1.Addon](rs)
	got := map[resource.Name]string{}
	for n, a := range addons {
		got[n] = *a.Spec.ForProvider.AddonName
	}
	want := map[resource.Name]string{
		"eks-addon-metrics-server":           "metrics-server",
		"eks-addon-secrets-store-csi-driver": "aws-secrets-store-csi-driver-provider",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("The cluster gets metrics-server and the Secrets Store CSI driver with the cluster: -want, +got:\n%s", diff)
	}
	if c := addons[nameMetricsServer].Spec.ForProvider.ConfigurationValues; c != nil {
		t.Errorf("metrics-server keeps its defaults, got configuration %q", *c)
	}
}
