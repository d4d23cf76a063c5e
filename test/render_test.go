package test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
	"github.com/openedx-cloud/platform-aws/test/policy"
)

var update = flag.Bool("update", false, "Update the golden files from RENDER_DIR.")

// dirs returns the rendered preview and schema directories, and skips the
// test when they are not given: plain `go test ./...` runs the unit tests,
// `make test` runs these too.
func dirs(t *testing.T) (render, schemas string) {
	t.Helper()
	render, schemas = os.Getenv("RENDER_DIR"), os.Getenv("SCHEMAS_DIR")
	if render == "" || schemas == "" {
		t.Skip("RENDER_DIR and SCHEMAS_DIR are not set: run make test")
	}
	return render, schemas
}

func examples(t *testing.T) []string {
	t.Helper()
	ex, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(ex) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	return ex
}

func rendered(t *testing.T, render, example string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifests.Read(filepath.Join(render, filepath.Base(example)))
	if err != nil {
		t.Fatalf("cannot read the preview of %s: %v", example, err)
	}
	if len(objs) == 0 {
		t.Fatalf("the preview of %s is empty", example)
	}
	return objs
}

// TestGolden compares every preview with its golden file, so that a change
// of output is a reviewed diff. Run `make golden-update` to accept one.
func TestGolden(t *testing.T) {
	render, _ := dirs(t)
	for _, ex := range examples(t) {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(render, filepath.Base(ex)))
			if err != nil {
				t.Fatalf("example %s was not rendered: %v", ex, err)
			}
			golden := filepath.Join("golden", filepath.Base(ex))
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil { //nolint:gosec // Golden files are world readable.
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden) //nolint:gosec // Fixed test path.
			if err != nil {
				t.Fatalf("no golden file for %s: run make golden-update: %v", ex, err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("the preview of %s differs from %s (-golden, +rendered); run make golden-update if intended:\n%s", ex, golden, diff)
			}
		})
	}
}

func byKind(objs []*unstructured.Unstructured, group, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if gvk := o.GroupVersionKind(); gvk.Group == group && gvk.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func condition(o *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ {
			return fmt.Sprint(m["status"])
		}
	}
	return ""
}

// TestProductionPlatform checks the foundation's promise on the production
// example: 9 subnets over 3 zones, a NAT gateway per zone, and an EKS
// cluster whose nodes live in the three private-app subnets.
func TestProductionPlatform(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-production.yaml")

	if got := condition(objs[0], "Ready"); got != "True" {
		t.Errorf("XPlatform Ready = %q once every resource is ready, want True", got)
	}
	subnets := byKind(objs, "ec2.aws.upbound.io", "Subnet")
	if len(subnets) != 9 {
		t.Fatalf("want 9 subnets, got %d", len(subnets))
	}
	zonesByTier := map[string][]string{}
	for _, s := range subnets {
		tier := s.GetLabels()["platform.openedx.cloud/tier"]
		zone, _, _ := unstructured.NestedString(s.Object, "spec", "forProvider", "availabilityZone")
		zonesByTier[tier] = append(zonesByTier[tier], zone)
	}
	for _, tier := range []string{"public", "private-app", "private-db"} {
		z := slices.Clone(zonesByTier[tier])
		sort.Strings(z)
		if z = slices.Compact(z); len(z) != 3 {
			t.Errorf("tier %s spans zones %v, want 3 distinct zones", tier, zonesByTier[tier])
		}
	}
	if n := len(byKind(objs, "ec2.aws.upbound.io", "NATGateway")); n != 3 {
		t.Errorf("want a NAT gateway per zone (3) in production, got %d", n)
	}

	clusters := byKind(objs, "eks.aws.upbound.io", "Cluster")
	if len(clusters) != 1 {
		t.Fatalf("want one EKS cluster, got %d", len(clusters))
	}
	vcs, _, _ := unstructured.NestedSlice(clusters[0].Object, "spec", "forProvider", "vpcConfig")
	labels, _, _ := unstructured.NestedStringMap(vcs[0].(map[string]any), "subnetIdSelector", "matchLabels")
	ctrl, _, _ := unstructured.NestedBool(vcs[0].(map[string]any), "subnetIdSelector", "matchControllerRef")
	if diff := cmp.Diff(map[string]string{"platform.openedx.cloud/tier": "private-app"}, labels); diff != "" || !ctrl {
		t.Errorf("the cluster must select this platform's private-app subnets (matchControllerRef %t): -want, +got:\n%s", ctrl, diff)
	}
	if got := len(zonesByTier["private-app"]); got != 3 {
		t.Errorf("the cluster's selector matches %d private-app subnets, want 3", got)
	}
	compute, _, _ := unstructured.NestedSlice(clusters[0].Object, "spec", "forProvider", "computeConfig")
	if len(compute) != 1 || compute[0].(map[string]any)["enabled"] != true {
		t.Errorf("want EKS Auto Mode compute enabled, got %v", compute)
	}
	if n := len(byKind(objs, "kubernetes.crossplane.io", "ProviderConfig")); n != 1 {
		t.Errorf("want the provider-kubernetes ProviderConfig tenants use, got %d", n)
	}
}

