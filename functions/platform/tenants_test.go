package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenanthosts"
)

// t0 is when the tests' tenants are created, unless said otherwise.
var t0 = time.Date(2025, time.March, 1, 9, 0, 0, 0, time.UTC)

// newTenant is a tenant created at t0 plus the given seconds.
func newTenant(composite, instance string, second int) tenant {
	return tenant{Composite: composite, Instance: instance, Created: t0.Add(time.Duration(second) * time.Second)}
}

func pinned(t tenant, celery, cache int32) tenant {
	t.Redis = &v1alpha1.TenantRedis{CeleryDatabase: celery, CacheDatabase: cache}
	return t
}

func deleting(t tenant) tenant {
	t.Deleting = true
	return t
}

func alloc(instance, composite string, celery, cache int32) v1alpha1.TenantAllocation {
	return v1alpha1.TenantAllocation{Instance: instance, Composite: composite, CeleryDatabase: celery, CacheDatabase: cache}
}

func withPolicy(p v1alpha1.DataDeletionPolicy) func(tenant) tenant {
	return func(t tenant) tenant { t.DeletionPolicy = p; return t }
}

func allocPolicy(a v1alpha1.TenantAllocation, p v1alpha1.DataDeletionPolicy) v1alpha1.TenantAllocation {
	a.DeletionPolicy = p
	return a
}

