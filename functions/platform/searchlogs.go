package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	osv1beta1 "github.com/upbound/provider-aws/apis/opensearch/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// OpenSearch audit logs: who read or changed which index, with fine-grained
// access control's user, to CloudWatch Logs (Checkov CKV_AWS_317).
const (
	nameSearchAuditLogs       resource.Name = "log-group-search-audit"
	nameSearchAuditLogsPolicy resource.Name = "log-resource-policy-search-audit"

	roleSearchAuditLogs = "search-audit-logs"
)

// searchAuditLogGroupName is where the domain publishes its audit logs.
func (p *plan) searchAuditLogGroupName() string {
	return awsnames.LogGroup.Name("/aws/opensearch/" + p.Name + "/audit")
}

// searchAuditLogs composes the audit log group and the resource policy
// that lets OpenSearch, for this domain of this account only, write to it.
func searchAuditLogs(p *plan, account, domainName string) ([]compose.Resource, error) {
	group := p.searchAuditLogGroupName()
	groupARN := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", p.Partition, p.Region, account, group)
	doc, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
		Sid:       "OpenSearchWritesAuditLogs",
		Effect:    "Allow",
		Principal: map[string]string{"Service": "es.amazonaws.com"},
		Action:    []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource:  []string{groupARN + ":*"},
		Condition: map[string]map[string]string{
			"StringEquals": {"aws:SourceAccount": account},
			"ArnLike":      {"aws:SourceArn": fmt.Sprintf("arn:%s:es:%s:%s:domain/%s", p.Partition, p.Region, account, domainName)},
		},
	}}}.JSON()
	if err != nil {
		return nil, err
	}
	labels := map[string]string{LabelRole: roleSearchAuditLogs}
	return []compose.Resource{
		{Name: nameSearchAuditLogs, Object: &cwlv1beta1.Group{
			ObjectMeta: externallyNamed(group, labels),
			Spec: cwlv1beta1.GroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: cwlv1beta1.GroupParameters{
					Region:          &p.Region,
					RetentionInDays: ptr.To(float64(p.LogRetentionDays)),
					Tags:            p.tags(p.Name + "-search-audit"),
				},
			},
		}},
		{Name: nameSearchAuditLogsPolicy, Object: &cwlv1beta1.ResourcePolicy{
			// One resource policy per platform; an account holds at most 10.
			ObjectMeta: externallyNamed(awsnames.IAMPolicy.Name(p.Name+"-search-audit-logs"), labels),
			Spec: cwlv1beta1.ResourcePolicySpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: cwlv1beta1.ResourcePolicyParameters{
					Region:         &p.Region,
					PolicyDocument: &doc,
				},
			},
		}},
	}, nil
}

// searchLogPublishing is the domain's log publishing: audit logs to their
// group.
func searchLogPublishing() []osv1beta1.LogPublishingOptionsParameters {
	return []osv1beta1.LogPublishingOptionsParameters{{
		LogType:                       ptr.To("AUDIT_LOGS"),
		Enabled:                       ptr.To(true),
		CloudwatchLogGroupArnSelector: selector(map[string]string{LabelRole: roleSearchAuditLogs}),
	}}
}
