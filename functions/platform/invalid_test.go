package main

import (
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// TestInvalidFixturesRefusedAtTheSameField runs every XPlatform fixture the
// XRD refuses through the function, which must refuse it at the same field.
func TestInvalidFixturesRefusedAtTheSameField(t *testing.T) {
	fntest.RefusesInvalidFixtures(t, "../../test/invalid/platform-*.yaml", 15, func(t *testing.T, xr string) *fnv1.RunFunctionResponse {
		t.Helper()
		rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), newRequest(xr, nil, nil))
		if err != nil {
			t.Fatalf("RunFunction(...): %v", err)
		}
		return rsp
	})
}
