package main

import (
	"fmt"
	"math/big"
	"net/netip"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	ec2v1beta2 "github.com/upbound/provider-aws/apis/ec2/v1beta2"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

func TestPlanSubnets(t *testing.T) {
	pfx := netip.MustParsePrefix
	cases := map[string]struct {
		reason string
		vpc    netip.Prefix
		zones  []string
		want   []subnet
	}{
		"Slash16ThreeZones": {
			reason: "A /16 gives /19 app subnets in the first three eighths and /22 public and db subnets in the fourth eighth.",
			vpc:    pfx("10.0.0.0/16"),
			zones:  []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
			want: []subnet{
				{Zone: "eu-west-1a", Tier: TierPublic, CIDR: pfx("10.0.96.0/22")},
				{Zone: "eu-west-1a", Tier: TierPrivateApp, CIDR: pfx("10.0.0.0/19")},
				{Zone: "eu-west-1a", Tier: TierPrivateDB, CIDR: pfx("10.0.112.0/22")},
				{Zone: "eu-west-1b", Tier: TierPublic, CIDR: pfx("10.0.100.0/22")},
				{Zone: "eu-west-1b", Tier: TierPrivateApp, CIDR: pfx("10.0.32.0/19")},
				{Zone: "eu-west-1b", Tier: TierPrivateDB, CIDR: pfx("10.0.116.0/22")},
				{Zone: "eu-west-1c", Tier: TierPublic, CIDR: pfx("10.0.104.0/22")},
				{Zone: "eu-west-1c", Tier: TierPrivateApp, CIDR: pfx("10.0.64.0/19")},
				{Zone: "eu-west-1c", Tier: TierPrivateDB, CIDR: pfx("10.0.120.0/22")},
			},
		},
		"Slash20ThreeZones": {
			reason: "A /20 gives /23 app subnets and /26 public and db subnets, at the same relative offsets.",
			vpc:    pfx("10.20.0.0/20"),
			zones:  []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			want: []subnet{
				{Zone: "us-east-1a", Tier: TierPublic, CIDR: pfx("10.20.6.0/26")},
				{Zone: "us-east-1a", Tier: TierPrivateApp, CIDR: pfx("10.20.0.0/23")},
				{Zone: "us-east-1a", Tier: TierPrivateDB, CIDR: pfx("10.20.7.0/26")},
				{Zone: "us-east-1b", Tier: TierPublic, CIDR: pfx("10.20.6.64/26")},
				{Zone: "us-east-1b", Tier: TierPrivateApp, CIDR: pfx("10.20.2.0/23")},
				{Zone: "us-east-1b", Tier: TierPrivateDB, CIDR: pfx("10.20.7.64/26")},
				{Zone: "us-east-1c", Tier: TierPublic, CIDR: pfx("10.20.6.128/26")},
				{Zone: "us-east-1c", Tier: TierPrivateApp, CIDR: pfx("10.20.4.0/23")},
				{Zone: "us-east-1c", Tier: TierPrivateDB, CIDR: pfx("10.20.7.128/26")},
			},
		},
		"Slash18TwoZonesNotAtZero": {
			reason: "Offsets are added to the VPC's base address, which need not end in zeros beyond the prefix.",
			vpc:    pfx("172.16.64.0/18"),
			zones:  []string{"us-west-1b", "us-west-1c"},
			want: []subnet{
				{Zone: "us-west-1b", Tier: TierPublic, CIDR: pfx("172.16.88.0/24")},
				{Zone: "us-west-1b", Tier: TierPrivateApp, CIDR: pfx("172.16.64.0/21")},
				{Zone: "us-west-1b", Tier: TierPrivateDB, CIDR: pfx("172.16.92.0/24")},
				{Zone: "us-west-1c", Tier: TierPublic, CIDR: pfx("172.16.89.0/24")},
				{Zone: "us-west-1c", Tier: TierPrivateApp, CIDR: pfx("172.16.72.0/21")},
				{Zone: "us-west-1c", Tier: TierPrivateDB, CIDR: pfx("172.16.93.0/24")},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := planSubnets(tc.vpc, tc.zones)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
				t.Errorf("\n%s\nplanSubnets(%s, %v): -want, +got:\n%s", tc.reason, tc.vpc, tc.zones, diff)
			}
		})
	}
}

