package main

import (
	stdcmp "cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

const bastionTestInstanceID = "i-0123456789abcdef0"

func bastionDisabled(xr *v1alpha1.XPlatform) { xr.Spec.Bastion.Enabled = ptr.To(false) }

func bastionWithSearch(xr *v1alpha1.XPlatform) { xr.Spec.Search.OpenSearch.Enabled = true }

// mustBastion composes the bastion, which never waits for anything.
func mustBastion(t *testing.T, p *plan) []compose.Resource {
	t.Helper()
	rs, missing, err := bastion(p, nil)
	if err != nil {
		t.Fatalf("bastion(...): unexpected error: %v", err)
	}
	if len(missing) != 0 {
		t.Fatalf("bastion(...): unexpected missing inputs: %v", missing)
	}
	objects(t, rs) // fails on a duplicate name
	return rs
}

func bastionNames(rs []compose.Resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, string(r.Name))
	}
	slices.Sort(out)
	return out
}

// wantBastionNames are written out independently of bastion.go.
// wantBastionNames are the bastion's resources with SSM's endpoints in
// zones; none without zones.
func wantBastionNames(zones []string, stores ...string) []string {
	out := []string{
		"security-group-bastion", "security-group-bastion-egress-https",
		"bastion-iam-role", "iam-attachment-bastion-AmazonSSMManagedInstanceCore",
		"bastion-instance-profile", "bastion-launch-template", "bastion-instance",
	}
	for _, s := range stores {
		out = append(out, "security-group-"+s+"-ingress-bastion")
		if s != "search" {
			out = append(out, "security-group-bastion-egress-"+s)
		}
	}
	if len(zones) > 0 {
		out = append(out, "security-group-vpc-endpoints", "security-group-vpc-endpoints-ingress-https")
	}
	for _, svc := range []string{"ssm", "ssmmessages", "ec2messages"} {
		if len(zones) == 0 {
			break
		}
		out = append(out, "vpc-endpoint-"+svc, "vpc-endpoint-"+svc+"-security-group")
		for _, z := range zones {
			out = append(out, "vpc-endpoint-"+svc+"-private-app-"+z)
		}
	}
	slices.Sort(out)
	return out
}

func TestBastionNames(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   []string
	}{
		"Disabled": {
			reason: "A platform without a bastion composes none of it, nor its endpoints and rules.",
			xr:     newXR(bastionDisabled),
		},
		"EnabledByDefault": {
			reason: "The bastion is on by default, with endpoints in every zone and access to the stores the platform composes.",
			xr:     newXR(),
			want:   wantBastionNames(testZones, "database", "cache", "mongodb"),
		},
		"SmallTwoZones": {
			reason: "Endpoints, when asked for, are in every zone the platform has, however many.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall), withZones("eu-west-1a", "eu-west-1b"), withSSMEndpoints(true)),
			want:   wantBastionNames([]string{"eu-west-1a", "eu-west-1b"}, "database", "cache", "mongodb"),
		},
		"SmallThroughTheNAT": {
			reason: "The small profile reaches SSM through its NAT gateway: no endpoint, no endpoints' security group.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall)),
			want:   wantBastionNames(nil, "database", "cache", "mongodb"),
		},
		"ProductionThroughTheNAT": {
			reason: "Production may do without the endpoints too.",
			xr:     newXR(withSSMEndpoints(false)),
			want:   wantBastionNames(nil, "database", "cache", "mongodb"),
		},
		"ExternalMongoDBWithSearch": {
			reason: "No rule for a MongoDB the platform does not compose; one for OpenSearch when it is enabled.",
			xr:     newXR(withExternalMongoDB(), bastionWithSearch),
			want:   wantBastionNames(testZones, "database", "cache", "search"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, missing, err := bastion(mustPlan(t, tc.xr), nil)
			if err != nil {
				t.Fatalf("%s\nbastion(...): unexpected error: %v", tc.reason, err)
			}
			objects(t, rs)
			var got []string
			if rs != nil {
				got = bastionNames(rs)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nbastion(...) names: -want, +got:\n%s", tc.reason, diff)
			}
			if len(missing) != 0 {
				t.Errorf("%s\nbastion(...) missing: want nothing, got %v", tc.reason, missing)
			}
		})
	}
}

