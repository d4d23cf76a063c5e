package main

import (
	"testing"

	frsc "github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

// statusView is the view of an existing platform, as builders take it.
func statusView(pl *v1alpha1.XPlatform, costCenter string) platformView {
	return platformView{Name: pl.GetName(), Found: true, Status: pl.Status, CostCenter: costCenter}
}

func TestViewOf(t *testing.T) {
	// specOnly is a platform whose spec says everything and whose status
	// nothing yet: none of it may reach the tenant.
	specOnly := func() *v1alpha1.XPlatform {
		pl := &v1alpha1.XPlatform{}
		pl.SetName("prod")
		pl.Spec.Region, pl.Spec.ProviderConfigName, pl.Spec.CostCenter = "eu-west-1", "default", "spec-cost"
		pl.Spec.Networking.VPCCIDR = "10.40.0.0/16"
		return pl
	}
	ready := func(mod func(*v1alpha1.XPlatformStatus)) *v1alpha1.XPlatform {
		pl := specOnly()
		s := &pl.Status
		s.Cluster = v1alpha1.ClusterStatus{Name: "prod", ProviderConfigName: "prod", Ready: true}
		s.CostCenter = "learning-platform"
		s.Network.VPCCIDR = "10.40.0.0/16"
		publishPorts(s)
		s.Tenants.Allocations = []v1alpha1.TenantAllocation{{Instance: "demo", Composite: "demo-5fj2q", CeleryDatabase: 4, CacheDatabase: 5}}
		if mod != nil {
			mod(s)
		}
		return pl
	}
	existingNamespace := map[frsc.Name]frsc.ObservedComposed{
		nameNamespace: {Resource: observedObject(t, map[string]any{"metadata": map[string]any{"labels": map[string]any{
			LabelPlatform: "prod-old", LabelCostCenter: "old-cost",
		}}}, "prod-old")},
	}
	type want struct {
		Pending        platformPending
		Name           string
		ProviderConfig string
		CostCenter     string
		Network        *network
		Alloc          *v1alpha1.TenantAllocation
	}
	cases := map[string]struct {
		reason   string
		pl       *v1alpha1.XPlatform
		fetched  bool
		observed map[frsc.Name]frsc.ObservedComposed
		want     want
		err      string
	}{
		"NotFetched": {
			reason:   "Before Crossplane fetched the platform, the existing namespace says where the instance is.",
			observed: existingNamespace,
			want:     want{Pending: platformUnfetched, Name: "prod-old", ProviderConfig: "prod-old", CostCenter: "old-cost"},
		},
		"Missing": {
			reason:   "A missing platform keeps the existing namespace's placement.",
			fetched:  true,
			observed: existingNamespace,
			want:     want{Pending: platformMissing, Name: "prod-old", ProviderConfig: "prod-old", CostCenter: "old-cost"},
		},
		"SpecIsNotRead": {
			reason:  "A platform that has published nothing is not ready, whatever its spec says: no network, no cost center of its spec.",
			pl:      specOnly(),
			fetched: true,
			want:    want{Pending: platformNotReady, Name: "prod"},
		},
		"NotAdmitted": {
			reason:  "A ready platform that has not admitted the instance gives no cluster yet.",
			pl:      ready(func(s *v1alpha1.XPlatformStatus) { s.Tenants.Allocations = nil }),
			fetched: true,
			want:    want{Pending: platformNotAdmitted, Name: "prod", CostCenter: "learning-platform", Network: &network{VPCCIDR: "10.40.0.0/16", DataStorePorts: []int32{443, 3306, 6379, 27017}, SMTPPort: 587}},
		},
		"Usable": {
			reason:  "A ready platform that admitted the instance gives its cluster, its network and the allocation.",
			pl:      ready(nil),
			fetched: true,
			want: want{
				Pending: platformUsable, Name: "prod", ProviderConfig: "prod", CostCenter: "learning-platform",
				Network: &network{VPCCIDR: "10.40.0.0/16", DataStorePorts: []int32{443, 3306, 6379, 27017}, SMTPPort: 587},
				Alloc:   &v1alpha1.TenantAllocation{Instance: "demo", Composite: "demo-5fj2q", CeleryDatabase: 4, CacheDatabase: 5},
			},
		},
		"Refused": {
			reason: "A refusal is an error naming the platform and its reason.",
			pl: ready(func(s *v1alpha1.XPlatformStatus) {
				s.Tenants.Refused = []v1alpha1.TenantRefusal{{Composite: "demo-5fj2q", Reason: "instance demo is taken"}}
			}),
			fetched: true,
			err:     `platform "prod" refuses this instance: instance demo is taken`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v, err := viewOf(testPlan(t, nil), "demo-5fj2q", tc.pl, tc.fetched, tc.observed)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("%s\nviewOf(...): error %v, want %q", tc.reason, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nviewOf(...): %v", tc.reason, err)
			}
			got := want{Pending: v.Pending, Name: v.Name, ProviderConfig: v.ProviderConfig, CostCenter: v.CostCenter, Network: v.Network, Alloc: v.Alloc}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nviewOf(...): -want, +got:\n%s", tc.reason, diff)
			}
			if (v.Why == "") != (v.Pending == platformUsable || v.Pending == platformUnfetched) {
				t.Errorf("%s\nviewOf(...).Why = %q with pending %d: only a usable or unfetched platform has no reason", tc.reason, v.Why, v.Pending)
			}
		})
	}
}