func TestAllocateTenants(t *testing.T) {
	type args struct {
		previous  []v1alpha1.TenantAllocation
		tenants   []tenant
		databases int
	}
	cases := map[string]struct {
		reason string
		args   args
		want   v1alpha1.TenantsStatus
	}{
		"NoTenants": {
			reason: "No tenants, no allocations.",
			args:   args{databases: 16},
			want:   v1alpha1.TenantsStatus{},
		},
		"TwoTenants": {
			reason: "Two tenants get distinct pairs, the earlier-created the lower, starting at index 0: the cache is the platform's alone.",
			args: args{
				tenants:   []tenant{newTenant("b-x1", "beta", 1), newTenant("a-x2", "alpha", 2)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				alloc("alpha", "a-x2", 2, 3), alloc("beta", "b-x1", 0, 1),
			}},
		},
		"SameSecondByName": {
			reason: "Tenants created in the same second are taken by composite name.",
			args: args{
				tenants:   []tenant{newTenant("c", "c", 0), newTenant("a", "a", 0), newTenant("b", "b", 0)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				alloc("a", "a", 0, 1), alloc("b", "b", 2, 3), alloc("c", "c", 4, 5),
			}},
		},
		"ExistingKept": {
			reason: "A tenant keeps its allocation; a new one created earlier still takes only a free pair.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("beta", "b", 2, 3)},
				tenants:   []tenant{newTenant("a", "alpha", 0), newTenant("b", "beta", 5)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				alloc("alpha", "a", 0, 1), alloc("beta", "b", 2, 3),
			}},
		},
		"GoneFreed": {
			reason: "The allocation of a tenant that no longer exists is freed, and the lowest free pair goes to the next new tenant.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1), alloc("beta", "b", 2, 3)},
				tenants:   []tenant{newTenant("b", "beta", 0), newTenant("c", "gamma", 9)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				alloc("beta", "b", 2, 3), alloc("gamma", "c", 0, 1),
			}},
		},
		"DeletingKept": {
			reason: "A tenant being deleted keeps its allocation until it is gone; a new one being deleted gets none and is not refused.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				tenants:   []tenant{deleting(newTenant("a", "alpha", 0)), deleting(newTenant("b", "beta", 1)), newTenant("c", "gamma", 2)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				alloc("alpha", "a", 0, 1), alloc("gamma", "c", 2, 3),
			}},
		},
		"InstanceChangedKeptByComposite": {
			reason: "instanceName is immutable, but should it change the composite keeps its databases, under the instance they were recorded for.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("alpha", "a", 4, 5)},
				tenants:   []tenant{newTenant("a", "renamed", 0)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 4, 5)}},
		},
		"CapacityLowered": {
			reason: "An allocation beyond the cache's databases (capacity lowered) is kept, never moved, and nothing new is allocated beyond them.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("alpha", "a", 40, 41)},
				tenants:   []tenant{newTenant("a", "alpha", 0), newTenant("b", "beta", 1)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				alloc("alpha", "a", 40, 41), alloc("beta", "b", 0, 1),
			}},
		},
		"PolicyRecorded": {
			reason: "Each tenant's deletionPolicy is recorded, new or kept, and follows a change of the spec.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{allocPolicy(alloc("alpha", "a", 0, 1), v1alpha1.DataDeletionDelete)},
				tenants:   []tenant{withPolicy(v1alpha1.DataDeletionOrphan)(newTenant("a", "alpha", 0)), withPolicy(v1alpha1.DataDeletionDelete)(newTenant("b", "beta", 1))},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				allocPolicy(alloc("alpha", "a", 0, 1), v1alpha1.DataDeletionOrphan), allocPolicy(alloc("beta", "b", 2, 3), v1alpha1.DataDeletionDelete),
			}},
		},
		"PinHonoured": {
			reason: "A pin of two free indexes is honoured, in either order and not as a pair.",
			args: args{
				tenants:   []tenant{pinned(newTenant("a", "alpha", 0), 7, 4)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 7, 4)}},
		},
		"PinBeatsUnpinnedOfSameBatch": {
			reason: "New pins are honoured before new tenants without one get a pair, so a pin is not lost to an earlier tenant of the same batch; the others skip any index a pin holds.",
			args: args{
				tenants:   []tenant{newTenant("a", "alpha", 0), newTenant("b", "beta", 1), pinned(newTenant("c", "gamma", 2), 0, 3)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{
				alloc("alpha", "a", 4, 5), alloc("beta", "b", 6, 7), alloc("gamma", "c", 0, 3),
			}},
		},
		"PinTaken": {
			reason: "A pin of an index another instance holds is refused, naming the field, the index and the holder.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				tenants:   []tenant{newTenant("a", "alpha", 0), pinned(newTenant("b", "beta", 1), 2, 1)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				Refused:     []v1alpha1.TenantRefusal{{Composite: "b", Reason: `spec.redis.cacheDatabase: Invalid value: 1: taken by instance "alpha"`}},
			},
		},
		"PinTakenBySamePin": {
			reason: "Of two new tenants pinning the same index, the earlier-created gets it.",
			args: args{
				tenants:   []tenant{pinned(newTenant("b", "beta", 2), 5, 6), pinned(newTenant("a", "alpha", 1), 6, 7)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 6, 7)},
				Refused:     []v1alpha1.TenantRefusal{{Composite: "b", Reason: `spec.redis.cacheDatabase: Invalid value: 6: taken by instance "alpha"`}},
			},
		},
		"PinOutOfRange": {
			reason: "A pin beyond the live cache's databases is refused, saying what works: not a capacity that the live cache would never apply.",
			args: args{
				tenants:   []tenant{pinned(newTenant("a", "alpha", 0), 2, 16)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Refused: []v1alpha1.TenantRefusal{{
				Composite: "a",
				Reason:    "spec.redis.cacheDatabase: Invalid value: 16: the platform's cache has Redis databases 0 to 15 (status.cache.databases), a number fixed when the cache was created: pin a lower index, or remove spec.redis to be given a free pair",
			}}},
		},
		"PinInvalid": {
			reason: "Pins the XRD forbids are refused too, for requests that skipped the API server.",
			args: args{
				tenants:   []tenant{pinned(newTenant("a", "alpha", 0), 3, 3), pinned(newTenant("b", "beta", 0), -1, 2)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Refused: []v1alpha1.TenantRefusal{
				{Composite: "a", Reason: "spec.redis.cacheDatabase: Invalid value: 3: must differ from celeryDatabase"},
				{Composite: "b", Reason: "spec.redis.celeryDatabase: Invalid value: -1: must be 0 to 15"},
			}},
		},
		"DuplicateInstanceOfExisting": {
			reason: "A new tenant whose instanceName an admitted tenant has is refused, naming spec.instanceName and the other composite.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				tenants:   []tenant{newTenant("a", "alpha", 5), newTenant("a2", "alpha", 0)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				Refused:     []v1alpha1.TenantRefusal{{Composite: "a2", Reason: `spec.instanceName: Invalid value: "alpha": already used on this platform by XOpenEdxTenant "a"`}},
			},
		},
		"DuplicateInstanceOfNew": {
			reason: "Of two new tenants of one instanceName the earlier-created is admitted, even when it has a pin and the later one does not.",
			args: args{
				tenants:   []tenant{newTenant("z", "alpha", 2), pinned(newTenant("y", "alpha", 1), 8, 9)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "y", 8, 9)},
				Refused:     []v1alpha1.TenantRefusal{{Composite: "z", Reason: `spec.instanceName: Invalid value: "alpha": already used on this platform by XOpenEdxTenant "y"`}},
			},
		},
		"NoInstanceName": {
			reason: "A tenant without an instanceName is refused.",
			args: args{
				tenants:   []tenant{newTenant("a", "", 0)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Refused: []v1alpha1.TenantRefusal{{Composite: "a", Reason: "spec.instanceName: Required value: names the instance on its platform"}}},
		},
		"CapacityExhausted": {
			reason: "With no free pair left, a new tenant is refused saying what works, not to raise a capacity the live cache would never apply; a pair broken by a pin is not free.",
			args: args{
				previous: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1), alloc("beta", "b", 2, 5)},
				tenants: []tenant{
					newTenant("a", "alpha", 0), newTenant("b", "beta", 1),
					newTenant("c", "gamma", 2), newTenant("d", "delta", 3),
				},
				databases: 8,
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1), alloc("beta", "b", 2, 5), alloc("gamma", "c", 6, 7)},
				Refused: []v1alpha1.TenantRefusal{{Composite: "d", Reason: "the platform's cache is full: its 8 Redis databases (status.cache.databases, two per tenant) are all allocated. " +
					"The number is fixed when the cache is created, as ElastiCache applies it only when every node restarts, so the platform's tenantCapacity cannot be raised: " +
					"delete a tenant of this platform, or put this one on another platform"}},
			},
		},
		"ClashingPreviousAllocation": {
			reason: "Allocations that clash can only come from an edited status: the earlier-created tenant keeps its databases and the other is allocated anew.",
			args: args{
				previous:  []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1), alloc("beta", "b", 1, 2)},
				tenants:   []tenant{newTenant("a", "alpha", 0), newTenant("b", "beta", 1)},
				databases: 16,
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1), alloc("beta", "b", 2, 3)}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := allocateTenants(tc.args.previous, tc.args.tenants, tc.args.databases, nil)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nallocateTenants(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDeprovisionTenants(t *testing.T) {
	del, orphan := v1alpha1.DataDeletionDelete, v1alpha1.DataDeletionOrphan
	type args struct {
		previous v1alpha1.TenantsStatus
		tenants  []tenant
		dropped  []string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   []v1alpha1.TenantDeprovisioning
	}{
		"DeleteGone": {
			reason: "A gone tenant whose recorded policy was Delete has its data listed for dropping, with the names the tenant created.",
			args: args{
				previous: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{allocPolicy(alloc("my-uni", "u", 0, 1), del), alloc("beta", "b", 2, 3)}},
				tenants:  []tenant{newTenant("b", "beta", 0)},
			},
			want: []v1alpha1.TenantDeprovisioning{{
				Instance: "my-uni", Composite: "u",
				MySQLDatabase: "openedx_my_uni", MySQLUser: "openedx_my_uni",
				MongoDBUser: "openedx_my_uni", MongoDBDatabase: "openedx_my_uni", ForumDatabase: "openedx_my_uni_forum",
			}},
		},
		"OrphanGone": {
			reason: "A gone tenant whose policy was Orphan, or not recorded (Orphan), keeps its data.",
			args: args{
				previous: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{allocPolicy(alloc("alpha", "a", 0, 1), orphan), alloc("beta", "b", 2, 3)}},
			},
		},
		"DeletingKept": {
			reason: "A tenant being deleted still exists: nothing is dropped before it is gone.",
			args: args{
				previous: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{allocPolicy(alloc("alpha", "a", 0, 1), del)}},
				tenants:  []tenant{deleting(withPolicy(del)(newTenant("a", "alpha", 0)))},
			},
		},
		"Pending": {
			reason: "An entry stays until its Job is observed succeeded.",
			args: args{
				previous: v1alpha1.TenantsStatus{Deprovisioning: []v1alpha1.TenantDeprovisioning{newDeprovisioning("alpha", "a")}},
			},
			want: []v1alpha1.TenantDeprovisioning{newDeprovisioning("alpha", "a")},
		},
		"Dropped": {
			reason: "An entry whose Job succeeded leaves the list.",
			args: args{
				previous: v1alpha1.TenantsStatus{Deprovisioning: []v1alpha1.TenantDeprovisioning{newDeprovisioning("alpha", "a"), newDeprovisioning("beta", "b")}},
				dropped:  []string{"alpha"},
			},
			want: []v1alpha1.TenantDeprovisioning{newDeprovisioning("beta", "b")},
		},
		"RecreatedCancels": {
			reason: "A new tenant of the same instance name cancels the entry, even refused or being deleted: a live instance's data is never dropped.",
			args: args{
				previous: v1alpha1.TenantsStatus{Deprovisioning: []v1alpha1.TenantDeprovisioning{newDeprovisioning("alpha", "a"), newDeprovisioning("beta", "b"), newDeprovisioning("gamma", "g")}},
				tenants:  []tenant{newTenant("a2", "alpha", 9), deleting(newTenant("b2", "beta", 9))},
			},
			want: []v1alpha1.TenantDeprovisioning{newDeprovisioning("gamma", "g")},
		},
		"RecreatedAtOnce": {
			reason: "A tenant gone while another of its instance name appears is never listed.",
			args: args{
				previous: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{allocPolicy(alloc("alpha", "a", 0, 1), del)}},
				tenants:  []tenant{newTenant("a2", "alpha", 9)},
			},
		},
		"EditedStatus": {
			reason: "Names are derived again from the instance: an edited entry cannot name another instance's data, and an instance is listed once.",
			args: args{
				previous: v1alpha1.TenantsStatus{
					Deprovisioning: []v1alpha1.TenantDeprovisioning{{Instance: "alpha", Composite: "a", MySQLDatabase: "openedx_beta"}},
					Allocations:    []v1alpha1.TenantAllocation{allocPolicy(alloc("alpha", "a9", 0, 1), del)},
				},
			},
			want: []v1alpha1.TenantDeprovisioning{newDeprovisioning("alpha", "a")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dropped := func(d v1alpha1.TenantDeprovisioning) bool { return slices.Contains(tc.args.dropped, d.Instance) }
			got := deprovisionTenants(tc.args.previous, tc.args.tenants, dropped)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\ndeprovisionTenants(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// checkDeprovisioning checks what must hold of any list of data to drop:
// never a present tenant's instance, each instance once, and only
// instances that were listed or allocated with policy Delete.
func checkDeprovisioning(t *testing.T, previous v1alpha1.TenantsStatus, tenants []tenant, got []v1alpha1.TenantDeprovisioning) {
	t.Helper()
	present := map[string]bool{}
	for _, tn := range tenants {
		present[tn.Instance] = true
	}
	allowed := map[string]bool{}
	for _, d := range previous.Deprovisioning {
		allowed[d.Instance] = true
	}
	for _, a := range previous.Allocations {
		if a.DeletionPolicy == v1alpha1.DataDeletionDelete {
			allowed[a.Instance] = true
		}
	}
	seen := map[string]bool{}
	for _, d := range got {
		if present[d.Instance] {
			t.Errorf("data of live instance %q listed for dropping", d.Instance)
		}
		if seen[d.Instance] {
			t.Errorf("instance %q listed twice", d.Instance)
		}
		seen[d.Instance] = true
		if !allowed[d.Instance] {
			t.Errorf("instance %q listed though never allocated with policy Delete", d.Instance)
		}
		if d != newDeprovisioning(d.Instance, d.Composite) {
			t.Errorf("entry %+v does not hold the names the tenant created", d)
		}
	}
}

// checkLedger checks what must hold of any ledger: no index or instance
// used twice, every tenant allocated, refused, or new and being deleted, and
// new allocations within the cache.
func checkLedger(t *testing.T, previous []v1alpha1.TenantAllocation, tenants []tenant, databases int, got v1alpha1.TenantsStatus) {
	t.Helper()
	indexes, instances, accounted := map[int32]string{}, map[string]bool{}, map[string]bool{}
	had := map[string]v1alpha1.TenantAllocation{}
	for _, a := range previous {
		had[a.Composite] = a
	}
	for _, a := range got.Allocations {
		if instances[a.Instance] {
			t.Errorf("instance %q allocated twice", a.Instance)
		}
		instances[a.Instance] = true
		if a.CeleryDatabase == a.CacheDatabase {
			t.Errorf("%s: celery and cache database are both %d", a.Composite, a.CeleryDatabase)
		}
		for _, i := range []int32{a.CeleryDatabase, a.CacheDatabase} {
			if other, dup := indexes[i]; dup {
				t.Errorf("database %d given to both %s and %s", i, other, a.Composite)
			}
			indexes[i] = a.Composite
			prev, kept := had[a.Composite]
			kept = kept && prev.Instance == a.Instance && prev.CeleryDatabase == a.CeleryDatabase && prev.CacheDatabase == a.CacheDatabase
			if int(i) >= databases && !kept {
				t.Errorf("%s: new allocation of database %d, beyond the %d of the cache", a.Composite, i, databases)
			}
		}
		accounted[a.Composite] = true
	}
	for _, r := range got.Refused {
		// Only an admitted tenant may be both: it keeps its databases.
		if accounted[r.Composite] && had[r.Composite].Composite == "" {
			t.Errorf("%s is both newly allocated and refused", r.Composite)
		}
		accounted[r.Composite] = true
	}
	for _, tn := range tenants {
		if !accounted[tn.Composite] && !tn.Deleting {
			t.Errorf("tenant %s is neither allocated nor refused", tn.Composite)
		}
	}
}

func TestAllocateTenantsAtOnce(t *testing.T) {
	// 100 tenants created in the same second, as by one kubectl apply.
	p := mustPlan(t, newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.TenantCapacity = 100 }))
	var tenants []tenant
	for i := range 100 {
		tenants = append(tenants, newTenant(fmt.Sprintf("site-%03d", i), fmt.Sprintf("site%03d", i), 0))
	}
	got := allocateTenants(nil, tenants, p.cacheDatabases(), nil)
	checkLedger(t, nil, tenants, p.cacheDatabases(), got)
	if len(got.Allocations) != 100 || len(got.Refused) != 0 {
		t.Fatalf("allocateTenants(100 tenants): %d allocated and %d refused, want 100 and 0: %v", len(got.Allocations), len(got.Refused), got.Refused)
	}

	// The same tenants in any order give the same ledger.
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		shuffled := slices.Clone(tenants)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if diff := cmp.Diff(got, allocateTenants(nil, shuffled, p.cacheDatabases(), nil)); diff != "" {
			t.Errorf("allocateTenants(shuffled tenants): -in order, +shuffled:\n%s", diff)
		}
	}

	// Reconciled again, nothing moves.
	if diff := cmp.Diff(got, allocateTenants(got.Allocations, tenants, p.cacheDatabases(), nil)); diff != "" {
		t.Errorf("allocateTenants(its own output): -first, +second:\n%s", diff)
	}
}

