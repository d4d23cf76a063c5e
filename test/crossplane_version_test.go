package test

import (
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/mod/semver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// crossplaneFixedClaimWatches is the first Crossplane release whose claim
// controllers start their watch of the composites again after it failed
// once (crossplane/crossplane#6884, fixed by 849b2a5 in v2.1.2). Before it,
// a claim applied soon after the Configuration could stay Ready=False
// while its composite was Ready.
const crossplaneFixedClaimWatches = "v2.1.2"

// moduleVersion is the version of module the Go module in dir requires.
func moduleVersion(t *testing.T, dir, module string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", module) //nolint:gosec // Fixed module names.
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m %s in %s: %v", module, dir, err)
	}
	return strings.TrimSpace(string(out))
}

// TestPackagesRequireFixedCrossplane: every package refuses a Crossplane
// without the fix, and accepts the one the e2e tier runs (tools/go.mod).
func TestPackagesRequireFixedCrossplane(t *testing.T) {
	tested := moduleVersion(t, "../tools", "github.com/crossplane/crossplane/v2")

	for _, path := range []string{"../crossplane.yaml", "../package/functions/platform/crossplane.yaml", "../package/functions/tenant/crossplane.yaml"} {
		metas, err := manifests.Read(path)
		if err != nil || len(metas) != 1 {
			t.Fatalf("cannot read %s: %v", path, err)
		}
		constraint, _, _ := unstructured.NestedString(metas[0].Object, "spec", "crossplane", "version")
		least, ok := strings.CutPrefix(constraint, ">=")
		if !ok || !semver.IsValid(least) {
			t.Errorf("%s: spec.crossplane.version %q, want >=vX.Y.Z", path, constraint)
			continue
		}
		if semver.Compare(least, crossplaneFixedClaimWatches) < 0 {
			t.Errorf("%s: spec.crossplane.version %q admits Crossplane before %s, whose claims can miss their composites' readiness", path, constraint, crossplaneFixedClaimWatches)
		}
		if semver.Compare(least, tested) > 0 {
			t.Errorf("%s: spec.crossplane.version %q refuses %s, the Crossplane the e2e tier runs (tools/go.mod)", path, constraint, tested)
		}
	}
}
