package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenanthosts"
	"github.com/openedx-cloud/platform-aws/internal/tenantnames"
)

// requirementTenants is the key under which Crossplane returns the tenants.
const requirementTenants = "tenants"

// requireTenants asks Crossplane for every XOpenEdxTenant, next to whatever
// else the response already requires. A tenant's platformRef is not a label,
// so the selector cannot pick this platform's tenants: an empty label
// selector lists them all (Crossplane and crossplane render alike) and
// ownTenants keeps ours.
func requireTenants(rsp *fnv1.RunFunctionResponse) {
	if rsp.Requirements == nil {
		rsp.Requirements = &fnv1.Requirements{}
	}
	if rsp.Requirements.Resources == nil {
		rsp.Requirements.Resources = map[string]*fnv1.ResourceSelector{}
	}
	rsp.Requirements.Resources[requirementTenants] = &fnv1.ResourceSelector{
		ApiVersion: v1alpha1.GroupVersion.String(),
		Kind:       v1alpha1.XOpenEdxTenantKind,
		Match:      &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{}}},
	}
}

// tenantLedger is the platform's status.tenants. Until Crossplane has
// fetched the tenants (the first call of a reconcile) the previous ledger is
// returned unchanged: tenants not seen are not tenants gone. databases is
// how many the live cache has (liveCacheDatabases). dropped reports whether
// the data of a deprovisioning entry has been dropped.
func tenantLedger(p *plan, xr *v1alpha1.XPlatform, required map[string][]resource.Required, databases int, dropped func(v1alpha1.TenantDeprovisioning) bool) (v1alpha1.TenantsStatus, error) {
	found, fetched := required[requirementTenants]
	if !fetched {
		return xr.Status.Tenants, nil
	}
	ts, err := ownTenants(xr, found)
	if err != nil {
		return v1alpha1.TenantsStatus{}, err
	}
	s := allocateTenants(xr.Status.Tenants.Allocations, ts, databases, platformHosts(p))
	s.Deprovisioning = deprovisionTenants(xr.Status.Tenants, ts, dropped)
	return s, nil
}

// tenant is what allocation reads of one XOpenEdxTenant.
type tenant struct {
	Composite string
	Instance  string
	Created   time.Time
	// Deleting tenants keep their allocation until they are gone, but a
	// new one being deleted is not given any.
	Deleting bool
	Redis    *v1alpha1.TenantRedis
	// Hosts the instance answers on, resolved as the tenant resolves them;
	// none when its spec names no lmsHost.
	Hosts []tenanthosts.Claim
	// DeletionPolicy is Delete or Orphan as the spec says, "" otherwise
	// (Orphan).
	DeletionPolicy v1alpha1.DataDeletionPolicy
}

// tenantObject is the part of an XOpenEdxTenant the platform reads. Only
// this is decoded, so that a tenant with a bad field elsewhere cannot block
// its platform.
type tenantObject struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		PlatformRef  v1alpha1.PlatformReference `json:"platformRef"`
		InstanceName string                     `json:"instanceName"`
		LMSHost      string                     `json:"lmsHost"`
		CMSHost      string                     `json:"cmsHost,omitempty"`
		MFEHost      string                     `json:"mfeHost,omitempty"`
		Redis        *v1alpha1.TenantRedis      `json:"redis,omitempty"`
		// A string, not the enum: an unknown value is Orphan, never an
		// error that would block the platform.
		DeletionPolicy string `json:"deletionPolicy,omitempty"`
	} `json:"spec"`
}

