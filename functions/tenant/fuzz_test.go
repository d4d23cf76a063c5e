package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// FuzzRunFunction feeds arbitrary tenant specs to the function, with and
// without a ready platform. It must never panic, and must either compose or
// refuse with a Fatal result that names the offending field path.
func FuzzRunFunction(f *testing.F) {
	f.Add("demo", "prod", "platform", "demo", "learn.example.com", "", "", "", "12", "40Gi", "72Gi", "100m", "256Mi", "3Gi", int64(60), int32(0), int32(0), int32(0), int32(0), true, true, true)
	f.Add("u", "prod", "", "university", "courses.example.edu", "studio.courses.example.edu", "mfe.courses.example.edu", "cc", "16", "48Gi", "96Gi", "200m", "512Mi", "4Gi", int64(120), int32(3), int32(12), int32(60), int32(2), false, false, false)
	f.Add("w", "prod", "", "workers", "learn.example.com", "", "", "", "", "", "", "", "", "", int64(0), int32(1), int32(50), int32(100), int32(50), true, false, true)
	f.Add("bad", "", "", "Demo", "learn", "learn", "learn", "with space", "lots", "64Gi", "8Gi", "0", "-1", "1Gi", int64(5), int32(7), int32(4), int32(101), int32(-1), true, true, false)
	f.Fuzz(func(t *testing.T, name, platform, namespace, instance, lms, cms, mfe, costCenter, reqCPU, reqMem, limMem, cpuDef, memDef, memLim string, pods int64, lmsMin, lmsMax, lmsCPU, workerMin int32, ready, edge, converged bool) {
		xr := &v1alpha1.XOpenEdxTenant{}
		xr.APIVersion, xr.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XOpenEdxTenantKind
		xr.SetName(name)
		xr.Spec.PlatformRef = v1alpha1.PlatformReference{Name: platform, Namespace: namespace}
		xr.Spec.InstanceName, xr.Spec.LMSHost, xr.Spec.CMSHost, xr.Spec.MFEHost, xr.Spec.CostCenter = instance, lms, cms, mfe, costCenter
		q := &xr.Spec.Resources.Quota
		q.RequestsCPU, q.RequestsMemory, q.LimitsMemory, q.Pods = reqCPU, reqMem, limMem, pods
		c := &xr.Spec.Resources.ContainerDefaults
		c.CPURequest, c.MemoryRequest, c.MemoryLimit = cpuDef, memDef, memLim
		a := &xr.Spec.Autoscaling
		a.LMS.MinReplicas, a.LMS.MaxReplicas, a.LMS.TargetCPUUtilizationPercentage = lmsMin, lmsMax, lmsCPU
		a.CMSWorker.MinReplicas = workerMin

		j, err := json.Marshal(xr)
		if err != nil {
			t.Skip("not representable as JSON")
		}
		pl := &v1alpha1.XPlatform{}
		pl.APIVersion, pl.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XPlatformKind
		pl.SetName(platform)
		pl.Status.Cluster.ProviderConfigName, pl.Status.Cluster.Ready = platform, ready
		if edge {
			pl.Status.Edge.IngressClassName = "openedx"
		}
		// The platform has admitted the tenant.
		pl.Status.Tenants.Allocations = []v1alpha1.TenantAllocation{{Instance: instance, Composite: name, CeleryDatabase: 2, CacheDatabase: 3}}
		if converged {
			// What AWS reports once the platform exists: the tenant's AWS
			// resources are composed too.
			pl.Status.Region, pl.Status.ProviderConfigName = "eu-west-1", "default"
			pl.Status.Network.VPCCIDR = "10.0.0.0/16"
			publishPorts(&pl.Status)
			pl.Status.AccountID = "123456789012"
			pl.Status.DataKeyARN = "arn:aws:kms:eu-west-1:123456789012:key/k"
			pl.Status.Cluster.Name = platform
		}
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
		if !fntest.Refused(t, rsp) && ready {
			// Namespace, ResourceQuota and LimitRange; three
			// NetworkPolicies (default deny, Open edX's allowances, ALB to
			// caddy); the ServiceAccount; four autoscalers (lms, cms and
			// their workers); three disruption budgets (lms, cms, caddy);
			// the Tutor plugin; the usage of the platform; and the Ingress
			// once the platform publishes its class.
			want := 16
			if edge {
				want = 17
			}
			// The bucket and its six settings, the role, its policy and
			// binding, the configuration secret.
			if converged {
				want += 11
			}
			if n := len(rsp.GetDesired().GetResources()); n != want {
				t.Errorf("valid tenant on a ready platform (ingress class published: %t, converged: %t) composed %d objects, want %d", edge, converged, n, want)
			}
		}
	})
}
