package main

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"slices"
	"strconv"
	"strings"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/errors"
	frsc "github.com/crossplane/function-sdk-go/resource"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

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
	return frsc.Name(namePrefixProvisionJob + job.Name[strings.LastIndex(job.Name, "-")+1:])
}

// Images of the Job's steps, shared with the platform's deprovisioning Job.
const (
	imageAWSCLI  = provisionjob.ImageAWSCLI
	imagePython  = provisionjob.ImagePython
	imageMySQL   = provisionjob.ImageMySQL
	imageMongoDB = provisionjob.ImageMongoDB
)

// Limits of a provisioning run. A failed pod is retried with a fresh work
// volume, six times with exponential backoff, within 15 minutes in all.
// There is no ttlSecondsAfterFinished: provider-kubernetes would create a
// deleted Job again and run it again, forever.
const (
	provisionBackoffLimit     = 6
	provisionDeadlineSeconds  = 900
	provisionUID              = provisionjob.UID
	provisionScriptsMountPath = "/scripts"
	provisionWorkMountPath    = "/work"
)

// provisionScriptFiles are the Job's scripts, delivered in a ConfigMap.
//
//go:embed provision/*.sh provision/*.py provision/*.js
var provisionScriptFiles embed.FS

// provisionSucceeded is the Job Object's readiness: provider-kubernetes
// evaluates it on the observed Job.
const provisionSucceeded = provisionjob.Succeeded

// tutorSecretKeys are the Tutor keys of credentials. They are never
// composed: the Job fills them into the instance's secret.
var tutorSecretKeys = []string{"OPENEDX_MYSQL_PASSWORD", "MONGODB_PASSWORD", "REDIS_PASSWORD", "SMTP_USERNAME", "SMTP_PASSWORD"}

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
	// MongoDBTLS is true for an external replica set: MongoDB Atlas, the
	// one the platform documents, accepts TLS connections only. The
	// platform's own members do not speak TLS; they are reachable from
	// the private-app subnets only.
	MongoDBTLS bool

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

	Bucket string
	// StaticURL is where the instance's static assets are served, from
	// its prefix of StaticBucket; both empty without a CDN.
	StaticURL    string
	StaticBucket string
}

// newProvisioning gathers what the Job needs from the platform's status.
// pending names what is still missing, empty when nothing is: the Job must
// not be composed before, as its spec would change (and the Job run again)
// as each value arrives.
func newProvisioning(p *plan, pl *v1alpha1.XPlatform, alloc v1alpha1.TenantAllocation) (provisioning, string) {
	if pl == nil {
		return provisioning{}, "the platform does not exist"
	}
	s := pl.Status
	pr := provisioning{
		Platform:              pl.GetName(),
		Region:                pl.Spec.Region,
		Account:               s.AccountID,
		Namespace:             s.Provisioner.Namespace,
		ServiceAccount:        s.Provisioner.ServiceAccountName,
		MySQLHost:             s.Database.WriterEndpoint,
		MySQLPort:             orDefaultPort(s.Database.Port, portMySQL),
		MySQLAdminSecretARN:   s.Database.AdminSecretARN,
		MongoDBHosts:          s.MongoDB.Hosts,
		MongoDBReplicaSet:     s.MongoDB.ReplicaSet,
		MongoDBAdminSecretARN: s.MongoDB.AdminSecretARN,
		RedisHost:             s.Cache.PrimaryEndpoint,
		RedisPort:             orDefaultPort(s.Cache.Port, portRedis),
		RedisAuthSecretARN:    s.Cache.AuthSecretARN,
		CeleryDatabase:        alloc.CeleryDatabase,
		CacheDatabase:         alloc.CacheDatabase,
		SMTPPort:              portSMTP,
	}
	if pr.Region == "" {
		pr.Region = s.Region
	}
	pr.SecretID = p.secretID(pr.Platform)
	pr.SMTPHost = "email-smtp." + pr.Region + ".amazonaws.com"
	// The platform publishes a sending policy only with a domain; the
	// instance's SMTP user exists only then (identity.go).
	if s.Edge.SendingPolicyARN != "" {
		pr.SMTPUser = p.smtpUserName(pr.Platform)
	}
	if s.Edge.StaticDomain != "" && s.Edge.StaticBucket != "" {
		pr.StaticURL = "https://" + s.Edge.StaticDomain + "/" + p.staticPrefix()
		pr.StaticBucket = s.Edge.StaticBucket
	}

	// An external replica set is in the spec before the platform reports
	// it, and its admin secret is the operator's to provide.
	external := pl.Spec.MongoDB.External
	pr.MongoDBTLS = s.MongoDB.External || external != nil
	if external != nil {
		if len(pr.MongoDBHosts) == 0 {
			pr.MongoDBHosts = external.Hosts
		}
		if pr.MongoDBReplicaSet == "" {
			pr.MongoDBReplicaSet = external.ReplicaSet
		}
		if pr.MongoDBAdminSecretARN == "" {
			pr.MongoDBAdminSecretARN = external.AdminSecretARN
		}
	}
	pr.MongoDBHosts = withDefaultPorts(pr.MongoDBHosts, portMongoDB)

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
	need(pr.MySQLHost != "", "the platform's Aurora writer endpoint is not known yet")
	need(pr.MySQLAdminSecretARN != "", "the ARN of the platform's Aurora admin secret is not known yet")
	need(len(pr.MongoDBHosts) > 0, "the platform's MongoDB hosts are not known yet")
	need(pr.MongoDBReplicaSet != "", "the platform's MongoDB replica set name is not known yet")
	switch {
	case pr.MongoDBAdminSecretARN != "":
	case pr.MongoDBTLS:
		missing = append(missing, fmt.Sprintf("the platform's external MongoDB has no admin secret: set spec.mongodb.external.adminSecretArn of XPlatform %q to a Secrets Manager secret holding an admin user's credentials as JSON with username and password, readable by the platform's provisioner", pr.Platform))
	default:
		missing = append(missing, "the ARN of the platform's MongoDB admin secret is not known yet")
	}
	need(pr.RedisHost != "", "the platform's cache primary endpoint is not known yet")
	need(pr.RedisAuthSecretARN != "", "the ARN of the platform's cache AUTH secret is not known yet")
	need(alloc.Instance != "" || alloc.Composite != "", "the platform has not allocated Redis databases to this instance yet")
	if len(missing) > 0 {
		return pr, strings.Join(missing, "; ")
	}
	pr.Bucket = p.storageBucketName(pr.Platform, pr.Account, pr.Region)
	return pr, ""
}

