package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/errors"
	frsc "github.com/crossplane/function-sdk-go/resource"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/provisionjob"
)

// An instance's database users and Tutor configuration are made by a Job
// in the platform's provisioner namespace, running as the provisioner's
// ServiceAccount: only it may read the data stores' admin secrets, so
// neither the instance nor Crossplane ever holds them. The Job generates
// the instance's passwords once, stores them with the rest of the Tutor
// configuration in the instance's Secrets Manager secret, and reads them
// back on every later run. No password is ever in a claim, a status, a
// composed resource or a log line.

// Names of the provisioning Objects.
const (
	nameProvisionScripts frsc.Name = "provision-scripts"
	// namePrefixProvisionJob starts the Job Object's name, which ends in
	// the hash its Job's name ends in: a Job of a new spec is a new Object,
	// and Crossplane deletes the Object, and so the Job, of the old spec.
	namePrefixProvisionJob = "provision-job-"
)

// provisionJobResource is the composition name of the Object of job.
func provisionJobResource(job *batchv1.Job) frsc.Name {
	return provisionjob.Resource(namePrefixProvisionJob, job)
}

// provisionScriptFiles are the Job's scripts, delivered in a ConfigMap.
//
//go:embed provision/*.sh provision/*.py provision/*.js
var provisionScriptFiles embed.FS

// tutorSecretKeys are the Tutor keys of credentials, and of the values
// Tutor would otherwise generate anew on every operator's machine (its
// base.yml). They are never composed: the Job fills them into the
// instance's secret, generating them once.
var tutorSecretKeys = []string{
	"OPENEDX_MYSQL_PASSWORD", "MONGODB_PASSWORD", "REDIS_PASSWORD", "SMTP_USERNAME", "SMTP_PASSWORD",
	"ID", "OPENEDX_SECRET_KEY", "CMS_OAUTH2_SECRET", "JWT_RSA_PRIVATE_KEY",
	"MEILISEARCH_MASTER_KEY", "MEILISEARCH_API_KEY_UID", "MEILISEARCH_API_KEY",
}

// provisioning is what the Job needs from the platform. It holds names,
// endpoints and ARNs only, never a credential.
type provisioning struct {
	Platform string
	Region   string
	Account  string
	// Namespace and ServiceAccount are the platform's provisioner.
	Namespace      string
	ServiceAccount string
	// SecretID is the instance's configuration secret, which the Job
	// writes.
	SecretID string

	MySQLHost           string
	MySQLPort           int
	MySQLAdminSecretARN string

	// MongoDBHosts are the replica set's members as host:port.
	MongoDBHosts          []string
	MongoDBReplicaSet     string
	MongoDBAdminSecretARN string
	// MongoDBTLS is true when the platform says clients must speak TLS:
	// its own members speak TLS only, and so does MongoDB Atlas.
	MongoDBTLS bool
	// MongoDBCASecretARN holds the CA certificate the platform's own
	// members are verified with; empty for an external replica set, whose
	// certificates chain to a public CA.
	MongoDBCASecretARN string

	RedisHost          string
	RedisPort          int
	RedisAuthSecretARN string
	CeleryDatabase     int32
	CacheDatabase      int32

	SMTPHost string
	SMTPPort int
	// SMTPUser is the instance's IAM user for SES SMTP; empty when the
	// platform has no mail (no domain), and the instance gets no SMTP
	// credentials.
	SMTPUser string
	// MailDomain is the platform's domain, whose SES identity verifies it
	// and every subdomain: every From address must be in it. Empty without
	// a domain.
	MailDomain string

	Bucket string
	// StaticURL is where the instance's static assets are served, from
	// its prefix of StaticBucket; both empty without a CDN.
	StaticURL    string
	StaticBucket string

	// SpotNodePool is the platform's NodePool for stateless pods, nil when
	// it publishes none.
	SpotNodePool *v1alpha1.SpotNodePoolStatus
}

// staticAssetsWarning says why static files asked from the CDN are served
// by the pods: the platform has none. nil otherwise.
func staticAssetsWarning(p *plan, pr provisioning) error {
	if !p.StaticFromCDN || pr.StaticURL != "" {
		return nil
	}
	return errors.Errorf("spec.staticAssets.servedFrom is CDN, but platform %q publishes no static-assets CDN (it has no DNS domain, or its CloudFront is not ready): the pods serve the static files", pr.Platform)
}

