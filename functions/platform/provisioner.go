package main

import (
	"fmt"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenantnames"
)

// The provisioner is where tenants' database users, Redis ACLs and SMTP
// passwords are created: a namespace of the cluster whose ServiceAccount
// can read the data stores' admin secrets, through EKS Pod Identity.
// Tenants' own roles never can, and tenants' namespaces cannot use this
// ServiceAccount.

// Names of the provisioner's resources.
const (
	nameProvisionerNamespace      resource.Name = "kubernetes-namespace-provisioner"
	nameProvisionerServiceAccount resource.Name = "kubernetes-service-account-provisioner"
	nameProvisionerRole           resource.Name = "iam-role-provisioner"
	nameProvisionerPolicy         resource.Name = "iam-role-policy-provisioner"
	nameProvisionerPodIdentity    resource.Name = "eks-pod-identity-association-provisioner"
)

// provisionerNames are every resource of the provisioner, which is ready
// once all are.
var provisionerNames = []resource.Name{
	nameProvisionerNamespace, nameProvisionerServiceAccount,
	nameProvisionerRole, nameProvisionerPolicy, nameProvisionerPodIdentity,
}

const (
	// roleProvisioner labels the provisioner's role, for the selectors of
	// its policy and association.
	roleProvisioner = "provisioner"

	provisionerServiceAccount = "openedx-provisioner"
)

// provisionerNamespace is named as an instance's namespace would be, under
// a name instances may not take.
var provisionerNamespace = tenantnames.Namespace(tenantnames.SystemInstance)

// provisionerRoleName is the provisioner's IAM role.
func (p *plan) provisionerRoleName() string {
	return compose.Truncate(p.Name+"-"+roleProvisioner, maxIAMRoleName)
}

// iamPath holds the platform's roles and its tenants' SMTP users, so that a
// policy can name all of them and nothing else.
func (p *plan) iamPath() string { return compose.IAMPath(p.Name) }

// provisioner composes the provisioner's role, its binding to the
// ServiceAccount, its policy once the ARNs it names are known, and, once
// the cluster is reachable, its namespace and ServiceAccount. missing
// names what the policy waits for.
func provisioner(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	in, missing, err := observedProvisionerInputs(p, observed)
	if err != nil {
		return nil, nil, err
	}
	r, err := provisionerRole(p, in.Account)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, r, compose.Resource{Name: nameProvisionerPodIdentity, Object: &eksv1beta1.PodIdentityAssociation{
		Spec: eksv1beta1.PodIdentityAssociationSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: eksv1beta1.PodIdentityAssociationParameters_2{
				Region:              &p.Region,
				ClusterNameSelector: selector(map[string]string{LabelRole: "eks-cluster"}),
				Namespace:           ptr.To(provisionerNamespace),
				ServiceAccount:      ptr.To(provisionerServiceAccount),
				RoleArnSelector:     selector(map[string]string{LabelRole: roleProvisioner}),
				Tags:                p.tags(p.provisionerRoleName()),
			},
		},
	}})

	policy := compose.ObservedString(observed, nameProvisionerPolicy, "spec.forProvider.policy")
	if len(missing) == 0 {
		if policy, err = provisionerPolicy(p, in).JSON(); err != nil {
			return nil, nil, err
		}
	}
	// A policy that exists is kept as it is until every ARN is known again.
	if policy != "" {
		labels := map[string]string{LabelRole: roleProvisioner}
		rs = append(rs, rolePolicy(p, nameProvisionerPolicy, externallyNamed(p.provisionerRoleName(), labels), labels, policy))
	}

	objs, err := provisionerObjects(p, observed)
	if err != nil {
		return nil, nil, err
	}
	return append(rs, objs...), missing, nil
}

// provisionerRole is assumed by the provisioner's pods through EKS Pod
// Identity, whose agent tags each session with the cluster, namespace and
// ServiceAccount.
func provisionerRole(p *plan, account string) (compose.Resource, error) {
	r, err := role(p, nameProvisionerRole, roleProvisioner, "Assumed through EKS Pod Identity by the provisioner of Open edX platform "+p.Name+", which creates tenants' users in the data stores", provisionerTrust(account))
	if err != nil {
		return compose.Resource{}, err
	}
	r.Object.(*iamv1beta1.Role).Spec.ForProvider.Path = ptr.To(p.iamPath())
	return r, nil
}

// provisionerTrust lets EKS Pod Identity assume the role and tag its
// sessions; once the account is known, only for associations of this
// account (the confused deputy).
func provisionerTrust(account string) awsiam.PolicyDocument {
	trust := awsiam.ServiceTrust("pods.eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession")
	if account != "" {
		trust.Statement[0].Condition = map[string]map[string]string{"StringEquals": {"aws:SourceAccount": account}}
	}
	return trust
}

