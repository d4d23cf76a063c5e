package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// FuzzRunFunction feeds arbitrary specs to the function. It must never
// panic, and must either compose or refuse with a Fatal result that names
// the offending field path: never half a platform.
func FuzzRunFunction(f *testing.F) {
	f.Add("prod", "eu-west-1", "", "production", "10.0.0.0/16", "learning", "1.34", "203.0.113.10/32", 50, 90, true)
	f.Add("staging", "us-east-1", "us-east-1a,us-east-1b", "small", "10.20.0.0/20", "cc", "1.33", "", 1, 30, false)
	f.Add("x", "us-west-1", "", "production", "10.0.0.1/16", "", "2", "nope", 0, 2, true)
	f.Add("a.b", "ap-northeast-1", "ap-northeast-1a,ap-northeast-1a,ap-northeast-1c", "huge", "fd00::/56", "with space", "1.x", "0.0.0.0/0", 5000, 0, false)
	f.Fuzz(func(t *testing.T, name, region, zones, profile, cidr, costCenter, version, publicCIDR string, capacity, retention int, search bool) {
		xr := &v1alpha1.XPlatform{}
		xr.SetName(name)
		xr.Spec.Region = region
		if zones != "" {
			xr.Spec.AvailabilityZones = strings.Split(zones, ",")
		}
		xr.Spec.Profile = v1alpha1.Profile(profile)
		xr.Spec.Networking.VPCCIDR = cidr
		xr.Spec.CostCenter = costCenter
		xr.Spec.Kubernetes.Version = version
		if publicCIDR != "" {
			xr.Spec.Kubernetes.PublicAccessCIDRs = []string{publicCIDR}
		}
		xr.Spec.TenantCapacity = capacity
		xr.Spec.Kubernetes.LogRetentionDays = retention
		xr.Spec.Search.OpenSearch.Enabled = search
		// Tenants of this platform, one with a pin taken from the fuzzed
		// numbers, so that the ledger is built from arbitrary capacities.
		tenants := []*v1alpha1.XOpenEdxTenant{
			fuzzTenant(name, "a", "a", nil),
			fuzzTenant(name, "b", "b", &v1alpha1.TenantRedis{CeleryDatabase: int32(capacity), CacheDatabase: int32(retention)}),
			fuzzTenant(name, "c", "a", nil),
		}
		checkFuzzedRun(t, xr, tenants...)
	})
}

func fuzzTenant(platform, name, instance string, pin *v1alpha1.TenantRedis) *v1alpha1.XOpenEdxTenant {
	xt := &v1alpha1.XOpenEdxTenant{}
	xt.APIVersion, xt.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XOpenEdxTenantKind
	xt.SetName(name)
	xt.Spec.PlatformRef.Name = platform
	xt.Spec.InstanceName = instance
	xt.Spec.Redis = pin
	return xt
}

func checkFuzzedRun(t *testing.T, xr *v1alpha1.XPlatform, tenants ...*v1alpha1.XOpenEdxTenant) {
	t.Helper()
	xr.APIVersion, xr.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XPlatformKind
	j, err := json.Marshal(xr)
	if err != nil {
		t.Skip("not representable as JSON")
	}
	req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(j))}}}
	if len(tenants) > 0 {
		found := &fnv1.Resources{}
		for _, xt := range tenants {
			j, err := json.Marshal(xt)
			if err != nil {
				t.Skip("not representable as JSON")
			}
			found.Items = append(found.Items, &fnv1.Resource{Resource: resource.MustStructJSON(string(j))})
		}
		req.RequiredResources = map[string]*fnv1.Resources{requirementTenants: found}
	}
	rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned a Go error: %v", err)
	}
	if fntest.Refused(t, rsp) {
		return
	}
	if len(rsp.GetDesired().GetResources()) == 0 {
		t.Errorf("no Fatal result and nothing composed")
	}
	status := v1alpha1.XPlatformStatus{}
	if err := compose.Decode(rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any), &status); err != nil {
		t.Fatalf("cannot decode desired composite status: %v", err)
	}
	indexes := map[int32]string{}
	for _, a := range status.Tenants.Allocations {
		for _, i := range []int32{a.CeleryDatabase, a.CacheDatabase} {
			if other, dup := indexes[i]; dup {
				t.Errorf("Redis database %d given to both %s and %s", i, other, a.Composite)
			}
			indexes[i] = a.Composite
		}
	}
	if n := len(status.Tenants.Allocations) + len(status.Tenants.Refused); len(tenants) > 0 && n != len(tenants) {
		t.Errorf("%d of %d tenants allocated or refused: %+v", n, len(tenants), status.Tenants)
	}
}
