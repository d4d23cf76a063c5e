// Package policy holds the security and cost rules that every rendered
// resource must pass. Each rule mirrors a check of a well-known scanner
// (Checkov, tfsec/Trivy, the CIS EKS benchmark) where one exists, so that a
// reviewer can map our output to the controls they already audit.
package policy

import (
	"fmt"
	"slices"
	"strings"

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
					return fmt.Errorf("missing tags %s", strings.Join(missing, ", "))
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
				return fmt.Errorf("secrets are not encrypted with a KMS key ARN")
			},
		},
		{
			Name:    "EKS sends every control-plane log type (Checkov CKV_AWS_37, CIS EKS 2.1.1)",
			Applies: is("eks.aws.upbound.io", "Cluster"),
			Check: func(o *unstructured.Unstructured) error {
				got, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "forProvider", "enabledClusterLogTypes")
				for _, t := range []string{"api", "audit", "authenticator", "controllerManager", "scheduler"} {
					if !slices.Contains(got, t) {
						return fmt.Errorf("log type %s is not enabled", t)
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
					return fmt.Errorf("want one vpcConfig, got %d", len(vcs))
				}
				vc := vcs[0].(map[string]any)
				if private, _, _ := unstructured.NestedBool(vc, "endpointPrivateAccess"); !private {
					return fmt.Errorf("the private endpoint is off: nodes would reach the API over the Internet")
				}
				public, _, _ := unstructured.NestedBool(vc, "endpointPublicAccess")
				cidrs, _, _ := unstructured.NestedStringSlice(vc, "publicAccessCidrs")
				if public && (len(cidrs) == 0 || slices.Contains(cidrs, "0.0.0.0/0")) {
					return fmt.Errorf("the public endpoint is open to the whole Internet")
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
				return fmt.Errorf("upgradePolicy.supportType is not STANDARD")
			},
		},
		{
			Name:    "log groups expire (Checkov CKV_AWS_338, cost)",
			Applies: is("cloudwatchlogs.aws.upbound.io", "Group"),
			Check: func(o *unstructured.Unstructured) error {
				if d, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", "retentionInDays"); d == nil {
					return fmt.Errorf("retentionInDays is not set: logs would be kept and billed forever")
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
					return fmt.Errorf("pod-security.kubernetes.io/enforce is %q, want baseline or restricted", level)
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
					return fmt.Errorf("services.loadbalancers is %v, want 0", lb)
				}
				return nil
			},
		},
	}
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

func wantBool(want bool, path ...string) func(*unstructured.Unstructured) error {
	return func(o *unstructured.Unstructured) error {
		got, found, _ := unstructured.NestedBool(o.Object, path...)
		if !found || got != want {
			return fmt.Errorf("%s must be %t", strings.Join(path, "."), want)
		}
		return nil
	}
}
