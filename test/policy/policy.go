// Package policy holds the security and cost rules that every rendered
// resource must pass. Each rule mirrors a check of a well-known scanner
// (Checkov, tfsec/Trivy, the CIS EKS benchmark) where one exists, so that a
// reviewer can map our output to the controls they already audit.
package policy

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Rule is one policy.
type Rule struct {
	// Name of the rule, and the scanner checks it mirrors.
	Name string
	// Applies reports whether the rule concerns obj.
	Applies func(obj *unstructured.Unstructured) bool
	// Check returns why obj breaks the rule, or nil.
	Check func(obj *unstructured.Unstructured) error
}

// sseS3Buckets are the encryption configurations of the buckets that use
// SSE-S3 by design, by composition resource name.
var sseS3Buckets = []string{"s3-bucket-static-encryption", "s3-bucket-alb-logs-encryption", "s3-bucket-cdn-logs-encryption"}

// RequiredTags are the cost-allocation tags of every taggable AWS resource.
var RequiredTags = []string{"cost-center", "platform", "managed-by"}

// Rules is every rule. Taggable reports whether a kind's CRD has
// spec.forProvider.tags; rules must not guess that from kind names.
func Rules(taggable func(obj *unstructured.Unstructured) bool) []Rule {
	return []Rule{
		{
			Name:    "every taggable AWS resource carries the cost-allocation tags",
			Applies: func(o *unstructured.Unstructured) bool { return isAWS(o) && taggable(o) },
			Check: func(o *unstructured.Unstructured) error {
				tags, _, _ := unstructured.NestedStringMap(o.Object, "spec", "forProvider", "tags")
				var missing []string
				for _, t := range RequiredTags {
					if tags[t] == "" {
						missing = append(missing, t)
					}
				}
				if len(missing) > 0 {
					return errors.Errorf("missing tags %s", strings.Join(missing, ", "))
				}
				return nil
			},
		},
		{
			Name:    "subnets never assign public IPs on launch (Checkov CKV_AWS_130)",
			Applies: is("ec2.aws.upbound.io", "Subnet"),
			Check:   wantBool(false, "spec", "forProvider", "mapPublicIpOnLaunch"),
		},
		{
			Name:    "KMS keys rotate yearly (Checkov CKV_AWS_7, tfsec aws-kms-auto-rotate-keys)",
			Applies: is("kms.aws.upbound.io", "Key"),
			Check:   wantBool(true, "spec", "forProvider", "enableKeyRotation"),
		},
		{
			Name:    "EKS encrypts secrets with a KMS key (Checkov CKV_AWS_58, CIS EKS 5.3.1)",
			Applies: is("eks.aws.upbound.io", "Cluster"),
			Check: func(o *unstructured.Unstructured) error {
				ecs, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "encryptionConfig")
				for _, ec := range ecs {
					m, _ := ec.(map[string]any)
					res, _, _ := unstructured.NestedStringSlice(m, "resources")
					prov, _, _ := unstructured.NestedSlice(m, "provider")
					if slices.Contains(res, "secrets") && len(prov) == 1 {
						if arn, _, _ := unstructured.NestedString(prov[0].(map[string]any), "keyArn"); strings.HasPrefix(arn, "arn:") {
							return nil
						}
					}
				}
				return errors.Errorf("secrets are not encrypted with a KMS key ARN")
			},
		},
		{
			Name:    "EKS sends every control-plane log type (Checkov CKV_AWS_37, CIS EKS 2.1.1)",
			Applies: is("eks.aws.upbound.io", "Cluster"),
			Check: func(o *unstructured.Unstructured) error {
				got, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "forProvider", "enabledClusterLogTypes")
				for _, t := range []string{"api", "audit", "authenticator", "controllerManager", "scheduler"} {
					if !slices.Contains(got, t) {
						return errors.Errorf("log type %s is not enabled", t)
					}
				}
				return nil
			},
		},
		{
			Name:    "EKS public endpoint is limited to listed CIDRs, never the Internet (Checkov CKV_AWS_38/39, CIS EKS 5.4.2)",
			Applies: is("eks.aws.upbound.io", "Cluster"),
			Check: func(o *unstructured.Unstructured) error {
				vcs, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "vpcConfig")
				if len(vcs) != 1 {
					return errors.Errorf("want one vpcConfig, got %d", len(vcs))
				}
				vc := vcs[0].(map[string]any)
				if private, _, _ := unstructured.NestedBool(vc, "endpointPrivateAccess"); !private {
					return errors.Errorf("the private endpoint is off: nodes would reach the API over the Internet")
				}
				public, _, _ := unstructured.NestedBool(vc, "endpointPublicAccess")
				cidrs, _, _ := unstructured.NestedStringSlice(vc, "publicAccessCidrs")
				if public && len(cidrs) == 0 {
					return errors.Errorf("the public endpoint is open to the whole Internet")
				}
				for _, c := range cidrs {
					p, err := netip.ParsePrefix(c)
					if err != nil || p.Bits() < 16 || p.Addr().Is6() && p.Bits() < 48 {
						return errors.Errorf("the public endpoint is open to the whole Internet or a range wider than an IPv4 /16 or IPv6 /48: %s", c)
					}
				}
				return nil
			},
		},
		{
			Name:    "EKS stays on standard support, never the 6x-priced extended support (cost)",
			Applies: is("eks.aws.upbound.io", "Cluster"),
			Check: func(o *unstructured.Unstructured) error {
				ups, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "upgradePolicy")
				if len(ups) == 1 {
					if s, _, _ := unstructured.NestedString(ups[0].(map[string]any), "supportType"); s == "STANDARD" {
						return nil
					}
				}
				return errors.Errorf("upgradePolicy.supportType is not STANDARD")
			},
		},
		{
			Name:    "log groups expire (Checkov CKV_AWS_338, cost)",
			Applies: is("cloudwatchlogs.aws.upbound.io", "Group"),
			Check: func(o *unstructured.Unstructured) error {
				if d, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", "retentionInDays"); d == nil {
					return errors.Errorf("retentionInDays is not set: logs would be kept and billed forever")
				}
				return nil
			},
		},
		{
			Name:    "Aurora is encrypted with a KMS key, protected from deletion, backed up 7 days or more, and its password never passes through Crossplane (Checkov CKV_AWS_96, CKV_AWS_139, CKV_AWS_133)",
			Applies: is("rds.aws.upbound.io", "Cluster"),
			Check: func(o *unstructured.Unstructured) error {
				fp := func(f string) any {
					v, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", f)
					return v
				}
				switch {
				case fp("storageEncrypted") != true:
					return errors.Errorf("storageEncrypted is not true")
				case fp("kmsKeyId") == nil && fp("kmsKeyIdSelector") == nil:
					return errors.Errorf("no customer KMS key")
				case fp("deletionProtection") != true:
					return errors.Errorf("deletionProtection is not true")
				case toFloat(fp("backupRetentionPeriod")) < 7:
					return errors.Errorf("backupRetentionPeriod %v is under 7 days", fp("backupRetentionPeriod"))
				case fp("manageMasterUserPassword") != true || fp("masterPasswordSecretRef") != nil:
					return errors.Errorf("the master password must be managed by RDS in Secrets Manager")
				}
				return nil
			},
		},
		{
			// The members' mongod.conf is written by their user data
			// (functions/platform/mongodb-init.sh); tenants connect with
			// the platform's CA, published in its status.
			Name: "MongoDB members accept TLS 1.2 or later only, for clients and members alike (CIS MongoDB 6.1, as Aurora and Valkey require TLS)",
			Applies: func(o *unstructured.Unstructured) bool {
				return is("ec2.aws.upbound.io", "Instance")(o) && o.GetLabels()["platform.openedx.cloud/role"] == "mongodb"
			},
			Check: func(o *unstructured.Unstructured) error {
				// In initProvider, so that a change of the script does
				// not replace a running member.
				ud, _, _ := unstructured.NestedString(o.Object, "spec", "initProvider", "userData")
				if ud == "" {
					ud, _, _ = unstructured.NestedString(o.Object, "spec", "forProvider", "userData")
				}
				for _, want := range []string{"mode: requireTLS", "disabledProtocols: TLS1_0,TLS1_1", "certificateKeyFile: ", "CAFile: "} {
					if !strings.Contains(ud, want) {
						return errors.Errorf("its user data does not configure mongod with %q", want)
					}
				}
				return nil
			},
		},
		{
			Name:    "database instances are not publicly accessible (Checkov CKV_AWS_17)",
			Applies: is("rds.aws.upbound.io", "ClusterInstance"),
			Check:   wantBool(false, "spec", "forProvider", "publiclyAccessible"),
		},
		{
			Name:    "ElastiCache encrypts at rest with a KMS key and requires TLS in transit (Checkov CKV_AWS_29, CKV_AWS_30, CKV_AWS_191)",
			Applies: is("elasticache.aws.upbound.io", "ReplicationGroup"),
			Check: func(o *unstructured.Unstructured) error {
				fp := func(f string) any {
					v, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", f)
					return v
				}
				switch {
				case fp("atRestEncryptionEnabled") != "true":
					return errors.Errorf("atRestEncryptionEnabled is not true")
				case fp("kmsKeyId") == nil && fp("kmsKeyIdSelector") == nil:
					return errors.Errorf("no customer KMS key")
				case fp("transitEncryptionEnabled") != true || fp("transitEncryptionMode") != "required":
					return errors.Errorf("TLS in transit is not required")
				case fp("authTokenSecretRef") == nil:
					return errors.Errorf("no AUTH token")
				}
				return nil
			},
		},
		{
			Name:    "OpenSearch publishes its audit logs to CloudWatch Logs (Checkov CKV_AWS_317)",
			Applies: is("opensearch.aws.upbound.io", "Domain"),
			Check: func(o *unstructured.Unstructured) error {
				opts, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "logPublishingOptions")
				for _, op := range opts {
					m, _ := op.(map[string]any)
					enabled, _, _ := unstructured.NestedBool(m, "enabled")
					_, sel, _ := unstructured.NestedMap(m, "cloudwatchLogGroupArnSelector")
					arn, _, _ := unstructured.NestedString(m, "cloudwatchLogGroupArn")
					if m["logType"] == "AUDIT_LOGS" && enabled && (sel || arn != "") {
						return nil
					}
				}
				return errors.Errorf("no enabled AUDIT_LOGS publishing to a log group")
			},
		},
		{
			Name:    "OpenSearch is in the VPC, encrypted at rest and between nodes, HTTPS with TLS 1.2+ only, with fine-grained access control (Checkov CKV_AWS_5, CKV_AWS_6, CKV_AWS_228, CKV2_AWS_52)",
			Applies: is("opensearch.aws.upbound.io", "Domain"),
			Check: func(o *unstructured.Unstructured) error {
				first := func(f string) map[string]any {
					l, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", f)
					if len(l) != 1 {
						return map[string]any{}
					}
					m, _ := l[0].(map[string]any)
					return m
				}
				switch {
				case first("encryptAtRest")["enabled"] != true:
					return errors.Errorf("not encrypted at rest")
				case first("nodeToNodeEncryption")["enabled"] != true:
					return errors.Errorf("not encrypted between nodes")
				case first("domainEndpointOptions")["enforceHttps"] != true || !strings.HasPrefix(fmt.Sprint(first("domainEndpointOptions")["tlsSecurityPolicy"]), "Policy-Min-TLS-1-2"):
					return errors.Errorf("HTTPS with TLS 1.2 or later is not enforced")
				case first("advancedSecurityOptions")["enabled"] != true || first("advancedSecurityOptions")["anonymousAuthEnabled"] == true:
					return errors.Errorf("fine-grained access control is off")
				case len(first("vpcOptions")) == 0:
					return errors.Errorf("not in the VPC")
				}
				return nil
			},
		},
		{
			Name:    "launch templates require IMDSv2 with a hop limit of 1 and encrypt every volume (Checkov CKV_AWS_79, CKV_AWS_8)",
			Applies: is("ec2.aws.upbound.io", "LaunchTemplate"),
			Check: func(o *unstructured.Unstructured) error {
				md, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "metadataOptions")
				if len(md) != 1 || md[0].(map[string]any)["httpTokens"] != "required" || toFloat(md[0].(map[string]any)["httpPutResponseHopLimit"]) != 1 {
					return errors.Errorf("IMDSv2 is not required with hop limit 1")
				}
				bdms, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "blockDeviceMappings")
				for _, b := range bdms {
					ebs, _, _ := unstructured.NestedSlice(b.(map[string]any), "ebs")
					if len(ebs) != 1 || ebs[0].(map[string]any)["encrypted"] != "true" {
						return errors.Errorf("volume %v is not encrypted", b.(map[string]any)["deviceName"])
					}
				}
				if _, ok, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", "keyName"); ok {
					return errors.Errorf("a key pair is set: administration is through SSM only")
				}
				return nil
			},
		},
		{
			Name:    "security groups never admit the whole Internet (Checkov CKV_AWS_24/25/260)",
			Applies: is("ec2.aws.upbound.io", "SecurityGroupIngressRule"),
			Check: func(o *unstructured.Unstructured) error {
				for _, f := range []string{"cidrIpv4", "cidrIpv6"} {
					if c, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", f); c == "0.0.0.0/0" || c == "::/0" {
						return errors.Errorf("ingress from %s", c)
					}
				}
				return nil
			},
		},
		{
			Name:    "data stores live in the private-db subnets",
			Applies: func(o *unstructured.Unstructured) bool { return dataSubnetSelector(o) != nil },
			Check: func(o *unstructured.Unstructured) error {
				if tier := dataSubnetSelector(o)["platform.openedx.cloud/tier"]; tier != "private-db" {
					return errors.Errorf("placed in tier %q", tier)
				}
				return nil
			},
		},
		{
			Name:    "no credential value appears in any composed resource",
			Applies: func(*unstructured.Unstructured) bool { return true },
			Check: func(o *unstructured.Unstructured) error {
				if path := findCredential(o.Object, ""); path != "" {
					return errors.Errorf("credential value at %s", path)
				}
				return nil
			},
		},
		{
			Name:    "S3 buckets block every kind of public access (Checkov CKV_AWS_53-56)",
			Applies: is("s3.aws.upbound.io", "BucketPublicAccessBlock"),
			Check: func(o *unstructured.Unstructured) error {
				for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
					if err := wantBool(true, "spec", "forProvider", f)(o); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			Name:    "CloudFront serves HTTPS with TLS 1.2 or later only (Checkov CKV_AWS_174, CKV2_AWS_42)",
			Applies: is("cloudfront.aws.upbound.io", "Distribution"),
			Check: func(o *unstructured.Unstructured) error {
				vc, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "viewerCertificate")
				if len(vc) != 1 || !strings.HasPrefix(fmt.Sprint(vc[0].(map[string]any)["minimumProtocolVersion"]), "TLSv1.2") {
					return errors.Errorf("minimumProtocolVersion is not TLSv1.2 or later")
				}
				dcb, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "defaultCacheBehavior")
				if len(dcb) != 1 || dcb[0].(map[string]any)["viewerProtocolPolicy"] == "allow-all" {
					return errors.Errorf("viewers may use plain HTTP")
				}
				return nil
			},
		},
		{
			Name:    "CloudFront is protected by a WAF web ACL (Checkov CKV_AWS_68)",
			Applies: is("cloudfront.aws.upbound.io", "Distribution"),
			Check: func(o *unstructured.Unstructured) error {
				id, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "webAclId")
				if !strings.HasPrefix(id, "arn:") || !strings.Contains(id, ":global/webacl/") {
					return errors.Errorf("webAclId %q is not the ARN of a WAFv2 web ACL of scope CLOUDFRONT", id)
				}
				return nil
			},
		},
		{
			Name:    "CloudFront writes standard access logs to an S3 bucket, without cookies (Checkov CKV_AWS_86)",
			Applies: is("cloudfront.aws.upbound.io", "Distribution"),
			Check: func(o *unstructured.Unstructured) error {
				lc, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "loggingConfig")
				if len(lc) != 1 {
					return errors.Errorf("no loggingConfig")
				}
				m, _ := lc[0].(map[string]any)
				if b := fmt.Sprint(m["bucket"]); !strings.HasSuffix(b, ".s3.amazonaws.com") {
					return errors.Errorf("loggingConfig bucket %q is not an S3 bucket's domain name", b)
				}
				if m["includeCookies"] == true {
					return errors.Errorf("loggingConfig includes cookies, which carry session identifiers")
				}
				return nil
			},
		},
		{
			// The one exception: CloudFront's standard logging (legacy)
			// writes with an ACL granting its log-delivery account, and
			// refuses a bucket whose ACLs are off. Its public access block
			// still refuses every public ACL.
			Name: "S3 buckets have ACLs off (BucketOwnerEnforced), except CloudFront's log bucket (Checkov CKV2_AWS_65)",
			Applies: func(o *unstructured.Unstructured) bool {
				return is("s3.aws.upbound.io", "BucketOwnershipControls")(o) && Key(o) != "s3-bucket-cdn-logs-ownership-controls"
			},
			Check: func(o *unstructured.Unstructured) error {
				rules, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "rule")
				if len(rules) != 1 || rules[0].(map[string]any)["objectOwnership"] != "BucketOwnerEnforced" {
					return errors.Errorf("objectOwnership is not BucketOwnerEnforced")
				}
				return nil
			},
		},
		{
			Name:    "the shared load balancer negotiates TLS 1.2 or 1.3 only (tfsec aws-elb-use-secure-tls-policy)",
			Applies: manifestIs("IngressClassParams"),
			Check: func(o *unstructured.Unstructured) error {
				p, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "manifest", "spec", "sslPolicy")
				if !strings.HasPrefix(p, "ELBSecurityPolicy-TLS13-1-2") {
					return errors.Errorf("sslPolicy %q allows TLS older than 1.2", p)
				}
				return nil
			},
		},
		{
			// Set on the class, which wins over any Ingress's annotation,
			// so no tenant can turn the logs off.
			Name:    "the shared load balancer writes access logs to S3 (Checkov CKV_AWS_91)",
			Applies: manifestIs("IngressClassParams"),
			Check: func(o *unstructured.Unstructured) error {
				attrs, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "manifest", "spec", "loadBalancerAttributes")
				got := map[string]string{}
				for _, a := range attrs {
					if m, ok := a.(map[string]any); ok {
						got[fmt.Sprint(m["key"])] = fmt.Sprint(m["value"])
					}
				}
				if got["access_logs.s3.enabled"] != "true" || got["access_logs.s3.bucket"] == "" {
					return errors.Errorf("loadBalancerAttributes do not turn on access_logs.s3 to a bucket")
				}
				return nil
			},
		},
		{
			Name:    "IAM policies grant no data action on every resource (Checkov CKV_AWS_289, CKV_AWS_355, tfsec aws-iam-no-policy-wildcards)",
			Applies: isIAMPolicy,
			Check: func(o *unstructured.Unstructured) error {
				return eachAllowed(o, func(action, res string, _ conditions) error {
					if isDataAction(action) && (res == "*" || strings.HasSuffix(res, ":*") || strings.HasSuffix(res, ":::*")) {
						return errors.Errorf("%s is granted on %q", action, res)
					}
					return nil
				})
			},
		},
		{
			Name: "a tenant's IAM policy names only that tenant's own resources",
			Applies: func(o *unstructured.Unstructured) bool {
				return isIAMPolicy(o) && o.GetLabels()[labelTenant] != ""
			},
			Check: func(o *unstructured.Unstructured) error {
				tenant := o.GetLabels()[labelTenant]
				own := regexp.MustCompile(`(^|[:/-])` + regexp.QuoteMeta(tenant) + `([-/]|$)`)
				return eachAllowed(o, func(action, res string, cond conditions) error {
					// The data key is shared: it is granted only through
					// S3 and Secrets Manager, which the rule above checks
					// by resource.
					if strings.HasPrefix(action, "kms:") && strings.Contains(res, ":key/") {
						return nil
					}
					// Listing a shared bucket is fine when the listing is
					// limited to the tenant's own prefix.
					if action == "s3:ListBucket" && slices.ContainsFunc(cond["StringLike"]["s3:prefix"], own.MatchString) &&
						!slices.ContainsFunc(cond["StringLike"]["s3:prefix"], func(p string) bool { return !own.MatchString(p) }) {
						return nil
					}
					if !own.MatchString(res) {
						return errors.Errorf("%s is granted on %q, which is not tenant %q's", action, res, tenant)
					}
					return nil
				})
			},
		},
		{
			Name:    "S3 buckets are versioned (Checkov CKV_AWS_21)",
			Applies: is("s3.aws.upbound.io", "BucketVersioning"),
			Check: func(o *unstructured.Unstructured) error {
				vc, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "versioningConfiguration")
				if len(vc) != 1 || vc[0].(map[string]any)["status"] != "Enabled" {
					return errors.Errorf("versioning is not Enabled")
				}
				return nil
			},
		},
		{
			// The exceptions, by design: the static-assets bucket, whose
			// objects are public through CloudFront, whose Origin Access
			// Control could read SSE-KMS only if the data key's policy let
			// CloudFront decrypt; the load balancer's log bucket, since ALB
			// log delivery supports SSE-S3 only; and the distribution's
			// log bucket, which CloudFront's log-delivery account could
			// write with SSE-KMS only if the data key's policy let it.
			Name: "S3 buckets encrypt with SSE-KMS, except the public static assets and the access logs (Checkov CKV_AWS_145)",
			Applies: func(o *unstructured.Unstructured) bool {
				return is("s3.aws.upbound.io", "BucketServerSideEncryptionConfiguration")(o) &&
					!slices.Contains(sseS3Buckets, o.GetAnnotations()["crossplane.io/composition-resource-name"])
			},
			Check: func(o *unstructured.Unstructured) error {
				rules, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "rule")
				for _, r := range rules {
					defs, _ := r.(map[string]any)["applyServerSideEncryptionByDefault"].([]any)
					for _, d := range defs {
						m := d.(map[string]any)
						if m["sseAlgorithm"] == "aws:kms" && m["kmsMasterKeyId"] != nil {
							return nil
						}
					}
				}
				return errors.Errorf("not encrypted with SSE-KMS and a named key")
			},
		},
		{
			Name:    "Secrets Manager secrets are encrypted with a customer-managed KMS key (Checkov CKV_AWS_149)",
			Applies: is("secretsmanager.aws.upbound.io", "Secret"),
			Check: func(o *unstructured.Unstructured) error {
				k, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "kmsKeyId")
				sel, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "kmsKeyIdSelector")
				if k == "" && sel == nil {
					return errors.Errorf("kmsKeyId is not set: the AWS-managed key cannot be scoped")
				}
				return nil
			},
		},
		{
			Name:    "Jobs and Deployments composed into the cluster run as non-root without privilege escalation (CIS EKS 4.2, Checkov CKV_K8S_20/23)",
			Applies: func(o *unstructured.Unstructured) bool { return manifestIs("Job")(o) || manifestIs("Deployment")(o) },
			Check: func(o *unstructured.Unstructured) error {
				pod, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "manifest", "spec", "template", "spec")
				if nonRoot, _, _ := unstructured.NestedBool(pod, "securityContext", "runAsNonRoot"); !nonRoot {
					return errors.Errorf("the pod does not set runAsNonRoot")
				}
				for _, list := range []string{"initContainers", "containers"} {
					cs, _, _ := unstructured.NestedSlice(pod, list)
					for _, c := range cs {
						m := c.(map[string]any)
						if esc, found, _ := unstructured.NestedBool(m, "securityContext", "allowPrivilegeEscalation"); !found || esc {
							return errors.Errorf("container %v may escalate privileges", m["name"])
						}
					}
				}
				return nil
			},
		},
		{
			// EKS Auto Mode encrypts with aws/ebs unless the class names
			// a key, and that key's use cannot be scoped.
			Name:    "StorageClasses composed into the cluster encrypt EBS volumes with a named KMS key (Checkov CKV_AWS_3, tfsec aws-ebs-encryption-customer-key)",
			Applies: manifestIs("StorageClass"),
			Check: func(o *unstructured.Unstructured) error {
				params, _, _ := unstructured.NestedStringMap(o.Object, "spec", "forProvider", "manifest", "parameters")
				if params["encrypted"] != "true" {
					return errors.Errorf("parameters.encrypted is %q, want \"true\"", params["encrypted"])
				}
				if params["kmsKeyId"] == "" {
					return errors.Errorf("parameters.kmsKeyId is not set: the AWS-managed key cannot be scoped")
				}
				return nil
			},
		},
		{
			// Spot nodes are reclaimed with two minutes' notice: a pool
			// without a taint would take any pod, and one without
			// on-demand would leave pods pending when Spot runs out.
			Name:    "NodePools composed into the cluster that launch Spot fall back to on-demand and taint their nodes (cost, resilience)",
			Applies: manifestIs("NodePool"),
			Check: func(o *unstructured.Unstructured) error {
				tmpl, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "manifest", "spec", "template", "spec")
				reqs, _, _ := unstructured.NestedSlice(tmpl, "requirements")
				var capacity []any
				for _, r := range reqs {
					if m, _ := r.(map[string]any); m["key"] == "karpenter.sh/capacity-type" && m["operator"] == "In" {
						capacity, _ = m["values"].([]any)
					}
				}
				if !slices.Contains(capacity, any("spot")) {
					return nil
				}
				if !slices.Contains(capacity, any("on-demand")) {
					return errors.Errorf("karpenter.sh/capacity-type is %v: without on-demand, pods wait when Spot has no capacity", capacity)
				}
				if taints, _, _ := unstructured.NestedSlice(tmpl, "taints"); len(taints) == 0 {
					return errors.Errorf("the Spot nodes have no taint: every pod, stateful or not, could land on them")
				}
				return nil
			},
		},
		{
			Name:    "Jobs composed into the cluster never run on Spot nodes, which may be reclaimed before they finish",
			Applies: manifestIs("Job"),
			Check: func(o *unstructured.Unstructured) error {
				pod, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "manifest", "spec", "template", "spec")
				if sel, _, _ := unstructured.NestedStringMap(pod, "nodeSelector"); sel["karpenter.sh/capacity-type"] == "spot" || sel["karpenter.sh/nodepool"] != "" {
					return errors.Errorf("the pod selects nodes %v", sel)
				}
				tols, _, _ := unstructured.NestedSlice(pod, "tolerations")
				for _, t := range tols {
					m, _ := t.(map[string]any)
					if key, _ := m["key"].(string); key == "" || strings.Contains(key, "spot") {
						return errors.Errorf("the pod tolerates %v, which admits it to Spot nodes", m)
					}
				}
				return nil
			},
		},
		{
			Name:    "tenant namespaces enforce a Pod Security Standard (CIS EKS 4.2)",
			Applies: manifestIs("Namespace"),
			Check: func(o *unstructured.Unstructured) error {
				level, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "manifest", "metadata", "labels", "pod-security.kubernetes.io/enforce")
				if level != "baseline" && level != "restricted" {
					return errors.Errorf("pod-security.kubernetes.io/enforce is %q, want baseline or restricted", level)
				}
				return nil
			},
		},
		{
			Name:    "tenant namespaces cannot create their own load balancers, which would bypass the WAF",
			Applies: manifestIs("ResourceQuota"),
			Check: func(o *unstructured.Unstructured) error {
				lb, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", "manifest", "spec", "hard", "services.loadbalancers")
				if fmt.Sprint(lb) != "0" {
					return errors.Errorf("services.loadbalancers is %v, want 0", lb)
				}
				return nil
			},
		},
	}
}

