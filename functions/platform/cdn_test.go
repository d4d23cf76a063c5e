package main

import (
	"encoding/json"
	"strings"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	cfv1beta1 "github.com/upbound/provider-aws/apis/cloudfront/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	wafv2v1beta1 "github.com/upbound/provider-aws/apis/wafv2/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

const (
	cdnTestBucket      = "prod-static-123456789012-eu-west-1"
	cdnTestCertARN     = "arn:aws:acm:us-east-1:123456789012:certificate/99999999-8888-7777-6666-555555555555"
	cdnTestDistID      = "E2QWRUHAPOMQZL"
	cdnTestDistARN     = "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL"
	cdnTestDistDomain  = "d111111abcdef8.cloudfront.net"
	cdnTestRecord      = "_c3e2d1b0a9f8e7d6c5b4a3f2e1d0c9b8.static.learn.example.org."
	cdnTestRecordValue = "_f0e1d2c3b4a5968778695a4b3c2d1e0f.acm-validations.aws."
	cdnTestWebACLARN   = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/prod-static/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
)

func cdnObservedWebACL() resource.ObservedComposed {
	return observedJSON(`{
		"apiVersion": "wafv2.aws.upbound.io/v1beta1", "kind": "WebACL", "metadata": {"name": "prod-w4f"},
		"status": {"atProvider": {"arn": "` + cdnTestWebACLARN + `"}}
	}`)
}

func cdnObservedDataKey() resource.ObservedComposed {
	return observedJSON(`{
		"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "prod-k3y5x"},
		"status": {"atProvider": {"arn": "` + edgeTestKeyARN + `"}}
	}`)
}

func cdnObservedCertificate() resource.ObservedComposed {
	return observedJSON(`{
		"apiVersion": "acm.aws.upbound.io/v1beta1", "kind": "Certificate", "metadata": {"name": "prod-st4t1"},
		"status": {"atProvider": {"arn": "` + cdnTestCertARN + `", "domainValidationOptions": [
			{"domainName": "static.` + edgeTestDomain + `", "resourceRecordName": "` + cdnTestRecord + `", "resourceRecordType": "CNAME", "resourceRecordValue": "` + cdnTestRecordValue + `"}
		]}}
	}`)
}

// cdnObservedDistribution is a deployed distribution; with spec, as it was
// created, and without its status when atProvider is false.
func cdnObservedDistribution(atProvider bool) resource.ObservedComposed {
	return cdnObservedDistributionACL(atProvider, `, "webAclId": "`+cdnTestWebACLARN+`"`)
}

// cdnObservedDistributionACL is a deployed distribution whose spec ends
// with acl: made before it had a web ACL when acl is "".
func cdnObservedDistributionACL(atProvider bool, acl string) resource.ObservedComposed {
	status := `{"atProvider": {"arn": "` + cdnTestDistARN + `", "id": "` + cdnTestDistID + `", "domainName": "` + cdnTestDistDomain + `"}}`
	if !atProvider {
		status = `{"atProvider": {"id": "` + cdnTestDistID + `"}}`
	}
	return observedJSON(`{
		"apiVersion": "cloudfront.aws.upbound.io/v1beta1", "kind": "Distribution", "metadata": {"name": "prod-d15t1"},
		"spec": {"forProvider": {"region": "us-east-1", "viewerCertificate": [{"acmCertificateArn": "` + cdnTestCertARN + `"}]` + acl + `}},
		"status": ` + status + `
	}`)
}

// cdnObservedReady is any resource that is Ready.
func cdnObservedReady(apiVersion, kind string) resource.ObservedComposed {
	return observedJSON(`{"apiVersion": "` + apiVersion + `", "kind": "` + kind + `", "metadata": {"name": "prod-r34dy"}, "status": {"atProvider": {}, ` + edgeTestReady + `}}`)
}

// cdnIssued is what AWS reports once the static certificate is issued and
// the data key and the distribution's web ACL exist.
func cdnIssued() map[resource.Name]resource.ObservedComposed {
	return map[resource.Name]resource.ObservedComposed{
		nameStaticWebACL:                cdnObservedWebACL(),
		nameDataKey:                     cdnObservedDataKey(),
		nameStaticCertificate:           cdnObservedCertificate(),
		nameStaticCertificateValidation: cdnObservedReady("acm.aws.upbound.io/v1beta1", "CertificateValidation"),
		nameCDNLogBucketOwnership:       cdnObservedReady("s3.aws.upbound.io/v1beta1", "BucketOwnershipControls"),
	}
}

func TestCDN(t *testing.T) {
	bucketNames := []string{
		"s3-bucket-static", "s3-bucket-static-encryption", "s3-bucket-static-lifecycle", "s3-bucket-static-ownership-controls",
		"s3-bucket-static-public-access-block", "s3-bucket-static-versioning", "waf-web-acl-static",
		"s3-bucket-cdn-logs", "s3-bucket-cdn-logs-encryption", "s3-bucket-cdn-logs-lifecycle", "s3-bucket-cdn-logs-ownership-controls",
		"s3-bucket-cdn-logs-policy", "s3-bucket-cdn-logs-public-access-block", "s3-bucket-cdn-logs-versioning",
		"log-group-waf-static", "waf-logging-configuration-static",
	}
	names := func(extra ...string) []string {
		out := append([]string{"acm-certificate-static", "cloudfront-origin-access-control-static"}, extra...)
		return edgeSorted(out)
	}
	deployed := cdnIssued()
	deployed[nameStaticDistribution] = cdnObservedDistribution(true)

	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		names    []string
		missing  []string
	}{
		"NoDomain": {
			reason: "Static assets are served from static.<domain>: without a domain there is no CDN.",
			xr:     newXR(),
		},
		"NoCloudFrontInChina": {
			reason: "CloudFront with an ACM certificate from us-east-1 exists only in the aws partition.",
			xr:     newXR(withRegion("cn-northwest-1"), withEdgeDomain(edgeTestDomain, "")),
		},
		"WaitsForACMAndTheAccount": {
			reason:  "The OAC and certificate are composed at once; the validation waits for ACM, the bucket for the account.",
			xr:      newXR(withEdgeDomain(edgeTestDomain, "")),
			names:   names(),
			missing: []string{`the DNS validation record of static.learn.example.org from ACM certificate "acm-certificate-static"`, `the ARN of KMS key "kms-key-data" (for the account in the name of bucket "s3-bucket-static")`},
		},
		"BucketBeforeTheCertificateIsIssued": {
			reason: "The bucket needs only the account; the distribution waits for its certificate to be issued.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{
				nameDataKey:           cdnObservedDataKey(),
				nameStaticCertificate: cdnObservedCertificate(),
			},
			names: names(append(bucketNames, "acm-certificate-static-validation", "dns-record-acm-certificate-static-validation")...),
			missing: []string{
				`the issued ACM certificate "acm-certificate-static"`,
				`the ARN of WAF web ACL "waf-web-acl-static"`,
				`the Ready ownership controls "s3-bucket-cdn-logs-ownership-controls" (CloudFront writes its logs with ACLs)`,
				`the ARN of CloudFront distribution "cloudfront-distribution-static"`,
				`the domain name of CloudFront distribution "cloudfront-distribution-static"`,
			},
		},
		"DistributionOnceIssued": {
			reason:   "With the certificate issued the distribution is composed; the policy and DNS names wait for it.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: cdnIssued(),
			names:    names(append(bucketNames, "acm-certificate-static-validation", "dns-record-acm-certificate-static-validation", "cloudfront-distribution-static")...),
			missing: []string{
				`the ARN of CloudFront distribution "cloudfront-distribution-static"`,
				`the domain name of CloudFront distribution "cloudfront-distribution-static"`,
			},
		},
		"DistributionWaitsForItsWebACL": {
			reason: "A new distribution never serves without its web ACL, whose ARN has no selector.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: func() map[resource.Name]resource.ObservedComposed {
				o := cdnIssued()
				delete(o, nameStaticWebACL)
				return o
			}(),
			names: names(append(bucketNames, "acm-certificate-static-validation", "dns-record-acm-certificate-static-validation")...),
			missing: []string{
				`the ARN of WAF web ACL "waf-web-acl-static"`,
				`the ARN of CloudFront distribution "cloudfront-distribution-static"`,
				`the domain name of CloudFront distribution "cloudfront-distribution-static"`,
			},
		},
		"ExistingDistributionKeptUntilItsWebACL": {
			reason: "A distribution made before it had a web ACL is not dropped while the ACL's ARN is unknown.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: func() map[resource.Name]resource.ObservedComposed {
				o := cdnIssued()
				delete(o, nameStaticWebACL)
				o[nameStaticDistribution] = cdnObservedDistributionACL(true, "")
				return o
			}(),
			names: names(append(bucketNames, "acm-certificate-static-validation", "dns-record-acm-certificate-static-validation", "cloudfront-distribution-static",
				"s3-bucket-static-policy", "dns-record-static-a", "dns-record-static-aaaa")...),
			missing: []string{`the ARN of WAF web ACL "waf-web-acl-static"`},
		},
		"Complete": {
			reason:   "Once the distribution exists, the bucket policy and the A and AAAA aliases are composed.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: deployed,
			names: names(append(bucketNames, "acm-certificate-static-validation", "dns-record-acm-certificate-static-validation", "cloudfront-distribution-static",
				"s3-bucket-static-policy", "dns-record-static-a", "dns-record-static-aaaa")...),
		},
		"KeptWithoutObservations": {
			reason: "What exists is never dropped: bucket name, certificate, web ACL, distribution ARN and alias target are read back from the resources themselves.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{
				nameDataKey:            cdnObservedDataKey(),
				nameStaticBucket:       observedJSON(`{"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "Bucket", "metadata": {"name": "prod-b5x", "annotations": {"crossplane.io/external-name": "` + cdnTestBucket + `"}}}`),
				nameStaticDistribution: cdnObservedDistribution(false),
				nameStaticRecordA:      observedJSON(`{"apiVersion": "route53.aws.upbound.io/v1beta1", "kind": "Record", "metadata": {"name": "prod-a"}, "spec": {"forProvider": {"alias": [{"name": "` + cdnTestDistDomain + `", "zoneId": "Z2FDTNDATAQYW2", "evaluateTargetHealth": false}]}}}`),
			},
			names: names(append(bucketNames, "cloudfront-distribution-static", "s3-bucket-static-policy", "dns-record-static-a", "dns-record-static-aaaa")...),
			missing: []string{
				`the DNS validation record of static.learn.example.org from ACM certificate "acm-certificate-static"`,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, missing, err := cdn(mustPlan(t, tc.xr), tc.observed)
			if err != nil {
				t.Fatalf("%s\ncdn(...): %v", tc.reason, err)
			}
			objects(t, rs)
			if diff := cmp.Diff(tc.names, edgeNames(rs)); diff != "" {
				t.Errorf("%s\nnames: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.missing, missing); diff != "" {
				t.Errorf("%s\nmissing: -want, +got:\n%s", tc.reason, diff)
			}
			if b, ok := ofType[*s3v1beta1.Bucket](rs)[nameStaticBucket]; ok {
				if got := b.GetAnnotations()[compose.AnnotationExternalName]; got != cdnTestBucket {
					t.Errorf("%s\nbucket name %q, want %q", tc.reason, got, cdnTestBucket)
				}
			}
			if pol, ok := ofType[*s3v1beta1.BucketPolicy](rs)[nameStaticBucketPolicy]; ok && !strings.Contains(*pol.Spec.ForProvider.Policy, `"AWS:SourceArn":"`+cdnTestDistARN+`"`) {
				t.Errorf("%s\nthe bucket policy does not name distribution %s: %s", tc.reason, cdnTestDistARN, *pol.Spec.ForProvider.Policy)
			}
			for n, r := range ofType[*r53v1beta1.Record](rs) {
				if len(r.Spec.ForProvider.Alias) == 1 && *r.Spec.ForProvider.Alias[0].Name != cdnTestDistDomain {
					t.Errorf("%s\nrecord %s aliases %s, want %s", tc.reason, n, *r.Spec.ForProvider.Alias[0].Name, cdnTestDistDomain)
				}
			}
			if d, ok := ofType[*cfv1beta1.Distribution](rs)[nameStaticDistribution]; ok {
				if got := *d.Spec.ForProvider.ViewerCertificate[0].AcmCertificateArn; got != cdnTestCertARN {
					t.Errorf("%s\ndistribution certificate %q, want %q", tc.reason, got, cdnTestCertARN)
				}
				if _, known := tc.observed[nameStaticWebACL]; (known || name == "KeptWithoutObservations") && ptr.Deref(d.Spec.ForProvider.WebACLID, "") != cdnTestWebACLARN {
					t.Errorf("%s\ndistribution web ACL %q, want %q", tc.reason, ptr.Deref(d.Spec.ForProvider.WebACLID, ""), cdnTestWebACLARN)
				}
			}
		})
	}
}