func TestSmallPlatformSharesOneNATGateway(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-small.yaml")
	if n := len(byKind(objs, "ec2.aws.upbound.io", "NATGateway")); n != 1 {
		t.Errorf("want one NAT gateway in the small profile, got %d", n)
	}
	if n := len(byKind(objs, "ec2.aws.upbound.io", "Subnet")); n != 9 {
		t.Errorf("want 9 subnets in the small profile too, got %d", n)
	}
}

// TestTenantsLandOnTheirPlatform checks that each tenant composes its
// namespace, its isolation, autoscaling, disruption budgets and Ingress as
// provider-kubernetes Objects bound to its platform's cluster.
func TestTenantsLandOnTheirPlatform(t *testing.T) {
	render, _ := dirs(t)
	platform := rendered(t, render, "platform-production.yaml")[0]
	pc, _, _ := unstructured.NestedString(platform.Object, "status", "cluster", "providerConfigName")
	if pc == "" {
		t.Fatal("the production platform publishes no providerConfigName")
	}
	for _, ex := range []string{"tenant-demo.yaml", "tenant-university.yaml"} {
		t.Run(ex, func(t *testing.T) {
			objs := rendered(t, render, ex)
			if got := condition(objs[0], "Ready"); got != "True" {
				t.Errorf("tenant Ready = %q, want True", got)
			}
			var kinds []string
			for _, o := range byKind(objs, "kubernetes.crossplane.io", "Object") {
				k, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "manifest", "kind")
				kinds = append(kinds, k)
				if got, _, _ := unstructured.NestedString(o.Object, "spec", "providerConfigRef", "name"); got != pc {
					t.Errorf("%s Object targets ProviderConfig %q, want the platform's %q", k, got, pc)
				}
			}
			sort.Strings(kinds)
			want := []string{
				// The Tutor plugin, and the provisioning Job's scripts.
				"ConfigMap", "ConfigMap",
				// The pod that keeps the Tutor configuration Secret synced.
				"Deployment",
				"HorizontalPodAutoscaler", "HorizontalPodAutoscaler", "HorizontalPodAutoscaler", "HorizontalPodAutoscaler",
				"Ingress", "Job", "LimitRange", "Namespace",
				"NetworkPolicy", "NetworkPolicy", "NetworkPolicy",
				"PodDisruptionBudget", "PodDisruptionBudget", "PodDisruptionBudget",
				"ResourceQuota", "SecretProviderClass", "ServiceAccount",
			}
			if diff := cmp.Diff(want, kinds); diff != "" {
				t.Errorf("tenant objects: -want, +got:\n%s", diff)
			}
		})
	}
}

// crd is what the tests need of a CRD.
type crd struct {
	storage  string
	scope    string
	taggable bool
}