// bastionRule is a security group rule in a comparable form.
type bastionRule struct {
	Group      string // role label of the group the rule belongs to
	Direction  string
	Port       float64
	CIDR       string
	Referenced string // role label of the referenced group
}

func bastionRules(t *testing.T, rs []compose.Resource) []bastionRule {
	t.Helper()
	var out []bastionRule
	role := func(s *xpv1.Selector) string {
		if s == nil {
			return ""
		}
		return s.MatchLabels[LabelRole]
	}
	for _, r := range ofType[*ec2v1beta1.SecurityGroupIngressRule](rs) {
		fp := r.Spec.ForProvider
		out = append(out, bastionRule{role(fp.SecurityGroupIDSelector), "ingress", *fp.FromPort, ptr.Deref(fp.CidrIPv4, ""), role(fp.ReferencedSecurityGroupIDSelector)})
		if *fp.FromPort != *fp.ToPort || *fp.IPProtocol != "tcp" {
			t.Errorf("rule %+v is not one TCP port", fp)
		}
	}
	for _, r := range ofType[*ec2v1beta1.SecurityGroupEgressRule](rs) {
		fp := r.Spec.ForProvider
		out = append(out, bastionRule{role(fp.SecurityGroupIDSelector), "egress", *fp.FromPort, ptr.Deref(fp.CidrIPv4, ""), role(fp.ReferencedSecurityGroupIDSelector)})
		if *fp.FromPort != *fp.ToPort || *fp.IPProtocol != "tcp" {
			t.Errorf("rule %+v is not one TCP port", fp)
		}
	}
	slices.SortFunc(out, func(a, b bastionRule) int {
		return stdcmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Direction, b.Direction),
			stdcmp.Compare(a.Port, b.Port), strings.Compare(a.CIDR, b.CIDR), strings.Compare(a.Referenced, b.Referenced))
	})
	return out
}