// ownTenants are the tenants whose spec.platformRef names this platform:
// with no namespace an XPlatform by name, otherwise a Platform claim, found
// by the claim labels Crossplane put on this composite.
func ownTenants(xr *v1alpha1.XPlatform, required []resource.Required) ([]tenant, error) {
	var out []tenant
	for _, r := range required {
		o := &tenantObject{}
		if err := compose.Decode(r.Resource.Object, o); err != nil {
			return nil, errors.Wrapf(err, "cannot decode XOpenEdxTenant %q", r.Resource.GetName())
		}
		ref := o.Spec.PlatformRef
		if ref.Namespace == "" && ref.Name != xr.GetName() {
			continue
		}
		if ref.Namespace != "" && (ref.Name != xr.GetLabels()[compose.LabelClaimName] || ref.Namespace != xr.GetLabels()[compose.LabelClaimNamespace]) {
			continue
		}
		var hosts []tenanthosts.Claim
		if o.Spec.LMSHost != "" {
			hosts = tenanthosts.Claims(o.Spec.LMSHost, o.Spec.CMSHost, o.Spec.MFEHost)
		}
		out = append(out, tenant{
			Hosts:          hosts,
			Composite:      o.GetName(),
			Instance:       o.Spec.InstanceName,
			Created:        o.GetCreationTimestamp().Time,
			Deleting:       o.GetDeletionTimestamp() != nil,
			Redis:          o.Spec.Redis,
			DeletionPolicy: deletionPolicy(o.Spec.DeletionPolicy),
		})
	}
	return out, nil
}

// deletionPolicy is a tenant's spec.deletionPolicy as recorded in its
// allocation: only the enum's values, so that the status is always valid.
func deletionPolicy(s string) v1alpha1.DataDeletionPolicy {
	switch p := v1alpha1.DataDeletionPolicy(s); p {
	case v1alpha1.DataDeletionDelete, v1alpha1.DataDeletionOrphan:
		return p
	}
	return ""
}

// platformHosts are the names the platform answers on itself, which no
// tenant may claim, with what each is for.
func platformHosts(p *plan) map[string]string {
	if p.Domain == "" {
		return nil
	}
	return map[string]string{
		p.Domain:               "the platform's own domain (its spec.dns.domain)",
		p.staticDomain():       "the platform's static asset host static.<domain>",
		emailMailFromDomain(p): "the platform's mail-from domain mail.<domain>",
	}
}