// orDefaultPort is a published port, or the engine's default.
func orDefaultPort(port, def int) int {
	if port > 0 && port < 65536 {
		return port
	}
	return def
}

// withDefaultPorts gives every host a port.
func withDefaultPorts(hosts []string, def int) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, strconv.Itoa(def))
		}
		out = append(out, h)
	}
	return out
}

// tutorConfig is the instance's Tutor configuration but its credentials,
// under Tutor's key names, and the awsplatform plugin's (prefixed
// AWSPLATFORM_ by Tutor). The Job adds tutorSecretKeys and stores the
// whole in the instance's secret.
func tutorConfig(p *plan, pr provisioning) map[string]string {
	first, firstPort := "", strconv.Itoa(portMongoDB)
	if len(pr.MongoDBHosts) > 0 {
		if h, port, err := net.SplitHostPort(pr.MongoDBHosts[0]); err == nil {
			first, firstPort = h, port
		}
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
		"CONTACT_EMAIL": "contact@" + p.LMSHost,

		"AWSPLATFORM_MONGODB_HOSTS":          strings.Join(pr.MongoDBHosts, ","),
		"AWSPLATFORM_FORUM_MONGODB_DATABASE": p.forumDatabase(),
		"AWSPLATFORM_REDIS_TLS":              "true",
		"AWSPLATFORM_S3_BUCKET":              pr.Bucket,
		"AWSPLATFORM_S3_REGION":              pr.Region,
		"AWSPLATFORM_SERVICE_ACCOUNT":        serviceAccountName,
	}
	if pr.StaticURL != "" {
		c["AWSPLATFORM_STATIC_URL"] = pr.StaticURL
		c["AWSPLATFORM_STATIC_BUCKET"] = pr.StaticBucket
		c["AWSPLATFORM_STATIC_LOCATION"] = strings.TrimSuffix(p.staticPrefix(), "/")
	}
	return c
}

// provisionObjects are the Job and the ConfigMap of its scripts, in the
// platform's provisioner namespace. The Job is ready once it succeeded, so
// the instance is not ready before its users and configuration exist.
func provisionObjects(p *plan, pr provisioning, labels map[string]string, providerConfig string) (rs []compose.Resource, job frsc.Name, err error) {
	scripts, err := provisionScripts()
	if err != nil {
		return nil, "", err
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: provisionScriptsConfigMap(p), Namespace: pr.Namespace, Labels: provisionLabels(labels)},
		Data:       scripts,
	}
	j, err := provisionJob(p, pr, labels, scripts)
	if err != nil {
		return nil, "", err
	}
	cmObj, err := compose.KubernetesObject(cm, providerConfig, kubev1alpha2.Readiness{})
	if err != nil {
		return nil, "", err
	}
	jobManifest, err := compose.WithoutNulls(j)
	if err != nil {
		return nil, "", err
	}
	jobObj, err := compose.KubernetesObject(jobManifest, providerConfig, kubev1alpha2.Readiness{
		Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
		CelQuery: provisionSucceeded,
	})
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
	files, err := fs.Glob(provisionScriptFiles, "provision/*")
	if err != nil {
		return nil, errors.Wrap(err, "cannot list the provisioning scripts")
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		b, err := provisionScriptFiles.ReadFile(f)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot read %s", f)
		}
		out[strings.TrimPrefix(f, "provision/")] = string(b)
	}
	return out, nil
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

