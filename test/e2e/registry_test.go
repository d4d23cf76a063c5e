//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// Environment variables `make e2e` sets for the package-manager install,
// as for `make artifacts`.
const (
	envCrossplaneCLI   = "CROSSPLANE_BIN"   // the Crossplane CLI, to build the provider packages
	envPackageDir      = "PACKAGES_DIR"     // make packages' output
	envPackageVersion  = "PACKAGE_VERSION"  // the functions' and Configuration's tag
	envPackageRegistry = "PACKAGE_REGISTRY" // where the Configuration expects them
)

// configurationPackage is the Configuration's package file in PACKAGES_DIR
// and its repository under PACKAGE_REGISTRY.
const configurationPackage = "configuration-openedx-aws"

// providerPackage says how the suite builds a stand-in for a provider
// package the Configuration depends on: its module's package/crds, and its
// metadata as the provider's own build writes it.
type providerPackage struct {
	module string
	// groups says whether a CRD's API group belongs to the package
	// (service is the part of the repository after the prefix).
	groups func(group, service string) bool
	// allCRDs packs every CRD of the package's groups, not only the
	// kinds the goldens compose: the family's ProviderConfig kinds.
	allCRDs bool
	// meta returns the package's crossplane.yaml.
	meta func(moduleDir, service string) ([]byte, error)
}

// providerPackages are the providers the suite can stand in for, by the
// prefix of their repository in dependsOn.
var providerPackages = map[string]providerPackage{
	"xpkg.upbound.io/upbound/provider-family-aws": {
		module:  "github.com/upbound/provider-aws",
		groups:  func(g, _ string) bool { return g == "aws.upbound.io" },
		allCRDs: true,
		meta:    upboundMeta("provider-family-aws", "config"),
	},
	"xpkg.upbound.io/upbound/provider-aws-": {
		module: "github.com/upbound/provider-aws",
		groups: func(g, svc string) bool { return g == svc+".aws.upbound.io" || g == svc+".aws.m.upbound.io" },
		meta:   func(dir, svc string) ([]byte, error) { return upboundMeta("provider-aws-"+svc, svc)(dir, svc) },
	},
	"xpkg.upbound.io/crossplane-contrib/provider-kubernetes": {
		module: "github.com/crossplane-contrib/provider-kubernetes",
		groups: func(g, _ string) bool { return g == "kubernetes.crossplane.io" || g == "kubernetes.m.crossplane.io" },
		meta: func(dir, _ string) ([]byte, error) {
			return os.ReadFile(filepath.Join(dir, "package", "crossplane.yaml"))
		},
	},
}

// upboundMeta renders provider-aws's package/crossplane.yaml.tmpl as its
// Makefile does for one family member (service "config" is the family).
func upboundMeta(pkgName, service string) func(moduleDir, _ string) ([]byte, error) {
	return func(moduleDir, _ string) ([]byte, error) {
		path := filepath.Join(moduleDir, "package", "crossplane.yaml.tmpl")
		tmpl, err := template.ParseFiles(path)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = tmpl.Execute(&b, map[string]string{
			"Name": pkgName, "Service": service, "ProviderName": "aws", "ProviderAuthGroup": "aws",
			"XpkgRegOrg": "xpkg.upbound.io/upbound", "DepConstraint": ">= v0.0.0-0",
		})
		return b.Bytes(), err
	}
}

// registry is an OCI registry on 127.0.0.1 (go-containerregistry's, in
// memory, plain HTTP: Crossplane's client speaks HTTP to loopback
// registries) that mirrors every registry the packages name.
type loopbackRegistry struct {
	host string // 127.0.0.1:PORT
	srv  *http.Server
}

// startRegistry serves the registry from the test process, logging to
// registry.log.
func (c *controlPlane) startRegistry() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(c.dir, "registry.log"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(logf, "", log.LstdFlags))), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	c.registry = &loopbackRegistry{host: l.Addr().String(), srv: srv}
	return nil
}

// mirror is where the registry holds a package named ref: its host, then
// ref as it is, so that one rewrite prefix per source registry serves all.
func (r *loopbackRegistry) mirror(ref string) string { return r.host + "/" + ref }

