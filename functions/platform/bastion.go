package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The bastion is the operators' way to the data tier: a small instance in a
// private-app subnet, reached through SSM Session Manager only. It has no
// key pair, no public address and no ingress rule at all: Session Manager's
// agent calls out to SSM over HTTPS, through interface endpoints in the VPC
// (spec.bastion.ssmEndpoints) or else the NAT gateway, and sessions (including port forwarding to the data stores) ride on that
// connection. Every session is authenticated and authorized by IAM and can
// be logged by SSM.

// Names of bastion resources.
const (
	nameBastionSecurityGroup   resource.Name = "security-group-bastion"
	nameBastionEgressHTTPS     resource.Name = "security-group-bastion-egress-https"
	nameBastionRole            resource.Name = "bastion-iam-role"
	nameBastionInstanceProfile resource.Name = "bastion-instance-profile"
	nameBastionLaunchTemplate  resource.Name = "bastion-launch-template"
	nameBastionInstance        resource.Name = "bastion-instance"
	nameEndpointsSecurityGroup resource.Name = "security-group-vpc-endpoints"
	nameEndpointsIngressHTTPS  resource.Name = "security-group-vpc-endpoints-ingress-https"
)

// nameBastionEgress is the bastion's egress rule to a data store.
func nameBastionEgress(store string) resource.Name {
	return resource.Name("security-group-bastion-egress-" + store)
}

// nameBastionAccess is a data store's ingress rule from the bastion.
func nameBastionAccess(store string) resource.Name {
	return resource.Name(fmt.Sprintf("security-group-%s-ingress-bastion", store))
}

// nameInterfaceEndpoint is the interface VPC endpoint of an AWS service.
func nameInterfaceEndpoint(service string) resource.Name {
	return resource.Name("vpc-endpoint-" + service)
}

// nameInterfaceEndpointSubnet associates an endpoint with a zone's
// private-app subnet.
func nameInterfaceEndpointSubnet(service, zone string) resource.Name {
	return resource.Name(fmt.Sprintf("vpc-endpoint-%s-%s-%s", service, TierPrivateApp, zone))
}

// nameInterfaceEndpointSecurityGroup associates an endpoint with the
// endpoints' security group.
func nameInterfaceEndpointSecurityGroup(service string) resource.Name {
	return resource.Name(fmt.Sprintf("vpc-endpoint-%s-security-group", service))
}

const (
	// bastionStore names the bastion's security group, as stores name
	// theirs, so that securityGroupRole selects it.
	bastionStore = "bastion"
	// interfaceEndpointsStore names the interface endpoints' security group.
	interfaceEndpointsStore = "vpc-endpoints"
	// roleBastion labels the bastion's IAM role, instance profile, launch
	// template and instance; selectors are per kind, so one label serves.
	roleBastion = "bastion"

	// bastionSSMPolicy is the only policy the bastion's role has: what the
	// SSM agent needs to register and carry sessions, nothing more.
	bastionSSMPolicy     = "AmazonSSMManagedInstanceCore"
	bastionRootDevice    = "/dev/xvda"
	bastionRootVolumeGiB = 10
	// Launch template and instance profile names are at most 128 characters.
	maxBastionAWSName = 128
	bastionAnyIPv4    = "0.0.0.0/0"
)

// ssmEndpointServices are what the SSM agent and Session Manager call:
// without them an instance in a private subnet reaches SSM only through the
// NAT gateway.
var ssmEndpointServices = []string{"ssm", "ssmmessages", "ec2messages"}

// bastionStoreAccess is a data store the bastion may reach.
type bastionStoreAccess struct {
	Store string
	Port  int
}

// bastionStores are the data stores the platform composes, each with its
// security group, and so the ones the bastion is given access to.
func bastionStores(p *plan) []bastionStoreAccess {
	out := []bastionStoreAccess{{"database", portMySQL}, {"cache", portRedis}}
	if p.MongoDB.External == nil {
		out = append(out, bastionStoreAccess{mongodbStore, mongodbPort})
	}
	if p.OpenSearch.Enabled {
		out = append(out, bastionStoreAccess{"search", portHTTPS})
	}
	return out
}

