package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/proto"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// BenchmarkRunFunctionTenants measures what admitting tenants costs a
// platform reconcile. The baseline, measured first in the same run, is the
// same converged platform with no tenant; each size reports its time and
// allocations per reconcile as multiples of it (x-baseline-time,
// x-baseline-allocs), which machines of different speeds can compare.
//
//	make bench
func BenchmarkRunFunctionTenants(b *testing.B) {
	// A converged platform: every resource observed, as in production. Its
	// capacity is the largest a platform may have, so that every size
	// admits every tenant it names rather than refusing most of them.
	const xrJSON = `{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind": "XPlatform",
		"metadata": {"name": "prod"},
		"spec": {"region": "eu-west-1", "costCenter": "learning-platform", "tenantCapacity": 1000}
	}`
	f := &Function{log: logging.NewNopLogger()}
	first, err := f.RunFunction(context.Background(), newRequest(xrJSON, nil, nil))
	if err != nil {
		b.Fatal(err)
	}
	observed := map[string]*fnv1.Resource{}
	for pass := 0; pass < 6; pass++ {
		for name, r := range first.GetDesired().GetResources() {
			observed[name] = r
		}
		if first, err = f.RunFunction(context.Background(), newRequest(xrJSON, observed, nil)); err != nil {
			b.Fatal(err)
		}
	}
	request := func(n int) *fnv1.RunFunctionRequest {
		items := make([]*fnv1.Resource, 0, n)
		for i := range n {
			xt := newTenantXR(fmt.Sprintf("tenant-%04d", i), fmt.Sprintf("site%04d", i))
			j, err := json.Marshal(xt)
			if err != nil {
				b.Fatal(err)
			}
			items = append(items, &fnv1.Resource{Resource: resource.MustStructJSON(string(j))})
		}
		req := newRequest(xrJSON, observed, nil)
		req.RequiredResources = map[string]*fnv1.Resources{requirementTenants: {Items: items}}
		return req
	}
	// reconcile runs the function b.N times and returns its allocations
	// per run, counted as the testing package counts them.
	reconcile := func(b *testing.B, req *fnv1.RunFunctionRequest) float64 {
		b.ReportAllocs()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		n := 0
		for b.Loop() {
			if _, err := f.RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest)); err != nil {
				b.Fatal(err)
			}
			n++
		}
		runtime.ReadMemStats(&after)
		return float64(after.Mallocs-before.Mallocs) / float64(max(n, 1))
	}
	// The first size is the baseline; the others are reported against it.
	var baseNs, baseAllocs float64
	for _, n := range []int{0, 100, 500} {
		req := request(n)
		if got := admitted(b, f, req); got != n {
			b.Fatalf("tenants=%d: the platform admits %d of them; the case would not measure what it says", n, got)
		}
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			allocs := reconcile(b, req)
			ns := float64(b.Elapsed().Nanoseconds()) / float64(max(b.N, 1))
			if n == 0 {
				baseNs, baseAllocs = ns, allocs
			}
			if baseNs > 0 {
				b.ReportMetric(ns/baseNs, "x-baseline-time")
				b.ReportMetric(allocs/max(baseAllocs, 1), "x-baseline-allocs")
			}
		})
	}
}

// admitted is how many tenants the platform's ledger allocates after a run
// of req.
func admitted(b *testing.B, f *Function, req *fnv1.RunFunctionRequest) int {
	b.Helper()
	rsp, err := f.RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest))
	if err != nil {
		b.Fatal(err)
	}
	xr := &v1alpha1.XPlatform{}
	if err := compose.Decode(rsp.GetDesired().GetComposite().GetResource().AsMap(), xr); err != nil {
		b.Fatal(err)
	}
	return len(xr.Status.Tenants.Allocations)
}

// BenchmarkRunFunctionProduction measures a reconcile of the converged
// production platform (examples/platform-production.yaml, every composed
// resource observed ready as the fake provider reports it) against its
// serialization floor (see fntest.BenchRunFunction).
//
//	make bench
func BenchmarkRunFunctionProduction(b *testing.B) {
	f := &Function{log: logging.NewNopLogger()}
	fntest.BenchRunFunction(b, f.RunFunction, convergedRequest(b, f, "../../examples/platform-production.yaml"), fntest.Timing{})
}

// convergedRequest is the request Crossplane sends once the platform of
// the example claim at path has converged: every composed resource
// observed as the fake provider reports it, the composite carrying the
// status the function last set, and the (empty) list of tenants fetched.
func convergedRequest(b testing.TB, f *Function, path string) *fnv1.RunFunctionRequest {
	b.Helper()
	objs, err := manifests.Read(path)
	if err != nil || len(objs) != 1 {
		b.Fatalf("%s: want one claim: %v", path, err)
	}
	xr := objs[0]
	xr.SetKind(v1alpha1.XPlatformKind)
	xr.SetNamespace("")
	xr.SetLabels(map[string]string{"crossplane.io/claim-name": xr.GetName(), "crossplane.io/claim-namespace": objs[0].GetNamespace()})
	req := &fnv1.RunFunctionRequest{
		Meta:              &fnv1.RequestMeta{Tag: testTag},
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructObject(xr)}},
		RequiredResources: map[string]*fnv1.Resources{requirementTenants: {}},
	}
	var prev []byte
	for pass := 1; pass <= 8; pass++ {
		rsp, err := f.RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest))
		if err != nil {
			b.Fatal(err)
		}
		observed := fntest.Observed(rsp, xr.GetName(), fnv1.Ready_READY_TRUE)
		xr.Object["status"] = rsp.GetDesired().GetComposite().GetResource().AsMap()["status"]
		req.Observed.Composite = &fnv1.Resource{Resource: resource.MustStructObject(xr)}
		req.Observed.Resources = observed
		// Converged: the same resources and status as the pass before, and
		// nothing waited for.
		state, err := proto.MarshalOptions{Deterministic: true}.Marshal(&fnv1.State{Composite: req.Observed.Composite, Resources: observed})
		if err != nil {
			b.Fatal(err)
		}
		if bytes.Equal(state, prev) && rsp.GetDesired().GetComposite().GetReady() != fnv1.Ready_READY_FALSE {
			return req
		}
		prev = state
	}
	b.Fatalf("%s did not converge in 8 passes", path)
	return nil
}
