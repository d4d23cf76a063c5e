package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/acmdns"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenantnames"
)

// The platform's ingress: one internet-facing Application Load Balancer
// that EKS Auto Mode creates and every tenant shares, behind a regional
// WAF web ACL.

// Names of the ingress resources.
const (
	nameWebACL             resource.Name = "waf-web-acl"
	nameWAFLogGroup        resource.Name = "log-group-waf"
	nameWAFLogging         resource.Name = "waf-logging-configuration"
	nameEdgeNamespace      resource.Name = "kubernetes-namespace-edge"
	nameIngressClassParams resource.Name = "kubernetes-ingress-class-params"
	nameIngressClass       resource.Name = "kubernetes-ingress-class"
	nameEdgeIngress        resource.Name = "kubernetes-ingress-edge"
	// Usages that keep the cluster and its ClusterAuth until the anchor
	// Ingress is gone.
	nameEdgeUsageCluster     resource.Name = "usage-eks-cluster-by-kubernetes-ingress-edge"
	nameEdgeUsageClusterAuth resource.Name = "usage-eks-cluster-auth-by-kubernetes-ingress-edge"
)

// roleEdgeIngress labels the anchor Ingress's Object, for the usages'
// selectors.
const roleEdgeIngress = "edge-ingress"

// edgeNamespace is named as an instance's namespace would be, under a name
// instances may not take.
var edgeNamespace = tenantnames.Namespace(tenantnames.EdgeInstance)

// In-cluster names. Tenants' Ingresses join the shared load balancer with
// ingressClassName openedx.
const (
	ingressClassName   = "openedx"
	edgeIngressName    = "edge"
	autoModeController = "eks.amazonaws.com/alb"
	autoModeAPIGroup   = "eks.amazonaws.com"
	// albSSLPolicy accepts TLS 1.3 and 1.2 only, with forward secrecy.
	albSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	// notFoundAction is the anchor's default action: a request for a host
	// no tenant serves gets a 404 from the load balancer itself.
	notFoundAction = "response-404"
)

// Load balancer controller annotations on the anchor Ingress. Each is
// listed as supported by EKS Auto Mode in the EKS user guide ("Create an
// IngressClass to configure an Application Load Balancer", which lists the
// annotations Auto Mode does not support and says wafv2-acl-arn and
// ssl-redirect belong on Ingresses). Not verified against a live cluster:
// that Auto Mode honours actions.<name> fixed responses on a default
// backend, as the open-source controller does.
const (
	annotationListenPorts = "alb.ingress.kubernetes.io/listen-ports"
	annotationSSLRedirect = "alb.ingress.kubernetes.io/ssl-redirect"
	annotationWAFv2ACL    = "alb.ingress.kubernetes.io/wafv2-acl-arn"
	annotationTargetType  = "alb.ingress.kubernetes.io/target-type"
	annotationActions     = "alb.ingress.kubernetes.io/actions."
	// annotationCertificateARN, not the IngressClassParams' certificateARNs:
	// the load balancer controller ignores every Ingress's certificates
	// once the class sets some, and tenants add their own for hosts the
	// wildcard does not cover (studio.<lms>, apps.<lms>). The group's
	// HTTPS listener serves the union by SNI.
	annotationCertificateARN = "alb.ingress.kubernetes.io/certificate-arn"
)

// ingressGroupName groups the anchor and every tenant Ingress on one load
// balancer. Group names are lower-case DNS labels of at most 63
// characters; one platform owns the cluster, so it only has to be valid.
func (p *plan) ingressGroupName() string { return awsnames.DNSLabel.Name(p.Name) }

// ingress composes the web ACL, its logging, and, once the cluster is
// reachable, the in-cluster objects from which EKS Auto Mode makes the
// shared load balancer. missing names what some of them wait for.
func ingress(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	// Learners are served over HTTPS only, and a certificate needs the
	// domain: without one the platform has no Internet-facing entry at all.
	if p.Domain == "" {
		return nil, nil, nil
	}
	acl, err := webACL(p)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, acl)
	logs, m, err := wafLogs(p, regionalWAFLogs(p), observed)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, logs...)
	missing = append(missing, m...)

	account, err := platformAccount(p, observed)
	if err != nil {
		return nil, nil, err
	}
	albLogs, logBucket, err := albLogBucket(p, account, observed)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, albLogs...)
	if logBucket == "" {
		missing = append(missing, waitingForAccount(nameALBLogBucket))
	}

	if !clusterReachable(observed) {
		return rs, missing, nil
	}
	objs, m, err := edgeObjects(p, logBucket, observed)
	if err != nil {
		return nil, nil, err
	}
	return append(rs, objs...), append(missing, m...), nil
}

