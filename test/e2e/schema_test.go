//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	function "github.com/crossplane/function-sdk-go"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// liveSubnet returns a Subnet the staging platform composed, as a new
// object to apply: its spec, a new name, nothing the API server set.
func liveSubnet(t *testing.T, name string) map[string]any {
	t.Helper()
	ensureNamespace(t, nsPlatform)
	applyFile(t, "examples/platform-small.yaml")
	xr := compositeOf(t, typePlatform, nsPlatform, "staging")
	var subnet *unstructured.Unstructured
	eventually(t, 2*time.Minute, func() error {
		rs, err := cp.composed(typeXPlatform, xr)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.GetKind() == "Subnet" {
				subnet = r
				return nil
			}
		}
		return fmt.Errorf("XPlatform %s has composed no Subnet%s", xr, describeComposite(typeXPlatform, xr))
	})
	spec, _, _ := unstructured.NestedMap(subnet.Object, "spec")
	return map[string]any{
		"apiVersion": subnet.GetAPIVersion(),
		"kind":       subnet.GetKind(),
		"metadata":   map[string]any{"name": name},
		"spec":       spec,
	}
}

// TestAPIServerRefusesInvalidManagedResource server-side applies, as
// Crossplane does, a composed Subnet with a field its CRD does not have,
// and one with a field of the wrong type, and wants the API server to
// refuse both with a message naming the resource and the field: the
// schemas the tier installs are enforced.
func TestAPIServerRefusesInvalidManagedResource(t *testing.T) {
	cases := map[string]struct {
		field string
		value any
		want  []string
	}{
		"unknown field": {
			field: "cidrBlocks", // The field is cidrBlock.
			value: "10.20.0.0/24",
			want:  []string{"Kind=Subnet", "e2e-unknown-field", ".spec.forProvider.cidrBlocks: field not declared in schema"},
		},
		"wrong type": {
			field: "mapPublicIpOnLaunch",
			value: "no",
			want:  []string{"Kind=Subnet", "e2e-wrong-type", ".spec.forProvider.mapPublicIpOnLaunch: expected boolean"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objName := "e2e-" + strings.ReplaceAll(name, " ", "-")
			o := liveSubnet(t, objName)
			if err := unstructured.SetNestedField(o, tc.value, "spec", "forProvider", tc.field); err != nil {
				t.Fatal(err)
			}
			// --validate=false: the API server, not kubectl, must refuse it.
			err := cp.kube.applyObjects("e2e", []map[string]any{o}, "--validate=false")
			if err == nil {
				_, _ = cp.kube.run(nil, "delete", "subnets.ec2.aws.upbound.io", objName, "--ignore-not-found")
				t.Fatalf("the API server accepted Subnet %s with spec.forProvider.%s = %v", objName, tc.field, tc.value)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the API server's error does not say %q:\n%v", w, err)
				}
			}
			t.Logf("refused as expected: %v", err)
		})
	}
}

// breaker is a composition function that breaks what the previous step
// composed: it gives the first Subnet a field its CRD does not have, as a
// function would after a field was renamed in a provider upgrade.
type breaker struct {
	fnv1.UnimplementedFunctionRunnerServiceServer
}

// brokenField is the field breaker adds; Subnets have cidrBlock.
const brokenField = "cidrBlocks"

func (breaker) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)
	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	names := make([]string, 0, len(desired))
	for n, d := range desired {
		if d.Resource.GetKind() == "Subnet" {
			names = append(names, string(n))
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		d := desired[resource.Name(names[0])]
		if err := d.Resource.SetValue("spec.forProvider."+brokenField, "10.0.0.0/24"); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		response.Fatal(rsp, err)
	}
	return rsp, nil
}

// TestBrokenCompositionIsReported runs the platform function followed by
// breaker in an extra Composition, and wants the check the platform tests
// use to fail with a message that names the broken composed resource and
// the field: a schema bug in what a function composes fails this tier.
// (Crossplane applies composed resources with server-side apply, which
// refuses unknown fields rather than pruning them.)
func TestBrokenCompositionIsReported(t *testing.T) {
	// Serve breaker from the test binary, over mTLS like the functions.
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	endpoint := fmt.Sprintf("127.0.0.1:%d", port)
	served := make(chan error, 1)
	go func() {
		served <- function.Serve(breaker{},
			function.Listen("tcp", endpoint),
			function.MTLSCertificates(cp.functionCerts()),
			function.WithMetricsServer("")) // No metrics server: it would listen on :8080.
	}()
	if err := waitListening(endpoint, served); err != nil {
		t.Fatal(err)
	}
	// Installed like the project's functions: its package from the
	// suite's registry, its runtime this process.
	root := filepath.Join(cp.dir, "function-e2e-breaker")
	if err := os.MkdirAll(root, 0o700); err != nil {
		t.Fatal(err)
	}
	meta := []byte(`apiVersion: meta.pkg.crossplane.io/v1beta1
kind: Function
metadata:
  name: function-e2e-breaker
spec:
  capabilities:
  - composition
`)
	if err := os.WriteFile(filepath.Join(root, "crossplane.yaml"), meta, 0o600); err != nil {
		t.Fatal(err)
	}
	const ref = "e2e.invalid/function-e2e-breaker:v0"
	if err := cp.buildAndPush(root, ref); err != nil {
		t.Fatal(err)
	}
	if err := cp.registerFunction("function-e2e-breaker", cp.registry.mirror(ref), endpoint); err != nil {
		t.Fatal(err)
	}
	applyFile(t, "test/e2e/testdata/composition-broken.yaml")
	ensureNamespace(t, nsPlatform)
	applyFile(t, "test/e2e/testdata/platform-broken.yaml")
	t.Cleanup(func() {
		_, _ = cp.kube.run(nil, "delete", typePlatform, "broken", "-n", nsPlatform, "--wait=false", "--ignore-not-found")
	})
	xr := compositeOf(t, typePlatform, nsPlatform, "broken")
	want := goldenComposed(t, "platform-small")

	// The check TestPlatformComposesManagedResources makes must fail, and
	// say which resource is broken and why.
	var lastErr error
	eventually(t, 2*time.Minute, func() error {
		lastErr = platformComposed(xr, want, false)
		if lastErr == nil {
			return fmt.Errorf("XPlatform %s composed everything although step break-a-subnet broke a Subnet", xr)
		}
		msg := lastErr.Error()
		for _, want := range []string{`cannot apply composed resource "subnet-`, brokenField} {
			if !strings.Contains(msg, want) {
				return fmt.Errorf("the failure does not say %q yet:\n%v", want, lastErr)
			}
		}
		return nil
	})
	t.Logf("the platform check fails as it should:\n%v", lastErr)
}

// waitListening waits until something accepts connections at address.
func waitListening(address string, served <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-served:
			return fmt.Errorf("function server stopped: %w", err)
		default:
		}
		c, err := net.DialTimeout("tcp", address, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens at %s: %w", address, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
