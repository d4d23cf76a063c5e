//go:build e2e

package e2e

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// installTimeout bounds the package manager's install of the Configuration
// and everything it depends on: two to four minutes on the 2-core machine,
// more when other builds share it (Crossplane's informers then lag, and a
// revision retries "already exists" with a back-off of up to a minute).
const installTimeout = 10 * time.Minute

// installConfiguration installs the project as docs/install.md tells a
// user to: the Functions of install/functions.yaml, then the Configuration
// from the registry, whose dependencies Crossplane's package manager
// resolves. Meanwhile it plays the package runtime that
// --package-runtime=External leaves to others (runtimeStep). It returns
// once every package is installed and healthy and Crossplane serves the
// XRDs' types.
func (c *controlPlane) installConfiguration() error {
	fns, err := manifests.Read(filepath.Join(c.root, "install", "functions.yaml"))
	if err != nil {
		return err
	}
	objs := make([]map[string]any, 0, len(fns)+1)
	for _, fn := range fns {
		objs = append(objs, fn.Object)
	}
	objs = append(objs, map[string]any{
		"apiVersion": "pkg.crossplane.io/v1", "kind": "Configuration",
		"metadata": map[string]any{"name": configurationPackage},
		"spec":     map[string]any{"package": c.configuration},
	})
	if err := c.pki.issue(c.providerCerts(), "providers", x509.ExtKeyUsageServerAuth); err != nil {
		return err
	}
	if err := c.kube.applyObjects("e2e", objs); err != nil {
		return err
	}
	start, report := time.Now(), time.Now()
	// Every 3 s: each pass is several kubectl calls, and Crossplane needs
	// the CPU more.
	if err := c.retryEvery(3*time.Second, installTimeout, func() error {
		err := c.runtimeStep()
		if err == nil {
			err = c.packagesHealthy()
		}
		if err != nil && time.Since(report) > 20*time.Second {
			report = time.Now()
			fmt.Printf("e2e: installing, %.0fs: %s\n", time.Since(start).Seconds(), lastLines(err.Error(), 1))
		}
		return err
	}); err != nil {
		return err
	}
	return c.apisServed()
}

// providerCerts is the directory of the certificate the providers'
// conversion webhooks would serve with.
func (c *controlPlane) providerCerts() string { return filepath.Join(c.dir, "provider-server") }

// runtimeStep does for every package revision what Crossplane's
// Deployment runtime does and the External runtime leaves to others:
//   - a FunctionRevision gets the address its function serves at
//     (status.endpoint) and a Secret with the function's serving
//     certificate (status.tlsServerSecretName), without which the package
//     manager does not make it healthy;
//   - a ProviderRevision gets a Secret with a serving certificate
//     (status.tlsServerSecretName): the package manager writes its
//     certificate into the conversion webhook of CRDs that have one
//     (provider-kubernetes' Object) and refuses to install them without.
//
// No provider controller runs: internal/fakeprovider plays them in the
// tests. Only the functions of c.fnEndpoints are served; any other
// FunctionRevision is an error.
func (c *controlPlane) runtimeStep() error {
	// Every revision, whatever happens to another: Crossplane is updating
	// them too, and a conflict on one must not delay the others.
	var errs []error
	for _, kind := range []string{"functionrevisions.pkg.crossplane.io", "providerrevisions.pkg.crossplane.io"} {
		revs, err := c.kube.list(kind)
		if err != nil {
			return err
		}
		for _, rev := range revs {
			pkg := rev.GetLabels()["pkg.crossplane.io/package"]
			secret, _, _ := unstructured.NestedString(rev.Object, "spec", "tlsServerSecretName")
			if secret == "" {
				secret = pkg + "-tls-server"
			}
			status := map[string]any{"tlsServerSecretName": secret}
			certs := c.providerCerts()
			if strings.HasPrefix(kind, "function") {
				endpoint, ok := c.fnEndpoints[pkg]
				if !ok {
					return permanent{fmt.Errorf("FunctionRevision %s is of Function %q, which the suite does not serve", rev.GetName(), pkg)}
				}
				status["endpoint"] = endpoint
				certs = c.functionCerts()
			}
			errs = append(errs, c.runRevision(kind, rev, secret, certs, status))
		}
	}
	return errors.Join(errs...)
}

