package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
)

const (
	testDataKeyARN = "arn:aws:kms:eu-west-1:123456789012:key/0f2a7c1e-5b7d-4c1e-9d8f-3a2b1c0d9e8f"
	testSendingARN = "arn:aws:iam::123456789012:policy/openedx/prod/prod-ses-sending"
)

// testTarget is a converged production platform, as the platform function
// reports it.
func testTarget() awsTarget {
	return awsTarget{
		Platform: "prod", ProviderConfig: "default", Region: "eu-west-1", Partition: "aws",
		Account: "123456789012", DataKeyARN: testDataKeyARN, ClusterName: "prod", CostCenter: "learning-platform",
		StaticBucket: "prod-static-123456789012-eu-west-1", SendingPolicyARN: testSendingARN,
	}
}

func testPlan(t *testing.T, mutate func(*v1alpha1.XOpenEdxTenant)) *plan {
	t.Helper()
	xr := &v1alpha1.XOpenEdxTenant{Spec: v1alpha1.XOpenEdxTenantSpec{
		PlatformRef:  v1alpha1.PlatformReference{Name: "prod", Namespace: "platform"},
		InstanceName: "demo", LMSHost: "learn.demo.example.com",
	}}
	xr.SetName("demo-5fj2q")
	if mutate != nil {
		mutate(xr)
	}
	p, err := newPlan(xr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewAWSTarget(t *testing.T) {
	ready := func() *v1alpha1.XPlatform {
		pl := &v1alpha1.XPlatform{}
		pl.SetName("prod")
		pl.Status.Region = "eu-west-1"
		pl.Status.ProviderConfigName = "default"
		pl.Status.AccountID = "123456789012"
		pl.Status.DataKeyARN = testDataKeyARN
		pl.Status.Cluster.Name = "prod"
		pl.Status.Edge.StaticBucket = "prod-static-123456789012-eu-west-1"
		pl.Status.Edge.SendingPolicyARN = testSendingARN
		return pl
	}
	cases := map[string]struct {
		reason      string
		platform    func(*v1alpha1.XPlatform)
		want        awsTarget
		wantPending string
	}{
		"Converged": {
			reason: "Everything comes from the platform's status; the partition from the data key's ARN.",
			want:   testTarget(),
		},
		"ProviderConfigNotPublished": {
			reason:      "The platform's spec is not the tenant's to read, nor its defaults to re-apply: without a published provider config nothing is composed.",
			platform:    func(pl *v1alpha1.XPlatform) { pl.Spec.ProviderConfigName, pl.Status.ProviderConfigName = "default", "" },
			wantPending: `platform "prod" has not published its region and provider config (status.region, status.providerConfigName) yet`,
		},
		"RegionNotPublished": {
			reason:      "The region is the status's too.",
			platform:    func(pl *v1alpha1.XPlatform) { pl.Spec.Region, pl.Status.Region = "eu-west-1", "" },
			wantPending: `platform "prod" has not published its region and provider config (status.region, status.providerConfigName) yet`,
		},
		"NoDataKeyYet": {
			reason:      "Without the data key nothing can be encrypted: nothing is composed and the reason says so.",
			platform:    func(pl *v1alpha1.XPlatform) { pl.Status.DataKeyARN = "" },
			wantPending: `the data KMS key of platform "prod" is not created yet`,
		},
		"NotAnARN": {
			reason:      "A malformed ARN is reported, never used.",
			platform:    func(pl *v1alpha1.XPlatform) { pl.Status.DataKeyARN = "key-1" },
			wantPending: `platform "prod" reports a data key ARN that is not an ARN: "key-1"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pl := ready()
			if tc.platform != nil {
				tc.platform(pl)
			}
			got, pending := newAWSTarget(statusView(pl, "learning-platform"))
			if diff := cmp.Diff(tc.wantPending, pending); diff != "" {
				t.Errorf("%s\nnewAWSTarget(...): -want pending, +got pending:\n%s", tc.reason, diff)
			}
			if tc.wantPending == "" {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s\nnewAWSTarget(...): -want, +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

// byName indexes resources by composition name.
func byName(rs []compose.Resource) map[string]compose.Resource {
	m := map[string]compose.Resource{}
	for _, r := range rs {
		m[string(r.Name)] = r
	}
	return m
}

func TestStorageBucket(t *testing.T) {
	cases := map[string]struct {
		reason     string
		policy     v1alpha1.DataDeletionPolicy
		wantPolicy xpv1.DeletionPolicy
		wantForce  bool
	}{
		"OrphanByDefault": {
			reason:     "Deleting an instance keeps its bucket: every resource of it is orphaned and the bucket is never emptied.",
			wantPolicy: xpv1.DeletionOrphan,
		},
		"Delete": {
			reason:    "spec.deletionPolicy Delete deletes the bucket with its objects.",
			policy:    v1alpha1.DataDeletionDelete,
			wantForce: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := testPlan(t, func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.DeletionPolicy = tc.policy })
			rs := byName(storageBucket(p, testTarget()))
			for n, r := range rs {
				if got := r.Object.(interface{ GetDeletionPolicy() xpv1.DeletionPolicy }).GetDeletionPolicy(); got != tc.wantPolicy {
					t.Errorf("%s\n%s: deletion policy %q, want %q", tc.reason, n, got, tc.wantPolicy)
				}
			}
			b := rs["s3-bucket-storage"].Object.(*s3v1beta1.Bucket)
			if got := *b.Spec.ForProvider.ForceDestroy; got != tc.wantForce {
				t.Errorf("%s\nforceDestroy = %v, want %v", tc.reason, got, tc.wantForce)
			}
			if diff := cmp.Diff("prod-tenant-demo-123456789012-eu-west-1", b.GetAnnotations()[compose.AnnotationExternalName]); diff != "" {
				t.Errorf("bucket name: -want, +got:\n%s", diff)
			}
			enc := rs["s3-bucket-storage-encryption"].Object.(*s3v1beta1.BucketServerSideEncryptionConfiguration)
			def := enc.Spec.ForProvider.Rule[0].ApplyServerSideEncryptionByDefault[0]
			if *def.SseAlgorithm != "aws:kms" || *def.KMSMasterKeyID != testDataKeyARN {
				t.Errorf("encryption = %s with %s, want aws:kms with the data key", *def.SseAlgorithm, *def.KMSMasterKeyID)
			}
			cors := rs["s3-bucket-storage-cors"].Object.(*s3v1beta1.BucketCorsConfiguration)
			var origins []string
			for _, o := range cors.Spec.ForProvider.CorsRule[0].AllowedOrigins {
				origins = append(origins, *o)
			}
			want := []string{"https://learn.demo.example.com", "https://studio.learn.demo.example.com", "https://apps.learn.demo.example.com"}
			if diff := cmp.Diff(want, origins); diff != "" {
				t.Errorf("CORS is for the instance's own hosts only: -want, +got:\n%s", diff)
			}
		})
	}
}

func TestInstancePolicy(t *testing.T) {
	p := testPlan(t, nil)
	doc, err := instancePolicy(p, testTarget())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"StorageBucket":                {"arn:aws:s3:::prod-tenant-demo-123456789012-eu-west-1"},
		"StorageObjects":               {"arn:aws:s3:::prod-tenant-demo-123456789012-eu-west-1/*"},
		"OwnSecrets":                   {"arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/tenants/demo/*"},
		"StaticAssetsList":             {"arn:aws:s3:::prod-static-123456789012-eu-west-1"},
		"StaticAssetsObjects":          {"arn:aws:s3:::prod-static-123456789012-eu-west-1/demo/*"},
		"DataKeyThroughS3":             {testDataKeyARN},
		"DataKeyThroughSecretsManager": {testDataKeyARN},
	}
	got := map[string][]string{}
	for _, s := range doc.Statement {
		got[s.Sid] = s.Resource
		if s.Effect != "Allow" {
			t.Errorf("%s: effect %q", s.Sid, s.Effect)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Every statement names only the instance's own resources: -want, +got:\n%s", diff)
	}
	for _, s := range doc.Statement {
		if strings.HasPrefix(s.Sid, "DataKey") && s.Condition["StringEquals"]["kms:ViaService"] == "" {
			t.Errorf("%s: the data key must be usable only through a service", s.Sid)
		}
	}
	if got := doc.Statement[3].Condition["StringLike"]["s3:prefix"]; got != "demo/*" {
		t.Errorf("listing the static bucket is limited to the instance's prefix, got %q", got)
	}
}

func TestIdentityResources(t *testing.T) {
	cases := map[string]struct {
		reason string
		target func(*awsTarget)
		want   []string
	}{
		"WithMail": {
			reason: "A platform with mail gives the role the sending policy and an SMTP user with it.",
			want: []string{"iam-role", "iam-role-policy", "pod-identity-association", "secret-tutor-config",
				"iam-role-sending-attachment", "iam-user-smtp", "iam-user-smtp-sending-attachment"},
		},
		"WithoutMail": {
			reason: "A platform without a domain sends no mail: no SMTP user.",
			target: func(t *awsTarget) { t.SendingPolicyARN = "" },
			want:   []string{"iam-role", "iam-role-policy", "pod-identity-association", "secret-tutor-config"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tgt := testTarget()
			if tc.target != nil {
				tc.target(&tgt)
			}
			rs, err := identityResources(testPlan(t, nil), tgt)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, string(r.Name))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
			m := byName(rs)
			role := m["iam-role"].Object.(*iamv1beta1.Role)
			var trust awsiam.PolicyDocument
			if err := json.Unmarshal([]byte(*role.Spec.ForProvider.AssumeRolePolicy), &trust); err != nil {
				t.Fatal(err)
			}
			wantTrust := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
				Effect: "Allow", Principal: map[string]string{"Service": "pods.eks.amazonaws.com"},
				Action:    []string{"sts:AssumeRole", "sts:TagSession"},
				Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": "123456789012"}},
			}}}
			if diff := cmp.Diff(wantTrust, trust); diff != "" {
				t.Errorf("Only EKS Pod Identity of this account assumes the role: -want, +got:\n%s", diff)
			}
			s := m["secret-tutor-config"].Object.(*smv1beta1.Secret)
			if *s.Spec.ForProvider.Name != "openedx/prod/tenants/demo/tutor" || *s.Spec.ForProvider.KMSKeyID != testDataKeyARN {
				t.Errorf("secret %s encrypted with %s", *s.Spec.ForProvider.Name, *s.Spec.ForProvider.KMSKeyID)
			}
			if s.Spec.DeletionPolicy != xpv1.DeletionOrphan {
				t.Errorf("the configuration secret holds the only copy of the passwords: it is orphaned by default, got %q", s.Spec.DeletionPolicy)
			}
		})
	}
}