func loadCRDs(t *testing.T, dir string) map[schema.GroupKind]crd {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s: %v", dir, err)
	}
	out := map[schema.GroupKind]crd{}
	for _, f := range files {
		objs, err := manifests.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				continue
			}
			g, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			k, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			c := crd{}
			c.scope, _, _ = unstructured.NestedString(o.Object, "spec", "scope")
			versions, _, _ := unstructured.NestedSlice(o.Object, "spec", "versions")
			for _, v := range versions {
				m := v.(map[string]any)
				if m["storage"] != true {
					continue
				}
				c.storage = fmt.Sprint(m["name"])
				_, c.taggable, _ = unstructured.NestedMap(m, "schema", "openAPIV3Schema", "properties", "spec", "properties", "forProvider", "properties", "tags")
			}
			out[schema.GroupKind{Group: g, Kind: k}] = c
		}
	}
	return out
}

func allRendered(t *testing.T, render string) []*unstructured.Unstructured {
	t.Helper()
	var all []*unstructured.Unstructured
	for _, ex := range examples(t) {
		all = append(all, rendered(t, render, ex)...)
	}
	return all
}

// TestStorageVersionsAndScope: the provider CRDs ship no conversion webhook
// configuration, so a non-storage version breaks on any API server without
// the provider running; and a cluster-scoped composite can only compose
// cluster-scoped resources. Render and schema validation check neither.
func TestStorageVersionsAndScope(t *testing.T) {
	render, schemas := dirs(t)
	crds := loadCRDs(t, schemas)
	for _, o := range allRendered(t, render) {
		gvk := o.GroupVersionKind()
		if gvk.Group == "platform.openedx.cloud" || gvk.Group == "render.crossplane.io" {
			continue
		}
		c, ok := crds[gvk.GroupKind()]
		if !ok {
			t.Errorf("%s %q: no CRD", gvk.GroupKind(), policy.Key(o))
			continue
		}
		if gvk.Version != c.storage {
			t.Errorf("%s %q: composed at %s, want the storage version %s", gvk.GroupKind(), policy.Key(o), gvk.Version, c.storage)
		}
		if c.scope != "Cluster" {
			t.Errorf("%s %q: scope %s; a cluster-scoped composite can only compose cluster-scoped resources", gvk.GroupKind(), policy.Key(o), c.scope)
		}
	}
}

// TestPolicies runs the security and cost rules on every rendered object.
func TestPolicies(t *testing.T) {
	render, schemas := dirs(t)
	crds := loadCRDs(t, schemas)
	taggable := func(o *unstructured.Unstructured) bool { return crds[o.GroupVersionKind().GroupKind()].taggable }
	objs := allRendered(t, render)
	rules := policy.Rules(taggable)
	if failures := policy.Check(rules, objs); len(failures) > 0 {
		t.Errorf("%d policy failures:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	// A rule that matches nothing passes vacuously: every rule must have
	// something to check in the examples.
	for _, r := range rules {
		if !slices.ContainsFunc(objs, r.Applies) {
			t.Errorf("policy %q applies to no rendered object", r.Name)
		}
	}
}

// TestConfigurationDependsOnEveryProviderUsed: the Configuration package
// must install a provider for every API group the functions compose, or
// the composed resources have no CRD in a real cluster.
func TestConfigurationDependsOnEveryProviderUsed(t *testing.T) {
	render, _ := dirs(t)
	metas, err := manifests.Read("../crossplane.yaml")
	if err != nil || len(metas) != 1 {
		t.Fatalf("cannot read crossplane.yaml: %v", err)
	}
	deps, _, _ := unstructured.NestedSlice(metas[0].Object, "spec", "dependsOn")
	have := map[string]bool{}
	for _, d := range deps {
		if p, ok := d.(map[string]any)["provider"].(string); ok {
			have[p] = true
		}
	}
	for _, o := range allRendered(t, render) {
		g := o.GroupVersionKind().Group
		var want string
		switch {
		case strings.HasSuffix(g, ".aws.upbound.io"):
			want = "xpkg.upbound.io/upbound/provider-aws-" + strings.TrimSuffix(g, ".aws.upbound.io")
		case g == "kubernetes.crossplane.io":
			want = "xpkg.upbound.io/crossplane-contrib/provider-kubernetes"
		default:
			continue
		}
		if !have[want] {
			t.Errorf("%s %q is composed but crossplane.yaml does not depend on %s", o.GetKind(), policy.Key(o), want)
			have[want] = true // report each provider once
		}
	}
}
