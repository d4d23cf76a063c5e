package main

import (
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
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
func edgeNames(p *plan, t placement, pl *v1alpha1.XPlatform, observed map[resource.Name]resource.ObservedComposed) (dnsState, error) {
	aws, _ := newAWSTarget(pl, t.CostCenter)
	rs, arn, msg, err := dnsResources(p, aws, pl, observed)
	if err != nil {
		return dnsState{}, err
	}
	return dnsState{Resources: rs, CertificateARN: arn, Message: msg, Waiting: strings.HasPrefix(msg, "waiting for ")}, nil
}

// ingressCertificates are the certificates of the instance's Ingress: the
// platform's wildcard and the instance's own. Without the platform, those
// of the existing Ingress are kept.
func ingressCertificates(pl *v1alpha1.XPlatform, own string, observed map[resource.Name]resource.ObservedComposed) []string {
	if pl == nil || pl.Status.Edge.CertificateARN == "" {
		existing := compose.ObservedString(observed, nameIngress, "spec.forProvider.manifest.metadata.annotations['"+annotationCertificateARN+"']")
		if existing == "" {
			return nil
		}
		return strings.Split(existing, ",")
	}
	arns := []string{pl.Status.Edge.CertificateARN}
	if own != "" {
		arns = append(arns, own)
	}
	return arns
}
