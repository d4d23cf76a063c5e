package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsregions"
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

	defaultTenantCapacity        = 50
	defaultDatabaseVersion       = "8.0.mysql_aurora.3.10.0"
	defaultDatabaseClass         = "db.r7g.large"
	defaultServerlessMaxCapacity = 4
	defaultBackupRetentionDays   = 7
	defaultCacheVersion          = "8.0"
	defaultMongoDBVersion        = "7.0"
	defaultOpenSearchVersion     = "OpenSearch_2.19"
	defaultOpenSearchVolumeGiB   = 50

	defaultRateLimit           = 2000
	defaultStaticRateLimit     = 20000
	defaultBastionInstanceType = "t4g.nano"
	defaultKeepUntagged        = 10
)

// defaultRepositories hold the images Tutor builds: openedx and the MFEs.
var defaultRepositories = []string{"openedx", "openedx-mfe"}

// Per-profile defaults of sizes left empty in the spec.
var (
	defaultCacheNodeType = map[v1alpha1.Profile]string{
		v1alpha1.ProfileProduction: "cache.r7g.large", v1alpha1.ProfileSmall: "cache.t4g.micro",
	}
	defaultMongoDBInstanceType = map[v1alpha1.Profile]string{
		v1alpha1.ProfileProduction: "r7g.large", v1alpha1.ProfileSmall: "t4g.small",
	}
	defaultMongoDBVolumeGiB = map[v1alpha1.Profile]int{
		v1alpha1.ProfileProduction: 100, v1alpha1.ProfileSmall: 30,
	}
	// SSM through interface endpoints in every zone, or through the NAT
	// gateway: the endpoints cost more than the small profile's NAT.
	defaultSSMEndpoints = map[v1alpha1.Profile]bool{
		v1alpha1.ProfileProduction: true, v1alpha1.ProfileSmall: false,
	}
	defaultOpenSearchInstanceType = map[v1alpha1.Profile]string{
		v1alpha1.ProfileProduction: "r7g.large.search", v1alpha1.ProfileSmall: "t3.small.search",
	}
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
	// SpotForTenants composes the spot NodePool (spot.go).
	SpotForTenants bool

	ProviderConfigName string
	CostCenter         string

	TenantCapacity int
	Database       v1alpha1.Database
	Cache          v1alpha1.Cache
	MongoDB        v1alpha1.MongoDB
	OpenSearch     v1alpha1.OpenSearch

	// Domain is the base domain, "" when the platform has none; HostedZoneID
	// is set when an existing zone is adopted.
	Domain       string
	HostedZoneID string
	// RateLimit and StaticRateLimit are the per-IP limits of the load
	// balancer's and the distribution's web ACLs.
	RateLimit       int64
	StaticRateLimit int64
	Bastion         bool
	BastionType     string
	SSMEndpoints    bool
	Repositories    []string
	KeepUntagged    int
}

var (
	reK8s = regexp.MustCompile(`^1\.(29|[3-9][0-9])$`)
)

const (
	// maxCompositeName is Crossplane's limit on composite names, which it
	// also uses as label values.
	maxCompositeName     = 63
	maxPublicAccessCIDRs = 40
	// maxDomain leaves static.<domain>, the first name of its certificate,
	// within the 64 characters ACM allows that name.
	maxDomain = 64 - len(staticPrefix)
)

// minPublicAccessBits is the widest prefix that may reach the cluster's
// public endpoint: an organisation's egress range, never the Internet.
func minPublicAccessBits(p netip.Prefix) int {
	if p.Addr().Is4() {
		return 16
	}
	return 48
}