// edgeObjectNames are the in-cluster objects of the edge.
var edgeObjectNames = []resource.Name{nameEdgeNamespace, nameIngressClassParams, nameIngressClass, nameEdgeIngress}

// clusterReachable reports whether provider-kubernetes can act on the
// cluster, or did: objects that exist are never dropped.
func clusterReachable(observed map[resource.Name]resource.ObservedComposed) bool {
	if compose.IsReady(observed, nameClusterAuth) {
		return true
	}
	for _, n := range edgeObjectNames {
		if _, ok := observed[n]; ok {
			return true
		}
	}
	return false
}

// ingressClassParams is EKS Auto Mode's IngressClassParams
// (eks.amazonaws.com/v1), of which no Go types are published. Fields are
// those of the EKS user guide's IngressClassParams reference.
type ingressClassParams struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ingressClassParamsSpec `json:"spec"`
}

type ingressClassParamsSpec struct {
	Scheme     string       `json:"scheme"`
	Group      ingressGroup `json:"group"`
	SSLPolicy  string       `json:"sslPolicy,omitempty"`
	TargetType string       `json:"targetType,omitempty"`
	Tags       []albTag     `json:"tags,omitempty"`
	// LoadBalancerAttributes win over any Ingress's
	// load-balancer-attributes annotation, so tenants cannot turn them off.
	LoadBalancerAttributes []albAttribute `json:"loadBalancerAttributes,omitempty"`
}

// albAttribute is a load balancer attribute of the ELB API, such as
// access_logs.s3.enabled.
type albAttribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// albTag is a tag Auto Mode puts on the load balancer and what belongs to
// it.
type albTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type ingressGroup struct {
	Name string `json:"name"`
}

// DeepCopyObject lets ingressClassParams be a runtime.Object.
func (in *ingressClassParams) DeepCopyObject() runtime.Object {
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.Tags = slices.Clone(in.Spec.Tags)
	out.Spec.LoadBalancerAttributes = slices.Clone(in.Spec.LoadBalancerAttributes)
	return &out
}

// albListenPort is an entry of the listen-ports annotation, such as
// {"HTTPS": 443}.
type albListenPort map[string]int

// albAction is an action annotation of the load balancer controller.
type albAction struct {
	Type                string                  `json:"type"`
	FixedResponseConfig *albFixedResponseConfig `json:"fixedResponseConfig,omitempty"`
}

type albFixedResponseConfig struct {
	ContentType string `json:"contentType"`
	StatusCode  string `json:"statusCode"`
	MessageBody string `json:"messageBody,omitempty"`
}

// edgeLabels are on every in-cluster object of the edge.
func edgeLabels() map[string]string { return inClusterLabels("edge") }

// inClusterLabels are on every in-cluster object of a component of the
// platform.
func inClusterLabels(component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/part-of":    "openedx",
		"app.kubernetes.io/component":  component,
		"app.kubernetes.io/managed-by": "crossplane",
		LabelRole:                      component,
	}
}

// restrictedNamespace is a namespace whose pods must meet the restricted
// Pod Security Standard, which it also audits and warns about.
func restrictedNamespace(name string, labels map[string]string) *corev1.Namespace {
	ns := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: maps.Clone(labels)},
	}
	for _, mode := range []string{"enforce", "audit", "warn"} {
		ns.Labels["pod-security.kubernetes.io/"+mode] = "restricted"
	}
	return ns
}

