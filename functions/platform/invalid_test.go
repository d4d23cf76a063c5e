package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// Annotations of the fixtures in test/invalid, which test/xrd_test.go
// feeds to the XRD's OpenAPI and CEL validation.
const (
	annotationRejectedWith = "test.openedx.cloud/rejected-with"
	annotationField        = "test.openedx.cloud/field"
)

// TestInvalidFixturesRefusedAtTheSameField runs every XPlatform fixture the
// XRD refuses through the function, and wants a Fatal result naming the
// same field the XRD names (test/xrd_test.go checks the XRD's side of each
// fixture): crossplane render refuses what the API server refuses, where
// the API server refuses it.
func TestInvalidFixturesRefusedAtTheSameField(t *testing.T) {
	fixtures, err := filepath.Glob("../../test/invalid/platform-*.yaml")
	if err != nil || len(fixtures) < 15 {
		t.Fatalf("want the platform fixtures of test/invalid, got %d: %v", len(fixtures), err)
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
			rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), newRequest(string(j), nil, nil))
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
			t.Errorf("the function composed %s, which the XRD refuses at %s", f, path)
		})
	}
}
