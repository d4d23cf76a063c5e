package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The instance's identities: one IAM role its pods get through EKS Pod
// Identity, an IAM user for SES SMTP, and the Secrets Manager secret its
// configuration lives in.
const (
	nameRole                  resource.Name = "iam-role"
	nameRolePolicy            resource.Name = "iam-role-policy"
	nameRoleSendingAttachment resource.Name = "iam-role-sending-attachment"
	namePodIdentity           resource.Name = "pod-identity-association"
	nameSMTPUser              resource.Name = "iam-user-smtp"
	nameSMTPUserAttachment    resource.Name = "iam-user-smtp-sending-attachment"
	nameConfigSecret          resource.Name = "secret-tutor-config"

	roleRole         = "role"
	roleSMTPUser     = "smtp-user"
	roleConfigSecret = "config-secret"

	// secretRecoveryDays is how long a deleted secret can be restored:
	// AWS's longest, since it holds the only copy of the passwords.
	secretRecoveryDays = 30
)

// instanceRole is assumed by the instance's pods through EKS Pod Identity,
// whose agent tags every session with the cluster, namespace and
// ServiceAccount it serves.
func instanceRole(p *plan, t awsTarget) (compose.Resource, error) {
	trust := awsiam.ServiceTrust("pods.eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession")
	// Only associations of this account can assume it (confused deputy).
	trust.Statement[0].Condition = map[string]map[string]string{"StringEquals": {"aws:SourceAccount": t.Account}}
	doc, err := trust.JSON()
	if err != nil {
		return compose.Resource{}, err
	}
	name := p.roleName(t.Platform)
	return compose.Resource{Name: nameRole, Object: &iamv1beta1.Role{
		ObjectMeta: managedMeta(p, roleRole, name),
		Spec: iamv1beta1.RoleSpec{
			ResourceSpec: t.resourceSpec(p, false),
			ForProvider: iamv1beta1.RoleParameters{
				AssumeRolePolicy: &doc,
				Path:             ptr.To(compose.IAMPath(t.Platform)),
				Description:      ptr.To(fmt.Sprintf("Pods of Open edX instance %s on platform %s", p.Instance, t.Platform)),
				Tags:             t.tags(p, name),
			},
		},
	}}, nil
}

// instancePolicy lets the instance touch its own bucket, its own prefix of
// the platform's static bucket, its own secrets, and the data key only
// through S3 and Secrets Manager. Every resource is named: no data action
// is granted on "*".
func instancePolicy(p *plan, t awsTarget) (awsiam.PolicyDocument, error) {
	bucket := "arn:" + t.Partition + ":s3:::" + p.storageBucketName(t.Platform, t.Account, t.Region)
	st := []awsiam.Statement{
		{
			Sid:      "StorageBucket",
			Effect:   "Allow",
			Action:   []string{"s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"},
			Resource: []string{bucket},
		},
		{
			Sid:    "StorageObjects",
			Effect: "Allow",
			Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion",
				"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
			Resource: []string{bucket + "/*"},
		},
		{
			Sid:      "OwnSecrets",
			Effect:   "Allow",
			Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resource: []string{t.arn("secretsmanager", t.Region, t.Account, "secret:"+p.secretPrefix(t.Platform)+"*")},
		},
	}
	if t.StaticBucket != "" {
		static := "arn:" + t.Partition + ":s3:::" + t.StaticBucket
		st = append(st,
			awsiam.Statement{
				Sid:       "StaticAssetsList",
				Effect:    "Allow",
				Action:    []string{"s3:ListBucket"},
				Resource:  []string{static},
				Condition: map[string]map[string]string{"StringLike": {"s3:prefix": p.staticPrefix() + "*"}},
			},
			awsiam.Statement{
				Sid:      "StaticAssetsObjects",
				Effect:   "Allow",
				Action:   []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
				Resource: []string{static + "/" + p.staticPrefix() + "*"},
			},
		)
	}
	for _, svc := range []struct{ sid, service string }{{"DataKeyThroughS3", "s3"}, {"DataKeyThroughSecretsManager", "secretsmanager"}} {
		st = append(st, awsiam.Statement{
			Sid:       svc.sid,
			Effect:    "Allow",
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  []string{t.DataKeyARN},
			Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": fmt.Sprintf("%s.%s.amazonaws.com", svc.service, t.Region)}},
		})
	}
	return awsiam.PolicyDocument{Version: awsiam.Version, Statement: st}, nil
}

