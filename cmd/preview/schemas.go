package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

type schemasCmd struct {
	Render         string   `default:"_output/render" help:"Directory of rendered previews."                       type:"existingdir"`
	CRDs           []string `help:"Directories of provider CRDs (package/crds of each provider module)." name:"crds" required:""`
	XRDs           string   `default:"package/xrds"   help:"Directory of the project's XRDs."                        name:"xrds" type:"existingdir"`
	CrossplaneCRDs string   `help:"Directory of Crossplane's own CRDs (cluster/crds of the crossplane module)." name:"crossplane-crds" required:"" type:"existingdir"`
	CacheDir       string   `default:"_output/validate-cache" help:"Cache directory of crossplane beta validate, seeded so it needs no network." type:"path"`
	Image          string   `help:"Crossplane image the cache is seeded for, at the CLI's version." required:""`
	Out            string   `default:"_output/schemas" help:"Directory to write the schemas to."                     type:"path"`
}

// Run copies exactly the CRDs that the rendered objects use, plus the XRDs,
// so that validation is fast (all 974 provider-aws CRDs take ~20 s and
// ~800 MB) and fails if a rendered kind has no CRD at all.
func (c *schemasCmd) Run() error {
	used, err := c.usedKinds()
	if err != nil {
		return err
	}
	index, err := c.index(used)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(c.Out); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	var missing []string
	for gk := range used {
		src, ok := index[gk]
		if !ok {
			missing = append(missing, gk.String())
			continue
		}
		if err := copyFile(src, filepath.Join(c.Out, filepath.Base(src))); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return errors.Errorf("no CRD for rendered kinds %s", strings.Join(missing, ", "))
	}
	xrds, err := filepath.Glob(filepath.Join(c.XRDs, "*.yaml"))
	if err != nil {
		return err
	}
	for _, x := range xrds {
		if err := copyFile(x, filepath.Join(c.Out, "xrd-"+filepath.Base(x))); err != nil {
			return err
		}
	}
	fmt.Printf("collected %d CRDs and %d XRDs into %s\n", len(used), len(xrds), c.Out)
	return c.seedCache()
}

// usedKinds lists the group and kind of every rendered object that is not
// one of the project's composites or a render result.
func (c *schemasCmd) usedKinds() (map[schema.GroupKind]bool, error) {
	files, err := filepath.Glob(filepath.Join(c.Render, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.Errorf("nothing rendered in %s: run make render first", c.Render)
	}
	used := map[schema.GroupKind]bool{}
	for _, f := range files {
		objs, err := manifests.Read(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			gk := o.GroupVersionKind().GroupKind()
			if gk.Group == "render.crossplane.io" || strings.HasSuffix(gk.Group, "openedx.cloud") {
				continue
			}
			used[gk] = true
		}
	}
	return used, nil
}

// index maps each needed group and kind to its CRD file. Provider CRD files
// are named <group>_<plural>.yaml, so only files of needed groups are read.
func (c *schemasCmd) index(used map[schema.GroupKind]bool) (map[schema.GroupKind]string, error) {
	groups := map[string]bool{}
	for gk := range used {
		groups[gk.Group] = true
	}
	index := map[schema.GroupKind]string{}
	for _, dir := range c.CRDs {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if !groups[strings.SplitN(filepath.Base(f), "_", 2)[0]] {
				continue
			}
			objs, err := manifests.Read(f)
			if err != nil {
				return nil, errors.Errorf("cannot read %s: %w", f, err)
			}
			for _, o := range objs {
				g, _, _ := unstructured.NestedString(o.Object, "spec", "group")
				k, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
				index[schema.GroupKind{Group: g, Kind: k}] = f
			}
		}
	}
	return index, nil
}

// seedCache writes Crossplane's own CRDs where crossplane beta validate
// would otherwise download them.
func (c *schemasCmd) seedCache() error {
	repo, tag, ok := strings.Cut(c.Image, ":")
	if !ok {
		return errors.Errorf("image %q has no tag", c.Image)
	}
	dir := filepath.Join(c.CacheDir, repo+"@"+tag)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(c.CrossplaneCRDs, "*.yaml"))
	if err != nil {
		return err
	}
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // Paths come from the operator.
		if err != nil {
			return err
		}
		all = append(all, []byte("---\n")...)
		all = append(all, b...)
	}
	return os.WriteFile(filepath.Join(dir, "package.yaml"), all, 0o644) //nolint:gosec // Cache files are world readable.
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src) //nolint:gosec // Paths come from the operator.
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644) //nolint:gosec // Schemas are world readable.
}
