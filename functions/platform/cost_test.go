package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/pricing"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// exampleXR is an example claim as its composite, as Crossplane makes it.
func exampleXR(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var xr map[string]any
	if err := yaml.Unmarshal(b, &xr); err != nil {
		t.Fatal(err)
	}
	xr["apiVersion"], xr["kind"] = v1alpha1.Group+"/v1alpha1", "XPlatform"
	xr["metadata"] = map[string]any{"name": xr["metadata"].(map[string]any)["name"]}
	j, err := json.Marshal(xr)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// converge runs the function until AWS has reported on everything it
// composes, and returns the platform's status.
func converge(t *testing.T, xr string) v1alpha1.XPlatformStatus {
	t.Helper()
	var observed map[string]*fnv1.Resource
	var rsp *fnv1.RunFunctionResponse
	for range 6 {
		rsp = run(t, newRequest(xr, observed, nil))
		observed = observe(t, rsp, nil)
	}
	var s struct {
		Status v1alpha1.XPlatformStatus `json:"status"`
	}
	b, err := json.Marshal(rsp.GetDesired().GetComposite().GetResource().AsMap())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s.Status
}

func sumComponents(t *testing.T, c *v1alpha1.CostStatus) pricing.MicroUSD {
	t.Helper()
	var sum pricing.MicroUSD
	for _, x := range c.Components {
		m, err := pricing.ParseRate(x.Monthly)
		if err != nil {
			t.Fatalf("component %s: %v", x.Name, err)
		}
		sum += m
	}
	return sum
}

// The examples' estimates: what each component is, and that the total is
// their sum.
func TestCostOfExamples(t *testing.T) {
	cases := map[string]struct {
		path string
		// want are components whose amounts are worked out by hand from
		// the price table.
		want []v1alpha1.CostComponent
		// names are every component's name, in order.
		names []string
		// budget, if set, is the most the whole platform may cost a month.
		budget string
	}{
		"Small": {
			path: "../../examples/platform-small.yaml",
			want: []v1alpha1.CostComponent{
				{Name: "eks", Monthly: "73.00"},          // 0.10 x 730
				{Name: "nat-gateways", Monthly: "36.50"}, // (0.045 + 0.005) x 730
				{Name: "bastion", Monthly: "3.87"},       // 0.0042 x 730 + 10 x 0.08
				{Name: "database", Monthly: "43.80"},     // 0.5 x 0.12 x 730
				{Name: "cache", Monthly: "11.68"},        // 0.016 x 730
				{Name: "mongodb", Monthly: "48.79"},      // 3 x 0.0168 x 730 + 3 x (20 + 30) x 0.08
				{Name: "secrets", Monthly: "2.00"},       // 5 x 0.40: cache AUTH; MongoDB admin, keyfile, CA and CA key
				{Name: "system-pods", Monthly: "17.46"},  // (0.56 x 0.037296 + 1120/1024 x 0.002772) x 730
			},
			names: []string{"eks", "nat-gateways", "bastion", "database", "cache", "mongodb", "kms-keys", "secrets", "hosted-zones", "system-pods"},
			// The budget: one Tutor VM costs about $300 all in.
			budget: "250.00",
		},
		"Production": {
			path: "../../examples/platform-production.yaml",
			want: []v1alpha1.CostComponent{
				{Name: "nat-gateways", Monthly: "116.07"}, // 3 x (0.048 + 0.005) x 730
				{Name: "database", Monthly: "672.33"},     // 3 x 0.307 x 730
				{Name: "cache", Monthly: "532.17"},        // 3 x 0.243 x 730
				{Name: "opensearch", Monthly: "778.14"},   // 3 x 0.196 x 730 + 150 x 0.136 + 3 x 0.150 x 730
				{Name: "waf", Monthly: "19.00"},           // 2 x 5 + (5 + 4) rules
				{Name: "system-pods", Monthly: "19.73"},   // (0.56 x 0.04284 + 1120/1024 x 0.002772) x 730
			},
			names: []string{"eks", "nat-gateways", "ssm-endpoints", "bastion", "database", "cache", "mongodb", "opensearch", "load-balancer", "waf", "kms-keys", "secrets", "hosted-zones", "system-pods"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := converge(t, exampleXR(t, tc.path)).Cost
			var names []string
			got := map[string]v1alpha1.CostComponent{}
			for _, x := range c.Components {
				names = append(names, x.Name)
				got[x.Name] = v1alpha1.CostComponent{Name: x.Name, Monthly: x.Monthly}
			}
			if d := cmp.Diff(tc.names, names); d != "" {
				t.Errorf("components (-want +got):\n%s", d)
			}
			for _, w := range tc.want {
				if d := cmp.Diff(w, got[w.Name]); d != "" {
					t.Errorf("component %s (-want +got):\n%s", w.Name, d)
				}
			}
			total, err := pricing.ParseRate(c.Monthly)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sumComponents(t, c); sum != total {
				t.Errorf("total %s is not the sum of the components, %s", c.Monthly, sum.Cents())
			}
			if tc.budget != "" {
				if b, _ := pricing.ParseRate(tc.budget); total > b {
					t.Errorf("total %s a month is over the budget of %s", c.Monthly, tc.budget)
				}
			}
			if c.Currency != "USD" || c.PriceDate == "" || c.Rates == nil || !strings.Contains(c.Excluded, "data transfer") {
				t.Errorf("cost %+v lacks its currency, date, rates or what it excludes", c)
			}
		})
	}
}

func TestPlatformCost(t *testing.T) {
	cases := map[string]struct {
		xr   *v1alpha1.XPlatform
		want *v1alpha1.CostStatus
	}{
		"RegionWithoutPrices": {
			xr:   newXR(withRegion("ap-south-1")),
			want: &v1alpha1.CostStatus{Region: "ap-south-1", Excluded: "everything: the price table covers " + strings.Join(pricing.Regions(), ", ") + " only"},
		},
		"InstanceTypeWithoutPrice": {
			xr: newXR(withRegion("us-east-1"), withProfile(v1alpha1.ProfileSmall), func(x *v1alpha1.XPlatform) {
				x.Spec.Cache.NodeType = "cache.x9.huge"
				x.Spec.Bastion.Enabled = new(bool)
			}),
			want: &v1alpha1.CostStatus{
				Currency: "USD", Region: "us-east-1", PriceDate: "2026-12-04", Monthly: "220.55",
				Components: []v1alpha1.CostComponent{
					{Name: "eks", Monthly: "73.00"},
					{Name: "nat-gateways", Monthly: "36.50"},
					{Name: "database", Monthly: "43.80"},
					{Name: "mongodb", Monthly: "48.79"},
					{Name: "kms-keys", Monthly: "1.00"},
					{Name: "system-pods", Monthly: "17.46"},
				},
				Rates:    &v1alpha1.NodeRates{VCPUHour: "0.037296", GiBHour: "0.002772"},
				Excluded: "no list price in the table for elasticache/cache.x9.huge; and " + excluded,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := newPlan(tc.xr)
			if err != nil {
				t.Fatal(err)
			}
			got := platformCost(p, map[pricing.Item]int{pricing.KMSKey: 1})
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(v1alpha1.CostComponent{}, "Detail")); d != "" {
				t.Errorf("platformCost (-want +got):\n%s", d)
			}
		})
	}
}

