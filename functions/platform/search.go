package main

import (
	"fmt"
	"regexp"

	"github.com/crossplane/function-sdk-go/resource"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	osv1beta1 "github.com/upbound/provider-aws/apis/opensearch/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Names of search resources.
const (
	nameSearch       resource.Name = "search-domain"
	nameSearchAdmin  resource.Name = "iam-role-search-admin"
	nameSearchPolicy resource.Name = "search-domain-policy"
	portHTTPS                      = 443
)

// OpenSearch Service's EBS volume size quotas ("EBS volume size quotas",
// Amazon OpenSearch Service Developer Guide; the copy we read is
// awsdocs/amazon-opensearch-service-developer-guide, doc_source/limits.md).
// The domain's data nodes get gp3 volumes of 10 GiB or more (search.go).
var (
	// openSearchMaxVolumeGiB is the largest gp3 volume of each instance
	// type whose largest is under the XRD's bound of 3000 GiB. The table
	// we read predates the Graviton3 (7g) types: each is bounded as the
	// Graviton2 (6g) type of its family and size, which has the same vCPUs
	// and memory.
	openSearchMaxVolumeGiB = map[string]int{
		"t3.small.search": 100, "t3.medium.search": 200,
		"c5.large.search": 256, "c6g.large.search": 256, "c7g.large.search": 256,
		"c5.xlarge.search": 512, "c6g.xlarge.search": 512, "c7g.xlarge.search": 512,
		"c5.2xlarge.search": 1024, "c6g.2xlarge.search": 1024, "c7g.2xlarge.search": 1024,
		"c5.4xlarge.search": 1536, "c6g.4xlarge.search": 1536, "c7g.4xlarge.search": 1536,
		"m5.large.search": 1024, "m6g.large.search": 1024, "m7g.large.search": 1024,
		"m5.xlarge.search": 2048, "m6g.xlarge.search": 2048, "m7g.xlarge.search": 2048,
		"r5.large.search": 2048, "r6g.large.search": 2048, "r7g.large.search": 2048,
	}
	// openSearchNoGP3 matches the families the table gives no gp3 volume:
	// previous generations with gp2 or magnetic only, and the types that
	// have instance storage and no EBS at all.
	openSearchNoGP3 = regexp.MustCompile(`^(t2|m3|m4|c4|r3|r4|i2|i3|r6gd)\.`)
)

// checkOpenSearchVolume refuses a data node type that takes no gp3 volume,
// and a volume larger than its type takes.
func checkOpenSearchVolume(path *field.Path, o v1alpha1.OpenSearch) error {
	if openSearchNoGP3.MatchString(o.InstanceType) {
		return field.Invalid(path.Child("instanceType"), o.InstanceType, "OpenSearch Service attaches no gp3 volume to this type (a previous generation, or instance storage only): pick a current one such as r7g.large.search")
	}
	if limit, ok := openSearchMaxVolumeGiB[o.InstanceType]; ok && o.VolumeSizeGiB > limit {
		return field.Invalid(path.Child("volumeSizeGiB"), o.VolumeSizeGiB, fmt.Sprintf("OpenSearch Service attaches at most %d GiB to each %s data node: pick a larger instanceType or a smaller volume", limit, o.InstanceType))
	}
	return nil
}

// searchAdminRole is the IAM role mapped to OpenSearch's master user:
// fine-grained access control without a password to generate or store.
func (p *plan) searchAdminRole() string {
	return compose.Truncate(p.Name+"-search-admin", maxIAMRoleName)
}

// search composes the optional OpenSearch domain. Tutor uses Meilisearch
// since v19, so this is for platforms that still run Elasticsearch-era
// plugins or analytics. It waits for the account id, which its access
// policy and master user name.
func search(p *plan, dataKeyARN string) ([]compose.Resource, []string, error) {
	if !p.OpenSearch.Enabled {
		return nil, nil, nil
	}
	rs := securityGroup(p, "search", portHTTPS, "OpenSearch of Open edX platform "+p.Name+": HTTPS from the private-app subnets only")
	if dataKeyARN == "" {
		return rs, []string{fmt.Sprintf("the ARN of KMS key %q (for the account id)", nameDataKey)}, nil
	}
	account, err := dataKeyAccount(p, dataKeyARN)
	if err != nil {
		return nil, nil, err
	}
	adminARN := fmt.Sprintf("arn:%s:iam::%s:role/%s", p.Partition, account, p.searchAdminRole())
	trust, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
		Effect:    "Allow",
		Principal: map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", p.Partition, account)},
		Action:    []string{"sts:AssumeRole"},
	}}}.JSON()
	if err != nil {
		return nil, nil, err
	}
	domainName := awsnames.OpenSearchDomain.Name(p.Name + "-search")
	// Requests must be signed by a principal of the account; fine-grained
	// access control then decides what each may do.
	access, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
		Effect:    "Allow",
		Principal: map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", p.Partition, account)},
		Action:    []string{"es:ESHttp*"},
		Resource:  []string{fmt.Sprintf("arn:%s:es:%s:%s:domain/%s/*", p.Partition, p.Region, account, domainName)},
	}}}.JSON()
	if err != nil {
		return nil, nil, err
	}

	auditLogs, err := searchAuditLogs(p, account, domainName)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, auditLogs...)

	production := p.Profile == v1alpha1.ProfileProduction
	cc := osv1beta1.ClusterConfigParameters{
		InstanceType: &p.OpenSearch.InstanceType,
	}
	subnets := map[string]string{LabelTier: string(TierPrivateDB), LabelZone: p.Zones[0]}
	data, masters := searchNodes(p)
	cc.InstanceCount = ptr.To(float64(data))
	if production {
		cc.ZoneAwarenessEnabled = ptr.To(true)
		cc.ZoneAwarenessConfig = []osv1beta1.ZoneAwarenessConfigParameters{{AvailabilityZoneCount: ptr.To(float64(len(p.Zones)))}}
		// Dedicated masters keep the cluster electing a leader when a zone
		// and its data node are lost.
		cc.DedicatedMasterEnabled = ptr.To(true)
		cc.DedicatedMasterCount = ptr.To(float64(masters))
		cc.DedicatedMasterType = ptr.To(searchMasterType)
		subnets = map[string]string{LabelTier: string(TierPrivateDB)}
	}

	return append(rs,
		compose.Resource{Name: nameSearchAdmin, Object: &iamv1beta1.Role{
			ObjectMeta: externallyNamed(p.searchAdminRole(), map[string]string{LabelRole: "search-admin"}),
			Spec: iamv1beta1.RoleSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: iamv1beta1.RoleParameters{
					AssumeRolePolicy: &trust,
					Description:      ptr.To("OpenSearch master user of Open edX platform " + p.Name),
					Tags:             p.tags(p.searchAdminRole()),
				},
			},
		}},
		compose.Resource{Name: nameSearch, Object: &osv1beta1.Domain{
			ObjectMeta: meta(map[string]string{LabelRole: "search"}),
			Spec: osv1beta1.DomainSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: osv1beta1.DomainParameters{
					Region:        &p.Region,
					DomainName:    &domainName,
					EngineVersion: &p.OpenSearch.EngineVersion,
					ClusterConfig: []osv1beta1.ClusterConfigParameters{cc},
					EBSOptions: []osv1beta1.EBSOptionsParameters{{
						EBSEnabled: ptr.To(true),
						VolumeType: ptr.To("gp3"),
						VolumeSize: ptr.To(float64(p.OpenSearch.VolumeSizeGiB)),
					}},
					EncryptAtRest:        []osv1beta1.EncryptAtRestParameters{{Enabled: ptr.To(true), KMSKeyIDSelector: dataKeySelector()}},
					NodeToNodeEncryption: []osv1beta1.NodeToNodeEncryptionParameters{{Enabled: ptr.To(true)}},
					DomainEndpointOptions: []osv1beta1.DomainEndpointOptionsParameters{{
						EnforceHTTPS:      ptr.To(true),
						TLSSecurityPolicy: ptr.To("Policy-Min-TLS-1-2-PFS-2023-10"),
					}},
					AdvancedSecurityOptions: []osv1beta1.AdvancedSecurityOptionsParameters{{
						Enabled:                     ptr.To(true),
						AnonymousAuthEnabled:        ptr.To(false),
						InternalUserDatabaseEnabled: ptr.To(false),
						MasterUserOptions:           []osv1beta1.MasterUserOptionsParameters{{MasterUserArn: &adminARN}},
					}},
					VPCOptions: []osv1beta1.VPCOptionsParameters{{
						SubnetIDSelector:        selector(subnets),
						SecurityGroupIDSelector: selector(map[string]string{LabelRole: securityGroupRole("search")}),
					}},
					LogPublishingOptions: searchLogPublishing(),
					Tags:                 p.tags(domainName),
				},
			},
		}},
		compose.Resource{Name: nameSearchPolicy, Object: &osv1beta1.DomainPolicy{
			Spec: osv1beta1.DomainPolicySpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: osv1beta1.DomainPolicyParameters{
					Region:             &p.Region,
					DomainNameSelector: selector(map[string]string{LabelRole: "search"}),
					AccessPolicies:     &access,
				},
			},
		}},
	), nil, nil
}

// searchStatus is how tenants reach OpenSearch.
func searchStatus(observed map[resource.Name]resource.ObservedComposed) v1alpha1.SearchStatus {
	return v1alpha1.SearchStatus{Endpoint: compose.ObservedString(observed, nameSearch, "status.atProvider.endpoint")}
}
