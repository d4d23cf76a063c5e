package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/crossplane/function-sdk-go/resource"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	ec2v1beta2 "github.com/upbound/provider-aws/apis/ec2/v1beta2"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Tier is a kind of subnet. Each zone has one subnet of each tier.
type Tier string

// Subnet tiers of the reference architecture.
const (
	// TierPublic holds only what must face the Internet: NAT gateways and
	// load balancers.
	TierPublic Tier = "public"
	// TierPrivateApp holds the EKS nodes and, through the VPC CNI, every pod.
	TierPrivateApp Tier = "private-app"
	// TierPrivateDB holds the data stores. Like the app tier it reaches the
	// Internet only outbound, through NAT.
	TierPrivateDB Tier = "private-db"
)

var tiers = []Tier{TierPublic, TierPrivateApp, TierPrivateDB}

// subnet is one planned subnet.
type subnet struct {
	Zone string
	Tier Tier
	CIDR netip.Prefix
}

// planSubnets splits the VPC deterministically. With a VPC of prefix P:
//
//   - private-app subnet i is the i-th /(P+3): an eighth of the VPC each, so
//     a /16 gives /19s of 8,187 usable addresses for nodes and pods;
//   - the fourth eighth is cut into /(P+6)s: public subnet i is the i-th, and
//     private-db subnet i the (4+i)-th, 1/64 of the VPC each (a /22 of a /16);
//   - the upper half of the VPC is left free for growth.
//
// A zone's subnets never move when zones are added, because index i is
// always zone i.
func planSubnets(vpc netip.Prefix, zones []string) []subnet {
	base := binary.BigEndian.Uint32(vpc.Addr().AsSlice())
	p := vpc.Bits()
	eighth := uint32(1) << (32 - (p + 3))
	small := uint32(1) << (32 - (p + 6))
	at := func(offset uint32, bits int) netip.Prefix {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], base+offset)
		return netip.PrefixFrom(netip.AddrFrom4(b), bits)
	}
	var out []subnet
	for i, z := range zones {
		n := uint32(i) //nolint:gosec // At most three zones.
		out = append(out,
			subnet{Zone: z, Tier: TierPublic, CIDR: at(3*eighth+n*small, p+6)},
			subnet{Zone: z, Tier: TierPrivateApp, CIDR: at(n*eighth, p+3)},
			subnet{Zone: z, Tier: TierPrivateDB, CIDR: at(3*eighth+(4+n)*small, p+6)},
		)
	}
	return out
}

// natZones are the zones that get a NAT gateway: every zone in production,
// so that losing a zone does not cut the others' egress; one in small.
func (p *plan) natZones() []string {
	if p.Profile == v1alpha1.ProfileSmall {
		return p.Zones[:1]
	}
	return p.Zones
}

// natZoneFor is the zone whose NAT gateway a zone's private subnets use.
func (p *plan) natZoneFor(zone string) string {
	for _, z := range p.natZones() {
		if z == zone {
			return z
		}
	}
	return p.natZones()[0]
}

// Names of network resources.
const (
	nameVPC             resource.Name = "vpc"
	nameInternetGateway resource.Name = "internet-gateway"
	nameRouteTablePub   resource.Name = "route-table-public"
	nameRoutePubDefault resource.Name = "route-public-default"
	nameS3Endpoint      resource.Name = "vpc-endpoint-s3"
)

func nameSubnet(t Tier, zone string) resource.Name {
	return resource.Name(fmt.Sprintf("subnet-%s-%s", t, zone))
}

func nameRouteTable(t Tier, zone string) resource.Name {
	return resource.Name(fmt.Sprintf("route-table-%s-%s", t, zone))
}

func nameNAT(zone string) resource.Name { return resource.Name("nat-gateway-" + zone) }

func nameEIP(zone string) resource.Name { return resource.Name("nat-eip-" + zone) }

