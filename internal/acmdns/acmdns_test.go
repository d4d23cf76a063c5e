package acmdns

import (
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

const (
	testDomain   = "learn.example.org"
	testZoneID   = "Z0123456789ABCDEFGHIJ"
	testARN      = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	testRecord   = "_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org."
	testWildcard = "_0b7d1a8a3b1f5e0c9d2e4f6a8b0c2d4e.learn.example.org."
	testValue    = "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws."
)

var (
	testSpec    = xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: "default"}}
	testLabels  = map[string]string{"example.org/role": "certificate"}
	testZoneSel = &xpv1.Selector{MatchControllerRef: ptr.To(true), MatchLabels: map[string]string{"example.org/role": "public-zone"}}
)

// testCertificate covers the domain and its wildcard, validated in the zone.
func testCertificate(zone Zone) Certificate {
	return Certificate{
		Name:       "acm-certificate",
		Validation: "acm-certificate-validation",
		Region:     "eu-west-1",
		Domains: []Domain{
			{FQDN: testDomain, Record: "dns-record-validation"},
			{FQDN: "*." + testDomain, Record: "dns-record-validation-wildcard"},
		},
		Labels:       testLabels,
		ResourceSpec: testSpec,
		Tags:         map[string]*string{"Name": ptr.To("prod-wildcard")},
		Zone:         zone,
	}
}

func observedJSON(t *testing.T, j string) resource.ObservedComposed {
	t.Helper()
	cd := composed.New()
	if err := resource.AsObject(resource.MustStructJSON(j), cd); err != nil {
		t.Fatal(err)
	}
	return resource.ObservedComposed{Resource: cd}
}

// observedCertificate is the certificate as provider-aws reports it.
func observedCertificate(t *testing.T, wildcardRecord string) resource.ObservedComposed {
	return observedJSON(t, `{
		"apiVersion": "acm.aws.upbound.io/v1beta1", "kind": "Certificate", "metadata": {"name": "prod-c3rt1"},
		"status": {"atProvider": {"arn": "`+testARN+`", "domainValidationOptions": [
			{"domainName": "`+testDomain+`", "resourceRecordName": "`+testRecord+`", "resourceRecordType": "CNAME", "resourceRecordValue": "`+testValue+`"},
			{"domainName": "*.`+testDomain+`", "resourceRecordName": "`+wildcardRecord+`", "resourceRecordType": "CNAME", "resourceRecordValue": "`+testValue+`"}
		]}}
	}`)
}

func observedValidation(t *testing.T, ready bool, fqdns string) resource.ObservedComposed {
	status := "False"
	if ready {
		status = "True"
	}
	return observedJSON(t, `{
		"apiVersion": "acm.aws.upbound.io/v1beta1", "kind": "CertificateValidation", "metadata": {"name": "prod-v4l1d"},
		"spec": {"forProvider": {"region": "eu-west-1", "validationRecordFqdns": [`+fqdns+`]}},
		"status": {"conditions": [{"type": "Ready", "status": "`+status+`", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
	}`)
}

func wantCertificate(sans ...string) compose.Resource {
	var s []*string
	for _, n := range sans {
		s = append(s, ptr.To(n))
	}
	return compose.Resource{Name: "acm-certificate", Object: &acmv1beta1.Certificate{
		ObjectMeta: metav1.ObjectMeta{Labels: testLabels},
		Spec: acmv1beta1.CertificateSpec{
			ResourceSpec: testSpec,
			ForProvider: acmv1beta1.CertificateParameters{
				Region:                  ptr.To("eu-west-1"),
				DomainName:              ptr.To(testDomain),
				SubjectAlternativeNames: s,
				ValidationMethod:        ptr.To("DNS"),
				Tags:                    map[string]*string{"Name": ptr.To("prod-wildcard")},
			},
		},
	}}
}

func wantRecord(name resource.Name, fqdn string, zone Zone) compose.Resource {
	var id *string
	if zone.ID != "" {
		id = ptr.To(zone.ID)
	}
	return compose.Resource{Name: name, Object: &r53v1beta1.Record{
		Spec: r53v1beta1.RecordSpec{
			ResourceSpec: testSpec,
			ForProvider: r53v1beta1.RecordParameters{
				Region:         ptr.To("eu-west-1"),
				Name:           ptr.To(fqdn),
				Type:           ptr.To("CNAME"),
				TTL:            ptr.To(float64(300)),
				Records:        []*string{ptr.To(testValue)},
				ZoneID:         id,
				ZoneIDSelector: zone.Selector,
				AllowOverwrite: ptr.To(true),
			},
		},
	}}
}

func wantValidation(fqdns ...string) compose.Resource {
	var f []*string
	for _, n := range fqdns {
		f = append(f, ptr.To(n))
	}
	return compose.Resource{Name: "acm-certificate-validation", Object: &acmv1beta1.CertificateValidation{
		Spec: acmv1beta1.CertificateValidationSpec{
			ResourceSpec: testSpec,
			ForProvider: acmv1beta1.CertificateValidationParameters{
				Region:                 ptr.To("eu-west-1"),
				CertificateArnSelector: &xpv1.Selector{MatchControllerRef: ptr.To(true), MatchLabels: testLabels},
				ValidationRecordFqdns:  f,
			},
		},
	}}
}

