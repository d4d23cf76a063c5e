package main

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

// planView is the part of a plan that the network and the cluster read.
// Other parts, such as the data tier's, are tested on their own.
type planView struct {
	Name                string
	Region              string
	Partition           string
	Zones               []string
	Profile             v1alpha1.Profile
	VPC                 netip.Prefix
	KubernetesVersion   string
	PublicAccessCIDRs   []string
	LogRetentionDays    int
	KubeconfigNamespace string
	ProviderConfigName  string
	CostCenter          string
}

func view(p *plan) *planView {
	if p == nil {
		return nil
	}
	return &planView{
		Name:                p.Name,
		Region:              p.Region,
		Partition:           p.Partition,
		Zones:               p.Zones,
		Profile:             p.Profile,
		VPC:                 p.VPC,
		KubernetesVersion:   p.KubernetesVersion,
		PublicAccessCIDRs:   p.PublicAccessCIDRs,
		LogRetentionDays:    p.LogRetentionDays,
		KubeconfigNamespace: p.KubeconfigNamespace,
		ProviderConfigName:  p.ProviderConfigName,
		CostCenter:          p.CostCenter,
	}
}

func TestNewPlan(t *testing.T) {
	type want struct {
		plan *planView
		// err is compared field by field except Detail, which must contain
		// detail.
		err    *field.Error
		detail string
	}

	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   want
	}{
		"DefaultsApplied": {
			reason: "A spec with only region and cost center should get the XRD's defaults and three zones derived from the region.",
			xr:     newXR(),
			want: want{plan: &planView{
				Name:                "prod",
				Region:              "eu-west-1",
				Partition:           "aws",
				Zones:               []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
				Profile:             v1alpha1.ProfileProduction,
				VPC:                 netip.MustParsePrefix("10.0.0.0/16"),
				KubernetesVersion:   "1.34",
				LogRetentionDays:    90,
				KubeconfigNamespace: "crossplane-system",
				ProviderConfigName:  "default",
				CostCenter:          "learning-platform",
			}},
		},
		"ExplicitValuesKept": {
			reason: "Values set in the spec should be used as given, not replaced by defaults.",
			xr: newXR(func(xr *v1alpha1.XPlatform) {
				xr.Spec.Region = "us-east-1"
				xr.Spec.AvailabilityZones = []string{"us-east-1d", "us-east-1f"}
				xr.Spec.Profile = v1alpha1.ProfileSmall
				xr.Spec.Networking.VPCCIDR = "10.20.0.0/20"
				xr.Spec.Kubernetes = v1alpha1.Kubernetes{
					Version:                   "1.33",
					PublicAccessCIDRs:         []string{"203.0.113.10/32"},
					LogRetentionDays:          30,
					KubeconfigSecretNamespace: "upbound-system",
				}
				xr.Spec.ProviderConfigName = "aws-staging"
				xr.Spec.CostCenter = "cc.42_staging"
			}),
			want: want{plan: &planView{
				Name:                "prod",
				Region:              "us-east-1",
				Partition:           "aws",
				Zones:               []string{"us-east-1d", "us-east-1f"},
				Profile:             v1alpha1.ProfileSmall,
				VPC:                 netip.MustParsePrefix("10.20.0.0/20"),
				KubernetesVersion:   "1.33",
				PublicAccessCIDRs:   []string{"203.0.113.10/32"},
				LogRetentionDays:    30,
				KubeconfigNamespace: "upbound-system",
				ProviderConfigName:  "aws-staging",
				CostCenter:          "cc.42_staging",
			}},
		},
		"ZonesOfAPNortheast1": {
			reason: "ap-northeast-1 has no usable zone b: its zones should be a, c and d.",
			xr:     newXR(withRegion("ap-northeast-1")),
			want: want{plan: &planView{
				Name: "prod", Region: "ap-northeast-1", Partition: "aws",
				Zones:   []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"},
				Profile: v1alpha1.ProfileProduction, VPC: netip.MustParsePrefix("10.0.0.0/16"),
				KubernetesVersion: "1.34", LogRetentionDays: 90, KubeconfigNamespace: "crossplane-system",
				ProviderConfigName: "default", CostCenter: "learning-platform",
			}},
		},
		"ZonesOfCACentral1": {
			reason: "ca-central-1 has no zone c: its zones should be a, b and d.",
			xr:     newXR(withRegion("ca-central-1")),
			want: want{plan: &planView{
				Name: "prod", Region: "ca-central-1", Partition: "aws",
				Zones:   []string{"ca-central-1a", "ca-central-1b", "ca-central-1d"},
				Profile: v1alpha1.ProfileProduction, VPC: netip.MustParsePrefix("10.0.0.0/16"),
				KubernetesVersion: "1.34", LogRetentionDays: 90, KubeconfigNamespace: "crossplane-system",
				ProviderConfigName: "default", CostCenter: "learning-platform",
			}},
		},
		"SmallProfileDerivesThreeZones": {
			reason: "The small profile keeps the three-zone layout when no zones are given.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall)),
			want: want{plan: &planView{
				Name: "prod", Region: "eu-west-1", Partition: "aws",
				Zones:   []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
				Profile: v1alpha1.ProfileSmall, VPC: netip.MustParsePrefix("10.0.0.0/16"),
				KubernetesVersion: "1.34", LogRetentionDays: 90, KubeconfigNamespace: "crossplane-system",
				ProviderConfigName: "default", CostCenter: "learning-platform",
			}},
		},
		"GovCloudPartition": {
			reason: "A GovCloud region should be accepted by the region pattern and get the aws-us-gov partition.",
			xr:     newXR(withRegion("us-gov-west-1")),
			want: want{plan: &planView{
				Name: "prod", Region: "us-gov-west-1", Partition: "aws-us-gov",
				Zones:   []string{"us-gov-west-1a", "us-gov-west-1b", "us-gov-west-1c"},
				Profile: v1alpha1.ProfileProduction, VPC: netip.MustParsePrefix("10.0.0.0/16"),
				KubernetesVersion: "1.34", LogRetentionDays: 90, KubeconfigNamespace: "crossplane-system",
				ProviderConfigName: "default", CostCenter: "learning-platform",
			}},
		},
		"US-West-1WithoutZones": {
			reason: "us-west-1's two zones differ per account, so they cannot be derived and must be listed.",
			xr:     newXR(withRegion("us-west-1"), withProfile(v1alpha1.ProfileSmall)),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeRequired, Field: "spec.availabilityZones", BadValue: ""},
				detail: "two zones of its own",
			},
		},
		"US-West-1WithZones": {
			reason: "us-west-1 is usable with the small profile when its two zones are listed.",
			xr:     newXR(withRegion("us-west-1", "us-west-1b", "us-west-1c"), withProfile(v1alpha1.ProfileSmall)),
			want: want{plan: &planView{
				Name: "prod", Region: "us-west-1", Partition: "aws",
				Zones:   []string{"us-west-1b", "us-west-1c"},
				Profile: v1alpha1.ProfileSmall, VPC: netip.MustParsePrefix("10.0.0.0/16"),
				KubernetesVersion: "1.34", LogRetentionDays: 90, KubeconfigNamespace: "crossplane-system",
				ProviderConfigName: "default", CostCenter: "learning-platform",
			}},
		},
		"NoName": {
			reason: "Every AWS name derives from the composite's name, so it is required.",
			xr:     newXR(withName("")),
			want:   want{err: &field.Error{Type: field.ErrorTypeRequired, Field: "metadata.name", BadValue: ""}},
		},
		"BadRegion": {
			reason: "A region that is not an AWS region name should be rejected at spec.region.",
			xr:     newXR(withRegion("eu-west")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeNotSupported, Field: "spec.region", BadValue: "eu-west"},
				detail: "supported values",
			},
		},
		"UnknownRegion": {
			reason: "A region-shaped name that is not in the table of AWS regions is refused, as the XRD's enum does.",
			xr:     newXR(withRegion("eu-east-9")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeNotSupported, Field: "spec.region", BadValue: "eu-east-9"},
				detail: "supported values",
			},
		},
		"ZoneNotInRegion": {
			reason: "eu-west-1 has no zone d: the zone must exist in its region, as the XRD's enum says.",
			xr:     newXR(withRegion("eu-west-1", "eu-west-1a", "eu-west-1b", "eu-west-1d")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.availabilityZones[2]", BadValue: "eu-west-1d"},
				detail: "must be a zone of eu-west-1",
			},
		},
		"VPCCIDRNotACIDR": {
			reason: "A VPC CIDR that does not parse should be rejected at spec.networking.vpcCidr.",
			xr:     newXR(withVPCCIDR("10.0.0.0")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.networking.vpcCidr", BadValue: "10.0.0.0"},
				detail: "must be an IPv4 CIDR",
			},
		},
		"VPCCIDRIsIPv6": {
			reason: "An IPv6 VPC CIDR should be rejected at spec.networking.vpcCidr.",
			xr:     newXR(withVPCCIDR("fd00:10::/56")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.networking.vpcCidr", BadValue: "fd00:10::/56"},
				detail: "must be an IPv4 CIDR",
			},
		},
		"VPCCIDRIsIPv4MappedIPv6": {
			reason: "An IPv4-mapped IPv6 prefix is not an IPv4 CIDR.",
			xr:     newXR(withVPCCIDR("::ffff:10.0.0.0/112")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.networking.vpcCidr", BadValue: "::ffff:10.0.0.0/112"},
				detail: "must be an IPv4 CIDR",
			},
		},
		"VPCCIDRSlash15": {
			reason: "A /15 is larger than AWS allows for a VPC.",
			xr:     newXR(withVPCCIDR("10.0.0.0/15")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.networking.vpcCidr", BadValue: "10.0.0.0/15"},
				detail: "must be a /16 to a /20",
			},
		},
		"SmallWithReaders": {
			reason: "The small profile runs one Serverless v2 instance: readers are refused, not ignored.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall), func(xr *v1alpha1.XPlatform) { xr.Spec.Database.Readers = ptr.To(1) }),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeForbidden, Field: "spec.database.readers", BadValue: ""},
				detail: "only the production profile",
			},
		},
		"TooManyCacheReplicas": {
			reason: "A replica per other zone at most.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Cache.Replicas = ptr.To(3) }),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.cache.replicas", BadValue: 3},
				detail: "must be 0 to 2",
			},
		},
		"VPCCIDRSlash21": {
			reason: "A /21 leaves private-app subnets too small for nodes and pods.",
			xr:     newXR(withVPCCIDR("10.0.0.0/21")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.networking.vpcCidr", BadValue: "10.0.0.0/21"},
				detail: "must be a /16 to a /20",
			},
		},
		"VPCCIDRHostBitsSet": {
			reason: "A CIDR with host bits set should be rejected with the masked prefix as a suggestion.",
			xr:     newXR(withVPCCIDR("10.0.0.1/16")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.networking.vpcCidr", BadValue: "10.0.0.1/16"},
				detail: "has host bits set; did you mean 10.0.0.0/16?",
			},
		},
		"VPCCIDRHostBitsSetSlash20": {
			reason: "The suggested prefix should be masked at the given length, not at /16.",
			xr:     newXR(withVPCCIDR("10.20.7.0/20")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.networking.vpcCidr", BadValue: "10.20.7.0/20"},
				detail: "did you mean 10.20.0.0/20?",
			},
		},
		"ProductionWithTwoZones": {
			reason: "The production profile needs a NAT gateway in each of three zones.",
			xr:     newXR(withZones("eu-west-1a", "eu-west-1b")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.availabilityZones", BadValue: []string{"eu-west-1a", "eu-west-1b"}},
				detail: "the production profile needs exactly 3 availability zones",
			},
		},
		"OneZone": {
			reason: "A single zone is never enough, whatever the profile.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall), withZones("eu-west-1a")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.availabilityZones", BadValue: []string{"eu-west-1a"}},
				detail: "must list 2 or 3 availability zones",
			},
		},
		"ZoneOfAnotherRegion": {
			reason: "A zone outside spec.region is refused at the list, as the XRD's rule does.",
			xr:     newXR(withZones("eu-west-1a", "eu-central-1b", "eu-west-1c")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.availabilityZones", BadValue: []string{"eu-west-1a", "eu-central-1b", "eu-west-1c"}},
				detail: "every availability zone must be in spec.region",
			},
		},
		"ZoneWithoutLetter": {
			reason: "A region name is not a zone name.",
			xr:     newXR(withZones("eu-west-1a", "eu-west-1b", "eu-west-1")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.availabilityZones[2]", BadValue: "eu-west-1"},
				detail: "must be a zone of eu-west-1",
			},
		},
		"ZoneOfRegionWithSamePrefix": {
			reason: "A zone of eu-west-10 (if it existed) is not a zone of eu-west-1.",
			xr:     newXR(withZones("eu-west-1a", "eu-west-10a", "eu-west-1c")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.availabilityZones[1]", BadValue: "eu-west-10a"},
				detail: "must be a zone of eu-west-1",
			},
		},
		"DuplicateZone": {
			reason: "A zone listed twice would put two subnets of a tier in one zone.",
			xr:     newXR(withZones("eu-west-1a", "eu-west-1b", "eu-west-1a")),
			want:   want{err: &field.Error{Type: field.ErrorTypeDuplicate, Field: "spec.availabilityZones[2]", BadValue: "eu-west-1a"}},
		},
		"EmptyCostCenter": {
			reason: "Every AWS resource is tagged with the cost center, so it is required.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.CostCenter = "" }),
			want:   want{err: &field.Error{Type: field.ErrorTypeRequired, Field: "spec.costCenter", BadValue: ""}},
		},
		"CostCenterWithSpace": {
			reason: "The cost center is also a Kubernetes label value, which cannot hold a space.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.CostCenter = "learning platform" }),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.costCenter", BadValue: "learning platform"},
				detail: "a valid label must be",
			},
		},
		"CostCenterTooLong": {
			reason: "A label value is at most 63 characters.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.CostCenter = strings.Repeat("c", 64) }),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.costCenter", BadValue: strings.Repeat("c", 64)},
				detail: "must be no more than 63 characters",
			},
		},
		"UnknownProfile": {
			reason: "Only the production and small profiles exist.",
			xr:     newXR(withProfile("large")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeNotSupported, Field: "spec.profile", BadValue: v1alpha1.Profile("large")},
				detail: `supported values: "production", "small"`,
			},
		},
		"BadKubernetesVersion": {
			reason: "The Kubernetes version is a minor version, not a patch version.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Kubernetes.Version = "1.34.2" }),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.kubernetes.version", BadValue: "1.34.2"},
				detail: "must be a minor version",
			},
		},
		"KubernetesVersionWithV": {
			reason: "EKS versions have no v prefix.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Kubernetes.Version = "v1.34" }),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.kubernetes.version", BadValue: "v1.34"},
				detail: "must be a minor version",
			},
		},
		"BadPublicAccessCIDR": {
			reason: "A public access CIDR that does not parse should be rejected at its index.",
			xr:     newXR(withPublicAccess("203.0.113.10")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.kubernetes.publicAccessCidrs[0]", BadValue: "203.0.113.10"},
				detail: "must be a CIDR",
			},
		},
		"SecondPublicAccessCIDRBad": {
			reason: "The index in the path should be that of the bad entry.",
			xr:     newXR(withPublicAccess("203.0.113.10/32", "198.51.100.0/33")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.kubernetes.publicAccessCidrs[1]", BadValue: "198.51.100.0/33"},
				detail: "must be a CIDR",
			},
		},
		"WholeInternetPublicAccess": {
			reason: "0.0.0.0/0 would open the API endpoint to the Internet, as the XRD refuses.",
			xr:     newXR(withPublicAccess("203.0.113.10/32", "0.0.0.0/0")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.kubernetes.publicAccessCidrs[1]", BadValue: "0.0.0.0/0"},
				detail: "must be an IPv4 /16 or an IPv6 /48, or narrower",
			},
		},
		"BroadIPv6PublicAccess": {
			reason: "An IPv6 /32 is far wider than any organisation's egress.",
			xr:     newXR(withPublicAccess("2001:db8::/32")),
			want: want{
				err:    &field.Error{Type: field.ErrorTypeInvalid, Field: "spec.kubernetes.publicAccessCidrs[0]", BadValue: "2001:db8::/32"},
				detail: "must be an IPv4 /16 or an IPv6 /48, or narrower",
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := newPlan(tc.xr)

			var gotErr *field.Error
			if err != nil && !errors.As(err, &gotErr) {
				t.Fatalf("\n%s\nnewPlan(...): got error %q of type %T, want a *field.Error", tc.reason, err, err)
			}
			if diff := cmp.Diff(tc.want.err, gotErr, cmpopts.IgnoreFields(field.Error{}, "Detail")); diff != "" {
				t.Errorf("\n%s\nnewPlan(...): -want error, +got error:\n%s\n(error: %v)", tc.reason, diff, err)
			}
			if gotErr != nil {
				if !strings.Contains(gotErr.Detail, tc.want.detail) {
					t.Errorf("\n%s\nnewPlan(...): error detail %q, want it to contain %q", tc.reason, gotErr.Detail, tc.want.detail)
				}
				// The message users see must name the exact field path.
				if !strings.HasPrefix(err.Error(), tc.want.err.Field+": ") {
					t.Errorf("\n%s\nnewPlan(...): error %q does not start with the field path %q", tc.reason, err.Error(), tc.want.err.Field)
				}
			}

			// Subnets are planSubnets' job, tested in network_test.go.
			if diff := cmp.Diff(tc.want.plan, view(got), cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
				t.Errorf("\n%s\nnewPlan(...): -want plan, +got plan:\n%s", tc.reason, diff)
			}
			if got != nil && len(got.Subnets) != 3*len(got.Zones) {
				t.Errorf("\n%s\nnewPlan(...): %d subnets for %d zones, want one per tier and zone", tc.reason, len(got.Subnets), len(got.Zones))
			}
		})
	}
}

