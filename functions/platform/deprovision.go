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

// A composition function has no pre-delete hook, so a tenant cannot drop
// its own databases. The platform does it instead: once a tenant whose
// recorded deletionPolicy was Delete is gone, it is listed in
// status.tenants.deprovisioning (tenants.go) and a Job of the provisioner,
// in its namespace and as its ServiceAccount, drops the tenant's MySQL
// database and user and its MongoDB user and two databases. The Job reads
// the admin secrets itself, as the tenant's provisioning Job does: no
// credential is ever in a composed resource, a status or a log line.

// Names of the deprovisioning Objects.
const (
	nameDeprovisionScripts frsc.Name = "kubernetes-deprovision-scripts"
	// namePrefixDeprovisionJob starts each Job Object's name, followed by
	// the instance and the hash its Job's name ends in: a Job of a new spec
	// is a new Object, and the old one is deleted.
	namePrefixDeprovisionJob = "kubernetes-deprovision-job-"

	deprovisionScriptsConfigMap = "openedx-deprovision"
	componentDeprovisioning     = "deprovisioning"
)

// Limits of a run: as the tenant's provisioning Job, a failed pod is
// retried six times within 15 minutes, and a finished Job is not deleted
// by Kubernetes (provider-kubernetes would create it again).
const (
	deprovisionBackoffLimit    = 6
	deprovisionDeadlineSeconds = 900
)

// deprovisionScriptFiles are the Job's scripts, delivered in a ConfigMap.
//
//go:embed deprovision/*.sh deprovision/*.py deprovision/*.js
var deprovisionScriptFiles embed.FS

// deprovisionInputs are the data stores' endpoints and admin secrets, as
// the platform's status publishes them to tenants.
type deprovisionInputs struct {
	Region                string
	MySQLHost             string
	MySQLPort             int
	MySQLAdminSecretARN   string
	MongoDBHosts          []string
	MongoDBReplicaSet     string
	MongoDBAdminSecretARN string
	MongoDBTLS            bool
}

// observedDeprovisionInputs reads the inputs. missing says what is not
// known yet, or that the provisioner cannot act as its role yet.
func observedDeprovisionInputs(p *plan, observed map[frsc.Name]frsc.ObservedComposed) (deprovisionInputs, []string) {
	db, mongo := databaseStatus(observed), mongodbStatus(p, observed)
	in := deprovisionInputs{
		Region:                p.Region,
		MySQLHost:             db.WriterEndpoint,
		MySQLPort:             db.Port,
		MySQLAdminSecretARN:   db.AdminSecretARN,
		MongoDBReplicaSet:     mongo.ReplicaSet,
		MongoDBAdminSecretARN: mongo.AdminSecretARN,
		// An external replica set (MongoDB Atlas) accepts TLS only; the
		// platform's own members do not speak it.
		MongoDBTLS: mongo.External,
	}
	if in.MySQLPort == 0 {
		in.MySQLPort = portMySQL
	}
	for _, h := range mongo.Hosts {
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, strconv.Itoa(mongodbPort))
		}
		in.MongoDBHosts = append(in.MongoDBHosts, h)
	}
	var missing []string
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, what)
		}
	}
	need(provisionerStatus(observed).Ready, "the provisioner's ServiceAccount bound to its IAM role")
	need(in.MySQLHost != "", fmt.Sprintf("the endpoint of RDS cluster %q", nameDBCluster))
	need(in.MySQLAdminSecretARN != "", fmt.Sprintf("the ARN of the master user secret of RDS cluster %q", nameDBCluster))
	need(len(in.MongoDBHosts) > 0 && in.MongoDBReplicaSet != "", "the MongoDB replica set's members")
	need(in.MongoDBAdminSecretARN != "", "the ARN of the MongoDB admin secret")
	return in, missing
}