// newProvisioning gathers what the Job needs from the platform's status.
// pending names what is still missing, empty when nothing is: the Job must
// not be composed before, as its spec would change (and the Job run again)
// as each value arrives.
func newProvisioning(p *plan, v platformView) (provisioning, string) {
	if !v.Found {
		return provisioning{}, "the platform does not exist"
	}
	var alloc v1alpha1.TenantAllocation
	if v.Alloc != nil {
		alloc = *v.Alloc
	}
	s := v.Status
	pr := provisioning{
		Platform:              v.Name,
		Region:                s.Region,
		Account:               s.AccountID,
		Namespace:             s.Provisioner.Namespace,
		ServiceAccount:        s.Provisioner.ServiceAccountName,
		MySQLHost:             s.Database.WriterEndpoint,
		MySQLPort:             s.Database.Port,
		MySQLAdminSecretARN:   s.Database.AdminSecretARN,
		MongoDBHosts:          s.MongoDB.Hosts,
		MongoDBReplicaSet:     s.MongoDB.ReplicaSet,
		MongoDBAdminSecretARN: s.MongoDB.AdminSecretARN,
		MongoDBTLS:            s.MongoDB.TLS,
		MongoDBCASecretARN:    s.MongoDB.CASecretARN,
		RedisHost:             s.Cache.PrimaryEndpoint,
		RedisPort:             s.Cache.Port,
		RedisAuthSecretARN:    s.Cache.AuthSecretARN,
		CeleryDatabase:        alloc.CeleryDatabase,
		CacheDatabase:         alloc.CacheDatabase,
		SMTPHost:              s.Edge.SMTPHost,
		SMTPPort:              s.Edge.SMTPPort,
	}
	pr.SecretID = p.secretID(pr.Platform)
	// The platform publishes a sending policy only with a domain; the
	// instance's SMTP user exists only then (identity.go).
	if s.Edge.SendingPolicyARN != "" {
		pr.SMTPUser = p.smtpUserName(pr.Platform)
	}
	// The domain, not status.edge.mailFrom, which appears only once SES
	// has verified it: the From address must not change, and the Job run
	// again, when it does.
	pr.MailDomain = strings.ToLower(s.Edge.Domain)
	if s.Edge.StaticDomain != "" && s.Edge.StaticBucket != "" {
		pr.StaticURL = "https://" + s.Edge.StaticDomain + "/" + p.staticPrefix()
		pr.StaticBucket = s.Edge.StaticBucket
	}
	if sp := s.Cluster.SpotNodePool; sp != nil && sp.Name != "" {
		pr.SpotNodePool = sp
	}

	var missing []string
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, what)
		}
	}
	need(pr.Region != "", "the platform's region is not known")
	need(pr.Namespace != "" && pr.ServiceAccount != "", "the platform has not published its provisioner namespace and ServiceAccount yet")
	need(s.Provisioner.Ready, "the platform's provisioner ServiceAccount is not bound to its IAM role yet")
	need(pr.Account != "", "the platform's AWS account ID is not known yet")
	need(pr.MySQLHost != "" && pr.MySQLPort != 0, "the platform's Aurora writer endpoint and port are not known yet")
	need(pr.MySQLAdminSecretARN != "", "the ARN of the platform's Aurora admin secret is not known yet")
	need(len(pr.MongoDBHosts) > 0, "the platform's MongoDB hosts are not known yet")
	for _, h := range pr.MongoDBHosts {
		if _, _, err := net.SplitHostPort(h); err != nil {
			missing = append(missing, fmt.Sprintf("the platform publishes MongoDB host %q without a port", h))
		}
	}
	need(pr.MongoDBReplicaSet != "", "the platform's MongoDB replica set name is not known yet")
	switch {
	case pr.MongoDBAdminSecretARN != "":
	case s.MongoDB.External:
		// An external replica set's admin secret is the operator's to
		// provide.
		missing = append(missing, fmt.Sprintf("the platform's external MongoDB has no admin secret: set spec.mongodb.external.adminSecretArn of XPlatform %q to a Secrets Manager secret holding an admin user's credentials as JSON with username and password, readable by the platform's provisioner", pr.Platform))
	default:
		missing = append(missing, "the ARN of the platform's MongoDB admin secret is not known yet")
	}
	// The platform's own members present certificates of its own CA.
	need(s.MongoDB.External || !s.MongoDB.TLS || pr.MongoDBCASecretARN != "", "the ARN of the platform's MongoDB CA certificate secret is not known yet")
	need(pr.RedisHost != "" && pr.RedisPort != 0, "the platform's cache primary endpoint and port are not known yet")
	need(pr.RedisAuthSecretARN != "", "the ARN of the platform's cache AUTH secret is not known yet")
	need(pr.SMTPHost != "" && pr.SMTPPort != 0, "the platform's SMTP host and port are not known yet")
	need(alloc.Instance != "" || alloc.Composite != "", "the platform has not allocated Redis databases to this instance yet")
	if len(missing) > 0 {
		return pr, strings.Join(missing, "; ")
	}
	pr.Bucket = p.storageBucketName(pr.Platform, pr.Account, pr.Region)
	return pr, ""
}

