package main

import (
	"encoding/json"
	"strings"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

// demoLabels are the labels of the demo tenant's objects on platform prod.
const demoLabels = `{
	"app.kubernetes.io/instance": "demo",
	"app.kubernetes.io/managed-by": "crossplane",
	"app.kubernetes.io/part-of": "openedx",
	"platform.openedx.cloud/cost-center": "learning-platform",
	"platform.openedx.cloud/platform": "prod",
	"platform.openedx.cloud/tenant": "demo"
}`

// publishPorts sets what the platform function publishes from the start
// for tenants to connect to: the data stores' ports, its members' hosts
// and the SES SMTP interface of eu-west-1.
func publishPorts(s *v1alpha1.XPlatformStatus) {
	s.Database.Port, s.Cache.Port = 3306, 6379
	s.MongoDB.Hosts = []string{"mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal:27017", "mongodb-2.prod.openedx.internal:27017"}
	s.Edge.SMTPHost, s.Edge.SMTPPort = "email-smtp.eu-west-1.amazonaws.com", 587
}

func TestPlatformNetwork(t *testing.T) {
	// platform is a converged platform's status, as the platform function
	// publishes it, changed by mod.
	platform := func(mod func(*v1alpha1.XPlatformStatus)) v1alpha1.XPlatformStatus {
		s := v1alpha1.XPlatformStatus{Network: v1alpha1.NetworkStatus{VPCCIDR: "10.0.0.0/16"}}
		publishPorts(&s)
		mod(&s)
		return s
	}
	cases := map[string]struct {
		reason string
		status v1alpha1.XPlatformStatus
		want   *network
		err    string // what the error says, when there is one
	}{
		"VPCNotPublished": {
			reason: "A platform that has not published its VPC's block (status.network.vpcCidr) gives no network, even with one in its spec: the existing policies are kept until it does.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Network.VPCCIDR = "" }),
			want:   nil,
		},
		"DatabasePortNotPublished": {
			reason: "The tenant assumes no port: without the database's, there is no network yet.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Database.Port = 0 }),
			want:   nil,
		},
		"CachePortNotPublished": {
			reason: "The tenant assumes no port: without the cache's, there is no network yet.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Cache.Port = 0 }),
			want:   nil,
		},
		"MongoDBHostsNotPublished": {
			reason: "The tenant assumes no port: without MongoDB's hosts, there is no network yet.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.MongoDB.Hosts = nil }),
			want:   nil,
		},
		"SMTPPortNotPublished": {
			reason: "The tenant assumes no port: without the SMTP interface's, there is no network yet.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Edge.SMTPPort = 0 }),
			want:   nil,
		},
		"ConvergedPlatform": {
			reason: "A converged platform's VPC CIDR and published ports: the three MongoDB members' port appears once.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Network.VPCCIDR = "10.40.0.0/16" }),
			want:   &network{VPCCIDR: "10.40.0.0/16", DataStorePorts: []int32{443, 3306, 6379, 27017}, SMTPPort: 587},
		},
		"PublishedPortsWin": {
			reason: "Ports the platform publishes are used as published, not the engines' defaults.",
			status: platform(func(s *v1alpha1.XPlatformStatus) {
				s.Network.VPCCIDR = "10.20.0.0/20"
				s.Database.Port, s.Cache.Port, s.Edge.SMTPPort = 3307, 6380, 2587
				s.MongoDB.Hosts = []string{"m0:27018", "m1:27019"}
			}),
			want: &network{VPCCIDR: "10.20.0.0/20", DataStorePorts: []int32{443, 3307, 6380, 27018, 27019}, SMTPPort: 2587},
		},
		"ExternalMongoDB": {
			reason: "An external MongoDB (Atlas) is outside the VPC: its ports leave the VPC rule and get one of their own.",
			status: platform(func(s *v1alpha1.XPlatformStatus) {
				s.MongoDB.External = true
				s.MongoDB.Hosts = []string{"a.mongodb.net:27017", "b.mongodb.net:27017", "c.mongodb.net:27016"}
			}),
			want: &network{VPCCIDR: "10.0.0.0/16", DataStorePorts: []int32{443, 3306, 6379}, ExternalMongoDBPorts: []int32{27016, 27017}, SMTPPort: 587},
		},
		"MongoDBHostWithoutPort": {
			reason: "The platform publishes every host with its port: a host without one is an error naming the platform's field, not a default.",
			status: platform(func(s *v1alpha1.XPlatformStatus) {
				s.MongoDB.External = true
				s.MongoDB.Hosts = []string{"a.mongodb.net:27017", "b.mongodb.net"}
			}),
			err: `status.mongodb.hosts[1]: Invalid value: "b.mongodb.net": XPlatform "prod" publishes a MongoDB host that is not host:port`,
		},
		"HostBitsMasked": {
			reason: "A CIDR with host bits set is written as its network.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Network.VPCCIDR = "10.0.3.0/16" }),
			want:   &network{VPCCIDR: "10.0.0.0/16", DataStorePorts: []int32{443, 3306, 6379, 27017}, SMTPPort: 587},
		},
		"NotACIDR": {
			reason: "An address is not a CIDR: the error names the platform and its field.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Network.VPCCIDR = "10.0.0.0" }),
			err:    `status.network.vpcCidr: Invalid value: "10.0.0.0": XPlatform "prod" publishes a VPC block that is not an IPv4 CIDR`,
		},
		"IPv6": {
			reason: "The platform is IPv4: an IPv6 block is refused.",
			status: platform(func(s *v1alpha1.XPlatformStatus) { s.Network.VPCCIDR = "fd00::/56" }),
			err:    `status.network.vpcCidr: Invalid value: "fd00::/56": XPlatform "prod" publishes a VPC block that is not an IPv4 CIDR`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := platformNetwork("prod", tc.status)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nplatformNetwork(...): -want, +got:\n%s", tc.reason, diff)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.err {
				t.Errorf("%s\nplatformNetwork(...): error %q, want %q", tc.reason, gotErr, tc.err)
			}
		})
	}
}

