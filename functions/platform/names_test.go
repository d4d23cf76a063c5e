package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/awsnames"
)

// nameCheck is where a composed resource holds a name AWS validates: ""
// is its external name (the crossplane.io/external-name annotation, or the
// metadata.name Crossplane generated when there is none), any other path is
// a string field of the object.
type nameCheck struct {
	path string
	rule awsnames.Rule
}

// namedKinds lists, for every kind the platform composes, the names AWS
// or Kubernetes validates. A kind AWS identifies by an id it assigns has
// none. A kind missing from this table fails the test, so that a new
// resource cannot escape it.
var namedKinds = map[string][]nameCheck{
	"Cluster.rds":                    {{"", awsnames.RDSClusterID}, {"spec.forProvider.finalSnapshotIdentifier", awsnames.RDSSnapshotID}},
	"ClusterInstance.rds":            {{"", awsnames.RDSInstanceID}},
	"ClusterParameterGroup.rds":      {{"", awsnames.RDSParameterGroup}},
	"SubnetGroup.rds":                {{"", awsnames.RDSSubnetGroup}},
	"ReplicationGroup.elasticache":   {{"", awsnames.ElastiCacheReplicationGroupID}, {"spec.forProvider.parameterGroupName", awsnames.ElastiCacheParameterGroup}},
	"ParameterGroup.elasticache":     {{"spec.forProvider.name", awsnames.ElastiCacheParameterGroup}},
	"SubnetGroup.elasticache":        {{"", awsnames.ElastiCacheSubnetGroup}},
	"Domain.opensearch":              {{"spec.forProvider.domainName", awsnames.OpenSearchDomain}},
	"Cluster.eks":                    {{"", awsnames.EKSCluster}},
	"Role.iam":                       {{"", awsnames.IAMRole}},
	"RolePolicy.iam":                 {{"", awsnames.IAMPolicy}},
	"Policy.iam":                     {{"", awsnames.IAMPolicy}},
	"InstanceProfile.iam":            {{"", awsnames.IAMInstanceProfile}},
	"Bucket.s3":                      {{"", awsnames.S3Bucket}},
	"Secret.secretsmanager":          {{"spec.forProvider.name", awsnames.SecretsManagerName}},
	"Alias.kms":                      {{"", awsnames.KMSAlias}},
	"Group.cloudwatchlogs":           {{"", awsnames.LogGroup}},
	"WebACL.wafv2":                   {{"spec.forProvider.name", awsnames.WAFWebACL}},
	"ConfigurationSet.sesv2":         {{"", awsnames.SESConfigurationSet}},
	"Topic.sns":                      {{"", awsnames.SNSTopic}},
	"LaunchTemplate.ec2":             {{"spec.forProvider.name", awsnames.EC2LaunchTemplate}},
	"SecurityGroup.ec2":              {{"spec.forProvider.name", awsnames.EC2SecurityGroup}},
	"OriginAccessControl.cloudfront": {{"spec.forProvider.name", awsnames.CloudFrontOAC}},
	"Repository.ecr":                 {{"", awsnames.ECRRepository}},
	"ProviderConfig.kubernetes":      {{"metadata.name", awsnames.KubernetesName}},
	"Object.kubernetes":              {{"spec.forProvider.manifest.metadata.name", awsnames.KubernetesName}, {"spec.forProvider.manifest.metadata.namespace", awsnames.KubernetesNamespace}},
	"Zone.route53":                   nil, // DNS names: any subdomain below a valid name is one.
	"Record.route53":                 nil,

	// Identified by ids or ARNs AWS assigns, or by their parent's name.
	"Addon.eks": nil, "ClusterAuth.eks": nil, "PodIdentityAssociation.eks": nil,
	"BucketLifecycleConfiguration.s3": nil, "BucketOwnershipControls.s3": nil, "BucketPolicy.s3": nil,
	"BucketPublicAccessBlock.s3": nil, "BucketServerSideEncryptionConfiguration.s3": nil, "BucketVersioning.s3": nil,
	"BucketLogging.s3": nil,
	"Certificate.acm":  nil, "CertificateValidation.acm": nil, "ClusterUsage.protection": nil, "Usage.protection": nil,
	"ConfigurationSetEventDestination.sesv2": nil, "EmailIdentity.sesv2": nil, "EmailIdentityMailFromAttributes.sesv2": nil,
	"Distribution.cloudfront": nil, "DomainPolicy.opensearch": nil, "EIP.ec2": nil, "Instance.ec2": nil,
	"InternetGateway.ec2": nil, "Key.kms": nil, "LifecyclePolicy.ecr": nil, "NATGateway.ec2": nil,
	"RolePolicyAttachment.iam": nil, "Route.ec2": nil, "RouteTable.ec2": nil, "RouteTableAssociation.ec2": nil,
	"SecretVersion.secretsmanager": nil, "SecurityGroupEgressRule.ec2": nil, "SecurityGroupIngressRule.ec2": nil,
	"Subnet.ec2": nil, "VPC.ec2": nil, "VPCEndpoint.ec2": nil, "VPCEndpointRouteTableAssociation.ec2": nil,
	"VPCEndpointSecurityGroupAssociation.ec2": nil, "VPCEndpointSubnetAssociation.ec2": nil,
	"WebACLLoggingConfiguration.wafv2": nil, "FlowLog.ec2": nil, "DomainLogPublishing.opensearch": nil,
	"ResourcePolicy.cloudwatchlogs": nil, // Its name is free text of up to 255 characters.
}

