package main

import (
	"encoding/json"
	"strings"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	wafv2v1beta1 "github.com/upbound/provider-aws/apis/wafv2/v1beta1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

const (
	ingressTestACLARN      = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/prod/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	ingressTestLogGroupARN = "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-prod"
	ingressTestLogBucket   = "prod-alb-logs-123456789012-eu-west-1"
)

// ingressTestRule is a WAF rule as the WAFv2 API reads it, decoded
// independently of the builder's types.
type ingressTestRule struct {
	Name      string
	Priority  int
	Statement struct {
		ManagedRuleGroupStatement *struct {
			VendorName          string
			Name                string
			RuleActionOverrides []struct {
				Name        string
				ActionToUse map[string]map[string]any
			}
		}
		RateBasedStatement *struct {
			Limit               int64
			AggregateKeyType    string
			EvaluationWindowSec int
		}
	}
	Action           map[string]map[string]any
	OverrideAction   map[string]map[string]any
	VisibilityConfig struct {
		SampledRequestsEnabled   bool
		CloudWatchMetricsEnabled bool
		MetricName               string
	}
}

func withRateLimit(n int64) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Spec.Ingress.RateLimit = n }
}

func TestIngressWebACL(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		limit  int64
	}{
		"DefaultRateLimit": {
			reason: "Without a rate limit in the spec, one IP may send 2000 requests in 5 minutes.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			limit:  2000,
		},
		"RateLimitFromTheSpec": {
			reason: "The spec's rate limit is the rate rule's limit.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, ""), withRateLimit(500)),
			limit:  500,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, _, err := ingress(mustPlan(t, tc.xr), nil)
			if err != nil {
				t.Fatalf("%s\ningress(...): %v", tc.reason, err)
			}
			acl := mustGet[*wafv2v1beta1.WebACL](t, rs, nameWebACL).Spec.ForProvider
			if *acl.Scope != "REGIONAL" || acl.DefaultAction == nil || acl.DefaultAction.Allow == nil || acl.DefaultAction.Block != nil {
				t.Errorf("%s\nscope %s, default action %+v: want a regional web ACL allowing by default", tc.reason, *acl.Scope, acl.DefaultAction)
			}
			if v := acl.VisibilityConfig; !*v.CloudwatchMetricsEnabled || !*v.SampledRequestsEnabled || *v.MetricName == "" {
				t.Errorf("%s\nweb ACL visibility %+v: want metrics and sampled requests", tc.reason, v)
			}
			if deref(acl.Tags)["cost-center"] != testCostCenter || deref(acl.Tags)["platform"] != testName {
				t.Errorf("%s\nweb ACL tags %v", tc.reason, deref(acl.Tags))
			}

			var rules []ingressTestRule
			if err := json.Unmarshal([]byte(*acl.RuleJSON), &rules); err != nil {
				t.Fatalf("%s\nruleJson is not a JSON list of rules: %v", tc.reason, err)
			}
			var order []string
			priorities := map[int]string{}
			for _, r := range rules {
				order = append(order, r.Name)
				if other, dup := priorities[r.Priority]; dup {
					t.Errorf("%s\nrules %s and %s share priority %d", tc.reason, other, r.Name, r.Priority)
				}
				priorities[r.Priority] = r.Name
				if v := r.VisibilityConfig; !v.SampledRequestsEnabled || !v.CloudWatchMetricsEnabled || v.MetricName != r.Name {
					t.Errorf("%s\nrule %s visibility %+v", tc.reason, r.Name, v)
				}
				switch s := r.Statement; {
				case s.ManagedRuleGroupStatement != nil:
					if s.ManagedRuleGroupStatement.VendorName != "AWS" || s.ManagedRuleGroupStatement.Name != r.Name {
						t.Errorf("%s\nrule %s applies %s/%s", tc.reason, r.Name, s.ManagedRuleGroupStatement.VendorName, s.ManagedRuleGroupStatement.Name)
					}
					if diff := cmp.Diff(map[string]map[string]any{"None": {}}, r.OverrideAction); diff != "" || r.Action != nil {
						t.Errorf("%s\nrule %s must keep the group's actions (override none, no action): -want, +got:\n%s", tc.reason, r.Name, diff)
					}
				case s.RateBasedStatement != nil:
					want := struct {
						Limit               int64
						AggregateKeyType    string
						EvaluationWindowSec int
					}{tc.limit, "IP", 300}
					if diff := cmp.Diff(want, *s.RateBasedStatement); diff != "" {
						t.Errorf("%s\nrate rule: -want, +got:\n%s", tc.reason, diff)
					}
					if diff := cmp.Diff(map[string]map[string]any{"Block": {}}, r.Action); diff != "" {
						t.Errorf("%s\nrate rule action: -want, +got:\n%s", tc.reason, diff)
					}
				default:
					t.Errorf("%s\nrule %s has no statement", tc.reason, r.Name)
				}
			}
			want := []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "RateLimitPerIP"}
			if diff := cmp.Diff(want, order); diff != "" {
				t.Errorf("%s\nrules in order: -want, +got:\n%s", tc.reason, diff)
			}
			for i := 1; i < len(rules); i++ {
				if rules[i].Priority <= rules[i-1].Priority {
					t.Errorf("%s\nrule %s (priority %d) is not after %s (priority %d)", tc.reason, rules[i].Name, rules[i].Priority, rules[i-1].Name, rules[i-1].Priority)
				}
			}
		})
	}
}

