package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"sigs.k8s.io/yaml"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/pricing"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
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
		spot     bool
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
				Currency: "USD", Region: "eu-west-1", PriceDate: "2026-12-04", Monthly: "118.13", Excluded: excludedTenant,
				Components: []v1alpha1.CostComponent{{Name: "compute", Monthly: "117.73"}, {Name: "secrets", Monthly: "0.40"}},
			},
		},
		// lms 3, cms 2, lms workers 2, a cms worker: 3800m and 14208Mi.
		// (3.8 x 0.04284 + 13.875 x 0.002772) x 730 = 146.91.
		"University": {
			path: "../../examples/tenant-university.yaml", platform: prodCost, secrets: 1,
			want: &v1alpha1.CostStatus{
				Currency: "USD", Region: "eu-west-1", PriceDate: "2026-12-04", Monthly: "147.66", Excluded: excludedTenant,
				Components: []v1alpha1.CostComponent{{Name: "compute", Monthly: "147.26"}, {Name: "secrets", Monthly: "0.40"}},
			},
		},
		// Meilisearch alone stays on on-demand nodes: 250m and 512Mi,
		// (0.25 x 0.04284 + 0.5 x 0.002772) x 730 = 8.83; the rest,
		// 2800m and 10624Mi, is on the spot NodePool at the same rates:
		// (2.8 x 0.04284 + 10.375 x 0.002772) x 730 = 108.56.
		"DemoOnSpot": {
			path: "../../examples/tenant-demo.yaml", platform: prodCost, secrets: 1, spot: true,
			want: &v1alpha1.CostStatus{
				Currency: "USD", Region: "eu-west-1", PriceDate: "2026-12-04", Monthly: "118.13", Excluded: excludedTenant,
				Components: []v1alpha1.CostComponent{{Name: "compute", Monthly: "9.17"}, {Name: "compute-spot", Monthly: "108.56"}, {Name: "secrets", Monthly: "0.40"}},
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
			got := tenantCost(examplePlan(t, tc.path), tc.platform, tc.secrets, tc.spot)
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(v1alpha1.CostComponent{}, "Detail")); d != "" {
				t.Errorf("tenantCost (-want +got):\n%s", d)
			}
		})
	}
}

// TestCostSpotLabel: the spot component says it is an upper bound.
func TestCostSpotLabel(t *testing.T) {
	got := tenantCost(examplePlan(t, "../../examples/tenant-demo.yaml"), prodCost, 1, true)
	for _, c := range got.Components {
		if c.Name == "compute-spot" {
			if !strings.Contains(c.Detail, "at on-demand rates: an upper bound") {
				t.Errorf("compute-spot does not say it is priced at on-demand rates, an upper bound: %q", c.Detail)
			}
			return
		}
	}
	t.Errorf("no compute-spot component with a spot NodePool: %+v", got.Components)
}

