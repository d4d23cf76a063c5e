//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ledgerTimeout is how long a change to a tenant takes to reach the
// platform's ledger and back: the platform reads its tenants on its next
// reconcile and the tenant reads the ledger on its own, a TTL (a minute,
// ±10%) each.
const ledgerTimeout = 4 * time.Minute

// ledgerTenant is a tenant claim of the staging platform in namespace
// tenants, with extra spec fields.
func ledgerTenant(name string, spec map[string]any) map[string]any {
	s := map[string]any{
		"platformRef":  map[string]any{"name": "staging", "namespace": nsPlatform},
		"instanceName": name,
		"lmsHost":      "learn." + name + ".example.com",
	}
	for k, v := range spec {
		s[k] = v
	}
	return map[string]any{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind":       "OpenEdxTenant",
		"metadata":   map[string]any{"name": name, "namespace": nsTenants},
		"spec":       s,
	}
}

// ledgerEntry returns the platform's refusal reason and allocation of a
// composite: "" and nil when it has none.
func ledgerEntry(platformXR, composite string) (refused string, alloc map[string]any, err error) {
	x, err := cp.kube.get(typeXPlatform, "", platformXR)
	if err != nil || x == nil {
		return "", nil, fmt.Errorf("XPlatform %s: %v", platformXR, err)
	}
	rs, _, _ := unstructured.NestedSlice(x.Object, "status", "tenants", "refused")
	for _, r := range rs {
		if m, _ := r.(map[string]any); m["composite"] == composite {
			refused, _ = m["reason"].(string)
		}
	}
	as, _, _ := unstructured.NestedSlice(x.Object, "status", "tenants", "allocations")
	for _, a := range as {
		if m, _ := a.(map[string]any); m["composite"] == composite {
			alloc = m
			// kubectl's JSON decodes numbers as float64; the tests compare
			// database indexes as int64.
			for _, k := range []string{"celeryDatabase", "cacheDatabase"} {
				if f, ok := m[k].(float64); ok {
					m[k] = int64(f)
				}
			}
		}
	}
	return refused, alloc, nil
}

// refusedWith waits until the platform refuses the composite with a reason
// holding every part, and the composite says so (Synced=False), and
// returns the allocation the composite keeps, if any.
func refusedWith(t *testing.T, platformXR, claim, composite string, parts ...string) map[string]any {
	t.Helper()
	var alloc map[string]any
	eventually(t, ledgerTimeout, func() error {
		reason, a, err := ledgerEntry(platformXR, composite)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if !strings.Contains(reason, p) {
				return fmt.Errorf("XPlatform %s: want %s refused with a reason holding %q, have reason %q", platformXR, composite, p, reason)
			}
		}
		// A fatal result leaves the claim Synced (Crossplane v2 marks its
		// own conditions Unknown); the composite says why it is not.
		c, err := cp.kube.get(typeXTenant, "", composite)
		if err != nil {
			return err
		}
		if c == nil {
			return fmt.Errorf("XOpenEdxTenant %s does not exist", composite)
		}
		if s, _, msg := condition(c, "Synced"); s != "False" || !strings.Contains(msg, parts[0]) {
			return fmt.Errorf("XOpenEdxTenant %s (claim %s): want Synced=False naming %q, have %s", composite, claim, parts[0], describeConditions(c))
		}
		alloc = a
		return nil
	})
	return alloc
}

// admittedWith waits until the platform admits the composite, with the
// given databases when celery is not negative, and refuses it no more.
func admittedWith(t *testing.T, platformXR, composite string, celery, cache int64) map[string]any {
	t.Helper()
	var alloc map[string]any
	eventually(t, ledgerTimeout, func() error {
		reason, a, err := ledgerEntry(platformXR, composite)
		if err != nil {
			return err
		}
		if reason != "" || a == nil {
			return fmt.Errorf("XPlatform %s: want %s admitted, have allocation %v and refusal %q", platformXR, composite, a, reason)
		}
		if celery >= 0 && (a["celeryDatabase"] != celery || a["cacheDatabase"] != cache) {
			return fmt.Errorf("XPlatform %s: want %s given databases %d and %d, have %v", platformXR, composite, celery, cache, a)
		}
		alloc = a
		return nil
	})
	return alloc
}