// provisionJob is the Job. A Job's pod template is immutable, so its name
// ends in a hash of its spec: a changed spec (a new endpoint, host or
// script) is a new Job, which runs again, and an unchanged one never is.
func provisionJob(p *plan, pr provisioning, labels map[string]string, scripts map[string]string) (*batchv1.Job, error) {
	config, err := json.Marshal(tutorConfig(p, pr))
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the Tutor configuration")
	}
	names := make([]string, 0, len(scripts))
	for n := range scripts {
		names = append(names, n)
	}
	slices.Sort(names)
	scriptsSum := sha256.New()
	for _, n := range names {
		scriptsSum.Write([]byte(scripts[n]))
	}

	env := func(kv ...string) []corev1.EnvVar {
		out := []corev1.EnvVar{{Name: "HOME", Value: "/tmp"}, {Name: "TMPDIR", Value: "/tmp"}}
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, corev1.EnvVar{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	aws := func(kv ...string) []corev1.EnvVar {
		return env(append([]string{
			"AWS_REGION", pr.Region,
			"AWS_RETRY_MODE", "standard",
			"AWS_MAX_ATTEMPTS", "10",
			"AWS_PAGER", "",
			// Credentials come from the Pod Identity agent; never wait for
			// the instance metadata service.
			"AWS_EC2_METADATA_DISABLED", "true",
		}, kv...)...)
	}
	python := func(kv ...string) []corev1.EnvVar {
		return env(append([]string{"PYTHONDONTWRITEBYTECODE", "1", "PYTHONUNBUFFERED", "1"}, kv...)...)
	}
	small := containerResources("50m", "32Mi", "128Mi")
	awsCLI := containerResources("50m", "128Mi", "256Mi")

	steps := []corev1.Container{
		provisionStep("fetch", imageAWSCLI, []string{"sh", "/scripts/fetch.sh"}, awsCLI, aws(
			"SCRIPTS", strings.Join(names, " "),
			"SCRIPTS_SHA256", hex.EncodeToString(scriptsSum.Sum(nil)),
			"TENANT_SECRET_ID", pr.SecretID,
			"MYSQL_ADMIN_SECRET_ARN", pr.MySQLAdminSecretARN,
			"MONGODB_ADMIN_SECRET_ARN", pr.MongoDBAdminSecretARN,
			"REDIS_AUTH_SECRET_ARN", pr.RedisAuthSecretARN,
		)),
		provisionStep("plan", imagePython, []string{"python3", "/scripts/provision.py", "plan"}, small, python(
			"SMTP_IAM_USER", pr.SMTPUser,
		)),
		provisionStep("mysql", imageMySQL, []string{"sh", "/scripts/mysql.sh"}, small, env(
			"MYSQL_HOST", pr.MySQLHost,
			"MYSQL_PORT", strconv.Itoa(pr.MySQLPort),
			"MYSQL_DATABASE", p.mysqlDatabase(),
			"MYSQL_USERNAME", p.mysqlUsername(),
		)),
		// mongosh is a Node.js program: it needs more memory than the rest.
		provisionStep("mongodb", imageMongoDB, []string{"sh", "/scripts/mongodb.sh"}, containerResources("100m", "128Mi", "512Mi"), env(
			"MONGODB_HOSTS", strings.Join(pr.MongoDBHosts, ","),
			"MONGODB_REPLICA_SET", pr.MongoDBReplicaSet,
			"MONGODB_TLS", strconv.FormatBool(pr.MongoDBTLS),
			"MONGODB_USERNAME", p.mongodbUsername(),
			"MONGODB_DATABASE", p.mongodbDatabase(),
			"FORUM_MONGODB_DATABASE", p.forumDatabase(),
		)),
		provisionStep("smtp", imageAWSCLI, []string{"sh", "/scripts/smtp.sh"}, awsCLI, aws(
			"SMTP_IAM_USER", pr.SMTPUser,
		)),
		provisionStep("render", imagePython, []string{"python3", "/scripts/provision.py", "render"}, small, python(
			"AWS_REGION", pr.Region,
			"TUTOR_CONFIG", string(config),
		)),
	}
	store := provisionStep("store", imageAWSCLI, []string{"sh", "/scripts/store.sh"}, awsCLI, aws(
		"TENANT_SECRET_ID", pr.SecretID,
	))

	// Only labels that never change are on the pods: a change of the pod
	// template is a new Job.
	podLabels := map[string]string{"app.kubernetes.io/component": "provisioning"}
	for _, k := range []string{"app.kubernetes.io/part-of", "app.kubernetes.io/instance", LabelTenant, LabelPlatform} {
		if v, ok := labels[k]; ok {
			podLabels[k] = v
		}
	}
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Namespace: pr.Namespace, Labels: provisionLabels(labels)},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](provisionBackoffLimit),
			ActiveDeadlineSeconds: ptr.To[int64](provisionDeadlineSeconds),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					ServiceAccountName: pr.ServiceAccount,
					// EKS Pod Identity mounts a token of its own; the Job never
					// calls the Kubernetes API.
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					// A failed pod is replaced by one with a fresh work volume:
					// every step is idempotent, so a run starts over.
					RestartPolicy:   corev1.RestartPolicyNever,
					SecurityContext: restrictedPodSecurityContext(),
					// Steps run one after the other; any failure fails the pod.
					InitContainers: steps,
					Containers:     []corev1.Container{store},
					Volumes: []corev1.Volume{
						{Name: "scripts", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: provisionScriptsConfigMap(p)},
							DefaultMode:          ptr.To[int32](0o444),
						}}},
						// Secrets pass between steps in memory only, and vanish
						// with the pod.
						{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
							Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("16Mi")),
						}}},
						// HOME and TMPDIR of read-only root filesystems; here-documents
						// holding a password land here, so in memory too.
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
							Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("64Mi")),
						}}},
					},
				},
			},
		},
	}
	spec, err := json.Marshal(job.Spec)
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the provisioning Job's spec")
	}
	sum := sha256.Sum256(spec)
	job.Name = fmt.Sprintf("provision-%s-%s", p.Instance, hex.EncodeToString(sum[:])[:8])
	return job, nil
}

