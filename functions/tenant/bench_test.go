package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// BenchmarkRunFunctionTenant measures a reconcile of the converged demo
// tenant against its serialization floor (see fntest.BenchRunFunction),
// on a platform whose ledger holds no other tenant and on one whose ledger
// is full: the tenant reads its allocation from the platform's status, so
// the other tenants are in every request. The second size also reports
// its time as a multiple of the first's (x-baseline), and its own work,
// the run less the floor, as a multiple of the first's (x-baseline-own).
//
//	make bench
func BenchmarkRunFunctionTenant(b *testing.B) {
	f := &Function{log: logging.NewNopLogger()}
	var base fntest.Timing
	for _, others := range []int{0, 999} {
		platform := convergedPlatform(b, func(pl *v1alpha1.XPlatform) {
			pl.Spec.TenantCapacity = others + 1
			for i := range others {
				pl.Status.Tenants.Allocations = append(pl.Status.Tenants.Allocations, v1alpha1.TenantAllocation{
					Instance: fmt.Sprintf("site%04d", i), Composite: fmt.Sprintf("site%04d-x7k2p", i),
					CeleryDatabase: int32(6 + 2*i), CacheDatabase: int32(7 + 2*i),
				})
			}
		})
		req := convergedTenantRequest(b, f, platform)
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			t := fntest.BenchRunFunction(b, f.RunFunction, req, base)
			if others == 0 {
				base = t
			}
		})
	}
}

// convergedTenantRequest is the request Crossplane sends once the demo
// tenant has converged on platform: every composed resource observed as
// the fake provider reports it, the composite carrying the status the
// function last set.
func convergedTenantRequest(b *testing.B, f *Function, platform *fnv1.Resource) *fnv1.RunFunctionRequest {
	b.Helper()
	xr := &unstructured.Unstructured{Object: tenant(demoSpec).GetResource().AsMap()}
	req := &fnv1.RunFunctionRequest{
		Meta:              &fnv1.RequestMeta{Tag: "reconcile-1"},
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructObject(xr)}},
		RequiredResources: required(platform),
	}
	var prev []byte
	for pass := 1; pass <= 8; pass++ {
		rsp, err := f.RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest))
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() != fnv1.Severity_SEVERITY_NORMAL {
				b.Fatalf("pass %d: %s: %s", pass, r.GetSeverity(), r.GetMessage())
			}
		}
		observed := fntest.Observed(rsp, xr.GetName(), fnv1.Ready_READY_TRUE)
		xr.Object["status"] = rsp.GetDesired().GetComposite().GetResource().AsMap()["status"]
		req.Observed.Composite = &fnv1.Resource{Resource: resource.MustStructObject(xr)}
		req.Observed.Resources = observed
		// Converged: the same resources and status as the pass before, and
		// the tenant ready.
		state, err := proto.MarshalOptions{Deterministic: true}.Marshal(req.Observed)
		if err != nil {
			b.Fatal(err)
		}
		if bytes.Equal(state, prev) && rsp.GetDesired().GetComposite().GetReady() != fnv1.Ready_READY_FALSE {
			return req
		}
		prev = state
	}
	b.Fatal("the tenant did not converge in 8 passes")
	return nil
}
