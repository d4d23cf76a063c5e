package main

import (
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// TestResponseTTL: every response, a fatal one too, tells Crossplane when to
// call again: the --poll-interval the function was started with, or the
// SDK's minute.
func TestResponseTTL(t *testing.T) {
	cases := map[string]struct {
		ttl  time.Duration
		want time.Duration
	}{
		"Default": {want: time.Minute},
		"Set":     {ttl: 15 * time.Second, want: 15 * time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := &Function{log: logging.NewNopLogger(), ttl: tc.ttl}
			rsp, err := f.RunFunction(t.Context(), &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "ttl"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := rsp.GetMeta().GetTtl().AsDuration(); got != tc.want {
				t.Errorf("RunFunction(...) TTL %s, want %s", got, tc.want)
			}
		})
	}
}
