package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/pricing"
)

// priced is one line of a component: qty of an item.
type priced struct {
	Item pricing.Item
	Qty  float64
}

// component is one part of the platform's estimate.
type component struct {
	Name   string
	Detail string
	Lines  []priced
}

// costComponents are the priced parts of what the platform composes, from
// its plan, and flat-priced resources counted among those it composes.
// Pricing a new part is one entry here.
func costComponents(p *plan, flat map[pricing.Item]int) []component {
	zones := float64(len(p.Zones))
	nat := float64(len(p.natZones()))
	cs := []component{
		{"eks", "control plane, standard support", []priced{{pricing.EKSCluster, 1}}},
		{"nat-gateways", fmt.Sprintf("%d NAT gateways and their public IPv4 addresses", len(p.natZones())), []priced{{pricing.NATGateway, nat}, {pricing.PublicIPv4, nat}}},
	}
	if p.Bastion && p.SSMEndpoints {
		cs = append(cs, component{"ssm-endpoints", fmt.Sprintf("%d interface endpoints in %d zones", len(ssmEndpointServices), len(p.Zones)), []priced{{pricing.InterfaceEndpointAZ, float64(len(ssmEndpointServices)) * zones}}})
	}
	if p.Bastion {
		cs = append(cs,
			component{"bastion", fmt.Sprintf("1 x %s, %d GiB gp3", p.BastionType, bastionRootVolumeGiB), []priced{{pricing.EC2(p.BastionType), 1}, {pricing.EBSgp3, bastionRootVolumeGiB}}},
		)
	}
	if p.Profile == v1alpha1.ProfileSmall {
		// Serverless v2 bills its minimum capacity when idle; the estimate
		// is that floor.
		cs = append(cs, component{"database", fmt.Sprintf("Aurora Serverless v2 at its minimum, %g ACU", serverlessMinCapacity), []priced{{pricing.AuroraACU, serverlessMinCapacity}}})
	} else {
		n := databaseInstances(p)
		cs = append(cs, component{"database", fmt.Sprintf("%d x %s", n, p.Database.InstanceClass), []priced{{pricing.AuroraMySQL(p.Database.InstanceClass), float64(n)}}})
	}
	cs = append(cs, component{"cache", fmt.Sprintf("%d x %s", cacheNodes(p), p.Cache.NodeType), []priced{{pricing.ElastiCache(p.Cache.NodeType), float64(cacheNodes(p))}}})
	if p.MongoDB.External == nil {
		gib := mongodbRootVolumeGiB + p.MongoDB.VolumeSizeGiB
		cs = append(cs, component{"mongodb", fmt.Sprintf("%d x %s, %d GiB gp3 each", mongodbMemberCount, p.MongoDB.InstanceType, gib),
			[]priced{{pricing.EC2(p.MongoDB.InstanceType), mongodbMemberCount}, {pricing.EBSgp3, float64(mongodbMemberCount * gib)}}})
	}
	if p.OpenSearch.Enabled {
		data, masters := searchNodes(p)
		lines := []priced{{pricing.OpenSearch(p.OpenSearch.InstanceType), float64(data)}, {pricing.OpenSearchGP3, float64(data * p.OpenSearch.VolumeSizeGiB)}}
		detail := fmt.Sprintf("%d x %s, %d GiB each", data, p.OpenSearch.InstanceType, p.OpenSearch.VolumeSizeGiB)
		if masters > 0 {
			lines = append(lines, priced{pricing.OpenSearch(searchMasterType), float64(masters)})
			detail += fmt.Sprintf("; %d x %s masters", masters, searchMasterType)
		}
		cs = append(cs, component{"opensearch", detail, lines})
	}
	if p.Domain != "" {
		// The ALB is the load balancer controller's, from the platform's
		// IngressClass: one for every tenant, with an address in each zone.
		cs = append(cs,
			component{"load-balancer", fmt.Sprintf("1 ALB, %d public IPv4 addresses", len(p.Zones)), []priced{{pricing.ALB, 1}, {pricing.PublicIPv4, zones}}},
			component{"waf", fmt.Sprintf("2 web ACLs (load balancer, CloudFront), %d rules", wafRuleCount(p)), []priced{{pricing.WAFWebACL, 2}, {pricing.WAFRule, float64(wafRuleCount(p))}}},
		)
	}
	for _, f := range flatPriced {
		if n := flat[f.Item]; n > 0 {
			cs = append(cs, component{f.Name, fmt.Sprintf("%d %s", n, f.What), []priced{{f.Item, float64(n)}}})
		}
	}
	return cs
}

// wafRuleCount is the rules of the load balancer's and the distribution's
// web ACLs, each billed monthly.
func wafRuleCount(p *plan) int {
	return len(wafRules(managedRuleGroups, p.RateLimit)) + len(wafRules(staticRuleGroups, p.StaticRateLimit))
}

// serverlessMinCapacity is the small profile's Aurora minimum, in ACUs.
const serverlessMinCapacity = 0.5

// databaseInstances is the number of Aurora instances: the writer and its
// readers (small runs one, and has no readers).
func databaseInstances(p *plan) int {
	return 1 + *p.Database.Readers
}

// cacheNodes is the number of Valkey nodes: the primary and its replicas.
func cacheNodes(p *plan) int {
	return 1 + *p.Cache.Replicas
}

// searchMasterType is the dedicated masters' instance type.
const searchMasterType = "m7g.large.search"

// searchNodes are OpenSearch's data nodes and dedicated masters.
func searchNodes(p *plan) (data, masters int) {
	if p.Profile == v1alpha1.ProfileProduction {
		return len(p.Zones), 3
	}
	return 1, 0
}

