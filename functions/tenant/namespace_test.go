package main

import (
	"encoding/json"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	frsc "github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// wantObject is what one composed provider-kubernetes Object must hold.
type wantObject struct {
	name       frsc.Name
	manifest   string // JSON, as provider-kubernetes applies it
	references []kubev1alpha2.Reference
	readiness  kubev1alpha2.Readiness
}

func TestNamespaceObjects(t *testing.T) {
	type args struct {
		p              *plan
		platform       string
		costCenter     string
		providerConfig string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   []wantObject
	}{
		"Defaults": {
			reason: "The default plan gives a labelled baseline namespace, the default quota with no load balancers, and container defaults with no CPU limit; no Object has dependsOn references, which provider-kubernetes would resolve in the control plane.",
			args:   args{p: defaultPlan(), platform: "prod", costCenter: "learning-platform", providerConfig: "prod"},
			want: []wantObject{
				{name: "namespace", manifest: wantNamespace},
				{name: "resource-quota", manifest: wantResourceQuota("10")},
				{name: "limit-range", manifest: wantLimitRange},
			},
		},
		"CustomSizes": {
			reason: "Every quota and container default comes from the plan; zero PVCs is written as \"0\", not left out (which would mean unlimited); platform, cost center and provider config are the arguments'.",
			args: args{
				p: &plan{
					Name:      "blue-x7k2p",
					Instance:  "blue-sky",
					Namespace: "openedx-blue-sky",
					Quota: quota{
						RequestsCPU:    resource.MustParse("2500m"),
						RequestsMemory: resource.MustParse("6Gi"),
						LimitsMemory:   resource.MustParse("12Gi"),
						Pods:           20,
						PVCs:           0,
					},
					Defaults: containerDefaults{
						CPURequest:    resource.MustParse("250m"),
						MemoryRequest: resource.MustParse("512Mi"),
						MemoryLimit:   resource.MustParse("2Gi"),
					},
				},
				platform:       "staging",
				costCenter:     "cc-42",
				providerConfig: "staging-kubernetes",
			},
			want: []wantObject{
				{
					name: "namespace",
					manifest: `{
						"apiVersion": "v1",
						"kind": "Namespace",
						"metadata": {
							"name": "openedx-blue-sky",
							"labels": {
								"app.kubernetes.io/instance": "blue-sky",
								"app.kubernetes.io/managed-by": "crossplane",
								"app.kubernetes.io/part-of": "openedx",
								"platform.openedx.cloud/cost-center": "cc-42",
								"platform.openedx.cloud/platform": "staging",
								"platform.openedx.cloud/tenant": "blue-sky",
								"pod-security.kubernetes.io/audit": "restricted",
								"pod-security.kubernetes.io/enforce": "baseline",
								"pod-security.kubernetes.io/warn": "restricted"
							}
						},
						"spec": {}
					}`,
				},
				{
					name: "resource-quota",
					manifest: `{
						"apiVersion": "v1",
						"kind": "ResourceQuota",
						"metadata": {
							"name": "openedx",
							"namespace": "openedx-blue-sky",
							"labels": {
								"app.kubernetes.io/instance": "blue-sky",
								"app.kubernetes.io/managed-by": "crossplane",
								"app.kubernetes.io/part-of": "openedx",
								"platform.openedx.cloud/cost-center": "cc-42",
								"platform.openedx.cloud/platform": "staging",
								"platform.openedx.cloud/tenant": "blue-sky"
							}
						},
						"spec": {"hard": {
							"requests.cpu": "2500m",
							"requests.memory": "6Gi",
							"limits.memory": "12Gi",
							"pods": "20",
							"persistentvolumeclaims": "0",
							"services.loadbalancers": "0"
						}}
					}`,
				},
				{
					name: "limit-range",
					manifest: `{
						"apiVersion": "v1",
						"kind": "LimitRange",
						"metadata": {
							"name": "openedx",
							"namespace": "openedx-blue-sky",
							"labels": {
								"app.kubernetes.io/instance": "blue-sky",
								"app.kubernetes.io/managed-by": "crossplane",
								"app.kubernetes.io/part-of": "openedx",
								"platform.openedx.cloud/cost-center": "cc-42",
								"platform.openedx.cloud/platform": "staging",
								"platform.openedx.cloud/tenant": "blue-sky"
							}
						},
						"spec": {"limits": [{
							"type": "Container",
							"defaultRequest": {"cpu": "250m", "memory": "512Mi"},
							"default": {"memory": "2Gi"}
						}]}
					}`,
				},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := namespaceObjects(tc.args.p, tc.args.platform, tc.args.costCenter, tc.args.providerConfig)
			if err != nil {
				t.Fatalf("%s\nnamespaceObjects(...): unexpected error: %v", tc.reason, err)
			}
			assertObjects(t, tc.reason, "namespaceObjects(...)", got, tc.args.providerConfig, tc.want)
		})
	}
}

// assertObjects checks composed Objects, in order: names, the provider
// config, no dependsOn references, readiness, and each manifest as
// provider-kubernetes applies it.
func assertObjects(t *testing.T, reason, call string, got []compose.Resource, providerConfig string, want []wantObject) {
	t.Helper()
	gotNames := make([]frsc.Name, 0, len(got))
	for _, r := range got {
		gotNames = append(gotNames, r.Name)
	}
	wantNames := make([]frsc.Name, 0, len(want))
	for _, w := range want {
		wantNames = append(wantNames, w.name)
	}
	if diff := cmp.Diff(wantNames, gotNames); diff != "" {
		t.Fatalf("%s\n%s: -want names, +got names:\n%s", reason, call, diff)
	}

	for i, w := range want {
		r := got[i]
		if r.AlwaysReady {
			t.Errorf("%s\n%s: AlwaysReady is true, want false: an Object is ready when provider-kubernetes says so", reason, r.Name)
		}
		obj, ok := r.Object.(*kubev1alpha2.Object)
		if !ok {
			t.Fatalf("%s\n%s: object is a %T, want a *v1alpha2.Object", reason, r.Name, r.Object)
		}
		if diff := cmp.Diff(&xpv2.Reference{Name: providerConfig}, obj.Spec.ProviderConfigReference); diff != "" {
			t.Errorf("%s\n%s: -want providerConfigRef, +got providerConfigRef:\n%s", reason, r.Name, diff)
		}
		if diff := cmp.Diff(w.references, obj.Spec.References); diff != "" {
			t.Errorf("%s\n%s: -want references, +got references:\n%s", reason, r.Name, diff)
		}
		if diff := cmp.Diff(w.readiness, obj.Spec.Readiness); diff != "" {
			t.Errorf("%s\n%s: -want readiness, +got readiness:\n%s", reason, r.Name, diff)
		}

		gotManifest := map[string]any{}
		if err := json.Unmarshal(obj.Spec.ForProvider.Manifest.Raw, &gotManifest); err != nil {
			t.Fatalf("%s\n%s: manifest is not JSON: %v\n%s", reason, r.Name, err, obj.Spec.ForProvider.Manifest.Raw)
		}
		// Server-side apply would take an empty status or a null
		// creationTimestamp as intent.
		if _, ok := gotManifest["status"]; ok {
			t.Errorf("%s\n%s: manifest has a status: %s", reason, r.Name, obj.Spec.ForProvider.Manifest.Raw)
		}
		if md, _ := gotManifest["metadata"].(map[string]any); md == nil {
			t.Errorf("%s\n%s: manifest has no metadata", reason, r.Name)
		} else if _, ok := md["creationTimestamp"]; ok {
			t.Errorf("%s\n%s: manifest has metadata.creationTimestamp: %s", reason, r.Name, obj.Spec.ForProvider.Manifest.Raw)
		}
		wantManifest := map[string]any{}
		if err := json.Unmarshal([]byte(w.manifest), &wantManifest); err != nil {
			t.Fatalf("bad test fixture %s: %v", w.name, err)
		}
		if diff := cmp.Diff(wantManifest, gotManifest); diff != "" {
			t.Errorf("%s\n%s: -want manifest, +got manifest:\n%s", reason, r.Name, diff)
		}
	}
}

// namespaceNames are the Objects of namespace.go.
var namespaceNames = []string{"namespace", "resource-quota", "limit-range"}

// wantNamespace is the demo tenant's namespace on platform prod.
const wantNamespace = `{
	"apiVersion": "v1",
	"kind": "Namespace",
	"metadata": {
		"name": "openedx-demo",
		"labels": {
			"app.kubernetes.io/instance": "demo",
			"app.kubernetes.io/managed-by": "crossplane",
			"app.kubernetes.io/part-of": "openedx",
			"platform.openedx.cloud/cost-center": "learning-platform",
			"platform.openedx.cloud/platform": "prod",
			"platform.openedx.cloud/tenant": "demo",
			"pod-security.kubernetes.io/audit": "restricted",
			"pod-security.kubernetes.io/enforce": "baseline",
			"pod-security.kubernetes.io/warn": "restricted"
		}
	},
	"spec": {}
}`

// wantResourceQuota is the demo tenant's default quota, with pvcs volume
// claims.
func wantResourceQuota(pvcs string) string {
	return `{
		"apiVersion": "v1",
		"kind": "ResourceQuota",
		` + demoMeta("openedx") + `,
		"spec": {"hard": {
			"requests.cpu": "12",
			"requests.memory": "40Gi",
			"limits.memory": "72Gi",
			"pods": "60",
			"persistentvolumeclaims": "` + pvcs + `",
			"services.loadbalancers": "0"
		}}
	}`
}

// wantLimitRange is the demo tenant's default container sizes.
var wantLimitRange = `{
	"apiVersion": "v1",
	"kind": "LimitRange",
	` + demoMeta("openedx") + `,
	"spec": {"limits": [{
		"type": "Container",
		"defaultRequest": {"cpu": "100m", "memory": "256Mi"},
		"default": {"memory": "3Gi"}
	}]}
}`

// The namespace's Objects in the cases of TestRunFunction.
var _ = registerObjects(map[string]objectFixture{
	"namespace":      func(objects) (string, string) { return wantNamespace, "" },
	"resource-quota": func(o objects) (string, string) { return wantResourceQuota(o.pvcs), "" },
	"limit-range":    func(objects) (string, string) { return wantLimitRange, "" },
})