func TestAllocateTenantsStable(t *testing.T) {
	// Tenants come and go at random, some pinned; each reconcile starts
	// from the last one's allocations, as Crossplane persists them.
	const databases = 40
	r := rand.New(rand.NewPCG(3, 4))
	live := map[string]tenant{}
	var previous []v1alpha1.TenantAllocation
	for step := range 300 {
		switch n := r.IntN(10); {
		case n < 6:
			c := fmt.Sprintf("t-%d", step)
			tn := newTenant(c, fmt.Sprintf("i%d", r.IntN(60)), step/3)
			if r.IntN(4) == 0 {
				tn = pinned(tn, r.Int32N(databases+4), r.Int32N(databases+4))
			}
			live[c] = tn
		case len(live) > 0:
			keys := make([]string, 0, len(live))
			for k := range live {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			delete(live, keys[r.IntN(len(keys))])
		}
		tenants := make([]tenant, 0, len(live))
		for _, tn := range live {
			tenants = append(tenants, tn)
		}
		got := allocateTenants(previous, tenants, databases, nil)
		checkLedger(t, previous, tenants, databases, got)
		for _, a := range previous {
			if _, alive := live[a.Composite]; !alive {
				continue
			}
			if !slices.Contains(got.Allocations, a) {
				t.Fatalf("step %d: allocation %+v of a live tenant moved or vanished", step, a)
			}
		}
		previous = got.Allocations
	}
}

func TestOwnTenants(t *testing.T) {
	claimed := newXR(func(xr *v1alpha1.XPlatform) {
		xr.Labels = map[string]string{compose.LabelClaimName: "main", compose.LabelClaimNamespace: "platform"}
	})
	created := metav1.NewTime(t0)
	obj := func(name, instance string, ref v1alpha1.PlatformReference, fns ...func(*v1alpha1.XOpenEdxTenant)) resource.Required {
		xt := newTenantXR(name, instance, append([]func(*v1alpha1.XOpenEdxTenant){func(xt *v1alpha1.XOpenEdxTenant) { xt.Spec.PlatformRef = ref }}, fns...)...)
		return resource.Required{Resource: &unstructured.Unstructured{Object: tenantResource(t, xt).GetResource().AsMap()}}
	}
	byName := v1alpha1.PlatformReference{Name: testName}
	byClaim := v1alpha1.PlatformReference{Name: "main", Namespace: "platform"}

	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		required []resource.Required
		want     []tenant
	}{
		"ByXPlatformName": {
			reason:   "With no namespace, platformRef names the XPlatform; tenants of other platforms, or naming a claim, are ignored.",
			xr:       newXR(),
			required: []resource.Required{obj("a", "alpha", byName), obj("b", "beta", v1alpha1.PlatformReference{Name: "other"}), obj("c", "gamma", v1alpha1.PlatformReference{Name: testName, Namespace: "platform"})},
			want:     []tenant{{Composite: "a", Instance: "alpha", Created: t0, Hosts: tenanthosts.Claims("alpha.example.org", "", "")}},
		},
		"ByClaim": {
			reason: "With a namespace, platformRef names a Platform claim, matched by the claim labels of the composite; the XPlatform's own name, another claim or another namespace do not match.",
			xr:     claimed,
			required: []resource.Required{
				obj("a", "alpha", byClaim),
				obj("b", "beta", v1alpha1.PlatformReference{Name: "main", Namespace: "other"}),
				obj("c", "gamma", v1alpha1.PlatformReference{Name: "other", Namespace: "platform"}),
				obj("d", "delta", byName),
			},
			want: []tenant{
				{Composite: "a", Instance: "alpha", Created: t0, Hosts: tenanthosts.Claims("alpha.example.org", "", "")},
				{Composite: "d", Instance: "delta", Created: t0, Hosts: tenanthosts.Claims("delta.example.org", "", "")},
			},
		},
		"PinAndDeletion": {
			reason: "A tenant's pin and whether it is being deleted are read.",
			xr:     newXR(),
			required: []resource.Required{obj("a", "alpha", byName, func(xt *v1alpha1.XOpenEdxTenant) {
				xt.Spec.Redis = &v1alpha1.TenantRedis{CeleryDatabase: 4, CacheDatabase: 5}
				xt.DeletionTimestamp = &created
			})},
			want: []tenant{{Composite: "a", Instance: "alpha", Created: t0, Deleting: true, Redis: &v1alpha1.TenantRedis{CeleryDatabase: 4, CacheDatabase: 5}, Hosts: tenanthosts.Claims("alpha.example.org", "", "")}},
		},
		"Hosts": {
			reason: "A tenant's hosts are read and resolved with the tenant's own defaults, so that the platform compares the names the tenant serves.",
			xr:     newXR(),
			required: []resource.Required{obj("a", "alpha", byName, func(xt *v1alpha1.XOpenEdxTenant) {
				xt.Spec.LMSHost, xt.Spec.MFEHost = "learn.example.org", "mfe.example.org"
			})},
			want: []tenant{{Composite: "a", Instance: "alpha", Created: t0, Hosts: []tenanthosts.Claim{
				{Host: "learn.example.org", Role: "LMS", Field: "lmsHost"},
				{Host: "studio.learn.example.org", Role: "Studio", Field: "cmsHost", Derived: "studio.<lmsHost>"},
				{Host: "mfe.example.org", Role: "MFE", Field: "mfeHost"},
				{Host: "meilisearch.learn.example.org", Role: "Meilisearch", Field: "lmsHost", Derived: "meilisearch.<lmsHost>"},
			}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ownTenants(tc.xr, tc.required)
			if err != nil {
				t.Fatalf("\n%s\nownTenants(...): unexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nownTenants(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// newTenantXR is an XOpenEdxTenant of the platform named testName, created
// at t0, changed by each of fns in order.
func newTenantXR(name, instance string, fns ...func(*v1alpha1.XOpenEdxTenant)) *v1alpha1.XOpenEdxTenant {
	xt := &v1alpha1.XOpenEdxTenant{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.XOpenEdxTenantKind},
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0)},
		Spec:       v1alpha1.XOpenEdxTenantSpec{PlatformRef: v1alpha1.PlatformReference{Name: testName}, InstanceName: instance, LMSHost: instance + ".example.org"},
	}
	for _, fn := range fns {
		fn(xt)
	}
	return xt
}

// tenantResource is a tenant as Crossplane returns a required resource.
func tenantResource(t *testing.T, xt *v1alpha1.XOpenEdxTenant) *fnv1.Resource {
	t.Helper()
	j, err := json.Marshal(xt)
	if err != nil {
		t.Fatal(err)
	}
	return &fnv1.Resource{Resource: resource.MustStructJSON(string(j))}
}

func TestRunFunctionTenants(t *testing.T) {
	// The platform as Crossplane persisted it: demo was admitted before.
	xrWithLedger := `{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind": "XPlatform",
		"metadata": {"name": "prod"},
		"spec": {"region": "eu-west-1", "costCenter": "learning-platform"},
		"status": {"tenants": {"allocations": [{"instance": "demo", "composite": "demo-x7k2p", "celeryDatabase": 0, "cacheDatabase": 1}]}}
	}`
	withRequired := func(req *fnv1.RunFunctionRequest, tenants ...*fnv1.Resource) *fnv1.RunFunctionRequest {
		req.RequiredResources = map[string]*fnv1.Resources{requirementTenants: {Items: tenants}}
		return req
	}
	refusal := "tenants refused: 1, see status.tenants.refused"

	cases := map[string]struct {
		reason   string
		req      *fnv1.RunFunctionRequest
		want     v1alpha1.TenantsStatus
		warnings []string
	}{
		"NotFetchedYet": {
			reason: "Before Crossplane has fetched the tenants the ledger is kept as it was: tenants not seen are not gone.",
			req:    newRequest(xrWithLedger, nil, nil),
			want:   v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{alloc("demo", "demo-x7k2p", 0, 1)}},
		},
		"TenantsAllocated": {
			reason: "The existing tenant keeps its pair, a new one gets the next, a duplicate instance is refused with a warning, and another platform's tenant is ignored.",
			req: withRequired(newRequest(xrWithLedger, nil, nil),
				tenantResource(t, newTenantXR("demo-x7k2p", "demo")),
				tenantResource(t, newTenantXR("university-q9r4m", "university")),
				tenantResource(t, newTenantXR("copy-a1b2c", "demo")),
				tenantResource(t, newTenantXR("elsewhere-z0z0z", "elsewhere", func(xt *v1alpha1.XOpenEdxTenant) { xt.Spec.PlatformRef.Name = "staging" })),
			),
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("demo", "demo-x7k2p", 0, 1), alloc("university", "university-q9r4m", 2, 3)},
				Refused:     []v1alpha1.TenantRefusal{{Composite: "copy-a1b2c", Reason: `spec.instanceName: Invalid value: "demo": already used on this platform by XOpenEdxTenant "demo-x7k2p"`}},
			},
			warnings: []string{refusal},
		},
		"AllGone": {
			reason: "Fetched and none left: every allocation is freed.",
			req:    withRequired(newRequest(xrWithLedger, nil, nil)),
			want:   v1alpha1.TenantsStatus{},
		},
	}
	wantRequirements := &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		requirementTenants: {
			ApiVersion: "platform.openedx.cloud/v1alpha1",
			Kind:       "XOpenEdxTenant",
			Match:      &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{}}},
		},
	}}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, tc.req)
			if diff := cmp.Diff(wantRequirements, rsp.GetRequirements(), protocmp.Transform()); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) requirements: -want, +got:\n%s", tc.reason, diff)
			}
			var warnings []string
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
					warnings = append(warnings, r.GetMessage())
				}
			}
			if diff := cmp.Diff(tc.warnings, warnings); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) warnings: -want, +got:\n%s", tc.reason, diff)
			}
			status := v1alpha1.XPlatformStatus{}
			if err := compose.Decode(rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any), &status); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, status.Tenants); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) status.tenants: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// FuzzAllocateTenants checks the ledger's invariants on arbitrary tenants,
