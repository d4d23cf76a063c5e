package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/acmdns"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenanthosts"
)

// The instance's public names: Route53 records for its hosts in the
// platform's zone, pointing at the shared load balancer, and a certificate
// for the hosts the platform's wildcard does not cover. The wildcard
// covers <domain> and one label under it, so an LMS at <x>.<domain> is
// served by it, but its studio.<lms>, apps.<lms> and meilisearch.<lms> are
// not.

// Names of the DNS resources.
const (
	nameCertificate           resource.Name = "acm-certificate"
	nameCertificateValidation resource.Name = "acm-certificate-validation"
	// Records are named after the host's role, not its name, so that a
	// host that changes updates its record rather than replacing it.
	nameRecordPrefix           = "dns-record-"
	nameValidationRecordPrefix = "dns-record-acm-certificate-validation-"

	roleCertificate = "certificate"
)

// hostRecordTTL is how long resolvers keep a host's name: the load
// balancer's name never changes while it exists.
const hostRecordTTL = 300

// meilisearchHost is Tutor's MEILISEARCH_HOST.
func (p *plan) meilisearchHost() string { return tenanthosts.Resolve(p.LMSHost, "", "").Meilisearch }

// instanceHost is a host browsers reach the instance on.
type instanceHost struct {
	// Role names the host's resources.
	Role string
	FQDN string
}

// hosts are the instance's hosts, LMS first.
func (p *plan) hosts() []instanceHost {
	return []instanceHost{
		{Role: "lms", FQDN: p.LMSHost},
		{Role: "cms", FQDN: p.CMSHost},
		{Role: "mfe", FQDN: p.MFEHost},
		{Role: "meilisearch", FQDN: p.meilisearchHost()},
	}
}

// resolveHosts validates the spec's hosts and fills those it leaves empty
// with Tutor's defaults, as the platform resolves them to keep two tenants
// off one host. Each error names the field the user set: a default that
// collides is blamed on the host that took it.
func resolveHosts(sp *field.Path, s v1alpha1.XOpenEdxTenantSpec) (tenanthosts.Hosts, error) {
	h := tenanthosts.Resolve(s.LMSHost, s.CMSHost, s.MFEHost)
	lp, cp, mp := sp.Child("lmsHost"), sp.Child("cmsHost"), sp.Child("mfeHost")
	if !reHost.MatchString(h.LMS) {
		return h, field.Invalid(lp, s.LMSHost, "must be a fully qualified host name such as learn.example.com")
	}
	if len(h.LMS) > tenanthosts.MaxLMSLength {
		return h, field.Invalid(lp, s.LMSHost, fmt.Sprintf("must be at most %d characters: Tutor serves Meilisearch on %s<lmsHost>, and ACM certifies no first name over %d", tenanthosts.MaxLMSLength, tenanthosts.MeilisearchPrefix, tenanthosts.MaxLength))
	}
	// Defaults are valid and short enough once lmsHost is: only a host the
	// spec sets can be malformed or too long.
	tooLong := fmt.Sprintf("must be at most %d characters: ACM certifies no first name over %d, and any of the instance's hosts may come first", tenanthosts.MaxLength, tenanthosts.MaxLength)
	if !reHost.MatchString(h.CMS) {
		return h, field.Invalid(cp, s.CMSHost, "must be a fully qualified host name such as studio.learn.example.com")
	}
	if len(h.CMS) > tenanthosts.MaxLength {
		return h, field.Invalid(cp, s.CMSHost, tooLong)
	}
	if !reHost.MatchString(h.MFE) {
		return h, field.Invalid(mp, s.MFEHost, "must be a fully qualified host name such as apps.learn.example.com")
	}
	if len(h.MFE) > tenanthosts.MaxLength {
		return h, field.Invalid(mp, s.MFEHost, tooLong)
	}
	meili := "must differ from " + tenanthosts.MeilisearchPrefix + "<lmsHost>, which Tutor serves Meilisearch on"
	switch {
	case h.CMS == h.LMS:
		return h, field.Invalid(cp, s.CMSHost, "must differ from lmsHost")
	case h.CMS == h.Meilisearch:
		return h, field.Invalid(cp, s.CMSHost, meili)
	case h.MFE == h.LMS:
		return h, field.Invalid(mp, s.MFEHost, "must differ from lmsHost")
	case h.MFE == h.CMS && s.MFEHost == "":
		return h, field.Invalid(cp, s.CMSHost, "must differ from "+tenanthosts.MFEPrefix+"<lmsHost>, the micro-frontends' default host: set mfeHost too, or choose another cmsHost")
	case h.MFE == h.CMS:
		return h, field.Invalid(mp, s.MFEHost, "must differ from cmsHost")
	case h.MFE == h.Meilisearch:
		return h, field.Invalid(mp, s.MFEHost, meili)
	}
	// tutor-mfe v21 warns when MFE_HOST does not end with "."+LMS_HOST
	// (plugin.py, _check_mfe_host): Tutor sets SESSION_COOKIE_DOMAIN to
	// LMS_HOST, and the browser sends that cookie to its subdomains only, so
	// MFEs elsewhere never see the session and send learners back to log in.
	if !strings.HasSuffix(h.MFE, "."+h.LMS) {
		return h, field.Invalid(mp, s.MFEHost, fmt.Sprintf("must be a subdomain of lmsHost, such as %s%s: the micro-frontends need the LMS's session cookie, which Tutor sets for lmsHost and its subdomains only", tenanthosts.MFEPrefix, h.LMS))
	}
	return h, nil
}

