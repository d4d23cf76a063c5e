package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/acmdns"
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

// acmCertificate is a DNS-validated ACM certificate and what validates it.
type acmCertificate struct {
	Name       resource.Name
	Validation resource.Name
	Role       string
	Region     string
	// Domains are the names the certificate covers, the first being its
	// domain name and the rest subject alternative names, each with the
	// composed name of its validation record.
	Domains []acmdns.Domain
	// TagName is the certificate's Name tag.
	TagName string
}

// wildcardCertificate covers the domain and every host right under it:
// tenants' LMS, Studio and MFE hosts.
func (p *plan) wildcardCertificate() acmCertificate {
	return acmCertificate{
		Name:       nameCertificate,
		Validation: nameCertificateValidation,
		Role:       roleCertificate,
		Region:     p.Region,
		Domains: []acmdns.Domain{
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
// in the platform's public zone once ACM has said what they are, and a
// CertificateValidation that waits for ACM to issue it.
func validatedCertificate(p *plan, c acmCertificate, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string) {
	zoneID, zoneSel := p.zoneRef()
	return acmdns.Certificate{
		Name:         c.Name,
		Validation:   c.Validation,
		Region:       c.Region,
		Domains:      c.Domains,
		Labels:       map[string]string{LabelRole: c.Role},
		ResourceSpec: p.resourceSpec(),
		Tags:         p.tags(c.TagName),
		Zone:         acmdns.Zone{ID: ptr.Deref(zoneID, ""), Selector: zoneSel, Region: p.Region},
	}.Resources(observed)
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
		s.NameServers = compose.ObservedStringList(observed, nameZone, "status.atProvider.nameServers")
	}
	s.CertificateARN = acmdns.IssuedARN(observed, nameCertificate, nameCertificateValidation)
}
