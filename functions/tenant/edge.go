package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// dnsState is the instance's names and certificate on the platform's edge.
type dnsState struct {
	Resources []compose.Resource
	// CertificateARN is the instance's own certificate once issued.
	CertificateARN string
	// Waiting is true while a record or the certificate waits for
	// something; Message says what, or advises on hosts outside the
	// platform's domain.
	Waiting bool
	Message string
	// NoDomain is true when the platform has no DNS domain: it has no
	// load balancer then, and nothing routes to the instance until the
	// operator gives the platform a domain. Message says so.
	NoDomain bool
}

// edgeNames composes the instance's DNS records and certificate.
func edgeNames(p *plan, v platformView, observed map[resource.Name]resource.ObservedComposed) dnsState {
	aws, pending := newAWSTarget(v)
	if v.Status.Edge.Domain != "" && !aws.placed() {
		// Records need only this of what newAWSTarget waits for, which it
		// checks first, so pending names it. What exists is kept meanwhile
		// (fn.go), as dataResources waits too.
		return dnsState{Message: pending, Waiting: true}
	}
	rs, arn, note := dnsResources(p, aws, v.Status.Edge, observed)
	if v.Found && v.Status.Edge.Domain == "" {
		return dnsState{Resources: rs, NoDomain: true, Message: noDomain(p, v.Name)}
	}
	return dnsState{Resources: rs, CertificateARN: arn, Message: note.String(), Waiting: len(note.Waiting) > 0}
}

// noDomain tells the operator of a platform without a DNS domain what to
// do: such a platform has no load balancer, so no name pointed anywhere
// would reach the instance.
func noDomain(p *plan, platform string) string {
	return fmt.Sprintf("nothing routes to %s: platform %q has no DNS domain, so it has no load balancer. "+
		"Set the platform's spec.dns.domain (a Route53 zone it creates, or adopts with spec.dns.hostedZoneId) and delegate the domain to its status.edge.nameServers; "+
		"the instance is then routed by itself", fqdns(p.hosts()), platform)
}
