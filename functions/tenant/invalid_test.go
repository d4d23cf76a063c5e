package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// annotationField is the field path the XRD names for a fixture of
// test/invalid (test/xrd_test.go checks it), and the function must too.
const annotationField = "test.openedx.cloud/field"

// TestInvalidFixturesRefusedAtTheSameField runs every XOpenEdxTenant
// fixture the XRD refuses through the function, and wants a Fatal result
// naming the field the XRD names.
func TestInvalidFixturesRefusedAtTheSameField(t *testing.T) {
	fixtures, err := filepath.Glob("../../test/invalid/tenant-*.yaml")
	if err != nil || len(fixtures) < 8 {
		t.Fatalf("want the tenant fixtures of test/invalid, got %d: %v", len(fixtures), err)
	}
	for _, f := range fixtures {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs, err := manifests.Read(f)
			if err != nil || len(objs) != 1 {
				t.Fatalf("want one object in %s: %v", f, err)
			}
			path := objs[0].GetAnnotations()[annotationField]
			if path == "" {
				t.Fatalf("%s has no %s annotation", f, annotationField)
			}
			j, err := json.Marshal(objs[0].Object)
			if err != nil {
				t.Fatal(err)
			}
			req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(j))}}}
			rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), req)
			if err != nil {
				t.Fatalf("RunFunction(...): %v", err)
			}
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
					continue
				}
				if !strings.Contains(r.GetMessage(), path+":") {
					t.Errorf("the function refused %s at another field than the XRD's %s: %s", f, path, r.GetMessage())
				}
				return
			}
			t.Errorf("the function did not refuse %s, which the XRD refuses at %s", f, path)
		})
	}
}