// push puts the package file at ref's mirror.
func (r *loopbackRegistry) push(file, ref string) error {
	img, err := tarball.ImageFromPath(file, nil)
	if err != nil {
		return fmt.Errorf("cannot read package %s: %w", file, err)
	}
	dst, err := name.ParseReference(r.mirror(ref), name.StrictValidation)
	if err != nil {
		return err
	}
	if err := remote.Write(dst, img); err != nil {
		return fmt.Errorf("cannot push %s as %s: %w", file, dst, err)
	}
	return nil
}

// imageConfigs rewrite each source registry the packages name to its
// mirror, as a user mirroring packages would.
func (r *loopbackRegistry) imageConfigs(refs []string) []map[string]any {
	hosts := map[string]bool{}
	for _, ref := range refs {
		host, _, _ := strings.Cut(ref, "/")
		hosts[host] = true
	}
	var out []map[string]any
	for _, h := range slices.Sorted(maps.Keys(hosts)) {
		out = append(out, map[string]any{
			"apiVersion": "pkg.crossplane.io/v1beta1", "kind": "ImageConfig",
			"metadata": map[string]any{"name": "e2e-mirror-" + strings.ReplaceAll(h, ".", "-")},
			"spec": map[string]any{
				"matchImages":  []any{map[string]any{"prefix": h + "/"}},
				"rewriteImage": map[string]any{"prefix": r.mirror(h) + "/"},
			},
		})
	}
	return out
}

// dependency is one dependsOn entry of a package's metadata.
type dependency struct {
	Provider string `json:"provider"`
	Function string `json:"function"`
	Version  string `json:"version"`
}

