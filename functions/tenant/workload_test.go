package main

import (
	"encoding/json"
	"fmt"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	policyv1 "k8s.io/api/policy/v1"
)

// wantServiceAccount is the demo tenant's ServiceAccount.
const wantServiceAccount = `{
	"apiVersion": "v1",
	"kind": "ServiceAccount",
	"metadata": {"name": "openedx", "namespace": "openedx-demo", "labels": ` + demoLabels + `},
	"automountServiceAccountToken": false
}`

// wantHPA is the demo tenant's autoscaler of a Deployment.
func wantHPA(deployment string, minReplicas, maxReplicas, cpu int) string {
	return fmt.Sprintf(`{
		"apiVersion": "autoscaling/v2",
		"kind": "HorizontalPodAutoscaler",
		"metadata": {"name": "%[1]s-hpa", "namespace": "openedx-demo", "labels": `+demoLabels+`},
		"spec": {
			"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": %[1]q},
			"minReplicas": %[2]d,
			"maxReplicas": %[3]d,
			"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": %[4]d}}}]
		}
	}`, deployment, minReplicas, maxReplicas, cpu)
}

// wantPDB is the demo tenant's disruption budget of a Deployment.
func wantPDB(deployment string) string {
	return fmt.Sprintf(`{
		"apiVersion": "policy/v1",
		"kind": "PodDisruptionBudget",
		"metadata": {"name": "%[1]s-pdb", "namespace": "openedx-demo", "labels": `+demoLabels+`},
		"spec": {
			"selector": {"matchLabels": {"app.kubernetes.io/name": %[1]q}},
			"maxUnavailable": 1,
			"unhealthyPodEvictionPolicy": "AlwaysAllow"
		}
	}`, deployment)
}

func TestWorkloadObjects(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      *plan
		want   []wantObject
	}{
		"Defaults": {
			reason: "The openedx ServiceAccount without an API token; <deployment>-hpa autoscalers of lms and cms (2 to 6) and of the workers (1 to 6) at 70% CPU, targeting the Deployments of the same names; <deployment>-pdb budgets of one pod at a time for lms, cms and caddy.",
			p:      defaultPlan(),
			want: []wantObject{
				{name: "service-account", manifest: wantServiceAccount},
				{name: "hpa-lms", manifest: wantHPA("lms", 2, 6, 70)},
				{name: "hpa-cms", manifest: wantHPA("cms", 2, 6, 70)},
				{name: "hpa-lms-worker", manifest: wantHPA("lms-worker", 1, 6, 70)},
				{name: "hpa-cms-worker", manifest: wantHPA("cms-worker", 1, 6, 70)},
				{name: "pdb-lms", manifest: wantPDB("lms")},
				{name: "pdb-cms", manifest: wantPDB("cms")},
				{name: "pdb-caddy", manifest: wantPDB("caddy")},
			},
		},
		"SpecOverrides": {
			reason: "Each autoscaler takes its own bounds and target from the plan; the budgets do not change with them.",
			p: func() *plan {
				p := defaultPlan()
				p.Autoscalers = []autoscaler{
					{Deployment: "lms", MinReplicas: 3, MaxReplicas: 20, TargetCPU: 60},
					{Deployment: "cms", MinReplicas: 1, MaxReplicas: 2, TargetCPU: 80},
					{Deployment: "lms-worker", MinReplicas: 2, MaxReplicas: 10, TargetCPU: 50},
					{Deployment: "cms-worker", MinReplicas: 1, MaxReplicas: 1, TargetCPU: 100},
				}
				return p
			}(),
			want: []wantObject{
				{name: "service-account", manifest: wantServiceAccount},
				{name: "hpa-lms", manifest: wantHPA("lms", 3, 20, 60)},
				{name: "hpa-cms", manifest: wantHPA("cms", 1, 2, 80)},
				{name: "hpa-lms-worker", manifest: wantHPA("lms-worker", 2, 10, 50)},
				{name: "hpa-cms-worker", manifest: wantHPA("cms-worker", 1, 1, 100)},
				{name: "pdb-lms", manifest: wantPDB("lms")},
				{name: "pdb-cms", manifest: wantPDB("cms")},
				{name: "pdb-caddy", manifest: wantPDB("caddy")},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := workloadObjects(tc.p, tc.p.labels("prod", "learning-platform"), "prod")
			if err != nil {
				t.Fatalf("%s\nworkloadObjects(...): unexpected error: %v", tc.reason, err)
			}
			assertObjects(t, tc.reason, "workloadObjects(...)", got, "prod", tc.want)
		})
	}
}

// TestDisruptionBudgetsNeverBlockDrains decodes every budget: a budget that
// can reach zero allowed disruptions at full health would stall node
// drains, and with them EKS Auto Mode's node replacement.
func TestDisruptionBudgetsNeverBlockDrains(t *testing.T) {
	p := defaultPlan()
	// The smallest allowed web tier: one pod.
	for i := range p.Autoscalers {
		p.Autoscalers[i].MinReplicas, p.Autoscalers[i].MaxReplicas = 1, 1
	}
	rs, err := workloadObjects(p, p.labels("prod", "learning-platform"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	budgets := 0
	for _, r := range rs {
		pdb := &policyv1.PodDisruptionBudget{}
		raw := r.Object.(*kubev1alpha2.Object).Spec.ForProvider.Manifest.Raw
		if err := json.Unmarshal(raw, pdb); err != nil || pdb.Kind != "PodDisruptionBudget" {
			continue
		}
		budgets++
		s := pdb.Spec
		if s.MinAvailable != nil {
			t.Errorf("%s sets minAvailable %s: with as many pods as it asks for, no pod can be evicted", pdb.Name, s.MinAvailable.String())
		}
		if s.MaxUnavailable == nil || s.MaxUnavailable.IntValue() < 1 {
			t.Errorf("%s: maxUnavailable %v, want at least 1 so that one pod can always be evicted", pdb.Name, s.MaxUnavailable)
		}
		if s.UnhealthyPodEvictionPolicy == nil || *s.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow {
			t.Errorf("%s: unhealthyPodEvictionPolicy %v, want AlwaysAllow so that a crash-looping pod never holds a node", pdb.Name, s.UnhealthyPodEvictionPolicy)
		}
		if s.Selector == nil || s.Selector.MatchLabels[labelName]+"-pdb" != pdb.Name {
			t.Errorf("%s selects %v, want the pods of the Deployment it is named after", pdb.Name, s.Selector)
		}
	}
	if budgets != len(disruptionBudgeted) {
		t.Errorf("found %d budgets, want %d", budgets, len(disruptionBudgeted))
	}
}

// The workload's Objects in the cases of TestRunFunction: the defaults'
// autoscalers.
var _ = registerObjects(func() map[string]objectFixture {
	fixed := func(manifest string) objectFixture {
		return func(objects) (string, string) { return manifest, "" }
	}
	return map[string]objectFixture{
		"service-account": fixed(wantServiceAccount),
		"hpa-lms":         fixed(wantHPA("lms", 2, 6, 70)),
		"hpa-cms":         fixed(wantHPA("cms", 2, 6, 70)),
		"hpa-lms-worker":  fixed(wantHPA("lms-worker", 1, 6, 70)),
		"hpa-cms-worker":  fixed(wantHPA("cms-worker", 1, 6, 70)),
		"pdb-lms":         fixed(wantPDB("lms")),
		"pdb-cms":         fixed(wantPDB("cms")),
		"pdb-caddy":       fixed(wantPDB("caddy")),
	}
}())