// CheckAll is Check, then every SetRule on the whole of objs: a rendered
// composition.
func CheckAll(rules []Rule, objs []*unstructured.Unstructured) []string {
	failures := Check(rules, objs)
	for _, r := range SetRules {
		if err := r.Check(objs); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", r.Name, err))
		}
	}
	return failures
}

// Check runs every applicable rule on every object and lists the failures.
func Check(rules []Rule, objs []*unstructured.Unstructured) []string {
	var failures []string
	for _, o := range objs {
		for _, r := range rules {
			if !r.Applies(o) {
				continue
			}
			if err := r.Check(o); err != nil {
				failures = append(failures, fmt.Sprintf("%s %q: %s: %v", o.GetKind(), Key(o), r.Name, err))
			}
		}
	}
	return failures
}

// SetRule is a policy about what a rendered whole holds, such as a
// resource that must come with another.
type SetRule struct {
	Name  string
	Check func(objs []*unstructured.Unstructured) error
}

// SetRules is every SetRule.
var SetRules = []SetRule{
	wafLogsSetRule,
	{
		Name: "every VPC has a flow log of all its traffic, to an encrypted log group that expires, written by a role (Checkov CKV2_AWS_11, CIS AWS 3.9)",
		Check: func(objs []*unstructured.Unstructured) error {
			vpcs, flows := 0, 0
			groups := map[string]bool{}
			for _, o := range objs {
				switch {
				case is("ec2.aws.upbound.io", "VPC")(o):
					vpcs++
				case is("cloudwatchlogs.aws.upbound.io", "Group")(o):
					_, keyed, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "kmsKeyIdSelector")
					key, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "kmsKeyId")
					if keyed || key != "" {
						groups[o.GetLabels()["platform.openedx.cloud/role"]] = true
					}
				}
			}
			for _, o := range objs {
				if !is("ec2.aws.upbound.io", "FlowLog")(o) {
					continue
				}
				fp := func(path ...string) string {
					s, _, _ := unstructured.NestedString(o.Object, append([]string{"spec", "forProvider"}, path...)...)
					return s
				}
				_, role, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "iamRoleArnSelector")
				_, vpc, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "vpcIdSelector")
				dest := fp("logDestinationSelector", "matchLabels", "platform.openedx.cloud/role")
				if fp("trafficType") == "ALL" && fp("logDestinationType") == "cloud-watch-logs" && groups[dest] && role && vpc {
					flows++
				}
			}
			if flows < vpcs {
				return errors.Errorf("%d VPCs, %d flow logs of ALL traffic to a KMS-encrypted log group with a role", vpcs, flows)
			}
			return nil
		},
	},
}

