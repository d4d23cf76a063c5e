package fntest

import (
	"context"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
)

// RunFunc is a function's RunFunction.
type RunFunc func(context.Context, *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error)

// Timing is what BenchRunFunction measured, in ns/op: the run and its
// serialization floor.
type Timing struct {
	Run, Floor float64
}

// BenchRunFunction measures run on req as the gRPC server serves it:
// unmarshal the request's bytes, run, marshal the response. Beside it, in
// the same process run, it measures the serialization floor: the same
// request unmarshalled and the same response marshalled, with nothing run
// in between. The sub-benchmark "run" reports its ns/op as a multiple of
// the floor's (x-floor), which machines of different speeds can compare.
// Both sub-benchmarks must run for the ratio: never filter one of them out.
// A baseline, the Timing of an earlier call in the same run, is also
// reported as multiples: of its run's ns/op (x-baseline), and of the
// function's own work, the run less the floor (x-baseline-own), which
// leaves out what a larger request costs to unmarshal.
func BenchRunFunction(b *testing.B, run RunFunc, req *fnv1.RunFunctionRequest, baseline Timing) Timing {
	b.Helper()
	in, err := proto.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	rsp, err := runOnce(run, in)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			b.Fatalf("RunFunction(...): unexpected fatal result: %s", r.GetMessage())
		}
	}

	var t Timing
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := &fnv1.RunFunctionRequest{}
			if err := proto.Unmarshal(in, r); err != nil {
				b.Fatal(err)
			}
			if _, err := proto.Marshal(rsp); err != nil {
				b.Fatal(err)
			}
		}
		t.Floor = nsPerOp(b)
	})
	b.Run("run", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := runOnce(run, in); err != nil {
				b.Fatal(err)
			}
		}
		t.Run = nsPerOp(b)
		if t.Floor > 0 {
			b.ReportMetric(t.Run/t.Floor, "x-floor")
		}
		if baseline.Run > 0 {
			b.ReportMetric(t.Run/baseline.Run, "x-baseline")
		}
		if own := baseline.Run - baseline.Floor; own > 0 && t.Floor > 0 {
			b.ReportMetric((t.Run-t.Floor)/own, "x-baseline-own")
		}
	})
	return t
}

// runOnce unmarshals in, runs the function on it and marshals its response.
func runOnce(run RunFunc, in []byte) (*fnv1.RunFunctionResponse, error) {
	req := &fnv1.RunFunctionRequest{}
	if err := proto.Unmarshal(in, req); err != nil {
		return nil, err
	}
	rsp, err := run(context.Background(), req)
	if err != nil {
		return nil, err
	}
	if _, err := proto.Marshal(rsp); err != nil {
		return nil, err
	}
	return rsp, nil
}

// nsPerOp is what the testing package reports as ns/op.
func nsPerOp(b *testing.B) float64 {
	return float64(b.Elapsed().Nanoseconds()) / float64(max(b.N, 1))
}
