package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	cfv1beta1 "github.com/upbound/provider-aws/apis/cloudfront/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/acmdns"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/s3bucket"
)

// Static assets: one S3 bucket and one CloudFront distribution per
// platform, served as static.<domain>.
//
// Tenants write under their own prefix of the one bucket (static.<domain>/
// <instance>/...), so the distribution has a single origin whatever the
// number of instances. A bucket and origin per tenant would hit
// CloudFront's quota of 25 origins per distribution (and 25 cache
// behaviours to route to them) long before a platform's hundreds of
// instances, and a distribution per tenant would need a certificate and
// DNS record each.

// Names of the static-assets resources.
const (
	nameStaticBucket                  resource.Name = "s3-bucket-static"
	nameStaticBucketPublicAccessBlock resource.Name = "s3-bucket-static-public-access-block"
	nameStaticBucketOwnership         resource.Name = "s3-bucket-static-ownership-controls"
	nameStaticBucketVersioning        resource.Name = "s3-bucket-static-versioning"
	nameStaticBucketEncryption        resource.Name = "s3-bucket-static-encryption"
	nameStaticBucketLifecycle         resource.Name = "s3-bucket-static-lifecycle"
	nameStaticBucketPolicy            resource.Name = "s3-bucket-static-policy"
	nameStaticOAC                     resource.Name = "cloudfront-origin-access-control-static"
	nameStaticCertificate             resource.Name = "acm-certificate-static"
	nameStaticCertificateValidation   resource.Name = "acm-certificate-static-validation"
	nameStaticCertificateRecord       resource.Name = "dns-record-acm-certificate-static-validation"
	nameStaticDistribution            resource.Name = "cloudfront-distribution-static"
	nameStaticWebACL                  resource.Name = "waf-web-acl-static"
	nameStaticWAFLogGroup             resource.Name = "log-group-waf-static"
	nameStaticWAFLogging              resource.Name = "waf-logging-configuration-static"
	nameStaticRecordA                 resource.Name = "dns-record-static-a"
	nameStaticRecordAAAA              resource.Name = "dns-record-static-aaaa"
)

// Labels of the static-assets resources, for selectors.
const (
	roleStaticBucket      = "static-bucket"
	roleStaticOAC         = "static-oac"
	roleStaticCertificate = "static-certificate"
	roleStaticWebACL      = "static-waf-web-acl"
)

// staticRuleGroups are the AWS managed rule groups of the distribution's
// web ACL, in priority order: as the load balancer's, without SQL
// injection, since only S3 objects are behind it. Each rule is billed
// monthly, so the ACL holds no more than it needs.
var staticRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
}

// CloudFront constants.
const (
	// cloudFrontRegion is where CloudFront takes its certificates from. Its
	// API is global; provider-aws still wants a region.
	cloudFrontRegion = "us-east-1"
	// cloudFrontZoneID is the hosted zone of every CloudFront distribution,
	// for Route53 alias records.
	cloudFrontZoneID = "Z2FDTNDATAQYW2"
	// cachingOptimized is the managed cache policy CachingOptimized: long
	// TTLs, no cookies or query strings in the cache key, gzip and brotli.
	cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	// corsAndSecurityHeaders is the managed response headers policy
	// CORS-and-SecurityHeadersPolicy: fonts and scripts loaded from the
	// tenants' own hosts need Access-Control-Allow-Origin, and every
	// response gets HSTS, nosniff and frame options.
	corsAndSecurityHeaders = "e61eb60c-9c35-4d20-a928-2b84e02af89c"
	staticOriginID         = "s3-static"
	// cloudFrontMinTLS is TLS 1.2 with forward-secret ciphers only.
	cloudFrontMinTLS = "TLSv1.2_2021"
)

// noncurrentVersionDays is how long an overwritten or deleted asset can be
// restored.
const noncurrentVersionDays = 30

// maxBucketName is S3's limit on bucket names.
const maxBucketName = 63

// staticPrefix names the host under the platform's domain that serves the
// static assets of every tenant.
const staticPrefix = "static."

