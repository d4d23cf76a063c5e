package main

import (
	"sort"
	"strings"
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	frsc "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Fixtures of the DNS tests: a platform at learn.example.org and an
// instance at demo.learn.example.org, whose Studio, MFE and Meilisearch
// hosts are two labels under the domain.
const (
	dnsTestDomain  = "learn.example.org"
	dnsTestZoneID  = "Z0123456789ABCDEFGHIJ"
	dnsTestLB      = "k8s-openedx-f5b3ef62940fb764.elb.amazonaws.com"
	dnsTestCertARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-4909-8807-060504030201"
	dnsTestLMS     = "demo.learn.example.org"
	dnsTestCMS     = "studio.demo.learn.example.org"
	dnsTestMFE     = "apps.demo.learn.example.org"
	dnsTestMeili   = "meilisearch.demo.learn.example.org"
)

// dnsTestPlatform is a converged platform with a domain.
func dnsTestPlatform(mutate func(*v1alpha1.EdgeStatus)) *v1alpha1.XPlatform {
	pl := &v1alpha1.XPlatform{}
	pl.SetName("prod")
	pl.Status.Region = "eu-west-1"
	pl.Status.Edge = v1alpha1.EdgeStatus{
		Domain:               dnsTestDomain,
		HostedZoneID:         dnsTestZoneID,
		CertificateARN:       "arn:aws:acm:eu-west-1:123456789012:certificate/wildcard",
		IngressClassName:     "openedx",
		LoadBalancerHostname: dnsTestLB,
	}
	if mutate != nil {
		mutate(&pl.Status.Edge)
	}
	return pl
}

// dnsTestHosts sets the instance's hosts; empty cms and mfe take Tutor's
// defaults.
func dnsTestHosts(lms, cms, mfe string) func(*v1alpha1.XOpenEdxTenant) {
	return func(xr *v1alpha1.XOpenEdxTenant) {
		xr.Spec.LMSHost, xr.Spec.CMSHost, xr.Spec.MFEHost = lms, cms, mfe
	}
}

// validationName stands for the record ACM asks for to validate host.
func validationName(host string) string {
	return "_" + strings.ReplaceAll(host, ".", "") + "." + host + "."
}

const dnsTestValidationValue = "_4242.acm-validations.aws."

// observedManaged is a managed resource as Crossplane observes it.
func observedManaged(t *testing.T, j string) frsc.ObservedComposed {
	t.Helper()
	cd := composed.New()
	if err := frsc.AsObject(frsc.MustStructJSON(j), cd); err != nil {
		t.Fatal(err)
	}
	return frsc.ObservedComposed{Resource: cd}
}

// observedCertificate is the instance's certificate once ACM has named the
// validation records of hosts.
func observedCertificate(t *testing.T, hosts ...string) frsc.ObservedComposed {
	var opts []string
	for _, h := range hosts {
		opts = append(opts, `{"domainName": "`+h+`", "resourceRecordName": "`+validationName(h)+`", "resourceRecordType": "CNAME", "resourceRecordValue": "`+dnsTestValidationValue+`"}`)
	}
	return observedManaged(t, `{
		"apiVersion": "acm.aws.upbound.io/v1beta1", "kind": "Certificate", "metadata": {"name": "demo-c3rt1"},
		"status": {"atProvider": {"arn": "`+dnsTestCertARN+`", "domainValidationOptions": [`+strings.Join(opts, ", ")+`]}}
	}`)
}

// observedValidation is the certificate's validation, Ready once issued.
func observedValidation(t *testing.T, ready bool) frsc.ObservedComposed {
	status := "False"
	if ready {
		status = "True"
	}
	return observedManaged(t, `{
		"apiVersion": "acm.aws.upbound.io/v1beta1", "kind": "CertificateValidation", "metadata": {"name": "demo-v4l1d"},
		"status": {"conditions": [{"type": "Ready", "status": "`+status+`", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
	}`)
}

// observedHostRecord is a host's record as it was composed.
func observedHostRecord(t *testing.T, host, target string) frsc.ObservedComposed {
	return observedManaged(t, `{
		"apiVersion": "route53.aws.upbound.io/v1beta1", "kind": "Record", "metadata": {"name": "demo-r3c0d"},
		"spec": {"forProvider": {"name": "`+host+`", "type": "CNAME", "records": ["`+target+`"], "zoneId": "`+dnsTestZoneID+`", "region": "eu-west-1"}}
	}`)
}

func TestDNSResources(t *testing.T) {
	type record struct {
		Name, Type, Value, ZoneID string
		AllowOverwrite            bool
		TTL                       float64
	}
	cname := func(host, target string) record {
		return record{Name: host, Type: "CNAME", Value: target, ZoneID: dnsTestZoneID, TTL: 300}
	}
	validation := func(host string) record {
		return record{Name: validationName(host), Type: "CNAME", Value: dnsTestValidationValue, ZoneID: dnsTestZoneID, AllowOverwrite: true, TTL: 300}
	}
	hostRecords := map[frsc.Name]record{
		"dns-record-lms":         cname(dnsTestLMS, dnsTestLB),
		"dns-record-cms":         cname(dnsTestCMS, dnsTestLB),
		"dns-record-mfe":         cname(dnsTestMFE, dnsTestLB),
		"dns-record-meilisearch": cname(dnsTestMeili, dnsTestLB),
	}
	withValidation := func(m map[frsc.Name]record) map[frsc.Name]record {
		out := map[frsc.Name]record{
			"dns-record-acm-certificate-validation-cms":         validation(dnsTestCMS),
			"dns-record-acm-certificate-validation-mfe":         validation(dnsTestMFE),
			"dns-record-acm-certificate-validation-meilisearch": validation(dnsTestMeili),
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	uncovered := []string{dnsTestCMS, dnsTestMFE, dnsTestMeili}

	cases := map[string]struct {
		reason   string
		hosts    func(*v1alpha1.XOpenEdxTenant)
		platform *v1alpha1.XPlatform
		observed map[frsc.Name]frsc.ObservedComposed
		// certificate is the certificate's domain then its SANs; nil
		// means no certificate.
		certificate []string
		records     map[frsc.Name]record
		fqdns       []string // of the CertificateValidation, when composed
		validation  bool
		arn         string
		pending     string
	}{
		"InDomainWaitingForValidationOptions": {
			reason:      "On the first reconcile every in-domain host is named after the load balancer; the hosts the wildcard does not cover (two labels deep) get a certificate, whose validation waits for ACM to name its records.",
			hosts:       dnsTestHosts(dnsTestLMS, "", ""),
			platform:    dnsTestPlatform(nil),
			certificate: uncovered,
			records:     hostRecords,
			pending:     `waiting for ACM to name the DNS validation records of certificate "acm-certificate"`,
		},
		"ValidationOptionsKnown": {
			reason:      "Once ACM names the records, they are composed in the platform's zone with the validation; the certificate is not used before it is issued.",
			hosts:       dnsTestHosts(dnsTestLMS, "", ""),
			platform:    dnsTestPlatform(nil),
			observed:    map[frsc.Name]frsc.ObservedComposed{nameCertificate: observedCertificate(t, uncovered...)},
			certificate: uncovered,
			records:     withValidation(hostRecords),
			validation:  true,
			fqdns:       []string{strings.TrimSuffix(validationName(dnsTestCMS), "."), strings.TrimSuffix(validationName(dnsTestMFE), "."), strings.TrimSuffix(validationName(dnsTestMeili), ".")},
			pending:     `waiting for ACM to issue certificate "acm-certificate" for studio.demo.learn.example.org, apps.demo.learn.example.org, meilisearch.demo.learn.example.org`,
		},
		"CertificateIssued": {
			reason:   "An issued certificate's ARN is returned for the Ingress, and nothing is pending.",
			hosts:    dnsTestHosts(dnsTestLMS, "", ""),
			platform: dnsTestPlatform(nil),
			observed: map[frsc.Name]frsc.ObservedComposed{
				nameCertificate:           observedCertificate(t, uncovered...),
				nameCertificateValidation: observedValidation(t, true),
			},
			certificate: uncovered,
			records:     withValidation(hostRecords),
			validation:  true,
			fqdns:       []string{strings.TrimSuffix(validationName(dnsTestCMS), "."), strings.TrimSuffix(validationName(dnsTestMFE), "."), strings.TrimSuffix(validationName(dnsTestMeili), ".")},
			arn:         dnsTestCertARN,
		},
		"ServedCertificateIsKept": {
			reason: "A certificate the Ingress serves stays while its validation is not observed Ready, so that its hosts never drop off HTTPS.",
			hosts:  dnsTestHosts(dnsTestLMS, "", ""),
			observed: map[frsc.Name]frsc.ObservedComposed{
				nameCertificate:           observedCertificate(t, uncovered...),
				nameCertificateValidation: observedValidation(t, false),
				nameIngress: {Resource: observedObject(t, map[string]any{
					"metadata": map[string]any{"annotations": map[string]any{annotationCertificateARN: dnsTestCertARN}},
				}, "prod")},
			},
			platform:    dnsTestPlatform(nil),
			certificate: uncovered,
			records:     withValidation(hostRecords),
			validation:  true,
			fqdns:       []string{strings.TrimSuffix(validationName(dnsTestCMS), "."), strings.TrimSuffix(validationName(dnsTestMFE), "."), strings.TrimSuffix(validationName(dnsTestMeili), ".")},
			arn:         dnsTestCertARN,
		},
		"WaitingForTheLoadBalancer": {
			reason:      "Without the load balancer's name no host record is composed; the certificate does not wait for it.",
			hosts:       dnsTestHosts(dnsTestLMS, "", ""),
			platform:    dnsTestPlatform(func(e *v1alpha1.EdgeStatus) { e.LoadBalancerHostname = "" }),
			certificate: uncovered,
			pending:     `waiting for ACM to name the DNS validation records of certificate "acm-certificate", and for the platform's load balancer hostname (status.edge.loadBalancerHostname)`,
		},
		"ExistingRecordsAreKept": {
			reason:   "A platform whose status lost the load balancer's name does not drop the records that exist: they keep the name they point at.",
			hosts:    dnsTestHosts(dnsTestLMS, "", ""),
			platform: dnsTestPlatform(func(e *v1alpha1.EdgeStatus) { e.LoadBalancerHostname = "" }),
			observed: map[frsc.Name]frsc.ObservedComposed{
				"dns-record-lms": observedHostRecord(t, dnsTestLMS, dnsTestLB),
			},
			certificate: uncovered,
			records:     hostRecords,
			pending:     `waiting for ACM to name the DNS validation records of certificate "acm-certificate"`,
		},
		"WaitingForTheZone": {
			reason:   "Without the zone's id nothing can be named or validated yet.",
			hosts:    dnsTestHosts(dnsTestLMS, "", ""),
			platform: dnsTestPlatform(func(e *v1alpha1.EdgeStatus) { e.HostedZoneID = "" }),
			pending:  `waiting for platform "prod" to publish its hosted zone (status.edge.hostedZoneId)`,
		},
		"OutsideTheDomain": {
			reason:   "Hosts outside the platform's domain are the operator's to point: nothing is composed, and the message names them and the load balancer.",
			hosts:    dnsTestHosts("courses.university.example.edu", "studio.courses.university.example.edu", "apps.courses.university.example.edu"),
			platform: dnsTestPlatform(nil),
			pending: "courses.university.example.edu, studio.courses.university.example.edu, apps.courses.university.example.edu, meilisearch.courses.university.example.edu " +
				"are not named or certified here, as they are outside the platform's domain learn.example.org: " +
				"point them at the platform's load balancer " + dnsTestLB + " with a CNAME; its certificates do not cover them",
		},
		"SomeHostsOutsideTheDomain": {
			reason:   "In-domain hosts are named and certified as needed; the others are listed for the operator. Hosts one label under the domain need no certificate of their own.",
			hosts:    dnsTestHosts(dnsTestLMS, "studio.example.edu", ""),
			platform: dnsTestPlatform(nil),
			certificate: []string{
				dnsTestMFE,
				dnsTestMeili,
			},
			records: map[frsc.Name]record{
				"dns-record-lms":         cname(dnsTestLMS, dnsTestLB),
				"dns-record-mfe":         cname(dnsTestMFE, dnsTestLB),
				"dns-record-meilisearch": cname(dnsTestMeili, dnsTestLB),
			},
			pending: `waiting for ACM to name the DNS validation records of certificate "acm-certificate"; ` +
				"studio.example.edu are not named or certified here, as they are outside the platform's domain learn.example.org: " +
				"point them at the platform's load balancer " + dnsTestLB + " with a CNAME; its certificates do not cover them",
		},
		"AllCoveredAtTheApex": {
			reason:   "An LMS at the domain itself has every other host one label under it: the wildcard covers them all and no certificate is composed. The apex cannot hold a CNAME, which the message says.",
			hosts:    dnsTestHosts(dnsTestDomain, "", ""),
			platform: dnsTestPlatform(nil),
			records: map[frsc.Name]record{
				"dns-record-cms":         cname("studio.learn.example.org", dnsTestLB),
				"dns-record-mfe":         cname("apps.learn.example.org", dnsTestLB),
				"dns-record-meilisearch": cname("meilisearch.learn.example.org", dnsTestLB),
			},
			pending: "learn.example.org is the apex of zone learn.example.org, which cannot hold a CNAME: point it at " + dnsTestLB + " with an alias record",
		},
		"PlatformWithoutDomain": {
			reason:   "A platform without a domain names nothing; the operator is told.",
			hosts:    dnsTestHosts(dnsTestLMS, "", ""),
			platform: dnsTestPlatform(func(e *v1alpha1.EdgeStatus) { *e = v1alpha1.EdgeStatus{} }),
			pending: dnsTestLMS + ", " + dnsTestCMS + ", " + dnsTestMFE + ", " + dnsTestMeili +
				` are not named or certified here, as platform "prod" has no DNS domain: point them at the platform's load balancer once it has a name with a CNAME; its certificates do not cover them`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := testPlan(t, tc.hosts)
			rs, arn, note := dnsResources(p, testTarget(), tc.platform.Status.Edge, tc.observed)
			if diff := cmp.Diff(tc.pending, note.String()); diff != "" {
				t.Errorf("%s\npending: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.arn, arn); diff != "" {
				t.Errorf("%s\ncertificate ARN: -want, +got:\n%s", tc.reason, diff)
			}

			var wantNames []string
			for n := range tc.records {
				wantNames = append(wantNames, string(n))
			}
			if tc.certificate != nil {
				wantNames = append(wantNames, string(nameCertificate))
			}
			if tc.validation {
				wantNames = append(wantNames, string(nameCertificateValidation))
			}
			var gotNames []string
			for _, r := range rs {
				gotNames = append(gotNames, string(r.Name))
				// Names and certificates hold no data: always deleted with
				// the instance, through the platform's provider config.
				spec := r.Object.(interface{ GetProviderConfigReference() *xpv1.Reference })
				if got := spec.GetProviderConfigReference(); got == nil || got.Name != "default" {
					t.Errorf("%s\n%s: providerConfigRef %v, want default", tc.reason, r.Name, got)
				}
				if got := r.Object.(interface{ GetDeletionPolicy() xpv1.DeletionPolicy }).GetDeletionPolicy(); got != "" {
					t.Errorf("%s\n%s: deletion policy %q, want the default, Delete", tc.reason, r.Name, got)
				}
			}
			sort.Strings(wantNames)
			sort.Strings(gotNames)
			if diff := cmp.Diff(wantNames, gotNames); diff != "" {
				t.Fatalf("%s\nnames: -want, +got:\n%s", tc.reason, diff)
			}

			gotRecords := map[frsc.Name]record{}
			var gotCert, gotFQDNs []string
			for _, r := range rs {
				switch o := r.Object.(type) {
				case *r53v1beta1.Record:
					f := o.Spec.ForProvider
					if len(f.Records) != 1 || f.ZoneID == nil || f.TTL == nil || f.AllowOverwrite == nil || *f.Region != "eu-west-1" {
						t.Fatalf("%s\n%s: incomplete record %+v", tc.reason, r.Name, f)
					}
					gotRecords[r.Name] = record{Name: *f.Name, Type: *f.Type, Value: *f.Records[0], ZoneID: *f.ZoneID, AllowOverwrite: *f.AllowOverwrite, TTL: *f.TTL}
				case *acmv1beta1.Certificate:
					f := o.Spec.ForProvider
					if *f.Region != "eu-west-1" || *f.ValidationMethod != "DNS" {
						t.Errorf("%s\ncertificate in %s validated by %s, want eu-west-1, DNS", tc.reason, *f.Region, *f.ValidationMethod)
					}
					gotCert = append(gotCert, *f.DomainName)
					for _, s := range f.SubjectAlternativeNames {
						gotCert = append(gotCert, *s)
					}
					if got := *f.Tags["Name"]; got != "prod-tenant-demo" {
						t.Errorf("%s\ncertificate Name tag %q, want prod-tenant-demo", tc.reason, got)
					}
					if got := *f.Tags["tenant"]; got != "demo" {
						t.Errorf("%s\ncertificate tenant tag %q, want demo", tc.reason, got)
					}
					if diff := cmp.Diff(map[string]string{labelRole: roleCertificate, LabelTenant: "demo"}, o.GetLabels()); diff != "" {
						t.Errorf("%s\ncertificate labels: -want, +got:\n%s", tc.reason, diff)
					}
				case *acmv1beta1.CertificateValidation:
					for _, f := range o.Spec.ForProvider.ValidationRecordFqdns {
						gotFQDNs = append(gotFQDNs, *f)
					}
					if diff := cmp.Diff(map[string]string{labelRole: roleCertificate, LabelTenant: "demo"}, o.Spec.ForProvider.CertificateArnSelector.MatchLabels); diff != "" {
						t.Errorf("%s\nthe validation does not select the certificate: -want, +got:\n%s", tc.reason, diff)
					}
				}
			}
			if diff := cmp.Diff(tc.certificate, gotCert); diff != "" {
				t.Errorf("%s\ncertificate domain and SANs: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.records, gotRecords, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nrecords: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.fqdns, gotFQDNs); diff != "" {
				t.Errorf("%s\nvalidation record FQDNs: -want, +got:\n%s", tc.reason, diff)
			}
			// Every resource converts, with the tenant's scheme.
			d := &compose.Desired{Resources: map[frsc.Name]*frsc.DesiredComposed{}}
			if err := d.AddAll(rs...); err != nil {
				t.Errorf("%s\ncannot compose: %v", tc.reason, err)
			}
		})
	}
}

func TestWildcardCoverage(t *testing.T) {
	cases := map[string]struct {
		host              string
		inDomain, covered bool
	}{
		"Apex":             {host: "learn.example.org", inDomain: true, covered: true},
		"OneLabel":         {host: "demo.learn.example.org", inDomain: true, covered: true},
		"TwoLabels":        {host: "studio.demo.learn.example.org", inDomain: true, covered: false},
		"Outside":          {host: "learn.example.com", inDomain: false, covered: false},
		"SuffixNotALabel":  {host: "mylearn.example.org", inDomain: false, covered: false},
		"ParentOfTheZone":  {host: "example.org", inDomain: false, covered: false},
		"EmptyDomainNever": {host: "", inDomain: false, covered: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			domain := dnsTestDomain
			if tc.host == "" {
				domain = ""
			}
			if got := inDomain(tc.host, domain); got != tc.inDomain {
				t.Errorf("inDomain(%q, %q) = %v, want %v", tc.host, domain, got, tc.inDomain)
			}
			if got := tc.inDomain && coveredByWildcard(tc.host, domain); got != tc.covered {
				t.Errorf("coveredByWildcard(%q, %q) = %v, want %v", tc.host, domain, got, tc.covered)
			}
		})
	}
}

// TestEdgeNamesWaitForWhereRecordsGo: a platform with a domain but no
// region or provider config published yet gets no record composed with an
// empty one; the instance waits, saying for what, and only then.
func TestEdgeNamesWaitForWhereRecordsGo(t *testing.T) {
	p := testPlan(t, dnsTestHosts(dnsTestLMS, "", ""))
	cases := map[string]struct {
		mutate      func(*v1alpha1.XPlatformStatus)
		wantWaiting string // empty: records composed, none waiting
	}{
		"NoRegion": {
			mutate:      func(s *v1alpha1.XPlatformStatus) { s.Region = "" },
			wantWaiting: `platform "prod" has not published its region and provider config (status.region, status.providerConfigName) yet`,
		},
		"NoProviderConfig": {
			mutate:      func(s *v1alpha1.XPlatformStatus) { s.ProviderConfigName = "" },
			wantWaiting: `platform "prod" has not published its region and provider config (status.region, status.providerConfigName) yet`,
		},
		// The data key and the cluster are not what records need.
		"NoDataKeyYet": {
			mutate: func(s *v1alpha1.XPlatformStatus) { s.DataKeyARN = "" },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pl := dnsTestPlatform(nil)
			pl.Status.ProviderConfigName = "default"
			pl.Status.AccountID, pl.Status.DataKeyARN, pl.Status.Cluster.Name = "123456789012", testDataKeyARN, "prod"
			tc.mutate(&pl.Status)
			got := edgeNames(p, statusView(pl, "learning"), nil)
			if tc.wantWaiting != "" {
				if !got.Waiting || got.Message != tc.wantWaiting || len(got.Resources) != 0 {
					t.Errorf("edgeNames: waiting %v, %q, %d resources; want waiting %q and nothing composed", got.Waiting, got.Message, len(got.Resources), tc.wantWaiting)
				}
				return
			}
			if len(got.Resources) == 0 {
				t.Fatalf("edgeNames composed nothing: %+v", got)
			}
			for _, r := range got.Resources {
				rec, ok := r.Object.(*r53v1beta1.Record)
				if ok && (ptr.Deref(rec.Spec.ForProvider.Region, "") != "eu-west-1" || rec.Spec.ProviderConfigReference == nil || rec.Spec.ProviderConfigReference.Name != "default") {
					t.Errorf("record %s: region %v, provider config %+v", r.Name, rec.Spec.ForProvider.Region, rec.Spec.ProviderConfigReference)
				}
			}
		})
	}
}
