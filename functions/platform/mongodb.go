package main

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The platform's MongoDB is a replica set of three EC2 members, one per
// zone, in the private-db subnets: DocumentDB is not compatible enough with
// what Open edX's modulestore and forum expect. Members are administered
// through SSM Session Manager only: no key pair, no SSH. Their keyfile,
// admin credentials and TLS certificate authority live in Secrets Manager,
// written by the first member, never by this function.
//
// Members speak TLS only. Their CA is the platform's own, drawn by member 0
// (mongodb-init.sh): ACM Private CA would cost about $400 a month for three
// certificates. The CA's key is readable by the members only; its
// certificate, public, is in a secret of its own that tenants' provisioner
// reads, and each member issues its own certificate at boot.

// Names of MongoDB resources.
const (
	nameMongoDBRole             resource.Name = "mongodb-iam-role"
	nameMongoDBPolicy           resource.Name = "mongodb-iam-policy"
	nameMongoDBPolicyAttachment resource.Name = "mongodb-iam-policy-attachment"
	nameMongoDBInstanceProfile  resource.Name = "mongodb-instance-profile"
	nameMongoDBLaunchTemplate   resource.Name = "mongodb-launch-template"
	nameMongoDBKeyfileSecret    resource.Name = "mongodb-secret-keyfile"
	nameMongoDBAdminSecret      resource.Name = "mongodb-secret-admin"
	nameMongoDBCAKeySecret      resource.Name = "mongodb-secret-ca-key"
	nameMongoDBCASecret         resource.Name = "mongodb-secret-ca"
	nameMongoDBZone             resource.Name = "mongodb-dns-zone"
	nameMongoDBIngressSelf      resource.Name = "security-group-mongodb-ingress-self"
	nameMongoDBEgressSelf       resource.Name = "security-group-mongodb-egress-self"
	nameMongoDBEgressHTTPS      resource.Name = "security-group-mongodb-egress-https"
)

// nameMongoDBInstance is member i's instance. The index is part of the name
// because a two-zone platform has two members in its first zone.
func nameMongoDBInstance(i int, zone string) resource.Name {
	return resource.Name(fmt.Sprintf("mongodb-%d-%s", i, zone))
}

// nameMongoDBRecord is member i's DNS record.
func nameMongoDBRecord(i int) resource.Name {
	return resource.Name(fmt.Sprintf("mongodb-dns-record-%d", i))
}

const (
	// mongodbStore names the security group and labels what members use.
	mongodbStore = "mongodb"
	// roleMongoDB labels the members' role, policy and instance profile;
	// selectors are per kind, so one label serves them all.
	roleMongoDB = "mongodb"
	// roleMongoDBZone labels the private hosted zone.
	roleMongoDBZone = "mongodb-dns"

	// mongodbSSMPolicy is the AWS managed policy Session Manager needs.
	mongodbSSMPolicy = "AmazonSSMManagedInstanceCore"

	mongodbPort = 27017
	// mongodbMemberCount is fixed: three voting members survive the loss of
	// one, and a two-zone platform still gets three by wrapping around.
	mongodbMemberCount = 3
	// mongodbReplicaSet is the replica set's name. It is fixed: it is set
	// once by rs.initiate and cannot change without re-creating the set, and
	// each platform has its own set, so it need not be unique.
	mongodbReplicaSet = "rs0"
	// mongodbIPOffset puts member addresses at the 11th address of their
	// subnet (network + 10), past the 4 that AWS reserves, so that DNS names
	// need no observed state. A second member in the same subnet (two-zone
	// platforms) takes the next address.
	mongodbIPOffset = 10
	// AL2023's root device, and the data volume's. On Nitro instances the
	// data volume is an NVMe device; amazon-ec2-utils' udev rules link
	// /dev/sdf to it.
	mongodbRootDevice    = "/dev/xvda"
	mongodbDataDevice    = "/dev/sdf"
	mongodbRootVolumeGiB = 20
	mongodbDNSTTL        = 60
	// Secret ids under openedx/<platform>/; the members' policy names
	// each of them.
	mongodbKeyfileSecretID = "mongodb-keyfile"
	mongodbAdminSecretID   = "mongodb-admin"
	mongodbCAKeySecretID   = "mongodb-ca-key"
	mongodbCASecretID      = "mongodb-ca"
	// Launch template and IAM policy names are at most 128 characters.
	maxMongoDBAWSName = 128
)

