package main

import (
	"encoding/json"
	"sort"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// ARNs AWS reports for the data stores' admin secrets in these tests.
const (
	provisionerTestAuroraSecret   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b2c3d-AbCdEf"
	provisionerTestMongoDBSecret  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-admin-GhIjKl"
	provisionerTestMongoDBCA      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-ca-YzAbCd"
	provisionerTestCacheSecret    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/cache-auth-MnOpQr"
	provisionerTestExternalSecret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:atlas/admin-StUvWx"
)

// provisionerObserved is what AWS reports once the data key and the admin
// secrets exist, and the cluster is reachable.
func provisionerObserved() map[resource.Name]resource.ObservedComposed {
	ready := `"conditions": [{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"}]`
	return map[resource.Name]resource.ObservedComposed{
		nameDataKey: observedJSON(`{"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "prod-k3y5x"},
			"status": {"atProvider": {"arn": "` + testKeyARN + `"}}}`),
		nameDBCluster: observedJSON(`{"apiVersion": "rds.aws.upbound.io/v1beta1", "kind": "Cluster", "metadata": {"name": "prod-mysql"},
			"status": {"atProvider": {"masterUserSecret": [{"secretArn": "` + provisionerTestAuroraSecret + `"}]}}}`),
		nameMongoDBAdminSecret: observedJSON(`{"apiVersion": "secretsmanager.aws.upbound.io/v1beta1", "kind": "Secret", "metadata": {"name": "prod-m0ng0"},
			"status": {"atProvider": {"arn": "` + provisionerTestMongoDBSecret + `"}}}`),
		nameMongoDBCASecret: observedJSON(`{"apiVersion": "secretsmanager.aws.upbound.io/v1beta1", "kind": "Secret", "metadata": {"name": "prod-m0ca0"},
			"status": {"atProvider": {"arn": "` + provisionerTestMongoDBCA + `"}}}`),
		nameCacheAuthSecret: observedJSON(`{"apiVersion": "secretsmanager.aws.upbound.io/v1beta1", "kind": "Secret", "metadata": {"name": "prod-c4che"},
			"status": {"atProvider": {"arn": "` + provisionerTestCacheSecret + `"}}}`),
		nameClusterAuth: observedJSON(`{"apiVersion": "eks.aws.upbound.io/v1beta1", "kind": "ClusterAuth", "metadata": {"name": "prod-4uth5"},
			"status": {` + ready + `}}`),
	}
}

// withoutObserved is observed without the named resources.
func withoutObserved(observed map[resource.Name]resource.ObservedComposed, names ...resource.Name) map[resource.Name]resource.ObservedComposed {
	out := map[resource.Name]resource.ObservedComposed{}
	for k, v := range observed {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

func externalMongoDB(xr *v1alpha1.XPlatform) {
	xr.Spec.MongoDB.External = &v1alpha1.ExternalMongoDB{
		Hosts:          []string{"cluster0-shard-00-00.abcde.mongodb.net:27017"},
		ReplicaSet:     "atlas-rs",
		AdminSecretARN: provisionerTestExternalSecret,
	}
}

func TestProvisionerPolicy(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		in     provisionerInputs
		want   awsiam.PolicyDocument
	}{
		"OnlyTheNamedSecretsKeyAndUsers": {
			reason: "The admin secrets by ARN, tenants' secrets and SMTP users under the platform's paths, and the data key only through Secrets Manager.",
			xr:     newXR(),
			in: provisionerInputs{
				Account:         "123456789012",
				DataKeyARN:      testKeyARN,
				AdminSecretARNs: []string{provisionerTestAuroraSecret, provisionerTestMongoDBSecret, provisionerTestCacheSecret},
			},
			want: awsiam.PolicyDocument{Version: "2012-10-17", Statement: []awsiam.Statement{
				{
					Sid:      "DataStoreAdminSecrets",
					Effect:   "Allow",
					Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
					Resource: []string{provisionerTestAuroraSecret, provisionerTestMongoDBSecret, provisionerTestCacheSecret},
				},
				{
					Sid:      "TenantSecrets",
					Effect:   "Allow",
					Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"},
					Resource: []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/tenants/*"},
				},
				{
					Sid:       "DataKeyThroughSecretsManager",
					Effect:    "Allow",
					Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
					Resource:  []string{testKeyARN},
					Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
				},
				{
					Sid:      "TenantSMTPUserKeys",
					Effect:   "Allow",
					Action:   []string{"iam:CreateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey"},
					Resource: []string{"arn:aws:iam::123456789012:user/openedx/prod/*"},
				},
			}},
		},
		"OtherPartition": {
			reason: "ARNs are in the platform's partition, region and account.",
			xr:     newXR(withName("edu"), withRegion("cn-northwest-1")),
			in: provisionerInputs{
				Account:         "210987654321",
				DataKeyARN:      "arn:aws-cn:kms:cn-northwest-1:210987654321:key/k",
				AdminSecretARNs: []string{"arn:aws-cn:secretsmanager:cn-northwest-1:210987654321:secret:a"},
			},
			want: awsiam.PolicyDocument{Version: "2012-10-17", Statement: []awsiam.Statement{
				{
					Sid:      "DataStoreAdminSecrets",
					Effect:   "Allow",
					Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
					Resource: []string{"arn:aws-cn:secretsmanager:cn-northwest-1:210987654321:secret:a"},
				},
				{
					Sid:      "TenantSecrets",
					Effect:   "Allow",
					Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"},
					Resource: []string{"arn:aws-cn:secretsmanager:cn-northwest-1:210987654321:secret:openedx/edu/tenants/*"},
				},
				{
					Sid:       "DataKeyThroughSecretsManager",
					Effect:    "Allow",
					Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
					Resource:  []string{"arn:aws-cn:kms:cn-northwest-1:210987654321:key/k"},
					Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager.cn-northwest-1.amazonaws.com"}},
				},
				{
					Sid:      "TenantSMTPUserKeys",
					Effect:   "Allow",
					Action:   []string{"iam:CreateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey"},
					Resource: []string{"arn:aws-cn:iam::210987654321:user/openedx/edu/*"},
				},
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := provisionerPolicy(mustPlan(t, tc.xr), tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nprovisionerPolicy(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestProvisionerTrust(t *testing.T) {
	cases := map[string]struct {
		reason  string
		account string
		want    awsiam.PolicyDocument
	}{
		"AccountUnknown": {
			reason: "EKS Pod Identity assumes the role and tags its sessions.",
			want: awsiam.PolicyDocument{Version: "2012-10-17", Statement: []awsiam.Statement{{
				Effect: "Allow", Principal: map[string]string{"Service": "pods.eks.amazonaws.com"}, Action: []string{"sts:AssumeRole", "sts:TagSession"},
			}}},
		},
		"AccountKnown": {
			reason:  "Once the account is known, only for associations of that account.",
			account: "123456789012",
			want: awsiam.PolicyDocument{Version: "2012-10-17", Statement: []awsiam.Statement{{
				Effect: "Allow", Principal: map[string]string{"Service": "pods.eks.amazonaws.com"}, Action: []string{"sts:AssumeRole", "sts:TagSession"},
				Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": "123456789012"}},
			}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, provisionerTrust(tc.account)); diff != "" {
				t.Errorf("%s\nprovisionerTrust(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestProvisioner(t *testing.T) {
	existingPolicy := observedJSON(`{"apiVersion": "iam.aws.upbound.io/v1beta1", "kind": "RolePolicy", "metadata": {"name": "prod-p0l1c"},
		"spec": {"forProvider": {"policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}}}`)
	iamNames := []string{"eks-pod-identity-association-provisioner", "iam-role-provisioner"}
	all := []string{
		"eks-pod-identity-association-provisioner", "iam-role-policy-provisioner", "iam-role-provisioner",
		"kubernetes-namespace-provisioner", "kubernetes-service-account-provisioner",
	}
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		names    []string
		missing  []string
		account  string
		// policy is the policy's document, "" for the one provisionerPolicy
		// gives.
		policy  string
		secrets []string
	}{
		"NothingObserved": {
			reason:  "The role and its association come with the cluster; the policy waits for every ARN it names, and the namespace for a reachable cluster.",
			xr:      newXR(),
			names:   iamNames,
			missing: []string{`the ARN of KMS key "kms-key-data"`, `the ARN of the master user secret of RDS cluster "database-cluster"`, `the ARN of secret "mongodb-secret-admin"`, `the ARN of secret "mongodb-secret-ca"`, `the ARN of secret "secret-cache-auth"`},
		},
		"AuroraSecretPending": {
			reason:   "RDS creates its secret with the cluster, which takes longest: the policy waits for it, the trust already names the account.",
			xr:       newXR(),
			observed: withoutObserved(provisionerObserved(), nameDBCluster, nameClusterAuth),
			names:    iamNames,
			missing:  []string{`the ARN of the master user secret of RDS cluster "database-cluster"`},
			account:  "123456789012",
		},
		"Complete": {
			reason:   "With every ARN known and the cluster reachable, the whole provisioner is composed.",
			xr:       newXR(),
			observed: provisionerObserved(),
			names:    all,
			account:  "123456789012",
			secrets:  []string{provisionerTestAuroraSecret, provisionerTestMongoDBSecret, provisionerTestMongoDBCA, provisionerTestCacheSecret},
		},
		"ExternalMongoDB": {
			reason:   "An external replica set's admin secret is the one the spec names; it has no CA secret, and none is waited for.",
			xr:       newXR(externalMongoDB),
			observed: withoutObserved(provisionerObserved(), nameMongoDBAdminSecret, nameMongoDBCASecret),
			names:    all,
			account:  "123456789012",
			secrets:  []string{provisionerTestAuroraSecret, provisionerTestExternalSecret, provisionerTestCacheSecret},
		},
		"ExistingKept": {
			reason: "A policy and objects that exist are kept as they are while what they were built from is not observed.",
			xr:     newXR(),
			observed: map[resource.Name]resource.ObservedComposed{
				nameProvisionerPolicy:    existingPolicy,
				nameProvisionerNamespace: {},
			},
			names:   all,
			missing: []string{`the ARN of KMS key "kms-key-data"`, `the ARN of the master user secret of RDS cluster "database-cluster"`, `the ARN of secret "mongodb-secret-admin"`, `the ARN of secret "mongodb-secret-ca"`, `the ARN of secret "secret-cache-auth"`},
			policy:  `{"Version":"2012-10-17","Statement":[]}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			rs, missing, err := provisioner(p, tc.observed)
			if err != nil {
				t.Fatalf("%s\nprovisioner(...): %v", tc.reason, err)
			}
			var names []string
			for n := range objects(t, rs) {
				names = append(names, string(n))
			}
			sort.Strings(names)
			if diff := cmp.Diff(tc.names, names); diff != "" {
				t.Errorf("%s\nresources: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.missing, missing); diff != "" {
				t.Errorf("%s\nmissing: -want, +got:\n%s", tc.reason, diff)
			}

			r := mustGet[*iamv1beta1.Role](t, rs, nameProvisionerRole)
			trust, err := provisionerTrust(tc.account).JSON()
			if err != nil {
				t.Fatal(err)
			}
			if got := ptr.Deref(r.Spec.ForProvider.AssumeRolePolicy, ""); got != trust {
				t.Errorf("%s\ntrust policy %s, want %s", tc.reason, got, trust)
			}

			if len(tc.names) < len(all) {
				return
			}
			want := tc.policy
			if want == "" {
				pol := provisionerPolicy(p, provisionerInputs{Account: "123456789012", DataKeyARN: testKeyARN, AdminSecretARNs: tc.secrets})
				if want, err = pol.JSON(); err != nil {
					t.Fatal(err)
				}
			}
			if got := ptr.Deref(mustGet[*iamv1beta1.RolePolicy](t, rs, nameProvisionerPolicy).Spec.ForProvider.Policy, ""); got != want {
				t.Errorf("%s\npolicy %s, want %s", tc.reason, got, want)
			}
		})
	}
}

// TestProvisionerResources checks each resource of a complete provisioner.
func TestProvisionerResources(t *testing.T) {
	p := mustPlan(t, newXR())
	rs, _, err := provisioner(p, provisionerObserved())
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]*string{
		"Name": ptr.To("prod-provisioner"), "platform": ptr.To("prod"), "cost-center": ptr.To(testCostCenter),
		"managed-by": ptr.To("crossplane"), "app": ptr.To("openedx"),
	}
	byRole := selectorOf(map[string]string{LabelRole: "provisioner"})

	role := mustGet[*iamv1beta1.Role](t, rs, nameProvisionerRole)
	role.Spec.ForProvider.AssumeRolePolicy = nil // TestProvisioner
	wantRole := &iamv1beta1.Role{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      map[string]string{LabelRole: "provisioner"},
			Annotations: map[string]string{"crossplane.io/external-name": "prod-provisioner"},
		},
		Spec: iamv1beta1.RoleSpec{
			ResourceSpec: xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: "default"}},
			ForProvider: iamv1beta1.RoleParameters{
				Path:        ptr.To("/openedx/prod/"),
				Description: ptr.To("Assumed through EKS Pod Identity by the provisioner of Open edX platform prod, which creates tenants' users in the data stores"),
				Tags:        tags,
			},
		},
	}
	if diff := cmp.Diff(wantRole, role); diff != "" {
		t.Errorf("The role is named after the platform, under its IAM path: -want, +got:\n%s", diff)
	}

	pol := mustGet[*iamv1beta1.RolePolicy](t, rs, nameProvisionerPolicy)
	if got := pol.Annotations["crossplane.io/external-name"]; got != "prod-provisioner" {
		t.Errorf("policy named %q, want prod-provisioner", got)
	}
	if diff := cmp.Diff(byRole, pol.Spec.ForProvider.RoleSelector); diff != "" {
		t.Errorf("The inline policy is on the provisioner's role: -want, +got:\n%s", diff)
	}
	var doc awsiam.PolicyDocument
	if err := json.Unmarshal([]byte(*pol.Spec.ForProvider.Policy), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Statement {
		if s.Sid == "" || s.Effect != "Allow" || len(s.Resource) == 0 {
			t.Errorf("statement %+v: want a Sid, Allow and named resources", s)
		}
		for _, r := range s.Resource {
			if r == "*" {
				t.Errorf("statement %s grants on every resource", s.Sid)
			}
		}
	}

	wantAssociation := eksv1beta1.PodIdentityAssociationSpec{
		ResourceSpec: xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: "default"}},
		ForProvider: eksv1beta1.PodIdentityAssociationParameters_2{
			Region:              ptr.To("eu-west-1"),
			ClusterNameSelector: selectorOf(map[string]string{LabelRole: "eks-cluster"}),
			Namespace:           ptr.To("openedx-system"),
			ServiceAccount:      ptr.To("openedx-provisioner"),
			RoleArnSelector:     byRole,
			Tags:                tags,
		},
	}
	if diff := cmp.Diff(wantAssociation, mustGet[*eksv1beta1.PodIdentityAssociation](t, rs, nameProvisionerPodIdentity).Spec); diff != "" {
		t.Errorf("The ServiceAccount is bound to the role on the platform's cluster: -want, +got:\n%s", diff)
	}

	objs := ofType[*kubev1alpha2.Object](rs)
	for n, o := range objs {
		if got := o.Spec.ProviderConfigReference.Name; got != testName {
			t.Errorf("Object %s targets ProviderConfig %q, want the platform's %q", n, got, testName)
		}
	}
	ns := &corev1.Namespace{}
	sa := &corev1.ServiceAccount{}
	for _, d := range []struct {
		name resource.Name
		into any
	}{{nameProvisionerNamespace, ns}, {nameProvisionerServiceAccount, sa}} {
		m := map[string]any{}
		if err := json.Unmarshal(objs[d.name].Spec.ForProvider.Manifest.Raw, &m); err != nil {
			t.Fatal(err)
		}
		if err := compose.Decode(m, d.into); err != nil {
			t.Fatal(err)
		}
	}
	if ns.Name != "openedx-system" || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s enforces %q, want openedx-system enforcing restricted", ns.Name, ns.Labels["pod-security.kubernetes.io/enforce"])
	}
	if sa.Name != "openedx-provisioner" || sa.Namespace != "openedx-system" || ptr.Deref(sa.AutomountServiceAccountToken, true) {
		t.Errorf("ServiceAccount %s/%s mounts a Kubernetes token: %v", sa.Namespace, sa.Name, sa.AutomountServiceAccountToken)
	}

	// Every kind is registered, and composed at its storage version.
	d := &compose.Desired{Resources: map[resource.Name]*resource.DesiredComposed{}, Observed: provisionerObserved()}
	if err := d.AddAll(rs...); err != nil {
		t.Fatalf("AddAll(...): %v", err)
	}
	for n, dc := range d.Resources {
		if gv := dc.Resource.GetObjectKind().GroupVersionKind().GroupVersion().String(); gv != "iam.aws.upbound.io/v1beta1" && gv != "eks.aws.upbound.io/v1beta1" && gv != "kubernetes.crossplane.io/v1alpha2" {
			t.Errorf("%s is composed at %s", n, gv)
		}
	}
}

func TestProvisionerStatus(t *testing.T) {
	ready := func(names ...resource.Name) map[resource.Name]resource.ObservedComposed {
		out := map[resource.Name]resource.ObservedComposed{}
		for _, n := range names {
			out[n] = observedJSON(`{"apiVersion": "v1", "kind": "Any", "metadata": {"name": "r"}, "status": {` + edgeTestReady + `}}`)
		}
		return out
	}
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		ready    bool
	}{
		"Nothing": {
			reason: "Where to run is known at once; not ready before anything exists.",
		},
		"PolicyPending": {
			reason:   "A ServiceAccount bound to a role without its policy cannot provision yet.",
			observed: ready(nameProvisionerNamespace, nameProvisionerServiceAccount, nameProvisionerRole, nameProvisionerPodIdentity),
		},
		"AllReady": {
			reason:   "Ready once the namespace, ServiceAccount, role, policy and association are.",
			observed: ready(nameProvisionerNamespace, nameProvisionerServiceAccount, nameProvisionerRole, nameProvisionerPolicy, nameProvisionerPodIdentity),
			ready:    true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			want := v1alpha1.ProvisionerStatus{Namespace: "openedx-system", ServiceAccountName: "openedx-provisioner", Ready: tc.ready}
			if diff := cmp.Diff(want, provisionerStatus(tc.observed)); diff != "" {
				t.Errorf("%s\nprovisionerStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
