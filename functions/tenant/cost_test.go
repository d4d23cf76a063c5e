package main

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"sigs.k8s.io/yaml"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

// examplePlan is the plan of an example claim.
func examplePlan(t *testing.T, path string) *plan {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	xr := &v1alpha1.XOpenEdxTenant{}
	if err := yaml.Unmarshal(b, xr); err != nil {
		t.Fatal(err)
	}
	p, err := newPlan(xr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The prod example platform's cost status in eu-west-1: what the platform
// function publishes there (functions/platform checks the rates).
var prodCost = &v1alpha1.CostStatus{
	Currency: "USD", Region: "eu-west-1", PriceDate: "2026-12-04", Monthly: "3000.00",
	Rates: &v1alpha1.NodeRates{VCPUHour: "0.042840", GiBHour: "0.002772"},
}

func TestTenantCost(t *testing.T) {
	cases := map[string]struct {
		path     string
		platform *v1alpha1.CostStatus
		secrets  int
		want     *v1alpha1.CostStatus
	}{
		"PlatformWithoutRates": {
			path:     "../../examples/tenant-demo.yaml",
			platform: &v1alpha1.CostStatus{Region: "eu-west-1"},
			want:     nil,
		},
		// lms 2 and cms 2 at 500m and 2Gi, two workers at 250m and 1Gi,
		// caddy 2, the MFE 1 at 100m and 128Mi, Meilisearch at 250m and
		// 512Mi: 3050m and 11136Mi. (3.05 x 0.04284 + 10.875 x 0.002772) x
		// 730 = 117.39.
		"Demo": {
			path: "../../examples/tenant-demo.yaml", platform: prodCost, secrets: 1,
			want: &v1alpha1.CostStatus{
				Currency: "USD", Region: "eu-west-1", PriceDate: "2026-12-04", Monthly: "117.79", Excluded: excludedTenant,
				Components: []v1alpha1.CostComponent{{Name: "compute", Monthly: "117.39"}, {Name: "secrets", Monthly: "0.40"}},
			},
		},
		// lms 3, cms 2, lms workers 2, a cms worker: 3800m and 14208Mi.
		// (3.8 x 0.04284 + 13.875 x 0.002772) x 730 = 146.91.
		"University": {
			path: "../../examples/tenant-university.yaml", platform: prodCost, secrets: 1,
			want: &v1alpha1.CostStatus{
				Currency: "USD", Region: "eu-west-1", PriceDate: "2026-12-04", Monthly: "147.31", Excluded: excludedTenant,
				Components: []v1alpha1.CostComponent{{Name: "compute", Monthly: "146.91"}, {Name: "secrets", Monthly: "0.40"}},
			},
		},
		"UnreadableRates": {
			path:     "../../examples/tenant-demo.yaml",
			platform: &v1alpha1.CostStatus{Region: "eu-west-1", Rates: &v1alpha1.NodeRates{VCPUHour: "cheap", GiBHour: "0.1"}},
			want:     &v1alpha1.CostStatus{Currency: "USD", Region: "eu-west-1", Excluded: "everything: the platform's status.cost has no usable rates or region"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tenantCost(examplePlan(t, tc.path), tc.platform, tc.secrets)
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(v1alpha1.CostComponent{}, "Detail")); d != "" {
				t.Errorf("tenantCost (-want +got):\n%s", d)
			}
		})
	}
}
