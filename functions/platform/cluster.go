package main

import (
	"fmt"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Names of cluster resources.
const (
	nameKMSKey      resource.Name = "kms-key-eks"
	nameClusterRole resource.Name = "iam-role-eks-cluster"
	// nameClusterTagPolicy lets Auto Mode tag what it creates.
	nameClusterTagPolicy resource.Name = "iam-policy-eks-cluster-tag-propagation"
	nameNodeRole         resource.Name = "iam-role-eks-node"
	nameLogGroup         resource.Name = "log-group-eks"
	nameCluster          resource.Name = "eks-cluster"
	nameClusterAuth      resource.Name = "eks-cluster-auth"
	nameKubeProvider     resource.Name = "provider-config-kubernetes"
)

// roleClusterAuth labels the ClusterAuth, for the selectors of usages.
const roleClusterAuth = "eks-cluster-auth"

// IAM role names are at most 64 characters.
const maxIAMRoleName = 64

// clusterLogTypes are all the control-plane logs EKS can send. Audit and
// authenticator logs are what an incident review needs.
var clusterLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// AWS managed policies that EKS Auto Mode needs on its cluster role: the
// control plane itself manages compute, block storage, load balancing and
// networking for the cluster.
var clusterRolePolicies = []string{
	"AmazonEKSClusterPolicy",
	"AmazonEKSComputePolicy",
	"AmazonEKSBlockStoragePolicy",
	"AmazonEKSLoadBalancingPolicy",
	"AmazonEKSNetworkingPolicy",
}

// nodeRolePolicies is all an Auto Mode node needs: no CNI policy on nodes,
// and image pulls only.
var nodeRolePolicies = []string{
	"AmazonEKSWorkerNodeMinimalPolicy",
	"AmazonEC2ContainerRegistryPullOnly",
}

// clusterName is the EKS cluster's name in AWS: the composite's, unique among
// platforms.
func (p *plan) clusterName() string { return awsnames.EKSCluster.Name(p.Name) }

// kubeconfigSecretName is the Secret ClusterAuth writes for provider-kubernetes.
func (p *plan) kubeconfigSecretName() string { return compose.Truncate(p.Name+"-kubeconfig", 253) }

// clusterPrerequisites are what the cluster needs to exist first: its
// encryption key, its roles and its log group.
func clusterPrerequisites(p *plan) ([]compose.Resource, error) {
	clusterRole, err := role(p, nameClusterRole, "eks-cluster", "Assumed by the EKS control plane to run Auto Mode compute, storage and load balancing", awsiam.ServiceTrust("eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession"))
	if err != nil {
		return nil, err
	}
	nodeRole, err := role(p, nameNodeRole, "eks-node", "Assumed by EKS Auto Mode nodes", awsiam.ServiceTrust("ec2.amazonaws.com", "sts:AssumeRole"))
	if err != nil {
		return nil, err
	}
	rs := []compose.Resource{
		{Name: nameKMSKey, Object: &kmsv1beta1.Key{
			ObjectMeta: meta(map[string]string{LabelRole: "eks-secrets"}),
			Spec: kmsv1beta1.KeySpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: kmsv1beta1.KeyParameters{
					Region:               &p.Region,
					Description:          ptr.To(fmt.Sprintf("Envelope encryption of Kubernetes secrets of EKS cluster %s", p.clusterName())),
					EnableKeyRotation:    ptr.To(true),
					DeletionWindowInDays: ptr.To(float64(30)),
					Tags:                 p.tags(p.Name + "-eks-secrets"),
				},
			},
		}},
		clusterRole,
		nodeRole,
		{Name: nameLogGroup, Object: &cwlv1beta1.Group{
			// EKS writes to this exact name; composing it first sets the
			// retention, which EKS would otherwise leave at "never expire".
			ObjectMeta: externallyNamed(fmt.Sprintf("/aws/eks/%s/cluster", p.clusterName()), map[string]string{LabelRole: "eks-logs"}),
			Spec: cwlv1beta1.GroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: cwlv1beta1.GroupParameters{
					Region:          &p.Region,
					RetentionInDays: ptr.To(float64(p.LogRetentionDays)),
					Tags:            p.tags(p.Name + "-eks-logs"),
				},
			},
		}},
	}
	for _, pol := range clusterRolePolicies {
		rs = append(rs, attachment(p, "eks-cluster", pol))
	}
	tagging, err := clusterTagPropagation(p)
	if err != nil {
		return nil, err
	}
	rs = append(rs, tagging)
	for _, pol := range nodeRolePolicies {
		rs = append(rs, attachment(p, "eks-node", pol))
	}
	return rs, nil
}

