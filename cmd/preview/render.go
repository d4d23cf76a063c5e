package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fakeprovider"
	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// maxPasses bounds the renders of one example. A platform converges in
// three: resources AWS creates first, then those that wait for their
// identifiers, then an unchanged set.
const maxPasses = 6

type renderCmd struct {
	Examples     string            `default:"examples"             help:"Directory of example claims."                 type:"existingdir"`
	Compositions string            `default:"package/compositions" help:"Directory of Compositions."                   type:"existingdir"`
	XRDs         string            `default:"package/xrds"         help:"Directory of XRDs, for defaulting."           name:"xrds"     type:"existingdir"`
	Functions    string            `default:"install/functions.yaml" help:"The Function objects."                     type:"existingfile"`
	Crossplane   string            `default:"_output/bin/crossplane" help:"The Crossplane CLI."                         type:"existingfile"`
	Function     map[string]string `help:"Binary of each function, by Function name." required:""`
	Out          string            `default:"_output/render"       help:"Directory to write previews to."              type:"path"`
}

// Run renders platforms first, so that each tenant is rendered against the
// converged platform it names, as Crossplane would fetch it. Each platform
// is rendered with every tenant example, as Crossplane lists them for it,
// so that its status holds the tenants' allocations.
func (c *renderCmd) Run() error {
	targets := map[string]string{}
	for name, bin := range c.Function {
		addr, stop, err := startFunction(bin)
		if err != nil {
			return errors.Errorf("cannot start function %s: %w", name, err)
		}
		// Stopped and reaped before returning: an orphan would hold the
		// caller's output pipe open.
		defer stop()
		targets[name] = addr
	}

	examples, err := filepath.Glob(filepath.Join(c.Examples, "*.yaml"))
	if err != nil {
		return err
	}
	sort.SliceStable(examples, func(i, j int) bool { return rank(examples[i]) < rank(examples[j]) })
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "preview-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) //nolint:errcheck // Best effort clean-up.

	composites := make([]*unstructured.Unstructured, len(examples))
	var tenants []*unstructured.Unstructured
	for i, ex := range examples {
		xr, err := readComposite(ex)
		if err != nil {
			return err
		}
		composites[i] = xr
		if xr.GetKind() == v1alpha1.XOpenEdxTenantKind {
			tenants = append(tenants, xr)
		}
	}

	var platforms []*unstructured.Unstructured
	for i, ex := range examples {
		xr := composites[i]
		r := &renderer{cmd: c, targets: targets, dir: filepath.Join(tmp, strings.TrimSuffix(filepath.Base(ex), ".yaml"))}
		switch xr.GetKind() {
		case v1alpha1.XOpenEdxTenantKind:
			r.required = platforms
		case v1alpha1.XPlatformKind:
			// A platform lists every tenant, keeps its own and allocates
			// their Redis databases. The examples have no creation time,
			// so they are allocated in name order, the same every run.
			r.required = tenants
		}
		out, err := r.converge(xr)
		if err != nil {
			return errors.Errorf("%s: %w", ex, err)
		}
		dst := filepath.Join(c.Out, filepath.Base(ex))
		if err := manifests.Write(dst, out); err != nil {
			return err
		}
		fmt.Printf("rendered %s -> %s (%d objects)\n", ex, dst, len(out))
		if xr.GetKind() == v1alpha1.XPlatformKind {
			platforms = append(platforms, asFetched(xr, out[0]))
		}
	}
	return nil
}

// readComposite reads an example's claim as its composite.
func readComposite(path string) (*unstructured.Unstructured, error) {
	objs, err := manifests.Read(path)
	if err != nil {
		return nil, errors.Errorf("cannot read %s: %w", path, err)
	}
	if len(objs) != 1 {
		return nil, errors.Errorf("%s: an example holds exactly one claim, found %d objects", path, len(objs))
	}
	xr, err := compositeOf(objs[0])
	if err != nil {
		return nil, errors.Errorf("%s: %w", path, err)
	}
	return xr, nil
}

// rank orders platforms before tenants.
func rank(path string) int {
	objs, err := manifests.Read(path)
	if err != nil || len(objs) == 0 {
		return 2
	}
	if strings.TrimPrefix(objs[0].GetKind(), "X") == v1alpha1.PlatformKind {
		return 0
	}
	return 1
}

// compositeOf turns a claim into the composite Crossplane creates for it,
// with the claim labels Crossplane sets. The composite is named after the
// claim, where Crossplane would add a random suffix, to keep previews stable.
func compositeOf(claim *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gv := claim.GroupVersionKind()
	if gv.Group != v1alpha1.Group {
		return nil, errors.Errorf("%s is not a %s claim", gv, v1alpha1.Group)
	}
	xr := claim.DeepCopy()
	if strings.HasPrefix(claim.GetKind(), "X") {
		return xr, nil
	}
	xr.SetKind("X" + claim.GetKind())
	xr.SetNamespace("")
	labels := xr.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels["crossplane.io/claim-name"] = claim.GetName()
	labels["crossplane.io/claim-namespace"] = claim.GetNamespace()
	xr.SetLabels(labels)
	return xr, nil
}