// flatPriced are kinds of composed resource with a fixed monthly price
// each, counted among the desired resources, so that any builder's new
// key, secret or zone is priced.
var flatPriced = []struct {
	Name, What, Group, Kind string
	Item                    pricing.Item
}{
	{"kms-keys", "KMS keys", "kms.aws.upbound.io", "Key", pricing.KMSKey},
	{"secrets", "Secrets Manager secrets", "secretsmanager.aws.upbound.io", "Secret", pricing.Secret},
	{"hosted-zones", "Route 53 hosted zones", "route53.aws.upbound.io", "Zone", pricing.HostedZone},
}

// countFlatPriced counts the desired resources of each flat-priced kind.
func countFlatPriced(desired map[resource.Name]*resource.DesiredComposed) map[pricing.Item]int {
	out := map[pricing.Item]int{}
	for _, d := range desired {
		if d == nil || d.Resource == nil {
			continue
		}
		gv := d.Resource.GetAPIVersion()
		for _, f := range flatPriced {
			if d.Resource.GetKind() == f.Kind && strings.HasPrefix(gv, f.Group+"/") {
				out[f.Item]++
			}
		}
	}
	return out
}

// excluded is what every estimate leaves out.
const excluded = "data transfer, per-request charges (ALB LCUs, CloudFront, WAF, S3, Route 53 queries, SES), storage that grows with use (Aurora, S3, ECR, backups, logs), taxes and discounts"

// platformCost prices the components in the platform's region. A part the
// table has no price for is left out of the total and named in Excluded:
// the estimate never stops the platform from being composed.
func platformCost(p *plan, flat map[pricing.Item]int) *v1alpha1.CostStatus {
	r, ok := pricing.For(p.Region)
	if !ok {
		return &v1alpha1.CostStatus{Region: p.Region, Excluded: fmt.Sprintf("everything: the price table covers %s only", strings.Join(pricing.Regions(), ", "))}
	}
	s := &v1alpha1.CostStatus{Currency: "USD", Region: p.Region, PriceDate: r.Date}
	var total pricing.MicroUSD
	var unpriced []string
	for _, c := range costComponents(p, flat) {
		var sum pricing.MicroUSD
		missing := false
		for _, l := range c.Lines {
			pr, err := r.Price(l.Item)
			if err != nil {
				unpriced = append(unpriced, string(l.Item))
				missing = true
				continue
			}
			sum += pr.Monthly(l.Qty)
		}
		if missing {
			continue
		}
		// The total is the sum of the rounded components, so that the
		// published figures add up.
		total += roundCents(sum)
		s.Components = append(s.Components, v1alpha1.CostComponent{Name: c.Name, Monthly: sum.Cents(), Detail: c.Detail})
	}
	if nr, err := r.NodeRates(); err == nil {
		s.Rates = &v1alpha1.NodeRates{VCPUHour: nr.VCPUHour.Rate(), GiBHour: nr.GiBHour.Rate()}
		sum := systemPodsMonthly(p, nr)
		total += roundCents(sum)
		s.Components = append(s.Components, v1alpha1.CostComponent{Name: "system-pods", Monthly: sum.Cents(),
			Detail: fmt.Sprintf("%dm CPU and %dMi requested by metrics-server and the Secrets Store CSI driver on %d nodes", systemPodsMilliCPU(p), systemPodsMiB(p), len(p.Zones))})
	} else {
		unpriced = append(unpriced, "node rates")
	}
	s.Monthly = total.Cents()
	s.Excluded = excluded
	if len(unpriced) > 0 {
		slices.Sort(unpriced)
		s.Excluded = "no list price in the table for " + strings.Join(slices.Compact(unpriced), ", ") + "; and " + excluded
	}
	return s
}

// The platform's own pods on the nodes Auto Mode runs for tenants, at their
// upstream defaults: metrics-server, two replicas as EKS's add-on runs it
// (100m and 200Mi each, kubernetes-sigs/metrics-server components.yaml),
// and on every node the Secrets Store CSI driver (50m/100Mi, its registrar
// and liveness probe 10m/20Mi each, kubernetes-sigs/secrets-store-csi-driver
// chart) with its AWS provider (50m/100Mi, aws/secrets-store-csi-driver-
// provider-aws chart). Nodes are counted one per zone, the fewest over which
// tenants spread. Auto Mode's own components (CoreDNS, kube-proxy, the CNI)
// run outside the nodes' allocatable capacity.
const (
	metricsServerReplicas                   = 2
	metricsServerMilliCPU, metricsServerMiB = 100, 200
	perNodeMilliCPU, perNodeMiB             = 50 + 10 + 10 + 50, 100 + 20 + 20 + 100
)

func systemPodsMilliCPU(p *plan) int {
	return metricsServerReplicas*metricsServerMilliCPU + len(p.Zones)*perNodeMilliCPU
}

func systemPodsMiB(p *plan) int {
	return metricsServerReplicas*metricsServerMiB + len(p.Zones)*perNodeMiB
}

// systemPodsMonthly prices the system pods' requests at the node rates
// the platform publishes for its tenants.
func systemPodsMonthly(p *plan, nr pricing.NodeRates) pricing.MicroUSD {
	cpu := float64(systemPodsMilliCPU(p)) / 1000 * float64(nr.VCPUHour)
	mem := float64(systemPodsMiB(p)) / 1024 * float64(nr.GiBHour)
	return pricing.MicroUSD((cpu + mem) * pricing.HoursPerMonth)
}

// roundCents rounds to the nearest cent.
func roundCents(m pricing.MicroUSD) pricing.MicroUSD { return (m + 5000) / 10000 * 10000 }