// TestCostWhereWeStand computes docs/cost.md's "Where we stand" against
// issue #15's targets: the demo tenant on the production example's
// platform, and that platform shared by ten such tenants. The platform's
// figures are read from the doc's cost table, which the platform's
// TestCostDocTable checks against its function. UPDATE_COST_DOC=1
// rewrites the block.
func TestCostWhereWeStand(t *testing.T) {
	block := fntest.ReadDocBlock(t, "../../docs/cost.md", "<!-- where-we-stand:begin -->\n", "<!-- where-we-stand:end -->")
	// The production column of the cost table, by component.
	production := map[string]pricing.MicroUSD{}
	for _, line := range strings.Split(block.Doc, "\n") {
		cols := strings.Split(line, "|")
		if len(cols) != 7 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cols[1]), "*")
		if m, err := pricing.ParseRate(strings.Trim(strings.TrimSpace(cols[4]), "*")); err == nil {
			production[name] = m
		}
	}
	platform, ok := production["total"]
	if !ok {
		t.Fatalf("%s's cost table has no production total", block.Path)
	}
	stores := production["database"] + production["cache"] + production["mongodb"] + production["opensearch"]

	p := examplePlan(t, "../../examples/tenant-demo.yaml")
	c := tenantCost(p, prodCost, 1, true)
	amount := func(name string) pricing.MicroUSD {
		for _, x := range c.Components {
			if x.Name == name {
				m, err := pricing.ParseRate(x.Monthly)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
		}
		t.Fatalf("no component %s in %+v", name, c.Components)
		return 0
	}
	tenant, err := pricing.ParseRate(c.Monthly)
	if err != nil {
		t.Fatal(err)
	}
	// lms and cms at their minimums, at the same rates as the estimate.
	vcpu, _ := pricing.ParseRate(prodCost.Rates.VCPUHour)
	gib, _ := pricing.ParseRate(prodCost.Rates.GiBHour)
	webMemory := pricing.MicroUSD(sizeWeb.Memory.Value() * int64(gib) / (1 << 30))
	var web pricing.MicroUSD
	webReplicas := 0
	for _, a := range p.Autoscalers {
		if a.Deployment == deploymentLMS || a.Deployment == deploymentCMS {
			webReplicas += int(a.MinReplicas)
			web += pricing.MicroUSD(a.MinReplicas) * (pricing.MicroUSD(sizeWeb.CPU.MilliValue())*vcpu/1000 + webMemory) * pricing.HoursPerMonth
		}
	}
	// The least a tenant can cost: every autoscaler at the one replica the
	// XRD accepts, which gives up the web tier's high availability; and
	// what Tutor's own 2Gi memory request of lms and cms costs at the two
	// replicas each that keep a lost node or zone from being an outage.
	least := examplePlan(t, "../../examples/tenant-demo.yaml")
	for i := range least.Autoscalers {
		least.Autoscalers[i].MinReplicas = 1
	}
	leastCost, err := pricing.ParseRate(tenantCost(least, prodCost, 1, true).Monthly)
	if err != nil {
		t.Fatal(err)
	}
	tutorMemory := 2 * 2 * webMemory * pricing.HoursPerMonth

	const tenants = 10
	share := platform / tenants
	perTenant := roundCents(share) + tenant
	met := func(v, target pricing.MicroUSD) string {
		if v <= target {
			return "met"
		}
		return "not met"
	}
	target, stretch := pricing.MicroUSD(15_000_000), pricing.MicroUSD(100_000_000)
	want := fmt.Sprintf(`- Marginal tenant on `+"`production`"+`: **%s** a month (target %s: %s).
  Compute is %s of it: lms and cms alone, %d replicas at their
  autoscalers' minimums, each requesting %s vCPU and %s, are %s.
  %s of it is the pods on the spot NodePool, priced at on-demand rates
  (an upper bound: Spot's discount is not counted), %s the pods that
  stay on on-demand nodes (Meilisearch and the configuration sync).
  At on-demand rates no tenant reaches the target: the cheapest the API
  accepts, every autoscaler at one replica (no high availability), is
  %s; and the %s memory request Tutor itself sets on lms and cms
  costs %s a month for the two replicas of each that survive a lost
  node or zone, before any CPU. Only Spot's discount, not counted, can
  bring a highly available tenant under it.
- `+"`production`"+` at %d tenants: %s / %d + %s = **%s** per tenant-month
  (stretch goal %s: %s). The platform's share is %s, of which its data
  stores (Aurora, Valkey, MongoDB, OpenSearch) are %s.
`,
		tenant.Cents(), target.Cents(), met(tenant, target),
		(amount("compute") + amount("compute-spot")).Cents(), webReplicas, sizeWeb.CPU.String(), sizeWeb.Memory.String(), roundCents(web).Cents(),
		amount("compute-spot").Cents(), amount("compute").Cents(),
		leastCost.Cents(), sizeWeb.Memory.String(), roundCents(tutorMemory).Cents(),
		tenants, platform.Cents(), tenants, tenant.Cents(), perTenant.Cents(),
		stretch.Cents(), met(perTenant, stretch), roundCents(share).Cents(), roundCents(stores/tenants).Cents())
	block.Check(t, want, "UPDATE_COST_DOC", "TestCostWhereWeStand", `"Where we stand"`)
}
