package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	sesv2v1beta1 "github.com/upbound/provider-aws/apis/sesv2/v1beta1"
	snsv1beta1 "github.com/upbound/provider-aws/apis/sns/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The platform sends mail as its domain through SES: a domain identity
// signed with Easy DKIM, a custom MAIL FROM domain so that SPF aligns with
// the From domain, and a configuration set that is the identity's default,
// so that every message's bounces, complaints and rejections are published
// to an SNS topic whatever the sender sets. Tenants' roles are given one
// managed policy that sends from the domain and its subdomains only,
// through that identity and configuration set only.

// Names of email resources.
const (
	nameEmailIdentity         resource.Name = "email-identity"
	nameEmailConfigurationSet resource.Name = "email-configuration-set"
	nameEmailMailFrom         resource.Name = "email-mail-from"
	nameEmailMXRecord         resource.Name = "dns-record-email-mail-from-mx"
	nameEmailSPFRecord        resource.Name = "dns-record-email-mail-from-spf"
	nameEmailEventsKey        resource.Name = "kms-key-email-events"
	nameEmailEventsKeyAlias   resource.Name = "kms-alias-email-events"
	nameEmailEventsTopic      resource.Name = "email-events-topic"
	nameEmailEventDestination resource.Name = "email-event-destination"
	nameEmailSendingPolicy    resource.Name = "email-sending-policy"
)

// nameEmailDKIMRecord is the CNAME record of the identity's i-th DKIM token.
func nameEmailDKIMRecord(i int) resource.Name {
	return resource.Name(fmt.Sprintf("dns-record-email-dkim-%d", i))
}

const (
	// Labels of what other email resources select.
	roleEmailConfigurationSet = "email-configuration-set"
	roleEmailEvents           = "email-events"
	roleEmailSending          = "email-sending"

	// emailDKIMKeyLength is Easy DKIM's longest key.
	emailDKIMKeyLength = "RSA_2048_BIT"
	// emailDKIMTokens is how many DKIM tokens Easy DKIM gives an identity.
	emailDKIMTokens = 3
	emailDNSTTL     = 1800
	// emailSPF authorizes SES to send for the MAIL FROM domain. The provider
	// quotes TXT values itself: a quoted value would be quoted twice.
	emailSPF = "v=spf1 include:amazonses.com ~all"
	// emailEventDestination names the configuration set's event destination.
	emailEventDestination = "bounces-complaints-rejects"
	// Configuration set names are at most 64 characters, IAM policy names
	// 128, SNS topic names 256 and KMS alias names 256 with "alias/".
	maxEmailConfigurationSet = 64
	maxEmailPolicyName       = 128
	maxEmailTopicName        = 256
	maxEmailKeyAlias         = 250
)

// emailEventTypes are the events that say a message was not delivered or
// not wanted: what a sender must act on.
var emailEventTypes = []string{"BOUNCE", "COMPLAINT", "REJECT"}

// reDKIMToken is an Easy DKIM token as SES gives it, which becomes a DNS
// label.
var reDKIMToken = regexp.MustCompile(`^[a-z0-9]{1,63}$`)

// sesSMTPPort is where the SES SMTP interface takes mail with STARTTLS;
// Tutor's SMTP_USE_TLS speaks it.
const sesSMTPPort = 587

// sesSMTPHost is the SES SMTP interface of a region, which tenants submit
// mail to with their SMTP users' credentials.
func sesSMTPHost(region string) string { return "email-smtp." + region + ".amazonaws.com" }

// emailMailFromDomain is the custom MAIL FROM domain: bounces go there, and
// SPF is checked against it.
func emailMailFromDomain(p *plan) string { return "mail." + p.Domain }

// emailConfigurationSetName is the configuration set's name in SES.
func emailConfigurationSetName(p *plan) string {
	return awsnames.SESConfigurationSet.WithMax(maxEmailConfigurationSet).Name(p.Name + "-mail")
}

// emailTopicName is the SNS topic's name.
func emailTopicName(p *plan) string {
	return awsnames.SNSTopic.WithMax(maxEmailTopicName).Name(p.Name + "-mail-events")
}

// emailKeyAlias is the mail events key's alias without "alias/", as the
// Alias resource's external name is. The topic names the key by it, so
// that the topic need not wait for the key's ARN.
func emailKeyAlias(p *plan) string {
	return awsnames.KMSAlias.WithMax(maxEmailKeyAlias).Name("openedx/" + p.Name + "/mail-events")
}

