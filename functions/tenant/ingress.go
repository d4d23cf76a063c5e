package main

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// nameIngress is the Ingress's Object.
const nameIngress frsc.Name = "ingress"

// ingressReady is provider-kubernetes' readiness of the Ingress: the shared
// load balancer has taken its rules and published its address.
const ingressReady = "has(object.status) && has(object.status.loadBalancer) && has(object.status.loadBalancer.ingress) && size(object.status.loadBalancer.ingress) > 0"

// ingressClass is the class that joins the platform's shared load balancer:
// the one the platform publishes, which it does once the ALB and its WAF
// exist, or the one an existing Ingress was composed with, so that an
// Ingress is never dropped while the platform is away. Empty means wait.
func ingressClass(pl *v1alpha1.XPlatform, observed map[frsc.Name]frsc.ObservedComposed) string {
	if pl != nil && pl.Status.Edge.IngressClassName != "" {
		return pl.Status.Edge.IngressClassName
	}
	return compose.ObservedString(observed, nameIngress, "spec.forProvider.manifest.spec.ingressClassName")
}

// ingressObjects route the instance's hosts (LMS, Studio, MFEs) from the
// platform's shared ALB to Tutor's caddy, which routes each host to its
// Service as it does with ENABLE_WEB_PROXY=false.
//
// Only host rules: every ALB-wide setting is the platform's. Its
// IngressClassParams put the class in one group with the wildcard
// certificate and target type ip (so no target-type annotation here), and
// a class certificate makes HTTPS:443 the default listener of an Ingress
// without listen-ports; the anchor Ingress redirects HTTP and carries the
// WAF.
func ingressObjects(p *plan, labels map[string]string, class, providerConfig string) ([]compose.Resource, error) {
	caddy := networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
		Path:     "/",
		PathType: ptr.To(networkingv1.PathTypePrefix),
		Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			// Tutor's caddy Service listens on 80 when ENABLE_WEB_PROXY is
			// false (a ClusterIP Service without targetPort).
			Name: deploymentCaddy,
			Port: networkingv1.ServiceBackendPort{Number: portHTTP},
		}},
	}}}
	var rules []networkingv1.IngressRule
	for _, host := range []string{p.LMSHost, p.CMSHost, p.MFEHost} {
		rules = append(rules, networkingv1.IngressRule{
			Host:             host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: caddy.DeepCopy()},
		})
	}
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: "openedx", Namespace: p.Namespace, Labels: labels},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To(class),
			Rules:            rules,
		},
	}
	obj, err := compose.KubernetesObject(ing, providerConfig, kubev1alpha2.Readiness{
		Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
		CelQuery: ingressReady,
	})
	if err != nil {
		return nil, err
	}
	return []compose.Resource{{Name: nameIngress, Object: obj}}, nil
}
