package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/provisionjob"
	"github.com/openedx-cloud/platform-aws/internal/testkit/storetest"
)

// provisioningPlatform is a platform that has reported everything an
// instance's provisioning needs.
func provisioningPlatform(mods ...func(*v1alpha1.XPlatform)) *v1alpha1.XPlatform {
	pl := &v1alpha1.XPlatform{
		ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec:       v1alpha1.XPlatformSpec{Region: "eu-west-1"},
		Status: v1alpha1.XPlatformStatus{
			Region:    "eu-west-1",
			AccountID: "123456789012",
			Database: v1alpha1.DatabaseStatus{
				WriterEndpoint: "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
				Port:           3306,
				AdminSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf",
			},
			Cache: v1alpha1.CacheStatus{
				PrimaryEndpoint: "master.prod-cache.abc.euw1.cache.amazonaws.com",
				Port:            6379,
				TLS:             true,
				AuthSecretARN:   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/cache-auth-AbCdEf",
			},
			MongoDB: v1alpha1.MongoDBStatus{
				Hosts:          []string{"mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal:27017", "mongodb-2.prod.openedx.internal:27017"},
				ReplicaSet:     "rs0",
				AdminSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-admin-AbCdEf",
				TLS:            true,
				CASecretARN:    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-ca-GhIjKl",
			},
			Edge: v1alpha1.EdgeStatus{
				Domain:           "demo.example.com",
				StaticDomain:     "static.example.com",
				StaticBucket:     "prod-static-123456789012-eu-west-1",
				SendingPolicyARN: "arn:aws:iam::123456789012:policy/prod-ses-sending",
				SMTPHost:         "email-smtp.eu-west-1.amazonaws.com",
				SMTPPort:         587,
			},
			Provisioner: v1alpha1.ProvisionerStatus{Namespace: "openedx-system", ServiceAccountName: "openedx-provisioner", Ready: true},
		},
	}
	for _, m := range mods {
		m(pl)
	}
	return pl
}

// demoAllocation is what the platform gave the demo tenant.
var demoAllocation = v1alpha1.TenantAllocation{Instance: "demo", Composite: "demo-x7k2p", CeleryDatabase: 4, CacheDatabase: 5}

// wantDemoProvisioning is the demo tenant's provisioning on
// provisioningPlatform(). Names of AWS resources come from names.go, which
// has tests of its own.
func wantDemoProvisioning() provisioning {
	p := defaultPlan()
	return provisioning{
		Platform:              "prod",
		Region:                "eu-west-1",
		Account:               "123456789012",
		Namespace:             "openedx-system",
		ServiceAccount:        "openedx-provisioner",
		SecretID:              p.secretID("prod"),
		MySQLHost:             "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
		MySQLPort:             3306,
		MySQLAdminSecretARN:   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf",
		MongoDBHosts:          []string{"mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal:27017", "mongodb-2.prod.openedx.internal:27017"},
		MongoDBReplicaSet:     "rs0",
		MongoDBAdminSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-admin-AbCdEf",
		MongoDBTLS:            true,
		MongoDBCASecretARN:    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-ca-GhIjKl",
		RedisHost:             "master.prod-cache.abc.euw1.cache.amazonaws.com",
		RedisPort:             6379,
		RedisAuthSecretARN:    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/cache-auth-AbCdEf",
		CeleryDatabase:        4,
		CacheDatabase:         5,
		SMTPHost:              "email-smtp.eu-west-1.amazonaws.com",
		SMTPPort:              587,
		SMTPUser:              p.smtpUserName("prod"),
		MailDomain:            "demo.example.com",
		Bucket:                p.storageBucketName("prod", "123456789012", "eu-west-1"),
		StaticURL:             "https://static.example.com/demo/",
		StaticBucket:          "prod-static-123456789012-eu-west-1",
	}
}

// testSpotNodePool is the spot NodePool as a platform publishes it.
func testSpotNodePool() *v1alpha1.SpotNodePoolStatus {
	return &v1alpha1.SpotNodePoolStatus{Name: "openedx-spot", TaintKey: "platform.openedx.cloud/spot", TaintValue: "true", TaintEffect: "NoSchedule"}
}

const atlasAdminSecret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/atlas-admin-AbCdEf"

// atlasMongoDB makes the platform use an external replica set, as its
// function publishes it: every host with its port, spoken to over TLS.
func atlasMongoDB(adminSecretARN string) func(*v1alpha1.XPlatform) {
	return func(pl *v1alpha1.XPlatform) {
		pl.Spec.MongoDB.External = &v1alpha1.ExternalMongoDB{
			Hosts:          []string{"atlas-shard-00-00.abcde.mongodb.net:27017", "atlas-shard-00-01.abcde.mongodb.net"},
			ReplicaSet:     "atlas-abcde-shard-0",
			AdminSecretARN: adminSecretARN,
		}
		pl.Status.MongoDB = v1alpha1.MongoDBStatus{
			Hosts:          []string{"atlas-shard-00-00.abcde.mongodb.net:27017", "atlas-shard-00-01.abcde.mongodb.net:27017"},
			ReplicaSet:     "atlas-abcde-shard-0",
			AdminSecretARN: adminSecretARN,
			External:       true,
			TLS:            true,
		}
	}
}

// provisioningView is the view builders get of pl once it has admitted
// the instance with alloc.
func provisioningView(pl *v1alpha1.XPlatform, alloc v1alpha1.TenantAllocation) platformView {
	if pl == nil {
		return platformView{}
	}
	v := statusView(pl, "")
	if alloc != (v1alpha1.TenantAllocation{}) {
		v.Alloc = &alloc
	}
	return v
}