// deprovisionObjects are, while any tenant's data is to be dropped, the
// ConfigMap of the scripts and one Job per entry, in the provisioner's
// namespace. pending names what the Jobs wait for, and failed the Jobs
// that failed for good.
func deprovisionObjects(p *plan, observed map[frsc.Name]frsc.ObservedComposed, entries []v1alpha1.TenantDeprovisioning) (rs []compose.Resource, pending []string, failed []string, err error) {
	if len(entries) == 0 {
		return nil, nil, nil, nil
	}
	in, missing := observedDeprovisionInputs(p, observed)
	if len(missing) > 0 {
		return nil, missing, nil, nil
	}
	scripts, err := deprovisionScripts()
	if err != nil {
		return nil, nil, nil, err
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: deprovisionScriptsConfigMap, Namespace: provisionerNamespace, Labels: inClusterLabels(componentDeprovisioning)},
		Data:       scripts,
	}
	cmObj, err := compose.KubernetesObject(cm, p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{})
	if err != nil {
		return nil, nil, nil, err
	}
	// Dropping a deleted tenant's data never makes the platform not
	// ready: its other tenants would report PlatformReady=False for it.
	// Progress and failures are results.
	rs = append(rs, compose.Resource{Name: nameDeprovisionScripts, Object: cmObj, AlwaysReady: true})
	for _, e := range entries {
		job, err := deprovisionJob(in, e, scripts)
		if err != nil {
			return nil, nil, nil, err
		}
		manifest, err := compose.WithoutNulls(job)
		if err != nil {
			return nil, nil, nil, err
		}
		obj, err := compose.KubernetesObject(manifest, p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{
			Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
			CelQuery: provisionjob.Succeeded,
		})
		if err != nil {
			return nil, nil, nil, err
		}
		name := deprovisionJobResource(e, job)
		if reason := jobFailure(observed, name); reason != "" {
			failed = append(failed, fmt.Sprintf("Job %s/%s dropping the data of instance %q failed (%s); read its pods' logs, then delete the Job to run it again", job.Namespace, job.Name, e.Instance, reason))
		}
		rs = append(rs, compose.Resource{Name: name, Object: obj, AlwaysReady: true})
	}
	return rs, nil, failed, nil
}

// deprovisioned reports whether the data of e has been dropped: the Job of
// the current spec was observed succeeded.
func deprovisioned(p *plan, observed map[frsc.Name]frsc.ObservedComposed, e v1alpha1.TenantDeprovisioning) bool {
	in, missing := observedDeprovisionInputs(p, observed)
	if len(missing) > 0 {
		return false
	}
	scripts, err := deprovisionScripts()
	if err != nil {
		return false
	}
	job, err := deprovisionJob(in, e, scripts)
	if err != nil {
		return false
	}
	oc, ok := observed[deprovisionJobResource(e, job)]
	if !ok || oc.Resource == nil {
		return false
	}
	if got, _ := oc.Resource.GetString("status.atProvider.manifest.metadata.name"); got != job.Name {
		return false
	}
	n, err := oc.Resource.GetInteger("status.atProvider.manifest.status.succeeded")
	return err == nil && n >= 1
}

// jobFailure is why the observed Job of the Object name failed for good,
// empty unless it has.
func jobFailure(observed map[frsc.Name]frsc.ObservedComposed, name frsc.Name) string {
	oc, ok := observed[name]
	if !ok || oc.Resource == nil {
		return ""
	}
	var conditions []batchv1.JobCondition
	if err := oc.Resource.GetValueInto("status.atProvider.manifest.status.conditions", &conditions); err != nil {
		return ""
	}
	for _, c := range conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			return c.Reason + ": " + c.Message
		}
	}
	return ""
}

// deprovisionJobResource is the composition name of the Object of job.
func deprovisionJobResource(e v1alpha1.TenantDeprovisioning, job *batchv1.Job) frsc.Name {
	return frsc.Name(namePrefixDeprovisionJob + e.Instance + "-" + job.Name[strings.LastIndex(job.Name, "-")+1:])
}

// deprovisionScripts are the embedded scripts by file name.
func deprovisionScripts() (map[string]string, error) {
	files, err := fs.Glob(deprovisionScriptFiles, "deprovision/*")
	if err != nil {
		return nil, errors.Wrap(err, "cannot list the deprovisioning scripts")
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		b, err := deprovisionScriptFiles.ReadFile(f)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot read %s", f)
		}
		out[strings.TrimPrefix(f, "deprovision/")] = string(b)
	}
	return out, nil
}

