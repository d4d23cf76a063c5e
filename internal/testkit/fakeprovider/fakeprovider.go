// Package fakeprovider plays provider-aws and provider-kubernetes: given the
// composed resources a function asked for, it returns them as Crossplane
// would observe them once AWS has created them, with ready conditions and
// the identifiers AWS reports. Previews use it to render a platform to its
// steady state without an AWS account; tests use it to play the provider.
//
// Every value is derived from the resource's composition name, so the same
// input always gives the same output.
package fakeprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// AccountID is AWS's documentation account, never a real one.
const AccountID = "123456789012"

// AnnotationCompositionResourceName is Crossplane's key of a composed
// resource within its composite.
const AnnotationCompositionResourceName = "crossplane.io/composition-resource-name"

// hash is a short, stable identifier derived from s.
func hash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// idPrefixes are the prefixes AWS gives EC2 identifiers.
var idPrefixes = map[string]string{
	"VPC":                              "vpc-",
	"Subnet":                           "subnet-",
	"InternetGateway":                  "igw-",
	"NATGateway":                       "nat-",
	"EIP":                              "eipalloc-",
	"RouteTable":                       "rtb-",
	"Route":                            "r-rtb-",
	"RouteTableAssociation":            "rtbassoc-",
	"VPCEndpoint":                      "vpce-",
	"VPCEndpointRouteTableAssociation": "a-vpce-",
	"SecurityGroup":                    "sg-",
	"SecurityGroupIngressRule":         "sgr-",
	"SecurityGroupEgressRule":          "sgr-",
	"Instance":                         "i-",
	"LaunchTemplate":                   "lt-",
}

// ec2KindsWithoutARN have no status.atProvider.arn in provider-aws v1.23;
// reporting one would be refused by server-side apply.
var ec2KindsWithoutARN = map[string]bool{
	"NATGateway":                       true,
	"Route":                            true,
	"RouteTableAssociation":            true,
	"VPCEndpointRouteTableAssociation": true,
}