func TestIngressWAFLogging(t *testing.T) {
	observedLogGroup := observedJSON(`{
		"apiVersion": "cloudwatchlogs.aws.upbound.io/v1beta1", "kind": "Group", "metadata": {"name": "prod-l0g5x"},
		"status": {"atProvider": {"arn": "` + ingressTestLogGroupARN + `"}}
	}`)
	observedDataKey := observedJSON(`{
		"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "prod-k3y5x"},
		"status": {"atProvider": {"arn": "` + edgeTestKeyARN + `"}}
	}`)
	cases := map[string]struct {
		reason      string
		observed    map[resource.Name]resource.ObservedComposed
		destination string
		missing     []string
	}{
		"WaitsForTheAccount": {
			reason: "The log group's ARN holds the account, which only AWS knows.",
			missing: []string{
				`the ARN of KMS key "kms-key-data" (for the account of log group "log-group-waf")`,
				`the ARN of KMS key "kms-key-data" (for the account in the name of bucket "s3-bucket-alb-logs")`,
			},
		},
		"BuiltFromTheDataKeysAccount": {
			reason:      "Before the log group reports its ARN, it is built from the data key's account.",
			observed:    map[resource.Name]resource.ObservedComposed{nameDataKey: observedDataKey},
			destination: ingressTestLogGroupARN,
		},
		"ObservedLogGroup": {
			reason:      "The log group's own ARN is used once reported.",
			observed:    map[resource.Name]resource.ObservedComposed{nameWAFLogGroup: observedLogGroup},
			destination: ingressTestLogGroupARN,
			missing:     []string{`the ARN of KMS key "kms-key-data" (for the account in the name of bucket "s3-bucket-alb-logs")`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, "")))
			rs, missing, err := ingress(p, tc.observed)
			if err != nil {
				t.Fatalf("%s\ningress(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.missing, missing); diff != "" {
				t.Errorf("%s\nmissing: -want, +got:\n%s", tc.reason, diff)
			}
			lg := mustGet[*cwlv1beta1.Group](t, rs, nameWAFLogGroup)
			if got := lg.GetAnnotations()[compose.AnnotationExternalName]; got != "aws-waf-logs-"+testName || !strings.HasPrefix(got, "aws-waf-logs-") {
				t.Errorf("%s\nlog group name %q: WAF logs only to names starting aws-waf-logs-", tc.reason, got)
			}
			if lg.Spec.ForProvider.RetentionInDays == nil || *lg.Spec.ForProvider.RetentionInDays != float64(p.LogRetentionDays) {
				t.Errorf("%s\nlog group retention %v, want %d days", tc.reason, lg.Spec.ForProvider.RetentionInDays, p.LogRetentionDays)
			}
			lc, ok := ofType[*wafv2v1beta1.WebACLLoggingConfiguration](rs)[nameWAFLogging]
			if tc.destination == "" {
				if ok {
					t.Errorf("%s\nlogging is configured before its destination is known", tc.reason)
				}
				return
			}
			if !ok {
				t.Fatalf("%s\nno logging configuration", tc.reason)
			}
			f := lc.Spec.ForProvider
			if len(f.LogDestinationConfigs) != 1 || *f.LogDestinationConfigs[0] != tc.destination {
				t.Errorf("%s\nlog destinations %v, want [%s]", tc.reason, f.LogDestinationConfigs, tc.destination)
			}
			if f.ResourceArnSelector == nil || f.ResourceArnSelector.MatchLabels[LabelRole] != mustGet[*wafv2v1beta1.WebACL](t, rs, nameWebACL).GetLabels()[LabelRole] {
				t.Errorf("%s\nthe logging configuration does not select the web ACL", tc.reason)
			}
			var redacted []string
			for _, r := range f.RedactedFields {
				redacted = append(redacted, *r.SingleHeader.Name)
			}
			if diff := cmp.Diff([]string{"authorization", "cookie"}, redacted); diff != "" {
				t.Errorf("%s\nredacted headers: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// ingressObservedObject is an in-cluster object of the edge as
// provider-kubernetes reports it.
func ingressObservedObject(manifest string, ready bool) resource.ObservedComposed {
	status := `{}`
	if ready {
		status = `{` + edgeTestReady + `}`
	}
	return observedJSON(`{
		"apiVersion": "kubernetes.crossplane.io/v1alpha2", "kind": "Object", "metadata": {"name": "prod-0bj3c"},
		"spec": {"forProvider": {"manifest": ` + manifest + `}},
		"status": ` + status + `
	}`)
}

func ingressObservedClusterAuth(ready bool) resource.ObservedComposed {
	status := `{}`
	if ready {
		status = `{` + edgeTestReady + `}`
	}
	return observedJSON(`{"apiVersion": "eks.aws.upbound.io/v1beta1", "kind": "ClusterAuth", "metadata": {"name": "prod-4uth5"}, "status": ` + status + `}`)
}

func ingressObservedACL() resource.ObservedComposed {
	return observedJSON(`{
		"apiVersion": "wafv2.aws.upbound.io/v1beta1", "kind": "WebACL", "metadata": {"name": "prod-w4f5x"},
		"status": {"atProvider": {"arn": "` + ingressTestACLARN + `"}}
	}`)
}

// ingressManifests decodes the manifests of the edge's Objects among rs.
func ingressManifests(t *testing.T, rs []compose.Resource) map[resource.Name]map[string]any {
	t.Helper()
	out := map[resource.Name]map[string]any{}
	for n, o := range ofType[*kubev1alpha2.Object](rs) {
		if got := o.Spec.ProviderConfigReference.Name; got != testName {
			t.Errorf("Object %s targets ProviderConfig %q, want the platform's %q", n, got, testName)
		}
		m := map[string]any{}
		if err := json.Unmarshal(o.Spec.ForProvider.Manifest.Raw, &m); err != nil {
			t.Fatalf("Object %s: manifest: %v", n, err)
		}
		out[n] = m
	}
	return out
}

func TestIngressInClusterObjects(t *testing.T) {
	observedParams := ingressObservedObject(`{"apiVersion": "eks.amazonaws.com/v1", "kind": "IngressClassParams", "metadata": {"name": "openedx"}, "spec": {}}`, true)
	observedAnchor := ingressObservedObject(`{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "edge", "namespace": "openedx-edge", "annotations": {"alb.ingress.kubernetes.io/wafv2-acl-arn": "`+ingressTestACLARN+`", "alb.ingress.kubernetes.io/certificate-arn": "`+edgeTestCertARN+`"}}}`, true)
	issued := map[resource.Name]resource.ObservedComposed{
		nameCertificate:           edgeObservedCertificate(edgeTestRecord),
		nameCertificateValidation: edgeObservedValidation(true, ""),
		nameALBLogBucketPolicy:    cdnObservedReady("s3.aws.upbound.io/v1beta1", "BucketPolicy"),
	}
	observedLoggingParams := ingressObservedObject(`{"apiVersion": "eks.amazonaws.com/v1", "kind": "IngressClassParams", "metadata": {"name": "openedx"}, "spec": {"loadBalancerAttributes": [
		{"key": "access_logs.s3.enabled", "value": "true"}, {"key": "access_logs.s3.bucket", "value": "`+ingressTestLogBucket+`"}, {"key": "access_logs.s3.prefix", "value": "alb"}]}}`, true)
	with := func(ms ...map[resource.Name]resource.ObservedComposed) map[resource.Name]resource.ObservedComposed {
		out := map[resource.Name]resource.ObservedComposed{nameDataKey: observedJSON(`{"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "k"}, "status": {"atProvider": {"arn": "` + edgeTestKeyARN + `"}}}`)}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	all := []string{"kubernetes-ingress-class", "kubernetes-ingress-class-params", "kubernetes-ingress-edge", "kubernetes-namespace-edge"}
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		objects  []string
		missing  []string
		tls      bool
		// logs is whether the load balancer writes access logs.
		logs bool
	}{
		"BeforeTheCluster": {
			reason:   "Nothing is composed in a cluster provider-kubernetes cannot reach yet, whatever else is known.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: with(issued, map[resource.Name]resource.ObservedComposed{nameWebACL: ingressObservedACL(), nameClusterAuth: ingressObservedClusterAuth(false)}),
		},
		"ClusterReadyWaitsForCertificateAndFirewall": {
			reason:   "The namespace is composed at once; the class and the anchor wait for the issued certificate and the web ACL.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: with(map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(true), nameCertificate: edgeObservedCertificate(edgeTestRecord)}),
			objects:  []string{"kubernetes-namespace-edge"},
			missing: []string{
				`the issued ACM certificate "acm-certificate"`, `the ARN of WAF web ACL "waf-web-acl"`,
				`the Ready bucket policy "s3-bucket-alb-logs-policy" (for the load balancer's access logs)`,
			},
		},
		"ClusterReadyWaitsForTheLogBucketPolicy": {
			reason: "A load balancer logging to a bucket it may not write to cannot be created: the class and the anchor wait for the bucket policy.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: with(issued, map[resource.Name]resource.ObservedComposed{
				nameWebACL: ingressObservedACL(), nameClusterAuth: ingressObservedClusterAuth(true),
				nameALBLogBucketPolicy: observedJSON(`{"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "BucketPolicy", "metadata": {"name": "p"}, "status": {}}`),
			}),
			objects: []string{"kubernetes-namespace-edge"},
			missing: []string{`the Ready bucket policy "s3-bucket-alb-logs-policy" (for the load balancer's access logs)`},
		},
		"ClusterReady": {
			reason:   "With the certificate issued, the web ACL created and the log bucket's policy Ready, the whole edge is composed, with HTTPS and access logs.",
			xr:       newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: with(issued, map[resource.Name]resource.ObservedComposed{nameWebACL: ingressObservedACL(), nameClusterAuth: ingressObservedClusterAuth(true)}),
			objects:  all,
			tls:      true,
			logs:     true,
		},
		"KeptWithItsAccessLogs": {
			reason: "Class parameters that log keep logging while the bucket policy is not observed.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: with(map[resource.Name]resource.ObservedComposed{
				nameClusterAuth:        ingressObservedClusterAuth(false),
				nameIngressClassParams: observedLoggingParams,
				nameEdgeIngress:        observedAnchor,
			}),
			objects: all,
			tls:     true,
			logs:    true,
		},
		"KeptWhenNothingElseIsObserved": {
			reason: "Objects that exist are never dropped: the certificate and web ACL ARNs are read back from them.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			observed: with(map[resource.Name]resource.ObservedComposed{
				nameClusterAuth:        ingressObservedClusterAuth(false),
				nameIngressClassParams: observedParams,
				nameEdgeIngress:        observedAnchor,
			}),
			objects: all,
			tls:     true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustPlan(t, tc.xr)
			rs, missing, err := ingress(p, tc.observed)
			if err != nil {
				t.Fatalf("%s\ningress(...): %v", tc.reason, err)
			}
			objects(t, rs)
			var got []string
			for _, n := range edgeNames(rs) {
				if strings.HasPrefix(n, "kubernetes-") {
					got = append(got, n)
				}
			}
			if diff := cmp.Diff(tc.objects, got); diff != "" {
				t.Errorf("%s\nin-cluster objects: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.missing, missing); diff != "" {
				t.Errorf("%s\nmissing: -want, +got:\n%s", tc.reason, diff)
			}
			if len(tc.objects) < len(all) {
				return
			}

			ms := ingressManifests(t, rs)
			ns := &corev1.Namespace{}
			if err := compose.Decode(ms[nameEdgeNamespace], ns); err != nil {
				t.Fatal(err)
			}
			if ns.Name != "openedx-edge" || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
				t.Errorf("%s\nnamespace %s enforces %q", tc.reason, ns.Name, ns.Labels["pod-security.kubernetes.io/enforce"])
			}

			class := &networkingv1.IngressClass{}
			if err := compose.Decode(ms[nameIngressClass], class); err != nil {
				t.Fatal(err)
			}
			wantClass := networkingv1.IngressClassSpec{
				Controller: "eks.amazonaws.com/alb",
				Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr.To("eks.amazonaws.com"), Kind: "IngressClassParams", Name: "openedx"},
			}
			if diff := cmp.Diff(wantClass, class.Spec); diff != "" || class.Name != "openedx" {
				t.Errorf("%s\nIngressClass %q: -want, +got:\n%s", tc.reason, class.Name, diff)
			}

			anchor := &networkingv1.Ingress{}
			if err := compose.Decode(ms[nameEdgeIngress], anchor); err != nil {
				t.Fatal(err)
			}
			if got := anchor.Annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"]; got != ingressTestACLARN {
				t.Errorf("%s\nthe anchor associates web ACL %q, want %q", tc.reason, got, ingressTestACLARN)
			}

			params := ms[nameIngressClassParams]
			wantParams := map[string]any{
				"apiVersion": "eks.amazonaws.com/v1", "kind": "IngressClassParams",
				"spec": map[string]any{"scheme": "internet-facing", "group": map[string]any{"name": testName}, "targetType": "ip"},
			}
			if tc.tls {
				wantParams["spec"].(map[string]any)["sslPolicy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
				// The platform's cost tags reach the ALB.
				wantParams["spec"].(map[string]any)["tags"] = []any{
					map[string]any{"key": "Name", "value": "prod-alb"},
					map[string]any{"key": "app", "value": "openedx"},
					map[string]any{"key": "cost-center", "value": "learning-platform"},
					map[string]any{"key": "managed-by", "value": "crossplane"},
					map[string]any{"key": "platform", "value": "prod"},
				}
			}
			if tc.logs {
				// Access logs to the platform's bucket, set class-wide so
				// that no tenant's Ingress can turn them off.
				wantParams["spec"].(map[string]any)["loadBalancerAttributes"] = []any{
					map[string]any{"key": "access_logs.s3.enabled", "value": "true"},
					map[string]any{"key": "access_logs.s3.bucket", "value": ingressTestLogBucket},
					map[string]any{"key": "access_logs.s3.prefix", "value": "alb"},
				}
			}
			gotParams := map[string]any{"apiVersion": params["apiVersion"], "kind": params["kind"], "spec": params["spec"]}
			if diff := cmp.Diff(wantParams, gotParams); diff != "" {
				t.Errorf("%s\nIngressClassParams: -want, +got:\n%s", tc.reason, diff)
			}
			if md, _ := params["metadata"].(map[string]any); md["name"] != "openedx" || md["namespace"] != nil {
				t.Errorf("%s\nIngressClassParams is cluster-scoped and named openedx, got metadata %v", tc.reason, md)
			}
		})
	}
}

