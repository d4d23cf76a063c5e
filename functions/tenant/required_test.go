package main

import (
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
)

func TestRequiredResources(t *testing.T) {
	cases := map[string]struct {
		platform string
		want     string
	}{
		"OthersLeftOut": {
			platform: `{"kind": "XPlatform", "metadata": {"name": "prod"}, "status": {"region": "eu-west-1", "tenants": {
				"allocations": [{"instance": "a", "composite": "a-1", "cacheDatabase": 3}, {"instance": "demo", "composite": "demo-5fj2q", "cacheDatabase": 5}],
				"refused": [{"composite": "b-2", "reason": "full"}],
				"deprovisioning": [{"instance": "c", "composite": "c-3"}]}}}`,
			want: `{"kind": "XPlatform", "metadata": {"name": "prod"}, "status": {"region": "eu-west-1", "tenants": {
				"allocations": [{"instance": "demo", "composite": "demo-5fj2q", "cacheDatabase": 5}]}}}`,
		},
		"OwnRefusalKept": {
			platform: `{"kind": "XPlatform", "status": {"tenants": {"refused": [{"composite": "b-2", "reason": "full"}, {"composite": "demo-5fj2q", "reason": "full"}]}}}`,
			want:     `{"kind": "XPlatform", "status": {"tenants": {"refused": [{"composite": "demo-5fj2q", "reason": "full"}]}}}`,
		},
		"NoLedger": {
			platform: `{"kind": "XPlatform", "status": {"region": "eu-west-1"}}`,
			want:     `{"kind": "XPlatform", "status": {"region": "eu-west-1"}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &fnv1.RunFunctionRequest{RequiredResources: map[string]*fnv1.Resources{
				requirementPlatform: {Items: []*fnv1.Resource{{Resource: resource.MustStructJSON(tc.platform)}}},
				"none":              {},
			}}
			got := requiredResources(req, "demo-5fj2q")
			if diff := cmp.Diff(resource.MustStructJSON(tc.want).AsMap(), got[requirementPlatform][0].Resource.Object); diff != "" {
				t.Errorf("requiredResources(...): -want, +got:\n%s", diff)
			}
			if items, ok := got["none"]; !ok || len(items) != 0 {
				t.Errorf("requiredResources(...)[none] = %v, %v; want an empty list, as Crossplane fetched it", items, ok)
			}
		})
	}
}
