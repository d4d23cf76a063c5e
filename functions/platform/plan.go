package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Labels set on composed resources so that references between them can
// select by zone, tier and role among resources of the same composite.
const (
	LabelZone = v1alpha1.Group + "/zone"
	LabelTier = v1alpha1.Group + "/tier"
	LabelRole = v1alpha1.Group + "/role"
)

// Defaults, kept equal to the XRD's OpenAPI defaults: Crossplane applies
// those, but crossplane render and direct callers do not.
const (
	defaultVPCCIDR             = "10.0.0.0/16"
	defaultKubernetesVersion   = "1.34"
	defaultLogRetentionDays    = 90
	defaultKubeconfigNamespace = "crossplane-system"
	defaultProviderConfigName  = "default"
)

// plan is the validated and defaulted platform spec that every builder reads.
type plan struct {
	Name      string
	Region    string
	Partition string
	Zones     []string
	Profile   v1alpha1.Profile
	VPC       netip.Prefix
	Subnets   []subnet

	KubernetesVersion   string
	PublicAccessCIDRs   []string
	LogRetentionDays    int
	KubeconfigNamespace string

	ProviderConfigName string
	CostCenter         string
}

var (
	reRegion = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	reK8s    = regexp.MustCompile(`^1\.[0-9]{2}$`)
)

// newPlan validates the spec as the XRD does, so that a request that did not
// go through the API server (crossplane render, a test) fails the same way,
// and applies the XRD's defaults.
func newPlan(xr *v1alpha1.XPlatform) (*plan, error) {
	s := xr.Spec
	sp := field.NewPath("spec")
	p := &plan{
		Name:                xr.GetName(),
		Region:              s.Region,
		Profile:             s.Profile,
		KubernetesVersion:   s.Kubernetes.Version,
		PublicAccessCIDRs:   s.Kubernetes.PublicAccessCIDRs,
		LogRetentionDays:    s.Kubernetes.LogRetentionDays,
		KubeconfigNamespace: s.Kubernetes.KubeconfigSecretNamespace,
		ProviderConfigName:  s.ProviderConfigName,
		CostCenter:          s.CostCenter,
	}
	if p.Name == "" {
		return nil, field.Required(field.NewPath("metadata", "name"), "the composite resource has no name")
	}
	if !reRegion.MatchString(s.Region) {
		return nil, field.Invalid(sp.Child("region"), s.Region, "must be an AWS region such as eu-west-1")
	}
	p.Partition = partition(s.Region)
	if s.CostCenter == "" {
		return nil, field.Required(sp.Child("costCenter"), "every AWS resource is tagged with it")
	}
	if errs := validation.IsValidLabelValue(s.CostCenter); len(errs) > 0 {
		return nil, field.Invalid(sp.Child("costCenter"), s.CostCenter, strings.Join(errs, "; "))
	}
	if p.Profile == "" {
		p.Profile = v1alpha1.ProfileProduction
	}
	if p.Profile != v1alpha1.ProfileProduction && p.Profile != v1alpha1.ProfileSmall {
		return nil, field.NotSupported(sp.Child("profile"), s.Profile, []string{string(v1alpha1.ProfileProduction), string(v1alpha1.ProfileSmall)})
	}
	zones, err := availabilityZones(s.Region, s.AvailabilityZones, p.Profile, sp.Child("availabilityZones"))
	if err != nil {
		return nil, err
	}
	p.Zones = zones

	cidr := s.Networking.VPCCIDR
	if cidr == "" {
		cidr = defaultVPCCIDR
	}
	cp := sp.Child("networking", "vpcCidr")
	vpc, perr := netip.ParsePrefix(cidr)
	switch {
	case perr != nil || !vpc.Addr().Is4():
		return nil, field.Invalid(cp, cidr, "must be an IPv4 CIDR such as 10.0.0.0/16")
	case vpc.Bits() < 16 || vpc.Bits() > 20:
		return nil, field.Invalid(cp, cidr, "must be a /16 to a /20")
	case vpc.Masked() != vpc:
		return nil, field.Invalid(cp, cidr, fmt.Sprintf("has host bits set; did you mean %s?", vpc.Masked()))
	}
	p.VPC = vpc
	p.Subnets = planSubnets(vpc, zones)

	if p.KubernetesVersion == "" {
		p.KubernetesVersion = defaultKubernetesVersion
	}
	if !reK8s.MatchString(p.KubernetesVersion) {
		return nil, field.Invalid(sp.Child("kubernetes", "version"), p.KubernetesVersion, "must be a minor version such as 1.34")
	}
	for i, c := range p.PublicAccessCIDRs {
		if _, err := netip.ParsePrefix(c); err != nil {
			return nil, field.Invalid(sp.Child("kubernetes", "publicAccessCidrs").Index(i), c, "must be a CIDR such as 203.0.113.10/32")
		}
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = defaultLogRetentionDays
	}
	if p.KubeconfigNamespace == "" {
		p.KubeconfigNamespace = defaultKubeconfigNamespace
	}
	if p.ProviderConfigName == "" {
		p.ProviderConfigName = defaultProviderConfigName
	}
	return p, nil
}

