//go:build e2e

package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// tenantObjects are provider-kubernetes Objects every tenant composes,
// among others, by composition resource name, with the kind of object each
// one manages.
var tenantObjects = map[string]string{
	"namespace":      "Namespace",
	"resource-quota": "ResourceQuota",
	"limit-range":    "LimitRange",
}

// checkTenantObjects wants a Ready tenant to compose exactly what
// tenantWant says, each once (every object labelled with its composite
// counts, not only those it lists), among them its Namespace,
// ResourceQuota and LimitRange. Every Object manages an object in
// namespace openedx-<instance>, or one named after the instance in the
// platform's provisioner namespace, through the ProviderConfig of its
// Platform claim (platform, in namespace platform); its ClusterUsage keeps
// the platform's XPlatform while it exists; and everything is Ready,
// ClusterUsages by Crossplane's own usage controller.
func checkTenantObjects(t *testing.T, claim, xr, instance, platform string) []*unstructured.Unstructured {
	t.Helper()
	rs, err := cp.composed(typeXTenant, xr)
	if err != nil {
		t.Fatal(err)
	}
	all, err := listComposed(tenantResourceTypes(t), "crossplane.io/composite="+xr)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkComposedShape(xr, all, tenantWant(t, platform)) {
		t.Errorf("OpenEdxTenant %s: %s", claim, p)
	}
	if len(all) != len(rs) {
		t.Errorf("OpenEdxTenant %s: %d objects are labelled with XOpenEdxTenant %s, and it lists %d", claim, len(all), xr, len(rs))
	}
	for name, kind := range tenantObjects {
		if o := byResourceName(rs, name); o == nil || manifest(o).GetKind() != kind {
			t.Errorf("OpenEdxTenant %s composed no Object %s managing its %s", claim, name, kind)
		}
	}
	providerConfig := platformProviderConfig(t, platform)
	platformXR := compositeOf(t, typePlatform, nsPlatform, platform)
	provisioner := fieldString(getT(t, typeXPlatform, "", platformXR), "status.provisioner.namespace")
	ns := "openedx-" + instance
	for _, o := range rs {
		if s, _, _ := condition(o, "Ready"); s != "True" {
			t.Errorf("%s is not Ready: %s", ref(o), describeConditions(o))
		}
		if o.GetKind() != "Object" {
			continue
		}
		m := manifest(o)
		gotNS := m.GetNamespace()
		if m.GetKind() == "Namespace" {
			gotNS = m.GetName()
		}
		if gotNS != ns && (gotNS == "" || gotNS != provisioner || !strings.Contains(m.GetName(), instance)) {
			t.Errorf("%s manages %s %q in namespace %q, want namespace %q, or a name with %q in the provisioner's namespace %q", ref(o), m.GetKind(), m.GetName(), gotNS, ns, instance, provisioner)
		}
		if pc := fieldString(o, "spec.providerConfigRef.name"); pc != providerConfig {
			t.Errorf("%s uses ProviderConfig %q, want the platform's %q", ref(o), pc, providerConfig)
		}
	}
	if u := byResourceName(rs, usagePlatform); u == nil {
		t.Errorf("OpenEdxTenant %s composed no ClusterUsage %s", claim, usagePlatform)
	} else if err := usageOfBy(u, typeXPlatform, platformXR, typeXTenant, xr); err != nil {
		t.Errorf("OpenEdxTenant %s: %v", claim, err)
	}
	return rs
}

// usageOfBy wants a Usage to be of one resource and by another, each named
// by resource type (plural.group) and name.
func usageOfBy(u *unstructured.Unstructured, ofType, of, byType, by string) error {
	for _, w := range []struct{ field, typ, name string }{{"of", ofType, of}, {"by", byType, by}} {
		kind := fieldString(u, "spec."+w.field+".kind")
		group, _, _ := strings.Cut(fieldString(u, "spec."+w.field+".apiVersion"), "/")
		name := fieldString(u, "spec."+w.field+".resourceRef.name")
		if got := strings.ToLower(kind) + "s." + group; got != w.typ || name != w.name {
			return fmt.Errorf("%s: spec.%s is %s %q (%s), want %s %q", ref(u), w.field, kind, name, got, w.typ, w.name)
		}
	}
	return nil
}

// platformProviderConfig returns the ProviderConfig a platform claim's
// status names.
func platformProviderConfig(t *testing.T, name string) string {
	t.Helper()
	c := getT(t, typePlatform, nsPlatform, name)
	pc, _, _ := unstructured.NestedString(c.Object, "status", "cluster", "providerConfigName")
	if pc == "" {
		t.Fatalf("Platform %s/%s has no status.cluster.providerConfigName: %s", nsPlatform, name, describeConditions(c))
	}
	return pc
}

