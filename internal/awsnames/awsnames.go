// Package awsnames holds, in one table, the rules AWS and Kubernetes put on
// the names both functions derive, and derives names that satisfy them from
// any name the API server accepts.
//
// The platform's name is the XPlatform's metadata.name: any DNS-1123
// subdomain of at most 63 characters (Crossplane caps composite names at 63
// and shortens claim names to 57 before appending "-" and five random
// characters). Crossplane does not carry a pattern on metadata.name from the
// XRD into the CRD, so names such as "1prod", "prod--eu" and "prod.eu" are
// accepted at apply time: the derivation, not the schema, must make them
// valid.
package awsnames

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
)

// Rule is what one service accepts as one kind of name.
type Rule struct {
	// What names the kind of name, for messages.
	What string
	// Cite is where AWS or Kubernetes states the limit.
	Cite string
	// MinLen and MaxLen bound the length in bytes.
	MinLen, MaxLen int
	// Allowed lists every character the name may hold.
	Allowed string
	// First lists the characters the name may start with; empty means any
	// of Allowed.
	First string
	// Last lists the characters the name may end with; empty means any of
	// Allowed.
	Last string
	// NoDoubleHyphen refuses "--" anywhere.
	NoDoubleHyphen bool
	// NoDoublePeriod refuses "..", for DNS-like names.
	NoDoublePeriod bool
	// Prefix the name must start with, such as "aws-waf-logs-"; it is part
	// of the name and counts towards MaxLen.
	Prefix string
	// ReservedPrefixes are what the service keeps for its own names, such
	// as S3's "sthree-".
	ReservedPrefixes []string
}

// Character classes.
const (
	lower  = "abcdefghijklmnopqrstuvwxyz"
	upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits = "0123456789"
	alnum  = lower + digits
	letter = lower + upper
)