// costTable is docs/cost.md's table of the examples' estimates.
func costTable(t *testing.T) string {
	t.Helper()
	small := converge(t, exampleXR(t, "../../examples/platform-small.yaml")).Cost
	prod := converge(t, exampleXR(t, "../../examples/platform-production.yaml")).Cost
	amount := func(c *v1alpha1.CostStatus, name string) (string, string) {
		for _, x := range c.Components {
			if x.Name == name {
				return x.Monthly, x.Detail
			}
		}
		return "—", ""
	}
	var b strings.Builder
	b.WriteString("| Component | `small` (" + small.Region + ") | | `production` (" + prod.Region + ") | |\n|---|--:|---|--:|---|\n")
	seen := map[string]bool{}
	for _, c := range append(append([]v1alpha1.CostComponent{}, prod.Components...), small.Components...) {
		if seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		sm, sd := amount(small, c.Name)
		pm, pd := amount(prod, c.Name)
		b.WriteString("| " + c.Name + " | " + sm + " | " + sd + " | " + pm + " | " + pd + " |\n")
	}
	b.WriteString("| **total** | **" + small.Monthly + "** | | **" + prod.Monthly + "** | |\n")
	b.WriteString("\nUSD a month at the list prices of " + prod.PriceDate + "; node rates in " + small.Region + ": " + small.Rates.VCPUHour + " per vCPU-hour and " + small.Rates.GiBHour + " per GiB-hour; in " + prod.Region + ": " + prod.Rates.VCPUHour + " and " + prod.Rates.GiBHour + ".\n")
	return b.String()
}

