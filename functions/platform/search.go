package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	osv1beta1 "github.com/upbound/provider-aws/apis/opensearch/v1beta1"
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
