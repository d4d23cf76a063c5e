package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	xpv1 "github.com/crossplane/crossplane/v2/apis/apiextensions/v1"
)

// repo is the repository's root, from this package's directory.
const repo = "../../.."

// xrdSchema is an XRD and the schema of its only version, in the API
// server's internal form.
func xrdSchema(t *testing.T, xrd string) (*xpv1.CompositeResourceDefinition, *apiextensions.JSONSchemaProps) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "package", "xrds", xrd)) //nolint:gosec // Test input.
	if err != nil {
		t.Fatal(err)
	}
	d := &xpv1.CompositeResourceDefinition{}
	if err := yaml.Unmarshal(b, d); err != nil {
		t.Fatalf("%s: %v", xrd, err)
	}
	if len(d.Spec.Versions) != 1 || d.Spec.Versions[0].Schema == nil {
		t.Fatalf("%s: want one version with a schema", xrd)
	}
	v1 := &extv1.JSONSchemaProps{}
	if err := yaml.Unmarshal(d.Spec.Versions[0].Schema.OpenAPIV3Schema.Raw, v1); err != nil {
		t.Fatalf("%s: %v", xrd, err)
	}
	internal := &apiextensions.JSONSchemaProps{}
	if err := extv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1, internal, nil); err != nil {
		t.Fatalf("%s: %v", xrd, err)
	}
	return d, internal
}

// structural is the schema of an XRD's only version as the API server
// holds it: structural, with its defaults and CEL rules.
func structural(t *testing.T, xrd string) *schema.Structural {
	t.Helper()
	_, internal := xrdSchema(t, xrd)
	s, err := schema.NewStructural(internal)
	if err != nil {
		t.Fatalf("%s: %v", xrd, err)
	}
	return s
}

// example is an example claim's spec, defaulted as the API server does.
func example(t *testing.T, s *schema.Structural, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "examples", file)) //nolint:gosec // Test input.
	if err != nil {
		t.Fatal(err)
	}
	u := map[string]any{}
	if err := yaml.Unmarshal(b, &u); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	obj := map[string]any{"spec": u["spec"]}
	defaulting.Default(obj, s)
	return obj
}

