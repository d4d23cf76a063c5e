// Package acmdns composes an ACM certificate validated through Route53: the
// certificate, its DNS validation records once ACM has said what they are,
// and a CertificateValidation that waits for ACM to issue it. The
// platform's certificates and each tenant's certificate for its own hosts
// are built here, so both converge, and survive a lost observation, the
// same way.
package acmdns

import (
	"fmt"
	"maps"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// ValidationRecordTTL is short so that a re-issued validation converges
// quickly; ACM reads the record only while validating or renewing.
const ValidationRecordTTL = 300

// Zone is the Route53 hosted zone records are composed in.
type Zone struct {
	// ID of the zone; when empty, Selector selects the composed zone.
	ID       string
	Selector *xpv1.Selector
	// Region of the records: Route53 is global; provider-aws still wants a
	// region.
	Region string
}

// Record is a Route53 record in the zone.
func (z Zone) Record(spec xpv1.ResourceSpec, fqdn, typ string, ttl int, values ...string) *r53v1beta1.Record {
	var id *string
	if z.ID != "" {
		id = ptr.To(z.ID)
	}
	return &r53v1beta1.Record{
		Spec: r53v1beta1.RecordSpec{
			ResourceSpec: spec,
			ForProvider: r53v1beta1.RecordParameters{
				Region:         ptr.To(z.Region),
				Name:           ptr.To(fqdn),
				Type:           ptr.To(typ),
				TTL:            ptr.To(float64(ttl)),
				Records:        compose.StringPtrs(values),
				ZoneID:         id,
				ZoneIDSelector: z.Selector,
			},
		},
	}
}

// Domain is a name the certificate covers, with the composition name of
// its validation record.
type Domain struct {
	FQDN   string
	Record resource.Name
}

// Certificate is a DNS-validated ACM certificate and what validates it.
type Certificate struct {
	Name       resource.Name
	Validation resource.Name
	// Region of the certificate: that of the load balancer or distribution
	// that serves it.
	Region string
	// Domains are the names the certificate covers, the first being its
	// domain name and the rest subject alternative names.
	Domains []Domain
	// Labels select the certificate from its validation. They must be
	// unique among the composite's certificates.
	Labels       map[string]string
	ResourceSpec xpv1.ResourceSpec
	Tags         map[string]*string
	// Zone holds the validation records.
	Zone Zone
}

// Resources are the certificate, its validation records once ACM has said
// what they are, and its validation once every record is known. missing
// names the records ACM has not asked for yet. A validation that exists is
// never dropped.
func (c Certificate) Resources(observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string) {
	sans := make([]string, 0, len(c.Domains)-1)
	for _, d := range c.Domains[1:] {
		sans = append(sans, d.FQDN)
	}
	rs = append(rs, compose.Resource{Name: c.Name, Object: &acmv1beta1.Certificate{
		ObjectMeta: metav1.ObjectMeta{Labels: maps.Clone(c.Labels)},
		Spec: acmv1beta1.CertificateSpec{
			ResourceSpec: c.ResourceSpec,
			ForProvider: acmv1beta1.CertificateParameters{
				Region:                  ptr.To(c.Region),
				DomainName:              ptr.To(c.Domains[0].FQDN),
				SubjectAlternativeNames: compose.StringPtrs(sans),
				ValidationMethod:        ptr.To("DNS"),
				Tags:                    c.Tags,
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
		r := c.Zone.Record(c.ResourceSpec, o.Name, o.Type, ValidationRecordTTL, o.Value)
		// The zone may hold the record already, from an earlier
		// certificate for the same name: ACM asks for the same value.
		r.Spec.ForProvider.AllowOverwrite = ptr.To(true)
		rs = append(rs, compose.Resource{Name: d.Record, Object: r})
		fqdns = append(fqdns, strings.TrimSuffix(o.Name, "."))
	}
	if len(missing) > 0 {
		if _, exists := observed[c.Validation]; !exists {
			return rs, missing
		}
		// Never drop a validation that exists.
		fqdns = compose.ObservedStringList(observed, c.Validation, "spec.forProvider.validationRecordFqdns")
	}
	t := true
	rs = append(rs, compose.Resource{Name: c.Validation, Object: &acmv1beta1.CertificateValidation{
		Spec: acmv1beta1.CertificateValidationSpec{
			ResourceSpec: c.ResourceSpec,
			ForProvider: acmv1beta1.CertificateValidationParameters{
				Region:                 ptr.To(c.Region),
				CertificateArnSelector: &xpv1.Selector{MatchControllerRef: &t, MatchLabels: maps.Clone(c.Labels)},
				ValidationRecordFqdns:  compose.StringPtrs(fqdns),
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

// IssuedARN is the ARN of a certificate once ACM has issued it, "" before:
// load balancers and distributions refuse a certificate that is pending
// validation.
func IssuedARN(observed map[resource.Name]resource.ObservedComposed, cert, validation resource.Name) string {
	if !compose.IsReady(observed, validation) {
		return ""
	}
	return compose.ObservedString(observed, cert, "status.atProvider.arn")
}