// clusterTagPropagation lets Auto Mode put the platform's cost tags on the
// load balancers, target groups, listeners, rules and security groups it
// creates: its managed policies allow creating them but not tagging them
// with user-defined tags. Tags may be set only while creating, never on
// resources that exist.
func clusterTagPropagation(p *plan) (compose.Resource, error) {
	doc, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{
		{
			Sid:       "TagLoadBalancingOnCreate",
			Effect:    "Allow",
			Action:    []string{"elasticloadbalancing:AddTags"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]string{"StringLike": {"elasticloadbalancing:CreateAction": "Create*"}},
		},
		{
			Sid:       "TagSecurityGroupsOnCreate",
			Effect:    "Allow",
			Action:    []string{"ec2:CreateTags"},
			Resource:  []string{fmt.Sprintf("arn:%s:ec2:%s:*:security-group/*", p.Partition, p.Region)},
			Condition: map[string]map[string]string{"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}},
		},
	}}.JSON()
	if err != nil {
		return compose.Resource{}, err
	}
	return rolePolicy(p, nameClusterTagPolicy, metav1.ObjectMeta{}, map[string]string{LabelRole: "eks-cluster"}, doc), nil
}

func role(p *plan, name resource.Name, roleLabel, description string, trust awsiam.PolicyDocument) (compose.Resource, error) {
	awsName := compose.Truncate(p.Name+"-"+roleLabel, maxIAMRoleName)
	doc, err := trust.JSON()
	if err != nil {
		return compose.Resource{}, err
	}
	return compose.Resource{Name: name, Object: &iamv1beta1.Role{
		ObjectMeta: externallyNamed(awsName, map[string]string{LabelRole: roleLabel}),
		Spec: iamv1beta1.RoleSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: iamv1beta1.RoleParameters{
				AssumeRolePolicy: &doc,
				Description:      &description,
				Tags:             p.tags(awsName),
			},
		},
	}}, nil
}

// rolePolicy is an inline policy of the role that roleLabels select.
func rolePolicy(p *plan, name resource.Name, om metav1.ObjectMeta, roleLabels map[string]string, policy string) compose.Resource {
	return compose.Resource{Name: name, Object: &iamv1beta1.RolePolicy{
		ObjectMeta: om,
		Spec: iamv1beta1.RolePolicySpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: iamv1beta1.RolePolicyParameters{
				Policy:       &policy,
				RoleSelector: selector(roleLabels),
			},
		},
	}}
}

func attachment(p *plan, roleLabel, policy string) compose.Resource {
	return compose.Resource{
		Name: resource.Name(fmt.Sprintf("iam-attachment-%s-%s", roleLabel, policy)),
		Object: &iamv1beta1.RolePolicyAttachment{
			Spec: iamv1beta1.RolePolicyAttachmentSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: iamv1beta1.RolePolicyAttachmentParameters{
					PolicyArn:    ptr.To(fmt.Sprintf("arn:%s:iam::aws:policy/%s", p.Partition, policy)),
					RoleSelector: selector(map[string]string{LabelRole: roleLabel}),
				},
			},
		},
	}
}

// clusterInputs are values the cluster needs that only AWS knows: neither
// field has a Crossplane reference, so the cluster waits for them.
type clusterInputs struct {
	KMSKeyARN   string
	NodeRoleARN string
}

// observedClusterInputs reads the inputs from what AWS reported, falling back
// to what an existing cluster was created with, so that a cluster is never
// dropped from the desired state once it exists.
func observedClusterInputs(observed map[resource.Name]resource.ObservedComposed) clusterInputs {
	in := clusterInputs{
		KMSKeyARN:   compose.ObservedString(observed, nameKMSKey, "status.atProvider.arn"),
		NodeRoleARN: compose.ObservedString(observed, nameNodeRole, "status.atProvider.arn"),
	}
	if in.KMSKeyARN == "" {
		in.KMSKeyARN = compose.ObservedString(observed, nameCluster, "spec.forProvider.encryptionConfig[0].provider[0].keyArn")
	}
	if in.NodeRoleARN == "" {
		in.NodeRoleARN = compose.ObservedString(observed, nameCluster, "spec.forProvider.computeConfig[0].nodeRoleArn")
	}
	return in
}

