// Package provisionjob holds what the Jobs of the platform's provisioner
// namespace share: the tenant's provisioning Job and the platform's
// deprovisioning Job run idempotent steps one after the other, in the same
// images, under the same restricted security context, with their scripts
// from a ConfigMap and the same in-memory volumes. Every function here is
// pure.
package provisionjob

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/errors"
	frsc "github.com/crossplane/function-sdk-go/resource"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Images of the Jobs' steps: official images, pinned by tag. The data
// stores' clients match the servers' major versions (Aurora MySQL 3 is
// MySQL 8.0 compatible, which the 8.4 client speaks).
const (
	ImageAWSCLI  = "public.ecr.aws/aws-cli/aws-cli:2.36.49"
	ImagePython  = "python:3.13-slim"
	ImageMySQL   = "mysql:8.4"
	ImageMongoDB = "mongo:7.0"
)

// UID every step runs as, so that files of the work volume pass between
// steps with mode 0600.
const UID = 65532

// SucceededQuery is a Job Object's readiness: provider-kubernetes
// evaluates it on the observed Job.
const SucceededQuery = "has(object.status) && has(object.status.succeeded) && object.status.succeeded >= 1"

// Limits of a run. A failed pod is retried with a fresh work volume, six
// times with exponential backoff, within 15 minutes in all. There is no
// ttlSecondsAfterFinished: provider-kubernetes would create a deleted Job
// again and run it again, forever.
const (
	BackoffLimit    = 6
	DeadlineSeconds = 900
)

// Where each step finds the scripts, the work volume and its HOME and
// TMPDIR.
const (
	ScriptsMountPath = "/scripts"
	WorkMountPath    = "/work"
	TmpMountPath     = "/tmp"
)

// ContainerResources requests cpu and memory and limits memory. CPU is not
// limited, as nowhere else on the platform.
func ContainerResources(cpu, memory, memoryLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memoryLimit)},
	}
}

// RestrictedPodSecurityContext and RestrictedContainerSecurityContext meet
// the "restricted" Pod Security Standard, which the provisioner namespace
// enforces.
func RestrictedPodSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		RunAsUser:      ptr.To[int64](UID),
		RunAsGroup:     ptr.To[int64](UID),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// RestrictedContainerSecurityContext: see RestrictedPodSecurityContext.
func RestrictedContainerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr.To(true),
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// LoadScripts are the files of dir in fsys (the embedded scripts of a
// Job) by base name.
func LoadScripts(fsys fs.FS, dir string) (map[string]string, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*"))
	if err != nil {
		return nil, errors.Wrapf(err, "cannot list the scripts in %s", dir)
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot read %s", f)
		}
		out[path.Base(f)] = string(b)
	}
	return out, nil
}

// ScriptsDigest is the scripts' names, sorted, and the hex SHA-256 of
// their contents in that order. The fetch step checks the mounted
// ConfigMap against it, and a changed script changes the Job's spec.
func ScriptsDigest(scripts map[string]string) (names []string, sum string) {
	names = slices.Sorted(maps.Keys(scripts))
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(scripts[n]))
	}
	return names, hex.EncodeToString(h.Sum(nil))
}

// ScriptsConfigMap delivers the scripts to the Job's scripts volume.
func ScriptsConfigMap(name, namespace string, labels, scripts map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Data:       scripts,
	}
}

// Env is a step's environment: HOME and TMPDIR on the tmp volume, as the
// root filesystem is read-only, then the pairs of kv.
func Env(kv ...string) []corev1.EnvVar {
	out := []corev1.EnvVar{{Name: "HOME", Value: TmpMountPath}, {Name: "TMPDIR", Value: TmpMountPath}}
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, corev1.EnvVar{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// AWSEnv is Env for the AWS CLI in region, then kv.
func AWSEnv(region string, kv ...string) []corev1.EnvVar {
	return Env(append([]string{
		"AWS_REGION", region,
		"AWS_RETRY_MODE", "standard",
		"AWS_MAX_ATTEMPTS", "10",
		"AWS_PAGER", "",
		// Credentials come from the Pod Identity agent; never wait for
		// the instance metadata service.
		"AWS_EC2_METADATA_DISABLED", "true",
	}, kv...)...)
}

// PythonEnv is Env for Python on a read-only root filesystem, then kv.
func PythonEnv(kv ...string) []corev1.EnvVar {
	return Env(append([]string{"PYTHONDONTWRITEBYTECODE", "1", "PYTHONUNBUFFERED", "1"}, kv...)...)
}

// Step is one container of a Job, with Mounts.
func Step(name, image string, command []string, res corev1.ResourceRequirements, env []corev1.EnvVar) corev1.Container {
	return corev1.Container{
		Name:            name,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         command,
		Env:             env,
		Resources:       res,
		SecurityContext: RestrictedContainerSecurityContext(),
		VolumeMounts:    Mounts(),
		// Failures show in the Job's pod status; logs never hold a secret.
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

// Mounts are every step's mounts of Volumes.
func Mounts() []corev1.VolumeMount {
	return []corev1.VolumeMount{
		{Name: "scripts", MountPath: ScriptsMountPath, ReadOnly: true},
		{Name: "work", MountPath: WorkMountPath},
		{Name: "tmp", MountPath: TmpMountPath},
	}
}

// Volumes are a Job's volumes: the scripts of the ConfigMap
// scriptsConfigMap, read-only, and two size-limited emptyDirs in memory.
func Volumes(scriptsConfigMap string) []corev1.Volume {
	return []corev1.Volume{
		{Name: "scripts", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: scriptsConfigMap},
			DefaultMode:          ptr.To[int32](0o444),
		}}},
		// Secrets pass between steps in memory only, and vanish with the
		// pod.
		{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("16Mi")),
		}}},
		// HOME and TMPDIR of read-only root filesystems; here-documents
		// holding a password land here, so in memory too.
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("64Mi")),
		}}},
	}
}