// TestLedgerRefusals shows on the control plane what the platform's ledger
// refuses, and that what it tells users works:
//   - tenantCapacity cannot be changed once the platform exists (the live
//     cache keeps its databases), and status.cache.databases is what the
//     ledger hands out;
//   - a tenant whose Studio host is another tenant's LMS host is refused,
//     naming the field and the other tenant, composes nothing, and is
//     admitted once its host is changed;
//   - a pin beyond the cache is refused, and correcting it is accepted by
//     the API server and admits the tenant;
//   - a pin added to an admitted tenant that would move its databases is
//     refused, the tenant keeps them, and removing the pin clears it;
//   - a tenant of a platform without a DNS domain composes everything yet
//     is not Ready: DNSReady=False says to set the platform's domain.
func TestLedgerRefusals(t *testing.T) {
	platformXR := readyPlatform(t, "examples/platform-small.yaml", "staging")
	ensureNamespace(t, nsTenants)

	// Capacity: fixed at apply time, with a message that says why.
	x := getT(t, typeXPlatform, "", platformXR)
	if db, ok := nestedNumber(x, "status", "cache", "databases"); !ok || db != 100 {
		t.Errorf("XPlatform %s status.cache.databases = %d, want 100: two for each of the default 50 tenants", platformXR, db)
	}
	_, err := cp.kube.run(nil, "patch", typePlatform, "staging", "-n", nsPlatform, "--type=merge", "-p", `{"spec":{"tenantCapacity":60}}`)
	if err == nil || !strings.Contains(err.Error(), "tenantCapacity is fixed once the platform exists") {
		t.Errorf("raising tenantCapacity of a live platform: want the API server to refuse it, saying why; got %v", err)
	}

	names := []string{"ledger-a", "ledger-b", "ledger-c"}
	t.Cleanup(func() {
		for _, n := range names {
			_, _ = cp.kube.run(nil, "delete", typeTenant, n, "-n", nsTenants, "--wait=false", "--ignore-not-found")
		}
	})
	// ledger-b is created after ledger-a and claims its LMS host as its
	// Studio host; ledger-c pins databases the cache does not have.
	if err := cp.kube.applyObjects("e2e", []map[string]any{ledgerTenant("ledger-a", nil)}); err != nil {
		t.Fatal(err)
	}
	xrA := compositeOf(t, typeTenant, nsTenants, "ledger-a")
	admittedWith(t, platformXR, xrA, -1, -1)
	if err := cp.kube.applyObjects("e2e", []map[string]any{
		ledgerTenant("ledger-b", map[string]any{"cmsHost": "learn.ledger-a.example.com"}),
		ledgerTenant("ledger-c", map[string]any{"redis": map[string]any{"celeryDatabase": 300, "cacheDatabase": 301}}),
	}); err != nil {
		t.Fatal(err)
	}
	xrB := compositeOf(t, typeTenant, nsTenants, "ledger-b")
	xrC := compositeOf(t, typeTenant, nsTenants, "ledger-c")

	// Hosts.
	if a := refusedWith(t, platformXR, "ledger-b", xrB, `spec.cmsHost: Invalid value: "learn.ledger-a.example.com"`, fmt.Sprintf("the LMS host (spec.lmsHost) of XOpenEdxTenant %q", xrA)); a != nil {
		t.Errorf("XPlatform %s allocated %v to %s, which it refuses", platformXR, a, xrB)
	}
	if rs, err := cp.composed(typeXTenant, xrB); err != nil || len(rs) != 0 {
		t.Errorf("OpenEdxTenant ledger-b composed %d resources while refused (%v), want none", len(rs), err)
	}
	kubectlT(t, "patch", typeTenant, "ledger-b", "-n", nsTenants, "--type=json", "-p", `[{"op":"remove","path":"/spec/cmsHost"}]`)
	admittedWith(t, platformXR, xrB, -1, -1)

	// A refused pin is corrected.
	refusedWith(t, platformXR, "ledger-c", xrC, "spec.redis.celeryDatabase: Invalid value: 300", "databases 0 to 99")
	kubectlT(t, "patch", typeTenant, "ledger-c", "-n", nsTenants, "--type=merge", "-p", `{"spec":{"redis":{"celeryDatabase":90,"cacheDatabase":91}}}`)
	admittedWith(t, platformXR, xrC, 90, 91)

	// A pin added after admission that would move the databases.
	_, before, err := ledgerEntry(platformXR, xrA)
	if err != nil || before == nil {
		t.Fatalf("ledger-a has no allocation: %v", err)
	}
	kubectlT(t, "patch", typeTenant, "ledger-a", "-n", nsTenants, "--type=merge", "-p", `{"spec":{"redis":{"celeryDatabase":80,"cacheDatabase":81}}}`)
	kept := refusedWith(t, platformXR, "ledger-a", xrA, "spec.redis: Invalid value", fmt.Sprintf("set spec.redis to celeryDatabase %d and cacheDatabase %d, or remove it", before["celeryDatabase"], before["cacheDatabase"]))
	if kept == nil || kept["celeryDatabase"] != before["celeryDatabase"] || kept["cacheDatabase"] != before["cacheDatabase"] {
		t.Errorf("ledger-a's allocation went from %v to %v when its pin was refused; want it kept", before, kept)
	}
	kubectlT(t, "patch", typeTenant, "ledger-a", "-n", nsTenants, "--type=json", "-p", `[{"op":"remove","path":"/spec/redis"}]`)
	admittedWith(t, platformXR, xrA, before["celeryDatabase"].(int64), before["cacheDatabase"].(int64))

	// No domain: converged, not Ready, and told what to do.
	readyTenant(t, "ledger-a", xrA)
	c := getT(t, typeTenant, nsTenants, "ledger-a")
	if s, _, _ := condition(c, "Ready"); s == "True" {
		t.Errorf("OpenEdxTenant ledger-a is Ready on a platform without a DNS domain, where nothing routes to it: %s", describeConditions(c))
	}
	if s, reason, msg := condition(c, "DNSReady"); s != "False" || reason != "NoDomain" || !strings.Contains(msg, "Set the platform's spec.dns.domain") {
		t.Errorf("OpenEdxTenant ledger-a: want DNSReady=False, reason NoDomain, saying to set the platform's spec.dns.domain; have %s", describeConditions(c))
	}
}