// Missing names the inputs that are not known yet.
func (in clusterInputs) Missing() []string {
	var m []string
	if in.KMSKeyARN == "" {
		m = append(m, fmt.Sprintf("the ARN of KMS key %q", nameKMSKey))
	}
	if in.NodeRoleARN == "" {
		m = append(m, fmt.Sprintf("the ARN of IAM role %q", nameNodeRole))
	}
	return m
}

// cluster composes the EKS cluster in Auto Mode, and what lets
// provider-kubernetes reach it. Auto Mode runs Karpenter, the VPC CNI, EBS
// CSI and the load balancer controller as part of the control plane: nodes
// come and go with pending pods across the private-app subnets of every zone
// and are consolidated when idle.
func cluster(p *plan, in clusterInputs) []compose.Resource {
	private := len(p.PublicAccessCIDRs) == 0
	return []compose.Resource{
		{Name: nameCluster, Object: &eksv1beta1.Cluster{
			ObjectMeta: externallyNamed(p.clusterName(), map[string]string{LabelRole: "eks-cluster"}),
			Spec: eksv1beta1.ClusterSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: eksv1beta1.ClusterParameters{
					Region:          &p.Region,
					Version:         &p.KubernetesVersion,
					RoleArnSelector: selector(map[string]string{LabelRole: "eks-cluster"}),
					AccessConfig: []eksv1beta1.AccessConfigParameters{{
						// Access entries only: no aws-auth ConfigMap to drift.
						// The creator (Crossplane's AWS identity) stays admin so
						// that provider-kubernetes can manage tenant objects.
						AuthenticationMode:                      ptr.To("API"),
						BootstrapClusterCreatorAdminPermissions: ptr.To(true),
					}},
					// Auto Mode manages the core add-ons itself.
					BootstrapSelfManagedAddons: ptr.To(false),
					ComputeConfig: []eksv1beta1.ComputeConfigParameters{{
						Enabled:     ptr.To(true),
						NodePools:   []*string{ptr.To("general-purpose"), ptr.To("system")},
						NodeRoleArn: &in.NodeRoleARN,
					}},
					KubernetesNetworkConfig: []eksv1beta1.KubernetesNetworkConfigParameters{{
						IPFamily:             ptr.To("ipv4"),
						ElasticLoadBalancing: []eksv1beta1.ElasticLoadBalancingParameters{{Enabled: ptr.To(true)}},
					}},
					StorageConfig: []eksv1beta1.StorageConfigParameters{{
						BlockStorage: []eksv1beta1.BlockStorageParameters{{Enabled: ptr.To(true)}},
					}},
					EncryptionConfig: []eksv1beta1.EncryptionConfigParameters{{
						Provider:  []eksv1beta1.ProviderParameters{{KeyArn: &in.KMSKeyARN}},
						Resources: []*string{ptr.To("secrets")},
					}},
					EnabledClusterLogTypes: compose.StringPtrs(clusterLogTypes),
					VPCConfig: []eksv1beta1.VPCConfigParameters{{
						// The control plane's interfaces and every node live in
						// the private-app subnets of all zones.
						SubnetIDSelector:      selector(map[string]string{LabelTier: string(TierPrivateApp)}),
						EndpointPrivateAccess: ptr.To(true),
						EndpointPublicAccess:  ptr.To(!private),
						PublicAccessCidrs:     compose.StringPtrs(p.PublicAccessCIDRs),
					}},
					// Standard support only: extended support costs six times
					// as much per cluster hour.
					UpgradePolicy: []eksv1beta1.UpgradePolicyParameters{{SupportType: ptr.To("STANDARD")}},
					// Lets operators shift traffic away from an impaired zone.
					ZonalShiftConfig: []eksv1beta1.ZonalShiftConfigParameters{{Enabled: ptr.To(true)}},
					Tags:             p.tags(p.clusterName()),
				},
			},
		}},
		{Name: nameClusterAuth, Object: &eksv1beta1.ClusterAuth{
			ObjectMeta: meta(map[string]string{LabelRole: roleClusterAuth}),
			Spec: eksv1beta1.ClusterAuthSpec{
				ResourceSpec: xpv1.ResourceSpec{
					ProviderConfigReference: &xpv1.Reference{Name: p.ProviderConfigName},
					WriteConnectionSecretToReference: &xpv1.SecretReference{
						Name:      p.kubeconfigSecretName(),
						Namespace: p.KubeconfigNamespace,
					},
				},
				ForProvider: eksv1beta1.ClusterAuthParameters{
					Region:              p.Region,
					ClusterNameSelector: selector(map[string]string{LabelRole: "eks-cluster"}),
				},
			},
		}},
		kubernetesProviderConfig(p),
	}
}