// Spec is what tells one Job from another.
type Spec struct {
	// NamePrefix starts the Job's name, which ends in "-" and a hash of
	// its spec.
	NamePrefix string
	Namespace  string
	// Labels are the Job's; PodLabels its pods', which must never change
	// for the same spec.
	Labels, PodLabels map[string]string
	ServiceAccount    string
	// ScriptsConfigMap holds the scripts the steps run.
	ScriptsConfigMap string
	// Steps run one after the other, as init containers; any failure
	// fails the pod. Last runs once they all succeeded.
	Steps []corev1.Container
	Last  corev1.Container
}

// Job runs s. A Job's pod template is immutable, so its name ends in a
// hash of its spec: a changed spec (a new endpoint, host or script) is a
// new Job, which runs again, and an unchanged one never is.
func Job(s Spec) (*batchv1.Job, error) {
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Labels: s.Labels},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](BackoffLimit),
			ActiveDeadlineSeconds: ptr.To[int64](DeadlineSeconds),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: s.PodLabels},
				Spec: corev1.PodSpec{
					ServiceAccountName: s.ServiceAccount,
					// EKS Pod Identity mounts a token of its own; the Job
					// never calls the Kubernetes API.
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					// A failed pod is replaced by one with a fresh work
					// volume: every step is idempotent, so a run starts over.
					RestartPolicy:   corev1.RestartPolicyNever,
					SecurityContext: RestrictedPodSecurityContext(),
					InitContainers:  s.Steps,
					Containers:      []corev1.Container{s.Last},
					Volumes:         Volumes(s.ScriptsConfigMap),
				},
			},
		},
	}
	spec, err := json.Marshal(job.Spec)
	if err != nil {
		return nil, errors.Wrapf(err, "cannot marshal the spec of Job %s", s.NamePrefix)
	}
	sum := sha256.Sum256(spec)
	job.Name = fmt.Sprintf("%s-%s", s.NamePrefix, hex.EncodeToString(sum[:])[:8])
	return job, nil
}

// Object is the provider-kubernetes Object of job, through providerConfig,
// ready once the Job succeeded.
func Object(job *batchv1.Job, providerConfig string) (*kubev1alpha2.Object, error) {
	return compose.KubernetesObject(job, providerConfig, kubev1alpha2.Readiness{
		Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
		CelQuery: SucceededQuery,
	})
}

// Resource is the composition name of the Object of job: prefix and the
// hash job's name ends in, so that a Job of a new spec is a new Object,
// and Crossplane deletes the Object, and so the Job, of the old spec.
func Resource(prefix string, job *batchv1.Job) frsc.Name {
	return frsc.Name(prefix + job.Name[strings.LastIndex(job.Name, "-")+1:])
}

// Observed is the namespace and name of the Job observed through the
// Object name, empty unless that is the Job the Object asks for: an
// Object still reporting the Job of a previous spec reports nothing.
func Observed(observed map[frsc.Name]frsc.ObservedComposed, name frsc.Name) (namespace, job string) {
	oc, ok := observed[name]
	if !ok || oc.Resource == nil {
		return "", ""
	}
	want, _ := oc.Resource.GetString("spec.forProvider.manifest.metadata.name")
	got, _ := oc.Resource.GetString("status.atProvider.manifest.metadata.name")
	if want == "" || want != got {
		return "", ""
	}
	namespace, _ = oc.Resource.GetString("status.atProvider.manifest.metadata.namespace")
	return namespace, got
}

// Succeeded reports whether the Job the Object name asks for was observed
// succeeded.
func Succeeded(observed map[frsc.Name]frsc.ObservedComposed, name frsc.Name) bool {
	if _, job := Observed(observed, name); job == "" {
		return false
	}
	n, err := observed[name].Resource.GetInteger("status.atProvider.manifest.status.succeeded")
	return err == nil && n >= 1
}

// Failure is why the Job the Object name asks for failed for good, as
// "reason: message", empty unless it has. It is not retried until its
// spec changes or an operator deletes it, which provider-kubernetes
// answers with a new run.
func Failure(observed map[frsc.Name]frsc.ObservedComposed, name frsc.Name) string {
	if _, job := Observed(observed, name); job == "" {
		return ""
	}
	var conditions []batchv1.JobCondition
	if err := observed[name].Resource.GetValueInto("status.atProvider.manifest.status.conditions", &conditions); err != nil {
		return ""
	}
	for _, c := range conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			return c.Reason + ": " + c.Message
		}
	}
	return ""
}