// edgeSorted sorts names as edgeNames does.
func edgeSorted(names []string) []string {
	rs := make([]compose.Resource, 0, len(names))
	for _, n := range names {
		rs = append(rs, compose.Resource{Name: resource.Name(n)})
	}
	return edgeNames(rs)
}

// cdnComplete is the CDN of a platform whose distribution is deployed.
func cdnComplete(t *testing.T) []compose.Resource {
	t.Helper()
	observed := cdnIssued()
	observed[nameStaticDistribution] = cdnObservedDistribution(true)
	rs, missing, err := cdn(mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, ""))), observed)
	if err != nil || len(missing) > 0 {
		t.Fatalf("cdn(...): missing %v, error %v", missing, err)
	}
	return rs
}

func TestCDNBucket(t *testing.T) {
	rs := cdnComplete(t)
	type bucket struct {
		PublicAccessBlock         [4]bool
		Ownership, Versioning     string
		Encryption                string
		NoncurrentDays            float64
		Tagged, AllSelectIt       bool
		ForceDestroy, NamedForAWS bool
	}
	b := mustGet[*s3v1beta1.Bucket](t, rs, nameStaticBucket)
	pab := mustGet[*s3v1beta1.BucketPublicAccessBlock](t, rs, nameStaticBucketPublicAccessBlock).Spec.ForProvider
	own := mustGet[*s3v1beta1.BucketOwnershipControls](t, rs, nameStaticBucketOwnership).Spec.ForProvider
	ver := mustGet[*s3v1beta1.BucketVersioning](t, rs, nameStaticBucketVersioning).Spec.ForProvider
	sse := mustGet[*s3v1beta1.BucketServerSideEncryptionConfiguration](t, rs, nameStaticBucketEncryption).Spec.ForProvider
	lc := mustGet[*s3v1beta1.BucketLifecycleConfiguration](t, rs, nameStaticBucketLifecycle).Spec.ForProvider
	role := b.GetLabels()[LabelRole]
	got := bucket{
		PublicAccessBlock: [4]bool{*pab.BlockPublicAcls, *pab.BlockPublicPolicy, *pab.IgnorePublicAcls, *pab.RestrictPublicBuckets},
		Ownership:         *own.Rule[0].ObjectOwnership,
		Versioning:        *ver.VersioningConfiguration[0].Status,
		Encryption:        *sse.Rule[0].ApplyServerSideEncryptionByDefault[0].SseAlgorithm,
		NoncurrentDays:    *lc.Rule[0].NoncurrentVersionExpiration[0].NoncurrentDays,
		Tagged:            deref(b.Spec.ForProvider.Tags)["cost-center"] == testCostCenter && deref(b.Spec.ForProvider.Tags)["platform"] == testName,
		AllSelectIt: role != "" && pab.BucketSelector.MatchLabels[LabelRole] == role && own.BucketSelector.MatchLabels[LabelRole] == role &&
			ver.BucketSelector.MatchLabels[LabelRole] == role && sse.BucketSelector.MatchLabels[LabelRole] == role && lc.BucketSelector.MatchLabels[LabelRole] == role,
		ForceDestroy: *b.Spec.ForProvider.ForceDestroy,
		NamedForAWS:  b.GetAnnotations()[compose.AnnotationExternalName] == cdnTestBucket,
	}
	want := bucket{
		PublicAccessBlock: [4]bool{true, true, true, true},
		Ownership:         "BucketOwnerEnforced",
		Versioning:        "Enabled",
		Encryption:        "AES256",
		NoncurrentDays:    30,
		Tagged:            true,
		AllSelectIt:       true,
		NamedForAWS:       true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("The bucket is private, owner-enforced, versioned, encrypted, expires old versions and keeps tenants' assets on deletion: -want, +got:\n%s", diff)
	}
}

