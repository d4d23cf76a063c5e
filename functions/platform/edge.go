package main

import (
	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// roleZone labels the platform's public hosted zone.
const roleZone = "public-zone"

const nameZone resource.Name = "dns-zone"

// zoneRef points a Route53 record at the platform's public zone: the
// adopted zone by id, or the composed one by selector.
func (p *plan) zoneRef() (zoneID *string, sel *xpv1.Selector) {
	if p.HostedZoneID != "" {
		return ptr.To(p.HostedZoneID), nil
	}
	return nil, selector(map[string]string{LabelRole: roleZone})
}

// record is a Route53 record in the platform's public zone.
func record(p *plan, name resource.Name, fqdn, typ string, ttl int, values ...string) compose.Resource {
	id, sel := p.zoneRef()
	return compose.Resource{Name: name, Object: &r53v1beta1.Record{
		Spec: r53v1beta1.RecordSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: r53v1beta1.RecordParameters{
				Region:         &p.Region,
				Name:           ptr.To(fqdn),
				Type:           ptr.To(typ),
				TTL:            ptr.To(float64(ttl)),
				Records:        compose.StringPtrs(values),
				ZoneID:         id,
				ZoneIDSelector: sel,
			},
		},
	}}
}

// tier composes one part of the platform. missing names what some of its
// resources wait for; the rest is composed meanwhile.
type tier func(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error)

// edgeTier composes everything between the Internet and the cluster, and
// the operators' way in.
func edgeTier(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	registryTier := func(p *plan, _ map[resource.Name]resource.ObservedComposed) ([]compose.Resource, []string, error) {
		rs, err := registry(p)
		return rs, nil, err
	}
	for _, build := range []tier{dns, ingress, cdn, email, registryTier, bastion} {
		brs, m, err := build(p, observed)
		if err != nil {
			return nil, nil, err
		}
		rs = append(rs, brs...)
		missing = append(missing, m...)
	}
	return rs, missing, nil
}

// edgeStatus is what tenants attach to.
func edgeStatus(p *plan, observed map[resource.Name]resource.ObservedComposed) v1alpha1.EdgeStatus {
	s := v1alpha1.EdgeStatus{}
	dnsStatus(p, observed, &s)
	ingressStatus(p, observed, &s)
	cdnStatus(p, observed, &s)
	s.MailFrom, s.SendingPolicyARN = emailStatus(p, observed)
	s.SMTPHost, s.SMTPPort = sesSMTPHost(p.Region), sesSMTPPort
	s.Repositories = registryStatus(p, observed)
	s.BastionInstanceID = bastionStatus(p, observed)
	return s
}