func TestBastionSecurityGroups(t *testing.T) {
	type rule = bastionRule
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		vpc    string
		want   []rule
	}{
		"Default": {
			reason: "The bastion has no ingress; it goes out to HTTPS anywhere and to the stores' ports in the VPC only. The endpoints admit HTTPS from the VPC only. Each store admits the bastion's group on its port.",
			xr:     newXR(),
			vpc:    "10.0.0.0/16",
		},
		"OtherVPC": {
			reason: "Rules follow the VPC's CIDR.",
			xr:     newXR(withVPCCIDR("10.20.0.0/20")),
			vpc:    "10.20.0.0/20",
		},
		"ExternalMongoDB": {
			reason: "Nothing to reach on 27017 when MongoDB is not the platform's.",
			xr:     newXR(withExternalMongoDB()),
			vpc:    "10.0.0.0/16",
			want: []rule{
				{Group: "sg-bastion", Direction: "egress", Port: 443, CIDR: "0.0.0.0/0"},
				{Group: "sg-bastion", Direction: "egress", Port: 3306, CIDR: "10.0.0.0/16"},
				{Group: "sg-bastion", Direction: "egress", Port: 6379, CIDR: "10.0.0.0/16"},
				{Group: "sg-cache", Direction: "ingress", Port: 6379, Referenced: "sg-bastion"},
				{Group: "sg-database", Direction: "ingress", Port: 3306, Referenced: "sg-bastion"},
				{Group: "sg-vpc-endpoints", Direction: "ingress", Port: 443, CIDR: "10.0.0.0/16"},
			},
		},
		"Search": {
			reason: "OpenSearch admits the bastion on 443, which the bastion's HTTPS egress already covers.",
			xr:     newXR(bastionWithSearch),
			vpc:    "10.0.0.0/16",
			want: []rule{
				{Group: "sg-bastion", Direction: "egress", Port: 443, CIDR: "0.0.0.0/0"},
				{Group: "sg-bastion", Direction: "egress", Port: 3306, CIDR: "10.0.0.0/16"},
				{Group: "sg-bastion", Direction: "egress", Port: 6379, CIDR: "10.0.0.0/16"},
				{Group: "sg-bastion", Direction: "egress", Port: 27017, CIDR: "10.0.0.0/16"},
				{Group: "sg-cache", Direction: "ingress", Port: 6379, Referenced: "sg-bastion"},
				{Group: "sg-database", Direction: "ingress", Port: 3306, Referenced: "sg-bastion"},
				{Group: "sg-mongodb", Direction: "ingress", Port: 27017, Referenced: "sg-bastion"},
				{Group: "sg-search", Direction: "ingress", Port: 443, Referenced: "sg-bastion"},
				{Group: "sg-vpc-endpoints", Direction: "ingress", Port: 443, CIDR: "10.0.0.0/16"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = []rule{
					{Group: "sg-bastion", Direction: "egress", Port: 443, CIDR: "0.0.0.0/0"},
					{Group: "sg-bastion", Direction: "egress", Port: 3306, CIDR: tc.vpc},
					{Group: "sg-bastion", Direction: "egress", Port: 6379, CIDR: tc.vpc},
					{Group: "sg-bastion", Direction: "egress", Port: 27017, CIDR: tc.vpc},
					{Group: "sg-cache", Direction: "ingress", Port: 6379, Referenced: "sg-bastion"},
					{Group: "sg-database", Direction: "ingress", Port: 3306, Referenced: "sg-bastion"},
					{Group: "sg-mongodb", Direction: "ingress", Port: 27017, Referenced: "sg-bastion"},
					{Group: "sg-vpc-endpoints", Direction: "ingress", Port: 443, CIDR: tc.vpc},
				}
			}
			rs := mustBastion(t, mustPlan(t, tc.xr))
			got := bastionRules(t, rs)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nsecurity group rules: -want, +got:\n%s", tc.reason, diff)
			}
			// Stated separately so that a wrong want cannot hide them.
			for _, r := range got {
				if r.Group == "sg-bastion" && r.Direction == "ingress" {
					t.Errorf("%s\nthe bastion's security group has an ingress rule: %+v", tc.reason, r)
				}
				if r.CIDR == "0.0.0.0/0" && (r.Group != "sg-bastion" || r.Direction != "egress" || r.Port != 443) {
					t.Errorf("%s\nonly the bastion's HTTPS egress may be open to 0.0.0.0/0: %+v", tc.reason, r)
				}
			}
			// Rules of the older kind would escape the checks above.
			if n := len(ofType[*ec2v1beta1.SecurityGroupRule](rs)); n != 0 {
				t.Errorf("%s\n%d rules are SecurityGroupRules, want none", tc.reason, n)
			}
		})
	}
}

