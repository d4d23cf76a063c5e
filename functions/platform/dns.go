package main

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The platform's public DNS: its hosted zone and the wildcard certificate
// the shared load balancer serves for every tenant host.

// Names of the DNS resources.
const (
	nameCertificate           resource.Name = "acm-certificate"
	nameCertificateValidation resource.Name = "acm-certificate-validation"
	nameCertificateRecord     resource.Name = "dns-record-acm-certificate-validation"
	// nameCertificateRecordWildcard is only composed should ACM ever ask
	// for a record for *.<domain> that differs from <domain>'s: today it
	// asks for the same one.
	nameCertificateRecordWildcard resource.Name = "dns-record-acm-certificate-validation-wildcard"
)

// roleCertificate labels the wildcard certificate, for the selector of its
// validation.
const roleCertificate = "certificate"

// validationRecordTTL is short so that a re-issued validation converges
// quickly; ACM reads the record only while validating or renewing.
const validationRecordTTL = 300

// acmCertificate is a DNS-validated ACM certificate and what validates it.
type acmCertificate struct {
	Name       resource.Name
	Validation resource.Name
	Role       string
	Region     string
	// Domains are the names the certificate covers, the first being its
	// domain name and the rest subject alternative names, each with the
	// composed name of its validation record.
	Domains []validatedDomain
	// TagName is the certificate's Name tag.
	TagName string
}

type validatedDomain struct {
	FQDN   string
	Record resource.Name
}

// wildcardCertificate covers the domain and every host right under it:
// tenants' LMS, Studio and MFE hosts.
func (p *plan) wildcardCertificate() acmCertificate {
	return acmCertificate{
		Name:       nameCertificate,
		Validation: nameCertificateValidation,
		Role:       roleCertificate,
		Region:     p.Region,
		Domains: []validatedDomain{
			{FQDN: p.Domain, Record: nameCertificateRecord},
			{FQDN: "*." + p.Domain, Record: nameCertificateRecordWildcard},
		},
		TagName: p.Name + "-wildcard",
	}
}

// dns composes the platform's public hosted zone, unless an existing one is
// adopted, and the wildcard certificate for its domain, validated through
// that zone. missing names what the validation waits for.
func dns(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	if p.Domain == "" {
		return nil, nil, nil
	}
	if p.HostedZoneID == "" {
		rs = append(rs, compose.Resource{Name: nameZone, Object: &r53v1beta1.Zone{
			ObjectMeta: meta(map[string]string{LabelRole: roleZone}),
			Spec: r53v1beta1.ZoneSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: r53v1beta1.ZoneParameters{
					// Route53 is global; provider-aws still wants a region.
					Region:  &p.Region,
					Name:    ptr.To(p.Domain),
					Comment: ptr.To(fmt.Sprintf("Open edX platform %s: tenants' hosts, certificate validation and static assets", p.Name)),
					// Records someone else added are never deleted with
					// the zone: deletion fails instead.
					ForceDestroy: ptr.To(false),
					Tags:         p.tags(p.Domain),
				},
			},
		}})
	}
	c := p.wildcardCertificate()
	v, m := validatedCertificate(p, c, observed)
	return append(rs, v...), m, nil
}