// network composes the VPC, its subnets, gateways and routes.
func network(p *plan) []compose.Resource {
	vpcSel := selector(map[string]string{LabelRole: "vpc"})
	rs := []compose.Resource{
		{Name: nameVPC, Object: &ec2v1beta1.VPC{
			ObjectMeta: meta(map[string]string{LabelRole: "vpc"}),
			Spec: ec2v1beta1.VPCSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ec2v1beta1.VPCParameters_2{
					Region:    &p.Region,
					CidrBlock: ptr.To(p.VPC.String()),
					// EKS and the VPC endpoints' private DNS need both.
					EnableDNSHostnames: ptr.To(true),
					EnableDNSSupport:   ptr.To(true),
					Tags:               p.tags(p.Name),
				},
			},
		}},
		{Name: nameInternetGateway, Object: &ec2v1beta1.InternetGateway{
			ObjectMeta: meta(map[string]string{LabelRole: "internet-gateway"}),
			Spec: ec2v1beta1.InternetGatewaySpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ec2v1beta1.InternetGatewayParameters_2{
					Region:        &p.Region,
					VPCIDSelector: vpcSel,
					Tags:          p.tags(p.Name),
				},
			},
		}},
	}

	for _, s := range p.Subnets {
		rs = append(rs, subnetResource(p, s))
	}

	// Public subnets share one route table whose default route is the
	// Internet gateway.
	rs = append(rs,
		routeTable(p, nameRouteTablePub, map[string]string{LabelTier: string(TierPublic)}, p.Name+"-public"),
		compose.Resource{Name: nameRoutePubDefault, Object: &ec2v1beta2.Route{
			Spec: ec2v1beta2.RouteSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ec2v1beta2.RouteParameters{
					Region:               &p.Region,
					DestinationCidrBlock: ptr.To("0.0.0.0/0"),
					RouteTableIDSelector: selector(map[string]string{LabelTier: string(TierPublic)}),
					GatewayIDSelector:    selector(map[string]string{LabelRole: "internet-gateway"}),
				},
			},
		}},
	)

	for _, z := range p.natZones() {
		rs = append(rs,
			compose.Resource{Name: nameEIP(z), Object: &ec2v1beta1.EIP{
				ObjectMeta: meta(map[string]string{LabelRole: "nat", LabelZone: z}),
				Spec: ec2v1beta1.EIPSpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ec2v1beta1.EIPParameters{
						Region: &p.Region,
						Domain: ptr.To("vpc"),
						Tags:   p.tags(p.Name + "-nat-" + z),
					},
				},
			}},
			compose.Resource{Name: nameNAT(z), Object: &ec2v1beta1.NATGateway{
				ObjectMeta: meta(map[string]string{LabelRole: "nat", LabelZone: z}),
				Spec: ec2v1beta1.NATGatewaySpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ec2v1beta1.NATGatewayParameters_2{
						Region:               &p.Region,
						ConnectivityType:     ptr.To("public"),
						AllocationIDSelector: selector(map[string]string{LabelRole: "nat", LabelZone: z}),
						SubnetIDSelector:     selector(map[string]string{LabelTier: string(TierPublic), LabelZone: z}),
						Tags:                 p.tags(p.Name + "-nat-" + z),
					},
				},
			}},
		)
	}

	for _, z := range p.Zones {
		// Each zone's private subnets reach the Internet only outbound,
		// through a NAT gateway, their zone's own in production. The db tier
		// needs it for its MongoDB members' packages and SSM agent; nothing
		// can connect in, and security groups admit only the app subnets.
		for _, t := range []Tier{TierPrivateApp, TierPrivateDB} {
			labels := map[string]string{LabelTier: string(t), LabelZone: z}
			rs = append(rs,
				routeTable(p, nameRouteTable(t, z), labels, fmt.Sprintf("%s-%s-%s", p.Name, t, z)),
				compose.Resource{Name: resource.Name(fmt.Sprintf("route-%s-default-%s", t, z)), Object: &ec2v1beta2.Route{
					Spec: ec2v1beta2.RouteSpec{
						ResourceSpec: p.resourceSpec(),
						ForProvider: ec2v1beta2.RouteParameters{
							Region:               &p.Region,
							DestinationCidrBlock: ptr.To("0.0.0.0/0"),
							RouteTableIDSelector: selector(labels),
							NATGatewayIDSelector: selector(map[string]string{LabelRole: "nat", LabelZone: p.natZoneFor(z)}),
						},
					},
				}},
			)
		}
	}

	for _, s := range p.Subnets {
		rtLabels := map[string]string{LabelTier: string(s.Tier), LabelZone: s.Zone}
		if s.Tier == TierPublic {
			rtLabels = map[string]string{LabelTier: string(TierPublic)}
		}
		rs = append(rs, compose.Resource{
			Name: resource.Name(fmt.Sprintf("route-table-association-%s-%s", s.Tier, s.Zone)),
			Object: &ec2v1beta1.RouteTableAssociation{
				Spec: ec2v1beta1.RouteTableAssociationSpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ec2v1beta1.RouteTableAssociationParameters{
						Region:               &p.Region,
						RouteTableIDSelector: selector(rtLabels),
						SubnetIDSelector:     selector(map[string]string{LabelTier: string(s.Tier), LabelZone: s.Zone}),
					},
				},
			},
		})
	}

	return append(rs, s3Endpoint(p)...)
}