// provisionStep is one container of the Job, with the scripts and the work volume.
func provisionStep(name, image string, command []string, res corev1.ResourceRequirements, env []corev1.EnvVar) corev1.Container {
	return corev1.Container{
		Name:            name,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         command,
		Env:             env,
		Resources:       res,
		SecurityContext: restrictedContainerSecurityContext(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "scripts", MountPath: provisionScriptsMountPath, ReadOnly: true},
			{Name: "work", MountPath: provisionWorkMountPath},
			{Name: "tmp", MountPath: "/tmp"},
		},
		// Failures show in the Job's pod status; logs never hold a secret.
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

// containerResources, restrictedPodSecurityContext and
// restrictedContainerSecurityContext are shared with the platform's
// deprovisioning Job: see internal/provisionjob.
func containerResources(cpu, memory, memoryLimit string) corev1.ResourceRequirements {
	return provisionjob.ContainerResources(cpu, memory, memoryLimit)
}

func restrictedPodSecurityContext() *corev1.PodSecurityContext {
	return provisionjob.RestrictedPodSecurityContext()
}

func restrictedContainerSecurityContext() *corev1.SecurityContext {
	return provisionjob.RestrictedContainerSecurityContext()
}

// provisioned reports whether the instance's current provisioning Job,
// composed as job, has succeeded. The observed Job must be the one the
// Object asks for.
func provisioned(observed map[frsc.Name]frsc.ObservedComposed, job frsc.Name) bool {
	oc, ok := observed[job]
	if !ok || oc.Resource == nil {
		return false
	}
	want, _ := oc.Resource.GetString("spec.forProvider.manifest.metadata.name")
	got, _ := oc.Resource.GetString("status.atProvider.manifest.metadata.name")
	if want == "" || want != got {
		return false
	}
	n, err := oc.Resource.GetInteger("status.atProvider.manifest.status.succeeded")
	return err == nil && n >= 1
}

// provisionFailure is why the current provisioning Job failed for good,
// empty unless it has. It is not retried until its spec changes or an
// operator deletes it, which provider-kubernetes answers with a new run.
func provisionFailure(observed map[frsc.Name]frsc.ObservedComposed, job frsc.Name) string {
	oc, ok := observed[job]
	if !ok || oc.Resource == nil {
		return ""
	}
	name, _ := oc.Resource.GetString("status.atProvider.manifest.metadata.name")
	if want, _ := oc.Resource.GetString("spec.forProvider.manifest.metadata.name"); want == "" || want != name {
		return ""
	}
	var conditions []batchv1.JobCondition
	if err := oc.Resource.GetValueInto("status.atProvider.manifest.status.conditions", &conditions); err != nil {
		return ""
	}
	for _, c := range conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			ns, _ := oc.Resource.GetString("status.atProvider.manifest.metadata.namespace")
			return fmt.Sprintf("provisioning Job %s/%s failed (%s: %s); read its pods' logs, then delete the Job to run it again", ns, name, c.Reason, c.Message)
		}
	}
	return ""
}