// wafLogsSetRule: every web ACL has a logging configuration that selects
// it, in its own region, to a CloudWatch Logs group WAF can log to. A web
// ACL of scope CLOUDFRONT lives in us-east-1, so its logs must too.
var wafLogsSetRule = SetRule{
	Name: "every WAF web ACL logs to an aws-waf-logs- log group in its own region (Checkov CKV2_AWS_31)",
	Check: func(objs []*unstructured.Unstructured) error {
		logged := map[string]bool{}
		for _, o := range objs {
			if !is("wafv2.aws.upbound.io", "WebACLLoggingConfiguration")(o) {
				continue
			}
			fp := func(path ...string) string {
				s, _, _ := unstructured.NestedString(o.Object, append([]string{"spec", "forProvider"}, path...)...)
				return s
			}
			region := fp("region")
			dests, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "forProvider", "logDestinationConfigs")
			if len(dests) != 1 || !regexp.MustCompile(`^arn:[a-z-]+:logs:`+regexp.QuoteMeta(region)+`:[0-9]{12}:log-group:aws-waf-logs-`).MatchString(dests[0]) {
				continue
			}
			logged[region+"/"+fp("resourceArnSelector", "matchLabels", "platform.openedx.cloud/role")] = true
		}
		var unlogged []string
		for _, o := range objs {
			if !is("wafv2.aws.upbound.io", "WebACL")(o) {
				continue
			}
			region, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "region")
			if !logged[region+"/"+o.GetLabels()["platform.openedx.cloud/role"]] {
				unlogged = append(unlogged, Key(o))
			}
		}
		if len(unlogged) > 0 {
			return errors.Errorf("web ACLs %s have no logging configuration to an aws-waf-logs- group in their region", strings.Join(unlogged, ", "))
		}
		return nil
	},
}