// identityResources are the role, its policies and its binding to the
// instance's ServiceAccount, the SMTP user, and the configuration secret.
func identityResources(p *plan, t awsTarget) ([]compose.Resource, error) {
	role, err := instanceRole(p, t)
	if err != nil {
		return nil, err
	}
	pol, err := instancePolicy(p, t)
	if err != nil {
		return nil, err
	}
	doc, err := pol.JSON()
	if err != nil {
		return nil, err
	}
	spec := t.resourceSpec(p, false)
	rs := []compose.Resource{
		role,
		{Name: nameRolePolicy, Object: &iamv1beta1.RolePolicy{
			// The policy suite checks it names only this instance's resources.
			ObjectMeta: managedMeta(p, "role-policy", ""),
			Spec: iamv1beta1.RolePolicySpec{
				ResourceSpec: spec,
				ForProvider: iamv1beta1.RolePolicyParameters{
					Policy:       &doc,
					RoleSelector: selectorFor(roleRole),
				},
			},
		}},
		{Name: namePodIdentity, Object: &eksv1beta1.PodIdentityAssociation{
			Spec: eksv1beta1.PodIdentityAssociationSpec{
				ResourceSpec: spec,
				ForProvider: eksv1beta1.PodIdentityAssociationParameters_2{
					Region:          &t.Region,
					ClusterName:     &t.ClusterName,
					Namespace:       &p.Namespace,
					ServiceAccount:  ptr.To(serviceAccountName),
					RoleArnSelector: selectorFor(roleRole),
					Tags:            t.tags(p, p.roleName(t.Platform)),
				},
			},
		}},
		configSecret(p, t),
	}
	if t.SendingPolicyARN != "" {
		rs = append(rs, sendingResources(p, t)...)
	}
	return rs, nil
}

// sendingResources let the instance send mail as the platform's domain: its
// role through the SES API, and an IAM user through SES SMTP, which Tutor
// speaks and which takes no role credentials. The provisioner turns a key
// of that user into the SMTP password; forceDestroy lets the user be
// deleted with that key.
func sendingResources(p *plan, t awsTarget) []compose.Resource {
	spec := t.resourceSpec(p, false)
	user := p.smtpUserName(t.Platform)
	return []compose.Resource{
		{Name: nameRoleSendingAttachment, Object: &iamv1beta1.RolePolicyAttachment{
			Spec: iamv1beta1.RolePolicyAttachmentSpec{
				ResourceSpec: spec,
				ForProvider: iamv1beta1.RolePolicyAttachmentParameters{
					PolicyArn:    &t.SendingPolicyARN,
					RoleSelector: selectorFor(roleRole),
				},
			},
		}},
		{Name: nameSMTPUser, Object: &iamv1beta1.User{
			ObjectMeta: managedMeta(p, roleSMTPUser, user),
			Spec: iamv1beta1.UserSpec{
				ResourceSpec: spec,
				ForProvider: iamv1beta1.UserParameters{
					Path:         ptr.To(compose.IAMPath(t.Platform)),
					ForceDestroy: ptr.To(true),
					Tags:         t.tags(p, user),
				},
			},
		}},
		{Name: nameSMTPUserAttachment, Object: &iamv1beta1.UserPolicyAttachment{
			Spec: iamv1beta1.UserPolicyAttachmentSpec{
				ResourceSpec: spec,
				ForProvider: iamv1beta1.UserPolicyAttachmentParameters{
					PolicyArn:    &t.SendingPolicyARN,
					UserSelector: selectorFor(roleSMTPUser),
				},
			},
		}},
	}
}

// configSecret holds the instance's Tutor configuration, passwords
// included. Crossplane creates it empty; the provisioning Job writes its
// value, so no password ever passes through the control plane.
func configSecret(p *plan, t awsTarget) compose.Resource {
	id := p.secretID(t.Platform)
	return compose.Resource{Name: nameConfigSecret, Object: &smv1beta1.Secret{
		ObjectMeta: managedMeta(p, roleConfigSecret, ""),
		Spec: smv1beta1.SecretSpec{
			ResourceSpec: t.resourceSpec(p, true),
			ForProvider: smv1beta1.SecretParameters{
				Region:               &t.Region,
				Name:                 &id,
				Description:          ptr.To(fmt.Sprintf("Tutor configuration of Open edX instance %s on platform %s, written by its provisioning Job", p.Instance, t.Platform)),
				KMSKeyID:             &t.DataKeyARN,
				RecoveryWindowInDays: ptr.To(float64(secretRecoveryDays)),
				Tags:                 t.tags(p, id),
			},
		},
	}}
}

// deletesData is true when deleting the instance deletes its data.
func (p *plan) deletesData() bool { return p.DeletionPolicy == v1alpha1.DataDeletionDelete }