// TestTenantsOfOnePlatform applies two tenants of the staging platform:
// each waits for the platform to admit it, then composes its own
// Namespace, ResourceQuota and LimitRange Objects through the platform's
// ProviderConfig, its AWS resources and its provisioning Job; no composed
// resource, AWS name or managed object collides, and each tenant becomes
// Ready once the providers report its resources ready and its Job done.
func TestTenantsOfOnePlatform(t *testing.T) {
	_, tenants := readyTenants(t)

	objectNames := map[string]string{} // Kind/name -> tenant
	external := map[string]string{}    // Kind external-name -> tenant
	managed := map[string]string{}     // kind/namespace/name -> tenant
	claims := make([]string, 0, len(tenants))
	for c := range tenants {
		claims = append(claims, c)
	}
	sort.Strings(claims)
	for _, claim := range claims {
		xr := tenants[claim]
		c := getT(t, typeTenant, nsTenants, claim)
		if err := conditionIs(c, "PlatformReady", "True"); err != nil {
			t.Error(err)
		}
		if got, _, _ := unstructured.NestedString(c.Object, "status", "namespace"); got != "openedx-"+claim {
			t.Errorf("OpenEdxTenant %s status.namespace = %q, want %q", claim, got, "openedx-"+claim)
		}
		for _, o := range checkTenantObjects(t, claim, xr, claim, "staging") {
			if other, ok := objectNames[ref(o)]; ok {
				t.Errorf("tenants %s and %s both compose %s", other, claim, ref(o))
			}
			objectNames[ref(o)] = claim
			// What AWS knows a resource by.
			if ext := o.GetAnnotations()["crossplane.io/external-name"]; ext != "" {
				id := o.GetKind() + "." + o.GroupVersionKind().Group + " " + ext
				if other, ok := external[id]; ok {
					t.Errorf("tenants %s and %s both compose %s", other, claim, id)
				}
				external[id] = claim
			}
			if o.GetKind() != "Object" {
				continue
			}
			m := manifest(o)
			id := fmt.Sprintf("%s %s/%s", m.GetKind(), m.GetNamespace(), m.GetName())
			if other, ok := managed[id]; ok {
				t.Errorf("tenants %s and %s both manage %s", other, claim, id)
			}
			managed[id] = claim
		}
	}
	// READY is False: the platform has no DNS domain, so nothing routes
	// to the tenant (see TestLedgerRefusals).
	columns := printedColumns(t, typeTenant, nsTenants, "demo")
	for col, want := range map[string]string{"READY": "False", "SYNCED": "True", "INSTANCE": "demo"} {
		if columns[col] != want {
			t.Errorf("kubectl get openedxtenant demo: column %s = %q, want %q (all columns: %v)", col, columns[col], want, columns)
		}
	}
}

// TestTenantQuotaChangesInPlace changes a tenant's pod quota: the
// ResourceQuota Object is updated, not replaced (same UID), and nothing
// else is composed.
func TestTenantQuotaChangesInPlace(t *testing.T) {
	_, tenants := readyTenants(t)
	xr := tenants["demo"]
	rs, err := cp.composed(typeXTenant, xr)
	if err != nil {
		t.Fatal(err)
	}
	before0 := rs
	before := byResourceName(rs, "resource-quota")
	if before == nil {
		t.Fatalf("OpenEdxTenant demo has no resource-quota Object")
	}
	oldPods := fieldString(manifest(before), "spec.hard.pods")
	newPods := "75"
	if oldPods == newPods {
		newPods = "80"
	}
	start := time.Now()
	kubectlT(t, "patch", typeTenant, "demo", "-n", nsTenants, "--type=merge",
		"-p", fmt.Sprintf(`{"spec":{"resources":{"quota":{"pods":%s}}}}`, newPods))

	var after *unstructured.Unstructured
	eventually(t, 2*time.Minute, func() error {
		rs, err := cp.composed(typeXTenant, xr)
		if err != nil {
			return err
		}
		after = byResourceName(rs, "resource-quota")
		if after == nil {
			return fmt.Errorf("OpenEdxTenant demo lost its resource-quota Object%s", describeComposite(typeXTenant, xr))
		}
		if got := fieldString(manifest(after), "spec.hard.pods"); got != newPods {
			return fmt.Errorf("%s: ResourceQuota spec.hard.pods = %q, want %s after changing spec.resources.quota.pods from %s%s",
				ref(after), got, newPods, oldPods, describeComposite(typeXTenant, xr))
		}
		if len(rs) != len(before0) {
			return fmt.Errorf("OpenEdxTenant demo composes %d resources after the change, want %d as before", len(rs), len(before0))
		}
		return nil
	})
	t.Logf("the ResourceQuota Object had pods %s %.0fs after the claim changed", newPods, time.Since(start).Seconds())
	if after.GetUID() != before.GetUID() || after.GetName() != before.GetName() {
		t.Errorf("the ResourceQuota Object was replaced: %s (uid %s) became %s (uid %s); want an update in place",
			before.GetName(), before.GetUID(), after.GetName(), after.GetUID())
	}
	readyTenant(t, "demo", xr)
}

