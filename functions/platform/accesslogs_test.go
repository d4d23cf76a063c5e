package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	cfv1beta1 "github.com/upbound/provider-aws/apis/cloudfront/v1beta1"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	wafv2v1beta1 "github.com/upbound/provider-aws/apis/wafv2/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
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

func TestCDNLogBucket(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		bucket string
		region string
	}{
		"PlatformsRegion": {
			reason: "Where CloudFront delivers standard logs, they stay in the platform's region.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			bucket: "prod-cdn-logs-123456789012-eu-west-1",
			region: "eu-west-1",
		},
		"OptInRegion": {
			reason: "CloudFront delivers no standard logs to buckets in opt-in regions: the bucket is in us-east-1, and named so.",
			xr:     newXR(withRegion("eu-south-1"), withEdgeDomain(edgeTestDomain, "")),
			bucket: "prod-cdn-logs-123456789012-us-east-1",
			region: "us-east-1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			rs, bucket, err := cdnLogBucket(p, "123456789012", nil)
			if err != nil {
				t.Fatal(err)
			}
			objs := objects(t, rs)
			if bucket != tc.bucket {
				t.Errorf("%s\nbucket %q, want %q", tc.reason, bucket, tc.bucket)
			}
			for n, o := range objs {
				if r := regionOf(t, o); r != tc.region {
					t.Errorf("%s\n%s is in %q, want %q", tc.reason, n, r, tc.region)
				}
			}
			own := mustGet[*s3v1beta1.BucketOwnershipControls](t, rs, nameCDNLogBucketOwnership).Spec.ForProvider
			if got := *own.Rule[0].ObjectOwnership; got != "BucketOwnerPreferred" {
				t.Errorf("%s\nobject ownership %q: CloudFront's legacy logging writes with ACLs", tc.reason, got)
			}
			pab := mustGet[*s3v1beta1.BucketPublicAccessBlock](t, rs, "s3-bucket-cdn-logs-public-access-block").Spec.ForProvider
			if !*pab.BlockPublicAcls || !*pab.IgnorePublicAcls || !*pab.BlockPublicPolicy || !*pab.RestrictPublicBuckets {
				t.Errorf("%s\nACLs are on, but no public ACL may be: %+v", tc.reason, pab)
			}
			lc := mustGet[*s3v1beta1.BucketLifecycleConfiguration](t, rs, "s3-bucket-cdn-logs-lifecycle").Spec.ForProvider.Rule[0]
			if len(lc.Expiration) != 1 || *lc.Expiration[0].Days != float64(p.LogRetentionDays) {
				t.Errorf("%s\nlifecycle %+v: want expiry after %d days", tc.reason, lc, p.LogRetentionDays)
			}
			got := accessLogsTestPolicy(t, ofType[*s3v1beta1.BucketPolicy](rs), nameCDNLogBucketPolicy)
			if len(got) != 1 || got[0].Sid != "DenyInsecureTransport" {
				t.Errorf("%s\nbucket policy %+v: want TLS only, and no grant (CloudFront writes through the bucket ACL)", tc.reason, got)
			}
		})
	}
}