// validatedCertificate composes the certificate, its DNS validation records
// once ACM has said what they are, and a CertificateValidation that waits
// for ACM to issue it.
func validatedCertificate(p *plan, c acmCertificate, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string) {
	sans := make([]string, 0, len(c.Domains)-1)
	for _, d := range c.Domains[1:] {
		sans = append(sans, d.FQDN)
	}
	rs = append(rs, compose.Resource{Name: c.Name, Object: &acmv1beta1.Certificate{
		ObjectMeta: meta(map[string]string{LabelRole: c.Role}),
		Spec: acmv1beta1.CertificateSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: acmv1beta1.CertificateParameters{
				Region:                  ptr.To(c.Region),
				DomainName:              ptr.To(c.Domains[0].FQDN),
				SubjectAlternativeNames: ptrs(sans),
				ValidationMethod:        ptr.To("DNS"),
				Tags:                    p.tags(c.TagName),
			},
		},
	}})

	options := observedValidationOptions(observed, c.Name)
	records := map[string]resource.Name{}
	for _, d := range c.Domains {
		records[d.FQDN] = d.Record
	}
	var find func(fqdn string) validationOption
	find = func(fqdn string) validationOption {
		if o, ok := options[fqdn]; ok {
			return o
		}
		// Should the certificate's observation be gone, the record that
		// exists says the same.
		if o := observedValidationRecord(observed, records[fqdn]); o.Name != "" {
			return o
		}
		// ACM validates *.<domain> with <domain>'s record.
		if base, ok := strings.CutPrefix(fqdn, "*."); ok {
			if _, covered := records[base]; covered {
				return find(base)
			}
		}
		return validationOption{}
	}
	var fqdns []string
	seen := map[string]bool{}
	for _, d := range c.Domains {
		o := find(d.FQDN)
		if o.Name == "" {
			missing = append(missing, fmt.Sprintf("the DNS validation record of %s from ACM certificate %q", d.FQDN, c.Name))
			continue
		}
		// ACM asks for the same record for a domain and its wildcard.
		if seen[o.Name] {
			continue
		}
		seen[o.Name] = true
		r := record(p, d.Record, o.Name, o.Type, validationRecordTTL, o.Value)
		// A zone that is adopted may hold the record already, from an
		// earlier certificate for the same name: the value is the same.
		r.Object.(*r53v1beta1.Record).Spec.ForProvider.AllowOverwrite = ptr.To(true)
		rs = append(rs, r)
		fqdns = append(fqdns, strings.TrimSuffix(o.Name, "."))
	}
	if len(missing) > 0 {
		if _, exists := observed[c.Validation]; !exists {
			return rs, missing
		}
		// Never drop a validation that exists.
		fqdns = observedStringList(observed, c.Validation, "spec.forProvider.validationRecordFqdns")
	}
	rs = append(rs, compose.Resource{Name: c.Validation, Object: &acmv1beta1.CertificateValidation{
		Spec: acmv1beta1.CertificateValidationSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: acmv1beta1.CertificateValidationParameters{
				Region:                 ptr.To(c.Region),
				CertificateArnSelector: selector(map[string]string{LabelRole: c.Role}),
				ValidationRecordFqdns:  ptrs(fqdns),
			},
		},
	}})
	return rs, missing
}

// validationOption is a DNS record ACM asks for.
type validationOption struct{ Name, Type, Value string }

// observedValidationOptions are the records ACM asks for, by the domain
// they validate.
func observedValidationOptions(observed map[resource.Name]resource.ObservedComposed, cert resource.Name) map[string]validationOption {
	out := map[string]validationOption{}
	for i := 0; ; i++ {
		at := func(f string) string {
			return compose.ObservedString(observed, cert, fmt.Sprintf("status.atProvider.domainValidationOptions[%d].%s", i, f))
		}
		domain := at("domainName")
		if domain == "" {
			return out
		}
		o := validationOption{Name: at("resourceRecordName"), Type: at("resourceRecordType"), Value: at("resourceRecordValue")}
		if o.Name != "" && o.Type != "" && o.Value != "" {
			out[domain] = o
		}
	}
}

// observedValidationRecord is a validation record as it was composed.
func observedValidationRecord(observed map[resource.Name]resource.ObservedComposed, name resource.Name) validationOption {
	o := validationOption{
		Name:  compose.ObservedString(observed, name, "spec.forProvider.name"),
		Type:  compose.ObservedString(observed, name, "spec.forProvider.type"),
		Value: compose.ObservedString(observed, name, "spec.forProvider.records[0]"),
	}
	if o.Name == "" || o.Type == "" || o.Value == "" {
		return validationOption{}
	}
	return o
}

// issuedCertificateARN is the ARN of a certificate once ACM has issued it,
// "" before: load balancers and distributions refuse a certificate that is
// pending validation.
func issuedCertificateARN(observed map[resource.Name]resource.ObservedComposed, cert, validation resource.Name) string {
	if !compose.IsReady(observed, validation) {
		return ""
	}
	return compose.ObservedString(observed, cert, "status.atProvider.arn")
}

// dnsStatus publishes the domain, its zone and its name servers, and the
// issued wildcard certificate.
func dnsStatus(p *plan, observed map[resource.Name]resource.ObservedComposed, s *v1alpha1.EdgeStatus) {
	if p.Domain == "" {
		return
	}
	s.Domain = p.Domain
	s.HostedZoneID = p.HostedZoneID
	if s.HostedZoneID == "" {
		s.HostedZoneID = compose.ObservedString(observed, nameZone, "status.atProvider.zoneId")
		// The parent domain delegates to these; an adopted zone is
		// delegated already.
		s.NameServers = observedStringList(observed, nameZone, "status.atProvider.nameServers")
	}
	s.CertificateARN = issuedCertificateARN(observed, nameCertificate, nameCertificateValidation)
}

// observedStringList is a list of strings of an observed resource, nil when
// the resource or the field does not exist.
func observedStringList(observed map[resource.Name]resource.ObservedComposed, name resource.Name, path string) []string {
	var out []string
	for i := 0; ; i++ {
		v := compose.ObservedString(observed, name, fmt.Sprintf("%s[%d]", path, i))
		if v == "" {
			return out
		}
		out = append(out, v)
	}
}