// TestTenantWaitsForItsPlatform applies a tenant whose platform does not
// exist: it reports PlatformReady=False naming the platform and composes
// nothing. Once the platform is created and ready, the tenant completes by
// itself, without being touched.
func TestTenantWaitsForItsPlatform(t *testing.T) {
	ensureNamespace(t, nsTenants)
	if getT(t, typePlatform, nsPlatform, "later") != nil {
		t.Fatalf("Platform %s/later exists before the test", nsPlatform)
	}
	// TestDeletingPlatformWaitsForItsTenants deletes both, in order.
	applyFile(t, "test/e2e/testdata/tenant-waiting.yaml")
	xr := compositeOf(t, typeTenant, nsTenants, "waiting")

	const wantMessage = `Platform "later" in namespace "platform"`
	eventually(t, 2*time.Minute, func() error {
		c, err := cp.kube.get(typeTenant, nsTenants, "waiting")
		if err != nil {
			return err
		}
		s, _, msg := condition(c, "PlatformReady")
		if s != "False" || !strings.Contains(msg, wantMessage) {
			return fmt.Errorf("OpenEdxTenant waiting: want PlatformReady=False with a message naming %s, have %s%s", wantMessage, describeConditions(c), describeComposite(typeXTenant, xr))
		}
		return nil
	})
	c := getT(t, typeTenant, nsTenants, "waiting")
	if s, _, _ := condition(c, "Ready"); s == "True" {
		t.Errorf("OpenEdxTenant waiting is Ready without a platform: %s", describeConditions(c))
	}
	if rs, err := cp.composed(typeXTenant, xr); err != nil || len(rs) != 0 {
		t.Errorf("OpenEdxTenant waiting composed %d resources without a platform (%v), want none", len(rs), err)
	}

	start := time.Now()
	readyPlatform(t, "test/e2e/testdata/platform-later.yaml", "later")
	t.Logf("platform later ready after %.0fs", time.Since(start).Seconds())
	readyTenant(t, "waiting", xr)
	t.Logf("tenant waiting ready %.0fs after its platform was created", time.Since(start).Seconds())
	c = getT(t, typeTenant, nsTenants, "waiting")
	if err := conditionIs(c, "PlatformReady", "True"); err != nil {
		t.Error(err)
	}
	checkTenantObjects(t, "waiting", xr, "waiting", "later")
}

// TestDeletingTenantKeepsPlatform deletes a tenant: everything it composed
// is deleted (by the garbage collector, through their owner references;
// its ClusterUsages hold its secret and role until its namespace is gone),
// while the platform's resources and the other tenant are untouched.
func TestDeletingTenantKeepsPlatform(t *testing.T) {
	platformXR, tenants := readyTenants(t)
	victim, other := "demo-b", "demo"
	objs, err := cp.composed(typeXTenant, tenants[victim])
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatalf("OpenEdxTenant %s has no Objects to delete", victim)
	}
	platformRs, err := cp.composed(typeXPlatform, platformXR)
	if err != nil {
		t.Fatal(err)
	}
	otherRs, err := cp.composed(typeXTenant, tenants[other])
	if err != nil {
		t.Fatal(err)
	}

	kubectlT(t, "delete", typeTenant, victim, "-n", nsTenants, "--wait=false")
	eventually(t, 4*time.Minute, func() error {
		var left []string
		if c, err := cp.kube.get(typeTenant, nsTenants, victim); err != nil || c != nil {
			left = append(left, "OpenEdxTenant "+victim)
		}
		if x, err := cp.kube.get(typeXTenant, "", tenants[victim]); err != nil || x != nil {
			left = append(left, "XOpenEdxTenant "+tenants[victim])
		}
		for _, o := range objs {
			if u, err := cp.kube.get(resourceType(o), "", o.GetName()); err != nil || u != nil {
				left = append(left, ref(o))
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("deleting OpenEdxTenant %s left: %s", victim, strings.Join(left, ", "))
		}
		return nil
	})

	for _, group := range []struct {
		owner string
		rs    []*unstructured.Unstructured
	}{{"the platform", platformRs}, {"tenant " + other, otherRs}} {
		for _, r := range group.rs {
			u := getT(t, resourceType(r), "", r.GetName())
			switch {
			case u == nil:
				t.Errorf("deleting tenant %s deleted %s of %s", victim, ref(r), group.owner)
			case u.GetDeletionTimestamp() != nil:
				t.Errorf("deleting tenant %s is deleting %s of %s", victim, ref(r), group.owner)
			case u.GetUID() != r.GetUID():
				t.Errorf("deleting tenant %s replaced %s of %s", victim, ref(r), group.owner)
			}
		}
	}
	if err := conditionIs(getT(t, typePlatform, nsPlatform, "staging"), "Ready", "True"); err != nil {
		t.Errorf("platform after deleting tenant %s: %v", victim, err)
	}
	if err := tenantReady(getT(t, typeTenant, nsTenants, other)); err != nil {
		t.Errorf("tenant %s after deleting tenant %s: %v", other, victim, err)
	}
}