// keyMongoDBCACert is the awsplatform plugin's setting that render
// (provision.py) fills with the CA certificate fetch.sh read.
const keyMongoDBCACert = "AWSPLATFORM_MONGODB_CA_CERT"

// mongodbCAFile is where fetch.sh writes the platform's MongoDB CA
// certificate in the work volume, or empty when there is none to verify
// with.
func mongodbCAFile(pr provisioning) string {
	if !pr.MongoDBTLS || pr.MongoDBCASecretARN == "" {
		return ""
	}
	return provisionjob.WorkMountPath + "/in/mongodb-ca.pem"
}

// tutorConfig is the instance's Tutor configuration but its credentials,
// under Tutor's key names, and the awsplatform plugin's (prefixed
// AWSPLATFORM_ by Tutor). The Job adds tutorSecretKeys and stores the
// whole in the instance's secret.
func tutorConfig(p *plan, pr provisioning) map[string]string {
	// newProvisioning checked that every host has its port.
	var first, firstPort string
	if len(pr.MongoDBHosts) > 0 {
		first, firstPort, _ = net.SplitHostPort(pr.MongoDBHosts[0])
	}
	c := map[string]string{
		"LMS_HOST": p.LMSHost,
		"CMS_HOST": p.CMSHost,
		"MFE_HOST": p.MFEHost,
		// The platform's ALB terminates TLS and routes to caddy on port 80.
		"ENABLE_HTTPS":     "true",
		"ENABLE_WEB_PROXY": "false",
		"K8S_NAMESPACE":    p.Namespace,

		"RUN_MYSQL":              "false",
		"MYSQL_HOST":             pr.MySQLHost,
		"MYSQL_PORT":             strconv.Itoa(pr.MySQLPort),
		"OPENEDX_MYSQL_DATABASE": p.mysqlDatabase(),
		"OPENEDX_MYSQL_USERNAME": p.mysqlUsername(),

		"RUN_MONGODB": "false",
		// One host: Tutor's lms init job waits for tcp://MONGODB_HOST:
		// MONGODB_PORT. The plugin gives Django every member.
		"MONGODB_HOST":        first,
		"MONGODB_PORT":        firstPort,
		"MONGODB_DATABASE":    p.mongodbDatabase(),
		"MONGODB_USERNAME":    p.mongodbUsername(),
		"MONGODB_AUTH_SOURCE": "admin",
		"MONGODB_REPLICA_SET": pr.MongoDBReplicaSet,
		"MONGODB_USE_SSL":     strconv.FormatBool(pr.MongoDBTLS),

		"RUN_REDIS":  "false",
		"REDIS_HOST": pr.RedisHost,
		"REDIS_PORT": strconv.Itoa(pr.RedisPort),
		// Without a user name Tutor leaves the AUTH token out of the cache
		// URL; ElastiCache's AUTH token is the default user's password.
		"REDIS_USERNAME":          "default",
		"OPENEDX_CELERY_REDIS_DB": strconv.Itoa(int(pr.CeleryDatabase)),
		"OPENEDX_CACHE_REDIS_DB":  strconv.Itoa(int(pr.CacheDatabase)),

		"RUN_SMTP":      "false",
		"SMTP_HOST":     pr.SMTPHost,
		"SMTP_PORT":     strconv.Itoa(pr.SMTPPort),
		"SMTP_USE_TLS":  "true",
		"SMTP_USE_SSL":  "false",
		"CONTACT_EMAIL": contactEmail(p, pr.MailDomain),

		"AWSPLATFORM_MONGODB_HOSTS":          strings.Join(pr.MongoDBHosts, ","),
		"AWSPLATFORM_FORUM_MONGODB_DATABASE": p.forumDatabase(),
		"AWSPLATFORM_REDIS_TLS":              "true",
		"AWSPLATFORM_S3_BUCKET":              pr.Bucket,
		"AWSPLATFORM_S3_REGION":              pr.Region,
		"AWSPLATFORM_SERVICE_ACCOUNT":        serviceAccountName,
		"AWSPLATFORM_CADDY_REPLICAS":         strconv.Itoa(caddyReplicas),
	}
	// The containers' sizes, which the quota was checked against.
	for prefix, s := range map[string]podSize{"WEB": sizeWeb, "WORKER": sizeWorker, "PROXY": sizeProxy, "SEARCH": sizeSearch} {
		c["AWSPLATFORM_"+prefix+"_CPU_REQUEST"] = s.CPU.String()
		c["AWSPLATFORM_"+prefix+"_MEMORY_REQUEST"] = s.Memory.String()
		c["AWSPLATFORM_"+prefix+"_MEMORY_LIMIT"] = s.MemoryLimit.String()
	}
	if pr.StaticURL != "" {
		c["AWSPLATFORM_STATIC_URL"] = pr.StaticURL
		c["AWSPLATFORM_STATIC_BUCKET"] = pr.StaticBucket
		c["AWSPLATFORM_STATIC_LOCATION"] = strings.TrimSuffix(p.staticPrefix(), "/")
		// Written either way, so that switching back reaches an operator
		// whose Tutor root still says true.
		c["AWSPLATFORM_STATIC_ON_CDN"] = strconv.FormatBool(p.StaticFromCDN)
	}
	// The plugin puts the stateless Deployments on the spot NodePool. The
	// toleration matches the taint's key and effect whatever its value:
	// `tutor config save --set` reads values as YAML, so a value such as
	// "true" would reach the manifest as a boolean, which Kubernetes refuses.
	if sp := pr.SpotNodePool; sp != nil {
		c["AWSPLATFORM_SPOT_NODEPOOL"] = sp.Name
		c["AWSPLATFORM_SPOT_TAINT_KEY"] = sp.TaintKey
		c["AWSPLATFORM_SPOT_TAINT_EFFECT"] = sp.TaintEffect
	}
	return c
}

