//go:build e2e

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fakeprovider"
)

// Namespaces of the claims.
const (
	nsPlatform = "platform"
	nsTenants  = "tenants"
)

// eventually calls f until it returns nil, and fails the test with f's
// last error when timeout passes first, or when a control-plane process
// died.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	if err := cp.retryEvery(time.Second, timeout, f); err != nil {
		t.Fatal(err)
	}
}

// kubectlT runs kubectl and fails the test on error.
func kubectlT(t *testing.T, args ...string) string {
	t.Helper()
	out, err := cp.kube.run(nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// applyFile server-side applies a file of the repository.
func applyFile(t *testing.T, path string) {
	t.Helper()
	if !filepath.IsAbs(path) {
		path = filepath.Join(cp.root, path)
	}
	kubectlT(t, "apply", "--server-side", "--field-manager=e2e", "-f", path)
}

func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	if err := cp.kube.applyObjects("e2e", []map[string]any{{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}); err != nil {
		t.Fatal(err)
	}
}

// getT returns an object, or nil when it does not exist.
func getT(t *testing.T, resource, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := cp.kube.get(resource, namespace, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// compositeOf waits for a claim's composite resource and returns its name.
func compositeOf(t *testing.T, claimType, namespace, name string) string {
	t.Helper()
	var xr string
	eventually(t, time.Minute, func() error {
		c, err := cp.kube.get(claimType, namespace, name)
		if err != nil {
			return err
		}
		if c == nil {
			return fmt.Errorf("%s %s/%s does not exist", claimType, namespace, name)
		}
		xr, _, _ = unstructured.NestedString(c.Object, "spec", "resourceRef", "name")
		if xr == "" {
			return fmt.Errorf("%s %s/%s has no composite resource yet: %s%s", c.GetKind(), namespace, name, describeConditions(c), cp.events(c.GetName()))
		}
		return nil
	})
	return xr
}

// events returns the recent events about objects of a name, for failure
// messages: composition errors and function results show there.
func (c *controlPlane) events(name string) string {
	out, err := c.kube.run(nil, "get", "events", "--all-namespaces", "--field-selector=involvedObject.name="+name, "-o", "json")
	if err != nil {
		return "\n  (cannot list events: " + err.Error() + ")"
	}
	var l struct {
		Items []struct {
			InvolvedObject        struct{ Kind, Name string } `json:"involvedObject"`
			Type, Reason, Message string
			Count                 int
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Items) == 0 {
		return ""
	}
	// The last event of each kind and reason, in order.
	type key struct{ kind, reason string }
	last := map[key]int{}
	for i, e := range l.Items {
		last[key{e.InvolvedObject.Kind, e.Reason}] = i
	}
	var items []int
	for _, i := range last {
		items = append(items, i)
	}
	sort.Ints(items)
	var b strings.Builder
	b.WriteString("\n  events of " + name + ":")
	for _, i := range items {
		e := l.Items[i]
		fmt.Fprintf(&b, "\n    %s %s %s: %s", e.Type, e.InvolvedObject.Kind, e.Reason, e.Message)
	}
	return b.String()
}

// describeComposite summarises a composite resource for failure messages.
func describeComposite(xrType, xr string) string {
	u, err := cp.kube.get(xrType, "", xr)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("\n  %s %s: %s%s", xrType, xr, describeConditions(u), cp.events(xr))
}

// tenantReady returns an error naming the tenant claim c unless it is as
// ready as its platform allows: Ready, or, on a platform without a DNS
// domain (the tier's platforms have none), converged with DNSReady=False
// for reason NoDomain, which keeps it from Ready: nothing routes to it.
func tenantReady(c *unstructured.Unstructured) error {
	if s, _, _ := condition(c, "Ready"); s == "True" {
		return nil
	}
	if s, reason, _ := condition(c, "DNSReady"); s != "False" || reason != "NoDomain" {
		return fmt.Errorf("%s: want Ready=True, or DNSReady=False for reason NoDomain; have %s", ref(c), describeConditions(c))
	}
	for _, typ := range []string{"Synced", "PlatformReady", "Provisioned"} {
		if err := conditionIs(c, typ, "True"); err != nil {
			return err
		}
	}
	return nil
}

// conditionIs returns an error naming u unless its condition typ has
// status want.
func conditionIs(u *unstructured.Unstructured, typ, want string) error {
	if s, _, _ := condition(u, typ); s != want {
		return fmt.Errorf("%s: want %s=%s, have %s", ref(u), typ, want, describeConditions(u))
	}
	return nil
}

// byResourceName returns the composed resource Crossplane knows under a
// composition resource name (the function's name for it).
func byResourceName(rs []*unstructured.Unstructured, name string) *unstructured.Unstructured {
	for _, r := range rs {
		if r.GetAnnotations()[fakeprovider.AnnotationCompositionResourceName] == name {
			return r
		}
	}
	return nil
}

// readyPlatform applies a Platform claim (idempotent), plays the provider
// until the claim is Ready, and returns its composite's name.
func readyPlatform(t *testing.T, file, name string) string {
	t.Helper()
	ensureNamespace(t, nsPlatform)
	applyFile(t, file)
	xr := compositeOf(t, typePlatform, nsPlatform, name)
	eventually(t, 5*time.Minute, func() error {
		if _, err := cp.playProvider(typeXPlatform, xr); err != nil {
			return err
		}
		c, err := cp.kube.get(typePlatform, nsPlatform, name)
		if err != nil {
			return err
		}
		if err := conditionIs(c, "Ready", "True"); err != nil {
			return fmt.Errorf("%w%s", err, describeComposite(typeXPlatform, xr))
		}
		return nil
	})
	return xr
}

// tenantFiles are the test's tenants of the staging platform: claim name
// to file.
var tenantFiles = map[string]string{
	"demo":   "test/e2e/testdata/tenant-demo.yaml",
	"demo-b": "test/e2e/testdata/tenant-demo-b.yaml",
}

// readyTenants makes the staging platform and both tenants ready
// (idempotent) and returns the tenants' composite names by claim name.
func readyTenants(t *testing.T) (platformXR string, tenants map[string]string) {
	t.Helper()
	platformXR = readyPlatform(t, "examples/platform-small.yaml", "staging")
	ensureNamespace(t, nsTenants)
	tenants = map[string]string{}
	for name, file := range tenantFiles {
		applyFile(t, file)
		tenants[name] = compositeOf(t, typeTenant, nsTenants, name)
	}
	readyTenantsOf(t, tenants)
	return platformXR, tenants
}

// tenantReadyTimeout is how long a new tenant of a ready platform may take
// to become Ready. Crossplane does not watch tenants for the platform, nor
// the platform for its tenants: the platform admits a tenant on its next
// reconcile, which its function's response TTL (a minute, ±10%) schedules,
// and the tenant composes on its own next one, another TTL later. Then the
// providers take a few passes.
const tenantReadyTimeout = 6 * time.Minute

// readyTenant plays the providers for a tenant until its claim is Ready.
func readyTenant(t *testing.T, name, xr string) {
	t.Helper()
	readyTenantsOf(t, map[string]string{name: xr})
}

// readyTenantsOf plays the providers for tenants (composite by claim name,
// claims in namespace tenants), all at once, until every claim is Ready.
func readyTenantsOf(t *testing.T, tenants map[string]string) {
	t.Helper()
	names := make([]string, 0, len(tenants))
	for n := range tenants {
		names = append(names, n)
	}
	sort.Strings(names)
	eventually(t, tenantReadyTimeout, func() error {
		var errs []error
		for _, name := range names {
			xr := tenants[name]
			if _, err := cp.playProvider(typeXTenant, xr); err != nil {
				return err
			}
			c, err := cp.kube.get(typeTenant, nsTenants, name)
			if err != nil {
				return err
			}
			if c == nil {
				return fmt.Errorf("OpenEdxTenant %s/%s does not exist", nsTenants, name)
			}
			if err := tenantReady(c); err != nil {
				errs = append(errs, fmt.Errorf("%w%s", err, describeComposite(typeXTenant, xr)))
			}
		}
		return errors.Join(errs...)
	})
}

// manifest returns the Kubernetes object a provider-kubernetes Object
// manages.
func manifest(o *unstructured.Unstructured) *unstructured.Unstructured {
	m, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "manifest")
	return &unstructured.Unstructured{Object: m}
}
