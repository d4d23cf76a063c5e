package main

import (
	"fmt"

	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenantnames"
)

// Names of the instance's data and identities. They derive from the
// platform and instance names only, so they are stable across reconciles
// and never collide between two instances of one platform, or between two
// platforms of one AWS account.

// Limits AWS and the data stores put on names.
const (
	maxBucketName = 63
	maxIAMName    = 64
)

// configSecretName is the Kubernetes Secret, in the tenant's namespace,
// that holds the Tutor configuration under Tutor's key names.
const configSecretName = "openedx-tutor-config"

// The names of the instance's data in the shared data stores are in
// internal/tenantnames: the platform drops them when a tenant with
// deletionPolicy Delete is gone.

// secretID is the Secrets Manager secret holding the instance's Tutor
// configuration, under the instance's path (tenantnames.SecretsPrefix),
// the only one its role may read.
func (p *plan) secretID(platform string) string {
	return p.secretPrefix(platform) + "tutor"
}

// secretPrefix is the instance's path in Secrets Manager.
func (p *plan) secretPrefix(platform string) string {
	return tenantnames.SecretsPrefix(platform, p.Instance)
}

// mysqlDatabase is Tutor's OPENEDX_MYSQL_DATABASE.
func (p *plan) mysqlDatabase() string { return tenantnames.MySQLDatabase(p.Instance) }

// mysqlUsername is Tutor's OPENEDX_MYSQL_USERNAME, within MySQL's 32
// characters.
func (p *plan) mysqlUsername() string { return tenantnames.MySQLUsername(p.Instance) }

// mongodbDatabase is Tutor's MONGODB_DATABASE.
func (p *plan) mongodbDatabase() string { return tenantnames.MongoDBDatabase(p.Instance) }

// forumDatabase is tutor-forum's FORUM_MONGODB_DATABASE.
func (p *plan) forumDatabase() string { return tenantnames.ForumDatabase(p.Instance) }

// mongodbUsername is Tutor's MONGODB_USERNAME, a user of the admin database.
func (p *plan) mongodbUsername() string { return tenantnames.MongoDBUsername(p.Instance) }

// awsName is the prefix of every AWS name of the instance. "tenant" keeps
// it apart from the platform's own names (<platform>-provisioner,
// <platform>-static-..., <platform>-eks-node), whatever the instance is
// called.
func (p *plan) awsName(platform string) string {
	return fmt.Sprintf("%s-tenant-%s", platform, p.Instance)
}

// storageBucketName is the instance's bucket, globally unique because it
// holds the account and region. The platform's name may hold '.' or "--",
// which awsnames replaces (with a hash) as it does for the platform's own
// bucket.
func (p *plan) storageBucketName(platform, account, region string) string {
	suffix := fmt.Sprintf("-%s-%s", account, region)
	return awsnames.S3Bucket.WithMax(maxBucketName-len(suffix)).Name(p.awsName(platform)) + suffix
}

// staticPrefix is the instance's prefix in the platform's static bucket.
func (p *plan) staticPrefix() string { return p.Instance + "/" }

// roleName is the instance's IAM role.
func (p *plan) roleName(platform string) string {
	return compose.Truncate(p.awsName(platform), maxIAMName)
}

// smtpUserName is the IAM user whose access key, converted, is the
// instance's SES SMTP password. SES SMTP takes no role credentials.
func (p *plan) smtpUserName(platform string) string {
	return compose.Truncate(p.awsName(platform)+"-smtp", maxIAMName)
}