// bastion composes the bastion, the SSM interface endpoints it is reached
// through, and the data stores' ingress rules that admit it. Nothing it
// composes needs the account id, so nothing is ever missing; the result
// has the shape of the other builders that wait for AWS.
func bastion(p *plan, _ map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	if !p.Bastion {
		return nil, nil, nil
	}
	if len(p.Zones) == 0 {
		return nil, nil, errors.New("the platform has no availability zones")
	}
	bastionRole, err := role(p, nameBastionRole, roleBastion, "Assumed by the SSM Session Manager bastion of Open edX platform "+p.Name, awsiam.ServiceTrust("ec2.amazonaws.com", "sts:AssumeRole"))
	if err != nil {
		return nil, nil, err
	}
	awsName := compose.Truncate(p.Name+"-bastion", maxBastionAWSName)

	rs = append(rs, bastionSecurityGroups(p)...)
	if p.SSMEndpoints {
		rs = append(rs, ssmEndpoints(p)...)
	}
	rs = append(rs,
		bastionRole,
		attachment(p, roleBastion, bastionSSMPolicy),
		compose.Resource{Name: nameBastionInstanceProfile, Object: &iamv1beta1.InstanceProfile{
			ObjectMeta: externallyNamed(awsName, map[string]string{LabelRole: roleBastion}),
			Spec: iamv1beta1.InstanceProfileSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: iamv1beta1.InstanceProfileParameters{
					RoleSelector: selector(map[string]string{LabelRole: roleBastion}),
					Tags:         p.tags(awsName),
				},
			},
		}},
		bastionLaunchTemplate(p, awsName),
		bastionInstance(p, awsName),
	)
	return rs, nil, nil
}

// bastionSecurityGroups are the bastion's group, which has no ingress rule
// and reaches out only to HTTPS and to the data stores' ports in the VPC,
// the endpoints' group, and the data stores' rules that admit the bastion.
func bastionSecurityGroups(p *plan) []compose.Resource {
	vpc := p.VPC.String()
	stores := bastionStores(p)
	rs := []compose.Resource{
		bareSecurityGroup(p, nameBastionSecurityGroup, bastionStore, "SSM Session Manager bastion of Open edX platform "+p.Name+": no ingress; out to HTTPS and the data stores only"),
		// SSM through the interface endpoints, package repositories through
		// the S3 endpoint and NAT, and OpenSearch in the VPC.
		{Name: nameBastionEgressHTTPS, Object: egressToCIDR(p, securityGroupRole(bastionStore), bastionAnyIPv4, portHTTPS, "SSM, package repositories and HTTPS data stores", p.Name+"-bastion")},
	}
	for _, s := range stores {
		if s.Port == portHTTPS {
			continue // Already allowed to anywhere.
		}
		rs = append(rs, compose.Resource{Name: nameBastionEgress(s.Store), Object: egressToCIDR(p, securityGroupRole(bastionStore), vpc, s.Port, "Administration of the "+s.Store, p.Name+"-bastion")})
	}
	for _, s := range stores {
		rs = append(rs, compose.Resource{Name: nameBastionAccess(s.Store), Object: &ec2v1beta1.SecurityGroupIngressRule{
			Spec: ec2v1beta1.SecurityGroupIngressRuleSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ec2v1beta1.SecurityGroupIngressRuleParameters{
					Region:                            &p.Region,
					SecurityGroupIDSelector:           selector(map[string]string{LabelRole: securityGroupRole(s.Store)}),
					ReferencedSecurityGroupIDSelector: selector(map[string]string{LabelRole: securityGroupRole(bastionStore)}),
					IPProtocol:                        ptr.To("tcp"),
					FromPort:                          ptr.To(float64(s.Port)),
					ToPort:                            ptr.To(float64(s.Port)),
					Description:                       ptr.To("Administration from the SSM Session Manager bastion"),
					Tags:                              p.tags(fmt.Sprintf("%s-%s", p.Name, s.Store)),
				},
			},
		}})
	}
	return rs
}

// ssmEndpoints are the SSM interface endpoints and their security group,
// with an address in the private-app subnet of every zone and private DNS,
// so that the SSM agents of the bastion and of the MongoDB members reach
// SSM without the NAT gateway. An endpoint is created without subnets or
// security groups and associated with them separately, which is how
// provider-aws manages them.
func ssmEndpoints(p *plan) []compose.Resource {
	rs := []compose.Resource{
		bareSecurityGroup(p, nameEndpointsSecurityGroup, interfaceEndpointsStore, "Interface VPC endpoints of Open edX platform "+p.Name+": HTTPS from the VPC only"),
		{
			Name:   nameEndpointsIngressHTTPS,
			Object: ingressFromCIDR(p, securityGroupRole(interfaceEndpointsStore), p.VPC.String(), portHTTPS, "HTTPS from the VPC"),
		},
	}
	for _, svc := range ssmEndpointServices {
		endpoint := selector(map[string]string{LabelRole: "vpc-endpoint-" + svc})
		rs = append(rs,
			compose.Resource{Name: nameInterfaceEndpoint(svc), Object: &ec2v1beta1.VPCEndpoint{
				ObjectMeta: meta(map[string]string{LabelRole: "vpc-endpoint-" + svc}),
				Spec: ec2v1beta1.VPCEndpointSpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ec2v1beta1.VPCEndpointParameters_2{
						Region:            &p.Region,
						ServiceName:       ptr.To(fmt.Sprintf("com.amazonaws.%s.%s", p.Region, svc)),
						VPCEndpointType:   ptr.To("Interface"),
						PrivateDNSEnabled: ptr.To(true),
						VPCIDSelector:     selector(map[string]string{LabelRole: "vpc"}),
						Tags:              p.tags(p.Name + "-" + svc),
					},
				},
			}},
			// Replaces the VPC's default security group, which AWS gives an
			// endpoint created without one.
			compose.Resource{Name: nameInterfaceEndpointSecurityGroup(svc), Object: &ec2v1beta1.VPCEndpointSecurityGroupAssociation{
				Spec: ec2v1beta1.VPCEndpointSecurityGroupAssociationSpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ec2v1beta1.VPCEndpointSecurityGroupAssociationParameters{
						Region:                    &p.Region,
						VPCEndpointIDSelector:     endpoint,
						SecurityGroupIDSelector:   selector(map[string]string{LabelRole: securityGroupRole(interfaceEndpointsStore)}),
						ReplaceDefaultAssociation: ptr.To(true),
					},
				},
			}},
		)
		for _, z := range p.Zones {
			rs = append(rs, compose.Resource{Name: nameInterfaceEndpointSubnet(svc, z), Object: &ec2v1beta1.VPCEndpointSubnetAssociation{
				Spec: ec2v1beta1.VPCEndpointSubnetAssociationSpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ec2v1beta1.VPCEndpointSubnetAssociationParameters{
						Region:                &p.Region,
						VPCEndpointIDSelector: endpoint,
						SubnetIDSelector:      selector(map[string]string{LabelTier: string(TierPrivateApp), LabelZone: z}),
					},
				},
			}})
		}
	}
	return rs
}