// Observe returns desired as Crossplane would observe it once the provider
// has created it: named, ready, synced, and with status.atProvider filled.
// composite is the name of the composite resource that owns it.
func Observe(desired *unstructured.Unstructured, composite string) *unstructured.Unstructured {
	o := desired.DeepCopy()
	key := o.GetAnnotations()[AnnotationCompositionResourceName]
	seed := composite + "/" + key
	if o.GetName() == "" {
		o.SetName(fmt.Sprintf("%s-%s", strings.TrimSuffix(o.GetGenerateName(), "-"), hash(seed, 5)))
	}
	region, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "region")
	external := o.GetAnnotations()["crossplane.io/external-name"]
	if external == "" {
		external = o.GetName()
	}

	at := map[string]any{}
	kind := o.GetKind()
	group := o.GroupVersionKind().Group
	switch {
	case idPrefixes[kind] != "" && strings.HasPrefix(group, "ec2."):
		id := idPrefixes[kind] + hash(seed, 17)
		at["id"] = id
		if !ec2KindsWithoutARN[kind] {
			at["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:%s/%s", region, AccountID, strings.ToLower(kind), id)
		}
	case kind == "Key" && strings.HasPrefix(group, "kms."):
		h := hash(seed, 32)
		id := fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
		at["id"] = id
		at["keyId"] = id
		at["arn"] = fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, AccountID, id)
	case kind == "Role" && strings.HasPrefix(group, "iam."):
		at["id"] = external
		at["arn"] = fmt.Sprintf("arn:aws:iam::%s:role/%s", AccountID, external)
		at["uniqueId"] = "AROA" + strings.ToUpper(hash(seed, 17))
	case kind == "Cluster" && strings.HasPrefix(group, "eks."):
		h := strings.ToUpper(hash(seed, 32))
		version, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "version")
		at["id"] = external
		at["arn"] = fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, AccountID, external)
		at["endpoint"] = fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", h, region)
		at["version"] = version
		at["status"] = "ACTIVE"
		at["identity"] = []any{map[string]any{"oidc": []any{map[string]any{
			"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, h),
		}}}}
	case kind == "Cluster" && strings.HasPrefix(group, "rds."):
		h := hash(seed, 12)
		at["id"] = external
		at["arn"] = fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", region, AccountID, external)
		at["endpoint"] = fmt.Sprintf("%s.cluster-%s.%s.rds.amazonaws.com", external, h, region)
		at["readerEndpoint"] = fmt.Sprintf("%s.cluster-ro-%s.%s.rds.amazonaws.com", external, h, region)
		at["masterUserSecret"] = []any{map[string]any{
			"secretArn":    fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!cluster-%s-%s", region, AccountID, hash(seed+"secret", 8), hash(seed+"suffix", 6)),
			"secretStatus": "active",
		}}
	case kind == "ReplicationGroup" && strings.HasPrefix(group, "elasticache."):
		h := hash(seed, 6)
		at["id"] = external
		at["arn"] = fmt.Sprintf("arn:aws:elasticache:%s:%s:replicationgroup:%s", region, AccountID, external)
		at["primaryEndpointAddress"] = fmt.Sprintf("master.%s.%s.cache.amazonaws.com", external, h)
		at["readerEndpointAddress"] = fmt.Sprintf("replica.%s.%s.cache.amazonaws.com", external, h)
	case kind == "Secret" && strings.HasPrefix(group, "secretsmanager."):
		name, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "name")
		// Secrets Manager appends six random characters to every ARN.
		arn := fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, AccountID, name, hash(seed, 6))
		at["id"] = arn
		at["arn"] = arn
	case kind == "Domain" && strings.HasPrefix(group, "opensearch."):
		name, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "domainName")
		at["id"] = fmt.Sprintf("%s/%s", AccountID, name)
		at["arn"] = fmt.Sprintf("arn:aws:es:%s:%s:domain/%s", region, AccountID, name)
		at["endpoint"] = fmt.Sprintf("vpc-%s-%s.%s.es.amazonaws.com", name, hash(seed, 26), region)
	case kind == "Certificate" && strings.HasPrefix(group, "acm."):
		at["id"] = fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", region, AccountID, hash(seed, 36))
		at["arn"] = at["id"]
		at["status"] = "ISSUED"
		at["domainValidationOptions"] = validationOptions(o)
	case kind == "Zone" && strings.HasPrefix(group, "route53."):
		id := "Z" + strings.ToUpper(hash(seed, 20))
		at["id"], at["zoneId"] = id, id
		at["arn"] = "arn:aws:route53:::hostedzone/" + id
		at["nameServers"] = []any{"ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"}
	case kind == "EmailIdentity" && strings.HasPrefix(group, "sesv2."):
		at["id"] = external
		at["arn"] = fmt.Sprintf("arn:aws:ses:%s:%s:identity/%s", region, AccountID, external)
		at["dkimSigningAttributes"] = []any{map[string]any{"tokens": []any{hash(seed+"1", 32), hash(seed+"2", 32), hash(seed+"3", 32)}}}
	case kind == "Repository" && strings.HasPrefix(group, "ecr."):
		at["id"] = external
		at["arn"] = fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", region, AccountID, external)
		at["repositoryUrl"] = fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, region, external)
	case kind == "Distribution" && strings.HasPrefix(group, "cloudfront."):
		id := "E" + strings.ToUpper(hash(seed, 13))
		at["id"] = id
		at["arn"] = fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", AccountID, id)
		at["domainName"] = fmt.Sprintf("d%s.cloudfront.net", hash(seed, 13))
		at["hostedZoneId"] = "Z2FDTNDATAQYW2"
	case kind == "WebACL" && strings.HasPrefix(group, "wafv2."):
		// WAFv2 ARNs name the scope: global for CLOUDFRONT, which
		// distributions check.
		scope := "regional"
		if sc, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "scope"); sc == "CLOUDFRONT" {
			scope = "global"
		}
		name, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "name")
		id := hash(seed, 36)
		at["id"] = id
		at["arn"] = fmt.Sprintf("arn:aws:wafv2:%s:%s:%s/webacl/%s/%s", region, AccountID, scope, name, id)
	case kind == "Group" && strings.HasPrefix(group, "cloudwatchlogs."):
		at["id"] = external
		at["arn"] = fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, AccountID, external)
	default:
		at["id"] = external
		if svc, ok := strings.CutSuffix(group, ".aws.upbound.io"); ok {
			at["arn"] = fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", svc, region, AccountID, strings.ToLower(kind), external)
		}
	}
	switch {
	case strings.HasSuffix(group, ".aws.upbound.io"):
		_ = unstructured.SetNestedField(o.Object, at, "status", "atProvider")
	case group == "kubernetes.crossplane.io" && kind == "Object":
		_ = unstructured.SetNestedField(o.Object, observedManifest(o, seed), "status", "atProvider", "manifest")
	}
	_ = unstructured.SetNestedSlice(o.Object, []any{
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2024-01-01T00:00:00Z"},
		map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"},
	}, "status", "conditions")
	return o
}

// validationOptions are the DNS records ACM asks for: one per name, the
// same record for a domain and its wildcard, as ACM does.
func validationOptions(cert *unstructured.Unstructured) []any {
	domain, _, _ := unstructured.NestedString(cert.Object, "spec", "forProvider", "domainName")
	sans, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "forProvider", "subjectAlternativeNames")
	var out []any
	for _, d := range append([]string{domain}, sans...) {
		base := strings.TrimPrefix(d, "*.")
		out = append(out, map[string]any{
			"domainName":          d,
			"resourceRecordName":  fmt.Sprintf("_%s.%s.", hash(base, 32), base),
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": fmt.Sprintf("_%s.%s.acm-validations.aws.", hash(base+"v", 32), hash(base+"w", 10)),
		})
	}
	return out
}

// observedManifest is an Object's manifest as the cluster reports it: an
// Ingress gets the load balancer its controller would create, a Job has
// succeeded and a Deployment's pods are available.
func observedManifest(o *unstructured.Unstructured, seed string) map[string]any {
	m, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "manifest")
	if m == nil {
		m = map[string]any{}
	}
	switch m["kind"] {
	case "Ingress":
		_ = unstructured.SetNestedSlice(m, []any{map[string]any{
			"hostname": fmt.Sprintf("k8s-openedx-%s.elb.amazonaws.com", hash(seed, 16)),
		}}, "status", "loadBalancer", "ingress")
	case "Job":
		_ = unstructured.SetNestedField(m, int64(1), "status", "succeeded")
		_ = unstructured.SetNestedSlice(m, []any{map[string]any{"type": "Complete", "status": "True"}}, "status", "conditions")
	case "Deployment":
		replicas, found, _ := unstructured.NestedInt64(m, "spec", "replicas")
		if !found {
			replicas = 1
		}
		_ = unstructured.SetNestedField(m, replicas, "status", "availableReplicas")
	}
	return m
}