// inDomain says whether host is a name of the platform's zone.
func inDomain(host, domain string) bool {
	return domain != "" && (host == domain || strings.HasSuffix(host, "."+domain))
}

// coveredByWildcard says whether the platform's certificate, for <domain>
// and *.<domain>, serves host: a wildcard matches exactly one label.
func coveredByWildcard(host, domain string) bool {
	if host == domain {
		return true
	}
	label, ok := strings.CutSuffix(host, "."+domain)
	return ok && label != "" && !strings.Contains(label, ".")
}

// dnsResources composes the records of the instance's hosts in the
// platform's zone, and a certificate for those the platform's wildcard
// does not cover, validated in the same zone.
//
// Hosts outside the platform's domain are the operator's to point: pending
// names them with the load balancer, as it names what the rest waits for.
// certificateARN is the instance's certificate once ACM has issued it, for
// the Ingress; "" while there is none.
func dnsResources(p *plan, t awsTarget, edge v1alpha1.EdgeStatus, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, certificateARN string, note dnsNote) {
	domain := strings.ToLower(edge.Domain)
	var waiting, info []string

	// The load balancer's name, or the one existing records point at, so
	// that no record is dropped while the platform's status is incomplete.
	target := edge.LoadBalancerHostname
	var in, out []instanceHost
	for _, h := range p.hosts() {
		if inDomain(h.FQDN, domain) {
			in = append(in, h)
		} else {
			out = append(out, h)
		}
		if target == "" {
			target = compose.ObservedString(observed, recordName(h), "spec.forProvider.records[0]")
		}
	}
	if len(out) > 0 {
		info = append(info, outsideDomain(t.Platform, domain, target, out))
	}
	if len(in) == 0 {
		return nil, "", dnsNote{Info: info}
	}

	zone := acmdns.Zone{ID: edge.HostedZoneID, Region: t.Region}
	for _, h := range in {
		if zone.ID == "" {
			zone.ID = compose.ObservedString(observed, recordName(h), "spec.forProvider.zoneId")
		}
	}
	if zone.ID == "" {
		waiting = append(waiting, fmt.Sprintf("platform %q to publish its hosted zone (status.edge.hostedZoneId)", t.Platform))
		return nil, "", dnsNote{Waiting: waiting, Info: info}
	}

	var uncovered []instanceHost
	for _, h := range in {
		if !coveredByWildcard(h.FQDN, domain) {
			uncovered = append(uncovered, h)
		}
	}
	if len(uncovered) > 0 {
		c := instanceCertificate(p, t, zone, uncovered)
		crs, missing := c.Resources(observed)
		rs = append(rs, crs...)
		if len(missing) > 0 {
			waiting = append(waiting, fmt.Sprintf("ACM to name the DNS validation records of certificate %q", nameCertificate))
		}
		certificateARN = issuedCertificateARN(observed)
		if certificateARN == "" && len(missing) == 0 {
			waiting = append(waiting, fmt.Sprintf("ACM to issue certificate %q for %s", nameCertificate, fqdns(uncovered)))
		}
	}

	if target == "" {
		waiting = append(waiting, "the platform's load balancer hostname (status.edge.loadBalancerHostname)")
		return rs, certificateARN, dnsNote{Waiting: waiting, Info: info}
	}
	for _, h := range in {
		if h.FQDN == domain {
			// A zone's apex holds its SOA and NS records: no CNAME may sit
			// beside them.
			info = append(info, fmt.Sprintf("%s is the apex of zone %s, which cannot hold a CNAME: point it at %s with an alias record", h.FQDN, domain, target))
			continue
		}
		rec := zone.Record(t.resourceSpec(p, false), h.FQDN, "CNAME", hostRecordTTL, target)
		rec.ObjectMeta = managedMeta(p, "dns-record-"+h.Role, "")
		// A name someone else holds, another instance or the platform's
		// static.<domain>, is refused rather than taken over.
		rec.Spec.ForProvider.AllowOverwrite = ptr.To(false)
		rs = append(rs, compose.Resource{Name: recordName(h), Object: rec})
	}
	return rs, certificateARN, dnsNote{Waiting: waiting, Info: info}
}