// contactEmail is Tutor's CONTACT_EMAIL, from which it derives every From
// address (DEFAULT_FROM_EMAIL, SERVER_EMAIL, BULK_EMAIL_DEFAULT_FROM_EMAIL).
// SES sends only from a verified identity, and the platform's identity and
// sending policy cover its domain and subdomains: Tutor's default,
// contact@<lmsHost>, is kept for an LMS in the domain, and an LMS outside it
// sends as <instance>@<domain>, which no other instance uses.
func contactEmail(p *plan, mailDomain string) string {
	if mailDomain == "" || inDomain(p.LMSHost, mailDomain) {
		return "contact@" + p.LMSHost
	}
	return p.Instance + "@" + mailDomain
}

// provisionObjects are the Job and the ConfigMap of its scripts, in the
// platform's provisioner namespace. The Job is ready once it succeeded, so
// the instance is not ready before its users and configuration exist.
func provisionObjects(p *plan, pr provisioning, labels map[string]string, providerConfig string) (rs []compose.Resource, job frsc.Name, err error) {
	scripts, err := provisionScripts()
	if err != nil {
		return nil, "", err
	}
	cm := provisionjob.ScriptsConfigMap(provisionScriptsConfigMap(p), pr.Namespace, provisionLabels(labels), scripts)
	j, err := provisionJob(p, pr, labels, scripts)
	if err != nil {
		return nil, "", err
	}
	cmObj, err := compose.KubernetesObject(cm, providerConfig, kubev1alpha2.Readiness{})
	if err != nil {
		return nil, "", err
	}
	jobObj, err := provisionjob.Object(j, providerConfig)
	if err != nil {
		return nil, "", err
	}
	job = provisionJobResource(j)
	return []compose.Resource{
		{Name: nameProvisionScripts, Object: cmObj},
		{Name: job, Object: jobObj},
	}, job, nil
}

// provisionScripts are the embedded scripts by file name.
func provisionScripts() (map[string]string, error) {
	return provisionjob.LoadScripts(provisionScriptFiles, "provision")
}

func provisionScriptsConfigMap(p *plan) string { return "provision-" + p.Instance }

// provisionLabels are the instance's labels, plus what tells these
// objects from the instance's own in the provisioner namespace.
func provisionLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out["app.kubernetes.io/component"] = "provisioning"
	return out
}