func TestAnchorIngress(t *testing.T) {
	notFound := `{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"404","messageBody":"Not found"}}`
	cases := map[string]struct {
		reason      string
		xr          *v1alpha1.XPlatform
		annotations map[string]string
	}{
		"HTTPSWithRedirect": {
			reason: "With a domain, HTTP is redirected to HTTPS, behind the web ACL, with pods as targets and a 404 by default.",
			xr:     newXR(withEdgeDomain(edgeTestDomain, "")),
			annotations: map[string]string{
				"alb.ingress.kubernetes.io/listen-ports":         `[{"HTTP":80},{"HTTPS":443}]`,
				"alb.ingress.kubernetes.io/certificate-arn":      edgeTestCertARN,
				"alb.ingress.kubernetes.io/ssl-redirect":         "443",
				"alb.ingress.kubernetes.io/wafv2-acl-arn":        ingressTestACLARN,
				"alb.ingress.kubernetes.io/target-type":          "ip",
				"alb.ingress.kubernetes.io/actions.response-404": notFound,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			observed := map[resource.Name]resource.ObservedComposed{
				nameClusterAuth:           ingressObservedClusterAuth(true),
				nameWebACL:                ingressObservedACL(),
				nameCertificate:           edgeObservedCertificate(edgeTestRecord),
				nameCertificateValidation: edgeObservedValidation(true, ""),
				nameDataKey:               cdnObservedDataKey(),
				nameALBLogBucketPolicy:    cdnObservedReady("s3.aws.upbound.io/v1beta1", "BucketPolicy"),
			}
			rs, _, err := ingress(mustPlan(t, tc.xr), observed)
			if err != nil {
				t.Fatalf("%s\ningress(...): %v", tc.reason, err)
			}
			obj := mustGet[*kubev1alpha2.Object](t, rs, nameEdgeIngress)
			if obj.Spec.Readiness.Policy != kubev1alpha2.ReadinessPolicyDeriveFromCelQuery || !strings.Contains(obj.Spec.Readiness.CelQuery, "loadBalancer.ingress") {
				t.Errorf("%s\nthe anchor must be ready only once its load balancer exists, got %+v", tc.reason, obj.Spec.Readiness)
			}
			ing := &networkingv1.Ingress{}
			if err := json.Unmarshal(obj.Spec.ForProvider.Manifest.Raw, ing); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.annotations, ing.Annotations); diff != "" {
				t.Errorf("%s\nannotations: -want, +got:\n%s", tc.reason, diff)
			}
			want := networkingv1.IngressSpec{
				IngressClassName: ptr.To("openedx"),
				DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: "response-404", Port: networkingv1.ServiceBackendPort{Name: "use-annotation"},
				}},
			}
			if diff := cmp.Diff(want, ing.Spec); diff != "" {
				t.Errorf("%s\nspec: -want, +got:\n%s", tc.reason, diff)
			}
			if ing.Namespace != "openedx-edge" || ing.Kind != "Ingress" || ing.APIVersion != "networking.k8s.io/v1" {
				t.Errorf("%s\nanchor is %s %s in %q", tc.reason, ing.APIVersion, ing.Kind, ing.Namespace)
			}
		})
	}
}

