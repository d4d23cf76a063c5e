package main

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// platformStatus is what tenants and operators read, taken from what AWS
// reported. Identifiers are empty until AWS has created the resource.
func platformStatus(p *plan, observed map[resource.Name]resource.ObservedComposed, clusterComposed bool) v1alpha1.XPlatformStatus {
	id := func(n resource.Name) string { return compose.ObservedString(observed, n, "status.atProvider.id") }
	// A tier's ids are published once every zone's subnet has one, so
	// that the list always lines up with availabilityZones.
	ids := func(t Tier) []string {
		out := make([]string, 0, len(p.Zones))
		for _, z := range p.Zones {
			v := id(nameSubnet(t, z))
			if v == "" {
				return nil
			}
			out = append(out, v)
		}
		return out
	}
	cl := func(path string) string { return compose.ObservedString(observed, nameCluster, path) }

	s := v1alpha1.XPlatformStatus{
		Region:            p.Region,
		AvailabilityZones: p.Zones,
		CostCenter:        p.CostCenter,
		// The provider config and the VPC's block are the spec's, with its
		// defaults applied here: tenants read them from the status alone.
		ProviderConfigName: p.ProviderConfigName,
		Network: v1alpha1.NetworkStatus{
			VPCCIDR:             p.VPC.String(),
			VPCID:               id(nameVPC),
			PublicSubnetIDs:     ids(TierPublic),
			PrivateAppSubnetIDs: ids(TierPrivateApp),
			PrivateDBSubnetIDs:  ids(TierPrivateDB),
		},
		Cluster: v1alpha1.ClusterStatus{
			Name:       p.clusterName(),
			ARN:        cl("status.atProvider.arn"),
			Endpoint:   cl("status.atProvider.endpoint"),
			Version:    cl("status.atProvider.version"),
			OIDCIssuer: cl("status.atProvider.identity[0].oidc[0].issuer"),
			Ready:      compose.IsReady(observed, nameCluster) && compose.IsReady(observed, nameClusterAuth),
		},
	}
	s.Database = databaseStatus(observed)
	s.Cache = cacheStatus(p, observed)
	s.MongoDB = mongodbStatus(p, observed)
	s.Search = searchStatus(observed)
	s.Edge = edgeStatus(p, observed)
	s.AccountID, s.DataKeyARN = dataKeyStatus(p, observed)
	if clusterComposed {
		s.Cluster.ProviderConfigName = p.kubernetesProviderConfigName()
		s.Provisioner = provisionerStatus(observed)
		if p.SpotForTenants {
			s.Cluster.SpotNodePool = spotNodePoolStatus(observed)
		}
	}
	return s
}