// An external replica set's members and name go into the tenants'
// connection strings (mongodb://<hosts>/?replicaSet=<name>&...) and
// NetworkPolicies unescaped, so the XRD (apis/v1alpha1, the same patterns)
// and newPlan accept only what needs no escaping: a DNS name, IPv4 or
// [IPv6] address with a port of 1 to 65535, and a name of letters, digits,
// '.', '_' and '-'.
const (
	// The XRD's items:MaxLength of hosts: a 253-character name, ':' and
	// five digits.
	maxExternalMongoDBHost       = 261
	maxExternalMongoDBReplicaSet = 128
)

var (
	externalMongoDBHost       = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$`)
	externalMongoDBReplicaSet = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// mongodbInitScript installs, configures and joins a member. The Go side
// only prepends variable assignments to it.
//
//go:embed mongodb-init.sh
var mongodbInitScript string

// mongodbMember is one member of the replica set.
type mongodbMember struct {
	Index int
	Zone  string
	IP    netip.Addr
	// Host is the member's DNS name in the platform's private zone.
	Host string
}

// mongodbDomain is the platform's private hosted zone.
func mongodbDomain(p *plan) string { return p.Name + ".openedx.internal" }

// mongodbHost is member i's DNS name.
func mongodbHost(p *plan, i int) string { return fmt.Sprintf("mongodb-%d.%s", i, mongodbDomain(p)) }

// mongodbMembers places member i in zone i modulo the number of zones, at a
// fixed address of that zone's private-db subnet.
func mongodbMembers(p *plan) ([]mongodbMember, error) {
	if len(p.Zones) == 0 {
		return nil, errors.New("the platform has no availability zones")
	}
	out := make([]mongodbMember, 0, mongodbMemberCount)
	for i := range mongodbMemberCount {
		z := p.Zones[i%len(p.Zones)]
		var db netip.Prefix
		for _, s := range p.Subnets {
			if s.Tier == TierPrivateDB && s.Zone == z {
				db = s.CIDR
			}
		}
		if !db.IsValid() || !db.Addr().Is4() {
			return nil, errors.Errorf("no IPv4 private-db subnet in zone %s", z)
		}
		base := binary.BigEndian.Uint32(db.Addr().AsSlice())
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], base+uint32(mongodbIPOffset+i/len(p.Zones))) //nolint:gosec // At most 3 members.
		ip := netip.AddrFrom4(b)
		if !db.Contains(ip) {
			return nil, errors.Errorf("subnet %s is too small for member %d", db, i)
		}
		out = append(out, mongodbMember{Index: i, Zone: z, IP: ip, Host: mongodbHost(p, i)})
	}
	return out, nil
}

// mongodbSecretIDs are the members' secrets.
var mongodbSecretIDs = []string{mongodbKeyfileSecretID, mongodbAdminSecretID, mongodbCAKeySecretID, mongodbCASecretID}

// mongodbPolicy lets members read and write their own four secrets and
// nothing else: the keyfile, admin and CA secrets are encrypted with the
// data key, which they may use only through Secrets Manager. Secrets
// Manager appends a dash and six characters to a secret's name in its ARN.
func mongodbPolicy(p *plan, dataKeyARN, account string) (string, error) {
	arns := make([]string, 0, len(mongodbSecretIDs))
	for _, id := range mongodbSecretIDs {
		arns = append(arns, fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s-??????", p.Partition, p.Region, account, p.secretName(id)))
	}
	doc := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{
		{
			Sid:      "MongoDBSecrets",
			Effect:   "Allow",
			Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"},
			Resource: arns,
		},
		dataKeyThroughSecretsManager(p, dataKeyARN),
	}}
	return doc.JSON()
}

// mongodb composes the replica set, unless the platform uses an external
// one. Without the data key's ARN, which names the account in the members'
// policy, it composes everything but the policy, the instance profile and
// what launches with them, and says what is missing.
func mongodb(p *plan, dataKeyARN string) (rs []compose.Resource, missing []string, err error) {
	if p.MongoDB.External != nil {
		return nil, nil, nil
	}
	members, err := mongodbMembers(p)
	if err != nil {
		return nil, nil, err
	}
	memberRole, err := role(p, nameMongoDBRole, roleMongoDB, "Assumed by the MongoDB members of Open edX platform "+p.Name, awsiam.ServiceTrust("ec2.amazonaws.com", "sts:AssumeRole"))
	if err != nil {
		return nil, nil, err
	}

	rs = securityGroup(p, mongodbStore, mongodbPort, "MongoDB of Open edX platform "+p.Name+": the private-app subnets and the members only")
	rs = append(rs, mongodbSecurityGroupRules(p)...)
	rs = append(rs,
		memberRole,
		// Session Manager is the only way in: no key pair, no SSH.
		attachment(p, roleMongoDB, mongodbSSMPolicy),
		secret(p, nameMongoDBKeyfileSecret, mongodbKeyfileSecretID, "Keyfile the MongoDB members of Open edX platform "+p.Name+" authenticate each other with; written by member 0"),
		secret(p, nameMongoDBAdminSecret, mongodbAdminSecretID, "Credentials of the root user of the MongoDB of Open edX platform "+p.Name+", as JSON with username and password; written by member 0"),
		secret(p, nameMongoDBCAKeySecret, mongodbCAKeySecretID, "Private key (PEM) of the CA that issues the TLS certificates of the MongoDB members of Open edX platform "+p.Name+"; written by member 0, read by members only"),
		secret(p, nameMongoDBCASecret, mongodbCASecretID, "Certificate (PEM) of the CA of the MongoDB members of Open edX platform "+p.Name+", which clients verify them with; written by member 0"),
	)
	rs = append(rs, mongodbDNS(p, members)...)

	if dataKeyARN == "" {
		return rs, []string{fmt.Sprintf("the ARN of KMS key %q", nameDataKey)}, nil
	}
	account, err := dataKeyAccount(p, dataKeyARN)
	if err != nil {
		return nil, nil, err
	}
	policy, err := mongodbPolicy(p, dataKeyARN, account)
	if err != nil {
		return nil, nil, err
	}
	awsName := compose.Truncate(p.Name+"-mongodb", maxMongoDBAWSName)
	rs = append(rs,
		compose.Resource{Name: nameMongoDBPolicy, Object: &iamv1beta1.Policy{
			ObjectMeta: externallyNamed(awsName, map[string]string{LabelRole: roleMongoDB}),
			Spec: iamv1beta1.PolicySpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: iamv1beta1.PolicyParameters{
					Description: ptr.To("Secrets of the MongoDB members of Open edX platform " + p.Name),
					Policy:      &policy,
					Tags:        p.tags(awsName),
				},
			},
		}},
		compose.Resource{Name: nameMongoDBPolicyAttachment, Object: &iamv1beta1.RolePolicyAttachment{
			Spec: iamv1beta1.RolePolicyAttachmentSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: iamv1beta1.RolePolicyAttachmentParameters{
					PolicyArnSelector: selector(map[string]string{LabelRole: roleMongoDB}),
					RoleSelector:      selector(map[string]string{LabelRole: roleMongoDB}),
				},
			},
		}},
		compose.Resource{Name: nameMongoDBInstanceProfile, Object: &iamv1beta1.InstanceProfile{
			ObjectMeta: externallyNamed(awsName, map[string]string{LabelRole: roleMongoDB}),
			Spec: iamv1beta1.InstanceProfileSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: iamv1beta1.InstanceProfileParameters{
					RoleSelector: selector(map[string]string{LabelRole: roleMongoDB}),
					Tags:         p.tags(awsName),
				},
			},
		}},
		mongodbLaunchTemplate(p, awsName),
	)
	for _, m := range members {
		r, err := mongodbInstance(p, m, members, awsName)
		if err != nil {
			return nil, nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil, nil
}

// mongodbSecurityGroupRules add to the store's security group what members
// need: each other on 27017, and HTTPS out for the package repositories,
// SSM and Secrets Manager, through the NAT gateway. Nothing else goes out.
func mongodbSecurityGroupRules(p *plan) []compose.Resource {
	group := selector(map[string]string{LabelRole: securityGroupRole(mongodbStore)})
	tags := p.tags(p.Name + "-mongodb")
	return []compose.Resource{
		{Name: nameMongoDBIngressSelf, Object: &ec2v1beta1.SecurityGroupIngressRule{
			Spec: ec2v1beta1.SecurityGroupIngressRuleSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ec2v1beta1.SecurityGroupIngressRuleParameters{
					Region:                            &p.Region,
					SecurityGroupIDSelector:           group,
					ReferencedSecurityGroupIDSelector: group,
					IPProtocol:                        ptr.To("tcp"),
					FromPort:                          ptr.To(float64(mongodbPort)),
					ToPort:                            ptr.To(float64(mongodbPort)),
					Description:                       ptr.To("Replication between MongoDB members"),
					Tags:                              tags,
				},
			},
		}},
		{Name: nameMongoDBEgressSelf, Object: &ec2v1beta1.SecurityGroupEgressRule{
			Spec: ec2v1beta1.SecurityGroupEgressRuleSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ec2v1beta1.SecurityGroupEgressRuleParameters{
					Region:                            &p.Region,
					SecurityGroupIDSelector:           group,
					ReferencedSecurityGroupIDSelector: group,
					IPProtocol:                        ptr.To("tcp"),
					FromPort:                          ptr.To(float64(mongodbPort)),
					ToPort:                            ptr.To(float64(mongodbPort)),
					Description:                       ptr.To("Replication between MongoDB members"),
					Tags:                              tags,
				},
			},
		}},
		{Name: nameMongoDBEgressHTTPS, Object: egressToCIDR(p, securityGroupRole(mongodbStore), "0.0.0.0/0", 443,
			"Package repositories, SSM and Secrets Manager through the NAT gateway", p.Name+"-mongodb")},
	}
}

// mongodbDNS is the platform's private hosted zone and one A record per
// member. Addresses are fixed, so records exist before the members.
func mongodbDNS(p *plan, members []mongodbMember) []compose.Resource {
	zone := selector(map[string]string{LabelRole: roleMongoDBZone})
	rs := []compose.Resource{{Name: nameMongoDBZone, Object: &r53v1beta1.Zone{
		ObjectMeta: meta(map[string]string{LabelRole: roleMongoDBZone}),
		Spec: r53v1beta1.ZoneSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: r53v1beta1.ZoneParameters{
				Region:  &p.Region,
				Name:    ptr.To(mongodbDomain(p)),
				Comment: ptr.To("Private names of Open edX platform " + p.Name),
				VPC: []r53v1beta1.VPCParameters{{
					VPCIDSelector: selector(map[string]string{LabelRole: "vpc"}),
					VPCRegion:     &p.Region,
				}},
				Tags: p.tags(mongodbDomain(p)),
			},
		},
	}}}
	for _, m := range members {
		rs = append(rs, compose.Resource{Name: nameMongoDBRecord(m.Index), Object: &r53v1beta1.Record{
			Spec: r53v1beta1.RecordSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: r53v1beta1.RecordParameters{
					Region:         &p.Region,
					ZoneIDSelector: zone,
					Name:           ptr.To(m.Host),
					Type:           ptr.To("A"),
					TTL:            ptr.To(float64(mongodbDNSTTL)),
					Records:        []*string{ptr.To(m.IP.String())},
				},
			},
		}})
	}
	return rs
}

// mongodbLaunchTemplate is what every member launches with: one template
// for the three, so that the security settings (IMDSv2, encryption, the
// instance profile and security group, no key pair) are stated once and
// cannot differ between members. What differs per member (subnet, address,
// user data, termination protection) is set on each instance, which
// overrides the template.
//
// Members launch from the template's default version, and the template
// never moves its default version: a new version (e.g. a larger data
// volume) must not replace the running members, which it would do all at
// once, each with a new empty data volume. Volumes grow in place instead.
func mongodbLaunchTemplate(p *plan, awsName string) compose.Resource {
	lt := hardenedLaunchTemplate(p, roleMongoDB, awsName, "MongoDB members of Open edX platform "+p.Name)
	fp := &lt.Spec.ForProvider
	fp.Monitoring = []ec2v1beta1.MonitoringParameters{{Enabled: ptr.To(true)}}
	fp.BlockDeviceMappings = []ec2v1beta1.BlockDeviceMappingsParameters{
		encryptedVolume(mongodbRootDevice, mongodbRootVolumeGiB, true),
		// The data volume outlives its instance: a terminated member never
		// takes its data with it.
		encryptedVolume(mongodbDataDevice, p.MongoDB.VolumeSizeGiB, false),
	}
	fp.VPCSecurityGroupIDSelector = selector(map[string]string{LabelRole: securityGroupRole(mongodbStore)})
	return compose.Resource{Name: nameMongoDBLaunchTemplate, Object: lt}
}

// mongodbInstance is member m, launched from the template in its zone's
// private-db subnet at its fixed address.
//
// Its user data is an init parameter: it is used when the member is created
// and never updated, because changing an instance's user data stops and
// starts it, and all three members would restart at once whenever the
// script changed. A replaced member gets the current script.
//
// The instance is not late-initialized. AWS's provider keeps only a SHA-1 of
// the user data in its state; late initialization would copy that hash into
// spec.forProvider.userData, which is then no longer ignored and differs
// from the state, so every member would be stopped and restarted with the
// hash as its user data. Fields this function does not set stay as AWS
// computes them.
func mongodbInstance(p *plan, m mongodbMember, members []mongodbMember, templateName string) (compose.Resource, error) {
	userData, err := mongodbUserData(p, m, members)
	if err != nil {
		return compose.Resource{}, err
	}
	name := fmt.Sprintf("%s-mongodb-%d", p.Name, m.Index)
	spec := p.resourceSpec()
	spec.ManagementPolicies = mongodbInstancePolicies()
	return compose.Resource{Name: nameMongoDBInstance(m.Index, m.Zone), Object: &ec2v1beta1.Instance{
		ObjectMeta: meta(map[string]string{LabelRole: roleMongoDB, LabelZone: m.Zone}),
		Spec: ec2v1beta1.InstanceSpec{
			ResourceSpec: spec,
			ForProvider: ec2v1beta1.InstanceParameters{
				Region: &p.Region,
				LaunchTemplate: []ec2v1beta1.LaunchTemplateParameters{{
					Name:    &templateName,
					Version: ptr.To("$Default"),
				}},
				// On the instance rather than the template, so that a new
				// size is applied in place (stop, resize, start).
				InstanceType:     &p.MongoDB.InstanceType,
				SubnetIDSelector: selector(map[string]string{LabelTier: string(TierPrivateDB), LabelZone: m.Zone}),
				PrivateIP:        ptr.To(m.IP.String()),
				// Also on the instance, so that a running member is held to it.
				MetadataOptions: []ec2v1beta1.MetadataOptionsParameters{{
					HTTPEndpoint:            ptr.To("enabled"),
					HTTPTokens:              ptr.To("required"),
					HTTPPutResponseHopLimit: ptr.To(float64(1)),
				}},
				DisableAPITermination: ptr.To(p.Profile == v1alpha1.ProfileProduction),
				Tags:                  p.tags(name),
				// Tells which member a volume left by a terminated one was.
				VolumeTags: p.tags(name),
			},
			InitProvider: ec2v1beta1.InstanceInitParameters{
				UserData: &userData,
			},
		},
	}}, nil
}

// mongodbInstancePolicies are every management action but late
// initialization.
func mongodbInstancePolicies() xpv1.ManagementPolicies {
	return xpv1.ManagementPolicies{
		xpv1.ManagementActionObserve, xpv1.ManagementActionCreate,
		xpv1.ManagementActionUpdate, xpv1.ManagementActionDelete,
	}
}

// mongodbUserData is the init script of member m, after a header that sets
// its variables. Values are quoted for the shell; nothing else is generated.
func mongodbUserData(p *plan, m mongodbMember, members []mongodbMember) (string, error) {
	hosts := make([]string, len(members))
	for i, o := range members {
		hosts[i] = o.Host
	}
	vars := []struct{ name, value string }{
		{"PLATFORM", p.Name},
		{"REGION", p.Region},
		{"REPLICA_SET", mongodbReplicaSet},
		{"MEMBER_INDEX", strconv.Itoa(m.Index)},
		{"MEMBER_HOSTS", strings.Join(hosts, " ")},
		{"MEMBER_IP", m.IP.String()},
		{"ADMIN_SECRET_ID", p.secretName(mongodbAdminSecretID)},
		{"KEYFILE_SECRET_ID", p.secretName(mongodbKeyfileSecretID)},
		{"CA_KEY_SECRET_ID", p.secretName(mongodbCAKeySecretID)},
		{"CA_SECRET_ID", p.secretName(mongodbCASecretID)},
		{"MONGODB_VERSION", p.MongoDB.Version},
		{"DATA_DEVICE", mongodbDataDevice},
	}
	shebang, body, ok := strings.Cut(mongodbInitScript, "\n")
	if !ok || !strings.HasPrefix(shebang, "#!") {
		return "", errors.New("mongodb-init.sh does not start with a #! line")
	}
	var b strings.Builder
	b.WriteString(shebang + "\n")
	fmt.Fprintf(&b, "# Member %d of the MongoDB replica set of Open edX platform %s.\n", m.Index, strings.ReplaceAll(p.Name, "\n", " "))
	for _, v := range vars {
		q, err := shellSingleQuote(v.value)
		if err != nil {
			return "", errors.Wrapf(err, "cannot quote %s", v.name)
		}
		b.WriteString(v.name + "=" + q + "\n")
	}
	b.WriteString(mongodbScriptBody(body))
	return b.String(), nil
}

// mongodbScriptBody is the script without its comment and blank lines: EC2
// takes at most 16 KiB of user data, and the comments are for readers of
// mongodb-init.sh. No line of the script starts with # inside a string or
// a here-document whose content matters (mongod.conf's comments do not).
func mongodbScriptBody(body string) string {
	var b strings.Builder
	for line := range strings.Lines(body) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// shellSingleQuote quotes s for a POSIX shell: within single quotes nothing
// is special but the quote itself, written as '\” (close, escaped quote,
// reopen). A NUL byte cannot be passed to a shell at all.
func shellSingleQuote(s string) (string, error) {
	if strings.ContainsRune(s, 0) {
		return "", errors.New("value contains a NUL byte")
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'", nil
}

// mongodbStatus is how tenants reach MongoDB: the members' private names in
// member order, over TLS verified with the platform's CA, or what the spec
// says of an external replica set.
func mongodbStatus(p *plan, observed map[resource.Name]resource.ObservedComposed) v1alpha1.MongoDBStatus {
	if e := p.MongoDB.External; e != nil {
		// Every host gets its port, so that tenants take the hosts as
		// published.
		hosts := make([]string, 0, len(e.Hosts))
		for _, h := range e.Hosts {
			if _, _, err := net.SplitHostPort(h); err != nil {
				h = net.JoinHostPort(h, strconv.Itoa(mongodbPort))
			}
			hosts = append(hosts, h)
		}
		return v1alpha1.MongoDBStatus{
			Hosts:          hosts,
			ReplicaSet:     e.ReplicaSet,
			AdminSecretARN: e.AdminSecretARN,
			External:       true,
			TLS:            true,
		}
	}
	// Names depend on nothing observed, so tenants can be configured before
	// the members answer.
	hosts := make([]string, mongodbMemberCount)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("%s:%d", mongodbHost(p, i), mongodbPort)
	}
	return v1alpha1.MongoDBStatus{
		Hosts:          hosts,
		ReplicaSet:     mongodbReplicaSet,
		AdminSecretARN: compose.ObservedString(observed, nameMongoDBAdminSecret, "status.atProvider.arn"),
		TLS:            true,
		CASecretARN:    compose.ObservedString(observed, nameMongoDBCASecret, "status.atProvider.arn"),
	}
}