// wantDefaultDeny is the default-deny policy of the demo tenant.
const wantDefaultDeny = `{
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": {"name": "default-deny", "namespace": "openedx-demo", "labels": ` + demoLabels + `},
	"spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
}`

// wantAllowOpenEdX is the demo tenant's allowances for every pod on a
// platform whose VPC is cidr, with egressRules spliced in after the data
// stores' rule (an external MongoDB's).
func wantAllowOpenEdX(cidr, dataStorePorts, extraRules string) string {
	return `{
		"apiVersion": "networking.k8s.io/v1",
		"kind": "NetworkPolicy",
		"metadata": {"name": "allow-openedx", "namespace": "openedx-demo", "labels": ` + demoLabels + `},
		"spec": {
			"podSelector": {},
			"policyTypes": ["Ingress", "Egress"],
			"ingress": [{"from": [{"podSelector": {}}]}],
			"egress": [
				{"to": [{"podSelector": {}}]},
				{"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
				{"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]},
				{"to": [{"ipBlock": {"cidr": "` + cidr + `"}}], "ports": ` + dataStorePorts + `},
				` + extraRules + `
				{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 587}]}
			]
		}
	}`
}

// wantALBToCaddy lets the shared ALB reach caddy from the VPC's addresses.
func wantALBToCaddy(cidr string) string {
	return `{
		"apiVersion": "networking.k8s.io/v1",
		"kind": "NetworkPolicy",
		"metadata": {"name": "allow-alb-to-caddy", "namespace": "openedx-demo", "labels": ` + demoLabels + `},
		"spec": {
			"podSelector": {"matchLabels": {"app.kubernetes.io/name": "caddy"}},
			"policyTypes": ["Ingress"],
			"ingress": [{"from": [{"ipBlock": {"cidr": "` + cidr + `"}}], "ports": [{"protocol": "TCP", "port": 80}]}]
		}
	}`
}

