package main

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestRows(t *testing.T) {
	one, max := 1.0, 50.0
	s := extv1.JSONSchemaProps{
		Type:     "object",
		Required: []string{"name"},
		Properties: map[string]extv1.JSONSchemaProps{
			"name": {Type: "string", Pattern: "^a|b$", Description: "Name of\nthe thing."},
			"size": {
				Type: "object", Default: &extv1.JSON{Raw: []byte("{}")},
				XValidations: extv1.ValidationRules{{Rule: "self.min <= self.max", Message: "min must not exceed max"}},
				Properties: map[string]extv1.JSONSchemaProps{
					"max": {Type: "integer", Format: "int32", Minimum: &one, Maximum: &max, Default: &extv1.JSON{Raw: []byte("6")}},
				},
			},
			"zones": {Type: "array", Items: &extv1.JSONSchemaPropsOrArray{Schema: &extv1.JSONSchemaProps{Type: "string", Enum: []extv1.JSON{{Raw: []byte(`"a"`)}}}}},
		},
	}
	var b bytes.Buffer
	rows(&b, s, "spec")
	want := "| `spec.name` (required) | string |  | pattern `^a\\|b$` | Name of the thing. |\n" +
		"| `spec.size` | object | `{}` | min must not exceed max |  |\n" +
		"| `spec.size.max` | integer (int32) | `6` | ≥ 1; ≤ 50 |  |\n" +
		"| `spec.zones` | array of string |  | each item: one of `\"a\"` |  |\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("rows(...): -want, +got:\n%s", diff)
	}
}