// pins and previous allocations: no database or instance used twice, every
// tenant accounted for, and the same result in any order.
func FuzzAllocateTenants(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(16))
	f.Add([]byte{9, 9, 9, 200, 201, 3, 3, 3, 3, 0, 255, 128}, uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, dbs uint8) {
		databases := int(dbs)
		var tenants []tenant
		var previous []v1alpha1.TenantAllocation
		var listed []v1alpha1.TenantDeprovisioning
		// Each 3 bytes: a tenant, and what it has or asks for.
		for i := 0; i+2 < len(data); i += 3 {
			c, in, x := data[i], data[i+1], data[i+2]
			tn := newTenant(fmt.Sprintf("c%d", i/3), fmt.Sprintf("i%d", in%24), int(c%3))
			switch x % 5 {
			case 0:
				tn = pinned(tn, int32(x/5)-2, int32(c%40))
			case 1:
				previous = append(previous, alloc(tn.Instance, tn.Composite, int32(x%50), int32(in%50)))
			case 2:
				tn.Deleting = true
			case 3:
				// A tenant gone, with policy Delete or not, and one being
				// deprovisioned.
				previous = append(previous, allocPolicy(alloc(tn.Instance, tn.Composite+"-gone", int32(c%50), int32(x%50)), []v1alpha1.DataDeletionPolicy{"", v1alpha1.DataDeletionOrphan, v1alpha1.DataDeletionDelete}[in%3]))
				listed = append(listed, newDeprovisioning(fmt.Sprintf("i%d", (in+c)%24), "d"))
			}
			if c%2 == 1 {
				tn.DeletionPolicy = v1alpha1.DataDeletionDelete
			}
			tenants = append(tenants, tn)
		}
		got := allocateTenants(previous, tenants, databases, nil)
		checkLedger(t, previous, tenants, databases, got)
		prev := v1alpha1.TenantsStatus{Allocations: previous, Deprovisioning: listed}
		dropped := func(d v1alpha1.TenantDeprovisioning) bool { return len(d.Instance)%2 == 0 }
		deprov := deprovisionTenants(prev, tenants, dropped)
		checkDeprovisioning(t, prev, tenants, deprov)
		reversedDeprov := slices.Clone(tenants)
		slices.Reverse(reversedDeprov)
		if diff := cmp.Diff(deprov, deprovisionTenants(prev, reversedDeprov, dropped)); diff != "" {
			t.Errorf("deprovisionTenants(reversed): -in order, +reversed:\n%s", diff)
		}
		reversed := slices.Clone(tenants)
		slices.Reverse(reversed)
		if diff := cmp.Diff(got, allocateTenants(previous, reversed, databases, nil)); diff != "" {
			t.Errorf("allocateTenants(reversed): -in order, +reversed:\n%s", diff)
		}
	})
}

