package main

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestXRDSchemasPassCRDValidation runs the API server's own static check
// of a CustomResourceDefinition over each XRD's schema, as Crossplane
// creates the composite's and the claim's CRDs from it: structural
// schemas, and CEL rules and messageExpressions whose estimated cost fits
// the budget. crossplane beta validate checks objects against a schema,
// not the schema itself; without this, a rule over budget is found only
// when the e2e tier's Configuration never becomes Established.
func TestXRDSchemasPassCRDValidation(t *testing.T) {
	for _, xrd := range []string{"xplatforms.yaml", "xopenedxtenants.yaml"} {
		t.Run(xrd, func(t *testing.T) {
			d, schema := xrdSchema(t, xrd)
			names := d.Spec.Names
			crd := &apiextensions.CustomResourceDefinition{
				ObjectMeta: metav1.ObjectMeta{Name: names.Plural + "." + d.Spec.Group},
				Spec: apiextensions.CustomResourceDefinitionSpec{
					Group: d.Spec.Group,
					Names: apiextensions.CustomResourceDefinitionNames{
						Plural: names.Plural, Singular: strings.ToLower(names.Kind), Kind: names.Kind, ListKind: names.Kind + "List",
					},
					Scope: apiextensions.ClusterScoped,
					Versions: []apiextensions.CustomResourceDefinitionVersion{{
						Name: d.Spec.Versions[0].Name, Served: true, Storage: true,
					}},
					Validation:            &apiextensions.CustomResourceValidation{OpenAPIV3Schema: schema},
					Conversion:            &apiextensions.CustomResourceConversion{Strategy: apiextensions.NoneConverter},
					PreserveUnknownFields: ptr.To(false),
				},
				Status: apiextensions.CustomResourceDefinitionStatus{StoredVersions: []string{d.Spec.Versions[0].Name}},
			}
			for _, err := range validation.ValidateCustomResourceDefinition(context.Background(), crd) {
				t.Error(err)
			}
		})
	}
}