// docs/cost.md's table is what the function computes for the examples.
// UPDATE_COST_DOC=1 rewrites it.
func TestCostDocTable(t *testing.T) {
	block := fntest.ReadDocBlock(t, "../../docs/cost.md", "<!-- cost-table:begin -->\n", "<!-- cost-table:end -->")
	block.Check(t, costTable(t), "UPDATE_COST_DOC", "TestCostDocTable", "cost table")
}

// costLevers are the settings README's table of cost levers prices: each
// is applied to the production example, and saves the difference of the
// two estimates. spotForTenants is not among them: what it saves is Spot's
// discount, which no dated table holds.
var costLevers = []struct {
	setting string
	value   any
	path    []string
}{
	{"`spec.search.opensearch.enabled: false`", false, []string{"spec", "search", "opensearch", "enabled"}},
	{"`spec.database.readers: 1`", int64(1), []string{"spec", "database", "readers"}},
	{"`spec.database.readers: 0`", int64(0), []string{"spec", "database", "readers"}},
	{"`spec.cache.replicas: 0`", int64(0), []string{"spec", "cache", "replicas"}},
	{"`spec.bastion.ssmEndpoints: false`", false, []string{"spec", "bastion", "ssmEndpoints"}},
	{"`spec.profile: small`", "small", []string{"spec", "profile"}},
}

// README's table of cost levers says what each saves on the production
// example, as the function estimates it: the savings column is checked,
// the rest is the README's prose. Every lever above must have its row.
func TestCostLeversTable(t *testing.T) {
	block := fntest.ReadDocBlock(t, "../../README.md", "<!-- cost-levers:begin -->\n", "<!-- cost-levers:end -->")
	base := exampleXR(t, "../../examples/platform-production.yaml")
	total := func(xr string) pricing.MicroUSD {
		m, err := pricing.ParseRate(converge(t, xr).Cost.Monthly)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := total(base)
	want := map[string]string{}
	for _, l := range costLevers {
		var xr map[string]any
		if err := json.Unmarshal([]byte(base), &xr); err != nil {
			t.Fatal(err)
		}
		if err := unstructured.SetNestedField(xr, l.value, l.path...); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(xr)
		if err != nil {
			t.Fatal(err)
		}
		want[l.setting] = (before - total(string(b))).Cents()
	}
	rows := map[string]string{}
	for _, line := range strings.Split(block.Content(), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 5 || !strings.HasPrefix(strings.TrimSpace(cols[1]), "`") {
			continue
		}
		rows[strings.TrimSpace(cols[1])] = strings.TrimSpace(cols[2])
	}
	for setting, saves := range want {
		got, ok := rows[setting]
		if !ok {
			t.Errorf("README's cost levers have no row for %s (saves %s a month on production)", setting, saves)
			continue
		}
		if got != saves {
			t.Errorf("README's cost levers: %s saves %s a month on production, the README says %q", setting, saves, got)
		}
	}
}