// TestBastionDataTierAccess checks that the bastion's rules target security
// groups the data tier does compose, so that a renamed store cannot leave a
// rule selecting nothing.
func TestBastionDataTierAccess(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   map[string]float64
	}{
		"ManagedMongoDB": {
			reason: "Database, cache and MongoDB admit the bastion.",
			xr:     newXR(),
			want:   map[string]float64{"sg-database": 3306, "sg-cache": 6379, "sg-mongodb": 27017},
		},
		"ExternalMongoDB": {
			reason: "An external MongoDB has no security group of the platform's.",
			xr:     newXR(withExternalMongoDB()),
			want:   map[string]float64{"sg-database": 3306, "sg-cache": 6379},
		},
		"Search": {
			reason: "OpenSearch admits the bastion on HTTPS when enabled.",
			xr:     newXR(bastionWithSearch),
			want:   map[string]float64{"sg-database": 3306, "sg-cache": 6379, "sg-mongodb": 27017, "sg-search": 443},
		},
	}
	key := "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	observed := map[resource.Name]resource.ObservedComposed{
		nameDataKey: observedJSON(`{"apiVersion":"kms.aws.upbound.io/v1beta1","kind":"Key","metadata":{"name":"k"},"status":{"atProvider":{"arn":"` + key + `"}}}`),
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			data, _, err := dataTier(p, observed)
			if err != nil {
				t.Fatalf("dataTier(...): %v", err)
			}
			groups := map[string]bool{}
			for _, sg := range ofType[*ec2v1beta1.SecurityGroup](data) {
				groups[sg.Labels[LabelRole]] = true
			}
			got := map[string]float64{}
			for n, r := range ofType[*ec2v1beta1.SecurityGroupIngressRule](mustBastion(t, p)) {
				fp := r.Spec.ForProvider
				if fp.ReferencedSecurityGroupIDSelector == nil || fp.ReferencedSecurityGroupIDSelector.MatchLabels[LabelRole] != "sg-bastion" {
					continue
				}
				target := fp.SecurityGroupIDSelector.MatchLabels[LabelRole]
				got[target] = *fp.FromPort
				if !groups[target] {
					t.Errorf("%s\nrule %s targets group %q, which the data tier does not compose", tc.reason, n, target)
				}
				if !*fp.ReferencedSecurityGroupIDSelector.MatchControllerRef {
					t.Errorf("%s\nrule %s may select another composite's bastion", tc.reason, n)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nports the stores admit the bastion on: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// bastionLaunch is what the bastion launches with, in a comparable form.
type bastionLaunch struct {
	Image, InstanceType, TemplateVersion               string
	KeyPair                                            bool
	Tokens, Endpoint, InstanceTokens, InstanceEndpoint string
	HopLimit, InstanceHopLimit                         float64
	RootDevice, VolumeType, Encrypted, DeleteOnTerm    string
	VolumeKey                                          *xpv1.Selector
	PublicIP                                           string
	InterfaceSubnet, InterfaceGroup                    map[string]string
	InstanceSubnet, InstancePublicIP, UserData         bool
	LateInitialized                                    bool
	Profile                                            map[string]string
}

func TestBastionLaunch(t *testing.T) {
	want := func(instanceType string) bastionLaunch {
		return bastionLaunch{
			Image:           "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
			InstanceType:    instanceType,
			TemplateVersion: "$Default",
			Tokens:          "required", Endpoint: "enabled", HopLimit: 1,
			InstanceTokens: "required", InstanceEndpoint: "enabled", InstanceHopLimit: 1,
			RootDevice: "/dev/xvda", VolumeType: "gp3", Encrypted: "true", DeleteOnTerm: "true",
			VolumeKey:       dataKeySelector(),
			PublicIP:        "false",
			InterfaceSubnet: map[string]string{LabelTier: "private-app", LabelZone: "eu-west-1a"},
			InterfaceGroup:  map[string]string{LabelRole: "sg-bastion"},
			Profile:         map[string]string{LabelRole: "bastion"},
		}
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   bastionLaunch
	}{
		"Default": {
			reason: "AL2023 on Graviton, IMDSv2 with one hop, an encrypted gp3 root volume with the data key, no key pair, no public address, in the first zone's private-app subnet, without user data or late initialization.",
			xr:     newXR(),
			want:   want("t4g.nano"),
		},
		"InstanceType": {
			reason: "The instance type comes from the spec.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Bastion.InstanceType = "t4g.small" }),
			want:   want("t4g.small"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := mustBastion(t, mustPlan(t, tc.xr))
			lt := mustGet[*ec2v1beta1.LaunchTemplate](t, rs, "bastion-launch-template").Spec.ForProvider
			in := mustGet[*ec2v1beta1.Instance](t, rs, "bastion-instance")
			ip := in.Spec.ForProvider
			if len(lt.MetadataOptions) != 1 || len(lt.BlockDeviceMappings) != 1 || len(lt.BlockDeviceMappings[0].EBS) != 1 ||
				len(lt.NetworkInterfaces) != 1 || len(lt.IAMInstanceProfile) != 1 || len(ip.MetadataOptions) != 1 || len(ip.LaunchTemplate) != 1 {
				t.Fatalf("%s\nlaunch template or instance lacks a block: %+v\n%+v", tc.reason, lt, ip)
			}
			md, bd, ni, imd := lt.MetadataOptions[0], lt.BlockDeviceMappings[0], lt.NetworkInterfaces[0], ip.MetadataOptions[0]
			if *ip.LaunchTemplate[0].Name != *lt.Name {
				t.Errorf("%s\nthe instance launches from %q, not the bastion's template %q", tc.reason, *ip.LaunchTemplate[0].Name, *lt.Name)
			}
			got := bastionLaunch{
				Image:           *lt.ImageID,
				InstanceType:    *ip.InstanceType,
				TemplateVersion: *ip.LaunchTemplate[0].Version,
				KeyPair:         lt.KeyName != nil || ip.KeyName != nil,
				Tokens:          *md.HTTPTokens, Endpoint: *md.HTTPEndpoint, HopLimit: *md.HTTPPutResponseHopLimit,
				InstanceTokens: *imd.HTTPTokens, InstanceEndpoint: *imd.HTTPEndpoint, InstanceHopLimit: *imd.HTTPPutResponseHopLimit,
				RootDevice: *bd.DeviceName, VolumeType: *bd.EBS[0].VolumeType, Encrypted: *bd.EBS[0].Encrypted, DeleteOnTerm: *bd.EBS[0].DeleteOnTermination,
				VolumeKey:        bd.EBS[0].KMSKeyIDSelector,
				PublicIP:         ptr.Deref(ni.AssociatePublicIPAddress, ""),
				InterfaceSubnet:  ni.SubnetIDSelector.MatchLabels,
				InterfaceGroup:   ni.SecurityGroupSelector.MatchLabels,
				InstanceSubnet:   ip.SubnetID != nil || ip.SubnetIDSelector != nil,
				InstancePublicIP: ptr.Deref(ip.AssociatePublicIPAddress, false),
				UserData:         ip.UserData != nil || in.Spec.InitProvider.UserData != nil || lt.UserData != nil,
				LateInitialized:  in.Spec.ManagementPolicies == nil || slices.Contains(in.Spec.ManagementPolicies, xpv1.ManagementActionLateInitialize) || slices.Contains(in.Spec.ManagementPolicies, xpv1.ManagementActionAll),
				Profile:          lt.IAMInstanceProfile[0].NameSelector.MatchLabels,
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nlaunch settings: -want, +got:\n%s", tc.reason, diff)
			}
			if lt.UpdateDefaultVersion != nil && *lt.UpdateDefaultVersion {
				t.Errorf("%s\nthe template moves its default version: a change would replace the bastion", tc.reason)
			}
			if lt.VPCSecurityGroupIds != nil || lt.VPCSecurityGroupIDSelector != nil || ip.VPCSecurityGroupIDSelector != nil {
				t.Errorf("%s\nsecurity groups outside the template's network interface conflict with it", tc.reason)
			}
		})
	}
}

// bastionTrust is a trust policy in the form role() writes it.
type bastionTrust struct {
	Statement []struct {
		Effect    string
		Principal map[string]string
		Action    []string
	}
}

func TestBastionIAM(t *testing.T) {
	cases := map[string]struct {
		reason      string
		xr          *v1alpha1.XPlatform
		wantPolicy  []string
		wantProfile string
	}{
		"Commercial": {
			reason:      "The role is EC2's, with only the SSM managed instance policy: no policy of its own.",
			xr:          newXR(),
			wantPolicy:  []string{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"},
			wantProfile: "prod-bastion",
		},
		"GovCloud": {
			reason:      "The managed policy's ARN is in the platform's partition.",
			xr:          newXR(withRegion("us-gov-west-1")),
			wantPolicy:  []string{"arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore"},
			wantProfile: "prod-bastion",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := mustBastion(t, mustPlan(t, tc.xr))
			var trust bastionTrust
			if err := json.Unmarshal([]byte(*mustGet[*iamv1beta1.Role](t, rs, "bastion-iam-role").Spec.ForProvider.AssumeRolePolicy), &trust); err != nil {
				t.Fatalf("%s\ntrust policy: %v", tc.reason, err)
			}
			if len(trust.Statement) != 1 || trust.Statement[0].Effect != "Allow" ||
				!cmp.Equal(trust.Statement[0].Principal, map[string]string{"Service": "ec2.amazonaws.com"}) ||
				!cmp.Equal(trust.Statement[0].Action, []string{"sts:AssumeRole"}) {
				t.Errorf("%s\ntrust policy: want EC2 alone to assume the role, got %+v", tc.reason, trust)
			}
			var got []string
			for n, a := range ofType[*iamv1beta1.RolePolicyAttachment](rs) {
				got = append(got, *a.Spec.ForProvider.PolicyArn)
				if diff := cmp.Diff(map[string]string{LabelRole: "bastion"}, a.Spec.ForProvider.RoleSelector.MatchLabels); diff != "" {
					t.Errorf("%s\n%s attaches to another role: -want, +got:\n%s", tc.reason, n, diff)
				}
			}
			if diff := cmp.Diff(tc.wantPolicy, got); diff != "" {
				t.Errorf("%s\nattached policies: -want, +got:\n%s", tc.reason, diff)
			}
			if n := len(ofType[*iamv1beta1.Policy](rs)) + len(ofType[*iamv1beta1.RolePolicy](rs)); n != 0 {
				t.Errorf("%s\nthe bastion has %d policies of its own, want none", tc.reason, n)
			}
			ip := mustGet[*iamv1beta1.InstanceProfile](t, rs, "bastion-instance-profile")
			if diff := cmp.Diff(tc.wantProfile, ip.Annotations[compose.AnnotationExternalName]); diff != "" {
				t.Errorf("%s\ninstance profile name: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(map[string]string{LabelRole: "bastion"}, ip.Spec.ForProvider.RoleSelector.MatchLabels); diff != "" {
				t.Errorf("%s\ninstance profile role: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBastionEndpoints(t *testing.T) {
	type endpoint struct {
		Service, Type string
		PrivateDNS    bool
		Zones         []string
		Group         string
		Replaces      bool
	}
	want := func(region string, zones ...string) map[string]endpoint {
		out := map[string]endpoint{}
		for _, s := range []string{"ssm", "ssmmessages", "ec2messages"} {
			out["vpc-endpoint-"+s] = endpoint{Service: "com.amazonaws." + region + "." + s, Type: "Interface", PrivateDNS: true, Zones: zones, Group: "sg-vpc-endpoints", Replaces: true}
		}
		return out
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   map[string]endpoint
	}{
		"ThreeZones": {
			reason: "Each SSM endpoint has an interface in the private-app subnet of every zone, private DNS, and only the endpoints' group.",
			xr:     newXR(),
			want:   want("eu-west-1", testZones...),
		},
		"TwoZones": {
			reason: "A two-zone platform's endpoints are in its two zones.",
			xr:     newXR(withRegion("us-east-1", "us-east-1d", "us-east-1f"), withProfile(v1alpha1.ProfileSmall), withSSMEndpoints(true)),
			want:   want("us-east-1", "us-east-1d", "us-east-1f"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := mustBastion(t, mustPlan(t, tc.xr))
			got := map[string]endpoint{}
			for n, e := range ofType[*ec2v1beta1.VPCEndpoint](rs) {
				fp := e.Spec.ForProvider
				ep := endpoint{Service: *fp.ServiceName, Type: *fp.VPCEndpointType, PrivateDNS: *fp.PrivateDNSEnabled}
				role := e.Labels[LabelRole]
				for _, a := range ofType[*ec2v1beta1.VPCEndpointSubnetAssociation](rs) {
					if a.Spec.ForProvider.VPCEndpointIDSelector.MatchLabels[LabelRole] != role {
						continue
					}
					sel := a.Spec.ForProvider.SubnetIDSelector.MatchLabels
					if sel[LabelTier] != "private-app" {
						t.Errorf("%s\n%s has an interface in a %q subnet", tc.reason, n, sel[LabelTier])
					}
					ep.Zones = append(ep.Zones, sel[LabelZone])
				}
				for _, a := range ofType[*ec2v1beta1.VPCEndpointSecurityGroupAssociation](rs) {
					if a.Spec.ForProvider.VPCEndpointIDSelector.MatchLabels[LabelRole] != role {
						continue
					}
					if ep.Group != "" {
						t.Errorf("%s\n%s has more than one security group", tc.reason, n)
					}
					ep.Group = a.Spec.ForProvider.SecurityGroupIDSelector.MatchLabels[LabelRole]
					ep.Replaces = ptr.Deref(a.Spec.ForProvider.ReplaceDefaultAssociation, false)
				}
				slices.Sort(ep.Zones)
				got[string(n)] = ep
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nendpoints: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBastionStatus(t *testing.T) {
	instance := observedJSON(`{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"Instance","metadata":{"name":"b"},"status":{"atProvider":{"id":"` + bastionTestInstanceID + `"}}}`)
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		want     string
	}{
		"NotCreated": {
			reason: "No instance id before AWS has created the instance.",
			xr:     newXR(),
		},
		"Created": {
			reason:   "The instance id is the Session Manager target.",
			xr:       newXR(),
			observed: map[resource.Name]resource.ObservedComposed{"bastion-instance": instance},
			want:     bastionTestInstanceID,
		},
		"Disabled": {
			reason:   "A disabled bastion being deleted is no target.",
			xr:       newXR(bastionDisabled),
			observed: map[resource.Name]resource.ObservedComposed{"bastion-instance": instance},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, bastionStatus(mustPlan(t, tc.xr), tc.observed)); diff != "" {
				t.Errorf("%s\nbastionStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBastionTags(t *testing.T) {
	rs := mustBastion(t, mustPlan(t, newXR(bastionWithSearch)))
	checkEdgeAccessTags(t, "Every taggable bastion resource carries the platform's tags.", testName, rs)
	checkEdgeAccessComposable(t, rs)
}

// checkEdgeAccessComposable fails unless every resource converts to a
// composed resource of a kind the function's scheme knows, at the version
// its CRD stores.
func checkEdgeAccessComposable(t *testing.T, rs []compose.Resource) {
	t.Helper()
	d := &compose.Desired{Resources: map[resource.Name]*resource.DesiredComposed{}}
	if err := d.AddAll(rs...); err != nil {
		t.Fatalf("AddAll(...): %v", err)
	}
	for n, r := range d.Resources {
		if r.Resource.GetAPIVersion() == "" || r.Resource.GetKind() == "" || !strings.HasSuffix(r.Resource.GetAPIVersion(), "/v1beta1") {
			t.Errorf("%s composes as %q %q, want a v1beta1 kind", n, r.Resource.GetAPIVersion(), r.Resource.GetKind())
		}
	}
}

// checkEdgeAccessTags fails unless every resource whose parameters have
// tags carries the platform's cost-allocation tags and a Name, and unless
// every launch template tags what it launches likewise.
func checkEdgeAccessTags(t *testing.T, reason, platform string, rs []compose.Resource) {
	t.Helper()
	want := map[string]string{"managed-by": "crossplane", "app": "openedx", "platform": platform, "cost-center": testCostCenter}
	check := func(n resource.Name, what string, tags map[string]*string) {
		got := deref(tags)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s\n%s %s: tag %q is %q, want %q", reason, n, what, k, got[k], v)
			}
		}
		if got["Name"] == "" {
			t.Errorf("%s\n%s %s: no Name tag", reason, n, what)
		}
	}
	tagged := 0
	for _, r := range rs {
		fp := reflect.ValueOf(r.Object).Elem().FieldByName("Spec").FieldByName("ForProvider")
		f := fp.FieldByName("Tags")
		if !f.IsValid() {
			continue
		}
		tagged++
		check(r.Name, "tags", f.Interface().(map[string]*string))
		if lt, ok := r.Object.(*ec2v1beta1.LaunchTemplate); ok {
			for _, ts := range lt.Spec.ForProvider.TagSpecifications {
				check(r.Name, "tag specification "+*ts.ResourceType, ts.Tags)
			}
		}
	}
	if tagged == 0 {
		t.Errorf("%s\nno taggable resource was checked", reason)
	}
}
