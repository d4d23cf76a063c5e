package main

import (
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"
	"testing"

	kubev1alpha1 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/v1alpha1"
	kconfig "github.com/crossplane-contrib/provider-kubernetes/pkg/kube/config"
	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
)

const (
	testKeyARN      = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	testNodeRoleARN = "arn:aws:iam::123456789012:role/prod-eks-node"
	oldKeyARN       = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
	oldNodeRoleARN  = "arn:aws:iam::123456789012:role/old-eks-node"
)

var (
	observedKey = observedJSON(`{
		"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key",
		"metadata": {"name": "prod-kx8sd"},
		"status": {"atProvider": {"arn": "` + testKeyARN + `"}}
	}`)
	observedNodeRole = observedJSON(`{
		"apiVersion": "iam.aws.upbound.io/v1beta1", "kind": "Role",
		"metadata": {"name": "prod-r8d2k"},
		"status": {"atProvider": {"arn": "` + testNodeRoleARN + `"}}
	}`)
	// observedCluster is an existing cluster, created with older inputs.
	observedCluster = observedJSON(`{
		"apiVersion": "eks.aws.upbound.io/v1beta1", "kind": "Cluster",
		"metadata": {"name": "prod-c7x2p"},
		"spec": {"forProvider": {
			"encryptionConfig": [{"provider": [{"keyArn": "` + oldKeyARN + `"}], "resources": ["secrets"]}],
			"computeConfig": [{"enabled": true, "nodeRoleArn": "` + oldNodeRoleARN + `"}]
		}}
	}`)
)