// readDependsOn returns a package metadata file's dependsOn.
func readDependsOn(meta []byte) ([]dependency, error) {
	var m struct {
		Spec struct {
			DependsOn []dependency `json:"dependsOn"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(meta, &m); err != nil {
		return nil, err
	}
	return m.Spec.DependsOn, nil
}

// publishPackages pushes the built Configuration and Function packages
// (make packages) to the registry under the names the Configuration
// resolves to, builds a stand-in for each provider package it depends on
// (transitively), and pushes those too. It returns the Configuration's
// reference as a user installs it.
func (c *controlPlane) publishPackages() error {
	conf, err := c.publish()
	c.configuration = conf
	return err
}

func (c *controlPlane) publish() (string, error) {
	cli, dir := os.Getenv(envCrossplaneCLI), os.Getenv(envPackageDir)
	version, reg := os.Getenv(envPackageVersion), os.Getenv(envPackageRegistry)
	if cli == "" || dir == "" || version == "" || reg == "" {
		return "", fmt.Errorf("%s, %s, %s and %s must be set: run make e2e", envCrossplaneCLI, envPackageDir, envPackageVersion, envPackageRegistry)
	}
	confMeta, err := os.ReadFile(filepath.Join(dir, "configuration", "crossplane.yaml"))
	if err != nil {
		return "", fmt.Errorf("%w (make packages builds it)", err)
	}
	conf := reg + "/" + configurationPackage + ":" + version
	refs := []string{conf}
	if err := c.registry.push(filepath.Join(dir, configurationPackage+".xpkg"), conf); err != nil {
		return "", err
	}
	deps, err := readDependsOn(confMeta)
	if err != nil {
		return "", fmt.Errorf("cannot read the Configuration's dependsOn: %w", err)
	}
	kinds, err := goldenKinds(c.previews)
	if err != nil {
		return "", err
	}
	packed := map[string]bool{} // Kind.group the provider packages hold
	built := map[string]bool{}
	for len(deps) > 0 {
		d := deps[0]
		deps = deps[1:]
		switch {
		case d.Function != "":
			// The function's package for this machine: Crossplane reads
			// its metadata; its runtime is a process (startFunctions).
			repo := strings.TrimPrefix(d.Function, reg+"/")
			f := filepath.Join(dir, repo+"-"+runtime.GOARCH+".xpkg")
			ref := d.Function + ":" + version
			if err := c.registry.push(f, ref); err != nil {
				return "", err
			}
			refs = append(refs, ref)
		case d.Provider != "" && !built[d.Provider]:
			built[d.Provider] = true
			ref, meta, err := c.publishProvider(d.Provider, kinds, packed)
			if err != nil {
				return "", err
			}
			refs = append(refs, ref)
			more, err := readDependsOn(meta)
			if err != nil {
				return "", fmt.Errorf("%s: %w", d.Provider, err)
			}
			deps = append(deps, more...)
		}
	}
	var missing []string
	for gk := range kinds {
		_, group, _ := strings.Cut(gk, ".")
		if !packed[gk] && !crossplaneGroups[group] {
			missing = append(missing, gk)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return "", fmt.Errorf("test/golden composes kinds no provider the Configuration depends on serves: %s", strings.Join(missing, ", "))
	}
	if err := c.kube.applyObjects("e2e", c.registry.imageConfigs(refs)); err != nil {
		return "", err
	}
	return conf, nil
}

// publishProvider builds a provider package with `crossplane xpkg build`
// from the provider's metadata and the CRDs of its groups that the goldens
// compose (all of them for a family's config package), and pushes it as
// the provider's module version. It records the kinds it packed.
func (c *controlPlane) publishProvider(repo string, kinds, packed map[string]bool) (string, []byte, error) {
	var p providerPackage
	var service string
	found := false
	for prefix, pp := range providerPackages {
		if strings.HasPrefix(repo, prefix) {
			p, service, found = pp, strings.TrimPrefix(repo, prefix), true
		}
	}
	if !found {
		return "", nil, fmt.Errorf("the Configuration depends on provider %s, which the suite cannot stand in for (see providerPackages)", repo)
	}
	moduleDir, err := c.moduleDir(c.root, p.module)
	if err != nil {
		return "", nil, err
	}
	version, err := c.moduleVersion(p.module)
	if err != nil {
		return "", nil, err
	}
	meta, err := p.meta(moduleDir, service)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", repo, err)
	}
	root := filepath.Join(c.dir, "provider-packages", strings.ReplaceAll(repo, "/", "_"))
	if err := os.MkdirAll(filepath.Join(root, "crds"), 0o700); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "crossplane.yaml"), meta, 0o600); err != nil {
		return "", nil, err
	}
	files, err := filepath.Glob(filepath.Join(moduleDir, "package", "crds", "*.yaml"))
	if err != nil {
		return "", nil, err
	}
	n := 0
	for _, f := range files {
		group, _, _ := strings.Cut(filepath.Base(f), "_")
		if !p.groups(group, service) {
			continue
		}
		objs, err := manifests.Read(f)
		if err != nil {
			return "", nil, fmt.Errorf("cannot read %s: %w", f, err)
		}
		for _, o := range objs {
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			gk := kind + "." + group
			if !p.allCRDs && !kinds[gk] {
				continue
			}
			// No provider serves a conversion webhook here, and the API
			// server calls it even to watch objects at their storage
			// version (provider-kubernetes' Object): drop it, as the CRDs
			// of a provider without one.
			if _, ok, _ := unstructured.NestedMap(o.Object, "spec", "conversion"); ok {
				unstructured.RemoveNestedField(o.Object, "spec", "conversion")
				fmt.Printf("e2e: %s: conversion webhook dropped from %s\n", repo, o.GetName())
			}
			b, err := yaml.Marshal(o.Object)
			if err != nil {
				return "", nil, err
			}
			if err := os.WriteFile(filepath.Join(root, "crds", o.GetName()+".yaml"), b, 0o600); err != nil {
				return "", nil, err
			}
			packed[gk] = true
			n++
		}
	}
	ref := repo + ":" + version
	if err := c.buildAndPush(root, ref); err != nil {
		return "", nil, err
	}
	fmt.Printf("e2e: pushed %s with %d CRDs\n", ref, n)
	return ref, meta, nil
}

// buildAndPush builds the package in root (its crossplane.yaml and crds/)
// with `crossplane xpkg build`, as a provider's or function's own build
// does, and pushes it to ref's mirror.
func (c *controlPlane) buildAndPush(root, ref string) error {
	cli := os.Getenv(envCrossplaneCLI)
	if cli == "" {
		return fmt.Errorf("%s must name the Crossplane CLI: run make e2e", envCrossplaneCLI)
	}
	file := root + ".xpkg"
	cmd := exec.Command(cli, "xpkg", "build", "--package-root="+root, "--package-file="+file) //nolint:gosec // Our own tool.
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("crossplane xpkg build of %s: %w: %s", ref, err, lastLines(string(out), 5))
	}
	return c.registry.push(file, ref)
}

// moduleVersion is the version of a module the root go.mod requires.
func (c *controlPlane) moduleVersion(module string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", module)
	cmd.Dir = c.root
	out, err := cmd.Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v, nil
	}
	return "", fmt.Errorf("cannot find the version of module %s: %v", module, err)
}