func TestNewProvisioning(t *testing.T) {
	type want struct {
		pr      provisioning
		pending string
	}
	cases := map[string]struct {
		reason string
		pl     *v1alpha1.XPlatform
		alloc  v1alpha1.TenantAllocation
		want   want
	}{
		"Complete": {
			reason: "Everything comes from the platform's status and the allocation; names from names.go.",
			pl:     provisioningPlatform(),
			alloc:  demoAllocation,
			want:   want{pr: wantDemoProvisioning()},
		},
		"NoDomain": {
			reason: "A platform without a domain has no CDN and no mail: no static URL, no SMTP user; nothing is pending for it. It still publishes its region's SMTP interface.",
			pl: provisioningPlatform(func(pl *v1alpha1.XPlatform) {
				pl.Status.Edge = v1alpha1.EdgeStatus{SMTPHost: "email-smtp.eu-west-1.amazonaws.com", SMTPPort: 587}
			}),
			alloc: demoAllocation,
			want: want{pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.StaticURL, pr.StaticBucket, pr.SMTPUser, pr.MailDomain = "", "", "", ""
				return pr
			}()},
		},
		"PublishedPortsAndSMTP": {
			reason: "Ports and the SMTP interface are taken as the platform publishes them, never assumed.",
			pl: provisioningPlatform(func(pl *v1alpha1.XPlatform) {
				pl.Status.Database.Port, pl.Status.Cache.Port = 3307, 6380
				pl.Status.Edge.SMTPHost, pl.Status.Edge.SMTPPort = "email-smtp-fips.us-east-1.amazonaws.com", 2587
			}),
			alloc: demoAllocation,
			want: want{pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MySQLPort, pr.RedisPort = 3307, 6380
				pr.SMTPHost, pr.SMTPPort = "email-smtp-fips.us-east-1.amazonaws.com", 2587
				return pr
			}()},
		},
		"ExternalMongoDB": {
			reason: "An external replica set is as the platform publishes it, spoken to over TLS.",
			pl:     provisioningPlatform(atlasMongoDB(atlasAdminSecret)),
			alloc:  demoAllocation,
			want: want{pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MongoDBHosts = []string{"atlas-shard-00-00.abcde.mongodb.net:27017", "atlas-shard-00-01.abcde.mongodb.net:27017"}
				pr.MongoDBReplicaSet = "atlas-abcde-shard-0"
				pr.MongoDBAdminSecretARN = atlasAdminSecret
				pr.MongoDBTLS = true
				pr.MongoDBCASecretARN = ""
				return pr
			}()},
		},
		"SpotNodePool": {
			reason: "The platform's spot NodePool is taken as its status publishes it.",
			pl: provisioningPlatform(func(pl *v1alpha1.XPlatform) {
				pl.Status.Cluster.SpotNodePool = testSpotNodePool()
			}),
			alloc: demoAllocation,
			want: want{pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.SpotNodePool = testSpotNodePool()
				return pr
			}()},
		},
		"ExternalMongoDBFromStatus": {
			reason: "The status is all that is read, never the spec.",
			pl: provisioningPlatform(atlasMongoDB(atlasAdminSecret), func(pl *v1alpha1.XPlatform) {
				pl.Status.MongoDB = v1alpha1.MongoDBStatus{Hosts: []string{"a.mongodb.net:27017"}, ReplicaSet: "atlas-0", AdminSecretARN: atlasAdminSecret, External: true, TLS: true}
			}),
			alloc: demoAllocation,
			want: want{pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MongoDBHosts = []string{"a.mongodb.net:27017"}
				pr.MongoDBReplicaSet = "atlas-0"
				pr.MongoDBAdminSecretARN = atlasAdminSecret
				pr.MongoDBTLS = true
				pr.MongoDBCASecretARN = ""
				return pr
			}()},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pr, pending := newProvisioning(defaultPlan(), provisioningView(tc.pl, tc.alloc))
			if diff := cmp.Diff(tc.want, want{pr, pending}, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nnewProvisioning(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNewProvisioningPending(t *testing.T) {
	cases := map[string]struct {
		reason string
		pl     *v1alpha1.XPlatform
		alloc  v1alpha1.TenantAllocation
		want   string
	}{
		"NoPlatform": {
			reason: "Nothing can be read from a platform that does not exist.",
			alloc:  demoAllocation,
			want:   "the platform does not exist",
		},
		"NoProvisioner": {
			reason: "The Job runs in the provisioner's namespace, as its ServiceAccount.",
			pl:     provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Provisioner = v1alpha1.ProvisionerStatus{} }),
			alloc:  demoAllocation,
			want:   "the platform has not published its provisioner namespace and ServiceAccount yet; the platform's provisioner ServiceAccount is not bound to its IAM role yet",
		},
		"ProvisionerNotBound": {
			reason: "Before its Pod Identity association exists the Job could read nothing.",
			pl:     provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Provisioner.Ready = false }),
			alloc:  demoAllocation,
			want:   "the platform's provisioner ServiceAccount is not bound to its IAM role yet",
		},
		"NoAccount": {
			reason: "The bucket's name holds the account.",
			pl:     provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.AccountID = "" }),
			alloc:  demoAllocation,
			want:   "the platform's AWS account ID is not known yet",
		},
		"NoAuroraEndpoint": {
			pl:    provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Database.WriterEndpoint = "" }),
			alloc: demoAllocation,
			want:  "the platform's Aurora writer endpoint and port are not known yet",
		},
		"NoAuroraPort": {
			reason: "The tenant assumes no port of the platform's.",
			pl:     provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Database.Port = 0 }),
			alloc:  demoAllocation,
			want:   "the platform's Aurora writer endpoint and port are not known yet",
		},
		"NoAuroraSecret": {
			pl:    provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Database.AdminSecretARN = "" }),
			alloc: demoAllocation,
			want:  "the ARN of the platform's Aurora admin secret is not known yet",
		},
		"NoMongoDBHosts": {
			pl:    provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.MongoDB.Hosts = nil }),
			alloc: demoAllocation,
			want:  "the platform's MongoDB hosts are not known yet",
		},
		"MongoDBHostWithoutPort": {
			reason: "The platform publishes every host with its port: the tenant assumes none.",
			pl: provisioningPlatform(func(pl *v1alpha1.XPlatform) {
				pl.Status.MongoDB.Hosts = []string{"mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal"}
			}),
			alloc: demoAllocation,
			want:  `the platform publishes MongoDB host "mongodb-1.prod.openedx.internal" without a port`,
		},
		"NoReplicaSet": {
			pl:    provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.MongoDB.ReplicaSet = "" }),
			alloc: demoAllocation,
			want:  "the platform's MongoDB replica set name is not known yet",
		},
		"NoMongoDBSecret": {
			reason: "The platform's own members write their admin secret; it is only not reported yet.",
			pl:     provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.MongoDB.AdminSecretARN = "" }),
			alloc:  demoAllocation,
			want:   "the ARN of the platform's MongoDB admin secret is not known yet",
		},
		"NoMongoDBCASecret": {
			reason: "The platform's own members speak TLS with certificates of its own CA: the Job waits for the CA certificate's secret.",
			pl:     provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.MongoDB.CASecretARN = "" }),
			alloc:  demoAllocation,
			want:   "the ARN of the platform's MongoDB CA certificate secret is not known yet",
		},
		"ExternalMongoDBOnlyInSpec": {
			reason: "An external replica set in the platform's spec is not the tenant's to read: it waits for the platform to publish it.",
			pl: provisioningPlatform(atlasMongoDB(atlasAdminSecret), func(pl *v1alpha1.XPlatform) {
				pl.Status.MongoDB = v1alpha1.MongoDBStatus{}
			}),
			alloc: demoAllocation,
			want:  "the platform's MongoDB hosts are not known yet; the platform's MongoDB replica set name is not known yet; the ARN of the platform's MongoDB admin secret is not known yet",
		},
		"ExternalMongoDBWithoutSecret": {
			reason: "Only the operator can provide an external replica set's admin secret: say which field to set.",
			pl:     provisioningPlatform(atlasMongoDB("")),
			alloc:  demoAllocation,
			want:   `the platform's external MongoDB has no admin secret: set spec.mongodb.external.adminSecretArn of XPlatform "prod" to a Secrets Manager secret holding an admin user's credentials as JSON with username and password, readable by the platform's provisioner`,
		},
		"NoCacheEndpoint": {
			pl:    provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Cache.PrimaryEndpoint = "" }),
			alloc: demoAllocation,
			want:  "the platform's cache primary endpoint and port are not known yet",
		},
		"NoCachePort": {
			reason: "The tenant assumes no port of the platform's.",
			pl:     provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Cache.Port = 0 }),
			alloc:  demoAllocation,
			want:   "the platform's cache primary endpoint and port are not known yet",
		},
		"NoSMTP": {
			reason: "The SMTP interface is the platform's to publish, with its port.",
			pl: provisioningPlatform(func(pl *v1alpha1.XPlatform) {
				pl.Status.Edge.SMTPHost, pl.Status.Edge.SMTPPort = "", 0
			}),
			alloc: demoAllocation,
			want:  "the platform's SMTP host and port are not known yet",
		},
		"NoCacheSecret": {
			pl:    provisioningPlatform(func(pl *v1alpha1.XPlatform) { pl.Status.Cache.AuthSecretARN = "" }),
			alloc: demoAllocation,
			want:  "the ARN of the platform's cache AUTH secret is not known yet",
		},
		"NotAllocated": {
			reason: "The Redis databases are the platform's to allocate.",
			pl:     provisioningPlatform(),
			want:   "the platform has not allocated Redis databases to this instance yet",
		},
		"SeveralMissing": {
			reason: "Everything missing is named, in a fixed order.",
			pl: provisioningPlatform(func(pl *v1alpha1.XPlatform) {
				pl.Status.Database = v1alpha1.DatabaseStatus{}
				pl.Status.Cache = v1alpha1.CacheStatus{}
			}),
			alloc: demoAllocation,
			want:  "the platform's Aurora writer endpoint and port are not known yet; the ARN of the platform's Aurora admin secret is not known yet; the platform's cache primary endpoint and port are not known yet; the ARN of the platform's cache AUTH secret is not known yet",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, got := newProvisioning(defaultPlan(), provisioningView(tc.pl, tc.alloc))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nnewProvisioning(...): -want pending, +got pending:\n%s", tc.reason, diff)
			}
		})
	}
}

// wantDemoTutorConfig is the demo tenant's Tutor configuration on
// provisioningPlatform().
func wantDemoTutorConfig() map[string]string {
	return map[string]string{
		"LMS_HOST":                           "learn.demo.example.com",
		"CMS_HOST":                           "studio.learn.demo.example.com",
		"MFE_HOST":                           "apps.learn.demo.example.com",
		"ENABLE_HTTPS":                       "true",
		"ENABLE_WEB_PROXY":                   "false",
		"K8S_NAMESPACE":                      "openedx-demo",
		"RUN_MYSQL":                          "false",
		"MYSQL_HOST":                         "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
		"MYSQL_PORT":                         "3306",
		"OPENEDX_MYSQL_DATABASE":             "openedx_demo",
		"OPENEDX_MYSQL_USERNAME":             "openedx_demo",
		"RUN_MONGODB":                        "false",
		"MONGODB_HOST":                       "mongodb-0.prod.openedx.internal",
		"MONGODB_PORT":                       "27017",
		"MONGODB_DATABASE":                   "openedx_demo",
		"MONGODB_USERNAME":                   "openedx_demo",
		"MONGODB_AUTH_SOURCE":                "admin",
		"MONGODB_REPLICA_SET":                "rs0",
		"MONGODB_USE_SSL":                    "true",
		"RUN_REDIS":                          "false",
		"REDIS_HOST":                         "master.prod-cache.abc.euw1.cache.amazonaws.com",
		"REDIS_PORT":                         "6379",
		"REDIS_USERNAME":                     "default",
		"OPENEDX_CELERY_REDIS_DB":            "4",
		"OPENEDX_CACHE_REDIS_DB":             "5",
		"RUN_SMTP":                           "false",
		"SMTP_HOST":                          "email-smtp.eu-west-1.amazonaws.com",
		"SMTP_PORT":                          "587",
		"SMTP_USE_TLS":                       "true",
		"SMTP_USE_SSL":                       "false",
		"CONTACT_EMAIL":                      "contact@learn.demo.example.com",
		"AWSPLATFORM_MONGODB_HOSTS":          "mongodb-0.prod.openedx.internal:27017,mongodb-1.prod.openedx.internal:27017,mongodb-2.prod.openedx.internal:27017",
		"AWSPLATFORM_FORUM_MONGODB_DATABASE": "openedx_demo_forum",
		"AWSPLATFORM_REDIS_TLS":              "true",
		"AWSPLATFORM_S3_BUCKET":              defaultPlan().storageBucketName("prod", "123456789012", "eu-west-1"),
		"AWSPLATFORM_S3_REGION":              "eu-west-1",
		"AWSPLATFORM_STATIC_URL":             "https://static.example.com/demo/",
		"AWSPLATFORM_STATIC_BUCKET":          "prod-static-123456789012-eu-west-1",
		"AWSPLATFORM_STATIC_LOCATION":        "demo",
		"AWSPLATFORM_STATIC_ON_CDN":          "false",
		"AWSPLATFORM_SERVICE_ACCOUNT":        "openedx",
		"AWSPLATFORM_CADDY_REPLICAS":         "2",
		"AWSPLATFORM_WEB_CPU_REQUEST":        "500m",
		"AWSPLATFORM_WEB_MEMORY_REQUEST":     "2Gi",
		"AWSPLATFORM_WEB_MEMORY_LIMIT":       "3Gi",
		"AWSPLATFORM_WORKER_CPU_REQUEST":     "250m",
		"AWSPLATFORM_WORKER_MEMORY_REQUEST":  "1Gi",
		"AWSPLATFORM_WORKER_MEMORY_LIMIT":    "2Gi",
		"AWSPLATFORM_PROXY_CPU_REQUEST":      "100m",
		"AWSPLATFORM_PROXY_MEMORY_REQUEST":   "128Mi",
		"AWSPLATFORM_PROXY_MEMORY_LIMIT":     "256Mi",
		"AWSPLATFORM_SEARCH_CPU_REQUEST":     "250m",
		"AWSPLATFORM_SEARCH_MEMORY_REQUEST":  "512Mi",
		"AWSPLATFORM_SEARCH_MEMORY_LIMIT":    "1Gi",
	}
}