// staticDomain serves the static assets of every tenant.
func (p *plan) staticDomain() string { return staticPrefix + p.Domain }

// staticBucketName is the static bucket's name, <platform>-static-<account>-<region>.
func (p *plan) staticBucketName(account string) string {
	return p.bucketName("static", account, p.Region)
}

// observedStaticBucket is the name of the static bucket that exists, which
// never changes, or else the one it is created with once the account is
// known; "" before.
func observedStaticBucket(p *plan, account string, observed map[resource.Name]resource.ObservedComposed) string {
	return observedBucketName(observed, nameStaticBucket, account, p.staticBucketName)
}

// staticCertificate covers static.<domain> in us-east-1, the only region
// CloudFront takes certificates from.
func (p *plan) staticCertificate() acmCertificate {
	return acmCertificate{
		Name:       nameStaticCertificate,
		Validation: nameStaticCertificateValidation,
		Role:       roleStaticCertificate,
		Region:     cloudFrontRegion,
		Domains:    []acmdns.Domain{{FQDN: p.staticDomain(), Record: nameStaticCertificateRecord}},
		TagName:    p.Name + "-static",
	}
}

// cdn composes the static-assets bucket, its distribution and the
// distribution's certificate and DNS names. missing names what some of
// them wait for.
//
// CloudFront, and ACM in us-east-1 for it, exist only in the aws
// partition: elsewhere nothing is composed and tenants serve their static
// assets themselves.
func cdn(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	if p.Domain == "" || p.Partition != "aws" {
		return nil, nil, nil
	}
	rs = append(rs, compose.Resource{Name: nameStaticOAC, Object: &cfv1beta1.OriginAccessControl{
		ObjectMeta: meta(map[string]string{LabelRole: roleStaticOAC}),
		Spec: cfv1beta1.OriginAccessControlSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: cfv1beta1.OriginAccessControlParameters{
				Region:                        ptr.To(cloudFrontRegion),
				Name:                          ptr.To(awsnames.CloudFrontOAC.Name(p.Name + "-static")),
				Description:                   ptr.To(fmt.Sprintf("CloudFront reads the static assets of Open edX platform %s", p.Name)),
				OriginAccessControlOriginType: ptr.To("s3"),
				// Every request to the bucket is signed, so the bucket
				// policy can name the distribution.
				SigningBehavior: ptr.To("always"),
				SigningProtocol: ptr.To("sigv4"),
			},
		},
	}})
	v, m := validatedCertificate(p, p.staticCertificate(), observed)
	rs = append(rs, v...)
	missing = append(missing, m...)

	// The bucket's name holds the account, which only AWS knows: the data
	// key's ARN tells it. A bucket that exists keeps its name.
	var account string
	if keyARN := observedDataKeyARN(observed); keyARN != "" {
		if account, err = dataKeyAccount(p, keyARN); err != nil {
			return nil, nil, err
		}
	}
	bucket := observedStaticBucket(p, account, observed)
	if bucket == "" {
		// The bucket, its distribution and DNS names wait.
		return rs, append(missing, fmt.Sprintf("the ARN of KMS key %q (for the account in the name of bucket %q)", nameDataKey, nameStaticBucket)), nil
	}
	rs = append(rs, staticBucket(p, bucket)...)
	logs, logBucket, err := cdnLogBucket(p, account, observed)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, logs...)

	acl, err := staticWebACL(p)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, acl)
	wafLogs, m, err := wafLogs(p, staticWAFLogs(p), observed)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, wafLogs...)
	missing = append(missing, m...)

	dist, m := staticDistribution(p, bucket, logBucket, observed)
	missing = append(missing, m...)
	rs = append(rs, dist...)

	pol, m, err := staticBucketPolicy(p, bucket, account, observed)
	if err != nil {
		return nil, nil, err
	}
	missing = append(missing, m...)
	rs = append(rs, pol...)

	records, m := staticRecords(p, observed)
	return append(rs, records...), append(missing, m...), nil
}