// ingressTestLBHostname is the DNS name of the load balancer Auto Mode made.
const ingressTestLBHostname = "k8s-prod-edge-0123456789-1234567890.eu-west-1.elb.amazonaws.com"

func TestIngressStatus(t *testing.T) {
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		want     v1alpha1.EdgeStatus
	}{
		"Nothing": {
			reason: "Nothing is published before AWS and the cluster answer.",
		},
		"LoadBalancerPending": {
			reason: "Tenants are not told the class before the firewalled load balancer exists.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameWebACL:      ingressObservedACL(),
				nameEdgeIngress: ingressObservedObject(`{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "edge"}}`, false),
			},
			want: v1alpha1.EdgeStatus{WebACLARN: ingressTestACLARN},
		},
		"LoadBalancerReady": {
			reason: "Once the anchor's load balancer exists, tenants join it through the class, and their records alias its DNS name.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameWebACL: ingressObservedACL(),
				nameEdgeIngress: observedJSON(`{
					"apiVersion": "kubernetes.crossplane.io/v1alpha2", "kind": "Object", "metadata": {"name": "prod-0bj3c"},
					"status": {"atProvider": {"manifest": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "edge"},
						"status": {"loadBalancer": {"ingress": [{"hostname": "` + ingressTestLBHostname + `"}]}}}}, ` + edgeTestReady + `}
				}`),
			},
			want: v1alpha1.EdgeStatus{WebACLARN: ingressTestACLARN, IngressClassName: "openedx", LoadBalancerHostname: ingressTestLBHostname},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := v1alpha1.EdgeStatus{}
			ingressStatus(mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, ""))), tc.observed, &got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ningressStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIngressGroupName(t *testing.T) {
	cases := map[string]struct {
		reason string
		name   string
		want   string
	}{
		"Plain":           {reason: "A platform name that is a DNS label is the group name.", name: "prod", want: "prod"},
		"UpperUnderscore": {reason: "Group names are lower-case DNS labels; a hash keeps the original apart.", name: "Prod_EU", want: "prod-eu-51006711"},
		"Long": {
			reason: "The longest name Crossplane accepts, 63 characters, is a group name whole.",
			name:   "a-very-long-platform-name-that-cannot-fit-in-a-load-balancer-g",
			want:   "a-very-long-platform-name-that-cannot-fit-in-a-load-balancer-g",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := mustPlan(t, newXR(withName(tc.name))).ingressGroupName(); got != tc.want {
				t.Errorf("%s\ningressGroupName() for %q = %q, want %q", tc.reason, tc.name, got, tc.want)
			}
		})
	}
}

