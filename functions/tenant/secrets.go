package main

import (
	"maps"
	"slices"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/errors"
	frsc "github.com/crossplane/function-sdk-go/resource"
	"go.yaml.in/yaml/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/provisionjob"
)

// The instance's Tutor configuration reaches its namespace through the
// Secrets Store CSI driver and its AWS provider (ASCP): they read the
// instance's Secrets Manager secret with the instance's own role, through
// EKS Pod Identity, and sync it into a Kubernetes Secret with one key per
// Tutor setting. Crossplane never sees a value.

// Names of the delivery Objects.
const (
	nameConfigSecretProviderClass frsc.Name = "tutor-config-secret-provider-class"
	nameConfigSync                frsc.Name = "tutor-config-sync"
)

const (
	// configSyncName is the Deployment whose pod mounts the configuration.
	configSyncName = "openedx-tutor-config-sync"
	// imagePause does nothing, in a few hundred kilobytes.
	imagePause = "registry.k8s.io/pause:3.10"
	// secretsStoreDriver is the Secrets Store CSI driver's name.
	secretsStoreDriver = "secrets-store.csi.k8s.io"
	// configFileAlias is the whole configuration's file in the mount.
	configFileAlias = "tutor-config.json"
)

// configSynced is the sync Deployment's readiness: a pod has mounted the
// configuration, so the Secret exists.
const configSynced = "has(object.status) && has(object.status.availableReplicas) && object.status.availableReplicas >= 1"

// secretProviderClass is a secrets-store.csi.x-k8s.io/v1
// SecretProviderClass: only the fields used here.
type secretProviderClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              secretProviderClassSpec `json:"spec"`
}

type secretProviderClassSpec struct {
	Provider      string            `json:"provider"`
	Parameters    map[string]string `json:"parameters"`
	SecretObjects []secretObject    `json:"secretObjects,omitempty"`
}

// secretObject is a Kubernetes Secret the driver syncs from mounted
// objects.
type secretObject struct {
	SecretName string             `json:"secretName"`
	Type       string             `json:"type"`
	Labels     map[string]string  `json:"labels,omitempty"`
	Data       []secretObjectData `json:"data"`
}

type secretObjectData struct {
	// ObjectName is the mounted object's name: its alias.
	ObjectName string `json:"objectName"`
	Key        string `json:"key"`
}

// ascpObject is an entry of the AWS provider's "objects" parameter, which
// the provider reads with sigs.k8s.io/yaml, that is by its json names. The
// yaml tags spell the same names: the function writes it with the YAML
// library straight from the struct, a third of sigs.k8s.io/yaml's trip
// through JSON and back.
type ascpObject struct {
	ObjectName  string         `json:"objectName" yaml:"objectName"`
	ObjectType  string         `json:"objectType" yaml:"objectType"`
	ObjectAlias string         `json:"objectAlias,omitempty" yaml:"objectAlias,omitempty"`
	JMESPath    []ascpJMESPath `json:"jmesPath,omitempty" yaml:"jmesPath,omitempty"`
}

// ascpJMESPath mounts one key of a JSON secret as its own object.
type ascpJMESPath struct {
	Path        string `json:"path" yaml:"path"`
	ObjectAlias string `json:"objectAlias" yaml:"objectAlias"`
}

