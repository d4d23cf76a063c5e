package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestForm(t *testing.T) {
	one, fifty := 1.0, 50.0
	cases := map[string]struct {
		in   extv1.JSONSchemaProps
		want map[string]any
	}{
		"ScalarKeepsBoundsAndDropsFormat": {
			in: extv1.JSONSchemaProps{
				Type: "integer", Format: "int32", Description: "MaxReplicas is the most pods.",
				Minimum: &one, Maximum: &fifty, Default: &extv1.JSON{Raw: []byte("6")},
			},
			want: map[string]any{
				"type": "integer", "title": "Max replicas", "description": "MaxReplicas is the most pods.",
				"minimum": 1.0, "maximum": 50.0, "default": 6.0,
			},
		},
		"ObjectPutsRequiredFirstAndTellsCELRules": {
			in: extv1.JSONSchemaProps{
				Type:     "object",
				Required: []string{"lmsHost"},
				Properties: map[string]extv1.JSONSchemaProps{
					"cmsHost": {Type: "string"},
					"lmsHost": {Type: "string", Pattern: "^[a-z.]+$"},
				},
				XValidations: extv1.ValidationRules{{Rule: "self.cmsHost != self.lmsHost", Message: "cmsHost must differ from lmsHost"}},
			},
			want: map[string]any{
				"type": "object", "title": "Max replicas",
				"description": "cmsHost must differ from lmsHost.",
				"required":    []string{"lmsHost"},
				"ui:order":    []string{"lmsHost", "cmsHost"},
				"properties": map[string]any{
					"cmsHost": map[string]any{"type": "string", "title": "Cms host"},
					"lmsHost": map[string]any{"type": "string", "title": "Lms host", "pattern": "^[a-z.]+$"},
				},
			},
		},
		"EnumAndArray": {
			in: extv1.JSONSchemaProps{
				Type:  "array",
				Items: &extv1.JSONSchemaPropsOrArray{Schema: &extv1.JSONSchemaProps{Type: "string", Enum: []extv1.JSON{{Raw: []byte(`"a"`)}, {Raw: []byte(`"b"`)}}}},
			},
			want: map[string]any{
				"type": "array", "title": "Max replicas",
				"items": map[string]any{"type": "string", "enum": []any{"a", "b"}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Form(tc.in, "spec.maxReplicas")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Form(...): -want, +got:\n%s", diff)
			}
		})
	}
}

func TestNames(t *testing.T) {
	cases := map[string]struct{ in, title, kebab string }{
		"Camel":   {in: "maxReplicas", title: "Max replicas", kebab: "max-replicas"},
		"Kind":    {in: "OpenEdxTenant", title: "Open edx tenant", kebab: "open-edx-tenant"},
		"Acronym": {in: "vpcCIDR", title: "Vpc CIDR", kebab: "vpc-c-i-d-r"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := title(tc.in); got != tc.title {
				t.Errorf("title(%q) = %q, want %q", tc.in, got, tc.title)
			}
			if got := kebab(tc.in); got != tc.kebab {
				t.Errorf("kebab(%q) = %q, want %q", tc.in, got, tc.kebab)
			}
		})
	}
}
