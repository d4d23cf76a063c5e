package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// VPC flow logs: every accepted and rejected connection of the VPC, to a
// CloudWatch Logs group encrypted with its own KMS key and kept as long as
// the control-plane logs. They are what an incident responder asks for
// first (Checkov CKV2_AWS_11, CIS AWS 3.9).
const (
	nameFlowLog           resource.Name = "vpc-flow-log"
	nameFlowLogGroup      resource.Name = "log-group-vpc-flow-logs"
	nameFlowLogKey        resource.Name = "kms-key-flow-logs"
	nameFlowLogRole       resource.Name = "iam-role-flow-logs"
	nameFlowLogRolePolicy resource.Name = "iam-role-policy-flow-logs"

	roleFlowLogs = "flow-logs"
	// flowLogAggregationSeconds is the coarser of the two intervals AWS
	// offers: a tenth of the records of one-minute aggregation, for the
	// same forensic value.
	flowLogAggregationSeconds = 600
)

// flowLogGroupName is where the VPC's flow logs go.
func (p *plan) flowLogGroupName() string {
	return awsnames.LogGroup.Name("/aws/vpc/" + p.Name + "/flow-logs")
}

// flowLogsTier composes the VPC's flow logs. The key's policy and the
// role's name the log group's ARN, which holds the account id: they wait for
// the data key's ARN, which tells it.
func flowLogsTier(p *plan, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, []string, error) {
	dataKeyARN := observedDataKeyARN(observed)
	if dataKeyARN == "" {
		return nil, []string{fmt.Sprintf("the ARN of KMS key %q (for the account id of the flow logs)", nameDataKey)}, nil
	}
	account, err := dataKeyAccount(p, dataKeyARN)
	if err != nil {
		return nil, nil, err
	}
	return flowLogs(p, account)
}

// flowLogs composes the flow log, its log group, the group's key, and the
// role VPC Flow Logs assumes to write to that group and nothing else.
func flowLogs(p *plan, account string) ([]compose.Resource, []string, error) {
	group := p.flowLogGroupName()
	groupARN := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", p.Partition, p.Region, account, group)
	labels := map[string]string{LabelRole: roleFlowLogs}

	// CloudWatch Logs encrypts with the key as its regional service
	// principal, for this log group only.
	keyPolicy, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{
		{
			Sid:       "AccountAdministersTheKey",
			Effect:    "Allow",
			Principal: map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", p.Partition, account)},
			Action:    []string{"kms:*"},
			Resource:  []string{"*"},
		},
		{
			Sid:       "CloudWatchLogsEncryptsTheFlowLogs",
			Effect:    "Allow",
			Principal: map[string]string{"Service": fmt.Sprintf("logs.%s.amazonaws.com", p.Region)},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]string{"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": groupARN}},
		},
	}}.JSON()
	if err != nil {
		return nil, nil, err
	}
	// Only this account's flow logs may assume the role (confused deputy).
	trust := awsiam.ServiceTrust("vpc-flow-logs.amazonaws.com", "sts:AssumeRole")
	trust.Statement[0].Condition = map[string]map[string]string{"StringEquals": {"aws:SourceAccount": account}}
	trustJSON, err := trust.JSON()
	if err != nil {
		return nil, nil, err
	}
	// Least privilege: write streams of this one group.
	write, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
		Resource: []string{groupARN, groupARN + ":*"},
	}}}.JSON()
	if err != nil {
		return nil, nil, err
	}
	roleName := awsnames.IAMRole.Name(p.Name + "-flow-logs")
	return []compose.Resource{
		{Name: nameFlowLogKey, Object: &kmsv1beta1.Key{
			ObjectMeta: meta(labels),
			Spec: kmsv1beta1.KeySpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: kmsv1beta1.KeyParameters{
					Region:               &p.Region,
					Description:          ptr.To("Encryption of the VPC flow logs of Open edX platform " + p.Name),
					EnableKeyRotation:    ptr.To(true),
					DeletionWindowInDays: ptr.To(float64(30)),
					Policy:               &keyPolicy,
					Tags:                 p.tags(p.Name + "-flow-logs"),
				},
			},
		}},
		{Name: nameFlowLogGroup, Object: &cwlv1beta1.Group{
			ObjectMeta: externallyNamed(group, labels),
			Spec: cwlv1beta1.GroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: cwlv1beta1.GroupParameters{
					Region:           &p.Region,
					RetentionInDays:  ptr.To(float64(p.LogRetentionDays)),
					KMSKeyIDSelector: selector(labels),
					Tags:             p.tags(p.Name + "-flow-logs"),
				},
			},
		}},
		{Name: nameFlowLogRole, Object: &iamv1beta1.Role{
			ObjectMeta: externallyNamed(roleName, labels),
			Spec: iamv1beta1.RoleSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: iamv1beta1.RoleParameters{
					AssumeRolePolicy: &trustJSON,
					Description:      ptr.To("Assumed by VPC Flow Logs to write the flow logs of Open edX platform " + p.Name),
					Tags:             p.tags(roleName),
				},
			},
		}},
		rolePolicy(p, nameFlowLogRolePolicy, externallyNamed(awsnames.IAMPolicy.Name(p.Name+"-flow-logs"), labels), labels, write),
		{Name: nameFlowLog, Object: &ec2v1beta1.FlowLog{
			ObjectMeta: meta(labels),
			Spec: ec2v1beta1.FlowLogSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ec2v1beta1.FlowLogParameters{
					Region:                 &p.Region,
					VPCIDSelector:          selector(map[string]string{LabelRole: "vpc"}),
					TrafficType:            ptr.To("ALL"),
					LogDestinationType:     ptr.To("cloud-watch-logs"),
					LogDestinationSelector: selector(labels),
					IAMRoleArnSelector:     selector(labels),
					MaxAggregationInterval: ptr.To(float64(flowLogAggregationSeconds)),
					Tags:                   p.tags(p.Name + "-flow-logs"),
				},
			},
		}},
	}, nil, nil
}