// provisionJob is the Job: see provisionjob.Job.
func provisionJob(p *plan, pr provisioning, labels map[string]string, scripts map[string]string) (*batchv1.Job, error) {
	config, err := json.Marshal(tutorConfig(p, pr))
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the Tutor configuration")
	}
	names, sum := provisionjob.ScriptsDigest(scripts)
	small := provisionjob.ContainerResources("50m", "32Mi", "128Mi")
	awsCLI := provisionjob.ContainerResources("50m", "128Mi", "256Mi")
	step := provisionjob.Step

	// Only labels that never change are on the pods: a change of the pod
	// template is a new Job.
	podLabels := map[string]string{"app.kubernetes.io/component": "provisioning"}
	for _, k := range []string{"app.kubernetes.io/part-of", "app.kubernetes.io/instance", LabelTenant, LabelPlatform} {
		if v, ok := labels[k]; ok {
			podLabels[k] = v
		}
	}
	return provisionjob.Job(provisionjob.Spec{
		NamePrefix:       "provision-" + p.Instance,
		Namespace:        pr.Namespace,
		Labels:           provisionLabels(labels),
		PodLabels:        podLabels,
		ServiceAccount:   pr.ServiceAccount,
		ScriptsConfigMap: provisionScriptsConfigMap(p),
		Steps: []corev1.Container{
			step("fetch", provisionjob.ImageAWSCLI, []string{"sh", "/scripts/fetch.sh"}, awsCLI, provisionjob.AWSEnv(pr.Region,
				"SCRIPTS", strings.Join(names, " "),
				"SCRIPTS_SHA256", sum,
				"TENANT_SECRET_ID", pr.SecretID,
				"MYSQL_ADMIN_SECRET_ARN", pr.MySQLAdminSecretARN,
				"MONGODB_ADMIN_SECRET_ARN", pr.MongoDBAdminSecretARN,
				"MONGODB_CA_SECRET_ARN", pr.MongoDBCASecretARN,
				"REDIS_AUTH_SECRET_ARN", pr.RedisAuthSecretARN,
			)),
			// Only the MySQL image has openssl, which draws Tutor's JWT key.
			step("keys", provisionjob.ImageMySQL, []string{"sh", "/scripts/keys.sh"}, small, provisionjob.Env()),
			step("plan", provisionjob.ImagePython, []string{"python3", "/scripts/provision.py", "plan"}, small, provisionjob.PythonEnv(
				"SMTP_IAM_USER", pr.SMTPUser,
			)),
			step("mysql", provisionjob.ImageMySQL, []string{"sh", "/scripts/mysql.sh"}, small, provisionjob.Env(
				"MYSQL_HOST", pr.MySQLHost,
				"MYSQL_PORT", strconv.Itoa(pr.MySQLPort),
				"MYSQL_DATABASE", p.mysqlDatabase(),
				"MYSQL_USERNAME", p.mysqlUsername(),
			)),
			// mongosh is a Node.js program: it needs more memory than the rest.
			step("mongodb", provisionjob.ImageMongoDB, []string{"sh", "/scripts/mongodb.sh"}, provisionjob.ContainerResources("100m", "128Mi", "512Mi"), provisionjob.Env(
				"MONGODB_HOSTS", strings.Join(pr.MongoDBHosts, ","),
				"MONGODB_REPLICA_SET", pr.MongoDBReplicaSet,
				"MONGODB_TLS", strconv.FormatBool(pr.MongoDBTLS),
				"MONGODB_TLS_CA_FILE", mongodbCAFile(pr),
				"MONGODB_USERNAME", p.mongodbUsername(),
				"MONGODB_DATABASE", p.mongodbDatabase(),
				"FORUM_MONGODB_DATABASE", p.forumDatabase(),
			)),
			step("smtp", provisionjob.ImageAWSCLI, []string{"sh", "/scripts/smtp.sh"}, awsCLI, provisionjob.AWSEnv(pr.Region,
				"SMTP_IAM_USER", pr.SMTPUser,
			)),
			step("render", provisionjob.ImagePython, []string{"python3", "/scripts/provision.py", "render"}, small, provisionjob.PythonEnv(
				"AWS_REGION", pr.Region,
				"TUTOR_CONFIG", string(config),
			)),
		},
		Last: step("store", provisionjob.ImageAWSCLI, []string{"sh", "/scripts/store.sh"}, awsCLI, provisionjob.AWSEnv(pr.Region,
			"TENANT_SECRET_ID", pr.SecretID,
		)),
	})
}

// provisionFailure is why the instance's current provisioning Job,
// composed as job, failed for good, empty unless it has.
func provisionFailure(observed map[frsc.Name]frsc.ObservedComposed, job frsc.Name) string {
	reason := provisionjob.Failure(observed, job)
	if reason == "" {
		return ""
	}
	ns, name := provisionjob.Observed(observed, job)
	return fmt.Sprintf("provisioning Job %s/%s failed (%s); read its pods' logs, then delete the Job to run it again", ns, name, reason)
}
