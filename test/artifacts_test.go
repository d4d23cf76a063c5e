package test

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// What `make images` promises of every function image (the Dockerfile's
// ENTRYPOINT, USER and EXPOSE), and its largest size.
const (
	imageEntrypoint = "/function"
	imageUser       = "65532:65532"
	imagePort       = "9443/tcp"
	maxImageBytes   = 60 << 20
)

var (
	artifactFunctions = []string{"platform", "tenant"}
	artifactPlatforms = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
)

// artifactEnv returns what `make artifacts` sets: the image and package
// directories, and the version and registry they were built for. Like
// dirs, it skips under plain `go test ./...`.
func artifactEnv(t *testing.T) (images, packages, version, registry string) {
	t.Helper()
	images, packages = os.Getenv("IMAGES_DIR"), os.Getenv("PACKAGES_DIR")
	version, registry = os.Getenv("PACKAGE_VERSION"), os.Getenv("PACKAGE_REGISTRY")
	if images == "" || packages == "" || version == "" || registry == "" {
		t.Skip("IMAGES_DIR, PACKAGES_DIR, PACKAGE_VERSION and PACKAGE_REGISTRY are not set: run make artifacts")
	}
	return images, packages, version, registry
}

// TestArtifactImages opens every function image as a node would run it.
func TestArtifactImages(t *testing.T) {
	images, _, version, _ := artifactEnv(t)
	for _, fn := range artifactFunctions {
		name := "function-openedx-" + fn
		digests := map[string]v1.Hash{}
		for arch, machine := range artifactPlatforms {
			t.Run(name+"/"+arch, func(t *testing.T) {
				img := openTarball(t, filepath.Join(images, name+"-linux-"+arch+".tar"))
				cf, err := img.ConfigFile()
				if err != nil {
					t.Fatal(err)
				}
				checkRuntimeConfig(t, cf, arch)
				if got := cf.Config.Labels["org.opencontainers.image.version"]; got != version {
					t.Errorf("version label %q, want %q", got, version)
				}
				size := imageSize(t, img)
				t.Logf("%s linux/%s: %.1f MB compressed", name, arch, float64(size)/(1<<20))
				if size > maxImageBytes {
					t.Errorf("image is %d bytes, more than %d", size, maxImageBytes)
				}
				files := layerFiles(t, img)
				if len(files) != 1 || files[0].hdr.Name != "function" {
					t.Fatalf("the image should hold /function only, has %v", fileNames(files))
				}
				hdr := files[0].hdr
				if hdr.Mode != 0o755 || hdr.Uid != 0 || hdr.Gid != 0 {
					t.Errorf("/function is mode %o owned by %d:%d, want 755 owned by root, so that user 65532 runs it but cannot change it", hdr.Mode, hdr.Uid, hdr.Gid)
				}
				checkStaticELF(t, files[0].data, machine)
				// A tarball keeps the config and layers, not the manifest:
				// the config, which names every layer, identifies the image.
				d, err := img.ConfigName()
				if err != nil {
					t.Fatal(err)
				}
				digests["linux/"+arch] = d
			})
		}
		t.Run(name+"/index", func(t *testing.T) {
			p, err := layout.FromPath(filepath.Join(images, name))
			if err != nil {
				t.Fatal(err)
			}
			top, err := p.ImageIndex()
			if err != nil {
				t.Fatal(err)
			}
			tm, err := top.IndexManifest()
			if err != nil || len(tm.Manifests) != 1 {
				t.Fatalf("the OCI layout should name one index: %v", err)
			}
			if ref := tm.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; ref != version {
				t.Errorf("the index is tagged %q, want %q", ref, version)
			}
			idx, err := top.ImageIndex(tm.Manifests[0].Digest)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(digests, configDigests(t, idx)); diff != "" {
				t.Errorf("the index's images differ from the per-platform tarballs (config digests, -tarballs +index):\n%s", diff)
			}
		})
	}
}

