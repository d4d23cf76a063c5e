package main

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// platformPending is why the tenant cannot use its platform yet.
type platformPending int

const (
	// platformUsable: the platform is ready and has admitted the instance.
	platformUsable platformPending = iota
	// platformUnfetched: Crossplane has not fetched the platform yet; it
	// calls again with it.
	platformUnfetched
	// platformMissing: no platform matches the reference.
	platformMissing
	// platformNotReady: the platform's cluster is not ready.
	platformNotReady
	// platformNotAdmitted: the platform has not allocated anything to the
	// instance yet.
	platformNotAdmitted
)

// platformView is everything the tenant takes from its platform, read in
// this one place: the platform's status, which is the tenant's whole
// contract with it (never its spec), the platform's admission of this
// instance, and, while the platform cannot be used, what the instance's
// existing objects were composed with, so that a platform outage deletes
// nothing. Builders take the view, never the platform.
type platformView struct {
	// Pending is why the platform cannot be used yet; Why says it to the
	// user, empty when the platform is usable or not fetched yet.
	Pending platformPending
	Why     string
	// Name is the XPlatform's name, or, without one, the platform the
	// existing namespace was composed for.
	Name string
	// Found is true when the platform exists; Status is then its status.
	Found  bool
	Status v1alpha1.XPlatformStatus
	// Alloc is what the platform allocated to the instance; nil until it
	// has admitted it.
	Alloc *v1alpha1.TenantAllocation
	// ProviderConfig reaches the platform's cluster (provider-kubernetes),
	// or the one the existing namespace was composed with; empty when
	// neither is known.
	ProviderConfig string
	CostCenter     string
	// Network is nil until the platform has published its VPC; the
	// existing NetworkPolicies are kept until then.
	Network *network
	// IngressClass joins the platform's shared load balancer, or is the
	// one the existing Ingress was composed with; empty means wait.
	IngressClass string

	observed map[resource.Name]resource.ObservedComposed
}

// usable says whether new objects may be composed on the platform.
func (v platformView) usable() bool { return v.Pending == platformUsable }

// newPlatformView reads the platform Crossplane fetched for composite. A
// platform that refuses the instance, or a reference that matches several,
// is an error: nothing is composed for it.
func newPlatformView(p *plan, composite string, required map[string][]resource.Required, observed map[resource.Name]resource.ObservedComposed) (platformView, error) {
	pl, fetched, err := resolvePlatform(required, p.PlatformRef)
	if err != nil {
		return platformView{}, err
	}
	return viewOf(p, composite, pl, fetched, observed)
}

// viewOf reads pl, nil when it does not exist or is not fetched yet. A
// ready platform gives its cluster; a platform that is missing or not ready
// keeps objects that already exist where they are, and defers new ones.
func viewOf(p *plan, composite string, pl *v1alpha1.XPlatform, fetched bool, observed map[resource.Name]resource.ObservedComposed) (platformView, error) {
	// What an existing namespace was composed with is in its manifest.
	manifestLabel := func(k string) string {
		return compose.ObservedString(observed, nameNamespace, "spec.forProvider.manifest.metadata.labels['"+k+"']")
	}
	v := platformView{
		Name:       manifestLabel(LabelPlatform),
		CostCenter: p.CostCenter,
		observed:   observed,
	}
	if pl != nil {
		v.Name, v.Found, v.Status = pl.GetName(), true, pl.Status
		alloc, refused := admission(v.Name, pl.Status.Tenants, composite)
		if refused != "" {
			return v, errors.New(refused)
		}
		v.Alloc = alloc
		n, err := platformNetwork(v.Name, pl.Status)
		if err != nil {
			return v, err
		}
		v.Network = n
	}
	s := v.Status
	switch {
	case !fetched:
		v.Pending = platformUnfetched
		v.Why = ""
	case !v.Found:
		v.Pending = platformMissing
		v.Why = fmt.Sprintf("%s does not exist; the namespace is created once it does", describeRef(p.PlatformRef))
	case s.Cluster.ProviderConfigName == "" || !s.Cluster.Ready:
		v.Pending = platformNotReady
		v.Why = fmt.Sprintf("%s (XPlatform %q) is not ready yet: its EKS cluster is still being created; the namespace is created once it is", describeRef(p.PlatformRef), v.Name)
	case v.Alloc == nil:
		// Until then the instance's name is not known to be its own.
		v.Pending = platformNotAdmitted
		v.Why = fmt.Sprintf("waiting for %s (XPlatform %q) to admit the instance: the platform allocates its Redis databases on its next reconcile, within a minute", describeRef(p.PlatformRef), v.Name)
	default:
		v.ProviderConfig = s.Cluster.ProviderConfigName
	}
	if v.ProviderConfig == "" {
		v.ProviderConfig = compose.ObservedString(observed, nameNamespace, "spec.providerConfigRef.name")
	}
	if v.CostCenter == "" {
		v.CostCenter = s.CostCenter
	}
	if v.CostCenter == "" {
		v.CostCenter = manifestLabel(LabelCostCenter)
	}
	// The class the platform publishes, which it does once the ALB and its
	// WAF exist, or the existing Ingress's, so that an Ingress is never
	// dropped while the platform is away.
	v.IngressClass = s.Edge.IngressClassName
	if v.IngressClass == "" {
		v.IngressClass = compose.ObservedString(observed, nameIngress, "spec.forProvider.manifest.spec.ingressClassName")
	}
	return v, nil
}