// withHosts gives a tenant the hosts its spec would: lms, and cms and mfe
// when set.
func withHosts(t tenant, lms, cms, mfe string) tenant {
	t.Hosts = tenanthosts.Claims(lms, cms, mfe)
	return t
}

func TestAllocateTenantsHostsAndPins(t *testing.T) {
	reserved := map[string]string{
		"learn.example.org":        "the platform's own domain (its spec.dns.domain)",
		"static.learn.example.org": "the platform's static asset host static.<domain>",
		"mail.learn.example.org":   "the platform's mail-from domain mail.<domain>",
	}
	type args struct {
		previous []v1alpha1.TenantAllocation
		tenants  []tenant
	}
	cases := map[string]struct {
		reason string
		args   args
		want   v1alpha1.TenantsStatus
	}{
		"SameLMSHost": {
			reason: "Of two new tenants with one LMS host the later-created is refused, naming its field and the other tenant.",
			args: args{tenants: []tenant{
				withHosts(newTenant("b", "beta", 1), "a.learn.example.org", "", ""),
				withHosts(newTenant("a", "alpha", 0), "a.learn.example.org", "", ""),
			}},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				Refused: []v1alpha1.TenantRefusal{{Composite: "b", Reason: `spec.lmsHost: Invalid value: "a.learn.example.org": this instance's LMS host (spec.lmsHost) is a.learn.example.org, which is already ` +
					`the LMS host (spec.lmsHost) of XOpenEdxTenant "a": the shared load balancer would send one's traffic to the other; choose another host`}},
			},
		},
		"MFEHostIsAnotherDefaultStudio": {
			reason: "Defaults are resolved before comparing: an MFE host equal to another tenant's default Studio host is a clash.",
			args: args{tenants: []tenant{
				withHosts(newTenant("a", "alpha", 0), "a.learn.example.org", "", ""),
				withHosts(newTenant("b", "beta", 1), "b.learn.example.org", "", "studio.a.learn.example.org"),
			}},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				Refused: []v1alpha1.TenantRefusal{{Composite: "b", Reason: `spec.mfeHost: Invalid value: "studio.a.learn.example.org": this instance's MFE host (spec.mfeHost) is studio.a.learn.example.org, which is already ` +
					`the Studio host studio.<lmsHost> of XOpenEdxTenant "a": the shared load balancer would send one's traffic to the other; choose another host`}},
			},
		},
		"DerivedMeilisearchHost": {
			reason: "The Meilisearch host Tutor derives from lmsHost clashes too, and the message says it follows from lmsHost.",
			args: args{tenants: []tenant{
				withHosts(newTenant("a", "alpha", 0), "a.learn.example.org", "meilisearch.b.learn.example.org", ""),
				withHosts(newTenant("b", "beta", 1), "b.learn.example.org", "", ""),
			}},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				Refused: []v1alpha1.TenantRefusal{{Composite: "b", Reason: `spec.lmsHost: Invalid value: "meilisearch.b.learn.example.org": this instance's Meilisearch host meilisearch.<lmsHost> is meilisearch.b.learn.example.org, which is already ` +
					`the Studio host (spec.cmsHost) of XOpenEdxTenant "a": the shared load balancer would send one's traffic to the other; choose another host`}},
			},
		},
		"PlatformHosts": {
			reason: "The platform's apex, static and mail-from names are never a tenant's.",
			args: args{tenants: []tenant{
				withHosts(newTenant("a", "alpha", 0), "learn.example.org", "", ""),
				withHosts(newTenant("b", "beta", 0), "b.learn.example.org", "static.learn.example.org", ""),
				withHosts(newTenant("c", "gamma", 0), "c.learn.example.org", "", "mail.learn.example.org"),
			}},
			want: v1alpha1.TenantsStatus{Refused: []v1alpha1.TenantRefusal{
				{Composite: "a", Reason: `spec.lmsHost: Invalid value: "learn.example.org": this instance's LMS host (spec.lmsHost) is learn.example.org, which is already ` +
					`the platform's own domain (its spec.dns.domain): the shared load balancer would send one's traffic to the other; choose another host`},
				{Composite: "b", Reason: `spec.cmsHost: Invalid value: "static.learn.example.org": this instance's Studio host (spec.cmsHost) is static.learn.example.org, which is already ` +
					`the platform's static asset host static.<domain>: the shared load balancer would send one's traffic to the other; choose another host`},
				{Composite: "c", Reason: `spec.mfeHost: Invalid value: "mail.learn.example.org": this instance's MFE host (spec.mfeHost) is mail.learn.example.org, which is already ` +
					`the platform's mail-from domain mail.<domain>: the shared load balancer would send one's traffic to the other; choose another host`},
			}},
		},
		"AdmittedKeepsItsHosts": {
			reason: "An admitted tenant keeps its hosts against an earlier-created tenant that was refused until now: a running instance's traffic is never taken.",
			args: args{
				previous: []v1alpha1.TenantAllocation{alloc("beta", "b", 0, 1)},
				tenants: []tenant{
					withHosts(newTenant("a", "alpha", 0), "x.learn.example.org", "", ""),
					withHosts(newTenant("b", "beta", 1), "x.learn.example.org", "", ""),
				},
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("beta", "b", 0, 1)},
				Refused: []v1alpha1.TenantRefusal{{Composite: "a", Reason: `spec.lmsHost: Invalid value: "x.learn.example.org": this instance's LMS host (spec.lmsHost) is x.learn.example.org, which is already ` +
					`the LMS host (spec.lmsHost) of XOpenEdxTenant "b": the shared load balancer would send one's traffic to the other; choose another host`}},
			},
		},
		"AdmittedHostChangedToAnother": {
			reason: "An admitted tenant whose host is changed to an earlier admitted one's is refused but keeps its databases.",
			args: args{
				previous: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1), alloc("beta", "b", 2, 3)},
				tenants: []tenant{
					withHosts(newTenant("a", "alpha", 0), "a.learn.example.org", "", ""),
					withHosts(newTenant("b", "beta", 1), "b.learn.example.org", "a.learn.example.org", ""),
				},
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1), alloc("beta", "b", 2, 3)},
				Refused: []v1alpha1.TenantRefusal{{Composite: "b", Reason: `spec.cmsHost: Invalid value: "a.learn.example.org": this instance's Studio host (spec.cmsHost) is a.learn.example.org, which is already ` +
					`the LMS host (spec.lmsHost) of XOpenEdxTenant "a": the shared load balancer would send one's traffic to the other; choose another host`}},
			},
		},
		"PinAddedAfterAdmission": {
			reason: "A pin added after admission that names other databases is refused, not ignored; the tenant keeps its databases.",
			args: args{
				previous: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				tenants:  []tenant{pinned(newTenant("a", "alpha", 0), 4, 5)},
			},
			want: v1alpha1.TenantsStatus{
				Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				Refused: []v1alpha1.TenantRefusal{{Composite: "a", Reason: `spec.redis: Invalid value: "celeryDatabase 4, cacheDatabase 5": the instance has used Redis databases 0 (Celery) and 1 (cache) since it was admitted, ` +
					`and moving them would lose its cache and queued tasks: set spec.redis to celeryDatabase 0 and cacheDatabase 1, or remove it`}},
			},
		},
		"PinMatchingAdmission": {
			reason: "A pin that names the databases the tenant has is no change.",
			args: args{
				previous: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				tenants:  []tenant{pinned(newTenant("a", "alpha", 0), 0, 1)},
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)}},
		},
		"DeletingNotRefused": {
			reason: "A tenant being deleted is never refused, whatever its spec: that would only stop its deletion.",
			args: args{
				previous: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)},
				tenants:  []tenant{deleting(pinned(newTenant("a", "alpha", 0), 4, 5))},
			},
			want: v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 0, 1)}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := allocateTenants(tc.args.previous, tc.args.tenants, 16, reserved)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nallocateTenants(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRefusedPinCanBeCorrected(t *testing.T) {
	// spec.redis is mutable until the tenant is admitted: the next
	// reconcile after a correction admits it.
	refused := allocateTenants(nil, []tenant{pinned(newTenant("a", "alpha", 0), 20, 21)}, 16, nil)
	if len(refused.Refused) != 1 {
		t.Fatalf("pin 20/21 of 16 databases: want refused, got %+v", refused)
	}
	got := allocateTenants(refused.Allocations, []tenant{pinned(newTenant("a", "alpha", 0), 6, 7)}, 16, nil)
	want := v1alpha1.TenantsStatus{Allocations: []v1alpha1.TenantAllocation{alloc("alpha", "a", 6, 7)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("allocateTenants(corrected pin): -want, +got:\n%s", diff)
	}
}

func TestLiveCacheDatabases(t *testing.T) {
	p := mustPlan(t, newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.TenantCapacity = 100 }))
	cacheExists := map[resource.Name]resource.ObservedComposed{nameCache: {}}
	cases := map[string]struct {
		reason   string
		recorded int
		observed map[resource.Name]resource.ObservedComposed
		want     int
	}{
		"BeforeTheCache": {
			reason:   "Before the cache exists it is created with the spec's count.",
			observed: nil, recorded: 16, want: 200,
		},
		"CacheExists": {
			reason:   "Once the cache exists the recorded count stands: ElastiCache applies a new databases parameter only when the nodes restart.",
			observed: cacheExists, recorded: 16, want: 16,
		},
		"NothingRecorded": {
			reason:   "A cache without a recorded count (first reconcile since it appeared) was created with the spec's.",
			observed: cacheExists, want: 200,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := liveCacheDatabases(p, tc.recorded, tc.observed); got != tc.want {
				t.Errorf("\n%s\nliveCacheDatabases(...): want %d, got %d", tc.reason, tc.want, got)
			}
		})
	}
}