// emailARNs are the ARNs the sending policy and the events' policies name.
type emailARNs struct {
	AccountID, Root, Identity, ConfigurationSet, Topic string
}

func newEmailARNs(p *plan, account string) emailARNs {
	ses := fmt.Sprintf("arn:%s:ses:%s:%s:", p.Partition, p.Region, account)
	return emailARNs{
		Identity:         ses + "identity/" + p.Domain,
		ConfigurationSet: ses + "configuration-set/" + emailConfigurationSetName(p),
		Topic:            fmt.Sprintf("arn:%s:sns:%s:%s:%s", p.Partition, p.Region, account, emailTopicName(p)),
		AccountID:        account,
		Root:             fmt.Sprintf("arn:%s:iam::%s:root", p.Partition, account),
	}
}

// email composes SES sending for the platform's domain, when it has one.
// The DKIM records wait for the identity's tokens; the events topic, its
// key and the sending policy wait for the account id, which their policies
// name. The rest is composed meanwhile.
func email(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	if p.Domain == "" {
		return nil, nil, nil
	}
	mailFrom := emailMailFromDomain(p)
	rs = []compose.Resource{
		emailIdentity(p),
		emailConfigurationSet(p),
		{Name: nameEmailMailFrom, Object: &sesv2v1beta1.EmailIdentityMailFromAttributes{
			ObjectMeta: externallyNamed(p.Domain, nil),
			Spec: sesv2v1beta1.EmailIdentityMailFromAttributesSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: sesv2v1beta1.EmailIdentityMailFromAttributesParameters{
					Region:         &p.Region,
					MailFromDomain: &mailFrom,
					// Until the MX record resolves, SES falls back to its
					// own MAIL FROM domain rather than refusing to send.
					BehaviorOnMxFailure: ptr.To("USE_DEFAULT_VALUE"),
				},
			},
		}},
		record(p, nameEmailMXRecord, mailFrom, "MX", emailDNSTTL, fmt.Sprintf("10 feedback-smtp.%s.amazonses.com", p.Region)),
		record(p, nameEmailSPFRecord, mailFrom, "TXT", emailDNSTTL, emailSPF),
	}

	tokens, err := observedDKIMTokens(p, observed)
	if err != nil {
		return nil, nil, err
	}
	if len(tokens) == 0 {
		missing = append(missing, fmt.Sprintf("the DKIM tokens of SES identity %q", p.Domain))
	}
	for i, t := range tokens {
		rs = append(rs, record(p, nameEmailDKIMRecord(i), t+"._domainkey."+p.Domain, "CNAME", emailDNSTTL, t+".dkim.amazonses.com"))
	}

	keyARN := observedDataKeyARN(observed)
	if keyARN == "" {
		return rs, append(missing, fmt.Sprintf("the ARN of KMS key %q (for the account id)", nameDataKey)), nil
	}
	account, err := dataKeyAccount(p, keyARN)
	if err != nil {
		return nil, nil, err
	}
	arns := newEmailARNs(p, account)
	events, err := emailEvents(p, arns)
	if err != nil {
		return nil, nil, err
	}
	sending, err := emailSendingPolicy(p, arns)
	if err != nil {
		return nil, nil, err
	}
	return append(append(rs, events...), sending), missing, nil
}

// emailIdentity is the domain identity, signed with Easy DKIM, sending
// through the configuration set unless the sender names another.
func emailIdentity(p *plan) compose.Resource {
	return compose.Resource{Name: nameEmailIdentity, Object: &sesv2v1beta1.EmailIdentity{
		ObjectMeta: externallyNamed(p.Domain, nil),
		Spec: sesv2v1beta1.EmailIdentitySpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: sesv2v1beta1.EmailIdentityParameters{
				Region: &p.Region,
				DKIMSigningAttributes: []sesv2v1beta1.DKIMSigningAttributesParameters{{
					NextSigningKeyLength: ptr.To(emailDKIMKeyLength),
				}},
				ConfigurationSetNameSelector: selector(map[string]string{LabelRole: roleEmailConfigurationSet}),
				Tags:                         p.tags(p.Domain),
			},
		},
	}}
}

