package pricing

// Pages the prices are read from. Each price of a region cites its page;
// the pages show every region through their region selector.
const (
	pageEKS         = "https://aws.amazon.com/eks/pricing/"
	pageVPC         = "https://aws.amazon.com/vpc/pricing/"
	pagePrivateLink = "https://aws.amazon.com/privatelink/pricing/"
	pageEC2         = "https://aws.amazon.com/ec2/pricing/on-demand/"
	pageEBS         = "https://aws.amazon.com/ebs/pricing/"
	pageAurora      = "https://aws.amazon.com/rds/aurora/pricing/"
	pageElastiCache = "https://aws.amazon.com/elasticache/pricing/"
	pageOpenSearch  = "https://aws.amazon.com/opensearch-service/pricing/"
	pageELB         = "https://aws.amazon.com/elasticloadbalancing/pricing/"
	pageWAF         = "https://aws.amazon.com/waf/pricing/"
	pageRoute53     = "https://aws.amazon.com/route53/pricing/"
	pageSecrets     = "https://aws.amazon.com/secrets-manager/pricing/"
	pageKMS         = "https://aws.amazon.com/kms/pricing/"
)

// sized are per-hour prices of sized things in one region, in dollars.
type sized map[string]float64

// regionPrices are one region's prices in dollars, as the pages show them.
type regionPrices struct {
	date                                string
	nat, endpointAZ, alb                float64
	acu, gp3, openSearchGP3             float64
	ec2, autoModeFee, aurora, cache, os sized
}

// Prices the same in every region the table covers.
const (
	eksClusterHour = 0.10 // standard support; extended support is never used
	publicIPv4Hour = 0.005
	wafWebACLMonth = 5.00
	wafRuleMonth   = 1.00
	zoneMonth      = 0.50 // the first 25 hosted zones
	secretMonth    = 0.40
	kmsKeyMonth    = 1.00
)

// nodeShapes are C and M instances of the same generation and size that
// Auto Mode's general-purpose NodePool may launch.
var nodeShapes = [2]NodeShape{{"c6a.large", 2, 4}, {"m6a.large", 2, 8}}

// table is the price table, recorded by hand from the pages above on its
// date; nothing fetches prices at build time, so a change of AWS's prices
// is a change here, with a new date. To price a new thing, add its price to every
// region here and an Item for it in pricing.go. Auto Mode's fee is listed
// per instance type on the EKS page, at 12% of the EC2 price.
var table = map[string]regionPrices{
	"us-east-1": {
		date: "2026-12-04", nat: 0.045, endpointAZ: 0.01, alb: 0.0225,
		acu: 0.12, gp3: 0.08, openSearchGP3: 0.122,
		ec2:         sized{"t4g.nano": 0.0042, "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336, "r7g.large": 0.1071, "c6a.large": 0.0765, "m6a.large": 0.0864},
		autoModeFee: sized{"c6a.large": 0.00918, "m6a.large": 0.010368},
		aurora:      sized{"db.r7g.large": 0.276},
		cache:       sized{"cache.t4g.micro": 0.016, "cache.t4g.small": 0.032, "cache.r7g.large": 0.219},
		os:          sized{"t3.small.search": 0.036, "r7g.large.search": 0.177, "m7g.large.search": 0.136},
	},
	"us-west-2": {
		date: "2026-12-04", nat: 0.045, endpointAZ: 0.01, alb: 0.0225,
		acu: 0.12, gp3: 0.08, openSearchGP3: 0.122,
		ec2:         sized{"t4g.nano": 0.0042, "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336, "r7g.large": 0.1071, "c6a.large": 0.0765, "m6a.large": 0.0864},
		autoModeFee: sized{"c6a.large": 0.00918, "m6a.large": 0.010368},
		aurora:      sized{"db.r7g.large": 0.276},
		cache:       sized{"cache.t4g.micro": 0.016, "cache.t4g.small": 0.032, "cache.r7g.large": 0.219},
		os:          sized{"t3.small.search": 0.036, "r7g.large.search": 0.177, "m7g.large.search": 0.136},
	},
	"eu-west-1": {
		date: "2026-12-04", nat: 0.048, endpointAZ: 0.011, alb: 0.0252,
		acu: 0.13, gp3: 0.088, openSearchGP3: 0.136,
		ec2:         sized{"t4g.nano": 0.0046, "t4g.micro": 0.0092, "t4g.small": 0.0184, "t4g.medium": 0.0368, "r7g.large": 0.1124, "c6a.large": 0.0864, "m6a.large": 0.0963},
		autoModeFee: sized{"c6a.large": 0.010368, "m6a.large": 0.011556},
		aurora:      sized{"db.r7g.large": 0.307},
		cache:       sized{"cache.t4g.micro": 0.018, "cache.t4g.small": 0.036, "cache.r7g.large": 0.243},
		os:          sized{"t3.small.search": 0.039, "r7g.large.search": 0.196, "m7g.large.search": 0.150},
	},
}

var regions = func() map[string]Region {
	out := make(map[string]Region, len(table))
	for name, t := range table {
		p := map[Item]Price{
			EKSCluster:          {USD(eksClusterHour), PerHour, pageEKS},
			NATGateway:          {USD(t.nat), PerHour, pageVPC},
			PublicIPv4:          {USD(publicIPv4Hour), PerHour, pageVPC},
			InterfaceEndpointAZ: {USD(t.endpointAZ), PerHour, pagePrivateLink},
			AuroraACU:           {USD(t.acu), PerHour, pageAurora},
			EBSgp3:              {USD(t.gp3), PerGiBMonth, pageEBS},
			OpenSearchGP3:       {USD(t.openSearchGP3), PerGiBMonth, pageOpenSearch},
			ALB:                 {USD(t.alb), PerHour, pageELB},
			WAFWebACL:           {USD(wafWebACLMonth), PerMonth, pageWAF},
			WAFRule:             {USD(wafRuleMonth), PerMonth, pageWAF},
			HostedZone:          {USD(zoneMonth), PerMonth, pageRoute53},
			Secret:              {USD(secretMonth), PerMonth, pageSecrets},
			KMSKey:              {USD(kmsKeyMonth), PerMonth, pageKMS},
		}
		for _, s := range []struct {
			item func(string) Item
			page string
			m    sized
		}{
			{EC2, pageEC2, t.ec2}, {AutoModeFee, pageEKS, t.autoModeFee}, {AuroraMySQL, pageAurora, t.aurora},
			{ElastiCache, pageElastiCache, t.cache}, {OpenSearch, pageOpenSearch, t.os},
		} {
			for k, v := range s.m {
				p[s.item(k)] = Price{USD(v), PerHour, s.page}
			}
		}
		out[name] = Region{Name: name, Date: t.date, Prices: p, NodeShapes: nodeShapes}
	}
	return out
}()