// TestXRDTransitionRules updates an example claim as a user would, through
// the API server's own CEL validator: the changes that would replace what
// holds data or breaks names are refused at the field, the others pass.
// crossplane beta validate cannot check these rules: it has no old object.
func TestXRDTransitionRules(t *testing.T) {
	type change struct {
		path  []string
		value any // nil removes the field
	}
	cases := map[string]struct {
		xrd, example string
		changes      []change
		field        string // "" when the update must be accepted
		message      string
	}{
		"PlatformCostCenter": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{{[]string{"spec", "costCenter"}, "learning-other"}},
		},
		"PlatformRegion": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{{[]string{"spec", "region"}, "us-west-2"}},
			field:   "spec.region", message: "region is immutable",
		},
		"PlatformVPCCIDR": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{{[]string{"spec", "networking", "vpcCidr"}, "10.30.0.0/20"}},
			field:   "spec.networking.vpcCidr", message: "vpcCidr is immutable",
		},
		"PlatformTenantCapacity": {
			xrd: "xplatforms.yaml", example: "platform-production.yaml",
			changes: []change{{[]string{"spec", "tenantCapacity"}, int64(41)}},
			field:   "spec.tenantCapacity", message: "tenantCapacity is fixed once the platform exists",
		},
		// A disabled domain composes nothing: its volume is not held to the
		// small profile's t3.small.search (100 GiB); an enabled one is.
		"PlatformOpenSearchDisabledAnySize": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{{[]string{"spec", "search", "opensearch", "volumeSizeGiB"}, int64(500)}},
		},
		"PlatformOpenSearchEnabledOverItsType": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{
				{[]string{"spec", "search", "opensearch", "enabled"}, true},
				{[]string{"spec", "search", "opensearch", "volumeSizeGiB"}, int64(500)},
			},
			field: "spec.search.opensearch.volumeSizeGiB", message: "take at most 100 GiB each in small",
		},
		"PlatformKubernetesUpgrade": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{{[]string{"spec", "kubernetes", "version"}, "1.35"}},
		},
		"PlatformKubernetesSkipsAVersion": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{{[]string{"spec", "kubernetes", "version"}, "1.36"}},
			field:   "spec.kubernetes.version", message: "kubernetes.version moves up one minor version at a time",
		},
		"PlatformKubernetesDowngrade": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{{[]string{"spec", "kubernetes", "version"}, "1.33"}},
			field:   "spec.kubernetes.version", message: "kubernetes.version moves up one minor version at a time",
		},
		"PlatformDomain": {
			xrd: "xplatforms.yaml", example: "platform-production.yaml",
			changes: []change{{[]string{"spec", "dns", "domain"}, "learn.example.com"}},
			field:   "spec.dns.domain", message: "domain is immutable",
		},
		"PlatformMongoDBBecomesExternal": {
			xrd: "xplatforms.yaml", example: "platform-small.yaml",
			changes: []change{
				{[]string{"spec", "mongodb", "instanceType"}, nil},
				{[]string{"spec", "mongodb", "external"}, map[string]any{
					"hosts":          []any{"atlas-shard-00-00.abcde.mongodb.net:27017"},
					"replicaSet":     "atlas-abcde-shard-0",
					"adminSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:openedx/staging/mongodb-admin-AbCdEf",
				}},
			},
			field: "spec.mongodb", message: "mongodb.external is fixed once the platform exists",
		},
		"PlatformMongoDBBecomesOwn": {
			xrd: "xplatforms.yaml", example: "platform-external-mongodb.yaml",
			changes: []change{{[]string{"spec", "mongodb", "external"}, nil}},
			field:   "spec.mongodb", message: "mongodb.external is fixed once the platform exists",
		},
		"PlatformExternalMongoDBMovesHosts": {
			xrd: "xplatforms.yaml", example: "platform-external-mongodb.yaml",
			changes: []change{{[]string{"spec", "mongodb", "external", "hosts"}, []any{"atlas-shard-00-00.fghij.mongodb.net:27017"}}},
		},
		"TenantInstanceName": {
			xrd: "xopenedxtenants.yaml", example: "tenant-demo.yaml",
			changes: []change{{[]string{"spec", "instanceName"}, "demo2"}},
			field:   "spec.instanceName", message: "instanceName is immutable",
		},
		"TenantPlatformRef": {
			xrd: "xopenedxtenants.yaml", example: "tenant-demo.yaml",
			changes: []change{{[]string{"spec", "platformRef", "name"}, "staging"}},
			field:   "spec.platformRef", message: "platformRef is immutable",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := structural(t, tc.xrd)
			old := example(t, s, tc.example)
			obj := runtime.DeepCopyJSON(old)
			for _, c := range tc.changes {
				if c.value == nil {
					unstructured.RemoveNestedField(obj, c.path...)
					continue
				}
				if err := unstructured.SetNestedField(obj, runtime.DeepCopyJSONValue(c.value), c.path...); err != nil {
					t.Fatal(err)
				}
			}
			defaulting.Default(obj, s)
			errs, _ := cel.NewValidator(s, false, celconfig.PerCallLimit).
				Validate(context.Background(), nil, s, obj, old, celconfig.RuntimeCELCostBudget)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Errorf("the update was refused, want it accepted: %v", errs.ToAggregate())
				}
				return
			}
			if !refusedAt(errs, tc.field, tc.message) {
				t.Errorf("the update was not refused at %s with %q; errors: %v", tc.field, tc.message, errs.ToAggregate())
			}
		})
	}
}

func refusedAt(errs field.ErrorList, path, message string) bool {
	for _, e := range errs {
		if e.Field == path && strings.Contains(e.Detail, message) {
			return true
		}
	}
	return false
}