// acceptedPlatformNames are names the API server accepts for an XPlatform:
// DNS-1123 subdomains of at most 63 characters, those a claim gets (57
// characters, '-' and five random ones) and those that broke AWS before.
func acceptedPlatformNames() []string {
	r := rand.New(rand.NewPCG(13, 1))
	names := []string{
		"prod", "1prod", "sthree-prod", "amzn-s3-demo-prod", "prod--eu", "prod.eu", "a", "0", "a-b.c-d", "x--y--z",
		strings.Repeat("a", 63), strings.Repeat("7", 63), strings.Repeat("a-", 31) + "b",
		strings.Repeat("ab.", 20) + "abc", "a" + strings.Repeat("-", 61) + "z",
		awsnames.RandomSubdomain(r, 57) + "-bcd2f",
	}
	for i := 0; i < 25; i++ {
		names = append(names, awsnames.RandomSubdomain(r, 1+r.IntN(63)))
	}
	return names
}

// TestDerivedNamesAreValid composes a whole platform, every optional part
// on, for every kind of accepted name, lets the fake provider create it
// (generating metadata.name as Crossplane does), and checks every name AWS
// or Kubernetes validates against internal/awsnames' table.
func TestDerivedNamesAreValid(t *testing.T) {
	for _, name := range acceptedPlatformNames() {
		t.Run(fmt.Sprintf("%d-%s", len(name), name), func(t *testing.T) {
			xr := fmt.Sprintf(`{"apiVersion":"platform.openedx.cloud/v1alpha1","kind":"XPlatform","metadata":{"name":%q},
				"spec":{"region":"eu-west-1","costCenter":"cc","dns":{"domain":"learn.example.org"},"search":{"opensearch":{"enabled":true}}}}`, name)
			observed := observeAs(t, name, run(t, newRequest(xr, nil, nil)), nil)
			for pass := 0; pass < 6; pass++ {
				observed = observeAs(t, name, run(t, newRequest(xr, observed, nil)), nil)
			}
			checked := 0
			for key, r := range observed {
				u := &unstructured.Unstructured{Object: r.GetResource().AsMap()}
				kind := u.GetKind() + "." + strings.Split(u.GroupVersionKind().Group, ".")[0]
				checks, known := namedKinds[kind]
				if !known {
					t.Errorf("%s (%s) is not in namedKinds: add the names AWS validates", key, kind)
				}
				for _, c := range checks {
					v := externalName(u)
					if c.path != "" {
						var ok bool
						v, ok, _ = unstructured.NestedString(u.Object, strings.Split(c.path, ".")...)
						if !ok {
							continue
						}
					}
					checked++
					if err := c.rule.Check(v); err != nil {
						t.Errorf("%s %s: %v", key, c.path, err)
					}
				}
				for k, v := range u.GetLabels() {
					if err := awsnames.KubernetesLabelValue.Check(v); err != nil {
						t.Errorf("%s label %s: %v", key, k, err)
					}
				}
			}
			if checked < 40 {
				t.Errorf("checked only %d names: the platform was not composed in full", checked)
			}
		})
	}
}

// externalName is the name the provider gives AWS.
func externalName(u *unstructured.Unstructured) string {
	if n := u.GetAnnotations()["crossplane.io/external-name"]; n != "" {
		return n
	}
	return u.GetName()
}