// regionOf is a managed resource's spec.forProvider.region.
func regionOf(t *testing.T, o any) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Spec struct {
			ForProvider struct {
				Region string `json:"region"`
			} `json:"forProvider"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Spec.ForProvider.Region
}

func TestCDNDistributionLogging(t *testing.T) {
	want := []cfv1beta1.LoggingConfigParameters{{
		Bucket: ptr.To("prod-cdn-logs-123456789012-eu-west-1.s3.amazonaws.com"), Prefix: ptr.To("cloudfront/"), IncludeCookies: ptr.To(false),
	}}
	notReady := observedJSON(`{"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "BucketOwnershipControls", "metadata": {"name": "o"}, "status": {}}`)
	cases := map[string]struct {
		reason   string
		observed func(map[resource.Name]resource.ObservedComposed)
		logging  []cfv1beta1.LoggingConfigParameters
		composed bool
		missing  string
	}{
		"LogsOnceTheBucketTakesACLs": {
			reason:   "Once the log bucket's ownership controls are Ready, the distribution logs there, without cookies.",
			observed: func(map[resource.Name]resource.ObservedComposed) {},
			logging:  want,
			composed: true,
		},
		"NewDistributionWaits": {
			reason:   "CloudFront refuses a log bucket without ACLs: a new distribution waits for the ownership controls.",
			observed: func(o map[resource.Name]resource.ObservedComposed) { o[nameCDNLogBucketOwnership] = notReady },
			missing:  `the Ready ownership controls "s3-bucket-cdn-logs-ownership-controls" (CloudFront writes its logs with ACLs)`,
		},
		"ExistingDistributionKept": {
			reason: "A distribution made before access logs is kept meanwhile, and gets them once the bucket is ready.",
			observed: func(o map[resource.Name]resource.ObservedComposed) {
				o[nameCDNLogBucketOwnership] = notReady
				o[nameStaticDistribution] = cdnObservedDistribution(true)
			},
			composed: true,
		},
		"ExistingLoggingKept": {
			reason: "A distribution that logs keeps logging while its bucket's readiness is not observed.",
			observed: func(o map[resource.Name]resource.ObservedComposed) {
				delete(o, nameCDNLogBucketOwnership)
				o[nameStaticDistribution] = cdnObservedDistributionACL(true, `, "webAclId": "`+cdnTestWebACLARN+`", "loggingConfig": [{"bucket": "prod-cdn-logs-123456789012-eu-west-1.s3.amazonaws.com", "prefix": "cloudfront/"}]`)
			},
			logging:  want,
			composed: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			observed := cdnIssued()
			tc.observed(observed)
			rs, missing, err := cdn(mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, ""))), observed)
			if err != nil {
				t.Fatal(err)
			}
			d, ok := ofType[*cfv1beta1.Distribution](rs)[nameStaticDistribution]
			if ok != tc.composed {
				t.Fatalf("%s\ndistribution composed: %v, want %v (missing %q)", tc.reason, ok, tc.composed, missing)
			}
			if tc.missing != "" && !slices.Contains(missing, tc.missing) {
				t.Errorf("%s\nmissing %q, want it to name %q", tc.reason, missing, tc.missing)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(tc.logging, d.Spec.ForProvider.LoggingConfig); diff != "" {
				t.Errorf("%s\nloggingConfig: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestStaticWAFLogging(t *testing.T) {
	rs := cdnComplete(t)
	lg := mustGet[*cwlv1beta1.Group](t, rs, nameStaticWAFLogGroup)
	if got := lg.GetAnnotations()[compose.AnnotationExternalName]; got != "aws-waf-logs-prod-static" {
		t.Errorf("log group %q: WAF logs only to names starting aws-waf-logs-", got)
	}
	if got := *lg.Spec.ForProvider.Region; got != "us-east-1" {
		t.Errorf("log group in %q: a CLOUDFRONT web ACL logs only to us-east-1", got)
	}
	if lg.Spec.ForProvider.RetentionInDays == nil || *lg.Spec.ForProvider.RetentionInDays != 90 {
		t.Errorf("log group retention %v, want the platform's 90 days", lg.Spec.ForProvider.RetentionInDays)
	}
	f := mustGet[*wafv2v1beta1.WebACLLoggingConfiguration](t, rs, nameStaticWAFLogging).Spec.ForProvider
	got := []string{ptr.Deref(f.Region, ""), f.ResourceArnSelector.MatchLabels[LabelRole], *f.LogDestinationConfigs[0]}
	wantACL := mustGet[*wafv2v1beta1.WebACL](t, rs, nameStaticWebACL).GetLabels()[LabelRole]
	want := []string{"us-east-1", wantACL, "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-prod-static"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("logging of the distribution's web ACL (region, web ACL, destination): -want, +got:\n%s", diff)
	}
	if f.LoggingFilter == nil || len(f.RedactedFields) != 2 {
		t.Errorf("the distribution's web ACL logs as the load balancer's does: blocked and counted requests, credentials redacted; got %+v", f)
	}
}