// Key is an object's composition resource name, or its name.
func Key(o *unstructured.Unstructured) string {
	if k := o.GetAnnotations()["crossplane.io/composition-resource-name"]; k != "" {
		return k
	}
	return o.GetName()
}

func isAWS(o *unstructured.Unstructured) bool {
	return strings.HasSuffix(o.GroupVersionKind().Group, ".aws.upbound.io")
}

func is(group, kind string) func(*unstructured.Unstructured) bool {
	return func(o *unstructured.Unstructured) bool {
		gvk := o.GroupVersionKind()
		return gvk.Group == group && gvk.Kind == kind
	}
}

func manifestIs(kind string) func(*unstructured.Unstructured) bool {
	return func(o *unstructured.Unstructured) bool {
		if !is("kubernetes.crossplane.io", "Object")(o) {
			return false
		}
		k, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "manifest", "kind")
		return k == kind
	}
}

// dataSubnetSelector is the subnet selector of a data store's placement,
// or nil for other kinds.
func dataSubnetSelector(o *unstructured.Unstructured) map[string]string {
	var path []string
	switch gvk := o.GroupVersionKind(); {
	case gvk.Kind == "SubnetGroup" && (gvk.Group == "rds.aws.upbound.io" || gvk.Group == "elasticache.aws.upbound.io"):
		path = []string{"spec", "forProvider", "subnetIdSelector", "matchLabels"}
	case gvk.Kind == "Instance" && gvk.Group == "ec2.aws.upbound.io" && o.GetLabels()["platform.openedx.cloud/role"] == "mongodb":
		path = []string{"spec", "forProvider", "subnetIdSelector", "matchLabels"}
	case gvk.Kind == "Domain" && gvk.Group == "opensearch.aws.upbound.io":
		vpc, _, _ := unstructured.NestedSlice(o.Object, "spec", "forProvider", "vpcOptions")
		if len(vpc) != 1 {
			return map[string]string{}
		}
		m, _, _ := unstructured.NestedStringMap(vpc[0].(map[string]any), "subnetIdSelector", "matchLabels")
		return m
	default:
		return nil
	}
	m, _, _ := unstructured.NestedStringMap(o.Object, path...)
	if m == nil {
		return map[string]string{}
	}
	return m
}

