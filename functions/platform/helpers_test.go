package main

import (
	"os"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Test fixtures shared by the tests of this package. The composed resource
// schemes are registered by main.go's init, which also runs in tests.

const (
	testName       = "prod"
	testRegion     = "eu-west-1"
	testCostCenter = "learning-platform"
)

// testZones are the zones derived from testRegion.
var testZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

// newXR is a minimal valid XPlatform, as a user would write it, changed by
// each of fns in order.
func newXR(fns ...func(*v1alpha1.XPlatform)) *v1alpha1.XPlatform {
	xr := &v1alpha1.XPlatform{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.XPlatformKind},
		ObjectMeta: metav1.ObjectMeta{Name: testName},
		Spec: v1alpha1.XPlatformSpec{
			Region:     testRegion,
			CostCenter: testCostCenter,
		},
	}
	for _, fn := range fns {
		fn(xr)
	}
	return xr
}

func withName(n string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Name = n }
}

func withRegion(r string, zones ...string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) {
		xr.Spec.Region = r
		xr.Spec.AvailabilityZones = zones
	}
}

func withZones(zones ...string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Spec.AvailabilityZones = zones }
}

func withProfile(p v1alpha1.Profile) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Spec.Profile = p }
}

func withSSMEndpoints(on bool) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Spec.Bastion.SSMEndpoints = &on }
}

func withVPCCIDR(c string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Spec.Networking.VPCCIDR = c }
}

func withPublicAccess(cidrs ...string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Spec.Kubernetes.PublicAccessCIDRs = cidrs }
}

// mustPlan is newPlan for inputs that are valid.
func mustPlan(t *testing.T, xr *v1alpha1.XPlatform) *plan {
	t.Helper()
	p, err := newPlan(xr)
	if err != nil {
		t.Fatalf("newPlan(...): unexpected error: %v", err)
	}
	return p
}

// objects indexes resources by name, failing on a duplicate name.
func objects(t *testing.T, rs []compose.Resource) map[resource.Name]runtime.Object {
	t.Helper()
	out := make(map[resource.Name]runtime.Object, len(rs))
	for _, r := range rs {
		if _, dup := out[r.Name]; dup {
			t.Fatalf("resource name %q is used twice", r.Name)
		}
		out[r.Name] = r.Object
	}
	return out
}

// ofType returns the objects of type T among rs, keyed by name.
func ofType[T runtime.Object](rs []compose.Resource) map[resource.Name]T {
	out := map[resource.Name]T{}
	for _, r := range rs {
		if o, ok := r.Object.(T); ok {
			out[r.Name] = o
		}
	}
	return out
}

// mustGet returns the object of type T named n among rs.
func mustGet[T runtime.Object](t *testing.T, rs []compose.Resource, n resource.Name) T {
	t.Helper()
	for _, r := range rs {
		if r.Name != n {
			continue
		}
		o, ok := r.Object.(T)
		if !ok {
			t.Fatalf("resource %q is a %T, want %T", n, r.Object, o)
		}
		return o
	}
	var zero T
	t.Fatalf("no resource named %q", n)
	return zero
}

// observedJSON is an observed composed resource given as JSON.
func observedJSON(j string) resource.ObservedComposed {
	cd := composed.New()
	if err := resource.AsObject(resource.MustStructJSON(j), cd); err != nil {
		panic(err)
	}
	return resource.ObservedComposed{Resource: cd}
}

// deref flattens a map of string pointers, as provider-aws tags are.
func deref(m map[string]*string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v == nil {
			out[k] = "<nil>"
			continue
		}
		out[k] = *v
	}
	return out
}

// coreNames are the names the network and cluster builders produce for p.
// Function tests compare the desired resources of these builders exactly and
// leave the rest (such as the data tier) to their own tests.
func coreNames(t *testing.T, p *plan) map[string]bool {
	t.Helper()
	prereqs, err := clusterPrerequisites(p)
	if err != nil {
		t.Fatalf("clusterPrerequisites(...): %v", err)
	}
	out := map[string]bool{}
	for _, r := range append(append(network(p), prereqs...), cluster(p, clusterInputs{KMSKeyARN: "k", NodeRoleARN: "r"})...) {
		out[string(r.Name)] = true
	}
	return out
}

// wantInXRDSource fails t for each of wants that apis/v1alpha1's
// platform_types.go, which the XRD is generated from, does not hold: a
// marker or CEL rule that must refuse at apply what newPlan refuses.
func wantInXRDSource(t *testing.T, wants ...string) {
	t.Helper()
	b, err := os.ReadFile("../../apis/v1alpha1/platform_types.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range wants {
		if !strings.Contains(string(b), want) {
			t.Errorf("apis/v1alpha1/platform_types.go has no %s", want)
		}
	}
}