// staticBucket is private: only CloudFront reads it, and tenants' roles
// write their own prefix.
//
// SSE-S3, not the data key: CloudFront's OAC can read SSE-KMS objects only
// if the key policy lets cloudfront.amazonaws.com decrypt, and the data
// key's policy is the account default, which this function does not widen:
// the key protects the data stores and their credentials. The assets are
// public through CloudFront anyway, and SSE-KMS would add a KMS request to
// every cache miss. Deleting the platform does not delete tenants' assets:
// AWS refuses to delete a bucket that is not empty.
func staticBucket(p *plan, name string) []compose.Resource {
	return s3bucket.Bucket{
		Name:                  nameStaticBucket,
		BucketName:            name,
		Region:                p.Region,
		Labels:                map[string]string{LabelRole: roleStaticBucket},
		ResourceSpec:          p.resourceSpec(),
		Tags:                  p.tags(name),
		NoncurrentVersionDays: noncurrentVersionDays,
	}.Resources()
}

// staticBucketDomain is the bucket's regional endpoint, which CloudFront
// signs its requests for. It is derived rather than observed so that the
// distribution does not change once the bucket reports it.
func (p *plan) staticBucketDomain(bucket string) string {
	return fmt.Sprintf("%s.s3.%s.amazonaws.com", bucket, p.Region)
}

// staticWebACL protects the distribution. CloudFront takes only web ACLs of
// scope CLOUDFRONT, which live in us-east-1. Its per-IP rate limit is its
// own: a page's assets are many more requests than the page.
func staticWebACL(p *plan) (compose.Resource, error) {
	return newWebACL(p, webACLSpec{
		Name:        nameStaticWebACL,
		Role:        roleStaticWebACL,
		Region:      cloudFrontRegion,
		Scope:       "CLOUDFRONT",
		ACLName:     awsnames.WAFWebACL.Name(p.Name + "-static"),
		Description: fmt.Sprintf("Static assets of Open edX platform %s", p.Name),
		MetricName:  p.Name + "-static-web-acl",
		TagName:     p.Name + "-static",
		Groups:      staticRuleGroups,
		RateLimit:   p.StaticRateLimit,
	})
}

// staticWAFLogs are the logs of the distribution's web ACL. A web ACL of
// scope CLOUDFRONT logs only to a group in us-east-1, as it lives there.
// The group is not KMS-encrypted, as the load balancer's is not.
func staticWAFLogs(p *plan) wafLogSpec {
	return wafLogSpec{
		Group: nameStaticWAFLogGroup, Logging: nameStaticWAFLogging, ACLRole: roleStaticWebACL,
		Region: cloudFrontRegion, GroupName: p.wafLogGroupName() + "-static", Role: "waf-static-logs",
	}
}

// staticWebACLARN is the ARN of the distribution's web ACL as AWS reported
// it, or as the distribution already has it. The distribution's webAclId
// has no selector.
func staticWebACLARN(observed map[resource.Name]resource.ObservedComposed) string {
	if arn := compose.ObservedString(observed, nameStaticWebACL, "status.atProvider.arn"); arn != "" {
		return arn
	}
	return compose.ObservedString(observed, nameStaticDistribution, "spec.forProvider.webAclId")
}