func TestTutorConfig(t *testing.T) {
	cases := map[string]struct {
		reason string
		plan   *plan // defaultPlan() if nil
		pr     provisioning
		want   map[string]string
	}{
		"StaticAssetsFromCDN": {
			reason: "spec.staticAssets.servedFrom CDN reaches every operator's Tutor through the Secret.",
			plan: func() *plan {
				p := defaultPlan()
				p.StaticFromCDN = true
				return p
			}(),
			pr: wantDemoProvisioning(),
			want: func() map[string]string {
				c := wantDemoTutorConfig()
				c["AWSPLATFORM_STATIC_ON_CDN"] = "true"
				return c
			}(),
		},
		"Platform": {
			reason: "Tutor's keys for external MySQL, MongoDB, Redis and SES, and the awsplatform plugin's.",
			pr:     wantDemoProvisioning(),
			want:   wantDemoTutorConfig(),
		},
		"NoDomain": {
			reason: "Without a CDN the static URL is left out, so the plugin's default applies.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.StaticURL, pr.StaticBucket = "", ""
				return pr
			}(),
			want: func() map[string]string {
				c := wantDemoTutorConfig()
				delete(c, "AWSPLATFORM_STATIC_URL")
				delete(c, "AWSPLATFORM_STATIC_BUCKET")
				delete(c, "AWSPLATFORM_STATIC_LOCATION")
				delete(c, "AWSPLATFORM_STATIC_ON_CDN")
				return c
			}(),
		},
		"SpotNodePool": {
			reason: "With a spot NodePool the plugin gets its name and taint; without one (every other case) it gets none.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.SpotNodePool = testSpotNodePool()
				return pr
			}(),
			want: func() map[string]string {
				c := wantDemoTutorConfig()
				c["AWSPLATFORM_SPOT_NODEPOOL"] = "openedx-spot"
				c["AWSPLATFORM_SPOT_TAINT_KEY"] = "platform.openedx.cloud/spot"
				c["AWSPLATFORM_SPOT_TAINT_EFFECT"] = "NoSchedule"
				return c
			}(),
		},
		"LMSInPlatformDomainApex": {
			reason: "An LMS at the platform's domain itself sends as contact@<domain>, which the domain's identity verifies.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MailDomain = "learn.demo.example.com"
				return pr
			}(),
			want: wantDemoTutorConfig(),
		},
		"LMSOutsidePlatformDomain": {
			reason: "An LMS outside the platform's domain has no SES identity: contact@<lmsHost> would be refused, so the instance sends as <instance>@<domain>.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MailDomain = "learn.example.org"
				return pr
			}(),
			want: func() map[string]string {
				c := wantDemoTutorConfig()
				c["CONTACT_EMAIL"] = "demo@learn.example.org"
				return c
			}(),
		},
		"LMSNameEndsLikeTheDomain": {
			reason: "A host that merely ends with the domain's text is not in it: SES would refuse contact@ there.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MailDomain = "mo.example.com"
				return pr
			}(),
			want: func() map[string]string {
				c := wantDemoTutorConfig()
				c["CONTACT_EMAIL"] = "demo@mo.example.com"
				return c
			}(),
		},
		"ExternalMongoDB": {
			reason: "MONGODB_HOST is the first member's name and MONGODB_PORT its port; the plugin gets every member; TLS on.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MongoDBHosts = []string{"a.mongodb.net:27018", "b.mongodb.net:27017"}
				pr.MongoDBReplicaSet = "atlas-0"
				pr.MongoDBTLS = true
				return pr
			}(),
			want: func() map[string]string {
				c := wantDemoTutorConfig()
				c["MONGODB_HOST"], c["MONGODB_PORT"], c["MONGODB_REPLICA_SET"], c["MONGODB_USE_SSL"] = "a.mongodb.net", "27018", "atlas-0", "true"
				c["AWSPLATFORM_MONGODB_HOSTS"] = "a.mongodb.net:27018,b.mongodb.net:27017"
				return c
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tc.plan
			if p == nil {
				p = defaultPlan()
			}
			got := tutorConfig(p, tc.pr)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ntutorConfig(...): -want, +got:\n%s", tc.reason, diff)
			}
			for _, k := range tutorSecretKeys {
				if _, ok := got[k]; ok {
					t.Errorf("%s\ntutorConfig(...) sets credential %s, which only the Job may fill", tc.reason, k)
				}
			}
		})
	}
}

// TestTutorPluginKeys checks that every AWSPLATFORM_ key set here is one
// the awsplatform plugin defines: Tutor would ignore any other.
func TestTutorConfigSetsOnlyPluginKeys(t *testing.T) {
	pr := wantDemoProvisioning()
	pr.SpotNodePool = testSpotNodePool()
	for k := range tutorConfig(defaultPlan(), pr) {
		name, ok := strings.CutPrefix(k, "AWSPLATFORM_")
		if !ok {
			continue
		}
		if !regexp.MustCompile(`(?m)^    ` + name + `:`).MatchString(tutorPlugin) {
			t.Errorf("%s is not in the defaults of tutor/awsplatform.yml", k)
		}
	}
}

// provisionManifests runs provisionObjects for the demo tenant and decodes
// its two manifests.
func provisionManifests(t *testing.T, pr provisioning) (*corev1.ConfigMap, *batchv1.Job, *kubev1alpha2.Object) {
	t.Helper()
	p := defaultPlan()
	rs, jobName, err := provisionObjects(p, pr, p.labels("prod", "learning-platform"), "prod")
	if err != nil {
		t.Fatalf("provisionObjects(...): %v", err)
	}
	if diff := cmp.Diff([]frsc.Name{nameProvisionScripts, jobName}, []frsc.Name{rs[0].Name, rs[1].Name}); diff != "" {
		t.Fatalf("provisionObjects(...): -want names, +got names:\n%s", diff)
	}
	cm, job := &corev1.ConfigMap{}, &batchv1.Job{}
	for i, into := range []any{cm, job} {
		o := rs[i].Object.(*kubev1alpha2.Object)
		if diff := cmp.Diff("prod", o.Spec.ProviderConfigReference.Name); diff != "" {
			t.Errorf("%s: -want providerConfigRef, +got:\n%s", rs[i].Name, diff)
		}
		if err := json.Unmarshal(o.Spec.ForProvider.Manifest.Raw, into); err != nil {
			t.Fatalf("%s: %v", rs[i].Name, err)
		}
	}
	return cm, job, rs[1].Object.(*kubev1alpha2.Object)
}