// logRetentionDays are the values CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

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
		// On unless set to false, as the XRD defaults it.
		SpotForTenants:     ptr.Deref(s.Kubernetes.SpotForTenants, true),
		ProviderConfigName: s.ProviderConfigName,
		CostCenter:         s.CostCenter,
	}
	if p.Name == "" {
		return nil, field.Required(field.NewPath("metadata", "name"), "the composite resource has no name")
	}
	// Every name the API server accepts is made valid for AWS by
	// internal/awsnames; only the 63 characters Crossplane allows are
	// checked here, for callers that bypass the API server.
	if len(p.Name) > maxCompositeName {
		return nil, field.TooLong(field.NewPath("metadata", "name"), p.Name, maxCompositeName)
	}
	if _, ok := awsregions.Zones[s.Region]; !ok {
		return nil, field.NotSupported(sp.Child("region"), s.Region, awsregions.Regions())
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
		return nil, field.Invalid(sp.Child("kubernetes", "version"), p.KubernetesVersion, "must be a minor version such as 1.34, and 1.29 or later: EKS Auto Mode requires it")
	}
	if len(p.PublicAccessCIDRs) > maxPublicAccessCIDRs {
		return nil, field.TooMany(sp.Child("kubernetes", "publicAccessCidrs"), len(p.PublicAccessCIDRs), maxPublicAccessCIDRs)
	}
	for i, c := range p.PublicAccessCIDRs {
		cp, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, field.Invalid(sp.Child("kubernetes", "publicAccessCidrs").Index(i), c, "must be a CIDR such as 203.0.113.10/32")
		}
		if cp.Bits() < minPublicAccessBits(cp) {
			return nil, field.Invalid(sp.Child("kubernetes", "publicAccessCidrs").Index(i), c, "must be an IPv4 /16 or an IPv6 /48, or narrower: the API endpoint must not face the Internet at large")
		}
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = defaultLogRetentionDays
	}
	if !slices.Contains(logRetentionDays, p.LogRetentionDays) {
		return nil, field.NotSupported(sp.Child("kubernetes", "logRetentionDays"), p.LogRetentionDays, strings.Fields(strings.Trim(fmt.Sprint(logRetentionDays), "[]")))
	}
	if p.KubeconfigNamespace == "" {
		p.KubeconfigNamespace = defaultKubeconfigNamespace
	}
	if errs := validation.IsDNS1123Label(p.KubeconfigNamespace); len(errs) > 0 {
		return nil, field.Invalid(sp.Child("kubernetes", "kubeconfigSecretNamespace"), p.KubeconfigNamespace, strings.Join(errs, "; "))
	}
	if p.ProviderConfigName == "" {
		p.ProviderConfigName = defaultProviderConfigName
	}
	if errs := validation.IsDNS1123Subdomain(p.ProviderConfigName); len(errs) > 0 {
		return nil, field.Invalid(sp.Child("providerConfigName"), p.ProviderConfigName, strings.Join(errs, "; "))
	}
	if err := p.defaultData(xr.Spec, sp); err != nil {
		return nil, err
	}
	if err := p.defaultEdge(xr.Spec, sp); err != nil {
		return nil, err
	}
	return p, nil
}

// reDomain is the XRD's pattern of spec.dns.domain.
var reDomain = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// inRange refuses v outside [lo, hi], as the XRD's minimum and maximum do.
func inRange[T int | int64](path *field.Path, v, lo, hi T) error {
	if v < lo || v > hi {
		return field.Invalid(path, v, fmt.Sprintf("must be %d to %d", lo, hi))
	}
	return nil
}

// replicasPerZone defaults and checks a production store's copies beyond
// its primary: one in each other zone by default, at most that many, and
// none in the small profile, which runs a single instance.
func (p *plan) replicasPerZone(path *field.Path, set *int, small string) (*int, error) {
	if p.Profile != v1alpha1.ProfileProduction {
		if set != nil {
			return nil, field.Forbidden(path, "only the production profile has replicas: "+small)
		}
		return ptr.To(0), nil
	}
	n := len(p.Zones) - 1
	if set == nil {
		return &n, nil
	}
	if *set < 0 || *set > n {
		return nil, field.Invalid(path, *set, fmt.Sprintf("must be 0 to %d, one fewer than the zones", n))
	}
	return set, nil
}