// allocateTenants gives each tenant two Redis databases of the platform's
// cache, never one another's, and hosts no one else answers on, and says
// why a tenant is refused. It is deterministic and stable:
//   - a tenant keeps the allocation it has, found by composite name, even
//     when the databases are now beyond the cache's: moving a live tenant
//     would lose its cache and queued tasks;
//   - allocations of tenants that are gone are freed;
//   - admitted tenants keep their hosts first, in (creationTimestamp, name)
//     order, so that a running instance's traffic never goes to a newer
//     one. An admitted tenant whose hosts now clash with an earlier one's
//     or the platform's, or whose spec.redis no longer matches what it
//     was given, is refused but keeps its databases: it composes nothing
//     new until its spec is corrected, and loses nothing;
//   - new tenants are taken in (creationTimestamp, name) order: a duplicate
//     instanceName is refused, then a host already taken (by the platform,
//     an admitted tenant, or an earlier new one), then pins are honoured,
//     then the others get the lowest free pair (2k, 2k+1), so a pin is
//     never lost to a tenant created in the same batch without one.
//
// databases is how many the live cache has: nothing beyond is handed out.
// reserved are the platform's own hosts, with what each is.
//
// Refusals are worked out afresh on every call, so a refused tenant is
// admitted by itself once what blocked it is gone.
func allocateTenants(previous []v1alpha1.TenantAllocation, tenants []tenant, databases int, reserved map[string]string) v1alpha1.TenantsStatus {
	ts := slices.Clone(tenants)
	slices.SortStableFunc(ts, func(a, b tenant) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Composite, b.Composite)
	})
	had := map[string]v1alpha1.TenantAllocation{}
	for _, a := range previous {
		if _, dup := had[a.Composite]; !dup {
			had[a.Composite] = a
		}
	}

	l := &ledger{databases: databases, instances: map[string]string{}, indexes: map[int32]string{}, hosts: map[string]hostHolder{}}
	for h, what := range reserved {
		l.hosts[h] = hostHolder{What: what}
	}
	seen := map[string]bool{}
	var kept []keptTenant
	var fresh []tenant
	for _, t := range ts {
		if seen[t.Composite] {
			continue
		}
		seen[t.Composite] = true
		// The recorded instance is kept too: instanceName is immutable, and
		// should it change anyway the databases still belong to this
		// composite. An allocation that clashes with one kept already can
		// only come from an edited status; its tenant is allocated anew.
		if a, ok := had[t.Composite]; ok {
			// The policy is the spec's as long as the tenant exists.
			a.DeletionPolicy = t.DeletionPolicy
			if l.keep(a) {
				kept = append(kept, keptTenant{t, a})
				continue
			}
		}
		if !t.Deleting {
			fresh = append(fresh, t)
		}
	}

	for _, k := range kept {
		reason := l.claimHosts(k.tenant)
		if reason == "" {
			reason = pinMoved(k.tenant, k.alloc)
		}
		// One being deleted is leaving anyway: refusing it would only
		// stop its deletion.
		if reason != "" && !k.Deleting {
			l.refuse(k.tenant, reason)
		}
	}

	var pinned, unpinned []tenant
	for _, t := range fresh {
		ip := field.NewPath("spec", "instanceName")
		if t.Instance == "" {
			l.refuse(t, field.Required(ip, "names the instance on its platform").Error())
			continue
		}
		if holder, taken := l.instances[t.Instance]; taken {
			l.refuse(t, field.Invalid(ip, t.Instance, fmt.Sprintf("already used on this platform by XOpenEdxTenant %q", holder)).Error())
			continue
		}
		// Claimed even if refused below: two tenants of one name are an
		// error whatever else is wrong with the first.
		l.instances[t.Instance] = t.Composite
		if reason := l.claimHosts(t); reason != "" {
			l.refuse(t, reason)
			continue
		}
		if t.Redis != nil {
			pinned = append(pinned, t)
		} else {
			unpinned = append(unpinned, t)
		}
	}
	for _, t := range pinned {
		if reason := l.pinProblem(*t.Redis); reason != "" {
			l.refuse(t, reason)
			continue
		}
		l.take(t, t.Redis.CeleryDatabase, t.Redis.CacheDatabase)
	}
	for _, t := range unpinned {
		if celery, ok := l.freePair(); ok {
			l.take(t, celery, celery+1)
			continue
		}
		l.refuse(t, fmt.Sprintf("the platform's cache is full: its %d Redis databases (status.cache.databases, two per tenant) are all allocated. "+
			"The number is fixed when the cache is created, as ElastiCache applies it only when every node restarts, so the platform's tenantCapacity cannot be raised: "+
			"delete a tenant of this platform, or put this one on another platform", databases))
	}

	// Sorted, so that the status is the same bytes whatever the order of
	// the request.
	slices.SortFunc(l.status.Allocations, func(a, b v1alpha1.TenantAllocation) int { return strings.Compare(a.Instance, b.Instance) })
	slices.SortFunc(l.status.Refused, func(a, b v1alpha1.TenantRefusal) int { return strings.Compare(a.Composite, b.Composite) })
	return l.status
}

// keptTenant is an admitted tenant and the allocation it keeps.
type keptTenant struct {
	tenant
	alloc v1alpha1.TenantAllocation
}

// pinMoved says why an admitted tenant's spec.redis cannot be honoured: it
// names other databases than those the instance has used since it was
// admitted. Nothing is moved, as moving would lose the instance's cache and
// queued tasks. "" when there is no pin or it matches.
func pinMoved(t tenant, a v1alpha1.TenantAllocation) string {
	r := t.Redis
	if r == nil || (r.CeleryDatabase == a.CeleryDatabase && r.CacheDatabase == a.CacheDatabase) {
		return ""
	}
	return field.Invalid(field.NewPath("spec", "redis"), fmt.Sprintf("celeryDatabase %d, cacheDatabase %d", r.CeleryDatabase, r.CacheDatabase),
		fmt.Sprintf("the instance has used Redis databases %d (Celery) and %d (cache) since it was admitted, and moving them would lose its cache and queued tasks: "+
			"set spec.redis to celeryDatabase %d and cacheDatabase %d, or remove it", a.CeleryDatabase, a.CacheDatabase, a.CeleryDatabase, a.CacheDatabase)).Error()
}

