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
	"github.com/openedx-cloud/platform-aws/internal/fntest"
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
		checkFuzzedRun(t, xr)
	})
}

func checkFuzzedRun(t *testing.T, xr *v1alpha1.XPlatform) {
	t.Helper()
	xr.APIVersion, xr.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XPlatformKind
	j, err := json.Marshal(xr)
	if err != nil {
		t.Skip("not representable as JSON")
	}
	req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(j))}}}
	rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned a Go error: %v", err)
	}
	if !fntest.Refused(t, rsp) && len(rsp.GetDesired().GetResources()) == 0 {
		t.Errorf("no Fatal result and nothing composed")
	}
}
