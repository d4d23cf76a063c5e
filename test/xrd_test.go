package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/awsregions"
	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// annotationRejectedWith holds the message an invalid fixture must be
// rejected with.
const annotationRejectedWith = "test.openedx.cloud/rejected-with"

// annotationField is the field path the XRD must name, and the function too
// (each function's TestInvalidFixturesRefusedAtTheSameField runs the same
// fixtures): one validation truth.
const annotationField = "test.openedx.cloud/field"

// TestXRDsRejectInvalidInput validates every fixture in invalid/ against the
// generated XRDs with the API server's own OpenAPI and CEL validation (run
// offline by crossplane beta validate), and wants the fixture's message.
// This proves the CEL rules compile and fire, not only that they exist.
func TestXRDsRejectInvalidInput(t *testing.T) {
	bin, cache, image := os.Getenv("CROSSPLANE_BIN"), os.Getenv("VALIDATE_CACHE_DIR"), os.Getenv("CROSSPLANE_IMAGE")
	if bin == "" || cache == "" || image == "" {
		t.Skip("CROSSPLANE_BIN, VALIDATE_CACHE_DIR and CROSSPLANE_IMAGE are not set: run make test")
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
				"--cache-dir", cache, "--crossplane-image", image).CombinedOutput()
			if err == nil {
				t.Fatalf("%s was accepted, want it rejected with %q:\n%s", f, want, out)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("%s was rejected, but not with %q:\n%s", f, want, out)
			}
			if path := objs[0].GetAnnotations()[annotationField]; path != "" && !strings.Contains(string(out), " : "+path+": ") {
				t.Errorf("%s was rejected, but not at %s:\n%s", f, path, out)
			}
		})
	}
}

// TestXRDRegionsAreTheTable keeps the XRD's enums of regions and zones equal
// to internal/awsregions, which the platform function checks against.
func TestXRDRegionsAreTheTable(t *testing.T) {
	objs, err := manifests.Read("../package/xrds/xplatforms.yaml")
	if err != nil || len(objs) != 1 {
		t.Fatalf("cannot read the XPlatform XRD: %v", err)
	}
	versions, _, _ := unstructured.NestedSlice(objs[0].Object, "spec", "versions")
	spec, _, _ := unstructured.NestedMap(versions[0].(map[string]any), "schema", "openAPIV3Schema", "properties", "spec", "properties")
	enum := func(path ...string) []string {
		v, _, _ := unstructured.NestedSlice(spec, path...)
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, e.(string))
		}
		sort.Strings(out)
		return out
	}
	if diff := cmp.Diff(awsregions.Regions(), enum("region", "enum")); diff != "" {
		t.Errorf("spec.region's enum differs from internal/awsregions: -table +XRD:\n%s", diff)
	}
	if diff := cmp.Diff(awsregions.AllZones(), enum("availabilityZones", "items", "enum")); diff != "" {
		t.Errorf("spec.availabilityZones' enum differs from internal/awsregions: -table +XRD:\n%s", diff)
	}
}