// hostHolder is who answers on a host: a tenant's claim, or the platform.
type hostHolder struct {
	Composite string
	Claim     tenanthosts.Claim
	// What the host is to the platform, when it is the platform's.
	What string
}

func (h hostHolder) String() string {
	if h.Composite == "" {
		return h.What
	}
	return fmt.Sprintf("the %s of XOpenEdxTenant %q", h.Claim, h.Composite)
}

// claimHosts gives t its hosts, unless one is the platform's or another
// tenant's: then it claims none and says why, naming the field to change.
func (l *ledger) claimHosts(t tenant) string {
	for _, c := range t.Hosts {
		if h, taken := l.hosts[c.Host]; taken && h.Composite != t.Composite {
			return field.Invalid(field.NewPath("spec", c.Field), c.Host,
				fmt.Sprintf("this instance's %s is %s, which is already %s: the shared load balancer would send one's traffic to the other; choose another host", c, c.Host, h)).Error()
		}
	}
	for _, c := range t.Hosts {
		l.hosts[c.Host] = hostHolder{Composite: t.Composite, Claim: c}
	}
	return ""
}

// ledger is the allocation being built.
type ledger struct {
	databases int
	// instances holds the composite of each instance name taken.
	instances map[string]string
	// indexes holds the instance of each database index taken.
	indexes map[int32]string
	// hosts holds who answers on each host taken.
	hosts  map[string]hostHolder
	status v1alpha1.TenantsStatus
}

// keep records an existing allocation, unless it is malformed or clashes
// with one recorded already.
func (l *ledger) keep(a v1alpha1.TenantAllocation) bool {
	if a.Instance == "" || a.CeleryDatabase < 0 || a.CacheDatabase < 0 || a.CeleryDatabase == a.CacheDatabase {
		return false
	}
	if _, taken := l.instances[a.Instance]; taken {
		return false
	}
	if l.taken(a.CeleryDatabase) || l.taken(a.CacheDatabase) {
		return false
	}
	l.instances[a.Instance] = a.Composite
	l.indexes[a.CeleryDatabase], l.indexes[a.CacheDatabase] = a.Instance, a.Instance
	l.status.Allocations = append(l.status.Allocations, a)
	return true
}

func (l *ledger) take(t tenant, celery, cache int32) {
	l.indexes[celery], l.indexes[cache] = t.Instance, t.Instance
	l.status.Allocations = append(l.status.Allocations, v1alpha1.TenantAllocation{
		Instance: t.Instance, Composite: t.Composite, CeleryDatabase: celery, CacheDatabase: cache,
		DeletionPolicy: t.DeletionPolicy,
	})
}

func (l *ledger) refuse(t tenant, reason string) {
	l.status.Refused = append(l.status.Refused, v1alpha1.TenantRefusal{Composite: t.Composite, Reason: reason})
}

func (l *ledger) taken(i int32) bool {
	_, ok := l.indexes[i]
	return ok
}

// freePair is the celery index of the lowest pair (2k, 2k+1) of which
// neither index is taken.
func (l *ledger) freePair() (int32, bool) {
	for i := int32(0); int(i)+1 < l.databases; i += 2 {
		if !l.taken(i) && !l.taken(i+1) {
			return i, true
		}
	}
	return 0, false
}

