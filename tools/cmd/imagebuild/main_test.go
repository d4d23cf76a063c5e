package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1pkg "github.com/crossplane/crossplane/v2/apis/pkg/meta/v1"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"sigs.k8s.io/yaml"
)

// TestImageIsReproducible: the same binary and time give the same digest;
// another binary or time gives another.
func TestImageIsReproducible(t *testing.T) {
	p := v1.Platform{OS: "linux", Architecture: "arm64"}
	at := time.Unix(1700000000, 0)
	digest := func(bin string, created time.Time) v1.Hash {
		t.Helper()
		img, err := Image([]byte(bin), p, "example.com/fn", "v1.0.0", created)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := digest("binary", at)
	if again := digest("binary", at); again != first {
		t.Errorf("same input, digests %s and %s", first, again)
	}
	if other := digest("binary2", at); other == first {
		t.Errorf("another binary gave the same digest %s", first)
	}
	if other := digest("binary", at.Add(time.Second)); other == first {
		t.Errorf("another creation time gave the same digest %s", first)
	}
}

// TestImageCommand builds two platforms and reads back what a registry,
// `docker load` and `crossplane xpkg build` would.
func TestImageCommand(t *testing.T) {
	dir := t.TempDir()
	bins := map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		f := filepath.Join(dir, arch)
		if err := os.WriteFile(f, []byte("#!binary "+arch), 0o755); err != nil { //nolint:gosec // Test file.
			t.Fatal(err)
		}
		bins["linux/"+arch] = f
	}
	out := filepath.Join(dir, "out")
	cmd := &imageCmd{Name: "example.com/org/function-x", Version: "v1.2.3", Binary: bins, Created: 1700000000, Out: out, MaxBytes: 1 << 20}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := tarball.ImageFromPath(filepath.Join(out, "function-x-linux-"+arch+".tar"), nil)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		want := v1.Config{
			Entrypoint:   []string{"/function"},
			User:         "65532:65532",
			WorkingDir:   "/",
			ExposedPorts: map[string]struct{}{"9443/tcp": {}},
			Labels: map[string]string{
				"org.opencontainers.image.title":   "function-x",
				"org.opencontainers.image.version": "v1.2.3",
				"org.opencontainers.image.source":  "https://github.com/openedx-cloud/platform-aws",
			},
		}
		if diff := cmp.Diff(want, cf.Config); diff != "" {
			t.Errorf("%s config (-want +got):\n%s", arch, diff)
		}
		if cf.OS != "linux" || cf.Architecture != arch {
			t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, arch)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("want one layer, have %d: %v", len(layers), err)
		}
	}
	p, err := layout.FromPath(filepath.Join(out, "function-x"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	top, err := idx.IndexManifest()
	if err != nil || len(top.Manifests) != 1 {
		t.Fatalf("the layout should hold one index: %v", err)
	}
	multi, err := idx.ImageIndex(top.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := multi.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var plats []string
	for _, d := range m.Manifests {
		plats = append(plats, d.Platform.String())
	}
	if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64"}, plats); diff != "" {
		t.Errorf("index platforms (-want +got):\n%s", diff)
	}
	digests, err := os.ReadFile(filepath.Join(out, "function-x.digests")) //nolint:gosec // Test path.
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(digests), "sha256:"); n != 3 {
		t.Errorf("want 3 digests (2 images, 1 index), have %d:\n%s", n, digests)
	}
}

func TestImageTooLarge(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "bin")
	if err := os.WriteFile(f, make([]byte, 4096), 0o755); err != nil { //nolint:gosec // Test file.
		t.Fatal(err)
	}
	cmd := &imageCmd{Name: "example.com/fn", Version: "v1.0.0", Binary: map[string]string{"linux/amd64": f}, Out: dir, MaxBytes: 100}
	if err := cmd.Run(); err == nil || !strings.Contains(err.Error(), "more than 100") {
		t.Errorf("want a size error, got %v", err)
	}
}

func TestStamp(t *testing.T) {
	in := []byte(`apiVersion: meta.pkg.crossplane.io/v1
kind: Configuration
metadata:
  name: c
spec:
  dependsOn:
    - provider: xpkg.upbound.io/upbound/provider-aws-ec2
      version: ">=v1.23.0"
    - function: ghcr.io/openedx-cloud/function-a
      version: ">=v0.1.0"
    - function: ghcr.io/other/function-b
      version: ">=v0.1.0"
`)
	cases := map[string]struct {
		fns     []string
		version string
		want    []string // function=version after stamping
		err     string
	}{
		"PinsTheNamedFunctions": {fns: []string{"function-a", "function-b"}, version: "v0.2.0",
			want: []string{"reg.example/x/function-a=v0.2.0", "reg.example/x/function-b=v0.2.0"}},
		"LeavesOthers": {fns: []string{"function-a"}, version: "v0.2.0",
			want: []string{"reg.example/x/function-a=v0.2.0", "ghcr.io/other/function-b=>=v0.1.0"}},
		"MissingFunction": {fns: []string{"function-c"}, version: "v0.2.0", err: "no function function-c"},
		"BadVersion":      {fns: []string{"function-a"}, version: "0.2", err: "not a v-prefixed tag"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := Stamp(in, "reg.example/x/", tc.version, tc.fns)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want error %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg := &metav1pkg.Configuration{}
			if err := yaml.UnmarshalStrict(out, cfg); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range cfg.Spec.DependsOn {
				if d.Function != nil {
					got = append(got, *d.Function+"="+d.Version)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if *cfg.Spec.DependsOn[0].Provider != "xpkg.upbound.io/upbound/provider-aws-ec2" || cfg.Spec.DependsOn[0].Version != ">=v1.23.0" {
				t.Errorf("a provider changed: %+v", cfg.Spec.DependsOn[0])
			}
		})
	}
}
