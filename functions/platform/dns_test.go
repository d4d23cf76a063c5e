package main

import (
	"sort"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Fixtures of the edge's tests (dns, ingress, cdn).
const (
	edgeTestDomain   = "learn.example.org"
	edgeTestZoneID   = "Z0123456789ABCDEFGHIJ"
	edgeTestCertARN  = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	edgeTestKeyARN   = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
	edgeTestAccount  = "123456789012"
	edgeTestRecord   = "_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org."
	edgeTestValue    = "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws."
	edgeTestWildcard = "_0b7d1a8a3b1f5e0c9d2e4f6a8b0c2d4e.learn.example.org."
	// edgeTestReady is a Ready=True condition, as Crossplane writes it.
	edgeTestReady = `"conditions": [{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"}]`
)

// withEdgeDomain gives the platform a domain, in an adopted zone when
// zoneID is not empty.
func withEdgeDomain(domain, zoneID string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) {
		xr.Spec.DNS = &v1alpha1.DNS{Domain: domain, HostedZoneID: zoneID}
	}
}

// edgeObservedCertificate is the wildcard certificate as provider-aws
// reports it: ACM asks for one record for the domain and its wildcard
// unless wildcardRecord differs.
func edgeObservedCertificate(wildcardRecord string) resource.ObservedComposed {
	return observedJSON(`{
		"apiVersion": "acm.aws.upbound.io/v1beta1", "kind": "Certificate",
		"metadata": {"name": "prod-c3rt1"},
		"status": {"atProvider": {"arn": "` + edgeTestCertARN + `", "domainValidationOptions": [
			{"domainName": "` + edgeTestDomain + `", "resourceRecordName": "` + edgeTestRecord + `", "resourceRecordType": "CNAME", "resourceRecordValue": "` + edgeTestValue + `"},
			{"domainName": "*.` + edgeTestDomain + `", "resourceRecordName": "` + wildcardRecord + `", "resourceRecordType": "CNAME", "resourceRecordValue": "` + edgeTestValue + `"}
		]}}
	}`)
}

// edgeObservedValidation is a CertificateValidation, Ready when issued.
func edgeObservedValidation(ready bool, fqdns string) resource.ObservedComposed {
	cond := ""
	if ready {
		cond = ", " + edgeTestReady
	}
	return observedJSON(`{
		"apiVersion": "acm.aws.upbound.io/v1beta1", "kind": "CertificateValidation",
		"metadata": {"name": "prod-v4l1d"},
		"spec": {"forProvider": {"region": "eu-west-1", "validationRecordFqdns": [` + fqdns + `]}},
		"status": {"atProvider": {}` + cond + `}
	}`)
}

// edgeNames are the sorted names of rs.
func edgeNames(rs []compose.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Name))
	}
	sort.Strings(out)
	return out
}