// size is the number of addresses in an IPv4 prefix.
func size(p netip.Prefix) int { return 1 << (32 - p.Bits()) }

// last is the last address of an IPv4 prefix.
func last(p netip.Prefix) netip.Addr {
	n := new(big.Int).SetBytes(p.Masked().Addr().AsSlice())
	n.Add(n, big.NewInt(int64(size(p)-1)))
	b := n.FillBytes(make([]byte, 4))
	return netip.AddrFrom4([4]byte(b))
}

// TestPlanSubnetsProperties checks, for every VPC size the XRD allows and
// every zone count, what must hold for AWS to accept the subnets and for EKS
// to have room for its pods.
func TestPlanSubnetsProperties(t *testing.T) {
	// AWS reserves the first four and the last address of every subnet.
	const awsReserved = 5
	// Pods take VPC addresses with the VPC CNI of Auto Mode.
	const minAppAddresses = 500
	// AWS's smallest subnet is a /28.
	const minSubnetBits = 28

	bases := []string{"10.0.0.0", "172.16.0.0", "192.168.0.0", "10.255.255.255"}
	allZones := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	for _, base := range bases {
		for bits := 16; bits <= 20; bits++ {
			vpc := netip.PrefixFrom(netip.MustParseAddr(base), bits).Masked()
			for n := 2; n <= 3; n++ {
				zones := allZones[:n]
				t.Run(fmt.Sprintf("%s/%dZones", vpc, n), func(t *testing.T) {
					got := planSubnets(vpc, zones)
					if len(got) != 3*n {
						t.Fatalf("planSubnets(%s, %v): %d subnets, want %d", vpc, zones, len(got), 3*n)
					}
					perZone := map[string][]Tier{}
					for _, s := range got {
						perZone[s.Zone] = append(perZone[s.Zone], s.Tier)
						if s.CIDR != s.CIDR.Masked() {
							t.Errorf("%s %s subnet %s has host bits set", s.Zone, s.Tier, s.CIDR)
						}
						if s.CIDR.Bits() < vpc.Bits() || !vpc.Contains(s.CIDR.Addr()) || !vpc.Contains(last(s.CIDR)) {
							t.Errorf("%s %s subnet %s is not inside VPC %s", s.Zone, s.Tier, s.CIDR, vpc)
						}
						if s.CIDR.Bits() > minSubnetBits {
							t.Errorf("%s %s subnet %s is smaller than AWS's minimum /%d", s.Zone, s.Tier, s.CIDR, minSubnetBits)
						}
						if s.Tier == TierPrivateApp && size(s.CIDR)-awsReserved < minAppAddresses {
							t.Errorf("%s app subnet %s has %d usable addresses, want at least %d", s.Zone, s.CIDR, size(s.CIDR)-awsReserved, minAppAddresses)
						}
					}
					for _, z := range zones {
						if diff := cmp.Diff([]Tier{TierPublic, TierPrivateApp, TierPrivateDB}, perZone[z]); diff != "" {
							t.Errorf("tiers of zone %s: -want, +got:\n%s", z, diff)
						}
					}
					for i := range got {
						for j := i + 1; j < len(got); j++ {
							if got[i].CIDR.Overlaps(got[j].CIDR) {
								t.Errorf("subnets %s (%s %s) and %s (%s %s) overlap", got[i].CIDR, got[i].Zone, got[i].Tier, got[j].CIDR, got[j].Zone, got[j].Tier)
							}
						}
					}
				})
			}
			t.Run(fmt.Sprintf("%s/ZonesDoNotMove", vpc), func(t *testing.T) {
				two, three := planSubnets(vpc, allZones[:2]), planSubnets(vpc, allZones)
				if diff := cmp.Diff(two, three[:len(two)], cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
					t.Errorf("adding a third zone moved the subnets of the first two: -two zones, +three zones:\n%s", diff)
				}
			})
		}
	}
}

// networkProfiles are the two profiles every network property must hold for.
var networkProfiles = map[string]*v1alpha1.XPlatform{
	"Production": newXR(),
	"Small":      newXR(withProfile(v1alpha1.ProfileSmall)),
}