func TestCDNBucketName(t *testing.T) {
	cases := map[string]struct {
		reason string
		name   string
		want   string
	}{
		"Plain":           {reason: "The platform's name, the account and the region.", name: "prod", want: "prod-static-123456789012-eu-west-1"},
		"UpperUnderscore": {reason: "Bucket names are lower-case DNS labels; a hash of the original name keeps Prod_EU and prod-eu apart.", name: "Prod_EU", want: "prod-eu-51006711-static-123456789012-eu-west-1"},
		"Long": {
			reason: "A long platform name is shortened with a hash to fit 63 characters.",
			name:   "a-very-long-platform-name-that-cannot-fit-in-a-bucket-name-at",
			want:   "a-very-long-platform-nam-b24351f2-static-123456789012-eu-west-1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := mustPlan(t, newXR(withName(tc.name))).staticBucketName(edgeTestAccount)
			if got != tc.want || len(got) > 63 {
				t.Errorf("%s\nstaticBucketName(%q) = %q (%d characters), want %q", tc.reason, tc.name, got, len(got), tc.want)
			}
		})
	}
}

func TestCDNBucketPolicy(t *testing.T) {
	rs := cdnComplete(t)
	pol := mustGet[*s3v1beta1.BucketPolicy](t, rs, nameStaticBucketPolicy).Spec.ForProvider
	if pol.BucketSelector.MatchLabels[LabelRole] != mustGet[*s3v1beta1.Bucket](t, rs, nameStaticBucket).GetLabels()[LabelRole] {
		t.Errorf("the policy does not select the static bucket")
	}
	// Decoded independently of awsiam, with Principal as any JSON value so
	// that "*" would show.
	var doc struct {
		Version   string
		Statement []struct {
			Effect    string
			Principal any
			Action    any
			Resource  any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(*pol.Policy), &doc); err != nil {
		t.Fatalf("the bucket policy is not JSON: %v", err)
	}
	type stmt struct {
		Effect    string
		Principal any
		Action    any
		Resource  any
		Condition map[string]map[string]any
	}
	var got []stmt
	for _, s := range doc.Statement {
		got = append(got, stmt(s))
	}
	want := []stmt{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
		Action:    []any{"s3:GetObject"},
		Resource:  []any{"arn:aws:s3:::" + cdnTestBucket + "/*"},
		Condition: map[string]map[string]any{"StringEquals": {"AWS:SourceArn": cdnTestDistARN}},
	}}
	if diff := cmp.Diff(want, got); diff != "" || doc.Version != "2012-10-17" {
		t.Errorf("Only the distribution may read, and only objects (version %q): -want, +got:\n%s", doc.Version, diff)
	}
}

