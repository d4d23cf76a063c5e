package main

import (
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// TestResponseTTL: every response, a fatal one too, tells Crossplane when to
// call again: the --poll-interval the function was started with, or the
// SDK's minute.
func TestResponseTTL(t *testing.T) {
	fntest.ResponseTTL(t, func(ttl time.Duration) fnv1.FunctionRunnerServiceServer {
		return &Function{log: logging.NewNopLogger(), ttl: ttl}
	})
}
