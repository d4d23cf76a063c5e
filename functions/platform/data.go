package main

import (
	"fmt"
	"regexp"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// What the data stores share: a KMS key, one security group each, and
// Secrets Manager secrets for their credentials.

const nameDataKey resource.Name = "kms-key-data"

// roleDataKey labels the data key, for selectors of encrypted resources.
const roleDataKey = "data"

// dataKey encrypts every data store at rest, their snapshots and their
// credentials. It is separate from the EKS secrets key so that access to
// one does not grant the other.
//
// The key outlives its platform (deletion policy Orphan). What a deleted
// platform keeps on purpose is encrypted with it: the Aurora final snapshot,
// the MongoDB members' data volumes, and the buckets and secrets of tenants
// deleted with deletionPolicy Orphan. Deleting the key would make all of
// them unreadable for good once its 30-day window ends; keeping it costs
// $1 a month until an operator schedules its deletion.
func dataKey(p *plan) compose.Resource {
	spec := p.resourceSpec()
	spec.DeletionPolicy = xpv1.DeletionOrphan
	return compose.Resource{Name: nameDataKey, Object: &kmsv1beta1.Key{
		ObjectMeta: meta(map[string]string{LabelRole: roleDataKey}),
		Spec: kmsv1beta1.KeySpec{
			ResourceSpec: spec,
			ForProvider: kmsv1beta1.KeyParameters{
				Region:               &p.Region,
				Description:          ptr.To(fmt.Sprintf("Encryption at rest of the data stores and credentials of Open edX platform %s", p.Name)),
				EnableKeyRotation:    ptr.To(true),
				DeletionWindowInDays: ptr.To(float64(30)),
				Tags:                 p.tags(p.Name + "-data"),
			},
		},
	}}
}

// dataKeySelector selects the data key.
func dataKeySelector() *xpv1.Selector { return selector(map[string]string{LabelRole: roleDataKey}) }

// appCIDRs are the private-app subnets, where every node and pod lives: the
// only clients the data stores accept.
func (p *plan) appCIDRs() []string {
	var out []string
	for _, s := range p.Subnets {
		if s.Tier == TierPrivateApp {
			out = append(out, s.CIDR.String())
		}
	}
	return out
}

// securityGroupRole labels a store's security group.
func securityGroupRole(store string) string { return "sg-" + store }

// securityGroup is a store's security group, with one ingress rule on port
// from each private-app subnet and nothing else. No egress rule is added:
// managed stores answer, they do not call out.
func securityGroup(p *plan, store string, port int, description string) []compose.Resource {
	role := securityGroupRole(store)
	rs := []compose.Resource{bareSecurityGroup(p, resource.Name("security-group-"+store), store, description)}
	for i, z := range p.Zones {
		rs = append(rs, compose.Resource{
			Name:   resource.Name(fmt.Sprintf("security-group-%s-ingress-%s", store, z)),
			Object: ingressFromCIDR(p, role, p.appCIDRs()[i], port, "Open edX pods and nodes in "+z),
		})
	}
	return rs
}

// bareSecurityGroup is a security group of the platform's VPC without any
// rule: rules are composed separately, each stated once.
func bareSecurityGroup(p *plan, name resource.Name, id, description string) compose.Resource {
	awsName := awsnames.EC2SecurityGroup.Name(fmt.Sprintf("%s-%s", p.Name, id))
	return compose.Resource{Name: name, Object: &ec2v1beta1.SecurityGroup{
		ObjectMeta: meta(map[string]string{LabelRole: securityGroupRole(id)}),
		Spec: ec2v1beta1.SecurityGroupSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: ec2v1beta1.SecurityGroupParameters_2{
				Region:        &p.Region,
				Name:          &awsName,
				Description:   &description,
				VPCIDSelector: selector(map[string]string{LabelRole: "vpc"}),
				Tags:          p.tags(awsName),
			},
		},
	}}
}

// egressToCIDR lets the group labelled role reach cidr on a TCP port.
func egressToCIDR(p *plan, role, cidr string, port int, description, tagName string) *ec2v1beta1.SecurityGroupEgressRule {
	return &ec2v1beta1.SecurityGroupEgressRule{
		Spec: ec2v1beta1.SecurityGroupEgressRuleSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: ec2v1beta1.SecurityGroupEgressRuleParameters{
				Region:                  &p.Region,
				SecurityGroupIDSelector: selector(map[string]string{LabelRole: role}),
				CidrIPv4:                &cidr,
				IPProtocol:              ptr.To("tcp"),
				FromPort:                ptr.To(float64(port)),
				ToPort:                  ptr.To(float64(port)),
				Description:             &description,
				Tags:                    p.tags(tagName),
			},
		},
	}
}

