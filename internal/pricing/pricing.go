// Package pricing is a dated table of AWS on-demand list prices, per region,
// for what the platform and its tenants compose, and the arithmetic to turn
// them into monthly estimates. Amounts are integers of micro-dollars so that
// sums of many hourly prices are exact; they are shown as decimal strings.
//
// What the table leaves out, and so every estimate built on it: data
// transfer (Internet, cross-zone, NAT and CloudFront per-GB charges),
// requests (S3, CloudFront, WAF, Route 53 queries, SES messages, KMS and
// Secrets Manager API calls, ALB LCUs), storage that grows with use (Aurora
// storage and I/O, S3, ECR, snapshots and backups beyond the free
// allowance, CloudWatch Logs ingestion and storage), taxes, and any
// discount (Savings Plans, reserved instances, free tier).
package pricing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
)

// MicroUSD is an amount in millionths of a US dollar.
type MicroUSD int64

// HoursPerMonth is AWS's convention for monthly figures on its price pages.
const HoursPerMonth = 730

// USD is a whole amount of dollars.
func USD(dollars float64) MicroUSD { return MicroUSD(dollars*1e6 + 0.5) }

// Cents rounds to the nearest cent and formats as "1234.56".
func (m MicroUSD) Cents() string {
	c := (int64(m) + 5000) / 10000
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}

// Rate formats to six decimal places, for per-hour rates.
func (m MicroUSD) Rate() string {
	return fmt.Sprintf("%d.%06d", int64(m)/1e6, int64(m)%1e6)
}

// Unit is what a price is per.
type Unit string

// Units of prices.
const (
	PerHour     Unit = "hour"
	PerMonth    Unit = "month"
	PerGiBMonth Unit = "GiB-month"
)

// Price is one list price with where it was read.
type Price struct {
	Amount MicroUSD
	Unit   Unit
	Source string
}

// Monthly is the price of qty units for a month: qty instances for 730
// hours, qty months, or qty GiB for a month.
func (p Price) Monthly(qty float64) MicroUSD {
	a := float64(p.Amount) * qty
	if p.Unit == PerHour {
		a *= HoursPerMonth
	}
	return MicroUSD(a + 0.5)
}

// Item names a price: a service and, for sized things, the size.
type Item string

// Items that are not sized.
const (
	EKSCluster          Item = "eks/cluster"
	NATGateway          Item = "vpc/nat-gateway"
	PublicIPv4          Item = "vpc/public-ipv4"
	InterfaceEndpointAZ Item = "vpc/interface-endpoint-az"
	AuroraACU           Item = "rds/aurora-serverless-v2-acu"
	EBSgp3              Item = "ebs/gp3"
	OpenSearchGP3       Item = "opensearch/gp3"
	ALB                 Item = "elb/application"
	WAFWebACL           Item = "waf/web-acl"
	WAFRule             Item = "waf/rule"
	HostedZone          Item = "route53/hosted-zone"
	Secret              Item = "secretsmanager/secret"
	KMSKey              Item = "kms/key"
)

// Sized items: EC2 instance types, Aurora MySQL instance classes,
// ElastiCache node types and OpenSearch instance types.
func EC2(t string) Item             { return Item("ec2/" + t) }
func AutoModeFee(t string) Item     { return Item("eks/auto-mode/" + t) }
func AuroraMySQL(class string) Item { return Item("rds/aurora-mysql/" + class) }
func ElastiCache(node string) Item  { return Item("elasticache/" + node) }
func OpenSearch(t string) Item      { return Item("opensearch/" + t) }

// NodeShape is an instance type whose price splits into per-vCPU and
// per-GiB rates.
type NodeShape struct {
	Type   string
	VCPU   int64
	MemGiB int64
}

// Region is the price table of one region.
type Region struct {
	Name string
	// Date the prices were read from the pages they cite.
	Date   string
	Prices map[Item]Price
	// NodeShapes are two instance types of the kind EKS Auto Mode's
	// general-purpose NodePool launches (on-demand, amd64, C/M/R families
	// of generation 5 or later), of equal vCPUs and different memory, from
	// whose prices the per-vCPU and per-GiB rates are derived.
	NodeShapes [2]NodeShape
}

// ErrNoPrice is returned for an item the table does not have.
type ErrNoPrice struct {
	Region string
	Item   Item
}

func (e ErrNoPrice) Error() string {
	return fmt.Sprintf("the price table of %s has no price for %s", e.Region, e.Item)
}

// Price of an item in the region.
func (r Region) Price(i Item) (Price, error) {
	p, ok := r.Prices[i]
	if !ok {
		return Price{}, ErrNoPrice{Region: r.Name, Item: i}
	}
	return p, nil
}

// NodeRates are what one vCPU and one GiB of memory of an Auto Mode node
// cost per hour, management fee included.
type NodeRates struct {
	VCPUHour, GiBHour MicroUSD
}

// NodeRates splits the two node shapes' prices (EC2 plus Auto Mode's fee)
// into a per-vCPU and a per-GiB rate: the memory difference prices a GiB,
// and what remains of the smaller one prices its vCPUs.
func (r Region) NodeRates() (NodeRates, error) {
	var hourly [2]MicroUSD
	for i, s := range r.NodeShapes {
		ec2, err := r.Price(EC2(s.Type))
		if err != nil {
			return NodeRates{}, err
		}
		fee, err := r.Price(AutoModeFee(s.Type))
		if err != nil {
			return NodeRates{}, err
		}
		hourly[i] = ec2.Amount + fee.Amount
	}
	a, b := r.NodeShapes[0], r.NodeShapes[1]
	if a.VCPU != b.VCPU || a.MemGiB >= b.MemGiB || hourly[0] >= hourly[1] {
		return NodeRates{}, errors.Errorf("the node shapes of %s must have equal vCPUs, the second more memory and a higher price", r.Name)
	}
	gib := (hourly[1] - hourly[0]) / MicroUSD(b.MemGiB-a.MemGiB)
	vcpu := (hourly[0] - gib*MicroUSD(a.MemGiB)) / MicroUSD(a.VCPU)
	return NodeRates{VCPUHour: vcpu, GiBHour: gib}, nil
}

// For is the table of a region.
func For(region string) (Region, bool) {
	r, ok := regions[region]
	return r, ok
}

// Regions the table covers, sorted.
func Regions() []string {
	out := make([]string, 0, len(regions))
	for r := range regions {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// ParseRate reads a non-negative decimal string such as "0.037296", as
// Rate and Cents write them, to the micro-dollar.
func ParseRate(s string) (MicroUSD, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 6 {
		return 0, errors.Errorf("%q is not a decimal amount with at most six places", s)
	}
	frac += strings.Repeat("0", 6-len(frac))
	var m int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, errors.Errorf("%q is not a decimal amount with at most six places", s)
		}
		m = m*10 + int64(c-'0')
	}
	return MicroUSD(m), nil
}
