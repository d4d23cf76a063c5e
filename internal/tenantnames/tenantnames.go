// Package tenantnames derives the names an Open edX instance shares with
// its platform: its namespace, its Secrets Manager path and its data in the
// shared data stores. The tenant function creates them and the platform
// function grants, reserves or drops them, so both use these functions and
// the names can never drift apart.
package tenantnames

import (
	"strings"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Namespace is the instance's namespace in the platform's cluster.
func Namespace(instance string) string { return "openedx-" + instance }

// The platform's own namespaces are named as an instance's would be, so no
// instance may take these names: openedx-edge holds the load balancer's
// anchor Ingress, openedx-system the provisioner of tenants' databases.
const (
	EdgeInstance   = "edge"
	SystemInstance = "system"
)

// ReservedInstances are the instance names of the platform's own namespaces.
func ReservedInstances() []string { return []string{EdgeInstance, SystemInstance} }

// SecretsPath holds every instance's Secrets Manager secrets of a
// platform, openedx/<platform>/tenants/: the path the platform's
// provisioner may read and write. The platform's own secrets are
// openedx/<platform>/<id>, one level up.
func SecretsPath(platform string) string { return "openedx/" + platform + "/tenants/" }

// SecretsPrefix is the instance's own path under SecretsPath, the only one
// its role may read.
func SecretsPrefix(platform, instance string) string { return SecretsPath(platform) + instance + "/" }

// MaxMySQLUserName is MySQL's limit on user names.
const MaxMySQLUserName = 32

// SQLName is the instance name as a MySQL or MongoDB identifier: Tutor's
// init scripts do not quote names, so '-' becomes '_'.
func SQLName(instance string) string { return strings.ReplaceAll(instance, "-", "_") }

// MySQLDatabase is Tutor's OPENEDX_MYSQL_DATABASE.
func MySQLDatabase(instance string) string { return "openedx_" + SQLName(instance) }

// MySQLUsername is Tutor's OPENEDX_MYSQL_USERNAME, within MySQL's 32
// characters.
func MySQLUsername(instance string) string {
	return compose.Truncate("openedx_"+SQLName(instance), MaxMySQLUserName)
}

// MongoDBDatabase is Tutor's MONGODB_DATABASE.
func MongoDBDatabase(instance string) string { return "openedx_" + SQLName(instance) }

// ForumDatabase is tutor-forum's FORUM_MONGODB_DATABASE. tutor-forum
// hard-codes cs_comments_service, which would be shared by every instance
// of the replica set; the Tutor plugin sets this name instead.
func ForumDatabase(instance string) string { return "openedx_" + SQLName(instance) + "_forum" }

// MongoDBUsername is Tutor's MONGODB_USERNAME, a user of the admin database.
func MongoDBUsername(instance string) string { return "openedx_" + SQLName(instance) }