func subnetResource(p *plan, s subnet) compose.Resource {
	labels := map[string]string{LabelTier: string(s.Tier), LabelZone: s.Zone}
	tags := p.tags(fmt.Sprintf("%s-%s-%s", p.Name, s.Tier, s.Zone))
	// The load balancer controller of EKS Auto Mode places Internet-facing
	// load balancers in subnets tagged elb and internal ones in internal-elb.
	switch s.Tier {
	case TierPublic:
		tags["kubernetes.io/role/elb"] = ptr.To("1")
	case TierPrivateApp:
		tags["kubernetes.io/role/internal-elb"] = ptr.To("1")
	case TierPrivateDB:
	}
	return compose.Resource{Name: nameSubnet(s.Tier, s.Zone), Object: &ec2v1beta1.Subnet{
		ObjectMeta: meta(labels),
		Spec: ec2v1beta1.SubnetSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: ec2v1beta1.SubnetParameters_2{
				Region:           &p.Region,
				AvailabilityZone: ptr.To(s.Zone),
				CidrBlock:        ptr.To(s.CIDR.String()),
				VPCIDSelector:    selector(map[string]string{LabelRole: "vpc"}),
				// Nothing is given a public address by default, not even in
				// public subnets: only NAT gateways and load balancers face the
				// Internet, and they bring their own.
				MapPublicIPOnLaunch: ptr.To(false),
				Tags:                tags,
			},
		},
	}}
}

func routeTable(p *plan, name resource.Name, labels map[string]string, awsName string) compose.Resource {
	return compose.Resource{Name: name, Object: &ec2v1beta1.RouteTable{
		ObjectMeta: meta(labels),
		Spec: ec2v1beta1.RouteTableSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: ec2v1beta1.RouteTableParameters_2{
				Region:        &p.Region,
				VPCIDSelector: selector(map[string]string{LabelRole: "vpc"}),
				Tags:          p.tags(awsName),
			},
		},
	}}
}

// s3Endpoint keeps S3 traffic of nodes and data stores (images layers, Open
// edX media, backups) inside AWS: free, unlike NAT gateway data processing.
func s3Endpoint(p *plan) []compose.Resource {
	rs := []compose.Resource{{Name: nameS3Endpoint, Object: &ec2v1beta1.VPCEndpoint{
		ObjectMeta: meta(map[string]string{LabelRole: "vpc-endpoint-s3"}),
		Spec: ec2v1beta1.VPCEndpointSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: ec2v1beta1.VPCEndpointParameters_2{
				Region:          &p.Region,
				ServiceName:     ptr.To(fmt.Sprintf("com.amazonaws.%s.s3", p.Region)),
				VPCEndpointType: ptr.To("Gateway"),
				VPCIDSelector:   selector(map[string]string{LabelRole: "vpc"}),
				Tags:            p.tags(p.Name + "-s3"),
			},
		},
	}}}
	for _, z := range p.Zones {
		for _, t := range []Tier{TierPrivateApp, TierPrivateDB} {
			rs = append(rs, compose.Resource{
				Name: resource.Name(fmt.Sprintf("vpc-endpoint-s3-%s-%s", t, z)),
				Object: &ec2v1beta1.VPCEndpointRouteTableAssociation{
					Spec: ec2v1beta1.VPCEndpointRouteTableAssociationSpec{
						ResourceSpec: p.resourceSpec(),
						ForProvider: ec2v1beta1.VPCEndpointRouteTableAssociationParameters{
							Region:                &p.Region,
							RouteTableIDSelector:  selector(map[string]string{LabelTier: string(t), LabelZone: z}),
							VPCEndpointIDSelector: selector(map[string]string{LabelRole: "vpc-endpoint-s3"}),
						},
					},
				},
			})
		}
	}
	return rs
}