// TestIngressNeedsADomain: learners are served over HTTPS only, so without
// a domain (hence a certificate) nothing faces the Internet.
func TestIngressNeedsADomain(t *testing.T) {
	rs, missing, err := ingress(mustPlan(t, newXR()), map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(true)})
	if err != nil || len(rs) != 0 || len(missing) != 0 {
		t.Errorf("ingress(...) without a domain: %d resources, missing %q, error %v; want nothing", len(rs), missing, err)
	}
}

func TestEdgeUsages(t *testing.T) {
	p := mustPlan(t, newXR(withEdgeDomain(edgeTestDomain, "")))
	keyARN := observedJSON(`{"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "k"}, "status": {"atProvider": {"arn": "` + edgeTestKeyARN + `"}}}`)
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		usages   bool
	}{
		"AnchorWaits": {
			reason: "No usage before the anchor: a usage whose user does not exist never becomes ready.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameDataKey: keyARN, nameClusterAuth: ingressObservedClusterAuth(true), nameCertificate: edgeObservedCertificate(edgeTestRecord),
			},
		},
		"WithTheAnchor": {
			reason: "The usages come with the anchor, so the cluster and its ClusterAuth outlive the load balancer.",
			observed: map[resource.Name]resource.ObservedComposed{
				nameDataKey: keyARN, nameClusterAuth: ingressObservedClusterAuth(true), nameWebACL: ingressObservedACL(),
				nameCertificate: edgeObservedCertificate(edgeTestRecord), nameCertificateValidation: edgeObservedValidation(true, ""),
				nameALBLogBucketPolicy: cdnObservedReady("s3.aws.upbound.io/v1beta1", "BucketPolicy"),
			},
			usages: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, _, err := ingress(p, tc.observed)
			if err != nil {
				t.Fatal(err)
			}
			got := ofType[*compose.ClusterUsage](rs)
			if !tc.usages {
				if len(got) > 0 {
					t.Errorf("%s\nusages composed: %v", tc.reason, edgeNames(rs))
				}
				return
			}
			by := &compose.UsageResource{
				APIVersion:       "kubernetes.crossplane.io/v1alpha2",
				Kind:             "Object",
				ResourceSelector: &compose.UsageResourceSelector{MatchControllerRef: ptr.To(true), MatchLabels: map[string]string{LabelRole: "edge-ingress"}},
			}
			of := func(kind, role string) compose.UsageResource {
				return compose.UsageResource{
					APIVersion:       "eks.aws.upbound.io/v1beta1",
					Kind:             kind,
					ResourceSelector: &compose.UsageResourceSelector{MatchControllerRef: ptr.To(true), MatchLabels: map[string]string{LabelRole: role}},
				}
			}
			want := map[resource.Name]*compose.ClusterUsage{
				"usage-eks-cluster-by-kubernetes-ingress-edge": {Spec: compose.ClusterUsageSpec{
					Of: of("Cluster", "eks-cluster"), By: by, ReplayDeletion: ptr.To(true),
				}},
				"usage-eks-cluster-auth-by-kubernetes-ingress-edge": {Spec: compose.ClusterUsageSpec{
					Of: of("ClusterAuth", "eks-cluster-auth"), By: by, ReplayDeletion: ptr.To(true),
				}},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nusages: -want, +got:\n%s", tc.reason, diff)
			}

			// Each selector must select what it means to, among what the
			// platform composes.
			composed := append(cluster(p, clusterInputs{KMSKeyARN: testKeyARN, NodeRoleARN: testNodeRoleARN}), rs...)
			labels := map[string]map[string]string{
				"Cluster":     mustGet[*eksv1beta1.Cluster](t, composed, nameCluster).Labels,
				"ClusterAuth": mustGet[*eksv1beta1.ClusterAuth](t, composed, nameClusterAuth).Labels,
				"Object":      mustGet[*kubev1alpha2.Object](t, composed, nameEdgeIngress).Labels,
			}
			for n, u := range got {
				for _, r := range []*compose.UsageResource{&u.Spec.Of, u.Spec.By} {
					for k, v := range r.ResourceSelector.MatchLabels {
						if labels[r.Kind][k] != v {
							t.Errorf("%s\n%s selects a %s labelled %s=%s, which the platform's is not (%v)", tc.reason, n, r.Kind, k, v, labels[r.Kind])
						}
					}
				}
			}
			for n, o := range ofType[*kubev1alpha2.Object](rs) {
				if n != nameEdgeIngress && o.Labels[LabelRole] == "edge-ingress" {
					t.Errorf("%s\nObject %s is labelled as the anchor too", tc.reason, n)
				}
			}
		})
	}
}
