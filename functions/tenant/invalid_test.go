package main

import (
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// TestInvalidFixturesRefusedAtTheSameField runs every XOpenEdxTenant
// fixture the XRD refuses through the function, which must refuse it at the
// same field.
func TestInvalidFixturesRefusedAtTheSameField(t *testing.T) {
	fntest.RefusesInvalidFixtures(t, "../../test/invalid/tenant-*.yaml", 8, func(t *testing.T, xr string) *fnv1.RunFunctionResponse {
		t.Helper()
		req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xr)}}}
		rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), req)
		if err != nil {
			t.Fatalf("RunFunction(...): %v", err)
		}
		return rsp
	})
}
