//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Load: how many tenants the load test applies at once, and the namespace
// of their claims. Fifty take the platform's whole ledger in one apply,
// which is what the scenario is for, in about a third of the time a
// hundred took on this 2-core machine, where the fake provider's status
// writes queue behind Crossplane's applies at the API server. How many
// tenants one platform serves is measured without a control plane: by the
// ledger's unit tests and by the request size at full capacity
// (functions/platform/requestsize_test.go).
const (
	loadTenants   = 50
	nsLoad        = "load"
	loadPlatform  = "load"
	loadTimeout   = 30 * time.Minute
	loadLogPeriod = time.Minute
)

// tenantClaims returns n OpenEdxTenant claims of a Platform claim, named
// prefix-000 and on, each its own instance and hosts.
func tenantClaims(namespace, prefix, platform string, n int) []map[string]any {
	claims := make([]map[string]any, 0, n)
	for i := range n {
		name := fmt.Sprintf("%s-%03d", prefix, i)
		claims = append(claims, map[string]any{
			"apiVersion": "platform.openedx.cloud/v1alpha1",
			"kind":       "OpenEdxTenant",
			"metadata":   map[string]any{"name": name, "namespace": namespace},
			"spec": map[string]any{
				"platformRef":  map[string]any{"name": platform, "namespace": nsPlatform},
				"instanceName": name,
				"lmsHost":      "learn." + name + ".example.com",
			},
		})
	}
	return claims
}

// claimProgress summarises the tenant claims of a namespace: their
// composites by claim name, and how many are Ready.
type claimProgress struct {
	composites map[string]string
	ready      int
	notReady   []string // "name: conditions", sorted
}

func tenantProgress(namespace string) (claimProgress, error) {
	claims, err := cp.kube.list(typeTenant, "-n", namespace)
	if err != nil {
		return claimProgress{}, err
	}
	p := claimProgress{composites: map[string]string{}}
	for _, c := range claims {
		if xr := fieldString(c, "spec.resourceRef.name"); xr != "" {
			p.composites[c.GetName()] = xr
		}
		if tenantReady(c) == nil {
			p.ready++
			continue
		}
		p.notReady = append(p.notReady, c.GetName()+": "+describeConditions(c))
	}
	sort.Strings(p.notReady)
	return p, nil
}

// allocations returns an XPlatform's status.tenants: allocations by
// composite, and refusals.
func allocations(t *testing.T, platformXR string) (map[string]allocation, []any) {
	t.Helper()
	x := getT(t, typeXPlatform, "", platformXR)
	if x == nil {
		t.Fatalf("XPlatform %s does not exist", platformXR)
	}
	return ledgerOf(x)
}

// allocation is one tenant's entry in its platform's ledger.
type allocation struct {
	Instance       string `json:"instance"`
	Composite      string `json:"composite"`
	CeleryDatabase int64  `json:"celeryDatabase"`
	CacheDatabase  int64  `json:"cacheDatabase"`
}

func ledgerOf(x *unstructured.Unstructured) (map[string]allocation, []any) {
	out := map[string]allocation{}
	list, _, _ := unstructured.NestedSlice(x.Object, "status", "tenants", "allocations")
	for _, a := range list {
		b, _ := json.Marshal(a)
		var al allocation
		_ = json.Unmarshal(b, &al)
		out[al.Composite] = al
	}
	refused, _, _ := unstructured.NestedSlice(x.Object, "status", "tenants", "refused")
	return out, refused
}