// deprovisionJob drops e's data. Its steps run one after the other, each
// idempotent, in the images and under the restricted security context of
// the tenant's provisioning Job. Its name ends in a hash of its spec: a
// Job's pod template is immutable, so a changed endpoint or script is a new
// Job.
func deprovisionJob(in deprovisionInputs, e v1alpha1.TenantDeprovisioning, scripts map[string]string) (*batchv1.Job, error) {
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
	small := provisionjob.ContainerResources("50m", "32Mi", "128Mi")
	steps := []corev1.Container{
		deprovisionStep("fetch", provisionjob.ImageAWSCLI, []string{"sh", "/scripts/fetch.sh"}, provisionjob.ContainerResources("50m", "128Mi", "256Mi"), env(
			"AWS_REGION", in.Region,
			"AWS_RETRY_MODE", "standard",
			"AWS_MAX_ATTEMPTS", "10",
			"AWS_PAGER", "",
			// Credentials come from the Pod Identity agent.
			"AWS_EC2_METADATA_DISABLED", "true",
			"SCRIPTS", strings.Join(names, " "),
			"SCRIPTS_SHA256", hex.EncodeToString(scriptsSum.Sum(nil)),
			"MYSQL_ADMIN_SECRET_ARN", in.MySQLAdminSecretARN,
			"MONGODB_ADMIN_SECRET_ARN", in.MongoDBAdminSecretARN,
		)),
		deprovisionStep("credentials", provisionjob.ImagePython, []string{"python3", "/scripts/credentials.py"}, small, env(
			"PYTHONDONTWRITEBYTECODE", "1", "PYTHONUNBUFFERED", "1",
		)),
		deprovisionStep("mysql", provisionjob.ImageMySQL, []string{"sh", "/scripts/mysql.sh"}, small, env(
			"MYSQL_HOST", in.MySQLHost,
			"MYSQL_PORT", strconv.Itoa(in.MySQLPort),
			"MYSQL_DATABASE", e.MySQLDatabase,
			"MYSQL_USERNAME", e.MySQLUser,
		)),
	}
	// mongosh is a Node.js program: it needs more memory than the rest.
	mongodb := deprovisionStep("mongodb", provisionjob.ImageMongoDB, []string{"sh", "/scripts/mongodb.sh"}, provisionjob.ContainerResources("100m", "128Mi", "512Mi"), env(
		"MONGODB_HOSTS", strings.Join(in.MongoDBHosts, ","),
		"MONGODB_REPLICA_SET", in.MongoDBReplicaSet,
		"MONGODB_TLS", strconv.FormatBool(in.MongoDBTLS),
		"MONGODB_USERNAME", e.MongoDBUser,
		"MONGODB_DATABASE", e.MongoDBDatabase,
		"FORUM_MONGODB_DATABASE", e.ForumDatabase,
	))

	labels := inClusterLabels(componentDeprovisioning)
	labels[v1alpha1.Group+"/tenant"] = e.Instance
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Namespace: provisionerNamespace, Labels: labels},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](deprovisionBackoffLimit),
			ActiveDeadlineSeconds: ptr.To[int64](deprovisionDeadlineSeconds),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: provisionerServiceAccount,
					// EKS Pod Identity mounts a token of its own; the Job never
					// calls the Kubernetes API.
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					RestartPolicy:                corev1.RestartPolicyNever,
					SecurityContext:              provisionjob.RestrictedPodSecurityContext(),
					InitContainers:               steps,
					Containers:                   []corev1.Container{mongodb},
					Volumes: []corev1.Volume{
						{Name: "scripts", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: deprovisionScriptsConfigMap},
							DefaultMode:          ptr.To[int32](0o444),
						}}},
						// Admin credentials pass between steps in memory only.
						{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
							Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("16Mi")),
						}}},
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
		return nil, errors.Wrap(err, "cannot marshal the deprovisioning Job's spec")
	}
	sum := sha256.Sum256(spec)
	job.Name = fmt.Sprintf("deprovision-%s-%s", e.Instance, hex.EncodeToString(sum[:])[:8])
	return job, nil
}

// deprovisionStep is one container of the Job, with the scripts and the
// work volume.
func deprovisionStep(name, image string, command []string, res corev1.ResourceRequirements, env []corev1.EnvVar) corev1.Container {
	return corev1.Container{
		Name:            name,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         command,
		Env:             env,
		Resources:       res,
		SecurityContext: provisionjob.RestrictedContainerSecurityContext(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "scripts", MountPath: "/scripts", ReadOnly: true},
			{Name: "work", MountPath: "/work"},
			{Name: "tmp", MountPath: "/tmp"},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}