// staticDistribution serves the bucket through the OAC, once the
// certificate for static.<domain> is issued (CloudFront refuses one that
// is pending validation), its web ACL exists (it never serves unprotected)
// and its log bucket accepts ACLs (CloudFront refuses a log bucket that
// does not).
func staticDistribution(p *plan, bucket, logBucket string, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, []string) {
	var missing []string
	certARN := acmdns.IssuedARN(observed, nameStaticCertificate, nameStaticCertificateValidation)
	if certARN == "" {
		// Never drop a distribution that exists.
		certARN = compose.ObservedString(observed, nameStaticDistribution, "spec.forProvider.viewerCertificate[0].acmCertificateArn")
	}
	if certARN == "" {
		missing = append(missing, fmt.Sprintf("the issued ACM certificate %q", nameStaticCertificate))
	}
	aclARN := staticWebACLARN(observed)
	if aclARN == "" {
		missing = append(missing, fmt.Sprintf("the ARN of WAF web ACL %q", nameStaticWebACL))
	}
	_, exists := observed[nameStaticDistribution]
	logging, m := staticLogging(logBucket, exists, observed)
	missing = append(missing, m...)
	if certARN == "" || (aclARN == "" || logging == nil) && !exists {
		return nil, missing
	}
	var webACLID *string
	if aclARN != "" {
		// Else a distribution made before it had a web ACL gets it once
		// the ARN is known.
		webACLID = ptr.To(aclARN)
	}
	return []compose.Resource{{Name: nameStaticDistribution, Object: &cfv1beta1.Distribution{
		Spec: cfv1beta1.DistributionSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: cfv1beta1.DistributionParameters{
				Region:        ptr.To(cloudFrontRegion),
				Enabled:       ptr.To(true),
				Comment:       ptr.To(fmt.Sprintf("Static assets of Open edX platform %s", p.Name)),
				Aliases:       []*string{ptr.To(p.staticDomain())},
				HTTPVersion:   ptr.To("http2and3"),
				IsIPv6Enabled: ptr.To(true),
				// North America and Europe edges only: the cheapest class.
				PriceClass: ptr.To("PriceClass_100"),
				Origin: []cfv1beta1.OriginParameters{{
					OriginID:   ptr.To(staticOriginID),
					DomainName: ptr.To(p.staticBucketDomain(bucket)),
					// No s3OriginConfig: with an OAC, provider-aws sends
					// the empty one CloudFront requires.
					OriginAccessControlIDSelector: selector(map[string]string{LabelRole: roleStaticOAC}),
				}},
				DefaultCacheBehavior: []cfv1beta1.DefaultCacheBehaviorParameters{{
					TargetOriginID:          ptr.To(staticOriginID),
					ViewerProtocolPolicy:    ptr.To("redirect-to-https"),
					AllowedMethods:          compose.StringPtrs([]string{"GET", "HEAD", "OPTIONS"}),
					CachedMethods:           compose.StringPtrs([]string{"GET", "HEAD"}),
					Compress:                ptr.To(true),
					CachePolicyID:           ptr.To(cachingOptimized),
					ResponseHeadersPolicyID: ptr.To(corsAndSecurityHeaders),
				}},
				Restrictions: []cfv1beta1.RestrictionsParameters{{
					GeoRestriction: []cfv1beta1.GeoRestrictionParameters{{RestrictionType: ptr.To("none")}},
				}},
				ViewerCertificate: []cfv1beta1.ViewerCertificateParameters{{
					AcmCertificateArn:      ptr.To(certARN),
					SSLSupportMethod:       ptr.To("sni-only"),
					MinimumProtocolVersion: ptr.To(cloudFrontMinTLS),
				}},
				WebACLID:      webACLID,
				LoggingConfig: logging,
				Tags:          p.tags(p.staticDomain()),
			},
		},
	}}}, missing
}

// staticLogging is the distribution's standard logging once its bucket
// accepts ACLs, or as the distribution already has it. A distribution that
// exists without it (made before access logs were) is kept and gets it
// once the bucket is ready; a new one waits.
func staticLogging(logBucket string, exists bool, observed map[resource.Name]resource.ObservedComposed) ([]cfv1beta1.LoggingConfigParameters, []string) {
	if logBucket != "" && compose.IsReady(observed, nameCDNLogBucketOwnership) {
		return cdnLogging(logBucket), nil
	}
	if b := compose.ObservedString(observed, nameStaticDistribution, "spec.forProvider.loggingConfig[0].bucket"); b != "" {
		return []cfv1beta1.LoggingConfigParameters{{Bucket: ptr.To(b), Prefix: ptr.To(cdnLogPrefix), IncludeCookies: ptr.To(false)}}, nil
	}
	if exists {
		return nil, nil
	}
	return nil, []string{fmt.Sprintf("the Ready ownership controls %q (CloudFront writes its logs with ACLs)", nameCDNLogBucketOwnership)}
}