const platformDataStorePorts = `[{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 3306}, {"protocol": "TCP", "port": 6379}, {"protocol": "TCP", "port": 27017}]`

func TestIsolationObjects(t *testing.T) {
	cases := map[string]struct {
		reason string
		n      *network
		want   []wantObject
	}{
		"PlatformMongoDB": {
			reason: "Deny everything for every pod, then allow: the namespace's own pods both ways; DNS; the Pod Identity agent; the data stores' ports in the VPC; HTTPS and SMTP submission anywhere; and port 80 of caddy from the VPC, where the ALB is.",
			n:      &network{VPCCIDR: "10.0.0.0/16", DataStorePorts: []int32{443, 3306, 6379, 27017}, SMTPPort: 587},
			want: []wantObject{
				{name: "network-policy-default-deny", manifest: wantDefaultDeny},
				{name: "network-policy-openedx", manifest: wantAllowOpenEdX("10.0.0.0/16", platformDataStorePorts, "")},
				{name: "network-policy-alb-to-caddy", manifest: wantALBToCaddy("10.0.0.0/16")},
			},
		},
		"ExternalMongoDB": {
			reason: "The VPC CIDR is the platform's; an external MongoDB's ports are allowed anywhere, and not in the VPC rule.",
			n:      &network{VPCCIDR: "10.40.0.0/16", DataStorePorts: []int32{443, 3306, 6379}, ExternalMongoDBPorts: []int32{27016, 27017}, SMTPPort: 587},
			want: []wantObject{
				{name: "network-policy-default-deny", manifest: wantDefaultDeny},
				{name: "network-policy-openedx", manifest: wantAllowOpenEdX("10.40.0.0/16",
					`[{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 3306}, {"protocol": "TCP", "port": 6379}]`,
					`{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 27016}, {"protocol": "TCP", "port": 27017}]},`)},
				{name: "network-policy-alb-to-caddy", manifest: wantALBToCaddy("10.40.0.0/16")},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := defaultPlan()
			got, err := isolationObjects(p, p.labels("prod", "learning-platform"), tc.n, "prod")
			if err != nil {
				t.Fatalf("%s\nisolationObjects(...): unexpected error: %v", tc.reason, err)
			}
			assertObjects(t, tc.reason, "isolationObjects(...)", got, "prod", tc.want)
		})
	}
}

// TestIsolationHolds checks what the policies mean rather than how they are
// written, so that a later edit cannot open the namespace by accident.
func TestIsolationHolds(t *testing.T) {
	p := defaultPlan()
	n := &network{VPCCIDR: "10.0.0.0/16", DataStorePorts: []int32{443, 3306, 6379, 27017}, ExternalMongoDBPorts: []int32{27017}}
	rs, err := isolationObjects(p, p.labels("prod", "learning-platform"), n, "prod")
	if err != nil {
		t.Fatal(err)
	}
	policies := map[string]*networkingv1.NetworkPolicy{}
	for _, r := range rs {
		np := &networkingv1.NetworkPolicy{}
		if err := json.Unmarshal(r.Object.(*kubev1alpha2.Object).Spec.ForProvider.Manifest.Raw, np); err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		policies[np.Name] = np
	}

	deny := policies["default-deny"]
	if deny == nil {
		t.Fatal("no default-deny policy")
	}
	if len(deny.Spec.PodSelector.MatchLabels) != 0 || len(deny.Spec.PodSelector.MatchExpressions) != 0 {
		t.Errorf("default-deny selects %v, want every pod", deny.Spec.PodSelector)
	}
	if diff := cmp.Diff([]networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, deny.Spec.PolicyTypes); diff != "" {
		t.Errorf("default-deny must cover both directions: -want, +got:\n%s", diff)
	}
	if len(deny.Spec.Ingress) != 0 || len(deny.Spec.Egress) != 0 {
		t.Errorf("default-deny allows something: ingress %v, egress %v", deny.Spec.Ingress, deny.Spec.Egress)
	}

	for name, np := range policies {
		for _, r := range np.Spec.Ingress {
			for _, peer := range r.From {
				switch {
				case peer.NamespaceSelector != nil:
					t.Errorf("%s admits other namespaces: %v", name, peer.NamespaceSelector)
				case peer.IPBlock != nil:
					// Only the ALB's VPC, only to caddy, only on 80.
					if peer.IPBlock.CIDR != n.VPCCIDR || np.Spec.PodSelector.MatchLabels[labelName] != "caddy" ||
						len(r.Ports) != 1 || r.Ports[0].Port.IntValue() != 80 {
						t.Errorf("%s admits %s on %v to pods %v; only the VPC on 80 to caddy is allowed", name, peer.IPBlock.CIDR, r.Ports, np.Spec.PodSelector)
					}
				}
			}
		}
		for _, r := range np.Spec.Egress {
			sameNamespace := len(r.To) == 1 && r.To[0].PodSelector != nil && r.To[0].NamespaceSelector == nil && r.To[0].IPBlock == nil
			if len(r.Ports) == 0 && !sameNamespace {
				t.Errorf("%s allows every port to %v; only the namespace's own pods may be reached on any port", name, r.To)
			}
			for _, peer := range r.To {
				if peer.IPBlock != nil && len(peer.IPBlock.Except) > 0 {
					t.Errorf("%s uses ipBlock except %v, which the VPC CNI applies across rules", name, peer.IPBlock.Except)
				}
			}
		}
	}
}