func TestProvisionObjects(t *testing.T) {
	pr := wantDemoProvisioning()
	cm, job, jobObj := provisionManifests(t, pr)

	t.Run("Scripts", func(t *testing.T) {
		want := map[string]string{}
		files, _ := filepath.Glob("provision/*")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want[filepath.Base(f)] = string(b)
		}
		if diff := cmp.Diff(want, cm.Data); diff != "" {
			t.Errorf("the ConfigMap holds other than functions/tenant/provision/*: -want, +got:\n%s", diff)
		}
		if cm.Name != "provision-demo" || cm.Namespace != "openedx-system" {
			t.Errorf("ConfigMap is %s/%s, want openedx-system/provision-demo", cm.Namespace, cm.Name)
		}
	})

	t.Run("Job", func(t *testing.T) {
		if !regexp.MustCompile(`^provision-demo-[0-9a-f]{8}$`).MatchString(job.Name) {
			t.Errorf("Job name %q, want provision-demo-<8 hex>", job.Name)
		}
		if job.Namespace != "openedx-system" {
			t.Errorf("Job namespace %q, want the provisioner's, openedx-system", job.Namespace)
		}
		s := job.Spec
		if s.BackoffLimit == nil || *s.BackoffLimit != 6 || s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds != 900 {
			t.Errorf("backoffLimit %v, activeDeadlineSeconds %v; want 6 and 900", s.BackoffLimit, s.ActiveDeadlineSeconds)
		}
		if s.TTLSecondsAfterFinished != nil {
			t.Errorf("ttlSecondsAfterFinished is set: provider-kubernetes would re-create the deleted Job and run it again")
		}
		ps := s.Template.Spec
		if ps.ServiceAccountName != "openedx-provisioner" || ps.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("serviceAccountName %q, restartPolicy %q; want openedx-provisioner, Never", ps.ServiceAccountName, ps.RestartPolicy)
		}
		var order []string
		for _, c := range ps.InitContainers {
			order = append(order, c.Name)
		}
		for _, c := range ps.Containers {
			order = append(order, c.Name)
		}
		if diff := cmp.Diff([]string{"fetch", "keys", "plan", "mysql", "mongodb", "smtp", "render", "store"}, order); diff != "" {
			t.Errorf("steps: -want, +got:\n%s", diff)
		}
		assertRestricted(t, "Job", ps)
		for _, c := range append(slices.Clone(ps.InitContainers), ps.Containers...) {
			if !slices.Contains([]string{provisionjob.ImageAWSCLI, provisionjob.ImagePython, provisionjob.ImageMySQL, provisionjob.ImageMongoDB}, c.Image) {
				t.Errorf("%s: image %q is not one of the pinned images", c.Name, c.Image)
			}
			mounts := map[string]corev1.VolumeMount{}
			for _, m := range c.VolumeMounts {
				mounts[m.Name] = m
			}
			if m := mounts["scripts"]; m.MountPath != "/scripts" || !m.ReadOnly {
				t.Errorf("%s: scripts mounted %+v, want read-only at /scripts", c.Name, m)
			}
			if mounts["work"].MountPath != "/work" || mounts["tmp"].MountPath != "/tmp" {
				t.Errorf("%s: work and tmp mounted %+v, want /work and /tmp", c.Name, mounts)
			}
			if !strings.HasPrefix(strings.Join(c.Command, " "), "sh /scripts/") && !strings.HasPrefix(strings.Join(c.Command, " "), "python3 /scripts/provision.py ") {
				t.Errorf("%s: command %q does not run a mounted script", c.Name, c.Command)
			}
		}
		volumes := map[string]corev1.VolumeSource{}
		for _, v := range ps.Volumes {
			volumes[v.Name] = v.VolumeSource
		}
		if v := volumes["scripts"].ConfigMap; v == nil || v.Name != "provision-demo" {
			t.Errorf("scripts volume %+v, want ConfigMap provision-demo", volumes["scripts"])
		}
		for _, n := range []string{"work", "tmp"} {
			if v := volumes[n].EmptyDir; v == nil || v.Medium != corev1.StorageMediumMemory || v.SizeLimit == nil {
				t.Errorf("%s volume %+v, want a size-limited emptyDir in memory", n, volumes[n])
			}
		}
		if diff := cmp.Diff(kubev1alpha2.Readiness{Policy: kubev1alpha2.ReadinessPolicyDeriveFromCelQuery, CelQuery: provisionjob.SucceededQuery}, jobObj.Spec.Readiness); diff != "" {
			t.Errorf("Job readiness: -want, +got:\n%s", diff)
		}
	})

	t.Run("EnvHoldsNoSecret", func(t *testing.T) {
		secretish := regexp.MustCompile(`(?i)password|token|secret|key`)
		for _, c := range append(slices.Clone(job.Spec.Template.Spec.InitContainers), job.Spec.Template.Spec.Containers...) {
			if len(c.EnvFrom) > 0 {
				t.Errorf("%s: envFrom %v; every value must be visible here", c.Name, c.EnvFrom)
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil {
					t.Errorf("%s: %s comes from %v; the Job reads secrets from Secrets Manager only", c.Name, e.Name, e.ValueFrom)
				}
				if !secretish.MatchString(e.Name) {
					continue
				}
				// Names of secrets, never values.
				if !strings.HasPrefix(e.Value, "arn:aws:secretsmanager:") && e.Value != pr.SecretID {
					t.Errorf("%s: %s=%q is neither a secret's ARN nor the instance's secret id", c.Name, e.Name, e.Value)
				}
			}
		}
		raw, _ := json.Marshal(job)
		if path := credentialField(t, raw); path != "" {
			t.Errorf("the Job has a credential-named field %s", path)
		}
	})

	t.Run("TutorConfigEnv", func(t *testing.T) {
		var got map[string]string
		for _, c := range job.Spec.Template.Spec.InitContainers {
			for _, e := range c.Env {
				if e.Name == "TUTOR_CONFIG" {
					if err := json.Unmarshal([]byte(e.Value), &got); err != nil {
						t.Fatal(err)
					}
					if !json.Valid([]byte(e.Value)) || !sortedJSONKeys(e.Value) {
						t.Errorf("TUTOR_CONFIG is not JSON with sorted keys: %s", e.Value)
					}
				}
			}
		}
		if diff := cmp.Diff(wantDemoTutorConfig(), got); diff != "" {
			t.Errorf("TUTOR_CONFIG: -want, +got:\n%s", diff)
		}
	})
}

// sortedJSONKeys reports whether a flat JSON object's keys are in order.
func sortedJSONKeys(s string) bool {
	keys := regexp.MustCompile(`"([A-Z0-9_]+)":`).FindAllStringSubmatch(s, -1)
	return slices.IsSortedFunc(keys, func(a, b []string) int { return strings.Compare(a[1], b[1]) })
}

// credentialField is the path of the first field named like a credential
// with a string value, as test/policy looks for them.
func credentialField(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	names := []string{"password", "masterpassword", "authtoken", "secretstring", "secretbinary", "token", "privatekey", "secretkey", "accesskey"}
	var walk func(v any, path string) string
	walk = func(v any, path string) string {
		switch t := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				if s, ok := t[k].(string); ok && s != "" && slices.Contains(names, strings.ToLower(k)) {
					return path + "." + k
				}
				if p := walk(t[k], path+"."+k); p != "" {
					return p
				}
			}
		case []any:
			for _, e := range t {
				if p := walk(e, path+"[]"); p != "" {
					return p
				}
			}
		}
		return ""
	}
	return walk(v, "")
}

// assertRestricted checks what the "restricted" Pod Security Standard
// requires of a pod, and read-only root filesystems.
func assertRestricted(t *testing.T, what string, ps corev1.PodSpec) {
	t.Helper()
	sc := ps.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 || sc.RunAsGroup == nil || *sc.RunAsGroup == 0 ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext %+v is not restricted", what, sc)
	}
	if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
		t.Errorf("%s: the pod mounts a Kubernetes API token", what)
	}
	if ps.HostNetwork || ps.HostPID || ps.HostIPC {
		t.Errorf("%s: the pod shares a host namespace", what)
	}
	for _, c := range append(slices.Clone(ps.InitContainers), ps.Containers...) {
		s := c.SecurityContext
		if s == nil || s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation || s.ReadOnlyRootFilesystem == nil || !*s.ReadOnlyRootFilesystem ||
			s.Capabilities == nil || !slices.Equal(s.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(s.Capabilities.Add) > 0 ||
			(s.Privileged != nil && *s.Privileged) {
			t.Errorf("%s: container %s securityContext %+v is not restricted", what, c.Name, s)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: container %s resources %+v lack a CPU or memory request or a memory limit", what, c.Name, c.Resources)
		}
		if !regexp.MustCompile(`^[a-z0-9./-]+:[0-9][0-9A-Za-z.-]*$`).MatchString(c.Image) {
			t.Errorf("%s: container %s image %q is not pinned to a version tag", what, c.Name, c.Image)
		}
	}
}

func TestProvisionJobName(t *testing.T) {
	p := defaultPlan()
	scripts, err := provisionScripts()
	if err != nil {
		t.Fatal(err)
	}
	name := func(p *plan, pr provisioning, costCenter string, scripts map[string]string) string {
		job, err := provisionJob(p, pr, p.labels("prod", costCenter), scripts)
		if err != nil {
			t.Fatal(err)
		}
		return job.Name
	}
	base := name(p, wantDemoProvisioning(), "learning-platform", scripts)

	cases := map[string]struct {
		reason  string
		name    string
		changes bool
	}{
		"Again": {
			reason: "The same spec is the same Job, which never runs again.",
			name:   name(defaultPlan(), wantDemoProvisioning(), "learning-platform", scripts),
		},
		"OtherCostCenter": {
			reason: "Labels are not the Job's spec: relabelling runs nothing.",
			name:   name(p, wantDemoProvisioning(), "other", scripts),
		},
		"OtherHost": {
			reason:  "A changed Tutor configuration is stored by a new run.",
			name:    name(func() *plan { p := defaultPlan(); p.LMSHost = "learn.other.example.com"; return p }(), wantDemoProvisioning(), "learning-platform", scripts),
			changes: true,
		},
		"OtherEndpoint": {
			reason: "A new writer endpoint needs the users there.",
			name: name(p, func() provisioning {
				pr := wantDemoProvisioning()
				pr.MySQLHost = "other.cluster-abc.eu-west-1.rds.amazonaws.com"
				return pr
			}(), "learning-platform", scripts),
			changes: true,
		},
		"OtherScript": {
			reason: "A changed script is a new run, though the ConfigMap, not the Job, holds it.",
			name: name(p, wantDemoProvisioning(), "learning-platform", func() map[string]string {
				s := maps.Clone(scripts)
				s["mysql.sh"] += "\n# changed\n"
				return s
			}()),
			changes: true,
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			if got := tc.name != base; got != tc.changes {
				t.Errorf("%s\nJob name %q, then %q: changed is %v, want %v", tc.reason, base, tc.name, got, tc.changes)
			}
		})
	}
}

