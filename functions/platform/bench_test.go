package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/proto"
)

// BenchmarkRunFunctionTenants measures what admitting tenants costs a
// platform reconcile. The baseline, measured first in the same run, is the
// same converged platform with no tenant; each size reports its time and
// allocations per reconcile as multiples of it (x-baseline-time,
// x-baseline-allocs), which machines of different speeds can compare.
//
//	make bench
func BenchmarkRunFunctionTenants(b *testing.B) {
	// A converged platform: every resource observed, as in production.
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