func TestDNS(t *testing.T) {
	type wantRecord struct {
		Name, Type, Value string
		ZoneID            string
		BySelector        bool
	}
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		names    []string
		records  map[resource.Name]wantRecord
		fqdns    []string
		missing  []string
	}{
		"NoDomain": {
			reason: "A platform without a domain has no zone and no certificate.",
			xr:     newXR(),
		},
		"NewZoneWaitsForTheValidationRecords": {
			reason: "The zone and certificate are composed at once; records and validation wait for ACM to name the records.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			names:  []string{"acm-certificate", "dns-zone"},
			missing: []string{
				`the DNS validation record of learn.example.org from ACM certificate "acm-certificate"`,
				`the DNS validation record of *.learn.example.org from ACM certificate "acm-certificate"`,
			},
		},
		"OneRecordValidatesTheDomainAndItsWildcard": {
			reason:   "ACM asks for the same record for the domain and *.domain: it is composed once, in the composed zone.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{nameCertificate: edgeObservedCertificate(edgeTestRecord)},
			names:    []string{"acm-certificate", "acm-certificate-validation", "dns-record-acm-certificate-validation", "dns-zone"},
			records: map[resource.Name]wantRecord{
				nameCertificateRecord: {Name: edgeTestRecord, Type: "CNAME", Value: edgeTestValue, BySelector: true},
			},
			fqdns: []string{"_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"},
		},
		"DistinctWildcardRecord": {
			reason:   "Should ACM ask for two records, both are composed and validated.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{nameCertificate: edgeObservedCertificate(edgeTestWildcard)},
			names:    []string{"acm-certificate", "acm-certificate-validation", "dns-record-acm-certificate-validation", "dns-record-acm-certificate-validation-wildcard", "dns-zone"},
			records: map[resource.Name]wantRecord{
				nameCertificateRecord:         {Name: edgeTestRecord, Type: "CNAME", Value: edgeTestValue, BySelector: true},
				nameCertificateRecordWildcard: {Name: edgeTestWildcard, Type: "CNAME", Value: edgeTestValue, BySelector: true},
			},
			fqdns: []string{"_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org", "_0b7d1a8a3b1f5e0c9d2e4f6a8b0c2d4e.learn.example.org"},
		},
		"AdoptedZone": {
			reason:   "An adopted zone is not composed; records name it by id.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, edgeTestZoneID)),
			observed: map[resource.Name]resource.ObservedComposed{nameCertificate: edgeObservedCertificate(edgeTestRecord)},
			names:    []string{"acm-certificate", "acm-certificate-validation", "dns-record-acm-certificate-validation"},
			records: map[resource.Name]wantRecord{
				nameCertificateRecord: {Name: edgeTestRecord, Type: "CNAME", Value: edgeTestValue, ZoneID: edgeTestZoneID},
			},
			fqdns: []string{"_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"},
		},
		"RecordsAreKeptWithoutTheCertificatesObservation": {
			reason: "A record that exists says what ACM asked for: it and the validation are never dropped.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{
				nameCertificateRecord: observedJSON(`{
					"apiVersion": "route53.aws.upbound.io/v1beta1", "kind": "Record", "metadata": {"name": "prod-r3c0d"},
					"spec": {"forProvider": {"name": "` + edgeTestRecord + `", "type": "CNAME", "records": ["` + edgeTestValue + `"], "region": "eu-west-1"}}
				}`),
				nameCertificateValidation: edgeObservedValidation(true, `"_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"`),
			},
			names: []string{"acm-certificate", "acm-certificate-validation", "dns-record-acm-certificate-validation", "dns-zone"},
			records: map[resource.Name]wantRecord{
				nameCertificateRecord: {Name: edgeTestRecord, Type: "CNAME", Value: edgeTestValue, BySelector: true},
			},
			fqdns: []string{"_a79865eb4cd1a6ab990a45779b4e0b96.learn.example.org"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			rs, missing, err := dns(p, tc.observed)
			if err != nil {
				t.Fatalf("%s\ndns(...): %v", tc.reason, err)
			}
			objects(t, rs)
			if diff := cmp.Diff(tc.names, edgeNames(rs)); diff != "" {
				t.Errorf("%s\nnames: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.missing, missing); diff != "" {
				t.Errorf("%s\nmissing: -want, +got:\n%s", tc.reason, diff)
			}
			if len(tc.names) == 0 {
				return
			}

			if z, ok := ofType[*r53v1beta1.Zone](rs)[nameZone]; ok {
				if got := z.GetLabels()[LabelRole]; got != roleZone {
					t.Errorf("%s\nzone role label %q, want %q: records select it", tc.reason, got, roleZone)
				}
				if *z.Spec.ForProvider.Name != edgeTestDomain || *z.Spec.ForProvider.ForceDestroy {
					t.Errorf("%s\nzone %s, forceDestroy %t", tc.reason, *z.Spec.ForProvider.Name, *z.Spec.ForProvider.ForceDestroy)
				}
				if deref(z.Spec.ForProvider.Tags)["cost-center"] != testCostCenter {
					t.Errorf("%s\nthe zone is not tagged: %v", tc.reason, deref(z.Spec.ForProvider.Tags))
				}
			}

			cert := mustGet[*acmv1beta1.Certificate](t, rs, nameCertificate)
			c := cert.Spec.ForProvider
			gotCert := []string{*c.Region, *c.DomainName, *c.ValidationMethod}
			for _, s := range c.SubjectAlternativeNames {
				gotCert = append(gotCert, *s)
			}
			if diff := cmp.Diff([]string{testRegion, edgeTestDomain, "DNS", "*." + edgeTestDomain}, gotCert); diff != "" {
				t.Errorf("%s\ncertificate region, domain, validation and SANs: -want, +got:\n%s", tc.reason, diff)
			}
			if deref(c.Tags)["platform"] != testName {
				t.Errorf("%s\nthe certificate is not tagged: %v", tc.reason, deref(c.Tags))
			}

			gotRecords := map[resource.Name]wantRecord{}
			for n, r := range ofType[*r53v1beta1.Record](rs) {
				f := r.Spec.ForProvider
				w := wantRecord{Name: *f.Name, Type: *f.Type, BySelector: f.ZoneIDSelector != nil}
				if len(f.Records) == 1 {
					w.Value = *f.Records[0]
				}
				if f.ZoneID != nil {
					w.ZoneID = *f.ZoneID
				}
				gotRecords[n] = w
			}
			if diff := cmp.Diff(tc.records, gotRecords, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nvalidation records: -want, +got:\n%s", tc.reason, diff)
			}

			var fqdns []string
			if v, ok := ofType[*acmv1beta1.CertificateValidation](rs)[nameCertificateValidation]; ok {
				for _, f := range v.Spec.ForProvider.ValidationRecordFqdns {
					fqdns = append(fqdns, *f)
				}
				if v.Spec.ForProvider.CertificateArnSelector.MatchLabels[LabelRole] != cert.GetLabels()[LabelRole] {
					t.Errorf("%s\nthe validation does not select the certificate", tc.reason)
				}
			}
			if diff := cmp.Diff(tc.fqdns, fqdns); diff != "" {
				t.Errorf("%s\nvalidation record FQDNs: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDNSStatus(t *testing.T) {
	observedZone := observedJSON(`{
		"apiVersion": "route53.aws.upbound.io/v1beta1", "kind": "Zone", "metadata": {"name": "prod-z0n3s"},
		"status": {"atProvider": {"zoneId": "Z9COMPOSED", "nameServers": ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"]}}
	}`)
	nameServers := []string{"ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"}
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		want     v1alpha1.EdgeStatus
	}{
		"NoDomain": {
			reason: "Without a domain the status says nothing of DNS.",
			xr:     newXR(),
			observed: map[resource.Name]resource.ObservedComposed{
				nameZone: observedZone, nameCertificate: edgeObservedCertificate(edgeTestRecord), nameCertificateValidation: edgeObservedValidation(true, ""),
			},
		},
		"AdoptedZoneBeforeAWSAnswers": {
			reason: "An adopted zone's id is known from the spec; the certificate is not published before it exists.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, edgeTestZoneID)),
			want:   v1alpha1.EdgeStatus{Domain: edgeTestDomain, HostedZoneID: edgeTestZoneID},
		},
		"AdoptedZone": {
			reason: "An adopted zone is delegated already: only the composed zone's name servers are published.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, edgeTestZoneID)),
			observed: map[resource.Name]resource.ObservedComposed{
				nameCertificate: edgeObservedCertificate(edgeTestRecord), nameCertificateValidation: edgeObservedValidation(true, ""),
			},
			want: v1alpha1.EdgeStatus{Domain: edgeTestDomain, HostedZoneID: edgeTestZoneID, CertificateARN: edgeTestCertARN},
		},
		"PendingValidation": {
			reason: "A certificate pending validation is unusable by a load balancer: it is not published yet.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{
				nameZone: observedZone, nameCertificate: edgeObservedCertificate(edgeTestRecord), nameCertificateValidation: edgeObservedValidation(false, ""),
			},
			want: v1alpha1.EdgeStatus{Domain: edgeTestDomain, HostedZoneID: "Z9COMPOSED", NameServers: nameServers},
		},
		"Issued": {
			reason: "The composed zone's id and name servers, and the issued certificate's ARN, are published.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: map[resource.Name]resource.ObservedComposed{
				nameZone: observedZone, nameCertificate: edgeObservedCertificate(edgeTestRecord), nameCertificateValidation: edgeObservedValidation(true, ""),
			},
			want: v1alpha1.EdgeStatus{Domain: edgeTestDomain, HostedZoneID: "Z9COMPOSED", NameServers: nameServers, CertificateARN: edgeTestCertARN},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := v1alpha1.EdgeStatus{}
			dnsStatus(mustPlan(t, tc.xr), tc.observed, &got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ndnsStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
