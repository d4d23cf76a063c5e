// Package defs reads the definitions the generators start from: the CRDs
// controller-gen writes from apis/, and the XRDs xrdgen writes from those.
package defs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	xpv1 "github.com/crossplane/crossplane/v2/apis/apiextensions/v1"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// File is one definition and the file it was read from, for messages.
type File[T any] struct {
	Path   string
	Object *T
}

// CRDs reads every *.yaml file of dir, in name order, as a CRD. A field
// that CustomResourceDefinition does not have is an error: controller-gen
// wrote them, so it would mean another controller-gen.
func CRDs(dir string) ([]File[extv1.CustomResourceDefinition], error) {
	return read[extv1.CustomResourceDefinition](dir, "CRDs", yaml.UnmarshalStrict)
}

// XRDs reads every *.yaml file of dir, in name order, as an XRD.
func XRDs(dir string) ([]File[xpv1.CompositeResourceDefinition], error) {
	return read[xpv1.CompositeResourceDefinition](dir, "XRDs", yaml.Unmarshal)
}

func read[T any](dir, what string, unmarshal func([]byte, any, ...yaml.JSONOpt) error) ([]File[T], error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no %s in %s", what, dir)
	}
	sort.Strings(files)
	out := make([]File[T], 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // Paths come from the operator.
		if err != nil {
			return nil, err
		}
		o := new(T)
		if err := unmarshal(b, o); err != nil {
			return nil, fmt.Errorf("cannot parse %s: %w", f, err)
		}
		out = append(out, File[T]{Path: f, Object: o})
	}
	return out, nil
}
