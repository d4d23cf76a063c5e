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
)

// FuzzRunFunction feeds arbitrary tenant specs to the function, with and
// without a ready platform. It must never panic, and must either compose or
// refuse with a Fatal result that names the offending field path.
func FuzzRunFunction(f *testing.F) {
	f.Add("demo", "prod", "platform", "demo", "learn.example.com", "", "", "8", "24Gi", "48Gi", "100m", "256Mi", "3Gi", int64(60), true)
	f.Add("u", "prod", "", "university", "courses.example.edu", "studio.courses.example.edu", "cc", "16", "48Gi", "96Gi", "200m", "512Mi", "4Gi", int64(120), false)
	f.Add("bad", "", "", "Demo", "learn", "learn", "with space", "lots", "64Gi", "8Gi", "0", "-1", "1Gi", int64(5), true)
	f.Fuzz(func(t *testing.T, name, platform, namespace, instance, lms, cms, costCenter, reqCPU, reqMem, limMem, cpuDef, memDef, memLim string, pods int64, ready bool) {
		xr := &v1alpha1.XOpenEdxTenant{}
		xr.APIVersion, xr.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XOpenEdxTenantKind
		xr.SetName(name)
		xr.Spec.PlatformRef = v1alpha1.PlatformReference{Name: platform, Namespace: namespace}
		xr.Spec.InstanceName, xr.Spec.LMSHost, xr.Spec.CMSHost, xr.Spec.CostCenter = instance, lms, cms, costCenter
		q := &xr.Spec.Resources.Quota
		q.RequestsCPU, q.RequestsMemory, q.LimitsMemory, q.Pods = reqCPU, reqMem, limMem, pods
		c := &xr.Spec.Resources.ContainerDefaults
		c.CPURequest, c.MemoryRequest, c.MemoryLimit = cpuDef, memDef, memLim

		j, err := json.Marshal(xr)
		if err != nil {
			t.Skip("not representable as JSON")
		}
		pl := &v1alpha1.XPlatform{}
		pl.APIVersion, pl.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XPlatformKind
		pl.SetName(platform)
		pl.Status.Cluster.ProviderConfigName, pl.Status.Cluster.Ready = platform, ready
		pj, err := json.Marshal(pl)
		if err != nil {
			t.Skip("not representable as JSON")
		}
		req := &fnv1.RunFunctionRequest{
			Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(j))}},
			RequiredResources: map[string]*fnv1.Resources{requirementPlatform: {Items: []*fnv1.Resource{
				{Resource: resource.MustStructJSON(string(pj))},
			}}},
		}
		rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), req)
		if err != nil {
			t.Fatalf("RunFunction returned a Go error: %v", err)
		}
		var fatal []string
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				fatal = append(fatal, r.GetMessage())
			}
		}
		switch {
		case len(fatal) > 1:
			t.Fatalf("more than one Fatal result: %q", fatal)
		case len(fatal) == 1:
			if !strings.Contains(fatal[0], "spec.") && !strings.Contains(fatal[0], "metadata.name") {
				t.Errorf("Fatal result names no field path: %q", fatal[0])
			}
			if n := len(rsp.GetDesired().GetResources()); n != 0 {
				t.Errorf("a Fatal result came with %d desired resources", n)
			}
		case ready && len(rsp.GetDesired().GetResources()) != 3:
			t.Errorf("valid tenant on a ready platform composed %d objects, want 3", len(rsp.GetDesired().GetResources()))
		}
	})
}
