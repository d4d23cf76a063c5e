package main

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/provisionjob"
)

// dataState is the instance's AWS footprint and provisioning, and what its
// status reports of them.
type dataState struct {
	Resources []compose.Resource
	// Complete is true when every data resource could be built: whatever
	// else is observed is stale. Until then, observed resources that
	// could not be built are kept as they are.
	Complete bool
	// Pending says what the instance still waits for; empty once its
	// databases, users and configuration exist.
	Pending string
	// Warning is what the operator asked for and does not get; nil if
	// nothing.
	Warning     error
	RoleARN     string
	Buckets     v1alpha1.TenantBuckets
	Provisioned bool
}

// dataResources composes the instance's bucket, identities and
// configuration secret once the platform has reported what they need, and
// its provisioning once those exist.
func dataResources(p *plan, v platformView, observed map[resource.Name]resource.ObservedComposed) (dataState, error) {
	var s dataState
	s.Resources = append(s.Resources, platformUsage(v.Name, p.Name))
	aws, pending := newAWSTarget(v)
	if pending != "" {
		s.Pending = pending
		return s, nil
	}
	s.Resources = append(s.Resources, storageBucket(p, aws)...)
	s.Resources = append(s.Resources, credentialUsages(observed)...)
	s.Buckets.Storage = p.storageBucketName(aws.Platform, aws.Account, aws.Region)
	if aws.StaticBucket != "" {
		s.Buckets.Static = aws.StaticBucket + "/" + p.staticPrefix()
	}
	ids, err := identityResources(p, aws)
	if err != nil {
		return s, err
	}
	s.Resources = append(s.Resources, ids...)
	s.RoleARN = compose.ObservedString(observed, nameRole, "status.atProvider.arn")

	var waiting []string
	for _, n := range []resource.Name{nameConfigSecret, nameRole, namePodIdentity} {
		if !compose.IsReady(observed, n) {
			waiting = append(waiting, string(n))
		}
	}
	if aws.SendingPolicyARN != "" && !compose.IsReady(observed, nameSMTPUser) {
		waiting = append(waiting, string(nameSMTPUser))
	}
	if len(waiting) > 0 {
		s.Pending = "waiting for AWS to create " + strings.Join(waiting, ", ")
		return s, nil
	}

	pr, pending := newProvisioning(p, v)
	if pending != "" {
		s.Pending = pending
		return s, nil
	}
	s.Warning = staticAssetsWarning(p, pr)
	labels := p.labels(v.Name, v.CostCenter)
	prov, job, err := provisionObjects(p, pr, labels, v.ProviderConfig)
	if err != nil {
		return s, err
	}
	delivery, err := configDeliveryObjects(p, pr, labels, v.ProviderConfig)
	if err != nil {
		return s, err
	}
	s.Resources = append(s.Resources, prov...)
	s.Resources = append(s.Resources, delivery...)
	s.Complete = true
	s.Provisioned = provisionjob.Succeeded(observed, job)
	switch {
	case s.Provisioned:
	case provisionFailure(observed, job) != "":
		s.Pending = provisionFailure(observed, job)
	default:
		s.Pending = fmt.Sprintf("provisioning Job %s/%s is creating the instance's database users and configuration", pr.Namespace, job)
	}
	return s, nil
}