// defaultEdge applies the edge's defaults and checks what the XRD checks.
func (p *plan) defaultEdge(s v1alpha1.XPlatformSpec, sp *field.Path) error {
	if s.DNS != nil {
		p.Domain, p.HostedZoneID = s.DNS.Domain, s.DNS.HostedZoneID
		if len(p.Domain) > maxDomain || !reDomain.MatchString(p.Domain) {
			return field.Invalid(sp.Child("dns", "domain"), p.Domain, fmt.Sprintf("must be a lower-case DNS name of at most %d characters (ACM refuses a certificate for %s<domain> over 64), such as learn.example.org", maxDomain, staticPrefix))
		}
	}
	p.RateLimit = compose.OrDefault(s.Ingress.RateLimit, defaultRateLimit)
	if err := inRange(sp.Child("ingress", "rateLimit"), p.RateLimit, 100, 2000000000); err != nil {
		return err
	}
	p.StaticRateLimit = compose.OrDefault(s.Ingress.StaticRateLimit, defaultStaticRateLimit)
	if err := inRange(sp.Child("ingress", "staticRateLimit"), p.StaticRateLimit, 100, 2000000000); err != nil {
		return err
	}
	p.Bastion = s.Bastion.Enabled == nil || *s.Bastion.Enabled
	p.BastionType = compose.OrDefault(s.Bastion.InstanceType, defaultBastionInstanceType)
	p.SSMEndpoints = defaultSSMEndpoints[p.Profile]
	if s.Bastion.SSMEndpoints != nil {
		p.SSMEndpoints = *s.Bastion.SSMEndpoints
	}
	p.Repositories = s.Registry.Repositories
	if len(p.Repositories) == 0 {
		p.Repositories = defaultRepositories
	}
	p.KeepUntagged = compose.OrDefault(s.Registry.UntaggedImagesToKeep, defaultKeepUntagged)
	return inRange(sp.Child("registry", "untaggedImagesToKeep"), p.KeepUntagged, 1, 1000)
}