func TestCertificateResources(t *testing.T) {
	bySelector := Zone{Selector: testZoneSel, Region: "eu-west-1"}
	byID := Zone{ID: testZoneID, Region: "eu-west-1"}
	cases := map[string]struct {
		reason   string
		cert     Certificate
		observed map[resource.Name]resource.ObservedComposed
		want     []compose.Resource
		missing  []string
	}{
		"WaitsForACM": {
			reason: "Before ACM names the records only the certificate is composed; missing names each record.",
			cert:   testCertificate(bySelector),
			want:   []compose.Resource{wantCertificate("*." + testDomain)},
			missing: []string{
				`the DNS validation record of learn.example.org from ACM certificate "acm-certificate"`,
				`the DNS validation record of *.learn.example.org from ACM certificate "acm-certificate"`,
			},
		},
		"OneRecordForTheDomainAndItsWildcard": {
			reason:   "ACM asks for the same record for the domain and *.domain: it is composed once, in the zone selected.",
			cert:     testCertificate(bySelector),
			observed: map[resource.Name]resource.ObservedComposed{"acm-certificate": observedCertificate(t, testRecord)},
			want: []compose.Resource{
				wantCertificate("*." + testDomain),
				wantRecord("dns-record-validation", testRecord, bySelector),
				wantValidation("_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"),
			},
		},
		"DistinctWildcardRecordInAZoneByID": {
			reason:   "Should ACM ask for two records both are composed and validated; a zone known by id is named by it.",
			cert:     testCertificate(byID),
			observed: map[resource.Name]resource.ObservedComposed{"acm-certificate": observedCertificate(t, testWildcard)},
			want: []compose.Resource{
				wantCertificate("*." + testDomain),
				wantRecord("dns-record-validation", testRecord, byID),
				wantRecord("dns-record-validation-wildcard", testWildcard, byID),
				wantValidation("_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org", "_0b7d1a8a3b1f5e0c9d2e4f6a8b0c2d4e.learn.example.org"),
			},
		},
		"RecordsKeptWithoutTheCertificatesObservation": {
			reason: "A record that exists says what ACM asked for: it and the validation are never dropped.",
			cert:   testCertificate(byID),
			observed: map[resource.Name]resource.ObservedComposed{
				"dns-record-validation": observedJSON(t, `{
					"apiVersion": "route53.aws.upbound.io/v1beta1", "kind": "Record", "metadata": {"name": "prod-r3c0d"},
					"spec": {"forProvider": {"name": "`+testRecord+`", "type": "CNAME", "records": ["`+testValue+`"], "region": "eu-west-1"}}
				}`),
			},
			want: []compose.Resource{
				wantCertificate("*." + testDomain),
				wantRecord("dns-record-validation", testRecord, byID),
				wantValidation("_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"),
			},
		},
		"ValidationKeptWhileRecordsAreUnknown": {
			reason: "A validation that exists is kept as it was while ACM's records are unknown.",
			cert:   testCertificate(byID),
			observed: map[resource.Name]resource.ObservedComposed{
				"acm-certificate-validation": observedValidation(t, true, `"_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"`),
			},
			want: []compose.Resource{
				wantCertificate("*." + testDomain),
				wantValidation("_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"),
			},
			missing: []string{
				`the DNS validation record of learn.example.org from ACM certificate "acm-certificate"`,
				`the DNS validation record of *.learn.example.org from ACM certificate "acm-certificate"`,
			},
		},
		"NoSubjectAlternativeNames": {
			reason: "A certificate for one name has no SANs at all, not an empty list.",
			cert: func() Certificate {
				c := testCertificate(byID)
				c.Domains = c.Domains[:1]
				return c
			}(),
			want:    []compose.Resource{wantCertificate()},
			missing: []string{`the DNS validation record of learn.example.org from ACM certificate "acm-certificate"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, missing := tc.cert.Resources(tc.observed)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nResources(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.missing, missing); diff != "" {
				t.Errorf("%s\nResources(...): -want missing, +got missing:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIssuedARN(t *testing.T) {
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		want     string
	}{
		"NotObserved": {
			reason: "Nothing exists yet.",
		},
		"PendingValidation": {
			reason: "A certificate pending validation is refused by load balancers: no ARN.",
			observed: map[resource.Name]resource.ObservedComposed{
				"acm-certificate": observedCertificate(t, testRecord), "acm-certificate-validation": observedValidation(t, false, ""),
			},
		},
		"Issued": {
			reason: "Once the validation is Ready, the certificate's ARN.",
			observed: map[resource.Name]resource.ObservedComposed{
				"acm-certificate": observedCertificate(t, testRecord), "acm-certificate-validation": observedValidation(t, true, ""),
			},
			want: testARN,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := IssuedARN(tc.observed, "acm-certificate", "acm-certificate-validation"); got != tc.want {
				t.Errorf("%s\nIssuedARN(...) = %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}