func TestObservedClusterInputs(t *testing.T) {
	type want struct {
		in      clusterInputs
		missing []string
	}
	missingKey := `the ARN of KMS key "kms-key-eks"`
	missingRole := `the ARN of IAM role "iam-role-eks-node"`

	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		want     want
	}{
		"NothingObserved": {
			reason:   "Before AWS has created anything, both the KMS key and the node role are missing.",
			observed: map[resource.Name]resource.ObservedComposed{},
			want:     want{missing: []string{missingKey, missingRole}},
		},
		"ObservedWithoutARNs": {
			reason: "A key and role that exist in Kubernetes but not yet in AWS have no ARN: still missing.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameKMSKey:   observedJSON(`{"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "k"}}`),
				nameNodeRole: observedJSON(`{"apiVersion": "iam.aws.upbound.io/v1beta1", "kind": "Role", "metadata": {"name": "r"}, "status": {"atProvider": {}}}`),
			},
			want: want{missing: []string{missingKey, missingRole}},
		},
		"KeyAndRoleObserved": {
			reason: "The ARNs AWS reported for the key and the node role are the cluster's inputs.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameKMSKey:   observedKey,
				nameNodeRole: observedNodeRole,
			},
			want: want{in: clusterInputs{KMSKeyARN: testKeyARN, NodeRoleARN: testNodeRoleARN}},
		},
		"OnlyRoleObserved": {
			reason: "Missing names only what is not known yet.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameNodeRole: observedNodeRole,
			},
			want: want{in: clusterInputs{NodeRoleARN: testNodeRoleARN}, missing: []string{missingKey}},
		},
		"OnlyKeyObserved": {
			reason: "Missing names only what is not known yet.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameKMSKey: observedKey,
			},
			want: want{in: clusterInputs{KMSKeyARN: testKeyARN}, missing: []string{missingRole}},
		},
		"OtherRoleIsNotTheNodeRole": {
			reason: "The cluster role's ARN must not be taken for the node role's.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameKMSKey:      observedKey,
				nameClusterRole: observedNodeRole,
			},
			want: want{in: clusterInputs{KMSKeyARN: testKeyARN}, missing: []string{missingRole}},
		},
		"FallBackToExistingCluster": {
			reason: "When the key and role are not observed, an existing cluster's own spec supplies them, so that the cluster is never dropped.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameCluster: observedCluster,
			},
			want: want{in: clusterInputs{KMSKeyARN: oldKeyARN, NodeRoleARN: oldNodeRoleARN}},
		},
		"FallBackForKeyOnly": {
			reason: "Each input falls back on its own.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameNodeRole: observedNodeRole,
				nameCluster:  observedCluster,
			},
			want: want{in: clusterInputs{KMSKeyARN: oldKeyARN, NodeRoleARN: testNodeRoleARN}},
		},
		"ObservedWinsOverCluster": {
			reason: "What AWS reports for the key and role comes before the cluster's spec.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameKMSKey:   observedKey,
				nameNodeRole: observedNodeRole,
				nameCluster:  observedCluster,
			},
			want: want{in: clusterInputs{KMSKeyARN: testKeyARN, NodeRoleARN: testNodeRoleARN}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := observedClusterInputs(tc.observed)
			got := want{in: in, missing: in.Missing()}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nobservedClusterInputs(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// selectorOf is what the builders use to select resources of the composite.
func selectorOf(labels map[string]string) *xpv1.Selector {
	return &xpv1.Selector{MatchControllerRef: ptr.To(true), MatchLabels: labels}
}

func TestCluster(t *testing.T) {
	in := clusterInputs{KMSKeyARN: testKeyARN, NodeRoleARN: testNodeRoleARN}
	wantTags := map[string]*string{
		"Name": ptr.To("prod"), "platform": ptr.To("prod"), "cost-center": ptr.To(testCostCenter),
		"managed-by": ptr.To("crossplane"), "app": ptr.To("openedx"),
	}
	wantCluster := func(public bool, cidrs ...string) *eksv1beta1.Cluster {
		var pc []*string
		for _, c := range cidrs {
			pc = append(pc, ptr.To(c))
		}
		return &eksv1beta1.Cluster{
			ObjectMeta: metav1.ObjectMeta{
				Labels:      map[string]string{LabelRole: "eks-cluster"},
				Annotations: map[string]string{"crossplane.io/external-name": "prod"},
			},
			Spec: eksv1beta1.ClusterSpec{
				ResourceSpec: xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: "default"}},
				ForProvider: eksv1beta1.ClusterParameters{
					Region:          ptr.To("eu-west-1"),
					Version:         ptr.To("1.34"),
					RoleArnSelector: selectorOf(map[string]string{LabelRole: "eks-cluster"}),
					AccessConfig: []eksv1beta1.AccessConfigParameters{{
						AuthenticationMode:                      ptr.To("API"),
						BootstrapClusterCreatorAdminPermissions: ptr.To(true),
					}},
					BootstrapSelfManagedAddons: ptr.To(false),
					ComputeConfig: []eksv1beta1.ComputeConfigParameters{{
						Enabled:     ptr.To(true),
						NodePools:   []*string{ptr.To("general-purpose"), ptr.To("system")},
						NodeRoleArn: ptr.To(testNodeRoleARN),
					}},
					KubernetesNetworkConfig: []eksv1beta1.KubernetesNetworkConfigParameters{{
						IPFamily:             ptr.To("ipv4"),
						ElasticLoadBalancing: []eksv1beta1.ElasticLoadBalancingParameters{{Enabled: ptr.To(true)}},
					}},
					StorageConfig: []eksv1beta1.StorageConfigParameters{{
						BlockStorage: []eksv1beta1.BlockStorageParameters{{Enabled: ptr.To(true)}},
					}},
					EncryptionConfig: []eksv1beta1.EncryptionConfigParameters{{
						Provider:  []eksv1beta1.ProviderParameters{{KeyArn: ptr.To(testKeyARN)}},
						Resources: []*string{ptr.To("secrets")},
					}},
					EnabledClusterLogTypes: []*string{ptr.To("api"), ptr.To("audit"), ptr.To("authenticator"), ptr.To("controllerManager"), ptr.To("scheduler")},
					VPCConfig: []eksv1beta1.VPCConfigParameters{{
						SubnetIDSelector:      selectorOf(map[string]string{LabelTier: "private-app"}),
						EndpointPrivateAccess: ptr.To(true),
						EndpointPublicAccess:  ptr.To(public),
						PublicAccessCidrs:     pc,
					}},
					UpgradePolicy:    []eksv1beta1.UpgradePolicyParameters{{SupportType: ptr.To("STANDARD")}},
					ZonalShiftConfig: []eksv1beta1.ZonalShiftConfigParameters{{Enabled: ptr.To(true)}},
					Tags:             wantTags,
				},
			},
		}
	}

	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   *eksv1beta1.Cluster
	}{
		"PrivateEndpoint": {
			reason: "Without public access CIDRs the API endpoint is private only. The cluster runs EKS Auto Mode with encrypted secrets, every log type, nodes in the app subnets and standard support.",
			xr:     newXR(),
			want:   wantCluster(false),
		},
		"PublicEndpointForGivenCIDRs": {
			reason: "With public access CIDRs the endpoint is also public, for those CIDRs only.",
			xr:     newXR(withPublicAccess("203.0.113.10/32", "198.51.100.0/24")),
			want:   wantCluster(true, "203.0.113.10/32", "198.51.100.0/24"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			got := mustGet[*eksv1beta1.Cluster](t, cluster(p, in), nameCluster)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\ncluster(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestClusterAccess(t *testing.T) {
	cases := map[string]struct {
		reason     string
		xr         *v1alpha1.XPlatform
		wantAuth   *eksv1beta1.ClusterAuth
		wantConfig *kubev1alpha1.ProviderConfig
	}{
		"DefaultNamespace": {
			reason: "ClusterAuth writes the kubeconfig that the platform's provider-kubernetes ProviderConfig reads, in Crossplane's namespace.",
			xr:     newXR(),
			wantAuth: &eksv1beta1.ClusterAuth{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{LabelRole: "eks-cluster-auth"}}, Spec: eksv1beta1.ClusterAuthSpec{
				ResourceSpec: xpv1.ResourceSpec{
					ProviderConfigReference:          &xpv1.Reference{Name: "default"},
					WriteConnectionSecretToReference: &xpv1.SecretReference{Name: "prod-kubeconfig", Namespace: "crossplane-system"},
				},
				ForProvider: eksv1beta1.ClusterAuthParameters{
					Region:              "eu-west-1",
					ClusterNameSelector: selectorOf(map[string]string{LabelRole: "eks-cluster"}),
				},
			}},
			wantConfig: &kubev1alpha1.ProviderConfig{
				ObjectMeta: metav1.ObjectMeta{Name: "prod"},
				Spec: kconfig.ProviderConfigSpec{Credentials: kconfig.ProviderCredentials{
					Source: xpv2.CredentialsSourceSecret,
					CommonCredentialSelectors: xpv2.CommonCredentialSelectors{SecretRef: &xpv2.SecretKeySelector{
						SecretReference: xpv2.SecretReference{Name: "prod-kubeconfig", Namespace: "crossplane-system"},
						Key:             "kubeconfig",
					}},
				}},
			},
		},
		"GivenNamespaceAndProviderConfig": {
			reason: "The kubeconfig namespace and the provider-aws ProviderConfig come from the spec.",
			xr: newXR(func(xr *v1alpha1.XPlatform) {
				xr.Spec.Kubernetes.KubeconfigSecretNamespace = "upbound-system"
				xr.Spec.ProviderConfigName = "aws-prod"
			}),
			wantAuth: &eksv1beta1.ClusterAuth{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{LabelRole: "eks-cluster-auth"}}, Spec: eksv1beta1.ClusterAuthSpec{
				ResourceSpec: xpv1.ResourceSpec{
					ProviderConfigReference:          &xpv1.Reference{Name: "aws-prod"},
					WriteConnectionSecretToReference: &xpv1.SecretReference{Name: "prod-kubeconfig", Namespace: "upbound-system"},
				},
				ForProvider: eksv1beta1.ClusterAuthParameters{
					Region:              "eu-west-1",
					ClusterNameSelector: selectorOf(map[string]string{LabelRole: "eks-cluster"}),
				},
			}},
			wantConfig: &kubev1alpha1.ProviderConfig{
				ObjectMeta: metav1.ObjectMeta{Name: "prod"},
				Spec: kconfig.ProviderConfigSpec{Credentials: kconfig.ProviderCredentials{
					Source: xpv2.CredentialsSourceSecret,
					CommonCredentialSelectors: xpv2.CommonCredentialSelectors{SecretRef: &xpv2.SecretKeySelector{
						SecretReference: xpv2.SecretReference{Name: "prod-kubeconfig", Namespace: "upbound-system"},
						Key:             "kubeconfig",
					}},
				}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := cluster(mustPlan(t, tc.xr), clusterInputs{KMSKeyARN: testKeyARN, NodeRoleARN: testNodeRoleARN})
			if diff := cmp.Diff(tc.wantAuth, mustGet[*eksv1beta1.ClusterAuth](t, rs, nameClusterAuth)); diff != "" {
				t.Errorf("\n%s\ncluster(...) ClusterAuth: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantConfig, mustGet[*kubev1alpha1.ProviderConfig](t, rs, nameKubeProvider)); diff != "" {
				t.Errorf("\n%s\ncluster(...) ProviderConfig: -want, +got:\n%s", tc.reason, diff)
			}
			var names []string
			for _, r := range rs {
				names = append(names, string(r.Name))
				if r.AlwaysReady != (r.Name == nameKubeProvider) {
					t.Errorf("%q: AlwaysReady is %v, want it only for the ProviderConfig, which has no Ready condition", r.Name, r.AlwaysReady)
				}
			}
			if diff := cmp.Diff([]string{"eks-cluster", "eks-cluster-auth", "provider-config-kubernetes"}, names); diff != "" {
				t.Errorf("cluster(...) names: -want, +got:\n%s", diff)
			}
		})
	}
}

func TestClusterPrerequisitesRoleNames(t *testing.T) {
	long := "openedx-platform-" + strings.Repeat("production-", 2) + "eu-west-1-x7k2p"
	cases := map[string]struct {
		reason string
		name   string
		// want are the external names of the cluster and node roles; when
		// empty, only the length, prefix and distinctness are checked.
		want [2]string
	}{
		"ShortName": {
			reason: "A short composite name is kept whole in the role names.",
			name:   "prod",
			want:   [2]string{"prod-eks-cluster", "prod-eks-node"},
		},
		"VeryLongName": {
			reason: "IAM role names are at most 64 characters: a long composite name is truncated, and the two roles stay distinct.",
			name:   long,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, newXR(withName(tc.name)))
			rs, err := clusterPrerequisites(p)
			if err != nil {
				t.Fatalf("clusterPrerequisites(...): %v", err)
			}
			var got [2]string
			for i, n := range []resource.Name{nameClusterRole, nameNodeRole} {
				r := mustGet[*iamv1beta1.Role](t, rs, n)
				got[i] = r.Annotations["crossplane.io/external-name"]
				if len(got[i]) == 0 || len(got[i]) > 64 {
					t.Errorf("\n%s\nrole %q: external name %q has %d characters, want 1 to 64", tc.reason, n, got[i], len(got[i]))
				}
				if !strings.HasPrefix(got[i], tc.name[:min(len(tc.name), 40)]) {
					t.Errorf("\n%s\nrole %q: external name %q does not start with the composite's name", tc.reason, n, got[i])
				}
				if tag := r.Spec.ForProvider.Tags["Name"]; tag == nil || *tag != got[i] {
					t.Errorf("role %q: Name tag %v, want %q", n, tag, got[i])
				}
			}
			if got[0] == got[1] {
				t.Errorf("\n%s\nboth roles are named %q", tc.reason, got[0])
			}
			if tc.want != [2]string{} {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("\n%s\nrole names: -want, +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

func TestClusterPrerequisitesTrust(t *testing.T) {
	cases := map[string]struct {
		reason string
		role   resource.Name
		want   map[string]any
	}{
		"ClusterRole": {
			reason: "The EKS control plane assumes the cluster role; Auto Mode also needs to tag its sessions.",
			role:   nameClusterRole,
			want: map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Effect":    "Allow",
					"Principal": map[string]any{"Service": "eks.amazonaws.com"},
					"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
				}},
			},
		},
		"NodeRole": {
			reason: "EC2 instances, the Auto Mode nodes, assume the node role.",
			role:   nameNodeRole,
			want: map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Effect":    "Allow",
					"Principal": map[string]any{"Service": "ec2.amazonaws.com"},
					"Action":    []any{"sts:AssumeRole"},
				}},
			},
		},
	}
	rs, err := clusterPrerequisites(mustPlan(t, newXR()))
	if err != nil {
		t.Fatalf("clusterPrerequisites(...): %v", err)
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := mustGet[*iamv1beta1.Role](t, rs, tc.role)
			if r.Spec.ForProvider.AssumeRolePolicy == nil {
				t.Fatalf("\n%s\nrole %q has no trust policy", tc.reason, tc.role)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(*r.Spec.ForProvider.AssumeRolePolicy), &got); err != nil {
				t.Fatalf("\n%s\nrole %q: trust policy is not valid JSON: %v\n%s", tc.reason, tc.role, err, *r.Spec.ForProvider.AssumeRolePolicy)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nrole %q trust policy: -want, +got:\n%s", tc.reason, tc.role, diff)
			}
		})
	}
}

func TestClusterPrerequisitesPolicies(t *testing.T) {
	policies := func(partition string) map[string][]string {
		arn := func(p string) string { return "arn:" + partition + ":iam::aws:policy/" + p }
		return map[string][]string{
			"eks-cluster": {
				arn("AmazonEKSBlockStoragePolicy"),
				arn("AmazonEKSClusterPolicy"),
				arn("AmazonEKSComputePolicy"),
				arn("AmazonEKSLoadBalancingPolicy"),
				arn("AmazonEKSNetworkingPolicy"),
			},
			"eks-node": {
				arn("AmazonEC2ContainerRegistryPullOnly"),
				arn("AmazonEKSWorkerNodeMinimalPolicy"),
			},
		}
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   map[string][]string
	}{
		"Commercial": {
			reason: "Auto Mode's cluster role has five managed policies and its node role two, in the aws partition.",
			xr:     newXR(),
			want:   policies("aws"),
		},
		"China": {
			reason: "Managed policy ARNs in China regions are in the aws-cn partition.",
			xr:     newXR(withRegion("cn-north-1", "cn-north-1a", "cn-north-1b"), withProfile(v1alpha1.ProfileSmall)),
			want:   policies("aws-cn"),
		},
		"GovCloud": {
			reason: "Managed policy ARNs in GovCloud regions are in the aws-us-gov partition.",
			xr:     newXR(withRegion("us-gov-west-1")),
			want:   policies("aws-us-gov"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, err := clusterPrerequisites(mustPlan(t, tc.xr))
			if err != nil {
				t.Fatalf("clusterPrerequisites(...): %v", err)
			}
			got := map[string][]string{}
			for n, a := range ofType[*iamv1beta1.RolePolicyAttachment](rs) {
				fp := a.Spec.ForProvider
				if fp.Role != nil || fp.RoleSelector == nil || fp.RoleSelector.MatchControllerRef == nil || !*fp.RoleSelector.MatchControllerRef {
					t.Errorf("attachment %q must select its role among the composite's resources", n)
					continue
				}
				role := fp.RoleSelector.MatchLabels[LabelRole]
				got[role] = append(got[role], *fp.PolicyArn)
			}
			for _, v := range got {
				sort.Strings(v)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nclusterPrerequisites(...) policy ARNs by role: -want, +got:\n%s", tc.reason, diff)
			}
			// The attachments select roles by the labels the roles carry.
			for _, n := range []resource.Name{nameClusterRole, nameNodeRole} {
				r := mustGet[*iamv1beta1.Role](t, rs, n)
				if _, ok := got[r.Labels[LabelRole]]; !ok {
					t.Errorf("role %q has role label %q, which no attachment selects", n, r.Labels[LabelRole])
				}
			}
		})
	}
}

func TestClusterPrerequisitesKeyAndLogs(t *testing.T) {
	cases := map[string]struct {
		reason       string
		xr           *v1alpha1.XPlatform
		wantLogName  string
		wantLogDays  float64
		wantRotation bool
	}{
		"Defaults": {
			reason:       "The log group has the name EKS writes to and the default retention; the key rotates.",
			xr:           newXR(),
			wantLogName:  "/aws/eks/prod/cluster",
			wantLogDays:  90,
			wantRotation: true,
		},
		"GivenRetention": {
			reason:       "The log retention comes from the spec.",
			xr:           newXR(withName("staging"), func(xr *v1alpha1.XPlatform) { xr.Spec.Kubernetes.LogRetentionDays = 30 }),
			wantLogName:  "/aws/eks/staging/cluster",
			wantLogDays:  30,
			wantRotation: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, err := clusterPrerequisites(mustPlan(t, tc.xr))
			if err != nil {
				t.Fatalf("clusterPrerequisites(...): %v", err)
			}
			lg := mustGet[*cwlv1beta1.Group](t, rs, nameLogGroup)
			if diff := cmp.Diff(tc.wantLogName, lg.Annotations["crossplane.io/external-name"]); diff != "" {
				t.Errorf("\n%s\nlog group name: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(ptr.To(tc.wantLogDays), lg.Spec.ForProvider.RetentionInDays); diff != "" {
				t.Errorf("\n%s\nlog retention: -want, +got:\n%s", tc.reason, diff)
			}
			key := mustGet[*kmsv1beta1.Key](t, rs, nameKMSKey)
			if diff := cmp.Diff(ptr.To(tc.wantRotation), key.Spec.ForProvider.EnableKeyRotation); diff != "" {
				t.Errorf("\n%s\nkey rotation: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(ptr.To("eu-west-1"), key.Spec.ForProvider.Region); diff != "" {
				t.Errorf("\n%s\nkey region: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// eksClusterName is what EKS accepts as a cluster name (CreateCluster API).
var eksClusterName = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]*$`)

