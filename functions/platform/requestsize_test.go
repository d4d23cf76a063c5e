package main

import (
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/openedx-cloud/platform-aws/internal/serve"
	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// maxTenantCapacity is the XRD's bound on spec.tenantCapacity.
const maxTenantCapacity = 1000

// storedTenant is a converged tenant as the API server holds it and
// Crossplane sends it among the platform's required resources: the
// university example's composite as rendered (spec and status), with the
// references to everything it composed, Crossplane's metadata, and a
// managedFields entry per writer covering its fields.
func storedTenant(t *testing.T) map[string]any {
	t.Helper()
	objs, err := manifests.Read("../../test/golden/tenant-university.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var xr map[string]any
	refs := []any{}
	for _, o := range objs {
		if o.GetKind() == "XOpenEdxTenant" {
			xr = o.Object
			continue
		}
		refs = append(refs, map[string]any{"apiVersion": o.GetAPIVersion(), "kind": o.GetKind(), "name": o.GetName()})
	}
	if xr == nil || len(refs) == 0 {
		t.Fatal("the university golden holds no composite and what it composed")
	}
	name := "university-x7k2p"
	spec := xr["spec"].(map[string]any)
	spec["crossplane"] = map[string]any{
		"compositionRef":          map[string]any{"name": "xopenedxtenants.platform.openedx.cloud"},
		"compositionRevisionRef":  map[string]any{"name": "xopenedxtenants.platform.openedx.cloud-0123456"},
		"compositionUpdatePolicy": "Automatic",
		"claimRef":                map[string]any{"apiVersion": "platform.openedx.cloud/v1alpha1", "kind": "OpenEdxTenant", "name": "university", "namespace": "tenants"},
		"resourceRefs":            refs,
	}
	fields := func(keys ...string) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			out["f:"+k] = fieldSet(xr[k])
		}
		return out
	}
	xr["metadata"] = map[string]any{
		"name":              name,
		"uid":               "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"resourceVersion":   "123456789",
		"generation":        int64(42),
		"creationTimestamp": "2026-12-01T00:00:00Z",
		"finalizers":        []any{"composite.apiextensions.crossplane.io"},
		"labels": map[string]any{
			"crossplane.io/claim-name":      "university",
			"crossplane.io/claim-namespace": "tenants",
			"crossplane.io/composite":       name,
		},
		"managedFields": []any{
			map[string]any{"manager": "apiextensions.crossplane.io/claim", "operation": "Apply", "apiVersion": "platform.openedx.cloud/v1alpha1", "time": "2026-12-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": fields("spec")},
			map[string]any{"manager": "apiextensions.crossplane.io/composite", "operation": "Apply", "apiVersion": "platform.openedx.cloud/v1alpha1", "time": "2026-12-01T00:00:00Z", "fieldsType": "FieldsV1", "subresource": "status", "fieldsV1": fields("status")},
		},
	}
	return xr
}

// fieldSet is server-side apply's record of the fields of v: every key of
// every object, lists as a whole.
func fieldSet(v any) map[string]any {
	out := map[string]any{}
	if m, ok := v.(map[string]any); ok {
		for k, sub := range m {
			out["f:"+k] = fieldSet(sub)
		}
	}
	return out
}

// TestRequestAtFullCapacityFits: Crossplane sends the platform every
// tenant it has, whole. At the largest capacity the XRD allows, the
// request must fit the size the functions accept, with room for tenants'
// composites to grow: past it gRPC refuses the call and the platform stops
// reconciling.
func TestRequestAtFullCapacityFits(t *testing.T) {
	f := &Function{log: logging.NewNopLogger()}
	req := convergedRequest(t, f, "../../examples/platform-production.yaml")
	tenant, err := structpb.NewStruct(storedTenant(t))
	if err != nil {
		t.Fatal(err)
	}
	items := make([]*fnv1.Resource, maxTenantCapacity)
	for i := range items {
		items[i] = &fnv1.Resource{Resource: tenant}
	}
	req.RequiredResources = map[string]*fnv1.Resources{requirementTenants: {Items: items}}

	size, limit := proto.Size(req), serve.MaxRecvMessageSizeMB<<20
	per := proto.Size(&fnv1.Resource{Resource: tenant})
	t.Logf("the platform's request at %d tenants is %.1f MiB (%.1f KiB a tenant); the functions accept %d MiB", maxTenantCapacity, float64(size)/(1<<20), float64(per)/(1<<10), serve.MaxRecvMessageSizeMB)
	// Half the limit: tenants' composites may double before it is reached.
	if size > limit/2 {
		t.Errorf("the platform's request at %d tenants is %d bytes, over half the %d the functions accept (serve.MaxRecvMessageSizeMB)", maxTenantCapacity, size, limit)
	}
	// The test's tenant must be what it says: converged, with its
	// references.
	refs := tenant.GetFields()["spec"].GetStructValue().GetFields()["crossplane"].GetStructValue().GetFields()["resourceRefs"].GetListValue().GetValues()
	kinds := map[string]bool{}
	for _, r := range refs {
		kinds[r.GetStructValue().GetFields()["kind"].GetStringValue()] = true
	}
	if len(refs) < 30 || !kinds["Bucket"] {
		t.Errorf("the stored tenant references %d resources of kinds %v: want a converged tenant's, with its Bucket", len(refs), kinds)
	}
}