// defaultData applies the data tier's defaults and checks what the XRD
// checks.
func (p *plan) defaultData(s v1alpha1.XPlatformSpec, sp *field.Path) error {
	var err error
	p.TenantCapacity = compose.OrDefault(s.TenantCapacity, defaultTenantCapacity)
	if p.TenantCapacity < 1 || p.TenantCapacity > 1000 {
		return field.Invalid(sp.Child("tenantCapacity"), s.TenantCapacity, "must be 1 to 1000")
	}

	p.Database = s.Database
	p.Database.EngineVersion = compose.OrDefault(p.Database.EngineVersion, defaultDatabaseVersion)
	p.Database.InstanceClass = compose.OrDefault(p.Database.InstanceClass, defaultDatabaseClass)
	p.Database.ServerlessMaxCapacity = compose.OrDefault(p.Database.ServerlessMaxCapacity, defaultServerlessMaxCapacity)
	p.Database.BackupRetentionDays = compose.OrDefault(p.Database.BackupRetentionDays, defaultBackupRetentionDays)
	if err := inRange(sp.Child("database", "serverlessMaxCapacity"), p.Database.ServerlessMaxCapacity, 1, 128); err != nil {
		return err
	}
	if p.Database.DeletionProtection == nil {
		p.Database.DeletionProtection = ptr.To(true)
	}
	if p.Database.BackupRetentionDays < 7 || p.Database.BackupRetentionDays > 35 {
		return field.Invalid(sp.Child("database", "backupRetentionDays"), p.Database.BackupRetentionDays, "must be 7 to 35")
	}
	if p.Database.Readers, err = p.replicasPerZone(sp.Child("database", "readers"), s.Database.Readers, "small runs one Aurora Serverless v2 instance"); err != nil {
		return err
	}

	p.Cache = s.Cache
	p.Cache.EngineVersion = compose.OrDefault(p.Cache.EngineVersion, defaultCacheVersion)
	p.Cache.NodeType = compose.OrDefault(p.Cache.NodeType, defaultCacheNodeType[p.Profile])
	if _, err := cacheParameterGroupFamily(p.Cache.EngineVersion); err != nil {
		return field.Invalid(sp.Child("cache", "engineVersion"), p.Cache.EngineVersion, err.Error())
	}
	if p.Cache.Replicas, err = p.replicasPerZone(sp.Child("cache", "replicas"), s.Cache.Replicas, "small runs one node"); err != nil {
		return err
	}

	p.MongoDB = s.MongoDB
	p.MongoDB.Version = compose.OrDefault(p.MongoDB.Version, defaultMongoDBVersion)
	p.MongoDB.VolumeSizeGiB = compose.OrDefault(p.MongoDB.VolumeSizeGiB, defaultMongoDBVolumeGiB[p.Profile])
	if err := inRange(sp.Child("mongodb", "volumeSizeGiB"), p.MongoDB.VolumeSizeGiB, 20, 16000); err != nil {
		return err
	}
	if e := p.MongoDB.External; e != nil {
		ep := sp.Child("mongodb", "external")
		if len(e.Hosts) == 0 {
			return field.Required(ep.Child("hosts"), "list the members as host:port")
		}
		for i, h := range e.Hosts {
			if !externalMongoDBHost.MatchString(h) || len(h) > maxExternalMongoDBHost {
				return field.Invalid(ep.Child("hosts").Index(i), h, "must be host:port: a DNS name, an IPv4 address or an [IPv6] address, and a port of 1 to 65535")
			}
		}
		if e.ReplicaSet == "" {
			return field.Required(ep.Child("replicaSet"), "name the replica set")
		}
		if !externalMongoDBReplicaSet.MatchString(e.ReplicaSet) || len(e.ReplicaSet) > maxExternalMongoDBReplicaSet {
			return field.Invalid(ep.Child("replicaSet"), e.ReplicaSet, fmt.Sprintf("must be at most %d letters, digits, '.', '_' and '-', starting with a letter or digit: tenants' connection strings take it unescaped", maxExternalMongoDBReplicaSet))
		}
		if e.AdminSecretARN == "" {
			return field.Required(ep.Child("adminSecretArn"), "tenants' users are created with these credentials")
		}
	} else {
		p.MongoDB.InstanceType = compose.OrDefault(p.MongoDB.InstanceType, defaultMongoDBInstanceType[p.Profile])
	}

	p.OpenSearch = s.Search.OpenSearch
	p.OpenSearch.EngineVersion = compose.OrDefault(p.OpenSearch.EngineVersion, defaultOpenSearchVersion)
	p.OpenSearch.InstanceType = compose.OrDefault(p.OpenSearch.InstanceType, defaultOpenSearchInstanceType[p.Profile])
	p.OpenSearch.VolumeSizeGiB = compose.OrDefault(p.OpenSearch.VolumeSizeGiB, defaultOpenSearchVolumeGiB)
	if err := inRange(sp.Child("search", "opensearch", "volumeSizeGiB"), p.OpenSearch.VolumeSizeGiB, 10, 3000); err != nil {
		return err
	}
	if !p.OpenSearch.Enabled {
		// Nothing is composed: a size no instance type takes is harmless.
		return nil
	}
	return checkOpenSearchVolume(sp.Child("search", "opensearch"), p.OpenSearch)
}

func availabilityZones(region string, given []string, profile v1alpha1.Profile, path *field.Path) ([]string, error) {
	if len(given) == 0 {
		if awsregions.TwoZonesPerAccount[region] {
			return nil, field.Required(path, "this region shows each account two zones of its own: list them in availabilityZones, with the small profile")
		}
		return awsregions.DefaultZones(region), nil
	}
	if len(given) < 2 || len(given) > 3 {
		return nil, field.Invalid(path, given, "must list 2 or 3 availability zones")
	}
	if profile == v1alpha1.ProfileProduction && len(given) != 3 {
		return nil, field.Invalid(path, given, "the production profile needs exactly 3 availability zones")
	}
	for _, z := range given {
		if !strings.HasPrefix(z, region) {
			return nil, field.Invalid(path, given, "every availability zone must be in spec.region")
		}
	}
	seen := map[string]bool{}
	for i, z := range given {
		if !awsregions.HasZone(region, z) {
			return nil, field.Invalid(path.Index(i), z, fmt.Sprintf("must be a zone of %s: one of %s", region, strings.Join(awsregions.AllZonesOf(region), ", ")))
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