// provisionerInputs are what the provisioner's policy names that only AWS
// knows.
type provisionerInputs struct {
	Account    string
	DataKeyARN string
	// AdminSecretARNs are the data stores' admin secrets: Aurora's master
	// user secret (created by RDS), MongoDB's admin and the cache's AUTH
	// token; and the certificate of MongoDB's CA, which the provisioning
	// Jobs verify the members with.
	AdminSecretARNs []string
}

// observedProvisionerInputs reads the inputs from what AWS reported.
// missing names those not known yet.
func observedProvisionerInputs(p *plan, observed map[resource.Name]resource.ObservedComposed) (in provisionerInputs, missing []string, err error) {
	in.DataKeyARN = observedDataKeyARN(observed)
	if in.DataKeyARN == "" {
		missing = append(missing, fmt.Sprintf("the ARN of KMS key %q", nameDataKey))
	} else if in.Account, err = dataKeyAccount(p, in.DataKeyARN); err != nil {
		return provisionerInputs{}, nil, err
	}
	for _, s := range []struct {
		arn, what string
		// unused is true for a secret the platform does not have.
		unused bool
	}{
		{databaseStatus(observed).AdminSecretARN, fmt.Sprintf("the ARN of the master user secret of RDS cluster %q", nameDBCluster), false},
		{mongodbStatus(p, observed).AdminSecretARN, fmt.Sprintf("the ARN of secret %q", nameMongoDBAdminSecret), false},
		// An external replica set's certificates chain to a public CA.
		{mongodbStatus(p, observed).CASecretARN, fmt.Sprintf("the ARN of secret %q", nameMongoDBCASecret), p.MongoDB.External != nil},
		{cacheStatus(p, observed).AuthSecretARN, fmt.Sprintf("the ARN of secret %q", nameCacheAuthSecret), false},
	} {
		if s.unused {
			continue
		}
		if s.arn == "" {
			missing = append(missing, s.what)
			continue
		}
		in.AdminSecretARNs = append(in.AdminSecretARNs, s.arn)
	}
	return in, missing, nil
}

// provisionerPolicy lets the provisioner read the data stores' admin
// secrets, write tenants' secrets, and make tenants' SMTP passwords from
// access keys of their SES users. Every resource is named.
func provisionerPolicy(p *plan, in provisionerInputs) awsiam.PolicyDocument {
	return awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{
		{
			Sid:      "DataStoreAdminSecrets",
			Effect:   "Allow",
			Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resource: in.AdminSecretARNs,
		},
		{
			// Each tenant's secrets are under its own path of SecretsPath.
			Sid:      "TenantSecrets",
			Effect:   "Allow",
			Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"},
			Resource: []string{fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s*", p.Partition, p.Region, in.Account, tenantnames.SecretsPath(p.Name))},
		},
		dataKeyThroughSecretsManager(p, in.DataKeyARN),
		{
			// SES SMTP takes no role credentials: a tenant's password is
			// derived from an access key of its SMTP user.
			Sid:      "TenantSMTPUserKeys",
			Effect:   "Allow",
			Action:   []string{"iam:CreateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey"},
			Resource: []string{fmt.Sprintf("arn:%s:iam::%s:user%s*", p.Partition, in.Account, p.iamPath())},
		},
	}}
}

// provisionerObjects are the namespace and ServiceAccount, applied through
// provider-kubernetes once the cluster is reachable and kept once they
// exist.
func provisionerObjects(p *plan, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, error) {
	_, exists := observed[nameProvisionerNamespace]
	if !exists && !compose.IsReady(observed, nameClusterAuth) {
		return nil, nil
	}
	labels := inClusterLabels(roleProvisioner)
	// Provisioning Jobs only talk to AWS and the data stores: they run as
	// restricted pods.
	ns := restrictedNamespace(provisionerNamespace, labels)
	sa := &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{Name: provisionerServiceAccount, Namespace: provisionerNamespace, Labels: labels},
		// The Jobs never call the Kubernetes API. Pod Identity mounts its
		// own token, so this one need not be.
		AutomountServiceAccountToken: ptr.To(false),
	}
	var rs []compose.Resource
	for _, o := range []struct {
		name     resource.Name
		manifest runtime.Object
	}{{nameProvisionerNamespace, ns}, {nameProvisionerServiceAccount, sa}} {
		obj, err := compose.KubernetesObject(o.manifest, p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{})
		if err != nil {
			return nil, err
		}
		rs = append(rs, compose.Resource{Name: o.name, Object: obj})
	}
	return rs, nil
}

// provisionerStatus tells tenants where to run their provisioning Jobs, and
// whether the ServiceAccount can act as its role yet.
func provisionerStatus(observed map[resource.Name]resource.ObservedComposed) v1alpha1.ProvisionerStatus {
	s := v1alpha1.ProvisionerStatus{
		Namespace:          provisionerNamespace,
		ServiceAccountName: provisionerServiceAccount,
		Ready:              true,
	}
	for _, n := range provisionerNames {
		s.Ready = s.Ready && compose.IsReady(observed, n)
	}
	return s
}