func TestCDNDistribution(t *testing.T) {
	rs := cdnComplete(t)
	d := mustGet[*cfv1beta1.Distribution](t, rs, nameStaticDistribution).Spec.ForProvider
	oac := mustGet[*cfv1beta1.OriginAccessControl](t, rs, nameStaticOAC)
	type distribution struct {
		Aliases                              []string
		PriceClass, HTTPVersion              string
		IPv6, Enabled                        bool
		MinTLS, SSLSupport, Certificate      string
		OriginDomain, OriginID               string
		OriginThroughOAC                     bool
		ViewerPolicy, CachePolicy, TargetID  string
		Compress                             bool
		OACType, OACSigning, OACProtocol     string
		Geo                                  string
		Tagged                               bool
		CertificateRegion, CertificateDomain string
	}
	c := mustGet[*acmv1beta1.Certificate](t, rs, nameStaticCertificate).Spec.ForProvider
	got := distribution{
		PriceClass:        *d.PriceClass,
		HTTPVersion:       *d.HTTPVersion,
		IPv6:              *d.IsIPv6Enabled,
		Enabled:           *d.Enabled,
		MinTLS:            *d.ViewerCertificate[0].MinimumProtocolVersion,
		SSLSupport:        *d.ViewerCertificate[0].SSLSupportMethod,
		Certificate:       *d.ViewerCertificate[0].AcmCertificateArn,
		OriginDomain:      *d.Origin[0].DomainName,
		OriginID:          *d.Origin[0].OriginID,
		OriginThroughOAC:  d.Origin[0].OriginAccessControlIDSelector.MatchLabels[LabelRole] == oac.GetLabels()[LabelRole] && oac.GetLabels()[LabelRole] != "",
		ViewerPolicy:      *d.DefaultCacheBehavior[0].ViewerProtocolPolicy,
		CachePolicy:       *d.DefaultCacheBehavior[0].CachePolicyID,
		TargetID:          *d.DefaultCacheBehavior[0].TargetOriginID,
		Compress:          *d.DefaultCacheBehavior[0].Compress,
		OACType:           *oac.Spec.ForProvider.OriginAccessControlOriginType,
		OACSigning:        *oac.Spec.ForProvider.SigningBehavior,
		OACProtocol:       *oac.Spec.ForProvider.SigningProtocol,
		Geo:               *d.Restrictions[0].GeoRestriction[0].RestrictionType,
		Tagged:            deref(d.Tags)["cost-center"] == testCostCenter,
		CertificateRegion: *c.Region,
		CertificateDomain: *c.DomainName,
	}
	for _, a := range d.Aliases {
		got.Aliases = append(got.Aliases, *a)
	}
	want := distribution{
		Aliases:           []string{"static." + edgeTestDomain},
		PriceClass:        "PriceClass_100",
		HTTPVersion:       "http2and3",
		IPv6:              true,
		Enabled:           true,
		MinTLS:            "TLSv1.2_2021",
		SSLSupport:        "sni-only",
		Certificate:       cdnTestCertARN,
		OriginDomain:      cdnTestBucket + ".s3.eu-west-1.amazonaws.com",
		OriginID:          "s3-static",
		OriginThroughOAC:  true,
		ViewerPolicy:      "redirect-to-https",
		CachePolicy:       "658327ea-f89d-4fab-a63d-7e88639e58f6",
		TargetID:          "s3-static",
		Compress:          true,
		OACType:           "s3",
		OACSigning:        "always",
		OACProtocol:       "sigv4",
		Geo:               "none",
		Tagged:            true,
		CertificateRegion: "us-east-1",
		CertificateDomain: "static." + edgeTestDomain,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("The distribution serves static.<domain> from the bucket through the OAC, HTTPS only with TLS 1.2+, in price class 100: -want, +got:\n%s", diff)
	}

	for _, n := range []resource.Name{nameStaticRecordA, nameStaticRecordAAAA} {
		r := mustGet[*r53v1beta1.Record](t, rs, n).Spec.ForProvider
		if *r.Name != "static."+edgeTestDomain || len(r.Alias) != 1 || *r.Alias[0].Name != cdnTestDistDomain || *r.Alias[0].ZoneID != "Z2FDTNDATAQYW2" || r.TTL != nil || r.ZoneIDSelector == nil {
			t.Errorf("record %s: %s %v -> %v: want an alias of static.<domain> to the distribution, in the platform's zone", n, *r.Name, *r.Type, r.Alias)
		}
	}
	if got := []string{*mustGet[*r53v1beta1.Record](t, rs, nameStaticRecordA).Spec.ForProvider.Type, *mustGet[*r53v1beta1.Record](t, rs, nameStaticRecordAAAA).Spec.ForProvider.Type}; !cmp.Equal(got, []string{"A", "AAAA"}) {
		t.Errorf("record types %v, want A and AAAA", got)
	}
}