// The rules, one row per kind of name. Each cites the limit it encodes.
var (
	RDSClusterID = Rule{What: "Aurora DB cluster identifier", MinLen: 1, MaxLen: 63, Allowed: alnum + "-", First: lower, Last: alnum, NoDoubleHyphen: true,
		Cite: "RDS CreateDBCluster DBClusterIdentifier: 1-63 letters, digits or hyphens; first a letter; no trailing hyphen or two consecutive hyphens (stored lowercase)"}
	RDSInstanceID = Rule{What: "Aurora DB instance identifier", MinLen: 1, MaxLen: 63, Allowed: alnum + "-", First: lower, Last: alnum, NoDoubleHyphen: true,
		Cite: "RDS CreateDBInstance DBInstanceIdentifier: 1-63 letters, digits or hyphens; first a letter; no trailing hyphen or two consecutive hyphens"}
	RDSSnapshotID = Rule{What: "RDS final snapshot identifier", MinLen: 1, MaxLen: 255, Allowed: alnum + "-", First: lower, Last: alnum, NoDoubleHyphen: true,
		Cite: "RDS DeleteDBCluster FinalDBSnapshotIdentifier: 1-255 letters, digits or hyphens; first a letter; no trailing hyphen or two consecutive hyphens"}
	RDSParameterGroup = Rule{What: "RDS DB cluster parameter group name", MinLen: 1, MaxLen: 255, Allowed: alnum + "-", First: lower, Last: alnum, NoDoubleHyphen: true,
		Cite: "RDS CreateDBClusterParameterGroup DBClusterParameterGroupName: 1-255 letters, digits or hyphens; first a letter; no trailing hyphen or two consecutive hyphens"}
	RDSSubnetGroup = Rule{What: "RDS DB subnet group name", MinLen: 1, MaxLen: 255, Allowed: alnum + "-._ ",
		Cite: "RDS CreateDBSubnetGroup DBSubnetGroupName: up to 255 letters, digits, periods, underscores, spaces or hyphens (stored lowercase); not 'default'"}

	ElastiCacheReplicationGroupID = Rule{What: "ElastiCache replication group id", MinLen: 1, MaxLen: 40, Allowed: alnum + "-", First: lower, Last: alnum, NoDoubleHyphen: true,
		Cite: "ElastiCache CreateReplicationGroup ReplicationGroupId: 1-40 alphanumerics or hyphens; first a letter; no trailing hyphen or two consecutive hyphens (stored lowercase)"}
	ElastiCacheParameterGroup = Rule{What: "ElastiCache parameter group name", MinLen: 1, MaxLen: 255, Allowed: alnum + "-", First: lower, Last: alnum, NoDoubleHyphen: true,
		Cite: "ElastiCache CreateCacheParameterGroup CacheParameterGroupName: 1-255 alphanumerics or hyphens; first a letter; no trailing hyphen or two consecutive hyphens"}
	ElastiCacheSubnetGroup = Rule{What: "ElastiCache subnet group name", MinLen: 1, MaxLen: 255, Allowed: alnum + "-", First: alnum, Last: alnum,
		Cite: "ElastiCache CreateCacheSubnetGroup CacheSubnetGroupName: up to 255 alphanumerics or hyphens (stored lowercase)"}

	OpenSearchDomain = Rule{What: "OpenSearch domain name", MinLen: 3, MaxLen: 28, Allowed: alnum + "-", First: lower,
		Cite: "OpenSearch CreateDomain DomainName: 3-28 lowercase letters, digits or hyphens; first a lowercase letter"}

	EKSCluster = Rule{What: "EKS cluster name", MinLen: 1, MaxLen: 100, Allowed: letter + digits + "-_", First: letter + digits,
		Cite: "EKS CreateCluster name: 1-100 characters matching ^[0-9A-Za-z][A-Za-z0-9\\-_]*$"}

	IAMRole = Rule{What: "IAM role name", MinLen: 1, MaxLen: 64, Allowed: letter + digits + "+=,.@_-",
		Cite: "IAM CreateRole RoleName: 1-64 characters of [\\w+=,.@-]"}
	IAMPolicy = Rule{What: "IAM policy name", MinLen: 1, MaxLen: 128, Allowed: letter + digits + "+=,.@_-",
		Cite: "IAM CreatePolicy PolicyName: 1-128 characters of [\\w+=,.@-]"}
	IAMUser = Rule{What: "IAM user name", MinLen: 1, MaxLen: 64, Allowed: letter + digits + "+=,.@_-",
		Cite: "IAM CreateUser UserName: 1-64 characters of [\\w+=,.@-]"}
	IAMInstanceProfile = Rule{What: "IAM instance profile name", MinLen: 1, MaxLen: 128, Allowed: letter + digits + "+=,.@_-",
		Cite: "IAM CreateInstanceProfile InstanceProfileName: 1-128 characters of [\\w+=,.@-]"}

	// S3Bucket refuses periods although S3 allows them: a dotted name breaks
	// the TLS certificate of virtual-hosted-style URLs. S3's reserved
	// suffixes are not rules here: the functions derive the start of a
	// bucket name with this rule and end every name with its region, which
	// no reserved suffix matches; refusing them in the start would rename
	// the live buckets of a platform called, say, prod-s3alias.
	S3Bucket = Rule{What: "S3 bucket name", MinLen: 3, MaxLen: 63, Allowed: alnum + "-", First: alnum, Last: alnum, NoDoubleHyphen: true,
		ReservedPrefixes: []string{"xn--", "sthree-", "amzn-s3-demo-"},
		Cite:             "S3 general purpose bucket naming rules: 3-63 lowercase letters, digits, periods or hyphens; begin and end with a letter or digit; no prefix xn--, sthree- or amzn-s3-demo-; no suffix -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3 (we also refuse '.' for TLS and '--')"}

	SecretsManagerName = Rule{What: "Secrets Manager secret name", MinLen: 1, MaxLen: 512, Allowed: letter + digits + "/_+=.@-",
		Cite: "Secrets Manager CreateSecret Name: 1-512 characters of letters, digits and /_+=.@-"}

	// KMSAlias is the alias without its "alias/" prefix, which counts
	// towards AWS's 256.
	KMSAlias = Rule{What: "KMS alias name", MinLen: 1, MaxLen: 256 - len("alias/"), Allowed: letter + digits + "/_-",
		Cite: "KMS CreateAlias AliasName: alias/ then letters, digits, '/', '_' or '-', 256 characters in all; not alias/aws/"}

	LogGroup = Rule{What: "CloudWatch Logs log group name", MinLen: 1, MaxLen: 512, Allowed: letter + digits + "._-/#",
		Cite: "CloudWatch Logs CreateLogGroup logGroupName: 1-512 characters of [\\.\\-_/#A-Za-z0-9]"}
	WAFLogGroup = Rule{What: "WAF log group name", MinLen: 1, MaxLen: 512, Allowed: letter + digits + "._-/#", Prefix: "aws-waf-logs-",
		Cite: "WAF logging destinations: a CloudWatch Logs log group whose name starts with aws-waf-logs-"}

	WAFWebACL = Rule{What: "WAF web ACL name", MinLen: 1, MaxLen: 128, Allowed: letter + digits + "_-",
		Cite: "WAFv2 CreateWebACL Name: 1-128 characters matching ^[\\w\\-]+$"}
	WAFMetricName = Rule{What: "WAF metric name", MinLen: 1, MaxLen: 255, Allowed: letter + digits + "_-#:./",
		Cite: "WAFv2 VisibilityConfig MetricName: 1-255 characters matching ^[\\w#:\\.\\-/]+$, no whitespace"}

	SESConfigurationSet = Rule{What: "SES configuration set name", MinLen: 1, MaxLen: 64, Allowed: letter + digits + "_-",
		Cite: "SES CreateConfigurationSet ConfigurationSetName: at most 64 letters, digits, underscores or dashes"}
	SNSTopic = Rule{What: "SNS topic name", MinLen: 1, MaxLen: 256, Allowed: letter + digits + "_-",
		Cite: "SNS CreateTopic Name: 1-256 letters, digits, underscores or hyphens"}

	EC2LaunchTemplate = Rule{What: "EC2 launch template name", MinLen: 3, MaxLen: 128, Allowed: letter + digits + "()./_-",
		Cite: "EC2 CreateLaunchTemplate LaunchTemplateName: 3-128 characters of [a-zA-Z0-9().\\-/_]"}
	EC2SecurityGroup = Rule{What: "EC2 security group name", MinLen: 1, MaxLen: 255, Allowed: letter + digits + " ._-:/()#,@[]+=&;{}!$*",
		Cite: "EC2 CreateSecurityGroup GroupName (VPC): up to 255 characters of a-zA-Z0-9 spaces ._-:/()#,@[]+=&;{}!$*; not starting with sg-"}

	CloudFrontOAC = Rule{What: "CloudFront origin access control name", MinLen: 1, MaxLen: 64, Allowed: letter + digits + "._-",
		Cite: "CloudFront CreateOriginAccessControl Name: at most 64 characters"}

	// DNSLabel is one label of a DNS name; a private hosted zone name is
	// made of them.
	DNSLabel = Rule{What: "DNS label", MinLen: 1, MaxLen: 63, Allowed: alnum + "-", First: alnum, Last: alnum,
		Cite: "RFC 1123 section 2.1 host name label: 1-63 letters, digits or hyphens, not starting or ending with a hyphen"}

	KubernetesNamespace = Rule{What: "Kubernetes namespace name", MinLen: 1, MaxLen: 63, Allowed: alnum + "-", First: alnum, Last: alnum,
		Cite: "Kubernetes namespaces are RFC 1123 labels: at most 63 lowercase alphanumerics or '-', starting and ending alphanumeric"}
	KubernetesName = Rule{What: "Kubernetes object name", MinLen: 1, MaxLen: 253, Allowed: alnum + "-.", First: alnum, Last: alnum, NoDoublePeriod: true,
		Cite: "Kubernetes object names are RFC 1123 subdomains: at most 253 lowercase alphanumerics, '-' or '.', starting and ending alphanumeric"}
	KubernetesLabelValue = Rule{What: "Kubernetes label value", MinLen: 0, MaxLen: 63, Allowed: letter + digits + "-_.", First: letter + digits, Last: letter + digits,
		Cite: "Kubernetes label values: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric"}
)