// TestNewPlanSubnetsFollowPlan checks that the plan's subnets are cut from
// the plan's VPC for the plan's zones.
func TestNewPlanSubnetsFollowPlan(t *testing.T) {
	p := mustPlan(t, newXR(withProfile(v1alpha1.ProfileSmall), withZones("eu-west-1b", "eu-west-1c"), withVPCCIDR("10.20.0.0/20")))
	want := []subnet{
		{Zone: "eu-west-1b", Tier: TierPublic, CIDR: netip.MustParsePrefix("10.20.6.0/26")},
		{Zone: "eu-west-1b", Tier: TierPrivateApp, CIDR: netip.MustParsePrefix("10.20.0.0/23")},
		{Zone: "eu-west-1b", Tier: TierPrivateDB, CIDR: netip.MustParsePrefix("10.20.7.0/26")},
		{Zone: "eu-west-1c", Tier: TierPublic, CIDR: netip.MustParsePrefix("10.20.6.64/26")},
		{Zone: "eu-west-1c", Tier: TierPrivateApp, CIDR: netip.MustParsePrefix("10.20.2.0/23")},
		{Zone: "eu-west-1c", Tier: TierPrivateDB, CIDR: netip.MustParsePrefix("10.20.7.64/26")},
	}
	if diff := cmp.Diff(want, p.Subnets, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
		t.Errorf("newPlan(...).Subnets: -want, +got:\n%s", diff)
	}
}

func TestPartition(t *testing.T) {
	cases := map[string]struct {
		reason string
		region string
		want   string
	}{
		"Commercial": {reason: "Commercial regions are in the aws partition.", region: "us-east-1", want: "aws"},
		"China":      {reason: "China regions are in the aws-cn partition.", region: "cn-north-1", want: "aws-cn"},
		"ChinaNW":    {reason: "Every cn- region is in the aws-cn partition.", region: "cn-northwest-1", want: "aws-cn"},
		"GovCloud":   {reason: "GovCloud regions are in the aws-us-gov partition.", region: "us-gov-west-1", want: "aws-us-gov"},
		"GovCloudE":  {reason: "Every us-gov- region is in the aws-us-gov partition.", region: "us-gov-east-1", want: "aws-us-gov"},
		"Europe":     {reason: "European regions are in the aws partition.", region: "eu-central-1", want: "aws"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, partition(tc.region)); diff != "" {
				t.Errorf("\n%s\npartition(%q): -want, +got:\n%s", tc.reason, tc.region, diff)
			}
		})
	}
}