// credentialFields are field names whose string value would be a secret.
// References to secrets (objects such as passwordSecretRef) are fine.
var credentialFields = []string{"password", "masterpassword", "authtoken", "secretstring", "secretbinary", "token", "privatekey", "secretkey", "accesskey"}

// findCredential returns the path of the first field named like a
// credential that holds a string value.
func findCredential(v any, path string) string {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			p := path + "." + k
			if s, ok := e.(string); ok && s != "" && slices.Contains(credentialFields, strings.ToLower(k)) {
				return p
			}
			if found := findCredential(e, p); found != "" {
				return found
			}
		}
	case []any:
		for i, e := range t {
			if found := findCredential(e, fmt.Sprintf("%s[%d]", path, i)); found != "" {
				return found
			}
		}
	}
	return ""
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case int:
		return float64(n)
	}
	return 0
}

func wantBool(want bool, path ...string) func(*unstructured.Unstructured) error {
	return func(o *unstructured.Unstructured) error {
		got, found, _ := unstructured.NestedBool(o.Object, path...)
		if !found || got != want {
			return errors.Errorf("%s must be %t", strings.Join(path, "."), want)
		}
		return nil
	}
}

// labelTenant marks the resources of one tenant.
const labelTenant = "platform.openedx.cloud/tenant"