func TestRunFunctionLiveCacheDatabases(t *testing.T) {
	// The cache was created with 4 databases and exists; the spec now
	// asks for 100 tenants (an XPlatform created before tenantCapacity was
	// immutable). Only what the live cache has is handed out.
	xr := `{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind": "XPlatform",
		"metadata": {"name": "prod"},
		"spec": {"region": "eu-west-1", "costCenter": "learning-platform", "tenantCapacity": 100},
		"status": {
			"cache": {"databases": 4},
			"tenants": {"allocations": [{"instance": "demo", "composite": "demo-x7k2p", "celeryDatabase": 0, "cacheDatabase": 1}]}
		}
	}`
	cache := &fnv1.Resource{Resource: resource.MustStructJSON(`{
		"apiVersion": "elasticache.aws.upbound.io/v1beta2",
		"kind": "ReplicationGroup",
		"metadata": {"name": "prod-cache"}
	}`)}
	req := newRequest(xr, map[string]*fnv1.Resource{string(nameCache): cache}, nil)
	req.RequiredResources = map[string]*fnv1.Resources{requirementTenants: {Items: []*fnv1.Resource{
		tenantResource(t, newTenantXR("demo-x7k2p", "demo")),
		tenantResource(t, newTenantXR("b-1", "beta", func(xt *v1alpha1.XOpenEdxTenant) { xt.CreationTimestamp = metav1.NewTime(t0.Add(time.Second)) })),
		tenantResource(t, newTenantXR("c-1", "gamma", func(xt *v1alpha1.XOpenEdxTenant) { xt.CreationTimestamp = metav1.NewTime(t0.Add(2 * time.Second)) })),
	}}}
	rsp := run(t, req)
	status := v1alpha1.XPlatformStatus{}
	if err := compose.Decode(rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any), &status); err != nil {
		t.Fatal(err)
	}
	if status.Cache.Databases != 4 {
		t.Errorf("status.cache.databases: want 4, the live cache's, got %d", status.Cache.Databases)
	}
	want := v1alpha1.TenantsStatus{
		Allocations: []v1alpha1.TenantAllocation{alloc("beta", "b-1", 2, 3), alloc("demo", "demo-x7k2p", 0, 1)},
		Refused: []v1alpha1.TenantRefusal{{Composite: "c-1", Reason: "the platform's cache is full: its 4 Redis databases (status.cache.databases, two per tenant) are all allocated. " +
			"The number is fixed when the cache is created, as ElastiCache applies it only when every node restarts, so the platform's tenantCapacity cannot be raised: " +
			"delete a tenant of this platform, or put this one on another platform"}},
	}
	if diff := cmp.Diff(want, status.Tenants); diff != "" {
		t.Errorf("RunFunction(...) status.tenants: -want, +got:\n%s", diff)
	}
}

