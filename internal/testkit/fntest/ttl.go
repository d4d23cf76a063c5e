package fntest

import (
	"context"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// ResponseTTL checks that every response, a fatal one too, tells Crossplane
// when to call again: the --poll-interval the function was started with
// (newFn's ttl), or the SDK's minute when it is zero.
func ResponseTTL(t *testing.T, newFn func(ttl time.Duration) fnv1.FunctionRunnerServiceServer) {
	t.Helper()
	cases := map[string]struct {
		ttl  time.Duration
		want time.Duration
	}{
		"Default": {want: time.Minute},
		"Set":     {ttl: 15 * time.Second, want: 15 * time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp, err := newFn(tc.ttl).RunFunction(context.Background(), &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "ttl"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := rsp.GetMeta().GetTtl().AsDuration(); got != tc.want {
				t.Errorf("RunFunction(...) TTL %s, want %s", got, tc.want)
			}
		})
	}
}
