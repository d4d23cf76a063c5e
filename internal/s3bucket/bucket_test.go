package s3bucket

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

func TestResources(t *testing.T) {
	cases := map[string]struct {
		reason    string
		b         Bucket
		wantNames []string
		wantSSE   string
	}{
		"SSES3WithoutCORS": {
			reason:    "Without a key the bucket uses SSE-S3; without origins it has no CORS configuration.",
			b:         Bucket{Name: "s3-bucket-static", BucketName: "b", Region: "eu-west-1", NoncurrentVersionDays: 30},
			wantNames: []string{"s3-bucket-static", "s3-bucket-static-public-access-block", "s3-bucket-static-ownership-controls", "s3-bucket-static-versioning", "s3-bucket-static-encryption", "s3-bucket-static-lifecycle"},
			wantSSE:   "AES256",
		},
		"SSEKMSWithCORS": {
			reason:    "A key means SSE-KMS with a bucket key; origins add a CORS configuration.",
			b:         Bucket{Name: "s3-bucket-storage", BucketName: "b", Region: "eu-west-1", KMSKeyARN: "arn:aws:kms:eu-west-1:1:key/k", NoncurrentVersionDays: 30, CORSOrigins: []string{"https://learn.example.org"}},
			wantNames: []string{"s3-bucket-storage", "s3-bucket-storage-public-access-block", "s3-bucket-storage-ownership-controls", "s3-bucket-storage-versioning", "s3-bucket-storage-encryption", "s3-bucket-storage-lifecycle", "s3-bucket-storage-cors"},
			wantSSE:   "aws:kms",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := tc.b.Resources()
			var names []string
			var enc *s3v1beta1.BucketServerSideEncryptionConfiguration
			for _, r := range rs {
				names = append(names, string(r.Name))
				if e, ok := r.Object.(*s3v1beta1.BucketServerSideEncryptionConfiguration); ok {
					enc = e
				}
			}
			if diff := cmp.Diff(tc.wantNames, names); diff != "" {
				t.Errorf("%s\n-want names, +got:\n%s", tc.reason, diff)
			}
			def := enc.Spec.ForProvider.Rule[0].ApplyServerSideEncryptionByDefault[0]
			if *def.SseAlgorithm != tc.wantSSE {
				t.Errorf("%s\nsseAlgorithm = %s, want %s", tc.reason, *def.SseAlgorithm, tc.wantSSE)
			}
			if got := rs[0].Object.(*s3v1beta1.Bucket).GetAnnotations()[compose.AnnotationExternalName]; got != "b" {
				t.Errorf("the bucket's AWS name is its external name, got %q", got)
			}
			pab := rs[1].Object.(*s3v1beta1.BucketPublicAccessBlock).Spec.ForProvider
			for _, v := range []*bool{pab.BlockPublicAcls, pab.BlockPublicPolicy, pab.IgnorePublicAcls, pab.RestrictPublicBuckets} {
				if v == nil || !*v {
					t.Errorf("%s\nevery kind of public access is blocked: %+v", tc.reason, pab)
				}
			}
		})
	}
}

func TestLogBucketSettings(t *testing.T) {
	cases := map[string]struct {
		reason         string
		b              Bucket
		wantOwnership  string
		wantExpiration []s3v1beta1.RuleExpirationParameters
	}{
		"DataBucket": {
			reason:        "By default ACLs are off and objects never expire.",
			b:             Bucket{Name: "s3-bucket-storage", BucketName: "b", Region: "eu-west-1", NoncurrentVersionDays: 30},
			wantOwnership: "BucketOwnerEnforced",
		},
		"LogBucket": {
			reason:         "A log bucket expires its objects after its retention.",
			b:              Bucket{Name: "s3-bucket-alb-logs", BucketName: "b", Region: "eu-west-1", NoncurrentVersionDays: 30, ExpirationDays: 90},
			wantOwnership:  "BucketOwnerEnforced",
			wantExpiration: []s3v1beta1.RuleExpirationParameters{{Days: ptr.To(float64(90))}},
		},
		"CloudFrontLogBucket": {
			reason:         "CloudFront's legacy logging needs ACLs: the bucket owner is preferred, not enforced.",
			b:              Bucket{Name: "s3-bucket-cdn-logs", BucketName: "b", Region: "eu-west-1", NoncurrentVersionDays: 30, ExpirationDays: 30, ACLsEnabled: true},
			wantOwnership:  "BucketOwnerPreferred",
			wantExpiration: []s3v1beta1.RuleExpirationParameters{{Days: ptr.To(float64(30))}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var ownership string
			var expiration []s3v1beta1.RuleExpirationParameters
			for _, r := range tc.b.Resources() {
				switch o := r.Object.(type) {
				case *s3v1beta1.BucketOwnershipControls:
					ownership = *o.Spec.ForProvider.Rule[0].ObjectOwnership
				case *s3v1beta1.BucketLifecycleConfiguration:
					expiration = o.Spec.ForProvider.Rule[0].Expiration
				}
			}
			if ownership != tc.wantOwnership {
				t.Errorf("%s\nobject ownership %q, want %q", tc.reason, ownership, tc.wantOwnership)
			}
			if diff := cmp.Diff(tc.wantExpiration, expiration); diff != "" {
				t.Errorf("%s\nexpiration: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDenyInsecureTransport(t *testing.T) {
	got, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{DenyInsecureTransport("aws", "b")}}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:*"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DenyInsecureTransport: -want, +got:\n%s", diff)
	}
}
