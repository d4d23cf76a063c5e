//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// inUseLabel is the label Crossplane's usage controller puts on what a
// Usage protects; its webhook refuses to delete what carries it while a
// Usage of it exists.
const inUseLabel = "crossplane.io/in-use"

// TestDeletingPlatformWaitsForItsTenants deletes a platform that has a
// tenant (the later platform and its waiting tenant, which
// TestTenantWaitsForItsPlatform leaves, or makes them): the tenant's
// ClusterUsage of the XPlatform is Ready and has marked it in use, so
// deleting the XPlatform is refused with a message naming the Usage and
// the tenant, and deleting the Platform claim leaves the XPlatform and all
// it composed in place, the claim reporting why, for as long as the
// tenant exists. Once the tenant is deleted, the platform's deletion
// proceeds by itself (the Usage replays it) and both are gone.
func TestDeletingPlatformWaitsForItsTenants(t *testing.T) {
	const platform, tenant = "later", "waiting"
	platformXR := readyPlatform(t, "test/e2e/testdata/platform-later.yaml", platform)
	ensureNamespace(t, nsTenants)
	applyFile(t, "test/e2e/testdata/tenant-waiting.yaml")
	tenantXR := compositeOf(t, typeTenant, nsTenants, tenant)
	readyTenant(t, tenant, tenantXR)
	t.Cleanup(func() {
		_, _ = cp.kube.run(nil, "delete", typeTenant, tenant, "-n", nsTenants, "--wait=false", "--ignore-not-found")
		_, _ = cp.kube.run(nil, "delete", typePlatform, platform, "-n", nsPlatform, "--wait=false", "--ignore-not-found")
	})

	rs, err := cp.composed(typeXTenant, tenantXR)
	if err != nil {
		t.Fatal(err)
	}
	usage := byResourceName(rs, usagePlatform)
	if usage == nil {
		t.Fatalf("OpenEdxTenant %s composed no ClusterUsage %s: %v", tenant, usagePlatform, countByKind(rs))
	}
	if err := usageOfBy(usage, typeXPlatform, platformXR, typeXTenant, tenantXR); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		u, err := cp.kube.get(resourceType(usage), "", usage.GetName())
		if err != nil {
			return err
		}
		if err := conditionIs(u, "Ready", "True"); err != nil {
			return fmt.Errorf("%w%s", err, cp.events(usage.GetName()))
		}
		x, err := cp.kube.get(typeXPlatform, "", platformXR)
		if err != nil {
			return err
		}
		if x.GetLabels()[inUseLabel] != "true" {
			return fmt.Errorf("XPlatform %s has no label %s=true: %v", platformXR, inUseLabel, x.GetLabels())
		}
		return nil
	})
	platformRs, err := cp.composed(typeXPlatform, platformXR)
	if err != nil {
		t.Fatal(err)
	}

	// The XPlatform itself: refused by the webhook, naming the usage.
	_, err = cp.kube.run(nil, "delete", typeXPlatform, platformXR, "--wait=false")
	if err == nil {
		t.Fatalf("kubectl delete xplatform %s succeeded while OpenEdxTenant %s uses it", platformXR, tenant)
	}
	for _, want := range []string{"in-use", usage.GetName(), "XOpenEdxTenant/" + tenantXR} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("deleting XPlatform %s was refused without naming %q: %v", platformXR, want, err)
		}
	}
	t.Logf("deleting the XPlatform: %v", err)

	// The claim: deleted by the user, but its XPlatform stays, with all it
	// composed, and the claim says why.
	kubectlT(t, "delete", typePlatform, platform, "-n", nsPlatform, "--wait=false")
	eventually(t, 2*time.Minute, func() error {
		c, err := cp.kube.get(typePlatform, nsPlatform, platform)
		if err != nil {
			return err
		}
		if c == nil {
			return permanent{fmt.Errorf("Platform %s/%s is gone while OpenEdxTenant %s uses it", nsPlatform, platform, tenant)}
		}
		if _, _, msg := condition(c, "Synced"); !strings.Contains(msg, usage.GetName()) {
			return fmt.Errorf("Platform %s/%s, being deleted, does not name the usage %s: %s%s", nsPlatform, platform, usage.GetName(), describeConditions(c), cp.events(platform))
		}
		return nil
	})
	t.Logf("the Platform claim says: %s", describeConditions(getT(t, typePlatform, nsPlatform, platform)))
	// A while later, nothing has moved.
	time.Sleep(20 * time.Second)
	x := getT(t, typeXPlatform, "", platformXR)
	switch {
	case x == nil:
		t.Fatalf("XPlatform %s is gone while OpenEdxTenant %s uses it", platformXR, tenant)
	case x.GetDeletionTimestamp() != nil:
		t.Errorf("XPlatform %s is being deleted while OpenEdxTenant %s uses it", platformXR, tenant)
	}
	for _, r := range platformRs {
		switch u := getT(t, resourceType(r), "", r.GetName()); {
		case u == nil:
			t.Errorf("%s of the platform is gone while OpenEdxTenant %s uses it", ref(r), tenant)
		case u.GetDeletionTimestamp() != nil:
			t.Errorf("%s of the platform is being deleted while OpenEdxTenant %s uses it", ref(r), tenant)
		}
	}
	if err := tenantReady(getT(t, typeTenant, nsTenants, tenant)); err != nil {
		t.Errorf("the tenant while its platform's deletion waits: %v", err)
	}

	// The tenant goes; then the platform.
	start := time.Now()
	kubectlT(t, "delete", typeTenant, tenant, "-n", nsTenants, "--wait=false")
	eventually(t, 5*time.Minute, func() error {
		var left []string
		for _, o := range []struct{ typ, ns, name string }{
			{typeTenant, nsTenants, tenant}, {typeXTenant, "", tenantXR},
			{typePlatform, nsPlatform, platform}, {typeXPlatform, "", platformXR},
		} {
			if u, err := cp.kube.get(o.typ, o.ns, o.name); err != nil || u != nil {
				left = append(left, fmt.Sprintf("%s %s", strings.Split(o.typ, ".")[0], o.name))
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("%.0fs after deleting OpenEdxTenant %s, these remain: %s", time.Since(start).Seconds(), tenant, strings.Join(left, ", "))
		}
		return nil
	})
	t.Logf("the tenant and then its platform were gone %.0fs after the tenant was deleted", time.Since(start).Seconds())
}
