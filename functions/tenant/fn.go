package main

import (
	"context"
	"fmt"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Condition a tenant reports about its platform.
const (
	conditionPlatformReady = "PlatformReady"
	conditionProvisioned   = "Provisioned"
	conditionDNSReady      = "DNSReady"
	reasonAvailable        = "Available"
	reasonPending          = "Pending"
	// reasonNoDomain: the platform has no DNS domain, so nothing routes to
	// the instance.
	reasonNoDomain = "NoDomain"
)

// Function composes an XOpenEdxTenant.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// RunFunction composes the instance's namespace on its platform's cluster:
// sized, isolated, autoscaled and routed from the platform's load balancer.
// A platform that is missing or not ready yet is a warning, never a fatal
// result: what already exists is kept, and the tenant completes by itself
// once the platform is ready.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	log := f.log.WithValues("tag", req.GetMeta().GetTag())
	rsp := response.To(req, response.DefaultTTL)

	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot get observed composite resource from %T", req))
		return rsp, nil
	}
	log = log.WithValues("xr-version", oxr.Resource.GetAPIVersion(), "xr-kind", oxr.Resource.GetKind(), "xr-name", oxr.Resource.GetName())

	xr := &v1alpha1.XOpenEdxTenant{}
	if err := compose.Decode(oxr.Resource.Object, xr); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	p, err := newPlan(xr)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "invalid XOpenEdxTenant"))
		return rsp, nil
	}

	// Ask for the platform on every call: Crossplane calls again with it.
	rsp.Requirements = &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		requirementPlatform: platformSelector(p.PlatformRef),
	}}
	required, err := request.GetRequiredResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot get required resources from %T", req))
		return rsp, nil
	}

	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot get desired composite resource from %T", req))
		return rsp, nil
	}
	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot get observed composed resources from %T", req))
		return rsp, nil
	}
	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot get desired composed resources from %T", req))
		return rsp, nil
	}
	d := &compose.Desired{Resources: desired, Observed: observed}

	platform, fetched, err := resolvePlatform(required, p.PlatformRef)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	alloc, refused := admission(platform, oxr.Resource.GetName())
	if refused != "" {
		// Nothing is composed for a refused instance: it would share a
		// namespace or Redis databases with another one.
		response.Fatal(rsp, errors.New(refused))
		return rsp, nil
	}
	t := target(p, platform, alloc, observed)
	switch {
	case !fetched:
		log.Debug("Waiting for Crossplane to fetch the platform")
	case t.Why != "":
		response.Warning(rsp, errors.New(t.Why)).TargetCompositeAndClaim()
		response.ConditionFalse(rsp, conditionPlatformReady, reasonPending).WithMessage(t.Why).TargetCompositeAndClaim()
	default:
		response.ConditionTrue(rsp, conditionPlatformReady, reasonAvailable).TargetCompositeAndClaim()
	}

	usable := fetched && t.Why == ""
	var names dnsState
	if usable {
		if names, err = edgeNames(p, t, platform, observed); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if err := d.AddAll(names.Resources...); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	if t.ProviderConfig != "" {
		objs, err := tenantObjects(p, t, platform, usable, observed, ingressCertificates(platform, names.CertificateARN, observed))
		if err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if err := d.AddAll(objs...); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if _, ok := d.Resources[nameIngress]; !ok {
			// Not a warning: a platform without a domain never publishes
			// a class, and one with a domain does once its ALB exists.
			log.Debug("Waiting for the platform to publish status.edge.ingressClassName; the Ingress is composed once it does")
		}
	}
	data := dataState{}
	if usable {
		data, err = dataResources(p, t, platform, alloc, observed)
		if err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if err := d.AddAll(data.Resources...); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		switch {
		case names.NoDomain:
			response.ConditionFalse(rsp, conditionDNSReady, reasonNoDomain).WithMessage(names.Message).TargetCompositeAndClaim()
		case names.Waiting:
			response.ConditionFalse(rsp, conditionDNSReady, reasonPending).WithMessage(names.Message).TargetCompositeAndClaim()
		default:
			c := response.ConditionTrue(rsp, conditionDNSReady, reasonAvailable).TargetCompositeAndClaim()
			if names.Message != "" {
				c.WithMessage(names.Message)
			}
		}
		if data.Pending != "" {
			response.ConditionFalse(rsp, conditionProvisioned, reasonPending).WithMessage(data.Pending).TargetCompositeAndClaim()
		} else {
			response.ConditionTrue(rsp, conditionProvisioned, reasonAvailable).TargetCompositeAndClaim()
		}
	}
	if fetched && !data.Complete {
		// Whatever exists and cannot be composed now is kept as it is.
		composed := make(map[resource.Name]bool, len(d.Resources))
		for n := range d.Resources {
			composed[n] = true
		}
		if err := d.AddAll(keptManaged(observed, composed)...); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	if t.Why != "" || !fetched || data.Pending != "" || names.Waiting || names.NoDomain {
		// Nothing stops the composite from looking ready while nothing is
		// composed yet, or nothing routes to it; say explicitly that it is
		// not. Ready means reachable.
		dxr.Ready = resource.ReadyFalse
	}

	dxr.Resource.SetAPIVersion(oxr.Resource.GetAPIVersion())
	dxr.Resource.SetKind(oxr.Resource.GetKind())
	status := tenantStatus(p, t.Platform, alloc, data)
	if err := compose.SetStatus(dxr, &status); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot set desired composite resource in %T", rsp))
		return rsp, nil
	}
	if err := response.SetDesiredComposedResources(rsp, d.Resources); err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot set desired composed resources in %T", rsp))
		return rsp, nil
	}
	response.ConditionTrue(rsp, "FunctionSuccess", "Success").TargetCompositeAndClaim()
	return rsp, nil
}