// TestClusterNameIsValidForEKS checks that every composite name newPlan
// accepts gives an EKS cluster name that AWS accepts: at most 100
// alphanumeric characters, hyphens and underscores. Kubernetes names may be
// up to 253 characters and contain dots, so newPlan must either reject such
// names at metadata.name or derive a valid cluster name from them.
func TestClusterNameIsValidForEKS(t *testing.T) {
	cases := map[string]struct {
		reason string
		name   string
		// want is the expected cluster name; empty when newPlan may
		// instead reject the name.
		want string
	}{
		"ShortName": {
			reason: "A short name is the cluster name.",
			name:   "prod",
			want:   "prod",
		},
		"ClaimStyleName": {
			reason: "A composite named after its claim, with Crossplane's suffix, is the cluster name.",
			name:   "openedx-prod-x7k2p",
			want:   "openedx-prod-x7k2p",
		},
		"SixtyThreeCharacters": {
			reason: "Crossplane accepts composite names of up to 63 characters, and EKS up to 100.",
			name:   strings.Repeat("a", 63),
			want:   strings.Repeat("a", 63),
		},
		"NameWithDot": {
			reason: "A Kubernetes name may contain dots, which EKS rejects in a cluster name.",
			name:   "openedx.prod-x7k2p",
		},
		"NameLongerThan100": {
			reason: "A Kubernetes name may be longer than the 100 characters EKS accepts.",
			name:   "openedx-" + strings.Repeat("production-", 9) + "x7k2p",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := newPlan(newXR(withName(tc.name)))
			if err != nil {
				var fe *field.Error
				if tc.want != "" || !errors.As(err, &fe) || fe.Field != "metadata.name" {
					t.Fatalf("\n%s\nnewPlan(%q): unexpected error: %v", tc.reason, tc.name, err)
				}
				return
			}
			got := p.clusterName()
			if len(got) > 100 || !eksClusterName.MatchString(got) {
				t.Errorf("\n%s\nnewPlan(%q) accepted the name, but clusterName() = %q (%d characters) is not a valid EKS cluster name: reject it at metadata.name or derive a valid one", tc.reason, tc.name, got, len(got))
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("\n%s\nclusterName() = %q, want %q", tc.reason, got, tc.want)
			}
			// Whatever the cluster name, the cluster and its log group agree on it.
			c := mustGet[*eksv1beta1.Cluster](t, cluster(p, clusterInputs{KMSKeyARN: testKeyARN, NodeRoleARN: testNodeRoleARN}), nameCluster)
			if diff := cmp.Diff(got, c.Annotations["crossplane.io/external-name"]); diff != "" {
				t.Errorf("cluster external name: -clusterName(), +got:\n%s", diff)
			}
			rs, err := clusterPrerequisites(p)
			if err != nil {
				t.Fatal(err)
			}
			lg := mustGet[*cwlv1beta1.Group](t, rs, nameLogGroup)
			if diff := cmp.Diff("/aws/eks/"+got+"/cluster", lg.Annotations["crossplane.io/external-name"]); diff != "" {
				t.Errorf("log group name: -want, +got:\n%s", diff)
			}
		})
	}
}