// checkTenantData wants tenants (composite by claim name, claims in
// namespace) to share nothing: each its own instance, namespace, MySQL,
// MongoDB and forum databases, and its own two Redis databases, which its
// status reports exactly as its platform's ledger allocates them.
func checkTenantData(t *testing.T, namespace, platformXR string, tenants map[string]string, ledger map[string]allocation) {
	t.Helper()
	redisDatabases, ok := nestedNumber(getT(t, typeXPlatform, "", platformXR), "status", "cache", "databases")
	if !ok || redisDatabases < 2 {
		t.Fatalf("XPlatform %s reports %d Redis databases in status.cache.databases", platformXR, redisDatabases)
	}
	taken := map[string]string{} // "what value" -> claim
	claim := func(name, what, value string) {
		if value == "" {
			t.Errorf("OpenEdxTenant %s/%s has no %s", namespace, name, what)
			return
		}
		key := what + " " + value
		if other, ok := taken[key]; ok {
			t.Errorf("OpenEdxTenants %s and %s share %s", other, name, key)
		}
		taken[key] = name
	}
	names := make([]string, 0, len(tenants))
	for n := range tenants {
		names = append(names, n)
	}
	sort.Strings(names)
	claims, err := cp.kube.list(typeTenant, "-n", namespace)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*unstructured.Unstructured{}
	for _, c := range claims {
		byName[c.GetName()] = c
	}
	for _, name := range names {
		c := byName[name]
		if c == nil {
			t.Errorf("OpenEdxTenant %s/%s does not exist", namespace, name)
			continue
		}
		xr := tenants[name]
		claim(name, "instance", fieldString(c, "spec.instanceName"))
		claim(name, "namespace", fieldString(c, "status.namespace"))
		claim(name, "MySQL database", fieldString(c, "status.databases.mysql"))
		claim(name, "MongoDB database", fieldString(c, "status.databases.mongodb"))
		claim(name, "forum database", fieldString(c, "status.databases.forum"))
		celery, okCelery := nestedNumber(c, "status", "databases", "redisCeleryDatabase")
		cache, okCache := nestedNumber(c, "status", "databases", "redisCacheDatabase")
		if !okCelery || !okCache {
			t.Errorf("OpenEdxTenant %s/%s reports no Redis databases: %v", namespace, name, c.Object["status"])
			continue
		}
		for _, db := range []int64{celery, cache} {
			if db < 0 || db >= redisDatabases {
				t.Errorf("OpenEdxTenant %s/%s has Redis database %d; the platform has 0 to %d", namespace, name, db, redisDatabases-1)
			}
			claim(name, "Redis database", fmt.Sprint(db))
		}
		a, ok := ledger[xr]
		switch {
		case !ok:
			t.Errorf("the platform's status.tenants.allocations has no entry for XOpenEdxTenant %s (OpenEdxTenant %s)", xr, name)
		case a.CeleryDatabase != celery || a.CacheDatabase != cache || a.Instance != fieldString(c, "spec.instanceName"):
			t.Errorf("OpenEdxTenant %s/%s reports instance %q, Redis databases (%d, %d); its platform allocated %+v", namespace, name, fieldString(c, "spec.instanceName"), celery, cache, a)
		}
	}
}

