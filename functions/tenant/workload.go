package main

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// serviceAccountName is the ServiceAccount Tutor's pods run as.
const serviceAccountName = "openedx"

// nameServiceAccount is the ServiceAccount's Object.
const nameServiceAccount frsc.Name = "service-account"

// nameHPA and namePDB name the Objects of a Deployment's autoscaler and
// disruption budget.
func nameHPA(deployment string) frsc.Name { return frsc.Name("hpa-" + deployment) }
func namePDB(deployment string) frsc.Name { return frsc.Name("pdb-" + deployment) }

// disruptionBudgeted are the Deployments that serve users: caddy routes
// every request, lms and cms answer them. Draining a node evicts their pods
// one at a time. The workers are left out: a Celery task that is cut off
// is retried.
var disruptionBudgeted = []string{deploymentLMS, deploymentCMS, deploymentCaddy}

// workloadObjects are what Tutor's Deployments run with: the ServiceAccount
// of their AWS identity, an autoscaler per Deployment that carries load,
// and disruption budgets for the ones that serve users.
//
// Spreading pods over zones and nodes is not here: topology spread
// constraints belong on the pod templates, which Tutor renders, so a Tutor
// patch sets them (zone, then node, by app.kubernetes.io/name) in a later
// step, together with serviceAccountName and CPU requests.
func workloadObjects(p *plan, labels map[string]string, providerConfig string) ([]compose.Resource, error) {
	type object struct {
		name     frsc.Name
		manifest runtime.Object
	}
	objs := []object{{nameServiceAccount, &corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		// EKS Pod Identity will associate this ServiceAccount with the
		// tenant's IAM role (its buckets, its secrets, SES sending) in a
		// later step; Tutor's pods get it through a k8s-override patch.
		ObjectMeta: metav1.ObjectMeta{Name: serviceAccountName, Namespace: p.Namespace, Labels: labels},
		// Open edX never calls the Kubernetes API. Pod Identity mounts its
		// own token, so this one need not be.
		AutomountServiceAccountToken: ptr.To(false),
	}}}

	for _, a := range p.Autoscalers {
		objs = append(objs, object{nameHPA(a.Deployment), &autoscalingv2.HorizontalPodAutoscaler{
			TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
			// The pod-autoscaling plugin's name, so that enabling the plugin
			// as well would clash here rather than put a second autoscaler
			// on the Deployment.
			ObjectMeta: metav1.ObjectMeta{Name: a.Deployment + "-hpa", Namespace: p.Namespace, Labels: labels},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				// Tutor's Deployments set no replicas, so re-applying them
				// never undoes the autoscaler's count.
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: a.Deployment},
				MinReplicas:    ptr.To(a.MinReplicas),
				MaxReplicas:    a.MaxReplicas,
				// Utilization is of the pods' CPU requests: until the Tutor
				// patch sets them, the LimitRange's default request is the
				// base. The cluster needs the metrics API (metrics-server).
				Metrics: []autoscalingv2.MetricSpec{{
					Type: autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{
						Name:   corev1.ResourceCPU,
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(a.TargetCPU)},
					},
				}},
			},
		}})
	}

	for _, d := range disruptionBudgeted {
		objs = append(objs, object{namePDB(d), &policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			ObjectMeta: metav1.ObjectMeta{Name: d + "-pdb", Namespace: p.Namespace, Labels: labels},
			Spec: policyv1.PodDisruptionBudgetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{labelName: d}},
				// One pod at a time, whatever the replica count: a budget can
				// never block a node drain, which minAvailable: 100% (or N of
				// N) would, stalling EKS Auto Mode's node replacement and
				// consolidation. A Deployment at one replica (min 1) is
				// briefly down during a drain; the Tutor plugin runs caddy at
				// two, in different zones, so that its budget protects it.
				MaxUnavailable: ptr.To(intstr.FromInt32(1)),
				// A pod that is not ready serves nothing; evicting it must not
				// wait for the budget, or a crash-looping pod would hold a
				// node forever.
				UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
			},
		}})
	}

	rs := make([]compose.Resource, 0, len(objs))
	for _, o := range objs {
		obj, err := compose.KubernetesObject(o.manifest, providerConfig, kubev1alpha2.Readiness{})
		if err != nil {
			return nil, err
		}
		rs = append(rs, compose.Resource{Name: o.name, Object: obj})
	}
	return rs, nil
}