// recordName is the composition name of a host's record.
func recordName(h instanceHost) resource.Name { return resource.Name(nameRecordPrefix + h.Role) }

// instanceCertificate covers the hosts the platform's wildcard does not, in
// the platform's region: the shared load balancer serves it.
func instanceCertificate(p *plan, t awsTarget, zone acmdns.Zone, hosts []instanceHost) acmdns.Certificate {
	domains := make([]acmdns.Domain, 0, len(hosts))
	for _, h := range hosts {
		domains = append(domains, acmdns.Domain{FQDN: h.FQDN, Record: resource.Name(nameValidationRecordPrefix + h.Role)})
	}
	name := p.awsName(t.Platform)
	return acmdns.Certificate{
		Name:         nameCertificate,
		Validation:   nameCertificateValidation,
		Region:       t.Region,
		Domains:      domains,
		Labels:       managedMeta(p, roleCertificate, "").Labels,
		ResourceSpec: t.resourceSpec(p, false),
		Tags:         t.tags(p, name),
		Zone:         zone,
	}
}

// issuedCertificateARN is the instance's certificate once ACM has issued
// it. A certificate the Ingress serves already stays while its validation
// is not observed Ready, say after a provider restart: dropping it would
// take the hosts it covers off HTTPS.
func issuedCertificateARN(observed map[resource.Name]resource.ObservedComposed) string {
	if arn := acmdns.IssuedARN(observed, nameCertificate, nameCertificateValidation); arn != "" {
		return arn
	}
	arn := compose.ObservedString(observed, nameCertificate, "status.atProvider.arn")
	served := strings.Split(compose.ObservedString(observed, nameIngress, "spec.forProvider.manifest.metadata.annotations['"+annotationCertificateARN+"']"), ",")
	if arn != "" && slices.Contains(served, arn) {
		return arn
	}
	return ""
}

// outsideDomain tells the operator which hosts to point themselves.
func outsideDomain(platform, domain, target string, hosts []instanceHost) string {
	lb := "the platform's load balancer once it has a name"
	if target != "" {
		lb = "the platform's load balancer " + target
	}
	where := fmt.Sprintf("platform %q has no DNS domain", platform)
	if domain != "" {
		where = "they are outside the platform's domain " + domain
	}
	return fmt.Sprintf("%s are not named or certified here, as %s: point them at %s with a CNAME; its certificates do not cover them", fqdns(hosts), where, lb)
}

// dnsNote is what the instance's names wait for (Waiting), and what its
// operator has to do (Info).
type dnsNote struct {
	Waiting []string
	Info    []string
}

// String says what the instance waits for, then what its operator has to
// do.
func (n dnsNote) String() string {
	var parts []string
	if len(n.Waiting) > 0 {
		parts = append(parts, "waiting for "+strings.Join(n.Waiting, ", and for "))
	}
	return strings.Join(append(parts, n.Info...), "; ")
}

// fqdns lists the hosts' names.
func fqdns(hosts []instanceHost) string {
	names := make([]string, 0, len(hosts))
	for _, h := range hosts {
		names = append(names, h.FQDN)
	}
	return strings.Join(names, ", ")
}