// placement is where the tenant's in-cluster objects go.
type placement struct {
	// Platform is the XPlatform's name.
	Platform string
	// ProviderConfig reaches the platform's cluster; empty when unknown.
	ProviderConfig string
	CostCenter     string
	// Why the platform cannot be used yet; empty when it can.
	Why string
}

// target decides where to compose. A ready platform gives its cluster. A
// platform that is missing or not ready keeps objects that already exist
// where they are, so that a platform outage never deletes a tenant's
// namespace, and defers new ones.
func target(p *plan, pl *v1alpha1.XPlatform, alloc *v1alpha1.TenantAllocation, observed map[resource.Name]resource.ObservedComposed) placement {
	// What an existing namespace was composed with is in its manifest.
	manifestLabel := func(k string) string {
		return compose.ObservedString(observed, nameNamespace, "spec.forProvider.manifest.metadata.labels['"+k+"']")
	}
	t := placement{
		Platform:   manifestLabel(LabelPlatform),
		CostCenter: p.CostCenter,
	}
	existing := compose.ObservedString(observed, nameNamespace, "spec.providerConfigRef.name")
	switch {
	case pl == nil:
		t.Why = fmt.Sprintf("%s does not exist; the namespace is created once it does", describeRef(p.PlatformRef))
	case pl.Status.Cluster.ProviderConfigName == "" || !pl.Status.Cluster.Ready:
		t.Platform = pl.GetName()
		t.Why = fmt.Sprintf("%s (XPlatform %q) is not ready yet: its EKS cluster is still being created; the namespace is created once it is", describeRef(p.PlatformRef), pl.GetName())
	case alloc == nil:
		// Until then the instance's name is not known to be its own.
		t.Platform = pl.GetName()
		t.Why = fmt.Sprintf("waiting for %s (XPlatform %q) to admit the instance: the platform allocates its Redis databases on its next reconcile, within a minute", describeRef(p.PlatformRef), pl.GetName())
	default:
		t.Platform = pl.GetName()
		t.ProviderConfig = pl.Status.Cluster.ProviderConfigName
	}
	if t.ProviderConfig == "" {
		t.ProviderConfig = existing
	}
	if t.CostCenter == "" && pl != nil {
		t.CostCenter = pl.Status.CostCenter
	}
	if t.CostCenter == "" {
		t.CostCenter = manifestLabel(LabelCostCenter)
	}
	return t
}

// tenantObjects are the instance's in-cluster objects, all composed through
// the placement's provider config. While the platform cannot be used
// (usable is false), only objects that already exist are composed, and
// those that need something of a platform that is missing are kept exactly
// as they are; new objects wait for the platform.
func tenantObjects(p *plan, t placement, pl *v1alpha1.XPlatform, usable bool, observed map[resource.Name]resource.ObservedComposed, certificateARNs []string) ([]compose.Resource, error) {
	objs, err := namespaceObjects(p, t.Platform, t.CostCenter, t.ProviderConfig)
	if err != nil {
		return nil, err
	}
	labels := p.labels(t.Platform, t.CostCenter)

	var isolation []compose.Resource
	if pl != nil {
		n, err := platformNetwork(pl)
		if err != nil {
			return nil, err
		}
		isolation, err = isolationObjects(p, labels, n, t.ProviderConfig)
		if err != nil {
			return nil, err
		}
	} else {
		// The VPC and the data stores' ports are the platform's.
		isolation, err = keptObjects(observed, isolationNames, t.ProviderConfig)
		if err != nil {
			return nil, err
		}
	}
	objs = append(objs, isolation...)

	workload, err := workloadObjects(p, labels, t.ProviderConfig)
	if err != nil {
		return nil, err
	}
	objs = append(objs, workload...)

	plugin, err := tutorPluginObject(p, labels, t.ProviderConfig)
	if err != nil {
		return nil, err
	}
	objs = append(objs, plugin)

	if class := ingressClass(pl, observed); class != "" {
		ing, err := ingressObjects(p, labels, class, t.ProviderConfig, certificateARNs)
		if err != nil {
			return nil, err
		}
		objs = append(objs, ing...)
	}
	if usable {
		return objs, nil
	}
	existing := make([]compose.Resource, 0, len(objs))
	for _, o := range objs {
		if _, ok := observed[o.Name]; ok {
			existing = append(existing, o)
		}
	}
	return existing, nil
}

// tenantStatus is what the instance's operators read. Names are published
// as soon as they are decided; none of them is a credential.
func tenantStatus(p *plan, platform string, alloc *v1alpha1.TenantAllocation, data dataState) v1alpha1.XOpenEdxTenantStatus {
	s := v1alpha1.XOpenEdxTenantStatus{
		Platform:           platform,
		Namespace:          p.Namespace,
		LMSURL:             "https://" + p.LMSHost,
		StudioURL:          "https://" + p.CMSHost,
		MFEURL:             "https://" + p.MFEHost,
		ServiceAccountName: serviceAccountName,
		ConfigSecretName:   configSecretName,
		RoleARN:            data.RoleARN,
		Buckets:            data.Buckets,
		Provisioned:        data.Provisioned,
		Databases: v1alpha1.TenantDatabases{
			MySQL:   p.mysqlDatabase(),
			MongoDB: p.mongodbDatabase(),
			Forum:   p.forumDatabase(),
		},
	}
	if platform != "" {
		s.SecretID = p.secretID(platform)
	}
	if alloc != nil {
		s.Databases.RedisCeleryDatabase = &alloc.CeleryDatabase
		s.Databases.RedisCacheDatabase = &alloc.CacheDatabase
	}
	return s
}
