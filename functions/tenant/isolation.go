package main

import (
	"fmt"
	"net"
	"slices"
	"strconv"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/errors"
	frsc "github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Names of the tenant's NetworkPolicy Objects.
const (
	nameNetworkPolicyDefaultDeny frsc.Name = "network-policy-default-deny"
	nameNetworkPolicyOpenEdX     frsc.Name = "network-policy-openedx"
	nameNetworkPolicyALBToCaddy  frsc.Name = "network-policy-alb-to-caddy"
)

// isolationNames are the NetworkPolicy Objects, which are composed or kept
// together: a default deny without its allowances would cut the site off.
var isolationNames = []frsc.Name{nameNetworkPolicyDefaultDeny, nameNetworkPolicyOpenEdX, nameNetworkPolicyALBToCaddy}

// Ports Open edX reaches outside its namespace whatever its platform. The
// data stores' and SMTP's ports are the platform's, from its status.
const (
	portDNS          = 53
	portHTTP         = 80
	portHTTPS        = 443
	anywhereIPv4     = "0.0.0.0/0"
	podIdentityAgent = "169.254.170.23/32"
)

// labelName is the label Tutor v21 gives each Deployment's pods: the
// Deployment's name.
const labelName = "app.kubernetes.io/name"

// network is what the tenant's NetworkPolicies take from its platform.
type network struct {
	// VPCCIDR holds the shared load balancer, the nodes, the pods and the
	// data stores.
	VPCCIDR string
	// DataStorePorts are the TCP ports of the platform's Aurora, Valkey and
	// MongoDB, and HTTPS for OpenSearch, sorted.
	DataStorePorts []int32
	// ExternalMongoDBPorts are the ports of a MongoDB the platform does not
	// manage (MongoDB Atlas, peered), which lies outside the VPC; empty
	// when the platform runs MongoDB itself.
	ExternalMongoDBPorts []int32
	// SMTPPort is where the platform's SMTP interface takes mail.
	SMTPPort int32
}

// platformNetwork reads what the NetworkPolicies need from the platform's
// status: nil until it has published its VPC's block, which is immutable,
// and the ports of its data stores and SMTP interface. The tenant assumes
// no port of its own.
func platformNetwork(platform string, s v1alpha1.XPlatformStatus) (*network, error) {
	if s.Network.VPCCIDR == "" || s.Database.Port == 0 || s.Cache.Port == 0 || len(s.MongoDB.Hosts) == 0 || s.Edge.SMTPPort == 0 {
		return nil, nil
	}
	ip, ipnet, err := net.ParseCIDR(s.Network.VPCCIDR)
	if err != nil || ip.To4() == nil {
		return nil, field.Invalid(field.NewPath("status", "network", "vpcCidr"), s.Network.VPCCIDR, fmt.Sprintf("XPlatform %q publishes a VPC block that is not an IPv4 CIDR", platform))
	}
	n := &network{}
	n.VPCCIDR = ipnet.String()

	// The XRD keeps published ports within 1-65535.
	n.SMTPPort = int32(s.Edge.SMTPPort)
	mongo, err := hostPorts(platform, s.MongoDB.Hosts)
	if err != nil {
		return nil, err
	}
	// OpenSearch answers on HTTPS in the VPC.
	n.DataStorePorts = sortedPorts(int32(s.Database.Port), int32(s.Cache.Port), portHTTPS)
	if s.MongoDB.External {
		n.ExternalMongoDBPorts = mongo
	} else {
		n.DataStorePorts = sortedPorts(append(n.DataStorePorts, mongo...)...)
	}
	return n, nil
}

// hostPorts are the distinct ports of the host:port pairs the platform
// publishes, every host with its port.
func hostPorts(platform string, hosts []string) ([]int32, error) {
	ports := make([]int32, 0, len(hosts))
	for i, h := range hosts {
		_, p, err := net.SplitHostPort(h)
		n, perr := strconv.ParseUint(p, 10, 16)
		if err != nil || perr != nil || n == 0 {
			return nil, field.Invalid(field.NewPath("status", "mongodb", "hosts").Index(i), h, fmt.Sprintf("XPlatform %q publishes a MongoDB host that is not host:port", platform))
		}
		ports = append(ports, int32(n))
	}
	return sortedPorts(ports...), nil
}

func sortedPorts(ports ...int32) []int32 {
	out := slices.Clone(ports)
	slices.Sort(out)
	return slices.Compact(out)
}

// isolationObjects isolate the instance's namespace: every pod is denied
// all traffic in both directions, then allowed exactly what Open edX
// needs. They take effect once the platform's cluster enforces network
// policies: EKS Auto Mode only does with the VPC CNI's network policy
// controller turned on (the amazon-vpc-cni ConfigMap in kube-system), which
// is the platform's to do.
//
// NetworkPolicies are additive: a pod selected by any policy accepts only
// what some policy allows. Rules here use no ipBlock "except", which the
// VPC CNI has been seen to apply across rules (a narrower except then
// blocks DNS that another rule allows).
func isolationObjects(p *plan, labels map[string]string, n *network, providerConfig string) ([]compose.Resource, error) {
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: p.Namespace, Labels: labels}
	}
	typeMeta := metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
	both := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	everyPod := metav1.LabelSelector{}

	// Every pod, both directions, nothing allowed.
	deny := &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta,
		ObjectMeta: meta("default-deny"),
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: everyPod, PolicyTypes: both},
	}

	egress := []networkingv1.NetworkPolicyEgressRule{
		// lms, cms, the workers, caddy, mfe and Tutor's jobs call each other
		// (and Meilisearch, when it runs in the namespace), through their
		// Services.
		{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}},
		// Cluster DNS, to any address. EKS Auto Mode answers DNS on each
		// node, not from CoreDNS pods in kube-system, so a kube-system pod
		// selector matches nothing there (aws/containers-roadmap#2552); and
		// the kube-dns ClusterIP lies in a service CIDR the platform neither
		// sets nor publishes. Port 53 to anywhere is the narrowest rule that
		// resolves names on every EKS cluster; it opens no more than the
		// HTTPS rule below already does. Narrow it to the cluster DNS
		// address once the platform publishes it.
		{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, portDNS), port(corev1.ProtocolTCP, portDNS)}},
		// The EKS Pod Identity agent on the node, where the AWS SDKs fetch
		// the credentials of the role bound to the ServiceAccount
		// (AWS_CONTAINER_CREDENTIALS_FULL_URI).
		{
			To:    []networkingv1.NetworkPolicyPeer{ipBlock(podIdentityAgent)},
			Ports: tcp(portHTTP),
		},
		// The data stores: Aurora MySQL, Valkey, MongoDB and OpenSearch
		// (HTTPS). They live in the private-db subnets, which the platform
		// publishes by id only, not by CIDR, so the destination is the VPC:
		// the narrowest block known here. Their security groups admit these
		// ports from the private-app subnets only, so the VPC block opens
		// nothing AWS would accept from elsewhere.
		{
			To:    []networkingv1.NetworkPolicyPeer{ipBlock(n.VPCCIDR)},
			Ports: tcp(n.DataStorePorts...),
		},
	}
	if len(n.ExternalMongoDBPorts) > 0 {
		// A MongoDB the platform does not run (Atlas, peered or not) is
		// outside the VPC, at addresses the platform does not know.
		egress = append(egress, networkingv1.NetworkPolicyEgressRule{
			To:    []networkingv1.NetworkPolicyPeer{ipBlock(anywhereIPv4)},
			Ports: tcp(n.ExternalMongoDBPorts...),
		})
	}
	// HTTPS anywhere: S3 and the other AWS APIs (through the gateway
	// endpoint or NAT), and the third-party services Open edX calls; and
	// the platform's SMTP interface (SES), at the port it publishes.
	egress = append(egress, networkingv1.NetworkPolicyEgressRule{
		To:    []networkingv1.NetworkPolicyPeer{ipBlock(anywhereIPv4)},
		Ports: tcp(portHTTPS, n.SMTPPort),
	})
	openedx := &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta,
		ObjectMeta: meta("allow-openedx"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: everyPod,
			PolicyTypes: both,
			// Only the namespace's own pods; learners come in through
			// caddy, below.
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}},
			}},
			Egress: egress,
		},
	}

	// The shared ALB sends learners to caddy's pods directly: its target
	// type is ip, so packets come from the load balancer's addresses in the
	// public subnets, not from a node or a Service. The platform does not
	// publish those subnets' CIDRs, so the source is the VPC's. That is
	// narrower than anywhere (peered networks stay out) and only opens port
	// 80 of caddy, which is what the load balancer reaches anyway; pods of
	// other namespaces could reach it too, without the WAF. Narrow it to
	// the public subnets once the platform publishes their CIDRs.
	alb := &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta,
		ObjectMeta: meta("allow-alb-to-caddy"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{labelName: deploymentCaddy}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{ipBlock(n.VPCCIDR)},
				Ports: tcp(portHTTP),
			}},
		},
	}

	rs := make([]compose.Resource, 0, len(isolationNames))
	for i, np := range []*networkingv1.NetworkPolicy{deny, openedx, alb} {
		obj, err := compose.KubernetesObject(np, providerConfig, kubev1alpha2.Readiness{})
		if err != nil {
			return nil, err
		}
		rs = append(rs, compose.Resource{Name: isolationNames[i], Object: obj})
	}
	return rs, nil
}