// admission is what the platform decided about this composite: its
// allocation, or why it refused it. Both are nil/empty until the platform
// has seen the tenant, on its next reconcile.
func admission(platform string, s v1alpha1.TenantsStatus, composite string) (alloc *v1alpha1.TenantAllocation, refused string) {
	for _, r := range s.Refused {
		if r.Composite == composite {
			return nil, fmt.Sprintf("platform %q refuses this instance: %s", platform, r.Reason)
		}
	}
	for i := range s.Allocations {
		if a := s.Allocations[i]; a.Composite == composite {
			return &a, ""
		}
	}
	return nil, ""
}

// ingressCertificates are the certificates of the instance's Ingress: the
// platform's wildcard and the instance's own. Without the platform's, those
// of the existing Ingress are kept.
func (v platformView) ingressCertificates(own string) []string {
	if v.Status.Edge.CertificateARN == "" {
		existing := compose.ObservedString(v.observed, nameIngress, "spec.forProvider.manifest.metadata.annotations['"+annotationCertificateARN+"']")
		if existing == "" {
			return nil
		}
		return strings.Split(existing, ",")
	}
	arns := []string{v.Status.Edge.CertificateARN}
	if own != "" {
		arns = append(arns, own)
	}
	return arns
}

// existing keeps, while the platform cannot be used, only the objects that
// already exist: new ones wait for the platform.
func (v platformView) existing(objs []compose.Resource) []compose.Resource {
	if v.usable() {
		return objs
	}
	out := make([]compose.Resource, 0, len(objs))
	for _, o := range objs {
		if _, ok := v.observed[o.Name]; ok {
			out = append(out, o)
		}
	}
	return out
}

// keptIsolation are the existing NetworkPolicies, kept as they are until
// the platform publishes its network again.
func (v platformView) keptIsolation() ([]compose.Resource, error) {
	return keptObjects(v.observed, isolationNames, v.ProviderConfig)
}

// keptManaged are the observed resources that are not composed now, kept
// exactly as they are; nothing once Crossplane has not fetched the
// platform yet, as it calls again with it.
func (v platformView) keptManaged(composed map[resource.Name]*resource.DesiredComposed) []compose.Resource {
	if v.Pending == platformUnfetched {
		return nil
	}
	names := make(map[resource.Name]bool, len(composed))
	for n := range composed {
		names[n] = true
	}
	return keptManaged(v.observed, names)
}

// platformRequirements ask for the tenant's platform on every call:
// Crossplane calls again with it.
func platformRequirements(ref v1alpha1.PlatformReference) *fnv1.Requirements {
	return &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		requirementPlatform: platformSelector(ref),
	}}
}
