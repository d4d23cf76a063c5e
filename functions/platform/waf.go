package main

import (
	"encoding/json"
	"fmt"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	wafv2v1beta1 "github.com/upbound/provider-aws/apis/wafv2/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The platform's web ACLs: the regional one of the shared load balancer
// (ingress.go) and the global one of the static-assets CDN (cdn.go), each
// with AWS's managed rule groups, a per-IP rate limit and its own logs.

// roleWebACL labels the web ACL, for the logging configuration's selector.
const roleWebACL = "waf-web-acl"

// WAF rate limits are counted over this window, in seconds.
const rateLimitWindowSec = 300

// wafLogGroupName must start with aws-waf-logs-: WAF logs to no other
// CloudWatch log group.
func (p *plan) wafLogGroupName() string { return "aws-waf-logs-" + p.Name }

// wafRule is a rule of a web ACL in the JSON of the WAFv2 API
// (CreateWebACL's Rules), which is what provider-aws' ruleJson takes.
type wafRule struct {
	Name             string              `json:"Name"`
	Priority         int                 `json:"Priority"`
	Statement        wafStatement        `json:"Statement"`
	Action           *wafAction          `json:"Action,omitempty"`
	OverrideAction   *wafOverrideAction  `json:"OverrideAction,omitempty"`
	VisibilityConfig wafVisibilityConfig `json:"VisibilityConfig"`
}

type wafStatement struct {
	ManagedRuleGroupStatement *wafManagedRuleGroup `json:"ManagedRuleGroupStatement,omitempty"`
	RateBasedStatement        *wafRateBased        `json:"RateBasedStatement,omitempty"`
}

type wafManagedRuleGroup struct {
	VendorName          string                  `json:"VendorName"`
	Name                string                  `json:"Name"`
	RuleActionOverrides []wafRuleActionOverride `json:"RuleActionOverrides,omitempty"`
}

type wafRuleActionOverride struct {
	Name        string    `json:"Name"`
	ActionToUse wafAction `json:"ActionToUse"`
}

type wafRateBased struct {
	Limit               int64  `json:"Limit"`
	AggregateKeyType    string `json:"AggregateKeyType"`
	EvaluationWindowSec int    `json:"EvaluationWindowSec"`
}

// wafEmpty is an action without settings, {} in the API.
type wafEmpty struct{}

type wafAction struct {
	Block *wafEmpty `json:"Block,omitempty"`
	Count *wafEmpty `json:"Count,omitempty"`
}

type wafOverrideAction struct {
	None *wafEmpty `json:"None,omitempty"`
}

type wafVisibilityConfig struct {
	SampledRequestsEnabled   bool   `json:"SampledRequestsEnabled"`
	CloudWatchMetricsEnabled bool   `json:"CloudWatchMetricsEnabled"`
	MetricName               string `json:"MetricName"`
}

// managedRuleGroups are AWS's rule groups the web ACL applies, in priority
// order: known-bad addresses first, then the OWASP-style common rules,
// known exploit patterns and SQL injection. Together with the rate rule
// they use about 1,130 of the 1,500 capacity units a web ACL gets at the
// base price.
var managedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// countOnly are rules of managed groups that would break Open edX and are
// only counted (and so logged). SizeRestrictions_BODY blocks every request
// body over 8 KB: Studio's course imports, asset uploads and saves of large
// components.
var countOnly = map[string][]string{
	"AWSManagedRulesCommonRuleSet": {"SizeRestrictions_BODY"},
}

// rateLimitRule names the rate-based rule.
const rateLimitRule = "RateLimitPerIP"

// wafRules are the rules of a web ACL applying groups (in priority order)
// and a per-IP rate limit, each with its own metric and sampled requests.
func wafRules(groups []string, rateLimit int64) []wafRule {
	visibility := func(name string) wafVisibilityConfig {
		return wafVisibilityConfig{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name}
	}
	rules := make([]wafRule, 0, len(groups)+1)
	for i, g := range groups {
		mg := &wafManagedRuleGroup{VendorName: "AWS", Name: g}
		for _, r := range countOnly[g] {
			mg.RuleActionOverrides = append(mg.RuleActionOverrides, wafRuleActionOverride{Name: r, ActionToUse: wafAction{Count: &wafEmpty{}}})
		}
		rules = append(rules, wafRule{
			Name:      g,
			Priority:  i,
			Statement: wafStatement{ManagedRuleGroupStatement: mg},
			// None keeps each rule's own action: the groups block.
			OverrideAction:   &wafOverrideAction{None: &wafEmpty{}},
			VisibilityConfig: visibility(g),
		})
	}
	return append(rules, wafRule{
		Name:     rateLimitRule,
		Priority: len(groups),
		Statement: wafStatement{RateBasedStatement: &wafRateBased{
			Limit:               rateLimit,
			AggregateKeyType:    "IP",
			EvaluationWindowSec: rateLimitWindowSec,
		}},
		Action:           &wafAction{Block: &wafEmpty{}},
		VisibilityConfig: visibility(rateLimitRule),
	})
}

// webACLSpec says what differs between the platform's web ACLs.
type webACLSpec struct {
	Name        resource.Name
	Role        string
	Region      string
	Scope       string
	ACLName     string
	Description string
	MetricName  string
	TagName     string
	Groups      []string
	RateLimit   int64
}

// webACL is the regional web ACL the shared load balancer is associated
// with. Requests no rule blocks are allowed.
func webACL(p *plan) (compose.Resource, error) {
	return newWebACL(p, webACLSpec{
		Name:        nameWebACL,
		Role:        roleWebACL,
		Region:      p.Region,
		Scope:       "REGIONAL",
		ACLName:     awsnames.WAFWebACL.Name(p.Name),
		Description: fmt.Sprintf("Shared load balancer of Open edX platform %s", p.Name),
		MetricName:  p.Name + "-web-acl",
		TagName:     p.Name,
		Groups:      managedRuleGroups,
		RateLimit:   p.RateLimit,
	})
}

// newWebACL is a web ACL allowing requests no rule blocks.
func newWebACL(p *plan, s webACLSpec) (compose.Resource, error) {
	rules, err := json.Marshal(wafRules(s.Groups, s.RateLimit))
	if err != nil {
		return compose.Resource{}, errors.Wrap(err, "cannot marshal the WAF rules")
	}
	return compose.Resource{Name: s.Name, Object: &wafv2v1beta1.WebACL{
		ObjectMeta: meta(map[string]string{LabelRole: s.Role}),
		Spec: wafv2v1beta1.WebACLSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: wafv2v1beta1.WebACLParameters{
				Region:        ptr.To(s.Region),
				Name:          ptr.To(s.ACLName),
				Description:   ptr.To(s.Description),
				Scope:         ptr.To(s.Scope),
				DefaultAction: &wafv2v1beta1.DefaultActionParameters{Allow: &wafv2v1beta1.AllowParameters{}},
				RuleJSON:      ptr.To(string(rules)),
				VisibilityConfig: &wafv2v1beta1.WebACLVisibilityConfigParameters{
					CloudwatchMetricsEnabled: ptr.To(true),
					SampledRequestsEnabled:   ptr.To(true),
					MetricName:               ptr.To(s.MetricName),
				},
				Tags: p.tags(s.TagName),
			},
		},
	},
		// WAF's "allow" action is an empty object, which typed conversion
		// would drop, leaving the required defaultAction empty.
		EmptyObjects: []string{"spec.forProvider.defaultAction.allow"},
	}, nil
}

