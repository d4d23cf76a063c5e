package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	cfv1beta1 "github.com/upbound/provider-aws/apis/cloudfront/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/awsregions"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/s3bucket"
)

// Access logs of the platform's two entries from the Internet: the shared
// load balancer and the static-assets distribution each write to a bucket
// of their own, kept as long as the platform's other logs.
//
// Both buckets use SSE-S3: ALB log delivery supports no other server-side
// encryption, and CloudFront's legacy delivery could use SSE-KMS only if
// the key policy let its log-delivery account encrypt with the data key.

// Names of the access-log resources. The buckets' configuration resources
// are <bucket>-<concern>, as s3bucket names them.
const (
	nameALBLogBucket       resource.Name = "s3-bucket-alb-logs"
	nameALBLogBucketPolicy resource.Name = "s3-bucket-alb-logs-policy"
	nameCDNLogBucket       resource.Name = "s3-bucket-cdn-logs"
	nameCDNLogBucketPolicy resource.Name = "s3-bucket-cdn-logs-policy"
	// nameCDNLogBucketOwnership enables the ACLs CloudFront writes with;
	// the distribution waits for it.
	nameCDNLogBucketOwnership resource.Name = "s3-bucket-cdn-logs-ownership-controls"
)

// Labels of the log buckets, for their configuration's selectors.
const (
	roleALBLogBucket = "alb-log-bucket"
	roleCDNLogBucket = "cdn-log-bucket"
)

// Log prefixes. ELB adds /AWSLogs/<account>/ itself; CloudFront appends
// the file name to its prefix as is.
const (
	albLogPrefix = "alb"
	cdnLogPrefix = "cloudfront/"
)

// Load balancer attributes that turn access logging on.
const (
	albAttrLogsEnabled = "access_logs.s3.enabled"
	albAttrLogsBucket  = "access_logs.s3.bucket"
	albAttrLogsPrefix  = "access_logs.s3.prefix"
)

// bucketName is a bucket name of the platform, globally unique because it
// holds the account and region and valid because it is lower-case:
// <platform>-<kind>-<account>-<region>.
func (p *plan) bucketName(kind, account, region string) string {
	suffix := fmt.Sprintf("-%s-%s-%s", kind, account, region)
	return awsnames.S3Bucket.WithMax(maxBucketName-len(suffix)).Name(p.Name) + suffix
}

// observedBucketName is the name of the bucket that exists, which never
// changes, or else the one it is created with once the account is known;
// "" before.
func observedBucketName(observed map[resource.Name]resource.ObservedComposed, name resource.Name, account string, fresh func(account string) string) string {
	if b := compose.ObservedString(observed, name, "metadata.annotations["+compose.AnnotationExternalName+"]"); b != "" {
		return b
	}
	if account == "" {
		return ""
	}
	return fresh(account)
}

// platformAccount is the platform's account as the data key's ARN tells
// it, or "" before AWS has reported the key.
func platformAccount(p *plan, observed map[resource.Name]resource.ObservedComposed) (string, error) {
	keyARN := observedDataKeyARN(observed)
	if keyARN == "" {
		return "", nil
	}
	return dataKeyAccount(p, keyARN)
}

// waitingForAccount says what a bucket named after the account waits for.
func waitingForAccount(bucket resource.Name) string {
	return fmt.Sprintf("the ARN of KMS key %q (for the account in the name of bucket %q)", nameDataKey, bucket)
}

// albLogBucket is the load balancer's access-log bucket, in the platform's
// region as ELB requires, and its name; nothing before the account is known.
func albLogBucket(p *plan, account string, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, string, error) {
	bucket := observedBucketName(observed, nameALBLogBucket, account, func(a string) string { return p.bucketName("alb-logs", a, p.Region) })
	if bucket == "" {
		return nil, "", nil
	}
	rs := logBucket(p, nameALBLogBucket, roleALBLogBucket, bucket, p.Region, false)
	if account == "" {
		// The bucket exists but its policy must name the account: it
		// waits, and the load balancer does not log meanwhile.
		return rs, bucket, nil
	}
	pol, err := albLogBucketPolicy(p, bucket, account)
	if err != nil {
		return nil, "", err
	}
	return append(rs, pol), bucket, nil
}