// emailConfigurationSet keeps reputation metrics and suppresses addresses
// that bounced or complained, so that tenants cannot hurt the account's
// reputation by mailing them again.
func emailConfigurationSet(p *plan) compose.Resource {
	name := emailConfigurationSetName(p)
	return compose.Resource{Name: nameEmailConfigurationSet, Object: &sesv2v1beta1.ConfigurationSet{
		ObjectMeta: externallyNamed(name, map[string]string{LabelRole: roleEmailConfigurationSet}),
		Spec: sesv2v1beta1.ConfigurationSetSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: sesv2v1beta1.ConfigurationSetParameters{
				Region:             &p.Region,
				ReputationOptions:  []sesv2v1beta1.ReputationOptionsParameters{{ReputationMetricsEnabled: ptr.To(true)}},
				SendingOptions:     []sesv2v1beta1.SendingOptionsParameters{{SendingEnabled: ptr.To(true)}},
				SuppressionOptions: []sesv2v1beta1.SuppressionOptionsParameters{{SuppressedReasons: compose.StringPtrs([]string{"BOUNCE", "COMPLAINT"})}},
				Tags:               p.tags(name),
			},
		},
	}}
}

// observedDKIMTokens are the identity's Easy DKIM tokens as AWS reported
// them or, should the identity's observed state be missing, as the records
// that exist were created with: what exists is never dropped from the
// desired state. Tokens become DNS names, so anything else is refused.
func observedDKIMTokens(p *plan, observed map[resource.Name]resource.ObservedComposed) ([]string, error) {
	var tokens []string
	if oc, ok := observed[nameEmailIdentity]; ok && oc.Resource != nil {
		if ts, err := oc.Resource.GetStringArray("status.atProvider.dkimSigningAttributes[0].tokens"); err == nil {
			tokens = ts
		}
	}
	if len(tokens) == 0 {
		suffix := "._domainkey." + p.Domain
		for i := range emailDKIMTokens {
			name := compose.ObservedString(observed, nameEmailDKIMRecord(i), "spec.forProvider.name")
			t, ok := strings.CutSuffix(name, suffix)
			if !ok {
				break
			}
			tokens = append(tokens, t)
		}
	}
	for _, t := range tokens {
		if !reDKIMToken.MatchString(t) {
			return nil, errors.Errorf("SES identity %q has DKIM token %q, which is not a DNS label of lower-case letters and digits", p.Domain, t)
		}
	}
	return tokens, nil
}

// emailEvents are the SNS topic the configuration set publishes bounces,
// complaints and rejections to, and the KMS key it is encrypted with.
//
// Neither the AWS managed key alias/aws/sns nor the data key can encrypt
// it: SES publishes as its service principal, which must be allowed by the
// key's policy, and the managed key's policy cannot be changed while the
// data key's allows only the account. The topic's own key allows SES only
// for this topic, and the topic only SES publishing for this account's
// configuration set.
func emailEvents(p *plan, arns emailARNs) ([]compose.Resource, error) {
	keyPolicy, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{
		{
			Sid:       "AccountAdministersTheKey",
			Effect:    "Allow",
			Principal: map[string]string{"AWS": arns.Root},
			Action:    []string{"kms:*"},
			Resource:  []string{"*"},
		},
		{
			Sid:       "SESEncryptsMailEvents",
			Effect:    "Allow",
			Principal: map[string]string{"Service": "ses.amazonaws.com"},
			Action:    []string{"kms:GenerateDataKey*", "kms:Decrypt"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]string{"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": arns.Topic}},
		},
	}}.JSON()
	if err != nil {
		return nil, err
	}
	topicPolicy, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
		Sid:       "SESPublishesMailEvents",
		Effect:    "Allow",
		Principal: map[string]string{"Service": "ses.amazonaws.com"},
		Action:    []string{"sns:Publish"},
		Resource:  []string{arns.Topic},
		Condition: map[string]map[string]string{"StringEquals": {
			"AWS:SourceAccount": arns.AccountID,
			"AWS:SourceArn":     arns.ConfigurationSet,
		}},
	}}}.JSON()
	if err != nil {
		return nil, err
	}
	topic := emailTopicName(p)
	labels := map[string]string{LabelRole: roleEmailEvents}
	return []compose.Resource{
		{Name: nameEmailEventsKey, Object: &kmsv1beta1.Key{
			ObjectMeta: meta(labels),
			Spec: kmsv1beta1.KeySpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: kmsv1beta1.KeyParameters{
					Region:               &p.Region,
					Description:          ptr.To("Encryption of the mail events of Open edX platform " + p.Name),
					Policy:               &keyPolicy,
					EnableKeyRotation:    ptr.To(true),
					DeletionWindowInDays: ptr.To(float64(30)),
					Tags:                 p.tags(topic),
				},
			},
		}},
		{Name: nameEmailEventsKeyAlias, Object: &kmsv1beta1.Alias{
			ObjectMeta: externallyNamed(emailKeyAlias(p), nil),
			Spec: kmsv1beta1.AliasSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: kmsv1beta1.AliasParameters{
					Region:              &p.Region,
					TargetKeyIDSelector: selector(labels),
				},
			},
		}},
		{Name: nameEmailEventsTopic, Object: &snsv1beta1.Topic{
			ObjectMeta: externallyNamed(topic, labels),
			Spec: snsv1beta1.TopicSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: snsv1beta1.TopicParameters{
					Region:         &p.Region,
					DisplayName:    ptr.To("Mail events of Open edX platform " + p.Name),
					KMSMasterKeyID: ptr.To("alias/" + emailKeyAlias(p)),
					Policy:         &topicPolicy,
					Tags:           p.tags(topic),
				},
			},
		}},
		{Name: nameEmailEventDestination, Object: &sesv2v1beta1.ConfigurationSetEventDestination{
			Spec: sesv2v1beta1.ConfigurationSetEventDestinationSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: sesv2v1beta1.ConfigurationSetEventDestinationParameters{
					Region:                       &p.Region,
					ConfigurationSetNameSelector: selector(map[string]string{LabelRole: roleEmailConfigurationSet}),
					EventDestinationName:         ptr.To(emailEventDestination),
					EventDestination: []sesv2v1beta1.EventDestinationParameters{{
						Enabled:            ptr.To(true),
						MatchingEventTypes: compose.StringPtrs(emailEventTypes),
						SnsDestination: []sesv2v1beta1.SnsDestinationParameters{{
							TopicArnSelector: selector(labels),
						}},
					}},
				},
			},
		}},
	}, nil
}

