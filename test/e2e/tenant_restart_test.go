//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The restart test's tenants: how many, and the namespace of their claims.
const (
	restartTenants = 8
	nsRestart      = "restart"
	tenantFunction = "function-openedx-tenant"
)

// TestTenantFunctionRestart kills the tenant function with SIGKILL while
// tenants are being composed (admitted by their platform, half of them
// with resources created, not all Ready), keeps it down until Crossplane
// has failed to call it, and starts it again on the same address with the
// same certificates. Then every tenant becomes Ready with exactly what a
// tenant of the platform composes, each resource once (no second Object
// for one manifest, no second Job), everything composed before the crash
// still there and not replaced (same UID), and the platform's ledger
// unchanged: the function is stateless, and Crossplane neither applies nor
// deletes anything while a pipeline fails.
func TestTenantFunctionRestart(t *testing.T) {
	platformXR := readyPlatform(t, "examples/platform-small.yaml", "staging")
	ensureNamespace(t, nsRestart)
	types := tenantResourceTypes(t)
	selector := "crossplane.io/claim-namespace=" + nsRestart
	if err := cp.kube.applyObjects("e2e", tenantClaims(nsRestart, "restart", "staging", restartTenants)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := range restartTenants {
			_, _ = cp.kube.run(nil, "delete", typeTenant, fmt.Sprintf("restart-%03d", i), "-n", nsRestart, "--wait=false", "--ignore-not-found")
		}
	})

	// Admitted: the platform's ledger has every tenant.
	var progress claimProgress
	eventually(t, 3*time.Minute, func() error {
		var err error
		if progress, err = tenantProgress(nsRestart); err != nil {
			return err
		}
		ledger, _ := ledgerOfName(platformXR)
		if n := countOf(ledger, progress.composites); n < restartTenants || len(progress.composites) < restartTenants {
			return fmt.Errorf("XPlatform %s has admitted %d of %d tenants%s", platformXR, n, restartTenants, describeComposite(typeXPlatform, platformXR))
		}
		return nil
	})
	before, _ := allocations(t, platformXR)

	// Being composed: each tenant composes on its own next reconcile after
	// the admission, so they start over a minute; the providers report
	// what they compose. Kill once half of them have started, before all
	// are Ready.
	var composedBefore []*unstructured.Unstructured
	eventually(t, 3*time.Minute, func() error {
		objs, err := listComposed(types, selector)
		if err != nil {
			return err
		}
		if progress, err = tenantProgress(nsRestart); err != nil {
			return err
		}
		if progress.ready == restartTenants {
			return permanent{fmt.Errorf("all %d tenants became Ready before half of them had started to compose; the test cannot kill the function mid-composition", restartTenants)}
		}
		if started := len(byComposite(objs)); started < restartTenants/2 {
			if _, err := cp.playProviderFor(types, selector); err != nil {
				return err
			}
			return fmt.Errorf("%d of %d tenants in namespace %s have started to compose", started, restartTenants, nsRestart)
		}
		composedBefore = objs
		return nil
	})
	if err := cp.killFunction(tenantFunction); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	t.Cleanup(func() {
		// Whatever happens to the test, the function serves the others.
		if p := cp.procs.named(tenantFunction); p != nil {
			if done, _ := p.exited(); done {
				_ = cp.restartFunction(tenantFunction)
			}
		}
	})
	t.Logf("killed %s with SIGKILL: %d of %d tenants had composed %d resources (%v), %d were Ready",
		tenantFunction, len(byComposite(composedBefore)), restartTenants, len(composedBefore), countByKind(composedBefore), progress.ready)

	// Down: the providers go on reporting, which wakes the tenants, until
	// Crossplane has failed to call the function. Crossplane waits for a
	// function to be ready until its reconcile's two-minute timeout, so a
	// shorter outage only delays calls. No retry or eventually here: they
	// fail at once while a process the suite started is dead.
	names := map[string]bool{}
	for _, xr := range progress.composites {
		names[xr] = true
	}
	var failed []string
	for time.Since(killed) < 5*time.Minute {
		if _, err := cp.playProviderFor(types, selector); err != nil {
			t.Logf("while the function is down: %v", err)
		}
		events, err := warningEvents(names)
		if err != nil {
			t.Logf("while the function is down: %v", err)
		}
		failed = failed[:0]
		for _, e := range events {
			if strings.Contains(e, tenantFunction) || strings.Contains(e, "Unavailable") {
				failed = append(failed, e)
			}
		}
		if len(failed) > 0 {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if len(failed) == 0 {
		_ = cp.restartFunction(tenantFunction)
		t.Fatalf("Crossplane reported no failed call of %s in the %.0fs it was down", tenantFunction, time.Since(killed).Seconds())
	}
	down := time.Since(killed)
	if err := cp.restartFunction(tenantFunction); err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted %s after %.0fs down; Crossplane had failed to call it: %s", tenantFunction, down.Seconds(), failed[0])

	// Converged.
	restarted := time.Now()
	eventually(t, tenantReadyTimeout, func() error {
		if _, err := cp.playProviderFor(types, selector); err != nil {
			return err
		}
		var err error
		if progress, err = tenantProgress(nsRestart); err != nil {
			return err
		}
		if progress.ready < restartTenants {
			return fmt.Errorf("%d of %d tenants are Ready since the restart; not ready: %s", progress.ready, restartTenants, strings.Join(progress.notReady, "\n  "))
		}
		return nil
	})
	t.Logf("all %d tenants Ready %.0fs after the restart", restartTenants, time.Since(restarted).Seconds())

	objs, err := listComposed(types, selector)
	if err != nil {
		t.Fatal(err)
	}
	want := tenantWant(t, "staging")
	grouped := byComposite(objs)
	claims := make([]string, 0, len(progress.composites))
	for c := range progress.composites {
		claims = append(claims, c)
	}
	sort.Strings(claims)
	for _, claim := range claims {
		for _, p := range checkComposedShape(progress.composites[claim], grouped[progress.composites[claim]], want) {
			t.Errorf("OpenEdxTenant %s/%s: %s", nsRestart, claim, p)
		}
	}
	checkNothingShared(t, objs)
	now := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		now[ref(o)] = o
	}
	for _, o := range composedBefore {
		switch n := now[ref(o)]; {
		case n == nil:
			t.Errorf("%s, composed before the crash, is gone", ref(o))
		case n.GetUID() != o.GetUID():
			t.Errorf("%s, composed before the crash, was replaced (uid %s, now %s)", ref(o), o.GetUID(), n.GetUID())
		}
	}

	after, refused := allocations(t, platformXR)
	if !maps.Equal(before, after) {
		t.Errorf("XPlatform %s's allocations changed across the restart:\n  before: %v\n  after:  %v", platformXR, before, after)
	}
	if len(refused) > 0 {
		t.Errorf("XPlatform %s refused tenants: %v", platformXR, refused)
	}
	checkTenantData(t, nsRestart, platformXR, progress.composites, after)
}
