package main

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Names of the tenant's in-cluster objects.
const (
	nameNamespace     frsc.Name = "namespace"
	nameResourceQuota frsc.Name = "resource-quota"
	nameLimitRange    frsc.Name = "limit-range"
)

// Labels on the tenant's in-cluster objects.
const (
	LabelTenant     = v1alpha1.Group + "/tenant"
	LabelPlatform   = v1alpha1.Group + "/platform"
	LabelCostCenter = v1alpha1.Group + "/cost-center"
)

// labels identify the instance's objects, for people, for NetworkPolicies
// and for cost allocation by namespace label.
func (p *plan) labels(platform, costCenter string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/part-of":    "openedx",
		"app.kubernetes.io/instance":   p.Instance,
		"app.kubernetes.io/managed-by": "crossplane",
		LabelTenant:                    p.Instance,
		LabelPlatform:                  platform,
		LabelCostCenter:                costCenter,
	}
}

// namespaceObjects composes the instance's namespace, sized and bounded, in
// the platform's cluster through provider-kubernetes.
func namespaceObjects(p *plan, platform, costCenter, providerConfig string) ([]compose.Resource, error) {
	labels := p.labels(platform, costCenter)

	nsLabels := map[string]string{
		// Tutor's pods run as uid 1000 without privilege escalation but set
		// no seccomp profile, so "restricted" would reject them: enforce
		// baseline and report what restricted would refuse.
		"pod-security.kubernetes.io/enforce": "baseline",
		"pod-security.kubernetes.io/audit":   "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
	}
	for k, v := range labels {
		nsLabels[k] = v
	}
	ns := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: p.Namespace, Labels: nsLabels},
	}

	quota := &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Name: "openedx", Namespace: p.Namespace, Labels: labels},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourceRequestsCPU:            p.Quota.RequestsCPU,
			corev1.ResourceRequestsMemory:         p.Quota.RequestsMemory,
			corev1.ResourceLimitsMemory:           p.Quota.LimitsMemory,
			corev1.ResourcePods:                   *resource.NewQuantity(p.Quota.Pods, resource.DecimalSI),
			corev1.ResourcePersistentVolumeClaims: *resource.NewQuantity(p.Quota.PVCs, resource.DecimalSI),
			// Users reach instances through the platform's shared,
			// WAF-protected load balancer only. Tutor's caddy Service would
			// otherwise become a LoadBalancer of its own
			// (ENABLE_WEB_PROXY=true), bypassing the WAF and costing money.
			corev1.ResourceServicesLoadBalancers: *resource.NewQuantity(0, resource.DecimalSI),
		}},
	}

	limits := &corev1.LimitRange{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
		ObjectMeta: metav1.ObjectMeta{Name: "openedx", Namespace: p.Namespace, Labels: labels},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer,
			// A quota on requests.cpu, requests.memory and limits.memory
			// refuses pods that do not declare them; most of Tutor's do not.
			DefaultRequest: corev1.ResourceList{
				corev1.ResourceCPU:    p.Defaults.CPURequest,
				corev1.ResourceMemory: p.Defaults.MemoryRequest,
			},
			// No default CPU limit: CPU is shared by bursting, not throttled.
			Default: corev1.ResourceList{
				corev1.ResourceMemory: p.Defaults.MemoryLimit,
			},
		}}},
	}

	// The quota and limits are retried by provider-kubernetes until their
	// namespace exists; a dependsOn would look for it in the control plane.
	nsObj, err := compose.KubernetesObject(ns, providerConfig, kubev1alpha2.Readiness{})
	if err != nil {
		return nil, err
	}
	quotaObj, err := compose.KubernetesObject(quota, providerConfig, kubev1alpha2.Readiness{})
	if err != nil {
		return nil, err
	}
	limitsObj, err := compose.KubernetesObject(limits, providerConfig, kubev1alpha2.Readiness{})
	if err != nil {
		return nil, err
	}
	return []compose.Resource{
		{Name: nameNamespace, Object: nsObj},
		{Name: nameResourceQuota, Object: quotaObj},
		{Name: nameLimitRange, Object: limitsObj},
	}, nil
}
