package main

import (
	"encoding/json"

	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
)

// accessLogsTestPolicy decodes a bucket policy's statements.
func accessLogsTestPolicy(t *testing.T, rs map[resource.Name]*s3v1beta1.BucketPolicy, n resource.Name) []awsiam.Statement {
	t.Helper()
	pol, ok := rs[n]
	if !ok {
		t.Fatalf("no bucket policy %s", n)
	}
	doc := awsiam.PolicyDocument{}
	if err := json.Unmarshal([]byte(*pol.Spec.ForProvider.Policy), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Statement
}

func TestALBLogBucket(t *testing.T) {
	tlsOnly := func(bucket string) awsiam.Statement {
		return awsiam.Statement{
			Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]string{"AWS": "*"}, Action: []string{"s3:*"},
			Resource:  []string{"arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*"},
			Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
		}
	}
	cases := map[string]struct {
		reason    string
		xr        *v1alpha1.XPlatform
		bucket    string
		writer    map[string]string
		retention int
	}{
		"OlderRegion": {
			reason:    "In a region opened before August 2022, the region's ELB account writes the logs.",
			xr:        newXR(withEdgeDomain(edgeTestDomain, "")),
			bucket:    "prod-alb-logs-123456789012-eu-west-1",
			writer:    map[string]string{"AWS": "arn:aws:iam::156460612806:root"},
			retention: 90,
		},
		"NewerRegion": {
			reason:    "In a region opened since August 2022, ELB's log-delivery service principal writes them; retention follows the spec.",
			xr:        newXR(withRegion("eu-central-2"), withEdgeDomain(edgeTestDomain, ""), func(xr *v1alpha1.XPlatform) { xr.Spec.Kubernetes.LogRetentionDays = 30 }),
			bucket:    "prod-alb-logs-123456789012-eu-central-2",
			writer:    map[string]string{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
			retention: 30,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			rs, bucket, err := albLogBucket(p, "123456789012", nil)
			if err != nil {
				t.Fatal(err)
			}
			objects(t, rs)
			if bucket != tc.bucket {
				t.Errorf("%s\nbucket %q, want %q", tc.reason, bucket, tc.bucket)
			}
			got := accessLogsTestPolicy(t, ofType[*s3v1beta1.BucketPolicy](rs), nameALBLogBucketPolicy)
			want := []awsiam.Statement{{
				Sid: "ELBWritesAccessLogs", Effect: "Allow", Principal: tc.writer, Action: []string{"s3:PutObject"},
				Resource: []string{"arn:aws:s3:::" + tc.bucket + "/alb/AWSLogs/123456789012/*"},
			}, tlsOnly(tc.bucket)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nbucket policy: -want, +got:\n%s", tc.reason, diff)
			}
			enc := mustGet[*s3v1beta1.BucketServerSideEncryptionConfiguration](t, rs, "s3-bucket-alb-logs-encryption").Spec.ForProvider
			if got := *enc.Rule[0].ApplyServerSideEncryptionByDefault[0].SseAlgorithm; got != "AES256" {
				t.Errorf("%s\nencryption %q: ALB log delivery supports SSE-S3 only", tc.reason, got)
			}
			own := mustGet[*s3v1beta1.BucketOwnershipControls](t, rs, "s3-bucket-alb-logs-ownership-controls").Spec.ForProvider
			if got := *own.Rule[0].ObjectOwnership; got != "BucketOwnerEnforced" {
				t.Errorf("%s\nobject ownership %q, want ACLs off", tc.reason, got)
			}
			lc := mustGet[*s3v1beta1.BucketLifecycleConfiguration](t, rs, "s3-bucket-alb-logs-lifecycle").Spec.ForProvider.Rule[0]
			if len(lc.Expiration) != 1 || *lc.Expiration[0].Days != float64(tc.retention) || len(lc.AbortIncompleteMultipartUpload) != 1 {
				t.Errorf("%s\nlifecycle %+v: want expiry after %d days and incomplete uploads aborted", tc.reason, lc, tc.retention)
			}
			for n, r := range ofType[*s3v1beta1.Bucket](rs) {
				if *r.Spec.ForProvider.Region != p.Region {
					t.Errorf("%s\nbucket %s in %s: ELB logs only to a bucket in its own region %s", tc.reason, n, *r.Spec.ForProvider.Region, p.Region)
				}
			}
		})
	}
}

func TestALBLogBucketWaitsForTheAccount(t *testing.T) {
	p := mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, "")))
	rs, bucket, err := albLogBucket(p, "", nil)
	if err != nil || bucket != "" || len(rs) != 0 {
		t.Errorf("albLogBucket(...) without the account: bucket %q, %d resources, error %v; want nothing", bucket, len(rs), err)
	}
	existing := map[resource.Name]resource.ObservedComposed{
		nameALBLogBucket: observedJSON(`{"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "Bucket", "metadata": {"name": "b", "annotations": {"crossplane.io/external-name": "prod-alb-logs-1-eu-west-1"}}}`),
	}
	rs, bucket, err = albLogBucket(p, "", existing)
	if err != nil || bucket != "prod-alb-logs-1-eu-west-1" {
		t.Fatalf("albLogBucket(...) of an existing bucket: %q, %v", bucket, err)
	}
	if _, ok := ofType[*s3v1beta1.Bucket](rs)[nameALBLogBucket]; !ok {
		t.Errorf("an existing bucket is never dropped, got %v", edgeNames(rs))
	}
}