// bastionLaunchTemplate holds every security setting of the bastion: IMDSv2
// only, an encrypted root volume, the instance profile, no key pair, and a
// network interface without a public address in the first zone's
// private-app subnet with the bastion's security group. The network
// interface is in the template rather than on the instance because a launch
// request cannot combine instance-level security groups or subnet with a
// template's interface.
//
// As MongoDB's, the instance launches from the template's default version,
// which never moves: a new version must not replace the running instance.
func bastionLaunchTemplate(p *plan, awsName string) compose.Resource {
	lt := hardenedLaunchTemplate(p, roleBastion, awsName, "SSM Session Manager bastion of Open edX platform "+p.Name)
	fp := &lt.Spec.ForProvider
	fp.BlockDeviceMappings = []ec2v1beta1.BlockDeviceMappingsParameters{encryptedVolume(bastionRootDevice, bastionRootVolumeGiB, true)}
	fp.NetworkInterfaces = []ec2v1beta1.NetworkInterfacesParameters{{
		DeviceIndex:              ptr.To(float64(0)),
		AssociatePublicIPAddress: ptr.To("false"),
		DeleteOnTermination:      ptr.To("true"),
		SubnetIDSelector:         selector(map[string]string{LabelTier: string(TierPrivateApp), LabelZone: p.Zones[0]}),
		SecurityGroupSelector:    selector(map[string]string{LabelRole: securityGroupRole(bastionStore)}),
	}}
	return compose.Resource{Name: nameBastionLaunchTemplate, Object: lt}
}

// bastionInstance is the bastion, launched from its template. Like
// MongoDB's members it has no user data (AL2023 runs the SSM agent as it
// is) and is not late-initialized, so that what AWS computes (subnet,
// security groups, AMI) never becomes an opinion of the spec; its type is
// on the instance so that a new type is applied in place.
func bastionInstance(p *plan, templateName string) compose.Resource {
	spec := p.resourceSpec()
	spec.ManagementPolicies = mongodbInstancePolicies()
	return compose.Resource{Name: nameBastionInstance, Object: &ec2v1beta1.Instance{
		ObjectMeta: meta(map[string]string{LabelRole: roleBastion, LabelZone: p.Zones[0]}),
		Spec: ec2v1beta1.InstanceSpec{
			ResourceSpec: spec,
			ForProvider: ec2v1beta1.InstanceParameters{
				Region: &p.Region,
				LaunchTemplate: []ec2v1beta1.LaunchTemplateParameters{{
					Name:    &templateName,
					Version: ptr.To("$Default"),
				}},
				InstanceType: &p.BastionType,
				// Also on the instance, so that the running bastion is held to it.
				MetadataOptions: []ec2v1beta1.MetadataOptionsParameters{{
					HTTPEndpoint:            ptr.To("enabled"),
					HTTPTokens:              ptr.To("required"),
					HTTPPutResponseHopLimit: ptr.To(float64(1)),
				}},
				Tags: p.tags(p.Name + "-bastion"),
			},
		},
	}}
}

// bastionStatus is the bastion's instance id, the target of
// `aws ssm start-session`, once AWS has created it.
func bastionStatus(p *plan, observed map[resource.Name]resource.ObservedComposed) string {
	if !p.Bastion {
		return ""
	}
	return compose.ObservedString(observed, nameBastionInstance, "status.atProvider.id")
}
