package main

import (
	"github.com/openedx-cloud/platform-aws/internal/awsiam"

	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

const (
	mongoKeyARN       = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	mongoAdminARN     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-admin-AbCdEf"
	mongoCAARN        = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-ca-GhIjKl"
	mongoExternalARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:atlas-admin-XyZ123"
	mongoMissingKey   = `the ARN of KMS key "kms-key-data"`
	mongoUserDataMax  = 16 * 1024 // EC2's limit on user data before base64
	mongoSmallZoneOne = "eu-west-1a"
)

func withExternalMongoDB() func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) {
		xr.Spec.MongoDB.External = &v1alpha1.ExternalMongoDB{
			Hosts:          []string{"atlas-0.example.net:27017", "atlas-1.example.net:27017", "atlas-2.example.net:27017"},
			ReplicaSet:     "atlas-rs",
			AdminSecretARN: mongoExternalARN,
		}
	}
}

// mongoSmall is a small platform in two zones.
func mongoSmall() *v1alpha1.XPlatform {
	return newXR(withProfile(v1alpha1.ProfileSmall), withZones(mongoSmallZoneOne, "eu-west-1b"))
}

// mustMongoDB composes a managed MongoDB with the data key known.
func mustMongoDB(t *testing.T, p *plan) []compose.Resource {
	t.Helper()
	rs, missing, err := mongodb(p, mongoKeyARN)
	if err != nil {
		t.Fatalf("mongodb(...): unexpected error: %v", err)
	}
	if len(missing) != 0 {
		t.Fatalf("mongodb(...): unexpected missing inputs: %v", missing)
	}
	return rs
}

func mongoNames(rs []compose.Resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, string(r.Name))
	}
	slices.Sort(out)
	return out
}

// mongoAlwaysNames are composed whether or not the data key is known.
func mongoAlwaysNames(zones []string) []string {
	out := []string{
		"security-group-mongodb",
		"security-group-mongodb-ingress-self", "security-group-mongodb-egress-self", "security-group-mongodb-egress-https",
		"mongodb-iam-role", "iam-attachment-mongodb-AmazonSSMManagedInstanceCore",
		"mongodb-secret-keyfile", "mongodb-secret-admin", "mongodb-secret-ca-key", "mongodb-secret-ca",
		"mongodb-dns-zone", "mongodb-dns-record-0", "mongodb-dns-record-1", "mongodb-dns-record-2",
	}
	for _, z := range zones {
		out = append(out, "security-group-mongodb-ingress-"+z)
	}
	return out
}

// mongoKeyNames need the data key's ARN.
func mongoKeyNames(memberZones []string) []string {
	out := []string{"mongodb-iam-policy", "mongodb-iam-policy-attachment", "mongodb-instance-profile", "mongodb-launch-template"}
	for i, z := range memberZones {
		out = append(out, fmt.Sprintf("mongodb-%d-%s", i, z))
	}
	return out
}

func mongoSorted(ss ...[]string) []string {
	out := slices.Concat(ss...)
	slices.Sort(out)
	return out
}

func TestMongoDBExternal(t *testing.T) {
	p := mustPlan(t, newXR(withExternalMongoDB()))
	for _, key := range []string{"", mongoKeyARN, "not-an-arn"} {
		rs, missing, err := mongodb(p, key)
		if err != nil || len(rs) != 0 || len(missing) != 0 {
			t.Errorf("mongodb(external, %q): want nothing, got %d resources, missing %v, error %v", key, len(rs), missing, err)
		}
	}
	want := v1alpha1.MongoDBStatus{
		Hosts:          []string{"atlas-0.example.net:27017", "atlas-1.example.net:27017", "atlas-2.example.net:27017"},
		ReplicaSet:     "atlas-rs",
		AdminSecretARN: mongoExternalARN,
		External:       true,
		TLS:            true,
	}
	observed := map[resource.Name]resource.ObservedComposed{nameMongoDBAdminSecret: mongoObservedAdminSecret()}
	if diff := cmp.Diff(want, mongodbStatus(p, observed)); diff != "" {
		t.Errorf("mongodbStatus(external): status comes from the spec, not from AWS: -want, +got:\n%s", diff)
	}
	// Tenants take the hosts as published: a host without a port is
	// published on MongoDB's.
	ext := *p.MongoDB.External
	ext.Hosts = []string{"atlas-0.example.net", "atlas-1.example.net:27018"}
	p.MongoDB.External = &ext
	if diff := cmp.Diff([]string{"atlas-0.example.net:27017", "atlas-1.example.net:27018"}, mongodbStatus(p, observed).Hosts); diff != "" {
		t.Errorf("mongodbStatus(external): hosts: -want, +got:\n%s", diff)
	}
}