// staticDistributionARN is the distribution's ARN as AWS reported it, or
// built from its id and the account, so that the bucket policy is never
// dropped once the distribution exists.
func staticDistributionARN(account string, observed map[resource.Name]resource.ObservedComposed) string {
	if arn := compose.ObservedString(observed, nameStaticDistribution, "status.atProvider.arn"); arn != "" {
		return arn
	}
	id := compose.ObservedString(observed, nameStaticDistribution, "status.atProvider.id")
	if id == "" || account == "" {
		return ""
	}
	return fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", account, id)
}

// staticBucketPolicy lets the distribution, and nothing else, read the
// bucket. Tenants' write access is granted on their own roles.
func staticBucketPolicy(p *plan, bucket, account string, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, []string, error) {
	distARN := staticDistributionARN(account, observed)
	if distARN == "" {
		return nil, []string{fmt.Sprintf("the ARN of CloudFront distribution %q", nameStaticDistribution)}, nil
	}
	doc, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
		Sid:       "CloudFrontReadsThroughOAC",
		Effect:    "Allow",
		Principal: map[string]string{"Service": "cloudfront.amazonaws.com"},
		Action:    []string{"s3:GetObject"},
		Resource:  []string{fmt.Sprintf("arn:%s:s3:::%s/*", p.Partition, bucket)},
		Condition: map[string]map[string]string{"StringEquals": {"AWS:SourceArn": distARN}},
	}}}.JSON()
	if err != nil {
		return nil, nil, err
	}
	return []compose.Resource{{Name: nameStaticBucketPolicy, Object: &s3v1beta1.BucketPolicy{
		Spec: s3v1beta1.BucketPolicySpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: s3v1beta1.BucketPolicyParameters{
				Region:         &p.Region,
				BucketSelector: selector(map[string]string{LabelRole: roleStaticBucket}),
				Policy:         &doc,
			},
		},
	}}}, nil, nil
}

// staticRecords point static.<domain> at the distribution, over IPv4 and
// IPv6.
func staticRecords(p *plan, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, []string) {
	target := compose.ObservedString(observed, nameStaticDistribution, "status.atProvider.domainName")
	if target == "" {
		target = compose.ObservedString(observed, nameStaticRecordA, "spec.forProvider.alias[0].name")
	}
	if target == "" {
		return nil, []string{fmt.Sprintf("the domain name of CloudFront distribution %q", nameStaticDistribution)}
	}
	zoneID, zoneSel := p.zoneRef()
	var rs []compose.Resource
	for _, r := range []struct {
		name resource.Name
		typ  string
	}{{nameStaticRecordA, "A"}, {nameStaticRecordAAAA, "AAAA"}} {
		rs = append(rs, compose.Resource{Name: r.name, Object: &r53v1beta1.Record{
			Spec: r53v1beta1.RecordSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: r53v1beta1.RecordParameters{
					Region:         &p.Region,
					Name:           ptr.To(p.staticDomain()),
					Type:           ptr.To(r.typ),
					ZoneID:         zoneID,
					ZoneIDSelector: zoneSel,
					Alias: []r53v1beta1.AliasParameters{{
						Name:                 ptr.To(target),
						ZoneID:               ptr.To(cloudFrontZoneID),
						EvaluateTargetHealth: ptr.To(false),
					}},
				},
			},
		}})
	}
	return rs, nil
}

// cdnStatus publishes the bucket tenants write their assets to, the
// distribution they are served from, and static.<domain> once it resolves
// to it.
func cdnStatus(p *plan, observed map[resource.Name]resource.ObservedComposed, s *v1alpha1.EdgeStatus) {
	if p.Domain == "" || p.Partition != "aws" {
		return
	}
	account, _ := dataKeyStatus(p, observed)
	s.StaticBucket = observedStaticBucket(p, account, observed)
	s.StaticDistributionID = compose.ObservedString(observed, nameStaticDistribution, "status.atProvider.id")
	if compose.IsReady(observed, nameStaticRecordA) && compose.IsReady(observed, nameStaticRecordAAAA) {
		s.StaticDomain = p.staticDomain()
	}
}
