package main

import (
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
}

// edgeNames composes the instance's DNS records and certificate.
func edgeNames(p *plan, v platformView, observed map[resource.Name]resource.ObservedComposed) (dnsState, error) {
	aws, _ := newAWSTarget(v)
	rs, arn, note, err := dnsResources(p, aws, v.Status.Edge, observed)
	if err != nil {
		return dnsState{}, err
	}
	return dnsState{Resources: rs, CertificateARN: arn, Message: note.String(), Waiting: len(note.Waiting) > 0}, nil
}