// wafLogSpec says what differs between the logs of the platform's web
// ACLs: each logs to a group of its own in the web ACL's region.
type wafLogSpec struct {
	Group   resource.Name
	Logging resource.Name
	// ACLRole labels the web ACL that logs.
	ACLRole   string
	Region    string
	GroupName string
	Role      string
}

// regionalWAFLogs are the logs of the load balancer's web ACL.
func regionalWAFLogs(p *plan) wafLogSpec {
	return wafLogSpec{Group: nameWAFLogGroup, Logging: nameWAFLogging, ACLRole: roleWebACL, Region: p.Region, GroupName: p.wafLogGroupName(), Role: "waf-logs"}
}

// wafLogs are a web ACL's log group and, once the group's ARN is known,
// its logging configuration.
func wafLogs(p *plan, s wafLogSpec, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, []string, error) {
	rs := []compose.Resource{{Name: s.Group, Object: &cwlv1beta1.Group{
		ObjectMeta: externallyNamed(s.GroupName, map[string]string{LabelRole: s.Role}),
		Spec: cwlv1beta1.GroupSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: cwlv1beta1.GroupParameters{
				Region:          ptr.To(s.Region),
				RetentionInDays: ptr.To(float64(p.LogRetentionDays)),
				Tags:            p.tags(s.GroupName),
			},
		},
	}}}
	logARN, missing, err := wafLogGroupARN(p, s, observed)
	if err != nil || logARN == "" {
		return rs, missing, err
	}
	return append(rs, wafLogging(p, s, logARN)), nil, nil
}

