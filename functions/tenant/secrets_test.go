package main

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// deliveryManifests runs configDeliveryObjects for the demo tenant and
// decodes its manifests.
func deliveryManifests(t *testing.T, pr provisioning) (*secretProviderClass, *appsv1.Deployment, []*kubev1alpha2.Object) {
	t.Helper()
	p := defaultPlan()
	rs, err := configDeliveryObjects(p, pr, p.labels("prod", "learning-platform"), "prod")
	if err != nil {
		t.Fatalf("configDeliveryObjects(...): %v", err)
	}
	if diff := cmp.Diff([]frsc.Name{nameConfigSecretProviderClass, nameConfigSync}, []frsc.Name{rs[0].Name, rs[1].Name}); diff != "" {
		t.Fatalf("configDeliveryObjects(...): -want names, +got names:\n%s", diff)
	}
	spc, deployment := &secretProviderClass{}, &appsv1.Deployment{}
	objs := make([]*kubev1alpha2.Object, 0, len(rs))
	for i, into := range []any{spc, deployment} {
		o := rs[i].Object.(*kubev1alpha2.Object)
		if o.Spec.ProviderConfigReference.Name != "prod" {
			t.Errorf("%s: providerConfigRef %q, want prod", rs[i].Name, o.Spec.ProviderConfigReference.Name)
		}
		if err := json.Unmarshal(o.Spec.ForProvider.Manifest.Raw, into); err != nil {
			t.Fatalf("%s: %v", rs[i].Name, err)
		}
		objs = append(objs, o)
	}
	return spc, deployment, objs
}