func TestNetworkNAT(t *testing.T) {
	type want struct {
		// eips and nats are the zones that get one.
		eips []string
		nats []string
		// routeNAT is, per zone, the zone of the NAT gateway its private-app
		// default route selects.
		routeNAT map[string]string
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   want
	}{
		"ProductionNATPerZone": {
			reason: "Production has a NAT gateway in each zone, and each zone's app subnets egress through their own zone's.",
			xr:     newXR(),
			want: want{
				eips:     testZones,
				nats:     testZones,
				routeNAT: map[string]string{"eu-west-1a": "eu-west-1a", "eu-west-1b": "eu-west-1b", "eu-west-1c": "eu-west-1c"},
			},
		},
		"SmallSharesOneNAT": {
			reason: "Small has one NAT gateway in the first zone, and every zone's app subnets egress through it.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall)),
			want: want{
				eips:     []string{"eu-west-1a"},
				nats:     []string{"eu-west-1a"},
				routeNAT: map[string]string{"eu-west-1a": "eu-west-1a", "eu-west-1b": "eu-west-1a", "eu-west-1c": "eu-west-1a"},
			},
		},
		"SmallTwoZonesFirstGiven": {
			reason: "The shared NAT gateway is in the first zone listed, not the alphabetically first one.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall), withZones("eu-west-1c", "eu-west-1a")),
			want: want{
				eips:     []string{"eu-west-1c"},
				nats:     []string{"eu-west-1c"},
				routeNAT: map[string]string{"eu-west-1c": "eu-west-1c", "eu-west-1a": "eu-west-1c"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			rs := network(p)

			got := want{routeNAT: map[string]string{}}
			for n, e := range ofType[*ec2v1beta1.EIP](rs) {
				z := e.Labels[LabelZone]
				got.eips = append(got.eips, z)
				if n != nameEIP(z) {
					t.Errorf("EIP of zone %s is named %q, want %q", z, n, nameEIP(z))
				}
				if d := e.Spec.ForProvider.Domain; d == nil || *d != "vpc" {
					t.Errorf("EIP %q: domain %v, want vpc", n, d)
				}
			}
			for n, g := range ofType[*ec2v1beta1.NATGateway](rs) {
				z := g.Labels[LabelZone]
				got.nats = append(got.nats, z)
				// A NAT gateway sits in its own zone's public subnet with its
				// own zone's address.
				fp := g.Spec.ForProvider
				if diff := cmp.Diff(map[string]string{LabelTier: string(TierPublic), LabelZone: z}, fp.SubnetIDSelector.MatchLabels); diff != "" {
					t.Errorf("NAT gateway %q subnet selector: -want, +got:\n%s", n, diff)
				}
				if diff := cmp.Diff(map[string]string{LabelRole: "nat", LabelZone: z}, fp.AllocationIDSelector.MatchLabels); diff != "" {
					t.Errorf("NAT gateway %q allocation selector: -want, +got:\n%s", n, diff)
				}
			}
			for n, r := range ofType[*ec2v1beta2.Route](rs) {
				fp := r.Spec.ForProvider
				if fp.RouteTableIDSelector.MatchLabels[LabelTier] != string(TierPrivateApp) {
					continue
				}
				z := fp.RouteTableIDSelector.MatchLabels[LabelZone]
				if fp.NATGatewayIDSelector == nil {
					t.Errorf("route %q of zone %s does not go through a NAT gateway", n, z)
					continue
				}
				if fp.NATGatewayIDSelector.MatchLabels[LabelRole] != "nat" {
					t.Errorf("route %q selects NAT gateways with labels %v, want role nat", n, fp.NATGatewayIDSelector.MatchLabels)
				}
				if diff := cmp.Diff("0.0.0.0/0", *fp.DestinationCidrBlock); diff != "" {
					t.Errorf("route %q destination: -want, +got:\n%s", n, diff)
				}
				got.routeNAT[z] = fp.NATGatewayIDSelector.MatchLabels[LabelZone]
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("\n%s\nnetwork(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNetworkSubnets(t *testing.T) {
	cases := map[string]struct {
		reason string
		tier   Tier
		// roleTags are the kubernetes.io/role/* tags the tier's subnets
		// carry, and nothing else of that prefix.
		roleTags map[string]string
	}{
		"Public": {
			reason:   "Internet-facing load balancers are placed in public subnets tagged kubernetes.io/role/elb.",
			tier:     TierPublic,
			roleTags: map[string]string{"kubernetes.io/role/elb": "1"},
		},
		"PrivateApp": {
			reason:   "Internal load balancers are placed in app subnets tagged kubernetes.io/role/internal-elb.",
			tier:     TierPrivateApp,
			roleTags: map[string]string{"kubernetes.io/role/internal-elb": "1"},
		},
		"PrivateDB": {
			reason:   "No load balancer may be placed in db subnets.",
			tier:     TierPrivateDB,
			roleTags: map[string]string{},
		},
	}
	for pname, xr := range networkProfiles {
		p := mustPlan(t, xr)
		rs := network(p)
		subnets := ofType[*ec2v1beta1.Subnet](rs)
		if len(subnets) != 9 {
			t.Errorf("%s: network(...) has %d subnets, want 9", pname, len(subnets))
		}
		for name, tc := range cases {
			t.Run(pname+"/"+name, func(t *testing.T) {
				for i, z := range p.Zones {
					n := nameSubnet(tc.tier, z)
					s, ok := subnets[n]
					if !ok {
						t.Fatalf("\n%s\nno subnet named %q", tc.reason, n)
					}
					fp := s.Spec.ForProvider
					roleTags := map[string]string{}
					for k, v := range deref(fp.Tags) {
						if strings.HasPrefix(k, "kubernetes.io/role/") {
							roleTags[k] = v
						}
					}
					if diff := cmp.Diff(tc.roleTags, roleTags); diff != "" {
						t.Errorf("\n%s\nsubnet %q role tags: -want, +got:\n%s", tc.reason, n, diff)
					}
					if fp.MapPublicIPOnLaunch == nil || *fp.MapPublicIPOnLaunch {
						t.Errorf("\n%s\nsubnet %q: mapPublicIpOnLaunch is %v, want explicitly false", tc.reason, n, fp.MapPublicIPOnLaunch)
					}
					if diff := cmp.Diff(z, *fp.AvailabilityZone); diff != "" {
						t.Errorf("subnet %q zone: -want, +got:\n%s", n, diff)
					}
					if diff := cmp.Diff(p.Subnets[3*i+tierIndex(tc.tier)].CIDR.String(), *fp.CidrBlock); diff != "" {
						t.Errorf("subnet %q CIDR: -want, +got:\n%s", n, diff)
					}
					if diff := cmp.Diff(map[string]string{LabelTier: string(tc.tier), LabelZone: z}, s.Labels); diff != "" {
						t.Errorf("subnet %q labels, which route tables, NAT gateways and the cluster select by: -want, +got:\n%s", n, diff)
					}
					if diff := cmp.Diff(map[string]string{LabelRole: "vpc"}, fp.VPCIDSelector.MatchLabels); diff != "" {
						t.Errorf("subnet %q VPC selector: -want, +got:\n%s", n, diff)
					}
				}
			})
		}
	}
}

func tierIndex(t Tier) int {
	for i, x := range tiers {
		if x == t {
			return i
		}
	}
	return -1
}

func TestNetworkRouting(t *testing.T) {
	for pname, xr := range networkProfiles {
		t.Run(pname, func(t *testing.T) {
			p := mustPlan(t, xr)
			rs := network(p)

			// Route tables by their labels, which is how routes and
			// associations select them.
			tables := map[string]resource.Name{}
			for n, rt := range ofType[*ec2v1beta1.RouteTable](rs) {
				tables[fmt.Sprint(rt.Labels)] = n
			}
			if len(tables) != 7 {
				t.Errorf("network(...) has %d route tables with distinct labels, want 7 (1 public, 3 app, 3 db)", len(tables))
			}
			tableOf := func(sel map[string]string) resource.Name { return tables[fmt.Sprint(sel)] }

			routes := ofType[*ec2v1beta2.Route](rs)
			for n, r := range routes {
				fp := r.Spec.ForProvider
				if fp.RouteTableID != nil || fp.RouteTableIDSelector == nil {
					t.Errorf("route %q must select its route table", n)
					continue
				}
				if fp.GatewayIDSelector != nil && fp.RouteTableIDSelector.MatchLabels[LabelTier] != string(TierPublic) {
					t.Errorf("route %q gives a private route table (%v) a route through the Internet gateway", n, fp.RouteTableIDSelector.MatchLabels)
				}
				if tableOf(fp.RouteTableIDSelector.MatchLabels) == "" {
					t.Errorf("route %q selects labels %v that no route table has", n, fp.RouteTableIDSelector.MatchLabels)
				}
			}
			pub := routes[nameRoutePubDefault]
			if pub == nil {
				t.Fatalf("no route named %q", nameRoutePubDefault)
			}
			if diff := cmp.Diff(map[string]string{LabelRole: "internet-gateway"}, pub.Spec.ForProvider.GatewayIDSelector.MatchLabels); diff != "" {
				t.Errorf("public default route gateway: -want, +got:\n%s", diff)
			}
			if diff := cmp.Diff(nameRouteTablePub, tableOf(pub.Spec.ForProvider.RouteTableIDSelector.MatchLabels)); diff != "" {
				t.Errorf("public default route table: -want, +got:\n%s", diff)
			}

			// Each subnet is associated with its own tier's table of its zone,
			// public subnets with the shared public table.
			got := map[resource.Name]resource.Name{}
			for n, a := range ofType[*ec2v1beta1.RouteTableAssociation](rs) {
				fp := a.Spec.ForProvider
				subnet := nameSubnet(Tier(fp.SubnetIDSelector.MatchLabels[LabelTier]), fp.SubnetIDSelector.MatchLabels[LabelZone])
				if _, dup := got[subnet]; dup {
					t.Errorf("subnet %q is associated twice (again by %q)", subnet, n)
				}
				got[subnet] = tableOf(fp.RouteTableIDSelector.MatchLabels)
			}
			want := map[resource.Name]resource.Name{}
			for _, z := range p.Zones {
				want[nameSubnet(TierPublic, z)] = nameRouteTablePub
				want[nameSubnet(TierPrivateApp, z)] = nameRouteTable(TierPrivateApp, z)
				want[nameSubnet(TierPrivateDB, z)] = nameRouteTable(TierPrivateDB, z)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("route table of each subnet: -want, +got:\n%s", diff)
			}

			// The S3 gateway endpoint serves both private tiers of every zone.
			gotS3 := []string{}
			for _, a := range ofType[*ec2v1beta1.VPCEndpointRouteTableAssociation](rs) {
				gotS3 = append(gotS3, string(tableOf(a.Spec.ForProvider.RouteTableIDSelector.MatchLabels)))
			}
			wantS3 := []string{}
			for _, z := range p.Zones {
				wantS3 = append(wantS3, string(nameRouteTable(TierPrivateApp, z)), string(nameRouteTable(TierPrivateDB, z)))
			}
			sort.Strings(gotS3)
			sort.Strings(wantS3)
			if diff := cmp.Diff(wantS3, gotS3); diff != "" {
				t.Errorf("route tables of the S3 endpoint: -want, +got:\n%s", diff)
			}
			ep := mustGet[*ec2v1beta1.VPCEndpoint](t, rs, nameS3Endpoint)
			if diff := cmp.Diff("com.amazonaws.eu-west-1.s3", *ep.Spec.ForProvider.ServiceName); diff != "" {
				t.Errorf("S3 endpoint service: -want, +got:\n%s", diff)
			}
		})
	}
}

// TestNetworkPrivateDBHasNoDefaultRoute checks that data stores never reach
// the Internet: the db subnets' route tables have only the local route and
// the S3 endpoint.
// TestNetworkPrivateDBEgressOnlyThroughNAT: the db tier reaches the
// Internet outbound only, through its zone's NAT gateway (the first zone's
// in small), never through the Internet gateway.
func TestNetworkPrivateDBEgressOnlyThroughNAT(t *testing.T) {
	for pname, xr := range networkProfiles {
		t.Run(pname, func(t *testing.T) {
			p := mustPlan(t, xr)
			got := map[string]string{}
			for _, r := range ofType[*ec2v1beta2.Route](network(p)) {
				fp := r.Spec.ForProvider
				sel := fp.RouteTableIDSelector
				if sel == nil || sel.MatchLabels[LabelTier] != string(TierPrivateDB) {
					continue
				}
				if fp.GatewayIDSelector != nil || fp.NATGatewayIDSelector == nil {
					t.Errorf("db route of %s does not go through a NAT gateway", sel.MatchLabels[LabelZone])
					continue
				}
				got[sel.MatchLabels[LabelZone]] = fp.NATGatewayIDSelector.MatchLabels[LabelZone]
			}
			want := map[string]string{}
			for _, z := range p.Zones {
				want[z] = p.natZoneFor(z)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("NAT zone of each zone's db route: -want, +got:\n%s", diff)
			}
			if n := len(ofType[*ec2v1beta2.Route](network(p))); n != 1+2*len(p.Zones) {
				t.Errorf("network(...) has %d routes, want %d: the public default route and one per private route table", n, 1+2*len(p.Zones))
			}
		})
	}
}

// tagsOf returns the tags of a provider-aws object, and whether its kind has
// tags at all.
func tagsOf(o any) (map[string]*string, bool) {
	v := reflect.ValueOf(o)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	spec := v.FieldByName("Spec")
	if !spec.IsValid() {
		return nil, false
	}
	fp := spec.FieldByName("ForProvider")
	if !fp.IsValid() {
		return nil, false
	}
	tags := fp.FieldByName("Tags")
	if !tags.IsValid() {
		return nil, false
	}
	m, ok := tags.Interface().(map[string]*string)
	return m, ok
}

func TestTags(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		// tagged is the number of composed AWS resources whose kind has tags.
		tagged int
	}{
		"Production": {
			reason: "VPC, IGW, 9 subnets, 7 route tables, 3 EIPs, 3 NAT gateways, the S3 endpoint, the KMS key, 2 roles, the log group and the cluster carry tags.",
			xr:     newXR(),
			tagged: 30,
		},
		"Small": {
			reason: "Small has one EIP and one NAT gateway instead of three.",
			xr:     newXR(withProfile(v1alpha1.ProfileSmall)),
			tagged: 26,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			prereqs, err := clusterPrerequisites(p)
			if err != nil {
				t.Fatal(err)
			}
			all := append(append(network(p), prereqs...), cluster(p, clusterInputs{KMSKeyARN: "k", NodeRoleARN: "r"})...)
			tagged := 0
			for _, r := range all {
				tags, ok := tagsOf(r.Object)
				if !ok {
					continue
				}
				tagged++
				got := deref(tags)
				want := map[string]string{"cost-center": testCostCenter, "platform": testName, "managed-by": "crossplane", "app": "openedx"}
				for k := range want {
					if got[k] != want[k] {
						t.Errorf("\n%s\n%s %q: tag %q is %q, want %q", tc.reason, reflect.TypeOf(r.Object).Elem().Name(), r.Name, k, got[k], want[k])
					}
				}
				if got["Name"] == "" {
					t.Errorf("%q has no Name tag", r.Name)
				}
			}
			if tagged != tc.tagged {
				t.Errorf("\n%s\n%d resources have tags, want %d", tc.reason, tagged, tc.tagged)
			}
		})
	}
}

func TestResourceNamesUnique(t *testing.T) {
	for pname, xr := range networkProfiles {
		t.Run(pname, func(t *testing.T) {
			p := mustPlan(t, xr)
			prereqs, err := clusterPrerequisites(p)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[resource.Name]int{}
			for _, r := range append(append(network(p), prereqs...), cluster(p, clusterInputs{KMSKeyARN: "k", NodeRoleARN: "r"})...) {
				seen[r.Name]++
				if r.Object == nil {
					t.Errorf("resource %q has no object", r.Name)
				}
			}
			for n, c := range seen {
				if c > 1 {
					t.Errorf("resource name %q is used %d times", n, c)
				}
			}
		})
	}
}

// TestNetworkResourceSet pins the exact set of network resources of a
// production platform.
func TestNetworkResourceSet(t *testing.T) {
	want := wantNetworkNames()
	var got []string
	for n := range objects(t, network(mustPlan(t, newXR()))) {
		got = append(got, string(n))
	}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("network(...) resource names: -want, +got:\n%s", diff)
	}
}

// wantNetworkNames are the names of the network resources of a production
// platform in testZones, written out independently of network.go.
func wantNetworkNames() []string {
	names := []string{"vpc", "internet-gateway", "route-table-public", "route-public-default", "vpc-endpoint-s3"}
	for _, z := range testZones {
		for _, tier := range []string{"public", "private-app", "private-db"} {
			names = append(names, "subnet-"+tier+"-"+z, "route-table-association-"+tier+"-"+z)
		}
		names = append(names,
			"nat-eip-"+z, "nat-gateway-"+z,
			"route-table-private-app-"+z, "route-private-app-default-"+z, "route-table-private-db-"+z, "route-private-db-default-"+z,
			"vpc-endpoint-s3-private-app-"+z, "vpc-endpoint-s3-private-db-"+z,
		)
	}
	return names
}