// wafLogGroupARN is a WAF log group's ARN as AWS reported it or, before
// that, as it will be: its name is ours and its account is the data key's.
// The logging configuration needs it and has no reference to a log group.
func wafLogGroupARN(p *plan, s wafLogSpec, observed map[resource.Name]resource.ObservedComposed) (string, []string, error) {
	if arn := compose.ObservedString(observed, s.Group, "status.atProvider.arn"); arn != "" {
		return arn, nil, nil
	}
	if arn := compose.ObservedString(observed, s.Logging, "spec.forProvider.logDestinationConfigs[0]"); arn != "" {
		return arn, nil, nil
	}
	keyARN := observedDataKeyARN(observed)
	if keyARN == "" {
		return "", []string{fmt.Sprintf("the ARN of KMS key %q (for the account of log group %q)", nameDataKey, s.Group)}, nil
	}
	account, err := dataKeyAccount(p, keyARN)
	if err != nil {
		return "", nil, err
	}
	// CloudWatch Logs ARNs without the :* suffix, as WAF wants them.
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", p.Partition, s.Region, account, s.GroupName), nil, nil
}

// redactedHeaders never reach the logs: they carry session cookies and
// credentials.
var redactedHeaders = []string{"authorization", "cookie"}

// wafLogging sends to CloudWatch the requests the web ACL blocked or only
// counted. Allowed requests are dropped: they are nearly all of the
// traffic, and CloudWatch bills ingestion by volume.
func wafLogging(p *plan, s wafLogSpec, logGroupARN string) compose.Resource {
	redacted := make([]wafv2v1beta1.RedactedFieldsParameters, 0, len(redactedHeaders))
	for _, h := range redactedHeaders {
		redacted = append(redacted, wafv2v1beta1.RedactedFieldsParameters{SingleHeader: &wafv2v1beta1.SingleHeaderParameters{Name: ptr.To(h)}})
	}
	var keep []wafv2v1beta1.ConditionParameters
	for _, a := range []string{"BLOCK", "COUNT", "EXCLUDED_AS_COUNT"} {
		keep = append(keep, wafv2v1beta1.ConditionParameters{ActionCondition: &wafv2v1beta1.ActionConditionParameters{Action: ptr.To(a)}})
	}
	return compose.Resource{Name: s.Logging, Object: &wafv2v1beta1.WebACLLoggingConfiguration{
		Spec: wafv2v1beta1.WebACLLoggingConfigurationSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: wafv2v1beta1.WebACLLoggingConfigurationParameters{
				Region:                ptr.To(s.Region),
				ResourceArnSelector:   selector(map[string]string{LabelRole: s.ACLRole}),
				LogDestinationConfigs: []*string{ptr.To(logGroupARN)},
				RedactedFields:        redacted,
				LoggingFilter: &wafv2v1beta1.LoggingFilterParameters{
					DefaultBehavior: ptr.To("DROP"),
					Filter: []wafv2v1beta1.FilterParameters{{
						Behavior:    ptr.To("KEEP"),
						Requirement: ptr.To("MEETS_ANY"),
						Condition:   keep,
					}},
				},
			},
		},
	}}
}