// pinProblem says why a pin cannot be honoured, naming the tenant's field,
// or is "" when it can.
func (l *ledger) pinProblem(r v1alpha1.TenantRedis) string {
	rp := field.NewPath("spec", "redis")
	if r.CeleryDatabase == r.CacheDatabase {
		return field.Invalid(rp.Child("cacheDatabase"), r.CacheDatabase, "must differ from celeryDatabase").Error()
	}
	for _, db := range []struct {
		name  string
		index int32
	}{{"celeryDatabase", r.CeleryDatabase}, {"cacheDatabase", r.CacheDatabase}} {
		p := rp.Child(db.name)
		switch {
		case db.index < 0:
			return field.Invalid(p, db.index, fmt.Sprintf("must be 0 to %d", l.databases-1)).Error()
		case int(db.index) >= l.databases:
			return field.Invalid(p, db.index, fmt.Sprintf("the platform's cache has Redis databases 0 to %d (status.cache.databases), a number fixed when the cache was created: pin a lower index, or remove spec.redis to be given a free pair", l.databases-1)).Error()
		case l.taken(db.index):
			return field.Invalid(p, db.index, fmt.Sprintf("taken by instance %q", l.indexes[db.index])).Error()
		}
	}
	return ""
}

// deprovisionTenants is the ledger's list of deleted tenants whose data is
// being dropped:
//   - an allocated tenant that is gone (not merely being deleted) joins it
//     when its recorded deletionPolicy was Delete, never when Orphan;
//   - an entry leaves it once dropped reports its data dropped;
//   - an entry leaves it at once, without running, when any tenant of this
//     platform, live, refused or being deleted, has the same instance
//     name or the same data names: a live instance's data is never dropped.
//
// Entries are unique by instance and sorted by it.
func deprovisionTenants(previous v1alpha1.TenantsStatus, tenants []tenant, dropped func(v1alpha1.TenantDeprovisioning) bool) []v1alpha1.TenantDeprovisioning {
	present, live := map[string]bool{}, map[string]bool{}
	for _, t := range tenants {
		present[t.Composite] = true
		for _, n := range dataNames(t.Instance) {
			live[n] = true
		}
	}
	inUse := func(instance string) bool {
		for _, n := range dataNames(instance) {
			if live[n] {
				return true
			}
		}
		return false
	}

	var out []v1alpha1.TenantDeprovisioning
	listed := map[string]bool{}
	add := func(d v1alpha1.TenantDeprovisioning) {
		if d.Instance == "" || listed[d.Instance] || inUse(d.Instance) {
			return
		}
		listed[d.Instance] = true
		out = append(out, d)
	}
	for _, d := range previous.Deprovisioning {
		if dropped != nil && dropped(d) {
			continue
		}
		// Recomputed, so that an edited status cannot name another
		// instance's data.
		add(newDeprovisioning(d.Instance, d.Composite))
	}
	for _, a := range previous.Allocations {
		if present[a.Composite] || a.DeletionPolicy != v1alpha1.DataDeletionDelete {
			continue
		}
		add(newDeprovisioning(a.Instance, a.Composite))
	}
	slices.SortFunc(out, func(a, b v1alpha1.TenantDeprovisioning) int { return strings.Compare(a.Instance, b.Instance) })
	return out
}

// newDeprovisioning is what is dropped of an instance: the names its
// tenant created, from internal/tenantnames as the tenant function does.
func newDeprovisioning(instance, composite string) v1alpha1.TenantDeprovisioning {
	return v1alpha1.TenantDeprovisioning{
		Instance:        instance,
		Composite:       composite,
		MySQLDatabase:   tenantnames.MySQLDatabase(instance),
		MySQLUser:       tenantnames.MySQLUsername(instance),
		MongoDBUser:     tenantnames.MongoDBUsername(instance),
		MongoDBDatabase: tenantnames.MongoDBDatabase(instance),
		ForumDatabase:   tenantnames.ForumDatabase(instance),
	}
}

// dataNames are every name an instance's data goes by, prefixed by what
// holds it.
func dataNames(instance string) []string {
	if instance == "" {
		return nil
	}
	d := newDeprovisioning(instance, "")
	return []string{
		"mysql-database:" + d.MySQLDatabase, "mysql-user:" + d.MySQLUser,
		"mongodb-user:" + d.MongoDBUser, "mongodb-database:" + d.MongoDBDatabase, "mongodb-database:" + d.ForumDatabase,
	}
}
