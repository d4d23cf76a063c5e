package main

import (
	"cmp"
	"context"
	"strings"
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

// Function composes an XPlatform.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
	// ttl of every response: how long until Crossplane calls again. Zero
	// is the SDK's default, a minute.
	ttl time.Duration
}

// RunFunction composes the platform's network and cluster. It never returns
// a Go error: problems are results, and a Fatal result applies nothing.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	log := f.log.WithValues("tag", req.GetMeta().GetTag())
	// Crossplane does not watch tenants: a new tenant is given its Redis
	// databases at the platform's next reconcile, which realtime compositions
	// schedule this TTL (±10%) after the last, and reads them at its own
	// next one. A minute by default: a shorter TTL would reconcile every
	// platform that much more often to admit a tenant a little sooner.
	rsp := response.To(req, cmp.Or(f.ttl, response.DefaultTTL))

	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot get observed composite resource from %T", req))
		return rsp, nil
	}
	log = log.WithValues("xr-version", oxr.Resource.GetAPIVersion(), "xr-kind", oxr.Resource.GetKind(), "xr-name", oxr.Resource.GetName())

	xr := &v1alpha1.XPlatform{}
	if err := compose.Decode(oxr.Resource.Object, xr); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	p, err := newPlan(xr)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "invalid XPlatform"))
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

	// Ask for the tenants on every call: Crossplane calls again with them.
	requireTenants(rsp)
	required, err := request.GetRequiredResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot get required resources from %T", req))
		return rsp, nil
	}
	dropped := func(e v1alpha1.TenantDeprovisioning) bool { return deprovisioned(p, observed, e) }
	databases := liveCacheDatabases(p, xr.Status.Cache.Databases, observed)
	tenants, err := tenantLedger(p, xr, required, databases, dropped)
	if err != nil {
		// One unreadable tenant must neither block the platform nor free
		// anyone's databases, nor have any dropped: the ledger stays as it
		// was.
		response.Warning(rsp, err)
		tenants = xr.Status.Tenants
	}

	in := inputs{Observed: observed, Cluster: observedClusterInputs(observed), Tenants: tenants}
	out, err := build(p, in, d, foundation)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	clusterMissing := in.Cluster.Missing()
	if len(clusterMissing) == 0 {
		more, err := build(p, in, d, onCluster)
		if err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		out.Missing = append(out.Missing, more.Missing...)
		out.Deprovisioning, out.Failed = more.Deprovisioning, more.Failed
	}
	for _, f := range out.Failed {
		response.Warning(rsp, errors.New(f))
	}
	if len(out.Deprovisioning) > 0 {
		response.Normalf(rsp, "Dropping the data of deleted tenants waits for %s", strings.Join(out.Deprovisioning, " and "))
	}
	if missing := append(clusterMissing, out.Missing...); len(missing) > 0 {
		// Not an error: AWS has not created what these wait for yet. The XR
		// stays not ready until everything exists and is ready.
		dxr.Ready = resource.ReadyFalse
		response.Normalf(rsp, "Waiting for %s", strings.Join(missing, " and ")).TargetCompositeAndClaim()
		log.Debug("Resources pending", "missing", missing)
	}

	dxr.Resource.SetAPIVersion(oxr.Resource.GetAPIVersion())
	dxr.Resource.SetKind(oxr.Resource.GetKind())
	status := platformStatus(p, observed, len(clusterMissing) == 0)
	status.Tenants = tenants
	status.Cost = platformCost(p, countFlatPriced(d.Resources))
	status.Cache.Databases = databases
	if n := len(tenants.Refused); n > 0 {
		response.Warning(rsp, errors.Errorf("tenants refused: %d, see status.tenants.refused", n))
	}
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
	log.Debug("Composed platform", "resources", len(d.Resources))
	return rsp, nil
}