// zonesByRegion lists regions whose first three zone names are not a, b, c.
// Zone names map to different physical zones in every account, so any three
// valid names spread the platform equally well.
var zonesByRegion = map[string][]string{
	"ap-northeast-1": {"a", "c", "d"},
	"ca-central-1":   {"a", "b", "d"},
}

// regionsWithTwoZones offer only two zones, and which two differs per
// account, so they cannot be derived.
var regionsWithTwoZones = map[string]bool{"us-west-1": true, "cn-north-1": true}

func availabilityZones(region string, given []string, profile v1alpha1.Profile, path *field.Path) ([]string, error) {
	if len(given) == 0 {
		if regionsWithTwoZones[region] {
			return nil, field.Required(path, fmt.Sprintf("%s has only two availability zones and their names differ per account: list them, and use the small profile", region))
		}
		suffixes, ok := zonesByRegion[region]
		if !ok {
			suffixes = []string{"a", "b", "c"}
		}
		zones := make([]string, len(suffixes))
		for i, s := range suffixes {
			zones[i] = region + s
		}
		return zones, nil
	}
	if len(given) < 2 || len(given) > 3 {
		return nil, field.Invalid(path, given, "must list 2 or 3 availability zones")
	}
	if profile == v1alpha1.ProfileProduction && len(given) != 3 {
		return nil, field.Invalid(path, given, "the production profile needs exactly 3 availability zones")
	}
	seen := map[string]bool{}
	for i, z := range given {
		if len(z) != len(region)+1 || !strings.HasPrefix(z, region) || z[len(z)-1] < 'a' || z[len(z)-1] > 'z' {
			return nil, field.Invalid(path.Index(i), z, fmt.Sprintf("must be a zone of %s such as %sa", region, region))
		}
		if seen[z] {
			return nil, field.Duplicate(path.Index(i), z)
		}
		seen[z] = true
	}
	return given, nil
}

// partition is the AWS partition of a region, for ARNs of AWS managed policies.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// tags of every AWS resource of the platform.
func (p *plan) tags(name string) map[string]*string {
	t := compose.Tags{Platform: p.Name, CostCenter: p.CostCenter}.Map()
	t["Name"] = &name
	return t
}

// meta is the metadata of a composed resource with the given labels.
func meta(labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: labels}
}

// externallyNamed is the metadata of a resource whose AWS name we choose.
func externallyNamed(name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{compose.AnnotationExternalName: name}}
}

// resourceSpec points a managed resource at the platform's provider-aws
// ProviderConfig.
func (p *plan) resourceSpec() xpv1.ResourceSpec {
	return xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: p.ProviderConfigName}}
}

// selector selects resources of this composite with the given labels.
func selector(labels map[string]string) *xpv1.Selector {
	t := true
	return &xpv1.Selector{MatchControllerRef: &t, MatchLabels: labels}
}