func TestSecretProviderClass(t *testing.T) {
	cases := map[string]struct {
		reason string
		pr     provisioning
	}{
		"Platform": {
			reason: "Every key of the configuration and every credential, from the instance's secret, synced into one Secret.",
			pr:     wantDemoProvisioning(),
		},
		"ExternalMongoDB": {
			reason: "Without a MongoDB CA the Job stores no AWSPLATFORM_MONGODB_CA_CERT, and none is asked for: a missing key would fail the mount.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.MongoDBCASecretARN = ""
				return pr
			}(),
		},
		"NoDomain": {
			reason: "Without a static URL the Job stores no AWSPLATFORM_STATIC_URL, and none is asked for: a missing key would fail the mount.",
			pr: func() provisioning {
				pr := wantDemoProvisioning()
				pr.StaticURL, pr.SMTPUser = "", ""
				return pr
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := defaultPlan()
			spc, _, objs := deliveryManifests(t, tc.pr)
			keys := slices.Sorted(maps.Keys(tutorConfig(p, tc.pr)))
			keys = append(keys, tutorSecretKeys...)
			// The Job stores the platform's MongoDB CA certificate.
			if tc.pr.MongoDBCASecretARN != "" {
				keys = append(keys, "AWSPLATFORM_MONGODB_CA_CERT")
			}
			slices.Sort(keys)

			if spc.APIVersion != "secrets-store.csi.x-k8s.io/v1" || spc.Kind != "SecretProviderClass" ||
				spc.Name != configSecretName || spc.Namespace != "openedx-demo" || spc.Spec.Provider != "aws" {
				t.Errorf("%s\nSecretProviderClass %s %s %s/%s provider %q, want secrets-store.csi.x-k8s.io/v1 SecretProviderClass openedx-demo/openedx-tutor-config provider aws",
					tc.reason, spc.APIVersion, spc.Kind, spc.Namespace, spc.Name, spc.Spec.Provider)
			}
			if diff := cmp.Diff([]string{"objects", "region", "usePodIdentity"}, slices.Sorted(maps.Keys(spc.Spec.Parameters))); diff != "" {
				t.Errorf("%s\nparameters: -want, +got:\n%s", tc.reason, diff)
			}
			if spc.Spec.Parameters["region"] != "eu-west-1" || spc.Spec.Parameters["usePodIdentity"] != "true" {
				t.Errorf("%s\nparameters %v, want region eu-west-1 and usePodIdentity true", tc.reason, spc.Spec.Parameters)
			}

			var objects []ascpObject
			if err := yaml.UnmarshalStrict([]byte(spc.Spec.Parameters["objects"]), &objects); err != nil {
				t.Fatalf("%s\nobjects is not the provider's YAML: %v\n%s", tc.reason, err, spc.Spec.Parameters["objects"])
			}
			wantPaths := make([]ascpJMESPath, 0, len(keys))
			wantData := make([]secretObjectData, 0, len(keys))
			for _, k := range keys {
				wantPaths = append(wantPaths, ascpJMESPath{Path: k, ObjectAlias: k})
				wantData = append(wantData, secretObjectData{ObjectName: k, Key: k})
			}
			wantObjects := []ascpObject{{ObjectName: tc.pr.SecretID, ObjectType: "secretsmanager", ObjectAlias: "tutor-config.json", JMESPath: wantPaths}}
			if diff := cmp.Diff(wantObjects, objects); diff != "" {
				t.Errorf("%s\nobjects: -want, +got:\n%s", tc.reason, diff)
			}
			wantSecrets := []secretObject{{SecretName: configSecretName, Type: "Opaque", Labels: p.labels("prod", "learning-platform"), Data: wantData}}
			if diff := cmp.Diff(wantSecrets, spc.Spec.SecretObjects); diff != "" {
				t.Errorf("%s\nsecretObjects: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(keys, tutorConfigKeys(p, tc.pr)); diff != "" {
				t.Errorf("%s\ntutorConfigKeys(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(kubev1alpha2.Readiness{}, objs[0].Spec.Readiness); diff != "" {
				t.Errorf("%s\nSecretProviderClass readiness: -want, +got:\n%s", tc.reason, diff)
			}

			// Deterministic: the same input is the same manifest, byte for byte.
			_, _, again := deliveryManifests(t, tc.pr)
			if string(objs[0].Spec.ForProvider.Manifest.Raw) != string(again[0].Spec.ForProvider.Manifest.Raw) {
				t.Errorf("%s\nthe SecretProviderClass differs between two calls", tc.reason)
			}
			raw := objs[0].Spec.ForProvider.Manifest.Raw
			if path := credentialField(t, raw); path != "" {
				t.Errorf("%s\nthe SecretProviderClass has a credential-named field %s", tc.reason, path)
			}
		})
	}
}

func TestConfigSyncDeployment(t *testing.T) {
	p := defaultPlan()
	_, d, objs := deliveryManifests(t, wantDemoProvisioning())
	labels := p.labels("prod", "learning-platform")
	labels[labelName] = configSyncName

	if d.Name != "openedx-tutor-config-sync" || d.Namespace != "openedx-demo" {
		t.Errorf("Deployment %s/%s, want openedx-demo/openedx-tutor-config-sync", d.Namespace, d.Name)
	}
	if diff := cmp.Diff(labels, d.Labels); diff != "" {
		t.Errorf("Deployment labels: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(labels, d.Spec.Template.Labels); diff != "" {
		t.Errorf("pod labels: -want, +got:\n%s", diff)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the selector's %s=%s does not select the pods", k, v)
		}
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want 1", d.Spec.Replicas)
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable.IntValue() != 0 || ru.MaxSurge.IntValue() != 1 {
		t.Errorf("rolling update %+v: the new pod must start before the old one stops, or the Secret is deleted in between", ru)
	}
	ps := d.Spec.Template.Spec
	if ps.ServiceAccountName != "openedx" {
		t.Errorf("serviceAccountName %q, want openedx, the instance's Pod Identity", ps.ServiceAccountName)
	}
	assertRestricted(t, "Deployment", ps)
	if len(ps.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(ps.Containers))
	}
	c := ps.Containers[0]
	if c.Image != "registry.k8s.io/pause:3.10" {
		t.Errorf("image %q, want registry.k8s.io/pause:3.10", c.Image)
	}
	r := c.Resources
	if r.Requests.Cpu().String() != "10m" || r.Requests.Memory().String() != "16Mi" || r.Limits.Memory().String() != "32Mi" || len(r.Limits) != 1 {
		t.Errorf("resources %+v, want requests 10m/16Mi and a 32Mi memory limit only", r)
	}
	wantVolumes := []corev1.Volume{{Name: "tutor-config", VolumeSource: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{
		Driver:           "secrets-store.csi.k8s.io",
		ReadOnly:         ptr.To(true),
		VolumeAttributes: map[string]string{"secretProviderClass": "openedx-tutor-config"},
	}}}}
	if diff := cmp.Diff(wantVolumes, ps.Volumes); diff != "" {
		t.Errorf("volumes: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]corev1.VolumeMount{{Name: "tutor-config", MountPath: "/mnt/tutor-config", ReadOnly: true}}, c.VolumeMounts); diff != "" {
		t.Errorf("volume mounts: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(kubev1alpha2.Readiness{Policy: kubev1alpha2.ReadinessPolicyDeriveFromCelQuery, CelQuery: configSynced}, objs[1].Spec.Readiness); diff != "" {
		t.Errorf("Deployment readiness: -want, +got:\n%s", diff)
	}
}