// runRevision writes the revision's TLS Secret from the certificates in
// certs, sets the fields of status, and marks the runtime healthy, as the
// Deployment runtime does once the package's Deployment is available;
// unless all that is done already.
func (c *controlPlane) runRevision(kind string, rev *unstructured.Unstructured, secret, certs string, status map[string]any) error {
	done := true
	for k, v := range status {
		if got, _, _ := unstructured.NestedString(rev.Object, "status", k); got != v {
			done = false
		}
	}
	if s, _, _ := condition(rev, "RuntimeHealthy"); s != "True" {
		done = false
	}
	if done {
		return nil
	}
	s := map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
		"metadata": map[string]any{"name": secret, "namespace": "crossplane-system"},
		"data":     map[string]any{},
	}
	for _, f := range []string{"tls.crt", "tls.key", "ca.crt"} {
		b, err := os.ReadFile(filepath.Join(certs, f))
		if err != nil {
			return err
		}
		s["data"].(map[string]any)[f] = base64.StdEncoding.EncodeToString(b)
	}
	// No client-side validation: it fetches the API server's whole OpenAPI
	// document, which takes more than kubectl's timeout while the package
	// manager is adding CRDs.
	if err := c.kube.applyObjects("e2e", []map[string]any{s}, "--validate=false"); err != nil {
		return err
	}
	// A merge patch replaces the list of conditions: send them all, at the
	// revision's resourceVersion so that a concurrent update by Crossplane
	// fails this patch (and the next step retries) rather than being lost.
	conds, _, _ := unstructured.NestedSlice(rev.Object, "status", "conditions")
	kept := []any{}
	for _, cond := range conds {
		if m, ok := cond.(map[string]any); ok && m["type"] != "RuntimeHealthy" {
			kept = append(kept, m)
		}
	}
	kept = append(kept, map[string]any{
		"type": "RuntimeHealthy", "status": "True", "reason": "HealthyPackageRevision",
		"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		"message":            "e2e: the suite plays the package runtime",
	})
	st := map[string]any{"conditions": kept}
	for k, v := range status {
		st[k] = v
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": rev.GetResourceVersion()},
		"status":   st,
	})
	if err != nil {
		return err
	}
	_, err = c.kube.run(nil, "patch", kind, rev.GetName(), "--subresource=status", "--type=merge", "-p", string(patch))
	return err
}

// packagesHealthy says why the Configuration, or a package it depends on,
// is not installed and healthy yet.
func (c *controlPlane) packagesHealthy() error {
	conf, err := c.kube.get("configurations.pkg.crossplane.io", "", configurationPackage)
	if err != nil {
		return err
	}
	var errs []error
	for _, typ := range []string{"Installed", "Healthy"} {
		if s, _, _ := condition(conf, typ); s != "True" {
			errs = append(errs, fmt.Errorf("%s %s is not %s: %s", conf.GetKind(), conf.GetName(), typ, describeConditions(conf)))
		}
	}
	for _, kind := range []string{"providers.pkg.crossplane.io", "functions.pkg.crossplane.io"} {
		pkgs, err := c.kube.list(kind)
		if err != nil {
			return err
		}
		for _, p := range pkgs {
			for _, typ := range []string{"Installed", "Healthy"} {
				if s, _, _ := condition(p, typ); s != "True" {
					errs = append(errs, fmt.Errorf("%s %s is not %s: %s", p.GetKind(), p.GetName(), typ, describeConditions(p)))
				}
			}
		}
	}
	lock, err := c.kube.get("locks.pkg.crossplane.io", "", "lock")
	if err != nil {
		return err
	}
	if pkgs, _, _ := unstructured.NestedSlice(lock.Object, "packages"); len(pkgs) < 3 {
		errs = append(errs, fmt.Errorf("the package lock has %d packages: the dependencies are not resolved yet", len(pkgs)))
	}
	return errors.Join(errs...)
}

// apisServed waits until Crossplane serves the composite and claim types
// of the XRDs the Configuration installed. An XRD whose CRDs the API
// server refuses fails at once, with the API server's reason.
func (c *controlPlane) apisServed() error {
	files, err := filepath.Glob(filepath.Join(c.root, "package", "xrds", "*.yaml"))
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		xrds, err := manifests.Read(f)
		if err != nil {
			return err
		}
		for _, x := range xrds {
			name := x.GetName()
			errs = append(errs, c.retry(2*time.Minute, func() error {
				u, err := c.kube.get("compositeresourcedefinitions.apiextensions.crossplane.io", "", name)
				if err != nil {
					return err
				}
				if owner := u.GetOwnerReferences(); len(owner) == 0 || owner[0].Kind != "ConfigurationRevision" {
					return permanent{fmt.Errorf("XRD %s is not the Configuration's: owners %v", name, owner)}
				}
				for _, typ := range []string{"Established", "Offered"} {
					if s, _, _ := condition(u, typ); s != "True" {
						events := c.events(name)
						err := fmt.Errorf("XRD %s (%s) is not %s: %s%s", name, strings.TrimPrefix(f, c.root+"/"), typ, describeConditions(u), events)
						if strings.Contains(events, "is invalid") {
							return permanent{err}
						}
						return err
					}
				}
				return nil
			}))
		}
	}
	return errors.Join(errs...)
}

// registerFunction installs a Function from the package at ref in the
// suite's registry and serves it from endpoint, as installConfiguration
// does for the project's functions.
func (c *controlPlane) registerFunction(name, ref, endpoint string) error {
	c.fnEndpoints[name] = endpoint
	fn := map[string]any{
		"apiVersion": "pkg.crossplane.io/v1", "kind": "Function",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"package": ref},
	}
	if err := c.kube.applyObjects("e2e", []map[string]any{fn}); err != nil {
		return err
	}
	return c.retryEvery(time.Second, 2*time.Minute, func() error {
		if err := c.runtimeStep(); err != nil {
			return err
		}
		u, err := c.kube.get("functions.pkg.crossplane.io", "", name)
		if err != nil {
			return err
		}
		for _, typ := range []string{"Installed", "Healthy"} {
			if s, _, _ := condition(u, typ); s != "True" {
				return fmt.Errorf("%s %s is not %s: %s", u.GetKind(), name, typ, describeConditions(u))
			}
		}
		return nil
	})
}
