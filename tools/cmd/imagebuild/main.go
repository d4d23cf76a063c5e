// Command imagebuild assembles the composition functions' runtime images
// from binaries built beforehand, without a container engine, and stamps
// the Configuration package's metadata with the version being built.
//
// An image is one layer holding the static binary at /function, run as
// user 65532 with port 9443 exposed, as the Dockerfile states. Every
// timestamp is the given creation time, so the same binaries always give
// the same digests.
package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	metav1pkg "github.com/crossplane/crossplane/v2/apis/pkg/meta/v1"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"sigs.k8s.io/yaml"
)

// semver is a version as Crossplane's package manager orders them.
var semver = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// What the Dockerfile states; tests of the built images check these.
const (
	Entrypoint = "/function"
	User       = "65532:65532"
	Port       = "9443/tcp"
)

type cli struct {
	Image imageCmd `cmd:"" help:"Build one function's image for each platform, and their multi-arch index."`
	Stamp stampCmd `cmd:"" help:"Write the Configuration's crossplane.yaml with its functions pinned to a version."`
}

func main() {
	c := &cli{}
	ctx := kong.Parse(c, kong.Description("Build OCI images and package metadata without a container engine."))
	ctx.FatalIfErrorf(ctx.Run())
}

type imageCmd struct {
	Name     string            `help:"Image name, such as ghcr.io/openedx-cloud/function-openedx-platform." required:""`
	Version  string            `help:"Version, the tag of the images." required:""`
	Binary   map[string]string `help:"Binary for a platform: os/arch=path. Repeat for each platform." required:""`
	Created  int64             `help:"Creation time of every file and image, in seconds since 1970 (SOURCE_DATE_EPOCH)." default:"0"`
	Out      string            `help:"Directory to write to." required:"" type:"path"`
	MaxBytes int64             `help:"Largest allowed image: its compressed layers and config." default:"62914560"`
}

// Run writes, for name .../function-x and each os/arch:
//
//	function-x-<os>-<arch>.tar   the image, as a tarball that
//	                             `crossplane xpkg build --embed-runtime-image-tarball`
//	                             and `docker load` read
//	function-x/                  an OCI image layout with the multi-arch index
//	function-x.digests           "<os/arch|index> <digest> <bytes>" lines
func (c *imageCmd) Run() error {
	base := filepath.Base(c.Name)
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	created := time.Unix(c.Created, 0).UTC()
	platforms := make([]string, 0, len(c.Binary))
	for p := range c.Binary {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)

	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var report strings.Builder
	for _, p := range platforms {
		plat, err := v1.ParsePlatform(p)
		if err != nil {
			return fmt.Errorf("--binary %s: %w", p, err)
		}
		bin, err := os.ReadFile(c.Binary[p])
		if err != nil {
			return err
		}
		img, err := Image(bin, *plat, c.Name, c.Version, created)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		size, err := Size(img)
		if err != nil {
			return err
		}
		if size > c.MaxBytes {
			return fmt.Errorf("the %s image of %s is %d bytes, more than %d", p, c.Name, size, c.MaxBytes)
		}
		tag, err := name.NewTag(fmt.Sprintf("%s:%s-%s", c.Name, c.Version, plat.Architecture))
		if err != nil {
			return err
		}
		file := filepath.Join(c.Out, fmt.Sprintf("%s-%s-%s.tar", base, plat.OS, plat.Architecture))
		if err := tarball.WriteToFile(file, tag, img); err != nil {
			return err
		}
		digest, err := img.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(&report, "%s %s %d\n", p, digest, size)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: plat, Annotations: map[string]string{"org.opencontainers.image.ref.name": c.Version}},
		})
	}
	dir := filepath.Join(c.Out, base)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	// index.json names the multi-arch index, tagged with the version, as
	// `crane push` and `skopeo copy oci:` expect.
	l, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := l.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": c.Version})); err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(&report, "index %s -\n", digest)
	fmt.Print(report.String())
	return os.WriteFile(filepath.Join(c.Out, base+".digests"), []byte(report.String()), 0o644) //nolint:gosec // Build output.
}