// warningEvents returns the Warning events about objects of the given
// names, as "Kind/name: reason: message".
func warningEvents(names map[string]bool) ([]string, error) {
	out, err := cp.kube.run(nil, "get", "events", "--all-namespaces", "--field-selector=type=Warning", "-o", "json")
	if err != nil {
		return nil, err
	}
	var l struct {
		Items []struct {
			InvolvedObject struct{ Kind, Name string } `json:"involvedObject"`
			Reason         string                      `json:"reason"`
			Message        string                      `json:"message"`
			Count          int                         `json:"count"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		return nil, err
	}
	var events []string
	for _, e := range l.Items {
		if names[e.InvolvedObject.Name] {
			events = append(events, fmt.Sprintf("%s/%s: %s (x%d): %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, max(e.Count, 1), e.Message))
		}
	}
	sort.Strings(events)
	return events, nil
}

// admissionWait is what a tenant reports, as a Warning, while its platform
// has not admitted it yet: expected once per new tenant, until the
// platform's next reconcile.
const admissionWait = "to admit the instance"

// apiServerTimeouts are the errors of a request to the test's own API
// server that timed out while the load saturates the machine. Crossplane
// retries the reconcile, so such a Warning event is noise if the object is
// Synced at the end; any other Warning is a failure.
var apiServerTimeouts = []string{
	"context deadline exceeded",
	"etcdserver: request timed out",
	"the server was unable to return a response in the time allotted",
	"Client.Timeout exceeded while awaiting headers",
}

// isAPIServerTimeout reports whether a Warning event's message is one of
// apiServerTimeouts.
func isAPIServerTimeout(event string) bool {
	for _, s := range apiServerTimeouts {
		if strings.Contains(event, s) {
			return true
		}
	}
	return false
}

// TestTenantsAtScale applies loadTenants tenant claims at once, in one
// kubectl apply, on one ready platform sized for exactly that many, and
// plays the providers until every claim is Ready (its provisioning Job
// succeeded). It reports how long that took, as "LOAD: 50 tenants composed
// in Ns", and wants: no Warning event but the expected wait for admission
// and the API server's timeouts under load (of objects Synced at the end),
// and no condition other than True on any tenant; the platform still
// Synced and Ready; no refusal; each tenant
// composed exactly what a tenant of the platform composes, each resource
// once; and no two tenants sharing an instance, namespace, composed or
// managed object, AWS name, Redis database, or MySQL, MongoDB or forum
// database, with every tenant's Redis databases the ones the platform's
// ledger allocates it.
func TestTenantsAtScale(t *testing.T) {
	// At the production TTL: fifty composites called every 15s apply their
	// 33 resources 110 times a second, more than this API server serves on
	// two cores, so the suite's short TTL would measure the machine and not
	// the functions.
	withFunctionPollInterval(t, time.Minute)
	platformXR := readyPlatform(t, "test/e2e/testdata/platform-load.yaml", loadPlatform)
	ensureNamespace(t, nsLoad)
	if p, err := tenantProgress(nsLoad); err != nil || len(p.composites) > 0 {
		t.Fatalf("namespace %s has %d tenant claims before the test (%v)", nsLoad, len(p.composites), err)
	}
	types := tenantResourceTypes(t)
	selector := "crossplane.io/claim-namespace=" + nsLoad

	start := time.Now()
	if err := cp.kube.applyObjects("e2e", tenantClaims(nsLoad, "load", loadPlatform, loadTenants)); err != nil {
		t.Fatal(err)
	}
	t.Logf("applied %d OpenEdxTenant claims in one kubectl apply in %.1fs", loadTenants, time.Since(start).Seconds())

	var (
		progress              claimProgress
		admittedAt, lastLog   time.Time
		passes, writes, lastN int
		longest               time.Duration
	)
	lastLog = start
	eventually(t, loadTimeout, func() error {
		passes++
		passStart := time.Now()
		n, err := cp.playProviderFor(types, selector)
		if err != nil {
			return err
		}
		longest = max(longest, time.Since(passStart))
		writes += n
		if progress, err = tenantProgress(nsLoad); err != nil {
			return err
		}
		if admittedAt.IsZero() {
			if ledger, _ := ledgerOfName(platformXR); countOf(ledger, progress.composites) == loadTenants {
				admittedAt = time.Now()
				t.Logf("LOAD: the platform admitted all %d tenants %.0fs after the apply", loadTenants, admittedAt.Sub(start).Seconds())
			}
		}
		if time.Since(lastLog) >= loadLogPeriod || progress.ready != lastN && progress.ready == loadTenants {
			lastLog, lastN = time.Now(), progress.ready
			t.Logf("%4.0fs: %d of %d tenants Ready; %d provider passes wrote %d statuses", time.Since(start).Seconds(), progress.ready, loadTenants, passes, writes)
		}
		if progress.ready < loadTenants || len(progress.composites) < loadTenants {
			first := ""
			if len(progress.notReady) > 0 {
				first = "; first not ready: " + progress.notReady[0]
			}
			return fmt.Errorf("%d of %d tenants are Ready after %.0fs%s", progress.ready, loadTenants, time.Since(start).Seconds(), first)
		}
		return nil
	})
	elapsed := time.Since(start)
	t.Logf("LOAD: %d tenants composed in %.0fs", loadTenants, elapsed.Seconds())
	t.Logf("LOAD: the fake provider made %d passes and wrote %d statuses; the longest pass took %.0fs", passes, writes, longest.Seconds())

	// What went wrong, if anything, on the way.
	names := map[string]bool{}
	for claim, xr := range progress.composites {
		names[claim], names[xr] = true, true
	}
	events, err := warningEvents(names)
	if err != nil {
		t.Fatal(err)
	}
	waits, timeouts := 0, 0
	for _, e := range events {
		switch {
		case strings.Contains(e, admissionWait):
			waits++
		case isAPIServerTimeout(e):
			timeouts++
			t.Logf("Warning event, an API server timeout: %s", e)
		default:
			t.Errorf("Warning event: %s", e)
		}
	}
	t.Logf("%d Warning events were the expected wait for the platform's admission (%q)", waits, admissionWait)
	pEvents, err := warningEvents(map[string]bool{platformXR: true, loadPlatform: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pEvents {
		if isAPIServerTimeout(e) {
			timeouts++
			t.Logf("Warning event of the platform, an API server timeout: %s", e)
			continue
		}
		t.Errorf("Warning event of the platform: %s", e)
	}
	t.Logf("%d Warning events were timeouts of the API server under load, retried", timeouts)
	// A timeout retried is noise only if the retry went through: the
	// platform and every tenant (below) must be Synced now.
	platform := getT(t, typeXPlatform, "", platformXR)
	for _, typ := range []string{"Synced", "Ready"} {
		if err := conditionIs(platform, typ, "True"); err != nil {
			t.Error(err)
		}
	}
	claims, err := cp.kube.list(typeTenant, "-n", nsLoad)
	if err != nil {
		t.Fatal(err)
	}
	// Every condition True, but for the two that say nothing routes to a
	// tenant of a platform without a DNS domain (tenantReady).
	for _, c := range claims {
		if err := tenantReady(c); err != nil {
			t.Error(err)
			continue
		}
		conds, _, _ := unstructured.NestedSlice(c.Object, "status", "conditions")
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			if m["type"] == "Ready" || m["type"] == "DNSReady" {
				continue
			}
			if m["status"] != "True" {
				t.Errorf("OpenEdxTenant %s/%s: %s", nsLoad, c.GetName(), describeConditions(c))
				break
			}
		}
	}

	// The ledger: exactly these tenants, none refused, and every tenant's
	// databases its own.
	ledger, refused := allocations(t, platformXR)
	if len(refused) > 0 {
		t.Errorf("XPlatform %s refused tenants: %v", platformXR, refused)
	}
	if got := countOf(ledger, progress.composites); got != loadTenants || len(ledger) != loadTenants {
		t.Errorf("XPlatform %s allocates %d entries, %d of them to the %d load tenants", platformXR, len(ledger), got, loadTenants)
	}
	if db, _ := nestedNumber(getT(t, typeXPlatform, "", platformXR), "status", "cache", "databases"); db != 2*loadTenants {
		t.Errorf("XPlatform %s has %d Redis databases, want %d: two for each of its tenantCapacity, %d", platformXR, db, 2*loadTenants, loadTenants)
	}
	checkTenantData(t, nsLoad, platformXR, progress.composites, ledger)

	// What each composed: every object labelled with a load tenant.
	objs, err := listComposed(types, selector)
	if err != nil {
		t.Fatal(err)
	}
	want := tenantWant(t, loadPlatform)
	grouped := byComposite(objs)
	for claim, xr := range progress.composites {
		for _, p := range checkComposedShape(xr, grouped[xr], want) {
			t.Errorf("OpenEdxTenant %s/%s: %s", nsLoad, claim, p)
		}
	}
	if len(grouped) != loadTenants {
		t.Errorf("objects labelled crossplane.io/claim-namespace=%s belong to %d composites, want %d", nsLoad, len(grouped), loadTenants)
	}
	checkNothingShared(t, objs)
	t.Logf("%d tenants composed %d resources in all", loadTenants, len(objs))
}

// withFunctionPollInterval restarts both functions with another
// --poll-interval for the rest of the test, and with the suite's when it
// ends. A restart is a call or two refused, which Crossplane retries.
func withFunctionPollInterval(t *testing.T, d time.Duration) {
	t.Helper()
	set := func(d time.Duration) error {
		for name := range functions {
			p, err := cp.procs.kill(name)
			if err != nil {
				return err
			}
			args := make([]string, 0, len(p.args))
			for _, a := range p.args {
				if !strings.HasPrefix(a, "--poll-interval=") {
					args = append(args, a)
				}
			}
			p.args = append(args, "--poll-interval="+d.String())
			if err := cp.restartFunction(name); err != nil {
				return err
			}
		}
		return nil
	}
	if err := set(d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := set(functionPollInterval); err != nil {
			t.Error(err)
		}
	})
}

// checkNothingShared wants composed resources of different composites to
// differ in name, in AWS name (external-name) and in the object they
// manage.
func checkNothingShared(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	seen := map[string]string{} // what -> composite
	take := func(o *unstructured.Unstructured, what string) {
		xr := o.GetLabels()["crossplane.io/composite"]
		if other, ok := seen[what]; ok && other != xr {
			t.Errorf("XOpenEdxTenants %s and %s both compose %s", other, xr, what)
		}
		seen[what] = xr
	}
	for _, o := range objs {
		kind := o.GetKind() + "." + o.GroupVersionKind().Group
		take(o, kind+" "+o.GetName())
		if ext := o.GetAnnotations()["crossplane.io/external-name"]; ext != "" {
			take(o, kind+" with external name "+ext)
		}
		if o.GetKind() == "Object" {
			m := manifest(o)
			take(o, fmt.Sprintf("an Object managing %s %s/%s", m.GetKind(), m.GetNamespace(), m.GetName()))
		}
	}
}

// ledgerOfName reads an XPlatform's ledger, or nothing on error.
func ledgerOfName(platformXR string) (map[string]allocation, []any) {
	x, err := cp.kube.get(typeXPlatform, "", platformXR)
	if err != nil || x == nil {
		return nil, nil
	}
	return ledgerOf(x)
}

// countOf counts the composites that have an allocation.
func countOf(ledger map[string]allocation, composites map[string]string) int {
	n := 0
	for _, xr := range composites {
		if _, ok := ledger[xr]; ok {
			n++
		}
	}
	return n
}

// nestedNumber reads a whole number of an object decoded from JSON, where
// numbers are float64.
func nestedNumber(u *unstructured.Unstructured, fields ...string) (int64, bool) {
	v, ok, _ := unstructured.NestedFieldNoCopy(u.Object, fields...)
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case float64:
		return int64(n), n == float64(int64(n))
	case int64:
		return n, true
	}
	return 0, false
}