func TestCDNStatus(t *testing.T) {
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		want     v1alpha1.EdgeStatus
	}{
		"NoDomain": {
			reason:   "Without a domain there is no CDN to publish.",
			xr:       newXR(),
			observed: map[resource.Name]resource.ObservedComposed{nameStaticDistribution: cdnObservedDistribution(true)},
		},
		"DistributionWithoutDNS": {
			reason:   "The distribution's id is published once it exists; static.<domain> only once it resolves to it.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{nameStaticDistribution: cdnObservedDistribution(true)},
			want:     v1alpha1.EdgeStatus{StaticDistributionID: cdnTestDistID},
		},
		"AccountKnown": {
			reason:   "Once the data key tells the account, the bucket's name is known and published, before the bucket exists.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{nameDataKey: cdnObservedDataKey()},
			want:     v1alpha1.EdgeStatus{StaticBucket: cdnTestBucket},
		},
		"ExistingBucket": {
			reason: "An existing bucket's name is published as it is, whatever the account.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{nameStaticBucket: observedJSON(`{
				"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "Bucket",
				"metadata": {"name": "prod-b0ck3", "annotations": {"crossplane.io/external-name": "prod-static-210987654321-eu-west-1"}}
			}`)},
			want: v1alpha1.EdgeStatus{StaticBucket: "prod-static-210987654321-eu-west-1"},
		},
		"OtherPartition": {
			reason:   "Outside the aws partition there is no CDN, hence no static bucket.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, ""), withRegion("cn-north-1", "cn-north-1a", "cn-north-1b", "cn-north-1d")),
			observed: map[resource.Name]resource.ObservedComposed{nameDataKey: observedJSON(`{"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "prod-k3y5x"}, "status": {"atProvider": {"arn": "arn:aws-cn:kms:cn-north-1:123456789012:key/k"}}}`)},
		},
		"Complete": {
			reason: "With both alias records ready, static.<domain> is published.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{
				nameDataKey:            cdnObservedDataKey(),
				nameStaticDistribution: cdnObservedDistribution(true),
				nameStaticRecordA:      cdnObservedReady("route53.aws.upbound.io/v1beta1", "Record"),
				nameStaticRecordAAAA:   cdnObservedReady("route53.aws.upbound.io/v1beta1", "Record"),
			},
			want: v1alpha1.EdgeStatus{StaticBucket: cdnTestBucket, StaticDistributionID: cdnTestDistID, StaticDomain: "static." + edgeTestDomain},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := v1alpha1.EdgeStatus{}
			cdnStatus(mustPlan(t, tc.xr), tc.observed, &got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ncdnStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestCDNDNSIngressCompose converts everything the edge builders compose,
// once AWS and the cluster have answered, as the function will: each kind
// is registered and composed at its CRD's storage version.
func TestCDNDNSIngressCompose(t *testing.T) {
	p := mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, "")))
	observed := cdnIssued()
	observed[nameStaticDistribution] = cdnObservedDistribution(true)
	observed[nameCertificate] = edgeObservedCertificate(edgeTestRecord)
	observed[nameCertificateValidation] = edgeObservedValidation(true, "")
	observed[nameWebACL] = ingressObservedACL()
	observed[nameClusterAuth] = ingressObservedClusterAuth(true)
	observed[nameALBLogBucketPolicy] = cdnObservedReady("s3.aws.upbound.io/v1beta1", "BucketPolicy")

	var rs []compose.Resource
	for _, b := range []func(*plan, map[resource.Name]resource.ObservedComposed) ([]compose.Resource, []string, error){dns, ingress, cdn} {
		brs, missing, err := b(p, observed)
		if err != nil || len(missing) > 0 {
			t.Fatalf("builder: missing %v, error %v", missing, err)
		}
		rs = append(rs, brs...)
	}
	objects(t, rs)
	// provider-kubernetes' Objects are checked apart: scheme.go does not
	// register them yet, and registering them here would hide that from
	// the function's own tests.
	var aws []compose.Resource
	for _, r := range rs {
		if _, ok := r.Object.(*kubev1alpha2.Object); ok {
			if v := kubev1alpha2.SchemeGroupVersion; v.Group != "kubernetes.crossplane.io" || v.Version != "v1alpha2" {
				t.Errorf("%s is a %s Object, want kubernetes.crossplane.io/v1alpha2", r.Name, v)
			}
			continue
		}
		aws = append(aws, r)
	}
	d := &compose.Desired{Resources: map[resource.Name]*resource.DesiredComposed{}, Observed: observed}
	if err := d.AddAll(aws...); err != nil {
		t.Fatalf("AddAll(...): %v", err)
	}
	// Storage versions, from the CRDs of provider-aws v1.23.0,
	// provider-kubernetes v1.0.0 and Crossplane v2.1.0.
	storage := map[string]string{
		"acm.aws.upbound.io":            "v1beta1",
		"cloudfront.aws.upbound.io":     "v1beta1",
		"cloudwatchlogs.aws.upbound.io": "v1beta1",
		"route53.aws.upbound.io":        "v1beta1",
		"s3.aws.upbound.io":             "v1beta1",
		"wafv2.aws.upbound.io":          "v1beta1",
		// Crossplane v2.1.0's usages.
		"protection.crossplane.io": "v1beta1",
	}
	for n, dc := range d.Resources {
		gv := dc.Resource.GetObjectKind().GroupVersionKind()
		if want, ok := storage[gv.Group]; !ok || gv.Version != want {
			t.Errorf("%s is %s, want group %s at its storage version %q", n, gv, gv.Group, want)
		}
		if _, ok := dc.Resource.Object["status"]; ok {
			t.Errorf("%s carries a status", n)
		}
	}
}