func TestClusterTagPropagation(t *testing.T) {
	r, err := clusterTagPropagation(mustPlan(t, newXR()))
	if err != nil {
		t.Fatal(err)
	}
	pol := r.Object.(*iamv1beta1.RolePolicy)
	var doc awsiam.PolicyDocument
	if err := json.Unmarshal([]byte(*pol.Spec.ForProvider.Policy), &doc); err != nil {
		t.Fatal(err)
	}
	// Tagging is allowed only within the call that creates the resource:
	// Auto Mode can never retag what exists.
	want := map[string]map[string]map[string]string{
		"TagLoadBalancingOnCreate":  {"StringLike": {"elasticloadbalancing:CreateAction": "Create*"}},
		"TagSecurityGroupsOnCreate": {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}},
	}
	got := map[string]map[string]map[string]string{}
	for _, s := range doc.Statement {
		got[s.Sid] = s.Condition
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tag propagation conditions: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{LabelRole: "eks-cluster"}, pol.Spec.ForProvider.RoleSelector.MatchLabels); diff != "" {
		t.Errorf("the policy is the cluster role's: -want, +got:\n%s", diff)
	}
}

// wantPrerequisiteNames are the names of what the cluster needs first.
func wantPrerequisiteNames() []string {
	return []string{
		"kms-key-eks", "iam-role-eks-cluster", "iam-role-eks-node", "log-group-eks",
		"iam-attachment-eks-cluster-AmazonEKSClusterPolicy",
		"iam-attachment-eks-cluster-AmazonEKSComputePolicy",
		"iam-attachment-eks-cluster-AmazonEKSBlockStoragePolicy",
		"iam-attachment-eks-cluster-AmazonEKSLoadBalancingPolicy",
		"iam-attachment-eks-cluster-AmazonEKSNetworkingPolicy",
		"iam-policy-eks-cluster-tag-propagation",
		"iam-attachment-eks-node-AmazonEKSWorkerNodeMinimalPolicy",
		"iam-attachment-eks-node-AmazonEC2ContainerRegistryPullOnly",
	}
}

// wantClusterNames are the names of the cluster and what reaches it.
func wantClusterNames() []string {
	return []string{"eks-cluster", "eks-cluster-auth", "provider-config-kubernetes"}
}

// TestXRDKubernetesVersionPattern: the XRD refuses at apply the versions
// newPlan refuses.
func TestXRDKubernetesVersionPattern(t *testing.T) {
	wantInXRDSource(t, "+kubebuilder:validation:Pattern=`"+reK8s.String()+"`")
	for v, ok := range map[string]bool{"1.29": true, "1.34": true, "1.40": true, "1.28": false, "1.3": false, "1.100": false, "2.0": false} {
		if got := reK8s.MatchString(v); got != ok {
			t.Errorf("reK8s.MatchString(%q) = %v, want %v", v, got, ok)
		}
	}
}
