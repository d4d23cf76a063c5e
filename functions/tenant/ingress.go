package main

import (
	"strings"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// nameIngress is the Ingress's Object.
const nameIngress frsc.Name = "ingress"

// ingressReady is provider-kubernetes' readiness of the Ingress: the shared
// load balancer has taken its rules and published its address.
const ingressReady = "has(object.status) && has(object.status.loadBalancer) && has(object.status.loadBalancer.ingress) && size(object.status.loadBalancer.ingress) > 0"

// Load balancer controller annotations of the tenant's Ingress. EKS Auto
// Mode supports both: the EKS user guide ("Create an IngressClass to
// configure an Application Load Balancer") lists the controller's Ingress
// annotations Auto Mode does not support, and neither is among them.
const (
	// annotationCertificateARN lists the certificates of the instance's
	// hosts: the platform's wildcard and, for hosts it does not cover, the
	// instance's own. In an IngressGroup the controller serves every
	// member's certificates on the shared HTTPS listener by SNI; the
	// platform sets none on its IngressClassParams, which would override
	// them all.
	annotationCertificateARN = "alb.ingress.kubernetes.io/certificate-arn"
	// annotationListenPorts puts the instance's rules on the HTTPS
	// listener only; the platform's anchor redirects HTTP to it.
	annotationListenPorts = "alb.ingress.kubernetes.io/listen-ports"
	listenHTTPS           = `[{"HTTPS":443}]`
)

// ingressObjects route the instance's hosts (LMS, Studio, MFEs, and
// Meilisearch, which browsers query for Studio's content search) from the
// platform's shared ALB to Tutor's caddy, which routes each host to its
// Service as it does with ENABLE_WEB_PROXY=false. certificateARNs lists the
// platform's wildcard and the instance's own certificate for the hosts the
// wildcard does not cover (dnsResources), when there are any.
//
// Only host rules, their listener and certificates: every ALB-wide setting
// is the platform's. Its IngressClassParams put the class in one group with
// target type ip (so no target-type annotation here); the anchor Ingress
// redirects HTTP and carries the WAF.
func ingressObjects(p *plan, labels map[string]string, class, providerConfig string, certificateARNs []string) ([]compose.Resource, error) {
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
	for _, h := range p.hosts() {
		rules = append(rules, networkingv1.IngressRule{
			Host:             h.FQDN,
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
	ing.Annotations = map[string]string{annotationListenPorts: listenHTTPS}
	if len(certificateARNs) > 0 {
		ing.Annotations[annotationCertificateARN] = strings.Join(certificateARNs, ",")
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
