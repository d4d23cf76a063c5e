// Package manifests reads and writes multi-document YAML files of
// Kubernetes objects.
package manifests

import (
	"bytes"
	"io"
	"os"

	"github.com/crossplane/function-sdk-go/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Read reads every object of a multi-document YAML file.
func Read(path string) ([]*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path) //nolint:gosec // Paths come from the operator.
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse parses every object of multi-document YAML or JSON.
func Parse(b []byte) ([]*unstructured.Unstructured, error) {
	d := kyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// Write writes objects as one multi-document YAML file.
func Write(path string, objs []*unstructured.Unstructured) error {
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			return err
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644) //nolint:gosec // Previews are world readable.
}
