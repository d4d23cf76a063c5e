// Package tenantnames derives the names of an Open edX instance's data in
// the platform's shared data stores from its instance name alone. The
// tenant function creates them and the platform function drops them, so
// both use these functions and the names can never drift apart.
package tenantnames

import (
	"strings"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

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
