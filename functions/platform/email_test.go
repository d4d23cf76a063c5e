package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	sesv2v1beta1 "github.com/upbound/provider-aws/apis/sesv2/v1beta1"
	snsv1beta1 "github.com/upbound/provider-aws/apis/sns/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

const (
	emailTestDomain    = "learn.example.org"
	emailTestZone      = "Z0123456789ABCDEFGHIJ"
	emailTestAccount   = "123456789012"
	emailTestKeyARN    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	emailTestPolicyARN = "arn:aws:iam::123456789012:policy/prod-ses-sending"
	emailMissingTokens = `the DKIM tokens of SES identity "learn.example.org"`
	emailMissingKey    = `the ARN of KMS key "kms-key-data" (for the account id)`
)

var emailTestTokens = []string{"4q6ayptxbmhbx3zkzogabc3hbbpqe5no", "s3sjw4vnlwr4khm2ehwb3fsxjm4xmqa7", "c5jpo5ufhvwe7ccjxnqwpnrzkcxcjqyq"}

func emailWithDomain(domain, zoneID string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) { xr.Spec.DNS = &v1alpha1.DNS{Domain: domain, HostedZoneID: zoneID} }
}

// emailObserved is what AWS reported: the data key's ARN when key is set,
// the identity's DKIM tokens and verification when tokens are given.
func emailObserved(key bool, verified bool, tokens ...string) map[resource.Name]resource.ObservedComposed {
	out := map[resource.Name]resource.ObservedComposed{}
	if key {
		out[nameDataKey] = observedJSON(`{"apiVersion":"kms.aws.upbound.io/v1beta1","kind":"Key","metadata":{"name":"k"},"status":{"atProvider":{"arn":"` + emailTestKeyARN + `"}}}`)
	}
	if tokens != nil || verified {
		ts, _ := json.Marshal(tokens)
		v, _ := json.Marshal(verified)
		out[nameEmailIdentity] = observedJSON(`{"apiVersion":"sesv2.aws.upbound.io/v1beta1","kind":"EmailIdentity","metadata":{"name":"i"},"status":{"atProvider":{` +
			`"arn":"arn:aws:ses:eu-west-1:123456789012:identity/learn.example.org","verifiedForSendingStatus":` + string(v) +
			`,"dkimSigningAttributes":[{"tokens":` + string(ts) + `,"status":"PENDING"}]}}}`)
	}
	return out
}

func mustEmail(t *testing.T, p *plan, observed map[resource.Name]resource.ObservedComposed) []compose.Resource {
	t.Helper()
	rs, missing, err := email(p, observed)
	if err != nil {
		t.Fatalf("email(...): unexpected error: %v", err)
	}
	if len(missing) != 0 {
		t.Fatalf("email(...): unexpected missing inputs: %v", missing)
	}
	objects(t, rs) // fails on a duplicate name
	return rs
}

// emailAlwaysNames are composed as soon as there is a domain.
var emailAlwaysNames = []string{"email-identity", "email-configuration-set", "email-mail-from", "dns-record-email-mail-from-mx", "dns-record-email-mail-from-spf"}

// emailDKIMNames are composed once the tokens are known.
var emailDKIMNames = []string{"dns-record-email-dkim-0", "dns-record-email-dkim-1", "dns-record-email-dkim-2"}

// emailAccountNames are composed once the account id is known.
var emailAccountNames = []string{"kms-key-email-events", "kms-alias-email-events", "email-events-topic", "email-event-destination", "email-sending-policy"}

func emailSorted(ss ...[]string) []string {
	out := slices.Concat(ss...)
	slices.Sort(out)
	return out
}