// logBucket is a private, versioned bucket whose objects expire after the
// platform's log retention. A log deleted early stays restorable for
// noncurrentVersionDays.
func logBucket(p *plan, name resource.Name, role, bucket, region string, acls bool) []compose.Resource {
	return s3bucket.Bucket{
		Name:                  name,
		BucketName:            bucket,
		Region:                region,
		Labels:                map[string]string{LabelRole: role},
		ResourceSpec:          p.resourceSpec(),
		Tags:                  p.tags(bucket),
		NoncurrentVersionDays: noncurrentVersionDays,
		ExpirationDays:        p.LogRetentionDays,
		ACLsEnabled:           acls,
	}.Resources()
}

// albLogBucketPolicy lets Elastic Load Balancing write this account's load
// balancer logs under the prefix, and nothing else; every request must use
// TLS. The writer is the region's ELB account in regions opened before
// August 2022, and ELB's log-delivery service principal in the others.
func albLogBucketPolicy(p *plan, bucket, account string) (compose.Resource, error) {
	principal := map[string]string{}
	if elb, service := awsregions.ELBLogWriter(p.Region); elb != "" {
		principal["AWS"] = fmt.Sprintf("arn:%s:iam::%s:root", p.Partition, elb)
	} else {
		principal["Service"] = service
	}
	return bucketPolicy(p, nameALBLogBucketPolicy, roleALBLogBucket, p.Region, awsiam.Statement{
		Sid:       "ELBWritesAccessLogs",
		Effect:    "Allow",
		Principal: principal,
		Action:    []string{"s3:PutObject"},
		Resource:  []string{fmt.Sprintf("arn:%s:s3:::%s/%s/AWSLogs/%s/*", p.Partition, bucket, albLogPrefix, account)},
	}, s3bucket.DenyInsecureTransport(p.Partition, bucket))
}

// bucketPolicy is the policy of the bucket labelled role.
func bucketPolicy(p *plan, name resource.Name, role, region string, statements ...awsiam.Statement) (compose.Resource, error) {
	doc, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: statements}.JSON()
	if err != nil {
		return compose.Resource{}, err
	}
	return compose.Resource{Name: name, Object: &s3v1beta1.BucketPolicy{
		Spec: s3v1beta1.BucketPolicySpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: s3v1beta1.BucketPolicyParameters{
				Region:         ptr.To(region),
				BucketSelector: selector(map[string]string{LabelRole: role}),
				Policy:         &doc,
			},
		},
	}}, nil
}

// albLogAttributes turn on the load balancer's access logs to bucket.
func albLogAttributes(bucket string) []albAttribute {
	return []albAttribute{
		{Key: albAttrLogsEnabled, Value: "true"},
		{Key: albAttrLogsBucket, Value: bucket},
		{Key: albAttrLogsPrefix, Value: albLogPrefix},
	}
}

// cdnLogsRegion is where the distribution's log bucket lives: the
// platform's region, or us-east-1 where CloudFront delivers no standard
// logs (the opt-in regions). Logs then leave the platform's region.
func (p *plan) cdnLogsRegion() string { return awsregions.CloudFrontLogsRegion(p.Region) }

// cdnLogBucket is the distribution's access-log bucket and its name;
// nothing before the account is known.
//
// CloudFront's standard logging (legacy) writes with an ACL that grants its
// awslogsdelivery account full control, and adds that grant to the bucket's
// ACL itself, so this bucket alone keeps ACLs (BucketOwnerPreferred). Its
// public access block still refuses every public ACL. provider-aws v1.23
// has no CloudWatch Logs delivery kinds, which standard logging (v2), free
// of ACLs, needs.
func cdnLogBucket(p *plan, account string, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, string, error) {
	region := p.cdnLogsRegion()
	bucket := observedBucketName(observed, nameCDNLogBucket, account, func(a string) string { return p.bucketName("cdn-logs", a, region) })
	if bucket == "" {
		return nil, "", nil
	}
	rs := logBucket(p, nameCDNLogBucket, roleCDNLogBucket, bucket, region, true)
	pol, err := bucketPolicy(p, nameCDNLogBucketPolicy, roleCDNLogBucket, region, s3bucket.DenyInsecureTransport(p.Partition, bucket))
	if err != nil {
		return nil, "", err
	}
	return append(rs, pol), bucket, nil
}

// cdnLogging is the distribution's standard logging to bucket, without
// cookies: they carry session identifiers.
func cdnLogging(bucket string) []cfv1beta1.LoggingConfigParameters {
	return []cfv1beta1.LoggingConfigParameters{{
		Bucket:         ptr.To(bucket + ".s3.amazonaws.com"),
		Prefix:         ptr.To(cdnLogPrefix),
		IncludeCookies: ptr.To(false),
	}}
}