// TestArtifactImagesAreReproducible builds the images again into another
// directory, as `make images` does, and wants the same digests: a commit
// always gives the same images. The second build reuses Go's build cache,
// whose entries are keyed by every input of a compile; a cold cache gives
// the same binaries (-trimpath, no build ID, no VCS stamp).
func TestArtifactImagesAreReproducible(t *testing.T) {
	images, _, version, registry := artifactEnv(t)
	again := t.TempDir()
	cmd := exec.Command("make", "-C", "..", "images", "IMAGES="+again, "VERSION="+version, "REGISTRY="+registry) //nolint:gosec // Test input.
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make images: %v\n%s", err, out)
	}
	for _, fn := range artifactFunctions {
		f := "function-openedx-" + fn + ".digests"
		want, err := os.ReadFile(filepath.Join(images, f)) //nolint:gosec // Test input.
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(again, f)) //nolint:gosec // Test input.
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("a second build of %s gave other digests (-first +second):\n%s", fn, diff)
		}
	}
}

// TestArtifactFunctionPackages opens each Function package: its metadata
// is package/functions/<fn>/crossplane.yaml and its runtime is the image.
func TestArtifactFunctionPackages(t *testing.T) {
	images, packages, _, _ := artifactEnv(t)
	for _, fn := range artifactFunctions {
		for arch := range artifactPlatforms {
			name := "function-openedx-" + fn
			t.Run(name+"/"+arch, func(t *testing.T) {
				pkg := openTarball(t, filepath.Join(packages, name+"-"+arch+".xpkg"))
				objs := packageObjects(t, pkg)
				want, err := manifests.Read(filepath.Join("..", "package", "functions", fn, "crossplane.yaml"))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(objects(want), objects(objs)); diff != "" {
					t.Errorf("package contents differ from package/functions/%s (-checked in +package):\n%s", fn, diff)
				}
				cf, err := pkg.ConfigFile()
				if err != nil {
					t.Fatal(err)
				}
				checkRuntimeConfig(t, cf, arch)
				// The runtime's layer is the image's: the package runs
				// exactly the binary `make images` built.
				runtime := openTarball(t, filepath.Join(images, name+"-linux-"+arch+".tar"))
				rl, err := runtime.Layers()
				if err != nil || len(rl) != 1 {
					t.Fatalf("runtime image layers: %d, %v", len(rl), err)
				}
				want0, _ := rl[0].Digest()
				pl, err := pkg.Layers()
				if err != nil || len(pl) == 0 {
					t.Fatalf("package layers: %v", err)
				}
				if got, _ := pl[0].Digest(); got != want0 {
					t.Errorf("the package's first layer is %s, want the runtime image's %s", got, want0)
				}
			})
		}
	}
}

// TestArtifactConfiguration opens the Configuration package: its metadata
// is crossplane.yaml with both functions pinned to the version built, and
// it holds exactly the checked-in XRDs and Compositions.
func TestArtifactConfiguration(t *testing.T) {
	_, packages, version, registry := artifactEnv(t)
	objs := packageObjects(t, openTarball(t, filepath.Join(packages, "configuration-openedx-aws.xpkg")))
	if len(objs) == 0 || objs[0].GetKind() != "Configuration" {
		t.Fatalf("the package's first object should be its Configuration metadata")
	}
	meta, rest := objs[0], objs[1:]

	checkedIn, err := manifests.Read("../crossplane.yaml")
	if err != nil || len(checkedIn) != 1 {
		t.Fatalf("cannot read crossplane.yaml: %v", err)
	}
	want := checkedIn[0].DeepCopy()
	deps, _, _ := unstructured.NestedSlice(want.Object, "spec", "dependsOn")
	pinned := 0
	for i, d := range deps {
		dep := d.(map[string]any)
		if f, ok := dep["function"].(string); ok && strings.HasPrefix(filepath.Base(f), "function-openedx-") {
			dep["function"] = registry + "/" + filepath.Base(f)
			dep["version"] = version
			deps[i] = dep
			pinned++
		}
	}
	if pinned != len(artifactFunctions) {
		t.Errorf("crossplane.yaml depends on %d of our functions, want %d", pinned, len(artifactFunctions))
	}
	_ = unstructured.SetNestedSlice(want.Object, deps, "spec", "dependsOn")
	got := meta.DeepCopy()
	// The typed round trip of the stamping step adds an empty timestamp.
	unstructured.RemoveNestedField(got.Object, "metadata", "creationTimestamp")
	if diff := cmp.Diff(want.Object, got.Object); diff != "" {
		t.Errorf("package metadata (-crossplane.yaml with functions at %s +package):\n%s", version, diff)
	}

	var wantAPIs []*unstructured.Unstructured
	for _, glob := range []string{"../package/xrds/*.yaml", "../package/compositions/*.yaml"} {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files match %s: %v", glob, err)
		}
		for _, f := range files {
			o, err := manifests.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			wantAPIs = append(wantAPIs, o...)
		}
	}
	for _, o := range rest {
		// crossplane xpkg build writes typed objects, with an empty
		// status (an XRD's controllers: {...: {apiVersion: "", kind: ""}}).
		// The API server ignores a status on create.
		unstructured.RemoveNestedField(o.Object, "status")
	}
	if diff := cmp.Diff(objects(wantAPIs), objects(rest)); diff != "" {
		t.Errorf("the package's XRDs and Compositions differ from package/ (-checked in +package):\n%s", diff)
	}
}