// edgeObjects are what EKS Auto Mode makes the shared load balancer from:
// an IngressClass whose parameters put every Ingress of the class in one
// group, hence on one internet-facing ALB with the wildcard certificate,
// and an anchor Ingress that owns the ALB-wide settings (listeners, HTTPS
// redirect, WAF) so that they exist before any tenant joins.
//
// The class and the anchor are composed together, and only once the web
// ACL's ARN and the issued certificate are known: a tenant can never join a
// load balancer without its firewall. They also wait for the access-log
// bucket's policy to be Ready, since the load balancer cannot be created
// with logging to a bucket it may not write to.
func edgeObjects(p *plan, logBucket string, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	// Only an Ingress lives here, never a pod.
	ns := restrictedNamespace(edgeNamespace, edgeLabels())
	nsObj, err := compose.KubernetesObject(ns, p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{})
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, compose.Resource{Name: nameEdgeNamespace, Object: nsObj})

	certARN := acmdns.IssuedARN(observed, nameCertificate, nameCertificateValidation)
	if certARN == "" {
		certARN = compose.ObservedString(observed, nameEdgeIngress, "spec.forProvider.manifest.metadata.annotations["+annotationCertificateARN+"]")
	}
	aclARN := compose.ObservedString(observed, nameWebACL, "status.atProvider.arn")
	if aclARN == "" {
		aclARN = compose.ObservedString(observed, nameEdgeIngress, "spec.forProvider.manifest.metadata.annotations["+annotationWAFv2ACL+"]")
	}
	_, exists := observed[nameEdgeIngress]
	if certARN == "" && !exists {
		missing = append(missing, fmt.Sprintf("the issued ACM certificate %q", nameCertificate))
	}
	if aclARN == "" {
		missing = append(missing, fmt.Sprintf("the ARN of WAF web ACL %q", nameWebACL))
	}
	logAttrs, m := albLogging(logBucket, observed)
	missing = append(missing, m...)
	if len(missing) > 0 {
		return rs, missing, nil
	}

	params := &ingressClassParams{
		TypeMeta:   metav1.TypeMeta{APIVersion: autoModeAPIGroup + "/v1", Kind: "IngressClassParams"},
		ObjectMeta: metav1.ObjectMeta{Name: ingressClassName, Labels: edgeLabels()},
		Spec: ingressClassParamsSpec{
			Scheme: "internet-facing",
			Group:  ingressGroup{Name: p.ingressGroupName()},
			// Pods are targets directly: no NodePort hop, and targets
			// follow pods as Auto Mode consolidates nodes.
			TargetType: "ip",
		},
	}
	params.Spec.SSLPolicy = albSSLPolicy
	params.Spec.LoadBalancerAttributes = logAttrs
	// The platform's cost tags, so that the ALB is billed where the rest
	// is; the cluster role may tag only while creating.
	tags := p.tags(p.Name + "-alb")
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		params.Spec.Tags = append(params.Spec.Tags, albTag{Key: k, Value: *tags[k]})
	}

	class := &networkingv1.IngressClass{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
		ObjectMeta: metav1.ObjectMeta{Name: ingressClassName, Labels: edgeLabels()},
		Spec: networkingv1.IngressClassSpec{
			Controller: autoModeController,
			Parameters: &networkingv1.IngressClassParametersReference{
				APIGroup: ptr.To(autoModeAPIGroup),
				Kind:     "IngressClassParams",
				Name:     ingressClassName,
			},
		},
	}

	anchor, err := anchorIngress(p, aclARN, certARN)
	if err != nil {
		return nil, nil, err
	}

	for _, o := range []struct {
		name      resource.Name
		manifest  runtime.Object
		readiness kubev1alpha2.Readiness
		labels    map[string]string
	}{
		{nameIngressClassParams, params, kubev1alpha2.Readiness{}, nil},
		{nameIngressClass, class, kubev1alpha2.Readiness{}, nil},
		// The anchor is ready once Auto Mode has created the load
		// balancer and published its DNS name.
		{nameEdgeIngress, anchor, kubev1alpha2.Readiness{
			Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
			CelQuery: "has(object.status) && has(object.status.loadBalancer) && has(object.status.loadBalancer.ingress) && size(object.status.loadBalancer.ingress) > 0",
		}, map[string]string{LabelRole: roleEdgeIngress}},
	} {
		obj, err := compose.KubernetesObject(o.manifest, p.kubernetesProviderConfigName(), o.readiness)
		if err != nil {
			return nil, nil, err
		}
		obj.ObjectMeta = meta(o.labels)
		rs = append(rs, compose.Resource{Name: o.name, Object: obj})
	}
	return append(rs, edgeUsages()...), nil, nil
}