func TestKeptObjects(t *testing.T) {
	manifest := map[string]any{
		"apiVersion": "networking.k8s.io/v1",
		"kind":       "NetworkPolicy",
		"metadata":   map[string]any{"name": "allow-alb-to-caddy", "namespace": "openedx-demo"},
		"spec":       map[string]any{"podSelector": map[string]any{}, "ingress": []any{map[string]any{"from": []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.9.0.0/16"}}}}}},
	}
	observed := map[frsc.Name]frsc.ObservedComposed{
		nameNetworkPolicyALBToCaddy: {Resource: observedObject(t, manifest, "old-config")},
	}
	got, err := keptObjects(observed, isolationNames, "prod")
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	reason := "Only the Object that exists is kept, with its manifest exactly as it was, on the placement's provider config; the others are not created."
	assertObjects(t, reason, "keptObjects(...)", got, "prod", []wantObject{{name: nameNetworkPolicyALBToCaddy, manifest: string(want)}})

	if _, err := keptObjects(map[frsc.Name]frsc.ObservedComposed{
		nameNetworkPolicyDefaultDeny: {Resource: observedObject(t, "not an object", "prod")},
	}, isolationNames, "prod"); err == nil || !strings.Contains(err.Error(), string(nameNetworkPolicyDefaultDeny)) {
		t.Errorf("a manifest that is not an object: error %v, want one naming %q", err, nameNetworkPolicyDefaultDeny)
	}
}

// observedObject is a provider-kubernetes Object as Crossplane observes it.
func observedObject(t *testing.T, manifest any, providerConfig string) *composed.Unstructured {
	t.Helper()
	return &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubernetes.crossplane.io/v1alpha2",
		"kind":       "Object",
		"spec": map[string]any{
			"forProvider":       map[string]any{"manifest": manifest},
			"providerConfigRef": map[string]any{"name": providerConfig},
		},
	}}}
}

// The NetworkPolicies in the cases of TestRunFunction.
var _ = registerObjects(map[string]objectFixture{
	"network-policy-default-deny": func(objects) (string, string) { return wantDefaultDeny, "" },
	"network-policy-openedx": func(o objects) (string, string) {
		if o.externalMongoDB {
			return wantAllowOpenEdX(o.vpcCIDR, `[{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 3306}, {"protocol": "TCP", "port": 6379}]`,
				`{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 27017}]},`), ""
		}
		return wantAllowOpenEdX(o.vpcCIDR, platformDataStorePorts, ""), ""
	},
	"network-policy-alb-to-caddy": func(o objects) (string, string) { return wantALBToCaddy(o.vpcCIDR), "" },
})