// TestConfigurationProviderVersions: every provider the Configuration
// depends on is asked for at least at the version the functions' types
// come from (go.mod), so the CRDs installed are those composed against.
func TestConfigurationProviderVersions(t *testing.T) {
	modules := map[string]string{
		"xpkg.upbound.io/upbound/provider-aws-":                  "github.com/upbound/provider-aws",
		"xpkg.upbound.io/crossplane-contrib/provider-kubernetes": "github.com/crossplane-contrib/provider-kubernetes",
	}
	versions := map[string]string{}
	for _, m := range modules {
		versions[m] = moduleVersion(t, "..", m)
	}
	metas, err := manifests.Read("../crossplane.yaml")
	if err != nil || len(metas) != 1 {
		t.Fatalf("cannot read crossplane.yaml: %v", err)
	}
	deps, _, _ := unstructured.NestedSlice(metas[0].Object, "spec", "dependsOn")
	providers := 0
	for _, d := range deps {
		dep := d.(map[string]any)
		p, ok := dep["provider"].(string)
		if !ok {
			continue
		}
		providers++
		module := ""
		for prefix, m := range modules {
			if strings.HasPrefix(p, prefix) {
				module = m
			}
		}
		if module == "" {
			t.Errorf("provider %s: no Go module known for it", p)
			continue
		}
		if want := ">=" + versions[module]; dep["version"] != want {
			t.Errorf("provider %s: version %q, want %q (%s in go.mod)", p, dep["version"], want, module)
		}
	}
	if providers == 0 {
		t.Error("crossplane.yaml depends on no provider")
	}
}

// tarballs are the image and package tarballs, each opened once: several
// tests look at the same files, and an opened tarball keeps its manifest
// and config once read. The tests that use them do not run in parallel.
var tarballs = map[string]v1.Image{}

// openTarball is the image in the tarball at path.
func openTarball(t *testing.T, path string) v1.Image {
	t.Helper()
	if img, ok := tarballs[path]; ok {
		return img
	}
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tarballs[path] = img
	return img
}

// configDigests are the config digests of an index's images by platform:
// the config names every layer, so it identifies an image whatever
// annotations its manifest has.
func configDigests(t *testing.T, idx v1.ImageIndex) map[string]v1.Hash {
	t.Helper()
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]v1.Hash{}
	for _, d := range m.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if out[d.Platform.String()], err = img.ConfigName(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func checkRuntimeConfig(t *testing.T, cf *v1.ConfigFile, arch string) {
	t.Helper()
	if cf.OS != "linux" || cf.Architecture != arch {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, arch)
	}
	if diff := cmp.Diff([]string{imageEntrypoint}, cf.Config.Entrypoint); diff != "" {
		t.Errorf("entrypoint (-want +got):\n%s", diff)
	}
	if cf.Config.User != imageUser {
		t.Errorf("user %q, want %q (not root)", cf.Config.User, imageUser)
	}
	if diff := cmp.Diff(map[string]struct{}{imagePort: {}}, cf.Config.ExposedPorts); diff != "" {
		t.Errorf("exposed ports (-want +got):\n%s", diff)
	}
}

func imageSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	size := m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	return size
}

type file struct {
	hdr  *tar.Header
	data []byte
}

func fileNames(fs []file) []string {
	var names []string
	for _, f := range fs {
		names = append(names, f.hdr.Name)
	}
	return names
}