func TestMongoDBDataKey(t *testing.T) {
	cases := map[string]struct {
		reason      string
		xr          *v1alpha1.XPlatform
		key         string
		wantNames   []string
		wantMissing []string
	}{
		"ProductionWithoutKey": {
			reason:      "Without the data key's ARN the policy cannot name the account: the policy, the instance profile and what launches with them wait; the rest is composed.",
			xr:          newXR(),
			wantNames:   mongoSorted(mongoAlwaysNames(testZones)),
			wantMissing: []string{mongoMissingKey},
		},
		"ProductionWithKey": {
			reason:    "With the key everything is composed: three members, one per zone.",
			xr:        newXR(),
			key:       mongoKeyARN,
			wantNames: mongoSorted(mongoAlwaysNames(testZones), mongoKeyNames(testZones)),
		},
		"SmallTwoZonesWithKey": {
			reason:    "A two-zone platform still has three members: the third is in the first zone again.",
			xr:        mongoSmall(),
			key:       mongoKeyARN,
			wantNames: mongoSorted(mongoAlwaysNames([]string{"eu-west-1a", "eu-west-1b"}), mongoKeyNames([]string{"eu-west-1a", "eu-west-1b", "eu-west-1a"})),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, missing, err := mongodb(mustPlan(t, tc.xr), tc.key)
			if err != nil {
				t.Fatalf("%s\nmongodb(...): unexpected error: %v", tc.reason, err)
			}
			objects(t, rs) // fails on a duplicate name
			if diff := cmp.Diff(tc.wantNames, mongoNames(rs)); diff != "" {
				t.Errorf("%s\nmongodb(...) names: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantMissing, missing); diff != "" {
				t.Errorf("%s\nmongodb(...) missing: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestMongoDBMalformedKeyARN(t *testing.T) {
	cases := map[string]struct {
		reason string
		arn    string
	}{
		"NotAnARN":        {reason: "Anything but an ARN is an error.", arn: "1234abcd-12ab-34cd-56ef-1234567890ab"},
		"ShortAccount":    {reason: "Accounts have 12 digits.", arn: "arn:aws:kms:eu-west-1:12345678901:key/1234abcd"},
		"LetterAccount":   {reason: "Accounts are digits.", arn: "arn:aws:kms:eu-west-1:12345678901a:key/1234abcd"},
		"NotKMS":          {reason: "Only a KMS key ARN is the data key.", arn: "arn:aws:iam::123456789012:role/prod-mongodb"},
		"Alias":           {reason: "An alias is not the key.", arn: "arn:aws:kms:eu-west-1:123456789012:alias/prod-data"},
		"NoKeyID":         {reason: "A key has an id.", arn: "arn:aws:kms:eu-west-1:123456789012:key/"},
		"Trailing":        {reason: "Nothing may follow the key id.", arn: mongoKeyARN + " "},
		"OtherRegion":     {reason: "The data key is in the platform's region.", arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd"},
		"OtherPartition":  {reason: "The data key is in the platform's partition.", arn: "arn:aws-cn:kms:eu-west-1:123456789012:key/1234abcd"},
		"UnknownPartiton": {reason: "Partitions are known.", arn: "arn:aws-mars:kms:eu-west-1:123456789012:key/1234abcd"},
	}
	p := mustPlan(t, newXR())
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, _, err := mongodb(p, tc.arn)
			if err == nil {
				t.Errorf("%s\nmongodb(%q): want an error, got %d resources", tc.reason, tc.arn, len(rs))
			}
		})
	}
}

func TestMongoDBMembers(t *testing.T) {
	type member struct {
		Zone, Subnet, IP, Record, RecordIP, Name string
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   []member
	}{
		"Production": {
			reason: "One member per zone, at the 11th address of the zone's private-db subnet, named in the private zone.",
			xr:     newXR(),
			want: []member{
				{Zone: "eu-west-1a", Subnet: "private-db/eu-west-1a", IP: "10.0.112.10", Record: "mongodb-0.prod.openedx.internal", RecordIP: "10.0.112.10", Name: "prod-mongodb-0"},
				{Zone: "eu-west-1b", Subnet: "private-db/eu-west-1b", IP: "10.0.116.10", Record: "mongodb-1.prod.openedx.internal", RecordIP: "10.0.116.10", Name: "prod-mongodb-1"},
				{Zone: "eu-west-1c", Subnet: "private-db/eu-west-1c", IP: "10.0.120.10", Record: "mongodb-2.prod.openedx.internal", RecordIP: "10.0.120.10", Name: "prod-mongodb-2"},
			},
		},
		"SmallTwoZones": {
			reason: "The third member wraps to the first zone and takes the next address of its subnet.",
			xr:     mongoSmall(),
			want: []member{
				{Zone: "eu-west-1a", Subnet: "private-db/eu-west-1a", IP: "10.0.112.10", Record: "mongodb-0.prod.openedx.internal", RecordIP: "10.0.112.10", Name: "prod-mongodb-0"},
				{Zone: "eu-west-1b", Subnet: "private-db/eu-west-1b", IP: "10.0.116.10", Record: "mongodb-1.prod.openedx.internal", RecordIP: "10.0.116.10", Name: "prod-mongodb-1"},
				{Zone: "eu-west-1a", Subnet: "private-db/eu-west-1a", IP: "10.0.112.11", Record: "mongodb-2.prod.openedx.internal", RecordIP: "10.0.112.11", Name: "prod-mongodb-2"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			rs := mustMongoDB(t, p)
			var got []member
			for i, w := range tc.want {
				in := mustGet[*ec2v1beta1.Instance](t, rs, nameMongoDBInstance(i, w.Zone))
				fp := in.Spec.ForProvider
				rec := mustGet[*r53v1beta1.Record](t, rs, nameMongoDBRecord(i))
				sel := fp.SubnetIDSelector.MatchLabels
				got = append(got, member{
					Zone:     w.Zone,
					Subnet:   sel[LabelTier] + "/" + sel[LabelZone],
					IP:       *fp.PrivateIP,
					Record:   *rec.Spec.ForProvider.Name,
					RecordIP: *rec.Spec.ForProvider.Records[0],
					Name:     *fp.Tags["Name"],
				})
				// The fixed address is in the member's subnet, as the plan cut it.
				for _, s := range p.Subnets {
					if s.Tier == TierPrivateDB && s.Zone == w.Zone && !s.CIDR.Contains(mongoMustAddr(t, *fp.PrivateIP)) {
						t.Errorf("%s\nmember %d: address %s is not in subnet %s", tc.reason, i, *fp.PrivateIP, s.CIDR)
					}
				}
				if diff := cmp.Diff([]string{"A"}, []string{*rec.Spec.ForProvider.Type}); diff != "" {
					t.Errorf("%s\nrecord %d type: -want, +got:\n%s", tc.reason, i, diff)
				}
				if diff := cmp.Diff(float64(60), *rec.Spec.ForProvider.TTL); diff != "" {
					t.Errorf("%s\nrecord %d TTL: -want, +got:\n%s", tc.reason, i, diff)
				}
				if diff := cmp.Diff(p.MongoDB.InstanceType, *fp.InstanceType); diff != "" {
					t.Errorf("%s\nmember %d instance type: -want, +got:\n%s", tc.reason, i, diff)
				}
				if diff := cmp.Diff([]ec2v1beta1.LaunchTemplateParameters{{Name: ptr.To("prod-mongodb"), Version: ptr.To("$Default")}}, fp.LaunchTemplate); diff != "" {
					t.Errorf("%s\nmember %d launch template: -want, +got:\n%s", tc.reason, i, diff)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nmembers: -want, +got:\n%s", tc.reason, diff)
			}
			if n := len(ofType[*ec2v1beta1.Instance](rs)); n != 3 {
				t.Errorf("%s\nwant 3 instances, got %d", tc.reason, n)
			}
			zone := mustGet[*r53v1beta1.Zone](t, rs, nameMongoDBZone)
			if diff := cmp.Diff("prod.openedx.internal", *zone.Spec.ForProvider.Name); diff != "" {
				t.Errorf("%s\nprivate zone name: -want, +got:\n%s", tc.reason, diff)
			}
			vpc := zone.Spec.ForProvider.VPC
			if len(vpc) != 1 || vpc[0].VPCIDSelector == nil || vpc[0].VPCIDSelector.MatchLabels[LabelRole] != "vpc" || *vpc[0].VPCRegion != testRegion {
				t.Errorf("%s\nprivate zone: want it associated with the platform's VPC in %s, got %+v", tc.reason, testRegion, vpc)
			}
		})
	}
}

func TestMongoDBLaunchTemplate(t *testing.T) {
	cases := map[string]struct {
		reason  string
		xr      *v1alpha1.XPlatform
		wantGiB float64
	}{
		"Default": {reason: "The data volume has the default size.", xr: newXR(), wantGiB: 100},
		"Sized": {reason: "The data volume is sized from the spec.", xr: newXR(func(xr *v1alpha1.XPlatform) {
			xr.Spec.MongoDB.VolumeSizeGiB = 500
		}), wantGiB: 500},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := mustMongoDB(t, mustPlan(t, tc.xr))
			fp := mustGet[*ec2v1beta1.LaunchTemplate](t, rs, nameMongoDBLaunchTemplate).Spec.ForProvider

			type metadata struct {
				Tokens   string
				HopLimit float64
			}
			var gotMD []metadata
			for _, m := range fp.MetadataOptions {
				gotMD = append(gotMD, metadata{*m.HTTPTokens, *m.HTTPPutResponseHopLimit})
			}
			if diff := cmp.Diff([]metadata{{"required", 1}}, gotMD); diff != "" {
				t.Errorf("%s\nIMDS: want IMDSv2 required with hop limit 1: -want, +got:\n%s", tc.reason, diff)
			}
			for _, in := range ofType[*ec2v1beta1.Instance](rs) {
				var got []metadata
				for _, m := range in.Spec.ForProvider.MetadataOptions {
					got = append(got, metadata{*m.HTTPTokens, *m.HTTPPutResponseHopLimit})
				}
				if diff := cmp.Diff([]metadata{{"required", 1}}, got); diff != "" {
					t.Errorf("%s\ninstance IMDS: -want, +got:\n%s", tc.reason, diff)
				}
				if in.Spec.ForProvider.KeyName != nil {
					t.Errorf("%s\ninstance has key pair %q: administration is through SSM only", tc.reason, *in.Spec.ForProvider.KeyName)
				}
			}

			type volume struct {
				Device, Type, Encrypted, DeleteOnTermination, KMSKeyRole string
				GiB                                                      float64
			}
			var gotVols []volume
			for _, b := range fp.BlockDeviceMappings {
				for _, e := range b.EBS {
					v := volume{Device: *b.DeviceName, Type: *e.VolumeType, Encrypted: *e.Encrypted, DeleteOnTermination: *e.DeleteOnTermination, GiB: *e.VolumeSize}
					if e.KMSKeyIDSelector != nil {
						v.KMSKeyRole = e.KMSKeyIDSelector.MatchLabels[LabelRole]
					}
					gotVols = append(gotVols, v)
				}
			}
			wantVols := []volume{
				{Device: "/dev/xvda", Type: "gp3", Encrypted: "true", DeleteOnTermination: "true", KMSKeyRole: roleDataKey, GiB: 20},
				{Device: "/dev/sdf", Type: "gp3", Encrypted: "true", DeleteOnTermination: "false", KMSKeyRole: roleDataKey, GiB: tc.wantGiB},
			}
			if diff := cmp.Diff(wantVols, gotVols); diff != "" {
				t.Errorf("%s\nvolumes: want both encrypted with the data key and the data volume kept on termination: -want, +got:\n%s", tc.reason, diff)
			}

			if fp.KeyName != nil {
				t.Errorf("%s\nlaunch template has key pair %q: administration is through SSM only", tc.reason, *fp.KeyName)
			}
			if diff := cmp.Diff("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", *fp.ImageID); diff != "" {
				t.Errorf("%s\nimage: -want, +got:\n%s", tc.reason, diff)
			}
			if len(fp.Monitoring) != 1 || !*fp.Monitoring[0].Enabled {
				t.Errorf("%s\nwant detailed monitoring, got %+v", tc.reason, fp.Monitoring)
			}
			if len(fp.IAMInstanceProfile) != 1 || fp.IAMInstanceProfile[0].NameSelector.MatchLabels[LabelRole] != roleMongoDB {
				t.Errorf("%s\nwant the members' instance profile, got %+v", tc.reason, fp.IAMInstanceProfile)
			}
			if diff := cmp.Diff(map[string]string{LabelRole: "sg-mongodb"}, fp.VPCSecurityGroupIDSelector.MatchLabels); diff != "" {
				t.Errorf("%s\nsecurity group: -want, +got:\n%s", tc.reason, diff)
			}
			if fp.UpdateDefaultVersion != nil && *fp.UpdateDefaultVersion {
				t.Errorf("%s\nthe default version must not move: members would all be replaced at once", tc.reason)
			}
			var types []string
			for _, ts := range fp.TagSpecifications {
				types = append(types, *ts.ResourceType)
				if diff := cmp.Diff(deref(mongoWantTags("prod-mongodb")), deref(ts.Tags)); diff != "" {
					t.Errorf("%s\ntags of launched %s: -want, +got:\n%s", tc.reason, *ts.ResourceType, diff)
				}
			}
			if diff := cmp.Diff([]string{"instance", "volume", "network-interface"}, types); diff != "" {
				t.Errorf("%s\ntagged resource types: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestMongoDBTerminationProtection(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   bool
	}{
		"Production": {reason: "Production members cannot be terminated through the API.", xr: newXR(), want: true},
		"Small":      {reason: "Small members can be terminated.", xr: mongoSmall(), want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for n, in := range ofType[*ec2v1beta1.Instance](mustMongoDB(t, mustPlan(t, tc.xr))) {
				if got := in.Spec.ForProvider.DisableAPITermination; got == nil || *got != tc.want {
					t.Errorf("%s\n%s: disableApiTermination: want %v, got %v", tc.reason, n, tc.want, got)
				}
			}
		})
	}
}

func TestMongoDBSecurityGroup(t *testing.T) {
	p := mustPlan(t, newXR())
	rs := mustMongoDB(t, p)
	group := map[string]string{LabelRole: "sg-mongodb"}

	type rule struct {
		From, Port string
	}
	var ingress []rule
	for n, r := range ofType[*ec2v1beta1.SecurityGroupIngressRule](rs) {
		fp := r.Spec.ForProvider
		if diff := cmp.Diff(group, fp.SecurityGroupIDSelector.MatchLabels); diff != "" {
			t.Errorf("%s: rule of another group: -want, +got:\n%s", n, diff)
		}
		from := "?"
		switch {
		case fp.CidrIPv4 != nil:
			from = *fp.CidrIPv4
		case fp.ReferencedSecurityGroupIDSelector != nil && cmp.Equal(group, fp.ReferencedSecurityGroupIDSelector.MatchLabels):
			from = "self"
		}
		if fp.CidrIPv6 != nil || fp.PrefixListID != nil {
			t.Errorf("%s: ingress from an IPv6 CIDR or prefix list", n)
		}
		ingress = append(ingress, rule{From: from, Port: fmt.Sprintf("%s/%v-%v", *fp.IPProtocol, *fp.FromPort, *fp.ToPort)})
	}
	wantIngress := []rule{{From: "self", Port: "tcp/27017-27017"}}
	for _, c := range p.appCIDRs() {
		wantIngress = append(wantIngress, rule{From: c, Port: "tcp/27017-27017"})
	}
	byFrom := func(a, b rule) int { return strings.Compare(a.From, b.From) }
	slices.SortFunc(ingress, byFrom)
	slices.SortFunc(wantIngress, byFrom)
	if diff := cmp.Diff(wantIngress, ingress); diff != "" {
		t.Errorf("ingress: want 27017 from the private-app subnets and the members only: -want, +got:\n%s", diff)
	}
	for _, r := range ingress {
		if r.From == "0.0.0.0/0" {
			t.Errorf("ingress from the whole Internet: %+v", r)
		}
	}

	var egress []rule
	for n, r := range ofType[*ec2v1beta1.SecurityGroupEgressRule](rs) {
		fp := r.Spec.ForProvider
		if diff := cmp.Diff(group, fp.SecurityGroupIDSelector.MatchLabels); diff != "" {
			t.Errorf("%s: rule of another group: -want, +got:\n%s", n, diff)
		}
		to := "?"
		switch {
		case fp.CidrIPv4 != nil:
			to = *fp.CidrIPv4
		case fp.ReferencedSecurityGroupIDSelector != nil && cmp.Equal(group, fp.ReferencedSecurityGroupIDSelector.MatchLabels):
			to = "self"
		}
		egress = append(egress, rule{From: to, Port: fmt.Sprintf("%s/%v-%v", *fp.IPProtocol, *fp.FromPort, *fp.ToPort)})
	}
	slices.SortFunc(egress, byFrom)
	if diff := cmp.Diff([]rule{{From: "0.0.0.0/0", Port: "tcp/443-443"}, {From: "self", Port: "tcp/27017-27017"}}, egress); diff != "" {
		t.Errorf("egress: want 27017 to the members and HTTPS out only: -want, +got:\n%s", diff)
	}
}

func TestMongoDBPolicy(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		key    string
		want   awsiam.PolicyDocument
	}{
		"EUWest1": {
			reason: "Members may use exactly their platform's four MongoDB secrets (keyfile, admin, CA key, CA certificate), and the data key only through Secrets Manager.",
			xr:     newXR(),
			key:    mongoKeyARN,
			want: awsiam.PolicyDocument{Version: "2012-10-17", Statement: []awsiam.Statement{
				{
					Sid: "MongoDBSecrets", Effect: "Allow",
					Action: []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"},
					Resource: []string{
						"arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-keyfile-??????",
						"arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-admin-??????",
						"arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-ca-key-??????",
						"arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-ca-??????",
					},
				},
				{
					Sid: "DataKeyThroughSecretsManager", Effect: "Allow",
					Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
					Resource:  []string{mongoKeyARN},
					Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
				},
			}},
		},
		"China": {
			reason: "ARNs are in the platform's partition, with the account of the key.",
			xr:     newXR(withRegion("cn-northwest-1")),
			key:    "arn:aws-cn:kms:cn-northwest-1:210987654321:key/mrk-0123456789abcdef0123456789abcdef",
			want: awsiam.PolicyDocument{Version: "2012-10-17", Statement: []awsiam.Statement{
				{
					Sid: "MongoDBSecrets", Effect: "Allow",
					Action: []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"},
					Resource: []string{
						"arn:aws-cn:secretsmanager:cn-northwest-1:210987654321:secret:openedx/prod/mongodb-keyfile-??????",
						"arn:aws-cn:secretsmanager:cn-northwest-1:210987654321:secret:openedx/prod/mongodb-admin-??????",
						"arn:aws-cn:secretsmanager:cn-northwest-1:210987654321:secret:openedx/prod/mongodb-ca-key-??????",
						"arn:aws-cn:secretsmanager:cn-northwest-1:210987654321:secret:openedx/prod/mongodb-ca-??????",
					},
				},
				{
					Sid: "DataKeyThroughSecretsManager", Effect: "Allow",
					Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
					Resource:  []string{"arn:aws-cn:kms:cn-northwest-1:210987654321:key/mrk-0123456789abcdef0123456789abcdef"},
					Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager.cn-northwest-1.amazonaws.com"}},
				},
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, _, err := mongodb(mustPlan(t, tc.xr), tc.key)
			if err != nil {
				t.Fatalf("%s\nmongodb(...): unexpected error: %v", tc.reason, err)
			}
			pol := mustGet[*iamv1beta1.Policy](t, rs, nameMongoDBPolicy)
			var got awsiam.PolicyDocument
			if err := json.Unmarshal([]byte(*pol.Spec.ForProvider.Policy), &got); err != nil {
				t.Fatalf("%s\npolicy is not JSON: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\npolicy: -want, +got:\n%s", tc.reason, diff)
			}
			for _, s := range got.Statement {
				for _, r := range s.Resource {
					if r == "*" || strings.HasSuffix(r, ":*") {
						t.Errorf("%s\nstatement %s grants resource %q", tc.reason, s.Sid, r)
					}
				}
			}
			att := mustGet[*iamv1beta1.RolePolicyAttachment](t, rs, nameMongoDBPolicyAttachment).Spec.ForProvider
			if att.PolicyArnSelector.MatchLabels[LabelRole] != roleMongoDB || att.RoleSelector.MatchLabels[LabelRole] != roleMongoDB {
				t.Errorf("%s\nthe policy is not attached to the members' role: %+v", tc.reason, att)
			}
			ssm := mustGet[*iamv1beta1.RolePolicyAttachment](t, rs, "iam-attachment-mongodb-AmazonSSMManagedInstanceCore").Spec.ForProvider
			if *ssm.PolicyArn != "arn:"+partition(tc.xr.Spec.Region)+":iam::aws:policy/AmazonSSMManagedInstanceCore" || ssm.RoleSelector.MatchLabels[LabelRole] != roleMongoDB {
				t.Errorf("%s\nSession Manager policy: got %s for %v", tc.reason, *ssm.PolicyArn, ssm.RoleSelector.MatchLabels)
			}
			prof := mustGet[*iamv1beta1.InstanceProfile](t, rs, nameMongoDBInstanceProfile).Spec.ForProvider
			if prof.RoleSelector.MatchLabels[LabelRole] != roleMongoDB {
				t.Errorf("%s\ninstance profile of another role: %v", tc.reason, prof.RoleSelector.MatchLabels)
			}
			role := mustGet[*iamv1beta1.Role](t, rs, nameMongoDBRole)
			var trust struct {
				Statement []struct {
					Principal map[string]string
					Action    []string
				}
			}
			if err := json.Unmarshal([]byte(*role.Spec.ForProvider.AssumeRolePolicy), &trust); err != nil || len(trust.Statement) != 1 || trust.Statement[0].Principal["Service"] != "ec2.amazonaws.com" {
				t.Errorf("%s\nwant a role EC2 assumes, got %s (%v)", tc.reason, *role.Spec.ForProvider.AssumeRolePolicy, err)
			}
		})
	}
}

func TestMongoDBSecrets(t *testing.T) {
	rs, _, err := mongodb(mustPlan(t, newXR()), "")
	if err != nil {
		t.Fatalf("mongodb(...): unexpected error: %v", err)
	}
	got := map[resource.Name]string{}
	for n, s := range ofType[*smv1beta1.Secret](rs) {
		got[n] = *s.Spec.ForProvider.Name
		if s.Spec.ForProvider.KMSKeyIDSelector == nil || s.Spec.ForProvider.KMSKeyIDSelector.MatchLabels[LabelRole] != roleDataKey {
			t.Errorf("%s: not encrypted with the data key", n)
		}
	}
	want := map[resource.Name]string{
		nameMongoDBKeyfileSecret: "openedx/prod/mongodb-keyfile", nameMongoDBAdminSecret: "openedx/prod/mongodb-admin",
		nameMongoDBCAKeySecret: "openedx/prod/mongodb-ca-key", nameMongoDBCASecret: "openedx/prod/mongodb-ca",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secrets: -want, +got:\n%s", diff)
	}
}

func TestMongoDBTags(t *testing.T) {
	for name, xr := range map[string]*v1alpha1.XPlatform{"Production": newXR(), "Small": mongoSmall()} {
		t.Run(name, func(t *testing.T) {
			for _, r := range mustMongoDB(t, mustPlan(t, xr)) {
				j, err := json.Marshal(r.Object)
				if err != nil {
					t.Fatalf("%s: %v", r.Name, err)
				}
				var o struct {
					Spec struct {
						ForProvider map[string]json.RawMessage `json:"forProvider"`
					} `json:"spec"`
				}
				if err := json.Unmarshal(j, &o); err != nil {
					t.Fatalf("%s: %v", r.Name, err)
				}
				switch r.Object.(type) {
				case *iamv1beta1.RolePolicyAttachment, *r53v1beta1.Record:
					continue // These kinds have no tags.
				}
				var tags map[string]string
				if err := json.Unmarshal(o.Spec.ForProvider["tags"], &tags); err != nil {
					t.Errorf("%s (%T): no tags: %v", r.Name, r.Object, err)
					continue
				}
				for _, k := range []string{"platform", "cost-center", "managed-by", "app", "Name"} {
					if tags[k] == "" {
						t.Errorf("%s (%T): missing tag %q in %v", r.Name, r.Object, k, tags)
					}
				}
			}
		})
	}
}

func TestMongoDBUserData(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		name   string
	}{
		"Production": {reason: "Every member's script is valid bash.", xr: newXR()},
		"Small":      {reason: "Every member's script is valid bash.", xr: mongoSmall()},
		"Quote": {
			reason: "A value with a single quote, a newline and shell syntax is assigned verbatim, never run.",
			xr:     newXR(),
			name:   "it's $(echo expanded) `echo expanded` \"q\" \\ \n; echo injected",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			if tc.name != "" {
				p.Name = tc.name
			}
			rs := mustMongoDB(t, p)
			members, err := mongodbMembers(p)
			if err != nil {
				t.Fatalf("mongodbMembers(...): %v", err)
			}
			var hosts []string
			for _, m := range members {
				hosts = append(hosts, m.Host)
			}
			for _, m := range members {
				in := mustGet[*ec2v1beta1.Instance](t, rs, nameMongoDBInstance(m.Index, m.Zone))
				if in.Spec.ForProvider.UserData != nil || in.Spec.ForProvider.UserDataBase64 != nil {
					t.Errorf("%s\nmember %d: user data must be an init parameter, never updated in place", tc.reason, m.Index)
				}
				if diff := cmp.Diff(mongodbInstancePolicies(), in.Spec.ManagementPolicies); diff != "" || slices.Contains(in.Spec.ManagementPolicies, xpv1.ManagementActionLateInitialize) {
					t.Errorf("%s\nmember %d: late initialization would copy the user data's hash into forProvider: -want, +got:\n%s", tc.reason, m.Index, diff)
				}
				ud := in.Spec.InitProvider.UserData
				if ud == nil {
					t.Fatalf("%s\nmember %d: no user data", tc.reason, m.Index)
				}
				if len(*ud) > mongoUserDataMax {
					t.Errorf("%s\nmember %d: user data is %d bytes, over EC2's %d", tc.reason, m.Index, len(*ud), mongoUserDataMax)
				}
				if !strings.HasPrefix(*ud, "#!/bin/bash\n") || !strings.HasSuffix(*ud, mongoScriptCode()) {
					t.Errorf("%s\nmember %d: want a shebang, the header, then mongodb-init.sh's code lines verbatim", tc.reason, m.Index)
				}
				cmd := exec.Command("/bin/bash", "-n")
				cmd.Stdin = strings.NewReader(*ud)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s\nmember %d: bash -n: %v\n%s", tc.reason, m.Index, err, out)
				}

				want := map[string]string{
					"PLATFORM":          p.Name,
					"REGION":            "eu-west-1",
					"REPLICA_SET":       "rs0",
					"MEMBER_INDEX":      fmt.Sprint(m.Index),
					"MEMBER_HOSTS":      strings.Join(hosts, " "),
					"MEMBER_IP":         m.IP.String(),
					"ADMIN_SECRET_ID":   "openedx/" + p.Name + "/mongodb-admin",
					"KEYFILE_SECRET_ID": "openedx/" + p.Name + "/mongodb-keyfile",
					"CA_KEY_SECRET_ID":  "openedx/" + p.Name + "/mongodb-ca-key",
					"CA_SECRET_ID":      "openedx/" + p.Name + "/mongodb-ca",
					"MONGODB_VERSION":   "7.0",
					"DATA_DEVICE":       "/dev/sdf",
				}
				if diff := cmp.Diff(want, mongoHeaderValues(t, *ud, want)); diff != "" {
					t.Errorf("%s\nmember %d: header values as bash reads them: -want, +got:\n%s", tc.reason, m.Index, diff)
				}
			}
		})
	}
}

// mongoScriptCode is mongodb-init.sh after its shebang, but its comment
// and blank lines.
func mongoScriptCode() string {
	var out []string
	for i, line := range strings.Split(mongodbInitScript, "\n") {
		if t := strings.TrimSpace(line); i > 0 && t != "" && !strings.HasPrefix(t, "#") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// mongoHeaderValues runs the header of user data ud in bash, without the
// script, and returns the values bash assigned to the variables of want.
func mongoHeaderValues(t *testing.T, ud string, want map[string]string) map[string]string {
	t.Helper()
	header, _, ok := strings.Cut(ud, "\nset -euo pipefail\n")
	if !ok {
		t.Fatalf("user data has no 'set -euo pipefail' line after its header")
	}
	header, _, _ = strings.Cut(header, "\n# Installs, configures")
	script := header + "\n"
	var names []string
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		// NUL-separated so that any value round-trips.
		script += fmt.Sprintf("printf '%%s=%%s\\0' %s \"$%s\"\n", n, n)
	}
	out, err := exec.Command("/bin/bash", "-c", script).Output()
	if err != nil {
		t.Fatalf("running the header: %v", err)
	}
	got := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	return got
}

func TestShellSingleQuote(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     string
		want   string
	}{
		"Plain":   {reason: "A plain value is single-quoted.", in: "eu-west-1", want: `'eu-west-1'`},
		"Empty":   {reason: "An empty value is two quotes.", in: "", want: `''`},
		"Quote":   {reason: "A quote closes, escapes and reopens.", in: "it's", want: `'it'\''s'`},
		"Dollars": {reason: "Expansions stay literal.", in: "$(id) `id` $HOME", want: "'$(id) `id` $HOME'"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := shellSingleQuote(tc.in)
			if err != nil {
				t.Fatalf("%s\nshellSingleQuote(%q): %v", tc.reason, tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nshellSingleQuote(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
			out, err := exec.Command("/bin/bash", "-c", "printf %s "+got).Output()
			if err != nil {
				t.Fatalf("%s\nbash: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.in, string(out)); diff != "" {
				t.Errorf("%s\nvalue as bash reads it: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
	if _, err := shellSingleQuote("a\x00b"); err == nil {
		t.Errorf("shellSingleQuote with a NUL byte: want an error")
	}
}

func TestMongoDBStatus(t *testing.T) {
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		want     v1alpha1.MongoDBStatus
	}{
		"BeforeAWS": {
			reason: "Hosts and TLS are known before anything exists; the secrets' ARNs are not.",
			xr:     newXR(),
			want: v1alpha1.MongoDBStatus{
				Hosts:      []string{"mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal:27017", "mongodb-2.prod.openedx.internal:27017"},
				ReplicaSet: "rs0",
				TLS:        true,
			},
		},
		"SmallObserved": {
			reason:   "Hosts are in member order, three on two zones; TLS is required; the admin and CA secrets' ARNs are what AWS reported.",
			xr:       mongoSmall(),
			observed: map[resource.Name]resource.ObservedComposed{nameMongoDBAdminSecret: mongoObservedAdminSecret(), nameMongoDBCASecret: mongoObservedCASecret()},
			want: v1alpha1.MongoDBStatus{
				Hosts:          []string{"mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal:27017", "mongodb-2.prod.openedx.internal:27017"},
				ReplicaSet:     "rs0",
				AdminSecretARN: mongoAdminARN,
				TLS:            true,
				CASecretARN:    mongoCAARN,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			got := mongodbStatus(p, tc.observed)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nmongodbStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
			// The status names what the DNS records name.
			rs := mustMongoDB(t, p)
			for i, h := range got.Hosts {
				rec := mustGet[*r53v1beta1.Record](t, rs, nameMongoDBRecord(i))
				if diff := cmp.Diff(*rec.Spec.ForProvider.Name+":27017", h); diff != "" {
					t.Errorf("%s\nhost %d: -record, +status:\n%s", tc.reason, i, diff)
				}
			}
		})
	}
}

// TestMongoDBComposes converts every resource as RunFunction does, which
// fails for a kind whose API group is not registered.
func TestMongoDBComposes(t *testing.T) {
	rs := mustMongoDB(t, mustPlan(t, newXR()))
	d := &compose.Desired{Resources: map[resource.Name]*resource.DesiredComposed{}}
	if err := d.AddAll(rs...); err != nil {
		t.Fatalf("AddAll(mongodb(...)): %v", err)
	}
	in := d.Resources[nameMongoDBInstance(0, "eu-west-1a")].Resource
	ud, err := in.GetString("spec.initProvider.userData")
	if err != nil || !strings.HasPrefix(ud, "#!/bin/bash\n") {
		t.Errorf("member 0: want user data at spec.initProvider.userData, got %.40q (%v)", ud, err)
	}
	if _, err := in.GetString("spec.forProvider.userData"); err == nil {
		t.Errorf("member 0: user data must not be in spec.forProvider")
	}
}

func mongoObservedAdminSecret() resource.ObservedComposed {
	return observedJSON(`{
		"apiVersion": "secretsmanager.aws.upbound.io/v1beta1", "kind": "Secret",
		"metadata": {"name": "prod-s9k2d"},
		"status": {"atProvider": {"arn": "` + mongoAdminARN + `"}}
	}`)
}

// mongoWantTags are the tags of every platform resource named name.
func mongoWantTags(name string) map[string]*string {
	return map[string]*string{
		"managed-by": ptr.To("crossplane"), "app": ptr.To("openedx"), "platform": ptr.To(testName),
		"cost-center": ptr.To(testCostCenter), "Name": ptr.To(name),
	}
}

func mongoMustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatalf("%q is not an address: %v", s, err)
	}
	return a
}

func mongoObservedCASecret() resource.ObservedComposed {
	return observedJSON(`{
		"apiVersion": "secretsmanager.aws.upbound.io/v1beta1", "kind": "Secret",
		"metadata": {"name": "prod-c4x7q"},
		"status": {"atProvider": {"arn": "` + mongoCAARN + `"}}
	}`)
}

func TestExternalMongoDBPatterns(t *testing.T) {
	// The XRD refuses at apply what newPlan refuses: the same patterns
	// and lengths.
	wantInXRDSource(t,
		"+kubebuilder:validation:items:Pattern=`"+externalMongoDBHost.String()+"`",
		fmt.Sprintf("+kubebuilder:validation:items:MaxLength=%d\n", maxExternalMongoDBHost),
		"+kubebuilder:validation:Pattern=`"+externalMongoDBReplicaSet.String()+"`",
		fmt.Sprintf("+kubebuilder:validation:MaxLength=%d\n", maxExternalMongoDBReplicaSet),
	)
	hosts := map[string]bool{
		"atlas-shard-00-00.abcde.mongodb.net:27017": true,
		"10.0.1.5:27017":    true,
		"[fd00::5]:27017":   true,
		"mongo:1":           true,
		"mongo:65535":       true,
		"mongo":             false,
		"mongo:0":           false,
		"mongo:65536":       false,
		"mongo:27017/admin": false,
		"user@mongo:27017":  false,
		"a,b:27017":         false,
		"-mongo:27017":      false,
		":27017":            false,
	}
	for h, ok := range hosts {
		if got := externalMongoDBHost.MatchString(h); got != ok {
			t.Errorf("externalMongoDBHost.MatchString(%q) = %v, want %v", h, got, ok)
		}
	}
	names := map[string]bool{"rs0": true, "atlas-abc123-shard-0": true, "rs_0.a": true, "rs0&tls=false": false, "rs 0": false, "-rs": false, "rs/0": false}
	for n, ok := range names {
		if got := externalMongoDBReplicaSet.MatchString(n); got != ok {
			t.Errorf("externalMongoDBReplicaSet.MatchString(%q) = %v, want %v", n, got, ok)
		}
	}
}