// Rules is the table, for tests and documentation.
var Rules = []Rule{
	RDSClusterID, RDSInstanceID, RDSSnapshotID, RDSParameterGroup, RDSSubnetGroup,
	ElastiCacheReplicationGroupID, ElastiCacheParameterGroup, ElastiCacheSubnetGroup,
	OpenSearchDomain, EKSCluster,
	IAMRole, IAMPolicy, IAMUser, IAMInstanceProfile,
	S3Bucket, SecretsManagerName, KMSAlias, LogGroup, WAFLogGroup, WAFWebACL, WAFMetricName,
	SESConfigurationSet, SNSTopic, EC2LaunchTemplate, EC2SecurityGroup, CloudFrontOAC,
	DNSLabel, KubernetesNamespace, KubernetesName, KubernetesLabelValue,
}

// Check returns why name breaks the rule, or nil.
func (r Rule) Check(name string) error {
	switch {
	case len(name) < r.MinLen || len(name) > r.MaxLen:
		return errors.Errorf("%s %q must be %d to %d characters (%s)", r.What, name, r.MinLen, r.MaxLen, r.Cite)
	case !strings.HasPrefix(name, r.Prefix):
		return errors.Errorf("%s %q must start with %q (%s)", r.What, name, r.Prefix, r.Cite)
	case name == "":
		return nil
	}
	for i := 0; i < len(name); i++ {
		if !strings.ContainsRune(r.Allowed, rune(name[i])) {
			return errors.Errorf("%s %q must not hold %q (%s)", r.What, name, name[i], r.Cite)
		}
	}
	switch {
	case r.First != "" && !strings.ContainsRune(r.First, rune(name[0])):
		return errors.Errorf("%s %q must not start with %q (%s)", r.What, name, name[0], r.Cite)
	case r.Last != "" && !strings.ContainsRune(r.Last, rune(name[len(name)-1])):
		return errors.Errorf("%s %q must not end with %q (%s)", r.What, name, name[len(name)-1], r.Cite)
	case r.NoDoubleHyphen && strings.Contains(name, "--"):
		return errors.Errorf("%s %q must not hold two consecutive hyphens (%s)", r.What, name, r.Cite)
	case r.NoDoublePeriod && strings.Contains(name, ".."):
		return errors.Errorf("%s %q must not hold two consecutive periods (%s)", r.What, name, r.Cite)
	}
	if p := r.reservedPrefix(name); p != "" {
		return errors.Errorf("%s %q must not start with %q, which AWS reserves (%s)", r.What, name, p, r.Cite)
	}
	return nil
}