// emailSendingPolicy is what tenants' roles are given to send mail: both
// send actions, through the platform's identity and configuration set, from
// an address of the platform's domain or of a subdomain. A verified domain
// identity verifies its subdomains too (SES developer guide, "Creating and
// verifying identities"), so the domain's identity is the one a subdomain
// sender uses, and tenants' LMS hosts are subdomains: *@<domain> alone
// matches none of them.
func emailSendingPolicy(p *plan, arns emailARNs) (compose.Resource, error) {
	resources := []string{arns.Identity, arns.ConfigurationSet}
	send := []string{"ses:SendEmail", "ses:SendRawEmail"}
	// Two statements: a condition's key takes one value here.
	doc, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{
		{
			Sid:       "SendAsThePlatformDomain",
			Effect:    "Allow",
			Action:    send,
			Resource:  resources,
			Condition: map[string]map[string]string{"StringLike": {"ses:FromAddress": "*@" + p.Domain}},
		},
		{
			Sid:       "SendAsSubdomainsOfThePlatformDomain",
			Effect:    "Allow",
			Action:    send,
			Resource:  resources,
			Condition: map[string]map[string]string{"StringLike": {"ses:FromAddress": "*@*." + p.Domain}},
		},
	}}.JSON()
	if err != nil {
		return compose.Resource{}, err
	}
	awsName := compose.Truncate(p.Name+"-ses-sending", maxEmailPolicyName)
	return compose.Resource{Name: nameEmailSendingPolicy, Object: &iamv1beta1.Policy{
		ObjectMeta: externallyNamed(awsName, map[string]string{LabelRole: roleEmailSending}),
		Spec: iamv1beta1.PolicySpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: iamv1beta1.PolicyParameters{
				Description: ptr.To("Sending mail as " + p.Domain + " through SES, for the tenants of Open edX platform " + p.Name),
				Policy:      &doc,
				Tags:        p.tags(awsName),
			},
		},
	}}, nil
}

// emailStatus is the domain tenants send mail as, once SES has verified it
// (until then sending fails), and the policy their roles are given.
func emailStatus(p *plan, observed map[resource.Name]resource.ObservedComposed) (mailFrom, sendingPolicyARN string) {
	if p.Domain == "" {
		return "", ""
	}
	if oc, ok := observed[nameEmailIdentity]; ok && oc.Resource != nil {
		if v, err := oc.Resource.GetBool("status.atProvider.verifiedForSendingStatus"); err == nil && v {
			mailFrom = p.Domain
		}
	}
	return mailFrom, compose.ObservedString(observed, nameEmailSendingPolicy, "status.atProvider.arn")
}