// Image returns the runtime image of a static binary for one platform.
func Image(binary []byte, p v1.Platform, imageName, version string, created time.Time) (v1.Image, error) {
	layerTar, err := layerTar(binary, created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(9))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: created}, CreatedBy: "imagebuild: COPY function /function", Comment: "static binary, CGO_ENABLED=0"},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{
		Entrypoint:   []string{Entrypoint},
		User:         User,
		WorkingDir:   "/",
		ExposedPorts: map[string]struct{}{Port: {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":   filepath.Base(imageName),
			"org.opencontainers.image.version": version,
			"org.opencontainers.image.source":  "https://github.com/openedx-cloud/platform-aws",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// layerTar is the image's only layer: /function, owned by root and
// executable by all, so user 65532 runs it but cannot change it.
func layerTar(binary []byte, created time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     strings.TrimPrefix(Entrypoint, "/"),
		Mode:     0o755,
		Size:     int64(len(binary)),
		ModTime:  created,
		Format:   tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(binary); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Size is what a registry stores and a node pulls for an image: its
// compressed layers, its config and its manifest.
func Size(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return 0, err
	}
	total := m.Config.Size + int64(len(raw))
	for _, l := range m.Layers {
		total += l.Size
	}
	return total, nil
}

type stampCmd struct {
	In       string   `help:"The Configuration's crossplane.yaml." required:"" type:"existingfile"`
	Out      string   `help:"Where to write the stamped crossplane.yaml." required:"" type:"path"`
	Registry string   `help:"Registry and path the functions' packages are pushed to, such as ghcr.io/openedx-cloud." required:""`
	Function []string `help:"Name of a function package built with this Configuration; repeat for each." required:""`
	Version  string   `help:"The version being built; each function is pinned to it." required:""`
}

// Run rewrites the dependencies on the functions built in the same run to
// <registry>/<function> at exactly --version, so that a Configuration
// always installs the functions it was built and tested with.
func (c *stampCmd) Run() error {
	in, err := os.ReadFile(c.In)
	if err != nil {
		return err
	}
	out, err := Stamp(in, c.Registry, c.Version, c.Function)
	if err != nil {
		return fmt.Errorf("%s: %w", c.In, err)
	}
	if err := os.MkdirAll(filepath.Dir(c.Out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(c.Out, out, 0o644) //nolint:gosec // Build output.
}

// Stamp pins every function dependency of a Configuration's metadata whose
// package is named one of functions. Every one of them must be found.
// Comments are dropped: the result is build output, not source.
func Stamp(meta []byte, registry, version string, functions []string) ([]byte, error) {
	if !semver.MatchString(version) {
		return nil, fmt.Errorf("version %q is not a v-prefixed tag", version)
	}
	cfg := &metav1pkg.Configuration{}
	if err := yaml.UnmarshalStrict(meta, cfg); err != nil {
		return nil, err
	}
	if cfg.Kind != "Configuration" {
		return nil, fmt.Errorf("kind %q, want Configuration", cfg.Kind)
	}
	found := map[string]bool{}
	for i, d := range cfg.Spec.DependsOn {
		if d.Function == nil {
			continue
		}
		fn := filepath.Base(*d.Function)
		for _, want := range functions {
			if fn == want {
				pkg := strings.TrimSuffix(registry, "/") + "/" + fn
				cfg.Spec.DependsOn[i].Function = &pkg
				cfg.Spec.DependsOn[i].Version = version
				found[fn] = true
			}
		}
	}
	for _, fn := range functions {
		if !found[fn] {
			return nil, fmt.Errorf("spec.dependsOn has no function %s", fn)
		}
	}
	return yaml.Marshal(cfg)
}