// albLogging is the load balancer's access logging once its bucket's policy
// is Ready, or as the IngressClassParams already have it. Class parameters
// that exist without it (made before access logs were) are kept and get it
// once the policy is Ready; new ones wait for it.
func albLogging(logBucket string, observed map[resource.Name]resource.ObservedComposed) ([]albAttribute, []string) {
	if logBucket != "" && compose.IsReady(observed, nameALBLogBucketPolicy) {
		return albLogAttributes(logBucket), nil
	}
	const attrs = "spec.forProvider.manifest.spec.loadBalancerAttributes"
	if compose.ObservedString(observed, nameIngressClassParams, attrs+"[0].key") == albAttrLogsEnabled {
		if b := compose.ObservedString(observed, nameIngressClassParams, attrs+"[1].value"); b != "" {
			return albLogAttributes(b), nil
		}
	}
	if _, exists := observed[nameIngressClassParams]; exists {
		return nil, nil
	}
	return nil, []string{fmt.Sprintf("the Ready bucket policy %q (for the load balancer's access logs)", nameALBLogBucketPolicy)}
}

// edgeUsages keep the cluster until the anchor Ingress is deleted. Auto
// Mode deletes the load balancer, its target groups and security groups
// when the Ingress goes; a cluster deleted first would leave them in the
// account, billed, with the WAF still attached. The ClusterAuth is kept
// too: provider-kubernetes deletes the Ingress with the kubeconfig it
// writes. Crossplane refuses to delete either while the anchor's Object
// exists, and deletes them again as soon as it is gone.
func edgeUsages() []compose.Resource {
	anchor := &compose.UsageResource{
		APIVersion: kubev1alpha2.SchemeGroupVersion.String(),
		Kind:       kubev1alpha2.ObjectKind,
		ResourceSelector: &compose.UsageResourceSelector{
			MatchControllerRef: ptr.To(true),
			MatchLabels:        map[string]string{LabelRole: roleEdgeIngress},
		},
	}
	var rs []compose.Resource
	for _, u := range []struct {
		name resource.Name
		kind string
		role string
	}{
		{nameEdgeUsageCluster, eksv1beta1.Cluster_Kind, "eks-cluster"},
		{nameEdgeUsageClusterAuth, eksv1beta1.ClusterAuth_Kind, roleClusterAuth},
	} {
		rs = append(rs, compose.Resource{Name: u.name, Object: &compose.ClusterUsage{
			Spec: compose.ClusterUsageSpec{
				Of: compose.UsageResource{
					APIVersion: eksv1beta1.CRDGroupVersion.String(),
					Kind:       u.kind,
					ResourceSelector: &compose.UsageResourceSelector{
						MatchControllerRef: ptr.To(true),
						MatchLabels:        map[string]string{LabelRole: u.role},
					},
				},
				By:             anchor,
				ReplayDeletion: ptr.To(true),
			},
		}})
	}
	return rs
}

// anchorIngress holds the load balancer's settings and routes nothing: a
// request for a host no tenant serves gets a fixed 404.
func anchorIngress(p *plan, aclARN, certARN string) (*networkingv1.Ingress, error) {
	listen, err := json.Marshal([]albListenPort{{"HTTP": 80}, {"HTTPS": 443}})
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the listen ports")
	}
	notFound, err := json.Marshal(albAction{
		Type:                "fixed-response",
		FixedResponseConfig: &albFixedResponseConfig{ContentType: "text/plain", StatusCode: "404", MessageBody: "Not found"},
	})
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the default action")
	}
	annotations := map[string]string{
		annotationListenPorts:              string(listen),
		annotationCertificateARN:           certARN,
		annotationWAFv2ACL:                 aclARN,
		annotationTargetType:               "ip",
		annotationActions + notFoundAction: string(notFound),
		// Every HTTP request is redirected to HTTPS, tenants' included.
		annotationSSLRedirect: "443",
	}
	return &networkingv1.Ingress{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        edgeIngressName,
			Namespace:   edgeNamespace,
			Labels:      edgeLabels(),
			Annotations: annotations,
		},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To(ingressClassName),
			DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: notFoundAction,
				Port: networkingv1.ServiceBackendPort{Name: "use-annotation"},
			}},
		},
	}, nil
}

// ingressStatus publishes the web ACL and, once the anchor's load balancer
// exists, the class tenants' Ingresses join it with.
func ingressStatus(_ *plan, observed map[resource.Name]resource.ObservedComposed, s *v1alpha1.EdgeStatus) {
	s.WebACLARN = compose.ObservedString(observed, nameWebACL, "status.atProvider.arn")
	if compose.IsReady(observed, nameEdgeIngress) {
		s.IngressClassName = ingressClassName
	}
	s.LoadBalancerHostname = compose.ObservedString(observed, nameEdgeIngress, "status.atProvider.manifest.status.loadBalancer.ingress[0].hostname")
}