func ipBlock(cidr string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}}
}

func tcp(ports ...int32) []networkingv1.NetworkPolicyPort {
	out := make([]networkingv1.NetworkPolicyPort, 0, len(ports))
	for _, p := range ports {
		out = append(out, port(corev1.ProtocolTCP, p))
	}
	return out
}

func port(protocol corev1.Protocol, p int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: ptr.To(protocol), Port: ptr.To(intstr.FromInt32(p))}
}

// keptObjects are Objects that exist but can no longer be composed, because
// what they were composed from is unknown: their last manifest is kept as
// it is, on providerConfig. Objects that do not exist are not created.
func keptObjects(observed map[frsc.Name]frsc.ObservedComposed, names []frsc.Name, providerConfig string) ([]compose.Resource, error) {
	var rs []compose.Resource
	for _, name := range names {
		oc, ok := observed[name]
		if !ok || oc.Resource == nil {
			continue
		}
		m, err := oc.Resource.GetValue("spec.forProvider.manifest")
		if err != nil {
			return nil, errors.Wrapf(err, "cannot read the manifest of %q", name)
		}
		manifest, ok := m.(map[string]any)
		if !ok {
			return nil, errors.Errorf("the manifest of %q is a %T, not an object", name, m)
		}
		obj, err := compose.KubernetesObject(&unstructured.Unstructured{Object: manifest}, providerConfig, kubev1alpha2.Readiness{})
		if err != nil {
			return nil, err
		}
		rs = append(rs, compose.Resource{Name: name, Object: obj})
	}
	return rs, nil
}