// reservedPrefix is the reserved prefix name starts with, or "".
func (r Rule) reservedPrefix(name string) string {
	for _, p := range r.ReservedPrefixes {
		if strings.HasPrefix(name, p) {
			return p
		}
	}
	return ""
}

// hashLen is how many hex digits of SHA-256 tell apart two names that
// derivation would otherwise merge; the same as compose.Truncate's.
const hashLen = 8

// Name derives a name that satisfies r from base. A valid base is returned
// unchanged, so that names of live resources do not move. Otherwise
// characters the rule refuses become '-', runs of '-' collapse where the
// rule refuses "--", a base that may not start with its first character or
// starts with a reserved prefix is prefixed with "x", and the result is cut to fit and suffixed with a hash of
// base: the changes can merge two bases ("prod.eu", "prod-eu"), the hash
// keeps them apart. A base that is only too long gets the same name as
// compose.Truncate gives it, unless that name ended in a hyphen.
func (r Rule) Name(base string) string {
	if r.Check(base) == nil {
		return base
	}
	body := strings.TrimPrefix(base, r.Prefix)
	b := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !strings.ContainsRune(r.Allowed, rune(c)) && strings.ContainsRune(r.Allowed, rune(c|0x20)) {
			c |= 0x20 // An upper-case letter where only lower case is allowed.
		}
		if !strings.ContainsRune(r.Allowed, rune(c)) {
			c = '-'
		}
		if (r.NoDoubleHyphen && c == '-' || r.NoDoublePeriod && c == '.') && len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	s := string(b)
	if s != "" && (r.First != "" && !strings.ContainsRune(r.First, rune(s[0])) || r.reservedPrefix(r.Prefix+s) != "") {
		s = "x" + s
	}
	sum := sha256.Sum256([]byte(base))
	h := hex.EncodeToString(sum[:])[:hashLen]
	room := r.MaxLen - len(r.Prefix) - len(h) - 1
	if len(s) > room {
		s = s[:room]
	}
	// The end of the cut joins the hash with a '-': drop what may not stand
	// there, so that no "--" or "-." is left.
	s = strings.TrimRight(s, "-._ /")
	if s == "" {
		return r.Prefix + "x-" + h
	}
	return r.Prefix + s + "-" + h
}

// Join is r.Name of parts joined by '-'.
func (r Rule) Join(parts ...string) string { return r.Name(strings.Join(parts, "-")) }

// RandomSubdomain is a random DNS-1123 subdomain of n characters, what the
// API server accepts as an XPlatform's name: '.' and '-' are frequent, so
// that "--", "-x.y" and digits first are common. Tests of both functions
// draw platform names from it.
func RandomSubdomain(r interface{ IntN(int) int }, n int) string {
	const chars = alnum + "-----.."
	b := make([]byte, n)
	for i := range b {
		c := alnum[r.IntN(len(alnum))]
		if i > 0 && i < n-1 && b[i-1] != '.' {
			c = chars[r.IntN(len(chars))]
			if c == '.' && b[i-1] == '-' {
				c = '-'
			}
		}
		b[i] = c
	}
	return string(b)
}

// ECRRepository is an ECR repository name, such as <platform>/openedx.
var ECRRepository = Rule{What: "ECR repository name", MinLen: 2, MaxLen: 256, Allowed: alnum + "._-/", First: alnum, Last: alnum, NoDoubleHyphen: true, NoDoublePeriod: true,
	Cite: "ECR CreateRepository repositoryName: 2-256 characters matching (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"}

func init() { Rules = append(Rules, ECRRepository) }

// WithMax is r with a lower length limit, for a part of a name that
// something fixed follows, such as a bucket's account and region.
func (r Rule) WithMax(n int) Rule {
	r.MaxLen = min(r.MaxLen, n)
	return r
}

// ECRComponent is one component of an ECR repository name; the
// platform's name prefixes every repository.
var ECRComponent = Rule{What: "ECR repository name component", MinLen: 1, MaxLen: 256, Allowed: alnum + "-", First: alnum, Last: alnum, NoDoubleHyphen: true,
	Cite: "ECR repositoryName components match [a-z0-9]+(?:[._-][a-z0-9]+)*: we keep to single '-' between letters and digits"}