// asFetched is a rendered composite as a function requiring it would see it.
func asFetched(xr, rendered *unstructured.Unstructured) *unstructured.Unstructured {
	f := rendered.DeepCopy()
	f.SetLabels(xr.GetLabels())
	return f
}

type renderer struct {
	cmd      *renderCmd
	targets  map[string]string
	dir      string
	required []*unstructured.Unstructured
}

// converge renders until the set of composed resources stops changing,
// observing each pass's output through the fake provider.
func (r *renderer) converge(xr *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, err
	}
	xrFile := filepath.Join(r.dir, "xr.yaml")
	if err := manifests.Write(xrFile, []*unstructured.Unstructured{xr}); err != nil {
		return nil, err
	}
	var observed []*unstructured.Unstructured
	var previous []string
	for pass := 1; pass <= maxPasses; pass++ {
		out, err := r.render(xr, xrFile, observed)
		if err != nil {
			return nil, errors.Errorf("pass %d: %w", pass, err)
		}
		composed := composedOf(out)
		keys := resourceNames(composed)
		if pass > 1 && slices.Equal(keys, previous) {
			return out, nil
		}
		previous = keys
		observed = observed[:0]
		for _, cd := range composed {
			observed = append(observed, fakeprovider.Observe(cd, xr.GetName()))
		}
	}
	return nil, errors.Errorf("did not converge in %d renders", maxPasses)
}

func (r *renderer) render(xr *unstructured.Unstructured, xrFile string, observed []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	comp, fn, err := r.composition(xr.GetKind())
	if err != nil {
		return nil, err
	}
	target, ok := r.targets[fn]
	if !ok {
		return nil, errors.Errorf("no binary given for function %s: pass --function %s=PATH", fn, fn)
	}
	args := []string{"render", xrFile, comp, r.cmd.Functions,
		"--include-function-results", "--include-full-xr",
		"--xrd", filepath.Join(r.cmd.XRDs, strings.ToLower(xr.GetKind())+"s.yaml"),
		"--function-annotations", "render.crossplane.io/runtime=Development,render.crossplane.io/runtime-development-target=" + target,
	}
	if len(observed) > 0 {
		f := filepath.Join(r.dir, "observed.yaml")
		if err := manifests.Write(f, observed); err != nil {
			return nil, err
		}
		args = append(args, "--observed-resources", f)
	}
	if len(r.required) > 0 {
		f := filepath.Join(r.dir, "required.yaml")
		if err := manifests.Write(f, r.required); err != nil {
			return nil, err
		}
		args = append(args, "--required-resources", f)
	}
	cmd := exec.Command(r.cmd.Crossplane, args...) //nolint:gosec // The operator names the CLI.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		return nil, errors.Errorf("crossplane render: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return manifests.Parse(stdout)
}

// composition finds the Composition of a composite kind and the function
// its pipeline runs.
func (r *renderer) composition(kind string) (string, string, error) {
	path := filepath.Join(r.cmd.Compositions, strings.ToLower(kind)+"s.yaml")
	objs, err := manifests.Read(path)
	if err != nil {
		return "", "", errors.Errorf("cannot read the Composition of %s: %w", kind, err)
	}
	steps, _, _ := unstructured.NestedSlice(objs[0].Object, "spec", "pipeline")
	if len(steps) != 1 {
		return "", "", errors.Errorf("%s: expected a single pipeline step", path)
	}
	fn, _, _ := unstructured.NestedString(steps[0].(map[string]any), "functionRef", "name")
	return path, fn, nil
}

// composedOf drops the composite (always first) and the results.
func composedOf(out []*unstructured.Unstructured) []*unstructured.Unstructured {
	var cds []*unstructured.Unstructured
	for _, o := range out[1:] {
		if o.GetAnnotations()[fakeprovider.AnnotationCompositionResourceName] != "" {
			cds = append(cds, o)
		}
	}
	return cds
}

func resourceNames(cds []*unstructured.Unstructured) []string {
	names := make([]string, 0, len(cds))
	for _, cd := range cds {
		names = append(names, cd.GetAnnotations()[fakeprovider.AnnotationCompositionResourceName])
	}
	sort.Strings(names)
	return names
}

// startFunction runs a function binary on a free loopback port and waits
// until it accepts connections. stop kills it and waits for it to exit.
func startFunction(bin string) (addr string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr = l.Addr().String()
	if err := l.Close(); err != nil {
		return "", nil, err
	}
	// Metrics on a free loopback port too: two functions would otherwise
	// both claim the default :8080, beyond loopback.
	cmd := exec.Command(bin, "--insecure", "--address="+addr, "--metrics-address=127.0.0.1:0") //nolint:gosec // The operator names the binary.
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop = func() {
		_ = cmd.Process.Kill()
		<-done
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return "", nil, errors.Errorf("%s exited before listening on %s", bin, addr)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return addr, stop, c.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", nil, errors.Errorf("%s did not listen on %s", bin, addr)
}
