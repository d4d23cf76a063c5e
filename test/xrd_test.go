package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// annotationRejectedWith holds the message an invalid fixture must be
// rejected with.
const annotationRejectedWith = "test.openedx.cloud/rejected-with"

// TestXRDsRejectInvalidInput validates every fixture in invalid/ against the
// generated XRDs with the API server's own OpenAPI and CEL validation (run
// offline by crossplane beta validate), and wants the fixture's message.
// This proves the CEL rules compile and fire, not only that they exist.
func TestXRDsRejectInvalidInput(t *testing.T) {
	bin, cache := os.Getenv("CROSSPLANE_BIN"), os.Getenv("VALIDATE_CACHE_DIR")
	if bin == "" || cache == "" {
		t.Skip("CROSSPLANE_BIN and VALIDATE_CACHE_DIR are not set: run make test")
	}
	fixtures, err := filepath.Glob("invalid/*.yaml")
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures in invalid/: %v", err)
	}
	for _, f := range fixtures {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs, err := manifests.Read(f)
			if err != nil || len(objs) != 1 {
				t.Fatalf("want one object in %s: %v", f, err)
			}
			want := objs[0].GetAnnotations()[annotationRejectedWith]
			if want == "" {
				t.Fatalf("%s has no %s annotation", f, annotationRejectedWith)
			}
			out, err := exec.Command(bin, "beta", "validate", "../package/xrds", f, //nolint:gosec // Test inputs.
				"--cache-dir", cache, "--crossplane-image", "xpkg.crossplane.io/crossplane/crossplane:v2.1.0").CombinedOutput()
			if err == nil {
				t.Fatalf("%s was accepted, want it rejected with %q:\n%s", f, want, out)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("%s was rejected, but not with %q:\n%s", f, want, out)
			}
		})
	}
}
