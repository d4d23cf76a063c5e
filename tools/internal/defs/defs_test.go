package defs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	xpv1 "github.com/crossplane/crossplane/v2/apis/apiextensions/v1"
	"github.com/google/go-cmp/cmp"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestRead(t *testing.T) {
	crd := func(kind string) string {
		return "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  names:\n    kind: " + kind + "\n"
	}
	xrd := func(kind string) string {
		return "apiVersion: apiextensions.crossplane.io/v1\nkind: CompositeResourceDefinition\nspec:\n  names:\n    kind: " + kind + "\n"
	}
	cases := map[string]struct {
		reason string
		files  map[string]string
		crds   bool
		want   []string
		err    string
	}{
		"CRDsInNameOrder": {
			reason: "Every *.yaml file is read, in name order, and nothing else.",
			files:  map[string]string{"b.yaml": crd("XB"), "a.yaml": crd("XA"), "notes.txt": "not YAML"},
			crds:   true,
			want:   []string{"a.yaml XA", "b.yaml XB"},
		},
		"XRDsInNameOrder": {
			reason: "XRDs are read likewise.",
			files:  map[string]string{"z.yaml": xrd("XZ"), "m.yaml": xrd("XM")},
			want:   []string{"m.yaml XM", "z.yaml XZ"},
		},
		"UnknownCRDField": {
			reason: "A CRD with a field CustomResourceDefinition lacks is refused, naming the file.",
			files:  map[string]string{"a.yaml": crd("XA") + "  extra: true\n"},
			crds:   true,
			err:    "a.yaml",
		},
		"UnparsableXRD": {
			reason: "An XRD that is not YAML is refused, naming the file.",
			files:  map[string]string{"a.yaml": "spec: [\n"},
			err:    "a.yaml",
		},
		"Empty": {
			reason: "A directory without definitions is an error, not an empty result.",
			files:  map[string]string{"README.md": "none here"},
			err:    "no XRDs in",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, body := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			var err error
			if tc.crds {
				var fs []File[extv1.CustomResourceDefinition]
				fs, err = CRDs(dir)
				for _, f := range fs {
					got = append(got, filepath.Base(f.Path)+" "+f.Object.Spec.Names.Kind)
				}
			} else {
				var fs []File[xpv1.CompositeResourceDefinition]
				fs, err = XRDs(dir)
				for _, f := range fs {
					got = append(got, filepath.Base(f.Path)+" "+f.Object.Spec.Names.Kind)
				}
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%s\nwant an error containing %q, got %v", tc.reason, tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nunexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