// TestProvisionFailure checks the message of a failed provisioning Job;
// provisionjob tests which Job failed.
func TestProvisionFailure(t *testing.T) {
	const resource frsc.Name = "provision-job-0a1b2c3d"
	observed := func(status map[string]any) map[frsc.Name]frsc.ObservedComposed {
		cd := composed.New()
		cd.Object = map[string]any{
			"apiVersion": "kubernetes.crossplane.io/v1alpha2",
			"kind":       "Object",
			"spec":       map[string]any{"forProvider": map[string]any{"manifest": map[string]any{"metadata": map[string]any{"name": "provision-demo-0a1b2c3d"}}}},
			"status": map[string]any{"atProvider": map[string]any{"manifest": map[string]any{
				"metadata": map[string]any{"name": "provision-demo-0a1b2c3d", "namespace": "openedx-system"},
				"status":   status,
			}}},
		}
		return map[frsc.Name]frsc.ObservedComposed{resource: {Resource: cd}}
	}
	cases := map[string]struct {
		reason   string
		observed map[frsc.Name]frsc.ObservedComposed
		want     string
	}{
		"Running": {
			reason:   "A Job that has not failed says nothing.",
			observed: observed(map[string]any{"active": float64(1)}),
		},
		"Failed": {
			reason: "A Job past its backoff limit says why, and how to retry.",
			observed: observed(map[string]any{"failed": float64(7), "conditions": []any{
				map[string]any{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
			}}),
			want: "provisioning Job openedx-system/provision-demo-0a1b2c3d failed (BackoffLimitExceeded: Job has reached the specified backoff limit); read its pods' logs, then delete the Job to run it again",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, provisionFailure(tc.observed, resource)); diff != "" {
				t.Errorf("%s\nprovisionFailure(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestProvisionScriptsParse checks the embedded scripts' syntax with the
// tools this machine has.
func TestProvisionScriptsParse(t *testing.T) {
	scripts, err := provisionScripts()
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, tool string, args ...string) {
		t.Helper()
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: add its Debian package to tools/deps/debian.txt and run make deps", tool)
		}
		if out, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(scripts)) {
		file := filepath.Join("provision", name)
		switch filepath.Ext(name) {
		case ".sh":
			if !strings.HasPrefix(scripts[name], "#!/bin/sh\n") {
				t.Errorf("%s does not start with #!/bin/sh: the images' shells differ (dash in mongo)", name)
			}
			if regexp.MustCompile(`(?m)^\s*set\s+-[a-z]*x`).MatchString(scripts[name]) || !strings.Contains(scripts[name], "\nset -eu\n") {
				t.Errorf("%s must set -eu and never -x", name)
			}
			t.Run(name+"/sh", func(t *testing.T) { run(t, "sh", "-n", file) })
			t.Run(name+"/bash", func(t *testing.T) { run(t, "bash", "-n", file) })
			t.Run(name+"/shellcheck", func(t *testing.T) { run(t, "shellcheck", "-s", "sh", file) })
		case ".py":
			t.Run(name+"/python3", func(t *testing.T) {
				run(t, "python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", file)
			})
		case ".js":
			t.Run(name+"/node", func(t *testing.T) { run(t, "node", "--check", file) })
		}
	}
}

// sesSMTPPassword is AWS's SES SMTP password (version 4) of a secret
// access key in a region, as the SES developer guide describes it: an
// HMAC-SHA256 chain over the date "11111111", the region, "ses",
// "aws4_request" and "SendRawEmail", keyed first with "AWS4" and the key,
// then version byte 0x04 and the signature, base64-encoded.
func sesSMTPPassword(secretAccessKey, region string) string {
	sign := func(key []byte, message string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(message))
		return m.Sum(nil)
	}
	sig := sign([]byte("AWS4"+secretAccessKey), "11111111")
	for _, m := range []string{region, "ses", "aws4_request", "SendRawEmail"} {
		sig = sign(sig, m)
	}
	return base64.StdEncoding.EncodeToString(append([]byte{0x04}, sig...))
}

// smtpVectors are secret access keys and regions, with the password of the
// first pinned so that a change of the Go implementation shows.
var smtpVectors = []struct{ key, region, want string }{
	// The SES developer guide's example key. Pinned from this function;
	// openssl's HMAC gives the same.
	{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9"},
	{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "eu-west-1", ""},
	{"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/==", "ap-southeast-2", ""},
}

func TestSESSMTPPassword(t *testing.T) {
	for _, v := range smtpVectors {
		got := sesSMTPPassword(v.key, v.region)
		raw, err := base64.StdEncoding.DecodeString(got)
		if err != nil || len(raw) != 33 || raw[0] != 0x04 {
			t.Errorf("sesSMTPPassword(..., %q) = %q: want base64 of 0x04 and a SHA-256 HMAC", v.region, got)
		}
		if v.want != "" && got != v.want {
			t.Errorf("sesSMTPPassword(..., %q) = %q, want %q", v.region, got, v.want)
		}
	}
	if sesSMTPPassword(smtpVectors[0].key, "us-east-1") == sesSMTPPassword(smtpVectors[0].key, "eu-west-1") {
		t.Errorf("SMTP passwords are per region")
	}

	python := requirePython(t)
	for _, v := range smtpVectors {
		cmd := exec.Command(python, "provision/provision.py", "smtp-password", v.region)
		cmd.Stdin = strings.NewReader(v.key + "\n")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("provision.py smtp-password: %v", err)
		}
		if diff := cmp.Diff(sesSMTPPassword(v.key, v.region), strings.TrimSpace(string(out))); diff != "" {
			t.Errorf("provision.py smtp-password %s: -Go, +Python:\n%s", v.region, diff)
		}
	}
}

// requirePython is python3, or fails the test: the Job's Python steps
// must never go untested.
func requirePython(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is not installed: run make deps")
	}
	return python
}

// TestProvisionPythonSteps runs provision.py's plan and render the way
// the Job does, on what fetch.sh and smtp.sh would have left in the work
// volume: a first run, a re-run, and a platform without mail.
func TestProvisionPythonSteps(t *testing.T) {
	python := requirePython(t)
	p, pr := defaultPlan(), wantDemoProvisioning()
	config, err := json.Marshal(tutorConfig(p, pr))
	if err != nil {
		t.Fatal(err)
	}
	const (
		adminPassword = `p\a"ss#w'rd`
		redisToken    = "redis-auth-token-0123456789"
		mysqlDrawn    = "MysqlDrawnPassword0123456789abcdefghijklm"
		mongoDrawn    = "MongoDrawnPassword0123456789abcdefghijklm"
		otherDrawn    = "OtherDrawnPassword0123456789abcdefghijklm"
		accessKeyID   = "AKIAIOSFODNN7EXAMPLE"
		secretKey     = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	)
	secretString := func(v any) string {
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	// work lays out what fetch.sh leaves: the admin secrets, the MongoDB
	// CA certificate, the drawn passwords, and the stored configuration if
	// any.
	work := func(t *testing.T, current, mysql, mongo string) string {
		t.Helper()
		dir := t.TempDir()
		files := map[string]string{
			"in/mysql-admin.json":     secretString(map[string]string{"username": "admin", "password": adminPassword}),
			"in/mongodb-admin.json":   secretString(map[string]string{"username": "root", "password": adminPassword}),
			"in/redis-auth.json":      secretString(redisToken),
			"in/mongodb-ca.pem":       mongoTestCA + "\n",
			"in/mysql-password.new":   mysql,
			"in/mongodb-password.new": mongo,
			// What keys.sh leaves; plan checks its form only.
			"in/jwt-rsa-private-key.new": fakeRSAKey + "\n",
		}
		if current != "" {
			files["in/current.json"] = secretString(current)
		}
		for name, content := range files {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	step := func(t *testing.T, dir, command string, env ...string) {
		t.Helper()
		cmd := exec.Command(python, "provision/provision.py", command)
		cmd.Env = append([]string{"PROVISION_WORK=" + dir, "PATH=" + os.Getenv("PATH")}, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("provision.py %s: %v\n%s", command, err, out)
		}
		for _, secret := range []string{adminPassword, redisToken, mysqlDrawn, mongoDrawn, otherDrawn, secretKey, sesSMTPPassword(secretKey, pr.Region)} {
			if strings.Contains(string(out), secret) {
				t.Errorf("provision.py %s printed a secret value:\n%s", command, out)
			}
		}
	}
	read := func(t *testing.T, dir, name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	exists := func(dir, name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	// wantConfig takes Tutor's generated values from got, once
	// assertTutorGenerated checked their formats.
	wantConfig := func(got map[string]string, mysql, mongo, smtpUser, smtpPassword string) map[string]string {
		c := tutorConfig(p, pr)
		c["OPENEDX_MYSQL_PASSWORD"], c["MONGODB_PASSWORD"], c["REDIS_PASSWORD"] = mysql, mongo, redisToken
		c["SMTP_USERNAME"], c["SMTP_PASSWORD"] = smtpUser, smtpPassword
		// The CA certificate as fetch.sh left it.
		c[keyMongoDBCACert] = mongoTestCA + "\n"
		for _, k := range tutorGeneratedKeys {
			c[k] = got[k]
		}
		return c
	}
	smtpEnv := "SMTP_IAM_USER=" + pr.SMTPUser
	renderEnv := []string{"AWS_REGION=" + pr.Region, "TUTOR_CONFIG=" + string(config)}

	// The first run draws the passwords and has smtp.sh create a key.
	first := work(t, "", mysqlDrawn, mongoDrawn)
	step(t, first, "plan", smtpEnv)
	if diff := cmp.Diff("[client]\nuser=\"admin\"\npassword=\"p\\\\a\\\"ss#w'rd\"\n", read(t, first, "mysql/admin.cnf")); diff != "" {
		t.Errorf("mysql/admin.cnf: -want, +got:\n%s", diff)
	}
	if read(t, first, "mysql/password") != mysqlDrawn {
		t.Errorf("mysql/password is not the drawn password")
	}
	if exists(first, "smtp/stored-key-id") {
		t.Errorf("plan kept SMTP credentials that were never stored")
	}
	// What smtp.sh leaves after creating a key.
	if err := os.MkdirAll(filepath.Join(first, "smtp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(first, "smtp/new-key.json"), []byte(`{"AccessKey":{"UserName":"prod-demo-smtp","AccessKeyId":"`+accessKeyID+`","Status":"Active","SecretAccessKey":"`+secretKey+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, first, "render", renderEnv...)
	stored := read(t, first, "out/config.json")
	var got map[string]string
	if err := json.Unmarshal([]byte(stored), &got); err != nil {
		t.Fatal(err)
	}
	assertTutorGenerated(t, got)
	if got["JWT_RSA_PRIVATE_KEY"] != fakeRSAKey {
		t.Errorf("JWT_RSA_PRIVATE_KEY is not the key keys.sh drew, without its final newline")
	}
	want := wantConfig(got, mysqlDrawn, mongoDrawn, accessKeyID, sesSMTPPassword(secretKey, pr.Region))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first run: config.json: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(tutorConfigKeys(p, pr), slices.Sorted(maps.Keys(got))); diff != "" {
		t.Errorf("first run: the stored keys are not the SecretProviderClass's: -want, +got:\n%s", diff)
	}
	if !sortedJSONKeys(stored) || exists(first, "out/unchanged") {
		t.Errorf("first run: config.json has unsorted keys, or is taken as unchanged")
	}

	// A re-run reads everything back: new draws are not used, the stored
	// key is kept, and nothing is stored again.
	again := work(t, stored, otherDrawn, otherDrawn)
	step(t, again, "plan", smtpEnv)
	if read(t, again, "mysql/password") != mysqlDrawn || read(t, again, "smtp/stored-key-id") != accessKeyID {
		t.Errorf("re-run: the stored MySQL password or SMTP key is not the one reused")
	}
	step(t, again, "render", renderEnv...)
	if read(t, again, "out/config.json") != stored || !exists(again, "out/unchanged") {
		t.Errorf("re-run: config.json changed, or is not taken as unchanged")
	}

	// Without SES the credentials are empty, and no key is asked for.
	noMail := work(t, "", mysqlDrawn, mongoDrawn)
	step(t, noMail, "plan")
	step(t, noMail, "render", renderEnv...)
	if err := json.Unmarshal([]byte(read(t, noMail, "out/config.json")), &got); err != nil {
		t.Fatal(err)
	}
	if got["SMTP_USERNAME"] != "" || got["SMTP_PASSWORD"] != "" || exists(noMail, "smtp/stored-key-id") {
		t.Errorf("without mail: SMTP credentials %q/%q, want none", got["SMTP_USERNAME"], got["SMTP_PASSWORD"])
	}

	// A stored password that was not generated here is replaced.
	var edited map[string]string
	_ = json.Unmarshal([]byte(stored), &edited)
	edited["OPENEDX_MYSQL_PASSWORD"] = "short'; DROP"
	b, _ := json.Marshal(edited)
	replaced := work(t, string(b), otherDrawn, otherDrawn)
	step(t, replaced, "plan", smtpEnv)
	if read(t, replaced, "mysql/password") != otherDrawn || read(t, replaced, "mongodb/password") != mongoDrawn {
		t.Errorf("a stored password that is not alphanumeric was kept, or a good one was not")
	}

	// Tutor's generated values are read back whatever keys.sh drew; one
	// not in Tutor's format is drawn anew; the Meilisearch API key always
	// follows the stored master key and UID.
	var firstRun map[string]string
	_ = json.Unmarshal([]byte(stored), &firstRun)
	edited = maps.Clone(firstRun)
	edited["ID"] = "not an ID"
	edited["MEILISEARCH_API_KEY"] = "stale"
	b, _ = json.Marshal(edited)
	redrawn := work(t, string(b), otherDrawn, otherDrawn)
	if err := os.WriteFile(filepath.Join(redrawn, "in/jwt-rsa-private-key.new"), []byte(strings.Replace(fakeRSAKey, "AAAA\n", "BBBB\n", 1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, redrawn, "plan", smtpEnv)
	step(t, redrawn, "render", renderEnv...)
	if err := json.Unmarshal([]byte(read(t, redrawn, "out/config.json")), &got); err != nil {
		t.Fatal(err)
	}
	assertTutorGenerated(t, got)
	if got["ID"] == firstRun["ID"] {
		t.Errorf("a stored ID not in Tutor's format was kept")
	}
	for _, k := range tutorGeneratedKeys {
		if k != "ID" && got[k] != firstRun[k] {
			t.Errorf("%s = %q, want the stored %q", k, got[k], firstRun[k])
		}
	}
}

// assertTutorAcceptsRSAKey imports key the way Tutor v21 does
// (tutor.utils.rsa_import_key: pycryptodome's RSA.import_key; Debian
// ships pycryptodome as Cryptodome) and checks it is what Tutor's
// rsa_private_key(2048) gives: 2048 bits, exponent 65537, and the same
// text pycryptodome's export_key writes.
func assertTutorAcceptsRSAKey(t *testing.T, key string) {
	t.Helper()
	const check = `import sys
from Cryptodome.PublicKey import RSA
key = sys.stdin.read()
k = RSA.import_key(key.encode())
assert k.has_private(), "not a private key"
assert k.size_in_bits() == 2048, k.size_in_bits()
assert k.e == 65537, k.e
assert k.export_key().decode() == key, "not in Tutor's PEM format"
`
	cmd := exec.Command("/usr/bin/python3", "-c", check)
	cmd.Stdin = strings.NewReader(key)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("Tutor's key import refuses JWT_RSA_PRIVATE_KEY (python3-pycryptodome from tools/deps/debian.txt): %v\n%s", err, out)
	}
}

// tutorGeneratedKeys are the keys of Tutor v21's base.yml, the values
// Tutor generates: the Job generates them once and keeps them.
var tutorGeneratedKeys = []string{"ID", "OPENEDX_SECRET_KEY", "CMS_OAUTH2_SECRET", "JWT_RSA_PRIVATE_KEY", "MEILISEARCH_MASTER_KEY", "MEILISEARCH_API_KEY_UID", "MEILISEARCH_API_KEY"}

// fakeRSAKey has the form of a PKCS#1 PEM key, which is all plan checks.
var fakeRSAKey = "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat(strings.Repeat("A", 64)+"\n", 3) + "AAAA\n-----END RSA PRIVATE KEY-----"

// assertTutorGenerated checks that config holds Tutor's generated values
// in the formats Tutor v21 draws them in (tutor/templates/config/base.yml,
// tutor/utils.py): 24 letters and digits, a UUID4, a PKCS#1 PEM key, and
// the Meilisearch API key as HMAC-SHA256(master key, UID) in hex.
func assertTutorGenerated(t *testing.T, config map[string]string) {
	t.Helper()
	randomString := regexp.MustCompile(`^[A-Za-z0-9]{24}$`)
	seen := map[string]string{}
	for _, k := range []string{"ID", "OPENEDX_SECRET_KEY", "CMS_OAUTH2_SECRET", "MEILISEARCH_MASTER_KEY"} {
		if !randomString.MatchString(config[k]) {
			t.Errorf("%s = %q: want Tutor's random_string(24)", k, config[k])
		}
		if other, ok := seen[config[k]]; ok {
			t.Errorf("%s and %s have the same value", other, k)
		}
		seen[config[k]] = k
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(config["MEILISEARCH_API_KEY_UID"]) {
		t.Errorf("MEILISEARCH_API_KEY_UID = %q: want a UUID4", config["MEILISEARCH_API_KEY_UID"])
	}
	m := hmac.New(sha256.New, []byte(config["MEILISEARCH_MASTER_KEY"]))
	m.Write([]byte(config["MEILISEARCH_API_KEY_UID"]))
	if want := hex.EncodeToString(m.Sum(nil)); config["MEILISEARCH_API_KEY"] != want {
		t.Errorf("MEILISEARCH_API_KEY = %q, want HMAC-SHA256(master key, UID) = %q", config["MEILISEARCH_API_KEY"], want)
	}
	if !regexp.MustCompile(`^-----BEGIN RSA PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END RSA PRIVATE KEY-----$`).MatchString(config["JWT_RSA_PRIVATE_KEY"]) {
		t.Errorf("JWT_RSA_PRIVATE_KEY is not a PKCS#1 PEM key without a final newline")
	}
}

// TestTutorSecretKeysMatchPython keeps provision.py's credential keys and
// tutorSecretKeys the same.
func TestTutorSecretKeysMatchPython(t *testing.T) {
	b, err := os.ReadFile("provision/provision.py")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^[A-Z0-9_]+ = "([A-Z0-9_]+)"$`).FindAllStringSubmatch(string(b), -1) {
		got = append(got, m[1])
	}
	if diff := cmp.Diff(tutorSecretKeys, got); diff != "" {
		t.Errorf("provision.py's credential keys: -tutorSecretKeys, +provision.py:\n%s", diff)
	}
}

// mongoTestCA stands for the CA certificate of the platform's members.
const mongoTestCA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----"

// fakeAWS plays the AWS CLI for TestProvisionPipeline: Secrets Manager
// secrets and IAM users' access keys, kept as files in FAKE_STATE.
const fakeAWS = `#!/usr/bin/env python3
import json, os, sys

state = os.environ["FAKE_STATE"]
args = sys.argv[1:]


def opt(name):
    return args[args.index(name) + 1] if name in args else None


def path(kind, name):
    return os.path.join(state, kind, name.replace("/", "_").replace(":", "_"))


def fail(code, message):
    sys.stderr.write("An error occurred (%s): %s\n" % (code, message))
    sys.exit(254)


service, op = args[0], args[1]
with open(os.path.join(state, "calls"), "a") as f:
    f.write(service + " " + op + "\n")
if service == "secretsmanager":
    sid = opt("--secret-id")
    if not os.path.exists(path("secrets", sid) + ".exists"):
        fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
    value = path("secrets", sid)
    if op == "describe-secret":
        print(json.dumps({"Name": sid}))
    elif op == "get-secret-value":
        assert opt("--query") == "SecretString" and opt("--output") in ("json", "text"), args
        if not os.path.exists(value):
            fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
        print(json.dumps(open(value).read()) if opt("--output") == "json" else open(value).read())
    elif op == "put-secret-value":
        source = opt("--secret-string")
        assert source.startswith("file://"), args
        open(value, "w").write(open(source[len("file://"):]).read())
        print(json.dumps({"Name": sid, "VersionId": "v"}))
    else:
        fail("Unsupported", op)
elif service == "iam":
    user = opt("--user-name")
    keys = path("users", user)
    if not os.path.exists(keys):
        fail("NoSuchEntity", "The user with name %s cannot be found." % user)
    have = json.load(open(keys))
    if op == "list-access-keys":
        assert opt("--query") == "AccessKeyMetadata[].AccessKeyId" and opt("--output") == "text", args
        print("\t".join(sorted(have)))
    elif op == "delete-access-key":
        del have[opt("--access-key-id")]
    elif op == "create-access-key":
        if len(have) >= 2:
            fail("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
        serial = len(open(os.path.join(state, "calls")).read().splitlines())
        key = "AKIAFAKE%08d" % serial
        have[key] = "fake/Secret+Key%d" % serial
        print(json.dumps({"AccessKey": {"UserName": user, "AccessKeyId": key, "Status": "Active", "SecretAccessKey": have[key]}}))
    else:
        fail("Unsupported", op)
    json.dump(have, open(keys, "w"))
else:
    fail("Unsupported", service)
`

// fakeMySQL records its arguments, its defaults file and the SQL it is
// given.
const fakeMySQL = `#!/bin/sh
set -eu
case "$1" in
--defaults-extra-file=*) cp "${1#--defaults-extra-file=}" "$FAKE_STATE/mysql.cnf" ;;
*) echo "the defaults file must be the first option" >&2; exit 1 ;;
esac
printf '%s\n' "$@" >"$FAKE_STATE/mysql.args"
cat >"$FAKE_STATE/mysql.sql"
`

// fakeMongosh runs mongodb.js with Node.js against a fake admin database
// whose users are kept in FAKE_STATE, or only records its arguments
// without Node.js.
const fakeMongosh = `#!/bin/sh
set -eu
printf '%s\n' "$@" >"$FAKE_STATE/mongosh.args"
# The CA file it would verify the members with (last in the URI).
case "$1" in *tlsCAFile=*) cp "${1##*tlsCAFile=}" "$FAKE_STATE/mongosh.ca" ;; esac
if command -v node >/dev/null; then
	for last; do :; done
	exec node "$FAKE_STATE/../bin/harness.js" "$last"
fi
`

const fakeMongoshHarness = `
const fs = require("fs");
const file = process.env.FAKE_STATE + "/mongodb-users.json";
const users = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
let authed = false;
const admin = {
  auth(user, pwd) {
    if (user !== "root" || pwd !== process.env.FAKE_MONGODB_ADMIN_PASSWORD) throw new Error("Authentication failed.");
    authed = true;
  },
  getUser(name) { if (!authed) throw new Error("unauthorized"); return users[name] || null; },
  createUser(u) { if (!authed || users[u.user]) throw new Error("cannot create"); users[u.user] = { pwd: u.pwd, roles: u.roles, op: "create" }; },
  updateUser(name, u) { if (!authed || !users[name]) throw new Error("cannot update"); users[name] = { pwd: u.pwd, roles: u.roles, op: "update" }; },
};
globalThis.db = { getSiblingDB(name) { if (name !== "admin") throw new Error(name); return admin; } };
globalThis.print = (...a) => console.log(...a);
require(process.argv[2]);
fs.writeFileSync(file, JSON.stringify(users));
`

// TestProvisionPipeline runs the Job's steps in order, as the Job runs
// them (its commands and environment), with the AWS CLI, mysql and mongosh
// played by fakes: a first run, a re-run that changes nothing, and a run
// after the SMTP key was deleted behind the Job's back.
func TestProvisionPipeline(t *testing.T) {
	python := requirePython(t)
	for _, tool := range []string{"sh", "sha256sum", "head", "tr", "node"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run make deps", tool)
		}
	}
	p, pr := defaultPlan(), wantDemoProvisioning()
	scripts, err := provisionScripts()
	if err != nil {
		t.Fatal(err)
	}
	job, err := provisionJob(p, pr, p.labels("prod", "learning-platform"), scripts)
	if err != nil {
		t.Fatal(err)
	}

	dir, write := jobSandbox(t, python, scripts, fakeMySQL)

	const (
		adminPassword = "Adm1n-p@ss\\word\"#x"
		redisToken    = "redis-auth-token-abcdefghijklmnopqrstuvwxyz"
		staleKey      = "AKIASTALE0000000"
	)
	file := func(id string) string {
		return strings.NewReplacer("/", "_", ":", "_").Replace(id)
	}
	admin := func(user string) string {
		b, _ := json.Marshal(map[string]string{"username": user, "password": adminPassword})
		return string(b)
	}
	for id, value := range map[string]string{
		pr.MySQLAdminSecretARN:   admin("admin"),
		pr.MongoDBAdminSecretARN: admin("root"),
		pr.RedisAuthSecretARN:    redisToken,
		pr.MongoDBCASecretARN:    mongoTestCA,
		pr.SecretID:              "",
	} {
		write(dir("state", "secrets", file(id)+".exists"), "", 0o600)
		if value != "" {
			write(dir("state", "secrets", file(id)), value, 0o600)
		}
	}
	// A key left by an interrupted run.
	write(dir("state", "users", pr.SMTPUser), `{"`+staleKey+`": "stale"}`, 0o600)

	stored := func() map[string]string { return readStrings(t, dir("state", "secrets", file(pr.SecretID))) }
	iamKeys := func() map[string]string { return readStrings(t, dir("state", "users", pr.SMTPUser)) }
	puts := func() int {
		b, _ := os.ReadFile(dir("state", "calls"))
		return strings.Count(string(b), "secretsmanager put-secret-value")
	}

	// run runs every step on a fresh work volume, and returns their logs.
	run := func(t *testing.T) string {
		t.Helper()
		return runJobSteps(t, job, python, dir, "FAKE_MONGODB_ADMIN_PASSWORD="+adminPassword)
	}
	noSecretIn := func(t *testing.T, logs string, secrets map[string]string) {
		t.Helper()
		values := []string{adminPassword, redisToken}
		for _, k := range tutorSecretKeys {
			if k != "SMTP_USERNAME" {
				values = append(values, secrets[k])
			}
		}
		for _, v := range iamKeys() {
			values = append(values, v)
		}
		for _, v := range values {
			if v != "" && strings.Contains(logs, v) {
				t.Errorf("the logs hold a secret value:\n%s", logs)
			}
		}
	}
	mysqlSQL := func(password string) string {
		return "CREATE DATABASE IF NOT EXISTS `openedx_demo` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n" +
			"CREATE USER IF NOT EXISTS 'openedx_demo'@'%' IDENTIFIED BY '" + password + "';\n" +
			"ALTER USER 'openedx_demo'@'%' IDENTIFIED BY '" + password + "';\n" +
			"GRANT ALL PRIVILEGES ON `openedx_demo`.* TO 'openedx_demo'@'%';\n"
	}
	readState := func(name string) string {
		b, _ := os.ReadFile(dir("state", name))
		return string(b)
	}

	var first map[string]string
	t.Run("FirstRun", func(t *testing.T) {
		logs := run(t)
		first = stored()
		if diff := cmp.Diff(tutorConfigKeys(p, pr), slices.Sorted(maps.Keys(first))); diff != "" {
			t.Errorf("stored keys: -want, +got:\n%s", diff)
		}
		for k, v := range tutorConfig(p, pr) {
			if first[k] != v {
				t.Errorf("stored %s = %q, want %q", k, first[k], v)
			}
		}
		for _, k := range []string{"OPENEDX_MYSQL_PASSWORD", "MONGODB_PASSWORD"} {
			if !regexp.MustCompile(`^[A-Za-z0-9]{40}$`).MatchString(first[k]) {
				t.Errorf("stored %s is not 40 random letters and digits", k)
			}
		}
		if diff := cmp.Diff(mongoTestCA+"\n", first[keyMongoDBCACert]); diff != "" {
			t.Errorf("stored %s: want the CA certificate fetch.sh read: -want, +got:\n%s", keyMongoDBCACert, diff)
		}
		if first["OPENEDX_MYSQL_PASSWORD"] == first["MONGODB_PASSWORD"] {
			t.Errorf("MySQL and MongoDB got the same password")
		}
		keys := iamKeys()
		if _, stale := keys[staleKey]; stale || len(keys) != 1 || keys[first["SMTP_USERNAME"]] == "" {
			t.Errorf("IAM keys %v: want the stale key deleted and only the stored one", slices.Collect(maps.Keys(keys)))
		}
		if got, want := first["SMTP_PASSWORD"], sesSMTPPassword(keys[first["SMTP_USERNAME"]], pr.Region); got != want {
			t.Errorf("SMTP_PASSWORD is not the key's SES SMTP password")
		}
		assertTutorGenerated(t, first)
		assertTutorAcceptsRSAKey(t, first["JWT_RSA_PRIVATE_KEY"])
		if first["REDIS_PASSWORD"] != redisToken {
			t.Errorf("REDIS_PASSWORD is not the cache's AUTH token")
		}
		if diff := cmp.Diff(mysqlSQL(first["OPENEDX_MYSQL_PASSWORD"]), readState("mysql.sql")); diff != "" {
			t.Errorf("SQL: -want, +got:\n%s", diff)
		}
		args := readState("mysql.args")
		for _, a := range []string{"--host=" + pr.MySQLHost, "--port=3306", "--ssl-mode=REQUIRED"} {
			if !strings.Contains(args, a+"\n") {
				t.Errorf("mysql arguments lack %s:\n%s", a, args)
			}
		}
		if strings.Contains(args, adminPassword) || strings.Contains(args, first["OPENEDX_MYSQL_PASSWORD"]) {
			t.Errorf("a password is on mysql's command line")
		}
		if diff := cmp.Diff("[client]\nuser=\"admin\"\npassword=\"Adm1n-p@ss\\\\word\\\"#x\"\n", readState("mysql.cnf")); diff != "" {
			t.Errorf("mysql defaults file: -want, +got:\n%s", diff)
		}
		uri := strings.SplitN(readState("mongosh.args"), "\n", 2)[0]
		// Over TLS, verifying the members with the platform's CA as
		// fetch.sh read it.
		base, caFile, _ := strings.Cut(uri, "&tlsCAFile=")
		if want := "mongodb://mongodb-0.prod.openedx.internal:27017,mongodb-1.prod.openedx.internal:27017,mongodb-2.prod.openedx.internal:27017/?replicaSet=rs0&authSource=admin&serverSelectionTimeoutMS=30000&tls=true"; base != want {
			t.Errorf("mongosh connects to %q, want %q", base, want)
		}
		if diff := cmp.Diff(mongoTestCA+"\n", readState("mongosh.ca")); diff != "" || !strings.HasSuffix(caFile, "/in/mongodb-ca.pem") {
			t.Errorf("mongosh's tlsCAFile %q: want the CA certificate fetch.sh read: -want, +got:\n%s", caFile, diff)
		}
		{
			var users map[string]struct {
				Pwd   string
				Roles []map[string]string
				Op    string
			}
			if err := json.Unmarshal([]byte(readState("mongodb-users.json")), &users); err != nil {
				t.Fatal(err)
			}
			u := users["openedx_demo"]
			wantRoles := []map[string]string{{"role": "readWrite", "db": "openedx_demo"}, {"role": "readWrite", "db": "openedx_demo_forum"}}
			if u.Op != "create" || u.Pwd != first["MONGODB_PASSWORD"] || !cmp.Equal(wantRoles, u.Roles) {
				t.Errorf("MongoDB user %s with roles %v, want created with the stored password and readWrite on both databases", u.Op, u.Roles)
			}
		}
		noSecretIn(t, logs, first)
	})

	t.Run("ReRunChangesNothing", func(t *testing.T) {
		before := puts()
		logs := run(t)
		if diff := cmp.Diff(first, stored()); diff != "" {
			t.Errorf("stored configuration: -first run, +re-run:\n%s", diff)
		}
		if puts() != before {
			t.Errorf("a re-run stored a new secret version")
		}
		if diff := cmp.Diff(mysqlSQL(first["OPENEDX_MYSQL_PASSWORD"]), readState("mysql.sql")); diff != "" {
			t.Errorf("SQL: -want, +got:\n%s", diff)
		}
		if len(iamKeys()) != 1 || iamKeys()[first["SMTP_USERNAME"]] == "" {
			t.Errorf("a re-run changed the SMTP user's keys")
		}
		noSecretIn(t, logs, first)
	})

	t.Run("LostSMTPKey", func(t *testing.T) {
		write(dir("state", "users", pr.SMTPUser), `{}`, 0o600)
		before := puts()
		run(t)
		got := stored()
		if got["SMTP_USERNAME"] == first["SMTP_USERNAME"] || len(iamKeys()) != 1 || iamKeys()[got["SMTP_USERNAME"]] == "" || puts() != before+1 {
			t.Errorf("a deleted SMTP key is not replaced and stored")
		}
		for _, k := range []string{"OPENEDX_MYSQL_PASSWORD", "MONGODB_PASSWORD", "REDIS_PASSWORD"} {
			if got[k] != first[k] {
				t.Errorf("%s changed with the SMTP key", k)
			}
		}
	})

	t.Run("StaleScripts", func(t *testing.T) {
		write(dir("scripts", "mysql.sh"), scripts["mysql.sh"]+"\n# an older version\n", 0o644)
		defer write(dir("scripts", "mysql.sh"), scripts["mysql.sh"], 0o644)
		c := job.Spec.Template.Spec.InitContainers[0]
		cmd := exec.Command("sh", dir("scripts", "fetch.sh"))
		cmd.Env = []string{"PATH=" + dir("bin") + string(os.PathListSeparator) + os.Getenv("PATH"), "PROVISION_WORK=" + t.TempDir(), "PROVISION_SCRIPTS=" + dir("scripts"), "FAKE_STATE=" + dir("state")}
		for _, e := range c.Env {
			cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
		}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "not the ones this Job was composed with") {
			t.Errorf("fetch.sh ran with scripts other than the Job's: %v\n%s", err, out)
		}
	})
}

// runJobSteps runs the steps of the provisioning Job as the Job runs them,
// with the scripts and fakes of a jobSandbox (dir) and its state in
// dir("state"), with env besides. It returns their logs, and stops t at the
// first step that fails.
func runJobSteps(t *testing.T, job *batchv1.Job, python string, dir func(...string) string, env ...string) string {
	t.Helper()
	return storetest.Job{
		Python: python, Bin: dir("bin"),
		Scripts: dir("scripts"), ScriptsVar: "PROVISION_SCRIPTS", WorkVar: "PROVISION_WORK",
		WorkMount: provisionjob.WorkMountPath,
		Env:       append([]string{"FAKE_STATE=" + dir("state")}, env...),
	}.Run(t, job)
}

// readStrings reads a JSON object of strings, as the fakes keep secrets and
// access keys.
func readStrings(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// jobSandbox lays out, under a temporary root, what the provisioning Job's
// steps find: its scripts in scripts/, and on PATH (bin/) the aws CLI and
// mongosh fakes and the given mysql client. dir names a path under the
// root, and write writes a file there.
func jobSandbox(t *testing.T, python string, scripts map[string]string, mysql string) (dir func(...string) string, write func(name, content string, mode os.FileMode)) {
	t.Helper()
	root := t.TempDir()
	dir = func(parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }
	write = func(name, content string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range scripts {
		write(dir("scripts", name), content, 0o444)
	}
	write(dir("bin", "aws"), strings.Replace(fakeAWS, "/usr/bin/env python3", python, 1), 0o755)
	write(dir("bin", "mysql"), mysql, 0o755)
	write(dir("bin", "mongosh"), fakeMongosh, 0o755)
	write(dir("bin", "harness.js"), fakeMongoshHarness, 0o644)
	return dir, write
}

// TestProvisionMongoDBTLS: the Job reads the CA certificate of the
// platform's own members and verifies them with it; an external replica
// set is spoken to over TLS with the public CAs.
func TestProvisionMongoDBTLS(t *testing.T) {
	cases := map[string]struct {
		reason           string
		tls              bool
		caARN            string
		wantFetch        string
		wantTLS, wantCAF string
	}{
		"OwnMembers": {
			reason:    "fetch.sh reads the CA secret; mongodb.sh verifies the members with the certificate it wrote.",
			tls:       true,
			caARN:     wantDemoProvisioning().MongoDBCASecretARN,
			wantFetch: wantDemoProvisioning().MongoDBCASecretARN,
			wantTLS:   "true", wantCAF: "/work/in/mongodb-ca.pem",
		},
		"External": {
			reason:  "An external replica set has no CA secret: TLS with the system's CAs.",
			tls:     true,
			wantTLS: "true",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pr := wantDemoProvisioning()
			pr.MongoDBTLS, pr.MongoDBCASecretARN = tc.tls, tc.caARN
			job, err := provisionJob(defaultPlan(), pr, nil, map[string]string{"fetch.sh": ""})
			if err != nil {
				t.Fatalf("provisionJob(...): %v", err)
			}
			got := map[string]string{}
			for _, c := range append(job.Spec.Template.Spec.InitContainers, job.Spec.Template.Spec.Containers...) {
				for _, e := range c.Env {
					switch c.Name + " " + e.Name {
					case "fetch MONGODB_CA_SECRET_ARN", "mongodb MONGODB_TLS", "mongodb MONGODB_TLS_CA_FILE":
						got[c.Name+" "+e.Name] = e.Value
					}
				}
			}
			want := map[string]string{"fetch MONGODB_CA_SECRET_ARN": tc.wantFetch, "mongodb MONGODB_TLS": tc.wantTLS, "mongodb MONGODB_TLS_CA_FILE": tc.wantCAF}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nJob env: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestStaticAssetsWarning(t *testing.T) {
	cdn := defaultPlan()
	cdn.StaticFromCDN = true
	noCDN := wantDemoProvisioning()
	noCDN.StaticURL, noCDN.StaticBucket = "", ""
	cases := map[string]struct {
		reason string
		p      *plan
		pr     provisioning
		want   string
	}{
		"FromPods":       {reason: "The pods serve them, as asked.", p: defaultPlan(), pr: noCDN},
		"FromCDN":        {reason: "The CDN serves them, as asked.", p: cdn, pr: wantDemoProvisioning()},
		"FromCDNWithout": {reason: "Asked from a CDN the platform does not have: the operator is told, naming the field.", p: cdn, pr: noCDN, want: `spec.staticAssets.servedFrom is CDN, but platform "prod" publishes no static-assets CDN (it has no DNS domain, or its CloudFront is not ready): the pods serve the static files`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ""
			if err := staticAssetsWarning(tc.p, tc.pr); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nstaticAssetsWarning(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