// tutorConfigKeys are the keys of the instance's secret, sorted: what the
// Job stores, the configuration and its credentials.
func tutorConfigKeys(p *plan, pr provisioning) []string {
	keys := slices.Collect(maps.Keys(tutorConfig(p, pr)))
	keys = append(keys, tutorSecretKeys...)
	// The Job adds the platform's MongoDB CA certificate when there is one.
	if mongodbCAFile(pr) != "" {
		keys = append(keys, keyMongoDBCACert)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// configDeliveryObjects sync the instance's configuration into the Secret
// configSecretName of its namespace, one key per Tutor setting.
//
// The driver syncs a Secret only while a pod mounts the volume, and
// deletes it with the last such pod; Tutor's own pods cannot be the ones,
// since Tutor renders them. So a one-replica Deployment of the pause image
// holds the mount, as the instance's ServiceAccount, whose role may read
// the instance's secret and nothing else of the platform's. Rollouts start
// the new pod before stopping the old one, so the Secret stays.
//
// The keys must all be in the stored secret, or the mount fails: they are
// what the provisioning Job stores for the same configuration, so a
// change of keys (a static domain appearing) heals once the Job has run.
func configDeliveryObjects(p *plan, pr provisioning, labels map[string]string, providerConfig string) ([]compose.Resource, error) {
	keys := tutorConfigKeys(p, pr)
	paths := make([]ascpJMESPath, 0, len(keys))
	data := make([]secretObjectData, 0, len(keys))
	for _, k := range keys {
		// Tutor's keys are JMESPath identifiers: upper-case letters,
		// digits and underscores, starting with a letter.
		paths = append(paths, ascpJMESPath{Path: k, ObjectAlias: k})
		data = append(data, secretObjectData{ObjectName: k, Key: k})
	}
	objects, err := yaml.Marshal([]ascpObject{{
		ObjectName:  pr.SecretID,
		ObjectType:  "secretsmanager",
		ObjectAlias: configFileAlias,
		JMESPath:    paths,
	}})
	if err != nil {
		return nil, errors.Wrap(err, "cannot marshal the SecretProviderClass's objects")
	}
	spc := &secretProviderClass{
		TypeMeta:   metav1.TypeMeta{APIVersion: "secrets-store.csi.x-k8s.io/v1", Kind: "SecretProviderClass"},
		ObjectMeta: metav1.ObjectMeta{Name: configSecretName, Namespace: p.Namespace, Labels: labels},
		Spec: secretProviderClassSpec{
			Provider: "aws",
			Parameters: map[string]string{
				// Spares the provider a look-up of the node's region per mount.
				"region":         pr.Region,
				"usePodIdentity": "true",
				"objects":        string(objects),
			},
			SecretObjects: []secretObject{{SecretName: configSecretName, Type: string(corev1.SecretTypeOpaque), Labels: labels, Data: data}},
		},
	}
	// Not a runtime.Object of its own: no deep copy to generate for one
	// builder.
	spcObj, err := compose.KubernetesObject(spc, providerConfig, kubev1alpha2.Readiness{})
	if err != nil {
		return nil, err
	}

	podLabels := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		podLabels[k] = v
	}
	podLabels[labelName] = configSyncName
	deployment := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: configSyncName, Namespace: p.Namespace, Labels: podLabels},
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr.To[int32](1),
			RevisionHistoryLimit: ptr.To[int32](2),
			// Immutable: labels that never change.
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{
				labelName:                    configSyncName,
				"app.kubernetes.io/instance": p.Instance,
			}},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr.To(intstr.FromInt32(0)),
					MaxSurge:       ptr.To(intstr.FromInt32(1)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					ServiceAccountName: serviceAccountName,
					// The driver asks for the Pod Identity token itself.
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					SecurityContext:              provisionjob.RestrictedPodSecurityContext(),
					Containers: []corev1.Container{{
						Name:            "pause",
						Image:           imagePause,
						ImagePullPolicy: corev1.PullIfNotPresent,
						SecurityContext: provisionjob.RestrictedContainerSecurityContext(),
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: sizeConfigSync.CPU, corev1.ResourceMemory: sizeConfigSync.Memory},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: sizeConfigSync.MemoryLimit},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "tutor-config", MountPath: "/mnt/tutor-config", ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: "tutor-config", VolumeSource: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{
						Driver:           secretsStoreDriver,
						ReadOnly:         ptr.To(true),
						VolumeAttributes: map[string]string{"secretProviderClass": configSecretName},
					}}}},
				},
			},
		},
	}
	syncObj, err := compose.KubernetesObject(deployment, providerConfig, kubev1alpha2.Readiness{
		Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
		CelQuery: configSynced,
	})
	if err != nil {
		return nil, err
	}
	return []compose.Resource{
		{Name: nameConfigSecretProviderClass, Object: spcObj},
		{Name: nameConfigSync, Object: syncObj},
	}, nil
}