func TestCDNWebACL(t *testing.T) {
	rs := cdnComplete(t)
	acl := mustGet[*wafv2v1beta1.WebACL](t, rs, nameStaticWebACL).Spec.ForProvider
	type webACL struct {
		Region, Scope, Name string
		Allow, Tagged       bool
		Rules               []string
		RateLimit           int64
		Blocks              bool
	}
	got := webACL{
		Region: *acl.Region, Scope: *acl.Scope, Name: *acl.Name,
		Allow:  acl.DefaultAction != nil && acl.DefaultAction.Allow != nil,
		Tagged: deref(acl.Tags)["cost-center"] == testCostCenter,
	}
	for _, r := range mustRules(t, acl) {
		got.Rules = append(got.Rules, r.Name)
		if r.Statement.RateBasedStatement != nil {
			got.RateLimit = r.Statement.RateBasedStatement.Limit
			got.Blocks = r.Action != nil && r.Action.Block != nil
		}
	}
	want := webACL{
		Region: "us-east-1", Scope: "CLOUDFRONT", Name: "prod-static",
		Allow: true, Tagged: true,
		Rules:     []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", rateLimitRule},
		RateLimit: 20000,
		Blocks:    true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CloudFront's web ACL is in us-east-1, scoped CLOUDFRONT, with the managed groups and a per-IP limit of 20000 requests by default: -want, +got:\n%s", diff)
	}
	d := mustGet[*cfv1beta1.Distribution](t, rs, nameStaticDistribution).Spec.ForProvider
	if got := ptr.Deref(d.WebACLID, ""); got != cdnTestWebACLARN {
		t.Errorf("distribution webAclId %q, want the web ACL's ARN %q", got, cdnTestWebACLARN)
	}
}