func TestEmailWaits(t *testing.T) {
	cases := map[string]struct {
		reason      string
		xr          *v1alpha1.XPlatform
		observed    map[resource.Name]resource.ObservedComposed
		wantNames   []string
		wantMissing []string
	}{
		"NoDomain": {
			reason:   "A platform without a domain sends no mail.",
			xr:       newXR(),
			observed: emailObserved(true, true, emailTestTokens...),
		},
		"NothingKnown": {
			reason:      "The identity, configuration set and MAIL FROM domain are composed at once; DKIM records wait for the tokens, the rest for the account.",
			xr:          newXR(emailWithDomain(emailTestDomain, "")),
			wantNames:   emailSorted(emailAlwaysNames),
			wantMissing: []string{emailMissingTokens, emailMissingKey},
		},
		"TokensKnown": {
			reason:      "Tokens give the three DKIM records.",
			xr:          newXR(emailWithDomain(emailTestDomain, "")),
			observed:    emailObserved(false, false, emailTestTokens...),
			wantNames:   emailSorted(emailAlwaysNames, emailDKIMNames),
			wantMissing: []string{emailMissingKey},
		},
		"AccountKnown": {
			reason:      "The account gives the events topic, its key and the sending policy.",
			xr:          newXR(emailWithDomain(emailTestDomain, "")),
			observed:    emailObserved(true, false),
			wantNames:   emailSorted(emailAlwaysNames, emailAccountNames),
			wantMissing: []string{emailMissingTokens},
		},
		"EmptyTokens": {
			reason:      "An identity without tokens yet is still waited for.",
			xr:          newXR(emailWithDomain(emailTestDomain, "")),
			observed:    emailObserved(true, false, []string{}...),
			wantNames:   emailSorted(emailAlwaysNames, emailAccountNames),
			wantMissing: []string{emailMissingTokens},
		},
		"AllKnown": {
			reason:    "With both, everything is composed and nothing is missing.",
			xr:        newXR(emailWithDomain(emailTestDomain, "")),
			observed:  emailObserved(true, true, emailTestTokens...),
			wantNames: emailSorted(emailAlwaysNames, emailDKIMNames, emailAccountNames),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, missing, err := email(mustPlan(t, tc.xr), tc.observed)
			if err != nil {
				t.Fatalf("%s\nemail(...): unexpected error: %v", tc.reason, err)
			}
			objects(t, rs)
			var got []string
			for _, r := range rs {
				got = append(got, string(r.Name))
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.wantNames, got); diff != "" {
				t.Errorf("%s\nemail(...) names: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantMissing, missing); diff != "" {
				t.Errorf("%s\nemail(...) missing: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// emailRecord is a Route53 record in a comparable form.
type emailRecord struct {
	Name, Type string
	Values     []string
	ZoneID     string
	ZoneRole   string
}

func emailRecords(rs []compose.Resource) map[resource.Name]emailRecord {
	out := map[resource.Name]emailRecord{}
	for n, r := range ofType[*r53v1beta1.Record](rs) {
		fp := r.Spec.ForProvider
		rec := emailRecord{Name: *fp.Name, Type: *fp.Type, ZoneID: ptr.Deref(fp.ZoneID, "")}
		for _, v := range fp.Records {
			rec.Values = append(rec.Values, *v)
		}
		if fp.ZoneIDSelector != nil {
			rec.ZoneRole = fp.ZoneIDSelector.MatchLabels[LabelRole]
		}
		out[n] = rec
	}
	return out
}

func TestEmailRecords(t *testing.T) {
	want := func(zoneID, zoneRole, region string) map[resource.Name]emailRecord {
		out := map[resource.Name]emailRecord{
			"dns-record-email-mail-from-mx":  {Name: "mail.learn.example.org", Type: "MX", Values: []string{"10 feedback-smtp." + region + ".amazonses.com"}},
			"dns-record-email-mail-from-spf": {Name: "mail.learn.example.org", Type: "TXT", Values: []string{"v=spf1 include:amazonses.com ~all"}},
			"dns-record-email-dkim-0":        {Name: "4q6ayptxbmhbx3zkzogabc3hbbpqe5no._domainkey.learn.example.org", Type: "CNAME", Values: []string{"4q6ayptxbmhbx3zkzogabc3hbbpqe5no.dkim.amazonses.com"}},
			"dns-record-email-dkim-1":        {Name: "s3sjw4vnlwr4khm2ehwb3fsxjm4xmqa7._domainkey.learn.example.org", Type: "CNAME", Values: []string{"s3sjw4vnlwr4khm2ehwb3fsxjm4xmqa7.dkim.amazonses.com"}},
			"dns-record-email-dkim-2":        {Name: "c5jpo5ufhvwe7ccjxnqwpnrzkcxcjqyq._domainkey.learn.example.org", Type: "CNAME", Values: []string{"c5jpo5ufhvwe7ccjxnqwpnrzkcxcjqyq.dkim.amazonses.com"}},
		}
		for n, r := range out {
			r.ZoneID, r.ZoneRole = zoneID, zoneRole
			out[n] = r
		}
		return out
	}
	// The records as a previous pass created them, without the identity's
	// observed state.
	recordsOnly := map[resource.Name]resource.ObservedComposed{nameDataKey: emailObserved(true, false)[nameDataKey]}
	for i, tok := range emailTestTokens {
		recordsOnly[nameEmailDKIMRecord(i)] = observedJSON(`{"apiVersion":"route53.aws.upbound.io/v1beta1","kind":"Record","metadata":{"name":"r"},"spec":{"forProvider":{"name":"` + tok + `._domainkey.learn.example.org","type":"CNAME"}}}`)
	}
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		observed map[resource.Name]resource.ObservedComposed
		want     map[resource.Name]emailRecord
	}{
		"ComposedZone": {
			reason:   "DKIM CNAMEs for each token, MX and SPF for the MAIL FROM domain, in the platform's composed zone. The provider quotes the TXT value itself.",
			xr:       newXR(emailWithDomain(emailTestDomain, "")),
			observed: emailObserved(true, true, emailTestTokens...),
			want:     want("", roleZone, "eu-west-1"),
		},
		"AdoptedZone": {
			reason:   "Records go to an adopted zone by its id; the MX names the platform's region.",
			xr:       newXR(emailWithDomain(emailTestDomain, emailTestZone), withRegion("us-east-1")),
			observed: emailObserved(false, true, emailTestTokens...),
			want:     want(emailTestZone, "", "us-east-1"),
		},
		"TokensFromExistingRecords": {
			reason:   "Records that exist are kept when the identity's observed state is missing.",
			xr:       newXR(emailWithDomain(emailTestDomain, "")),
			observed: recordsOnly,
			want:     want("", roleZone, "eu-west-1"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, _, err := email(mustPlan(t, tc.xr), tc.observed)
			if err != nil {
				t.Fatalf("%s\nemail(...): unexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, emailRecords(rs)); diff != "" {
				t.Errorf("%s\nrecords: -want, +got:\n%s", tc.reason, diff)
			}
			mf := mustGet[*sesv2v1beta1.EmailIdentityMailFromAttributes](t, rs, "email-mail-from")
			got := []string{mf.Annotations[compose.AnnotationExternalName], *mf.Spec.ForProvider.MailFromDomain}
			if diff := cmp.Diff([]string{emailTestDomain, "mail." + emailTestDomain}, got); diff != "" {
				t.Errorf("%s\nMAIL FROM identity and domain: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestEmailMalformedTokens(t *testing.T) {
	cases := map[string]struct {
		reason string
		tokens []string
	}{
		"Dot":       {reason: "A token is one DNS label.", tokens: []string{"abc.evil.example.com"}},
		"Upper":     {reason: "SES gives lower-case tokens.", tokens: []string{"ABCDEF"}},
		"Empty":     {reason: "An empty token would name the _domainkey record itself.", tokens: []string{"abc", ""}},
		"TooLong":   {reason: "A DNS label is at most 63 characters.", tokens: []string{strings.Repeat("a", 64)}},
		"Injection": {reason: "Nothing but letters and digits.", tokens: []string{"a b"}},
	}
	p := mustPlan(t, newXR(emailWithDomain(emailTestDomain, "")))
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if rs, _, err := email(p, emailObserved(true, false, tc.tokens...)); err == nil {
				t.Errorf("%s\nemail(tokens %q): want an error, got %d resources", tc.reason, tc.tokens, len(rs))
			}
		})
	}
}

// emailPolicyDoc is an IAM policy document as AWS reads it.
type emailPolicyDoc struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Principal map[string]string
		Action    []string
		Resource  []string
		Condition map[string]map[string]string
	}
}

func emailParse(t *testing.T, what, doc string) emailPolicyDoc {
	t.Helper()
	var d emailPolicyDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%s is not a policy document: %v\n%s", what, err, doc)
	}
	return d
}

func TestEmailSendingPolicy(t *testing.T) {
	type statement struct {
		Effect    string
		Action    []string
		Resource  []string
		Condition map[string]map[string]string
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		key    string
		want   []statement
	}{
		"Commercial": {
			reason: "Both send actions, on exactly the identity and the configuration set, from the domain or a subdomain only: tenants' LMS hosts are subdomains, which *@<domain> does not match.",
			xr:     newXR(emailWithDomain(emailTestDomain, "")),
			key:    emailTestKeyARN,
			want: []statement{
				{
					Effect:    "Allow",
					Action:    []string{"ses:SendEmail", "ses:SendRawEmail"},
					Resource:  []string{"arn:aws:ses:eu-west-1:123456789012:identity/learn.example.org", "arn:aws:ses:eu-west-1:123456789012:configuration-set/prod-mail"},
					Condition: map[string]map[string]string{"StringLike": {"ses:FromAddress": "*@learn.example.org"}},
				},
				{
					Effect:    "Allow",
					Action:    []string{"ses:SendEmail", "ses:SendRawEmail"},
					Resource:  []string{"arn:aws:ses:eu-west-1:123456789012:identity/learn.example.org", "arn:aws:ses:eu-west-1:123456789012:configuration-set/prod-mail"},
					Condition: map[string]map[string]string{"StringLike": {"ses:FromAddress": "*@*.learn.example.org"}},
				},
			},
		},
		"GovCloud": {
			reason: "ARNs are in the platform's partition and region.",
			xr:     newXR(emailWithDomain("mail-test.example.edu", ""), withRegion("us-gov-west-1")),
			key:    "arn:aws-us-gov:kms:us-gov-west-1:210987654321:key/abcd",
			want: []statement{
				{
					Effect:    "Allow",
					Action:    []string{"ses:SendEmail", "ses:SendRawEmail"},
					Resource:  []string{"arn:aws-us-gov:ses:us-gov-west-1:210987654321:identity/mail-test.example.edu", "arn:aws-us-gov:ses:us-gov-west-1:210987654321:configuration-set/prod-mail"},
					Condition: map[string]map[string]string{"StringLike": {"ses:FromAddress": "*@mail-test.example.edu"}},
				},
				{
					Effect:    "Allow",
					Action:    []string{"ses:SendEmail", "ses:SendRawEmail"},
					Resource:  []string{"arn:aws-us-gov:ses:us-gov-west-1:210987654321:identity/mail-test.example.edu", "arn:aws-us-gov:ses:us-gov-west-1:210987654321:configuration-set/prod-mail"},
					Condition: map[string]map[string]string{"StringLike": {"ses:FromAddress": "*@*.mail-test.example.edu"}},
				},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			observed := map[resource.Name]resource.ObservedComposed{
				nameDataKey: observedJSON(`{"apiVersion":"kms.aws.upbound.io/v1beta1","kind":"Key","metadata":{"name":"k"},"status":{"atProvider":{"arn":"` + tc.key + `"}}}`),
			}
			rs, _, err := email(mustPlan(t, tc.xr), observed)
			if err != nil {
				t.Fatalf("%s\nemail(...): unexpected error: %v", tc.reason, err)
			}
			pol := mustGet[*iamv1beta1.Policy](t, rs, "email-sending-policy")
			doc := emailParse(t, "the sending policy", *pol.Spec.ForProvider.Policy)
			var got []statement
			for _, s := range doc.Statement {
				got = append(got, statement{Effect: s.Effect, Action: s.Action, Resource: s.Resource, Condition: s.Condition})
				for _, r := range s.Resource {
					if strings.Contains(r, "*") {
						t.Errorf("%s\nthe sending policy has a wildcard resource %q", tc.reason, r)
					}
				}
				if s.Principal != nil {
					t.Errorf("%s\nan identity policy has a principal: %v", tc.reason, s.Principal)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nsending policy: -want, +got:\n%s", tc.reason, diff)
			}
			if doc.Version != "2012-10-17" {
				t.Errorf("%s\npolicy version %q", tc.reason, doc.Version)
			}
		})
	}
}

func TestEmailMalformedKeyARN(t *testing.T) {
	p := mustPlan(t, newXR(emailWithDomain(emailTestDomain, "")))
	observed := map[resource.Name]resource.ObservedComposed{
		nameDataKey: observedJSON(`{"apiVersion":"kms.aws.upbound.io/v1beta1","kind":"Key","metadata":{"name":"k"},"status":{"atProvider":{"arn":"arn:aws:kms:us-east-1:123456789012:key/abcd"}}}`),
	}
	if rs, _, err := email(p, observed); err == nil {
		t.Errorf("A data key outside the platform's region names no account of the platform: want an error, got %d resources", len(rs))
	}
}

func TestEmailIdentity(t *testing.T) {
	rs := mustEmail(t, mustPlan(t, newXR(emailWithDomain(emailTestDomain, ""))), emailObserved(true, true, emailTestTokens...))
	id := mustGet[*sesv2v1beta1.EmailIdentity](t, rs, "email-identity")
	cs := mustGet[*sesv2v1beta1.ConfigurationSet](t, rs, "email-configuration-set")
	type identity struct {
		Domain, KeyLength, ConfigurationSet string
		DefaultsToSet, BringsOwnKey         bool
		Suppressed                          []string
	}
	fp := id.Spec.ForProvider
	if len(fp.DKIMSigningAttributes) != 1 || len(cs.Spec.ForProvider.SuppressionOptions) != 1 {
		t.Fatalf("identity DKIM %v, suppression %v", fp.DKIMSigningAttributes, cs.Spec.ForProvider.SuppressionOptions)
	}
	got := identity{
		Domain:           id.Annotations[compose.AnnotationExternalName],
		KeyLength:        ptr.Deref(fp.DKIMSigningAttributes[0].NextSigningKeyLength, ""),
		BringsOwnKey:     fp.DKIMSigningAttributes[0].DomainSigningPrivateKeySecretRef != nil || fp.DKIMSigningAttributes[0].DomainSigningSelector != nil,
		ConfigurationSet: cs.Annotations[compose.AnnotationExternalName],
		DefaultsToSet:    registrySelects(fp.ConfigurationSetNameSelector, cs.Labels),
	}
	for _, r := range cs.Spec.ForProvider.SuppressionOptions[0].SuppressedReasons {
		got.Suppressed = append(got.Suppressed, *r)
	}
	want := identity{Domain: emailTestDomain, KeyLength: "RSA_2048_BIT", ConfigurationSet: "prod-mail", DefaultsToSet: true, Suppressed: []string{"BOUNCE", "COMPLAINT"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("A domain identity with Easy DKIM at 2048 bits, sending through the configuration set by default, which suppresses bounced and complaining addresses: -want, +got:\n%s", diff)
	}
}

func TestEmailEvents(t *testing.T) {
	rs := mustEmail(t, mustPlan(t, newXR(emailWithDomain(emailTestDomain, ""))), emailObserved(true, true, emailTestTokens...))
	const topicARN = "arn:aws:sns:eu-west-1:123456789012:prod-mail-events"

	ed := mustGet[*sesv2v1beta1.ConfigurationSetEventDestination](t, rs, "email-event-destination").Spec.ForProvider
	cs := mustGet[*sesv2v1beta1.ConfigurationSet](t, rs, "email-configuration-set")
	topic := mustGet[*snsv1beta1.Topic](t, rs, "email-events-topic")
	key := mustGet[*kmsv1beta1.Key](t, rs, "kms-key-email-events")
	alias := mustGet[*kmsv1beta1.Alias](t, rs, "kms-alias-email-events")
	if len(ed.EventDestination) != 1 || len(ed.EventDestination[0].SnsDestination) != 1 {
		t.Fatalf("event destination: %+v", ed)
	}
	type events struct {
		Types                          []string
		Enabled, OfTheSet, ToTheTopic  bool
		TopicName, TopicKey, AliasName string
		AliasTargetsKey                bool
	}
	got := events{
		Enabled:         ptr.Deref(ed.EventDestination[0].Enabled, false),
		OfTheSet:        registrySelects(ed.ConfigurationSetNameSelector, cs.Labels),
		ToTheTopic:      registrySelects(ed.EventDestination[0].SnsDestination[0].TopicArnSelector, topic.Labels),
		TopicName:       topic.Annotations[compose.AnnotationExternalName],
		TopicKey:        ptr.Deref(topic.Spec.ForProvider.KMSMasterKeyID, ""),
		AliasName:       "alias/" + alias.Annotations[compose.AnnotationExternalName],
		AliasTargetsKey: registrySelects(alias.Spec.ForProvider.TargetKeyIDSelector, key.Labels),
	}
	for _, e := range ed.EventDestination[0].MatchingEventTypes {
		got.Types = append(got.Types, *e)
	}
	want := events{
		Types:   []string{"BOUNCE", "COMPLAINT", "REJECT"},
		Enabled: true, OfTheSet: true, ToTheTopic: true,
		TopicName: "prod-mail-events", TopicKey: "alias/openedx/prod/mail-events", AliasName: "alias/openedx/prod/mail-events",
		AliasTargetsKey: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Bounces, complaints and rejections go to the topic, encrypted with its own key: -want, +got:\n%s", diff)
	}

	// SES may use the key for this topic only, and publish to the topic for
	// this account's configuration set only.
	kp := emailParse(t, "the key policy", *key.Spec.ForProvider.Policy)
	var ses, admin int
	for _, s := range kp.Statement {
		switch {
		case cmp.Equal(s.Principal, map[string]string{"Service": "ses.amazonaws.com"}):
			ses++
			want := map[string]map[string]string{"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topicARN}}
			if diff := cmp.Diff(want, s.Condition); diff != "" {
				t.Errorf("SES uses the key for the topic only: -want, +got:\n%s", diff)
			}
			if slices.Contains(s.Action, "kms:*") {
				t.Errorf("SES may not administer the key: %v", s.Action)
			}
		case cmp.Equal(s.Principal, map[string]string{"AWS": "arn:aws:iam::" + emailTestAccount + ":root"}):
			admin++
		default:
			t.Errorf("the key policy names an unexpected principal: %v", s.Principal)
		}
	}
	if ses != 1 || admin != 1 {
		t.Errorf("the key policy has %d SES and %d account statements, want 1 each (without the account's, the key is locked out)", ses, admin)
	}
	tp := emailParse(t, "the topic policy", *topic.Spec.ForProvider.Policy)
	if len(tp.Statement) != 1 {
		t.Fatalf("topic policy: want one statement, got %+v", tp)
	}
	wantTopic := []any{
		map[string]string{"Service": "ses.amazonaws.com"}, []string{"sns:Publish"}, []string{topicARN},
		map[string]map[string]string{"StringEquals": {"AWS:SourceAccount": emailTestAccount, "AWS:SourceArn": "arn:aws:ses:eu-west-1:123456789012:configuration-set/prod-mail"}},
	}
	s := tp.Statement[0]
	if diff := cmp.Diff(wantTopic, []any{s.Principal, s.Action, s.Resource, s.Condition}); diff != "" {
		t.Errorf("SES publishes to the topic for the configuration set only: -want, +got:\n%s", diff)
	}
}

func TestEmailStatus(t *testing.T) {
	policy := observedJSON(`{"apiVersion":"iam.aws.upbound.io/v1beta1","kind":"Policy","metadata":{"name":"p"},"status":{"atProvider":{"arn":"` + emailTestPolicyARN + `"}}}`)
	with := func(m map[resource.Name]resource.ObservedComposed, n resource.Name, oc resource.ObservedComposed) map[resource.Name]resource.ObservedComposed {
		m[n] = oc
		return m
	}
	cases := map[string]struct {
		reason     string
		xr         *v1alpha1.XPlatform
		observed   map[resource.Name]resource.ObservedComposed
		wantFrom   string
		wantPolicy string
	}{
		"NoDomain": {
			reason:   "No mail without a domain.",
			xr:       newXR(),
			observed: with(emailObserved(true, true, emailTestTokens...), nameEmailSendingPolicy, policy),
		},
		"Unverified": {
			reason:     "The domain is not announced until SES has verified it; the policy is as soon as it exists.",
			xr:         newXR(emailWithDomain(emailTestDomain, "")),
			observed:   with(emailObserved(true, false, emailTestTokens...), nameEmailSendingPolicy, policy),
			wantPolicy: emailTestPolicyARN,
		},
		"Verified": {
			reason:     "Tenants send as the domain once verified.",
			xr:         newXR(emailWithDomain(emailTestDomain, "")),
			observed:   with(emailObserved(true, true, emailTestTokens...), nameEmailSendingPolicy, policy),
			wantFrom:   emailTestDomain,
			wantPolicy: emailTestPolicyARN,
		},
		"NothingObserved": {
			reason: "Nothing before AWS has created anything.",
			xr:     newXR(emailWithDomain(emailTestDomain, "")),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			from, pol := emailStatus(mustPlan(t, tc.xr), tc.observed)
			if diff := cmp.Diff([]string{tc.wantFrom, tc.wantPolicy}, []string{from, pol}); diff != "" {
				t.Errorf("%s\nemailStatus(...) mail from, policy: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestEmailTags(t *testing.T) {
	rs := mustEmail(t, mustPlan(t, newXR(emailWithDomain(emailTestDomain, ""))), emailObserved(true, true, emailTestTokens...))
	checkEdgeAccessTags(t, "Every taggable email resource carries the platform's tags.", testName, rs)
	checkEdgeAccessComposable(t, rs)
}