// isIAMPolicy is true of the kinds that carry an IAM policy document.
func isIAMPolicy(o *unstructured.Unstructured) bool {
	return is("iam.aws.upbound.io", "RolePolicy")(o) || is("iam.aws.upbound.io", "Policy")(o)
}

// dataActionPrefixes are services whose actions read or write data.
var dataActionPrefixes = []string{"s3:", "secretsmanager:", "kms:", "ssm:", "dynamodb:", "rds-db:", "elasticache:", "es:"}

func isDataAction(action string) bool {
	return slices.ContainsFunc(dataActionPrefixes, func(p string) bool { return strings.HasPrefix(action, p) })
}

// conditions of an IAM statement: operator, then key, then values.
type conditions map[string]map[string]stringOrList

// eachAllowed calls f with every action and resource an Allow statement of
// o's policy document grants, and the statement's conditions.
func eachAllowed(o *unstructured.Unstructured, f func(action, resource string, cond conditions) error) error {
	doc, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "policy")
	if doc == "" {
		return errors.Errorf("spec.forProvider.policy is empty")
	}
	var pd struct {
		Statement []struct {
			Effect    string
			Action    stringOrList
			Resource  stringOrList
			Condition conditions
		}
	}
	if err := json.Unmarshal([]byte(doc), &pd); err != nil {
		return errors.Errorf("the policy is not JSON: %w", err)
	}
	for _, st := range pd.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range st.Action {
			for _, r := range st.Resource {
				if err := f(a, r, st.Condition); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// stringOrList is an IAM field that is a string or a list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*s = many
	return err
}
