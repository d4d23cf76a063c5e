package main

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// inputs is what a builder reads besides the plan.
type inputs struct {
	Observed map[resource.Name]resource.ObservedComposed
	// Cluster are the values the cluster needs that only AWS knows.
	Cluster clusterInputs
	// Tenants is the platform's ledger of this reconcile.
	Tenants v1alpha1.TenantsStatus
}

// built is what a builder composes, and what it waits for.
type built struct {
	Resources []compose.Resource
	// Missing names what some resources wait for: the platform is not
	// ready meanwhile; the rest is composed.
	Missing []string
	// Deprovisioning names what dropping deleted tenants' data waits for,
	// and Failed why it failed; neither keeps the platform from being
	// ready.
	Deprovisioning []string
	Failed         []string
}

// builder composes one part of the platform: every part has this one
// shape, and RunFunction runs them in a list.
type builder func(p *plan, in inputs) (built, error)

// foundation is composed from the first reconcile: the network, what the
// cluster needs, the data stores and the edge.
var foundation = []builder{
	func(p *plan, _ inputs) (built, error) { return built{Resources: network(p)}, nil },
	func(p *plan, _ inputs) (built, error) {
		rs, err := clusterPrerequisites(p)
		return built{Resources: rs}, err
	},
	fromTier(dataTier),
	fromTier(edgeTier),
	fromTier(flowLogsTier),
}

// onCluster is composed once AWS has reported what the cluster needs: the
// cluster, its settings, the spot NodePool, the provisioner, the default StorageClass, and the
// jobs that drop deleted tenants' data.
var onCluster = []builder{
	func(p *plan, in inputs) (built, error) { return built{Resources: cluster(p, in.Cluster)}, nil },
	func(p *plan, in inputs) (built, error) {
		rs, err := clusterSettings(p, in.Observed)
		return built{Resources: rs}, err
	},
	func(p *plan, in inputs) (built, error) {
		rs, err := spotNodePool(p, in.Observed)
		return built{Resources: rs}, err
	},
	fromTier(provisioner),
	fromTier(blockStorage),
	// Deleted tenants' data, dropped only while listed in the ledger.
	func(p *plan, in inputs) (built, error) {
		rs, pending, failed, err := deprovisionObjects(p, in.Observed, in.Tenants.Deprovisioning)
		return built{Resources: rs, Deprovisioning: pending, Failed: failed}, err
	},
}

// fromTier is a tier as a builder.
func fromTier(t tier) builder {
	return func(p *plan, in inputs) (built, error) {
		rs, missing, err := t(p, in.Observed)
		return built{Resources: rs, Missing: missing}, err
	}
}

// build runs builders in order, adding what each composes to d, and
// gathers what they wait for.
func build(p *plan, in inputs, d *compose.Desired, builders []builder) (built, error) {
	var all built
	for _, b := range builders {
		out, err := b(p, in)
		if err != nil {
			return all, err
		}
		if err := d.AddAll(out.Resources...); err != nil {
			return all, err
		}
		all.Missing = append(all.Missing, out.Missing...)
		all.Deprovisioning = append(all.Deprovisioning, out.Deprovisioning...)
		all.Failed = append(all.Failed, out.Failed...)
	}
	return all, nil
}