// TestWebACLRateLimits: each web ACL has its own per-IP limit, from its own
// field of the spec or its own default.
func TestWebACLRateLimits(t *testing.T) {
	cases := map[string]struct {
		reason              string
		ingress             v1alpha1.Ingress
		wantALB, wantStatic int64
	}{
		"Defaults": {
			reason:     "A page loads tens of static assets: the distribution allows ten times the load balancer's requests.",
			wantALB:    2000,
			wantStatic: 20000,
		},
		"LoadBalancerOnly": {
			reason:     "Lowering the load balancer's limit leaves the distribution's at its default.",
			ingress:    v1alpha1.Ingress{RateLimit: 500},
			wantALB:    500,
			wantStatic: 20000,
		},
		"Both": {
			reason:     "Each limit is its own field's.",
			ingress:    v1alpha1.Ingress{RateLimit: 3000, StaticRateLimit: 5000},
			wantALB:    3000,
			wantStatic: 5000,
		},
	}
	limit := func(t *testing.T, acl wafv2v1beta1.WebACLParameters) int64 {
		t.Helper()
		for _, r := range mustRules(t, acl) {
			if r.Statement.RateBasedStatement != nil {
				return r.Statement.RateBasedStatement.Limit
			}
		}
		t.Fatalf("web ACL %s has no rate-based rule", ptr.Deref(acl.Name, ""))
		return 0
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, ""), func(xr *v1alpha1.XPlatform) { xr.Spec.Ingress = tc.ingress }))
			observed := cdnIssued()
			observed[nameStaticDistribution] = cdnObservedDistribution(true)
			static, missing, err := cdn(p, observed)
			if err != nil || len(missing) > 0 {
				t.Fatalf("cdn(...): missing %v, error %v", missing, err)
			}
			alb, _, err := ingress(p, nil)
			if err != nil {
				t.Fatalf("ingress(...): %v", err)
			}
			got := [2]int64{
				limit(t, mustGet[*wafv2v1beta1.WebACL](t, alb, nameWebACL).Spec.ForProvider),
				limit(t, mustGet[*wafv2v1beta1.WebACL](t, static, nameStaticWebACL).Spec.ForProvider),
			}
			if diff := cmp.Diff([2]int64{tc.wantALB, tc.wantStatic}, got); diff != "" {
				t.Errorf("%s\n[load balancer, distribution] per-IP limits: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// mustRules are a web ACL's rules.
func mustRules(t *testing.T, acl wafv2v1beta1.WebACLParameters) []wafRule {
	t.Helper()
	var rules []wafRule
	if err := json.Unmarshal([]byte(ptr.Deref(acl.RuleJSON, "")), &rules); err != nil {
		t.Fatalf("ruleJson of web ACL %s is not JSON: %v", ptr.Deref(acl.Name, ""), err)
	}
	return rules
}
