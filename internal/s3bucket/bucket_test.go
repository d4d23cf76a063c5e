package s3bucket

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"

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