func TestPlatformHostsRefused(t *testing.T) {
	// The platform's own names, from its plan, reach the ledger.
	xr := `{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind": "XPlatform",
		"metadata": {"name": "prod"},
		"spec": {"region": "eu-west-1", "costCenter": "learning-platform", "dns": {"domain": "learn.example.org"}}
	}`
	req := newRequest(xr, nil, nil)
	req.RequiredResources = map[string]*fnv1.Resources{requirementTenants: {Items: []*fnv1.Resource{
		tenantResource(t, newTenantXR("a-1", "alpha", func(xt *v1alpha1.XOpenEdxTenant) { xt.Spec.LMSHost = "static.learn.example.org" })),
	}}}
	rsp := run(t, req)
	status := v1alpha1.XPlatformStatus{}
	if err := compose.Decode(rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any), &status); err != nil {
		t.Fatal(err)
	}
	want := v1alpha1.TenantsStatus{Refused: []v1alpha1.TenantRefusal{{Composite: "a-1", Reason: `spec.lmsHost: Invalid value: "static.learn.example.org": this instance's LMS host (spec.lmsHost) is static.learn.example.org, which is already ` +
		`the platform's static asset host static.<domain>: the shared load balancer would send one's traffic to the other; choose another host`}}}
	if diff := cmp.Diff(want, status.Tenants); diff != "" {
		t.Errorf("RunFunction(...) status.tenants: -want, +got:\n%s", diff)
	}
}