func ingressFromCIDR(p *plan, role, cidr string, port int, description string) *ec2v1beta1.SecurityGroupIngressRule {
	return &ec2v1beta1.SecurityGroupIngressRule{
		Spec: ec2v1beta1.SecurityGroupIngressRuleSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: ec2v1beta1.SecurityGroupIngressRuleParameters{
				Region:                  &p.Region,
				SecurityGroupIDSelector: selector(map[string]string{LabelRole: role}),
				CidrIPv4:                &cidr,
				IPProtocol:              ptr.To("tcp"),
				FromPort:                ptr.To(float64(port)),
				ToPort:                  ptr.To(float64(port)),
				Description:             &description,
				Tags:                    p.tags(p.Name),
			},
		},
	}
}

// secretName is where a platform credential lives in Secrets Manager. Every
// platform secret is under openedx/<platform>/, tenants' under
// tenantnames.SecretsPath, so IAM policies can scope by path.
func (p *plan) secretName(id string) string { return fmt.Sprintf("openedx/%s/%s", p.Name, id) }

// secret is a Secrets Manager secret encrypted with the data key. Its value
// is written by whoever owns the credential, never by this function.
func secret(p *plan, name resource.Name, id, description string) compose.Resource {
	return compose.Resource{Name: name, Object: &smv1beta1.Secret{
		ObjectMeta: meta(map[string]string{LabelRole: "secret-" + id}),
		Spec: smv1beta1.SecretSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: smv1beta1.SecretParameters{
				Region:           &p.Region,
				Name:             ptr.To(p.secretName(id)),
				Description:      &description,
				KMSKeyIDSelector: dataKeySelector(),
				// A deleted credential can be restored for 30 days.
				RecoveryWindowInDays: ptr.To(float64(30)),
				Tags:                 p.tags(p.secretName(id)),
			},
		},
	}}
}

// reKMSKeyARN is a KMS key ARN: arn:PARTITION:kms:REGION:ACCOUNT:key/ID.
var reKMSKeyARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(?:-gov)?-[a-z]+-[0-9]):([0-9]{12}):key/([A-Za-z0-9-]{1,128})$`)

// dataKeyAccount is the account of the platform's data key, which must be
// in the platform's partition and region. Some policies must name the
// account, which only AWS knows: the spec never asks for it.
func dataKeyAccount(p *plan, arn string) (string, error) {
	m := reKMSKeyARN.FindStringSubmatch(arn)
	if m == nil {
		return "", errors.Errorf("%q is not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID)", arn)
	}
	if m[1] != p.Partition || m[2] != p.Region {
		return "", errors.Errorf("KMS key %q is not in partition %s and region %s of the platform", arn, p.Partition, p.Region)
	}
	return m[3], nil
}

// dataKeyThroughSecretsManager lets a role use the data key only for
// Secrets Manager, which encrypts and decrypts secrets with it on the
// role's behalf: the key itself never decrypts anything else for it.
func dataKeyThroughSecretsManager(p *plan, dataKeyARN string) awsiam.Statement {
	return awsiam.Statement{
		Sid:       "DataKeyThroughSecretsManager",
		Effect:    "Allow",
		Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
		Resource:  []string{dataKeyARN},
		Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", p.Region)}},
	}
}

// dataKeyStatus is the data key and the platform's account, once AWS has
// reported the key: tenants name both in their policies.
func dataKeyStatus(p *plan, observed map[resource.Name]resource.ObservedComposed) (account, dataKeyARN string) {
	dataKeyARN = observedDataKeyARN(observed)
	if dataKeyARN == "" {
		return "", ""
	}
	// A key outside the platform's partition and region is refused by
	// the tiers that need the account; none is published then.
	account, err := dataKeyAccount(p, dataKeyARN)
	if err != nil {
		return "", ""
	}
	return account, dataKeyARN
}

// observedDataKeyARN is the data key's ARN as AWS reported it or, should
// the key's observed state be missing, as the stores that wait for it were
// created with: what exists is never dropped from the desired state.
func observedDataKeyARN(observed map[resource.Name]resource.ObservedComposed) string {
	for _, src := range []struct {
		name resource.Name
		path string
	}{
		{nameDataKey, "status.atProvider.arn"},
		{nameMongoDBLaunchTemplate, "spec.forProvider.blockDeviceMappings[0].ebs[0].kmsKeyId"},
		{nameSearch, "spec.forProvider.encryptAtRest[0].kmsKeyId"},
		{nameStorageClass, "spec.forProvider.manifest.parameters.kmsKeyId"},
	} {
		if arn := compose.ObservedString(observed, src.name, src.path); arn != "" {
			return arn
		}
	}
	return ""
}

// dataTier composes every data store. missing names what some of them wait
// for; the rest is composed meanwhile.
func dataTier(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	dataKeyARN := observedDataKeyARN(observed)
	rs = append([]compose.Resource{dataKey(p)}, database(p)...)

	c, err := cache(p)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, c...)

	for _, store := range []func(*plan, string) ([]compose.Resource, []string, error){mongodb, search} {
		srs, m, err := store(p, dataKeyARN)
		if err != nil {
			return nil, nil, err
		}
		rs = append(rs, srs...)
		missing = append(missing, m...)
	}
	return rs, missing, nil
}
