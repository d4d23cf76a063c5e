package fntest

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// AnnotationField is the field path the XRD names when it refuses a fixture
// of test/invalid (test/xrd_test.go checks the XRD's side); the function
// must name the same one.
const AnnotationField = "test.openedx.cloud/field"

// RefusesInvalidFixtures runs every fixture matching glob (at least min of
// them) through a function, as the composite of a request run builds, and
// wants a Fatal result naming the field the XRD names: crossplane render
// refuses what the API server refuses, where the API server refuses it.
func RefusesInvalidFixtures(t *testing.T, glob string, minimum int, run func(t *testing.T, composite string) *fnv1.RunFunctionResponse) {
	t.Helper()
	fixtures, err := filepath.Glob(glob)
	if err != nil || len(fixtures) < minimum {
		t.Fatalf("want at least %d fixtures matching %s, got %d: %v", minimum, glob, len(fixtures), err)
	}
	for _, f := range fixtures {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs, err := manifests.Read(f)
			if err != nil || len(objs) != 1 {
				t.Fatalf("want one object in %s: %v", f, err)
			}
			path := objs[0].GetAnnotations()[AnnotationField]
			if path == "" {
				t.Fatalf("%s has no %s annotation", f, AnnotationField)
			}
			j, err := json.Marshal(objs[0].Object)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range run(t, string(j)).GetResults() {
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
