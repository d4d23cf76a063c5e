package main

import (
	"cmp"
	"context"
	"time"

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
	// ttl of every response: how long until Crossplane calls again. Zero
	// is the SDK's default, a minute.
	ttl time.Duration
}

// RunFunction composes the instance's namespace on its platform's cluster:
// sized, isolated, autoscaled and routed from the platform's load balancer.
// A platform that is missing or not ready yet is a warning, never a fatal
// result: what already exists is kept, and the tenant completes by itself
// once the platform is ready.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	log := f.log.WithValues("tag", req.GetMeta().GetTag())
	rsp := response.To(req, cmp.Or(f.ttl, response.DefaultTTL))

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

	rsp.Requirements = platformRequirements(p.PlatformRef)
	required := requiredResources(req, oxr.Resource.GetName())

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

	// A refused instance gets nothing composed: it would share a namespace
	// or Redis databases with another one.
	v, err := newPlatformView(p, oxr.Resource.GetName(), required, observed)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	// The one gate: what needs the platform is composed once it is usable;
	// until then, what exists is kept.
	var names dnsState
	data := dataState{}
	switch v.Pending {
	case platformUnfetched:
		log.Debug("Waiting for Crossplane to fetch the platform")
	case platformUsable:
		response.ConditionTrue(rsp, conditionPlatformReady, reasonAvailable).TargetCompositeAndClaim()
		names = edgeNames(p, v, observed)
		if data, err = dataResources(p, v, observed); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	default:
		response.Warning(rsp, errors.New(v.Why)).TargetCompositeAndClaim()
		response.ConditionFalse(rsp, conditionPlatformReady, reasonPending).WithMessage(v.Why).TargetCompositeAndClaim()
	}
	if err := d.AddAll(names.Resources...); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if v.ProviderConfig != "" {
		objs, err := tenantObjects(p, v, v.ingressCertificates(names.CertificateARN))
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
	if v.usable() {
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
		if data.Warning != nil {
			response.Warning(rsp, data.Warning).TargetCompositeAndClaim()
		}
		if data.Pending != "" {
			response.ConditionFalse(rsp, conditionProvisioned, reasonPending).WithMessage(data.Pending).TargetCompositeAndClaim()
		} else {
			response.ConditionTrue(rsp, conditionProvisioned, reasonAvailable).TargetCompositeAndClaim()
		}
	}
	if !data.Complete {
		// Whatever exists and cannot be composed now is kept as it is.
		if err := d.AddAll(v.keptManaged(d.Resources)...); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	if !v.usable() || data.Pending != "" || names.Waiting || names.NoDomain {
		// Nothing stops the composite from looking ready while nothing is
		// composed yet, or nothing routes to it; say explicitly that it is
		// not. Ready means reachable.
		dxr.Ready = resource.ReadyFalse
	}

	dxr.Resource.SetAPIVersion(oxr.Resource.GetAPIVersion())
	dxr.Resource.SetKind(oxr.Resource.GetKind())
	status := tenantStatus(p, v.Name, v.Alloc, data)
	status.Cost = tenantCost(p, v.Status.Cost, countSecrets(d.Resources), v.Status.Cluster.SpotNodePool != nil)
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

// tenantObjects are the instance's in-cluster objects, all composed through
// the view's provider config. While the platform cannot be used, only
// objects that already exist are composed, and those that need something
// of a platform that is missing are kept exactly as they are; new objects
// wait for the platform.
func tenantObjects(p *plan, v platformView, certificateARNs []string) ([]compose.Resource, error) {
	objs, err := namespaceObjects(p, v.Name, v.CostCenter, v.ProviderConfig)
	if err != nil {
		return nil, err
	}
	labels := p.labels(v.Name, v.CostCenter)

	var isolation []compose.Resource
	if v.Network != nil {
		isolation, err = isolationObjects(p, labels, v.Network, v.ProviderConfig)
	} else {
		// The VPC and the data stores' ports are the platform's.
		isolation, err = v.keptIsolation()
	}
	if err != nil {
		return nil, err
	}
	objs = append(objs, isolation...)

	workload, err := workloadObjects(p, labels, v.ProviderConfig)
	if err != nil {
		return nil, err
	}
	objs = append(objs, workload...)

	plugin, err := tutorPluginObject(p, labels, v.ProviderConfig)
	if err != nil {
		return nil, err
	}
	objs = append(objs, plugin)

	if v.IngressClass != "" {
		ing, err := ingressObjects(p, labels, v.IngressClass, v.ProviderConfig, certificateARNs)
		if err != nil {
			return nil, err
		}
		objs = append(objs, ing...)
	}
	return v.existing(objs), nil
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