// layerFiles returns every entry of every layer of img.
func layerFiles(t *testing.T, img v1.Image) []file {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var files []file
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, file{hdr: hdr, data: data})
		}
		_ = rc.Close()
	}
	return files
}

// checkStaticELF: the binary is for the image's machine and has no
// program interpreter, so it needs no libc in the image.
func checkStaticELF(t *testing.T, data []byte, machine elf.Machine) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("/function is not an ELF binary: %v", err)
	}
	if f.Machine != machine {
		t.Errorf("/function is for %v, want %v", f.Machine, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/function is dynamically linked (has PT_INTERP); build it with CGO_ENABLED=0")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("/function has a symbol table; build it with -ldflags=-s")
	}
}

// packageObjects returns the objects of a package's package.yaml, from the
// layer Crossplane reads: the one its config labels
// io.crossplane.xpkg:<layer digest>: base (a registry's copy also carries
// it as a layer annotation; a tarball cannot).
func packageObjects(t *testing.T, pkg v1.Image) []*unstructured.Unstructured {
	t.Helper()
	cf, err := pkg.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var base v1.Hash
	for k, v := range cf.Config.Labels {
		if d, ok := strings.CutPrefix(k, "io.crossplane.xpkg:"); ok && v == "base" {
			if base, err = v1.NewHash(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if base.Hex == "" {
		t.Fatal("the package has no layer labelled io.crossplane.xpkg: base")
	}
	l, err := pkg.LayerByDigest(base)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close() //nolint:errcheck // Read-only.
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatal("the package's base layer has no package.yaml")
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name != "package.yaml" {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := manifests.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}
}

// objects keys objects by kind and name, for comparing sets.
func objects(objs []*unstructured.Unstructured) map[string]map[string]any {
	out := map[string]map[string]any{}
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		k := o.GetKind() + "/" + o.GetName()
		keys = append(keys, k)
		out[k] = o.Object
	}
	sort.Strings(keys)
	return out
}

// TestArtifactPush pushes the packages as the README tells a platform team
// to, with the Crossplane CLI, to a registry on 127.0.0.1, and pulls them
// back as Crossplane's package manager does: each function is one
// multi-arch package at the version the Configuration pins, whose images
// are the built ones.
func TestArtifactPush(t *testing.T) {
	_, packages, version, _ := artifactEnv(t)
	crossplane := os.Getenv("CROSSPLANE_BIN")
	if crossplane == "" {
		t.Fatal("CROSSPLANE_BIN is not set: run make artifacts")
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	push := func(ref string, files ...string) {
		t.Helper()
		cmd := exec.Command(crossplane, "xpkg", "push", "-f", strings.Join(files, ","), ref) //nolint:gosec // Test input.
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "DOCKER_CONFIG="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("crossplane xpkg push %s: %v\n%s", ref, err, out)
		}
	}
	for _, fn := range artifactFunctions {
		name := "function-openedx-" + fn
		var files []string
		want := map[string]v1.Hash{}
		for arch := range artifactPlatforms {
			f := filepath.Join(packages, name+"-"+arch+".xpkg")
			files = append(files, f)
			// The push adds layer annotations, so the manifest changes;
			// the config, which names every layer, must not.
			d, err := openTarball(t, f).ConfigName()
			if err != nil {
				t.Fatal(err)
			}
			want["linux/"+arch] = d
		}
		sort.Strings(files)
		ref := host + "/openedx-cloud/" + name + ":" + version
		push(ref, files...)
		idx, err := remote.Index(mustRef(t, ref))
		if err != nil {
			t.Fatalf("pull %s: %v", ref, err)
		}
		if diff := cmp.Diff(want, configDigests(t, idx)); diff != "" {
			t.Errorf("%s in the registry (config digests) (-built packages +pulled index):\n%s", ref, diff)
		}
	}
	ref := host + "/openedx-cloud/configuration-openedx-aws:" + version
	push(ref, filepath.Join(packages, "configuration-openedx-aws.xpkg"))
	img, err := remote.Image(mustRef(t, ref))
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	if objs := packageObjects(t, img); len(objs) == 0 || objs[0].GetKind() != "Configuration" {
		t.Errorf("%s: the pulled package has no Configuration metadata first", ref)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
