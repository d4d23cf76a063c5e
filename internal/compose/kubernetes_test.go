package compose

import (
	"encoding/json"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// An Object's manifest is composed from the content KubernetesObject keeps
// beside its JSON: what Desired.Add composes must be what the Object's own
// JSON says once converted the SDK's way, and building it must leave its
// input as it was.
func TestKubernetesObject(t *testing.T) {
	if err := kubev1alpha2.SchemeBuilder.AddToScheme(composed.Scheme); err != nil {
		t.Fatal(err)
	}
	deployment := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "sync", Namespace: "demo", Labels: map[string]string{"app": "sync"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "sync"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "sync"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
	observed := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "kept", "creationTimestamp": "2026-12-04T00:00:00Z"},
		"data":     map[string]any{"a": "b", "gone": nil},
		"status":   map[string]any{},
	}
	observedBefore := runtime.DeepCopyJSON(observed)

	cases := map[string]struct {
		reason   string
		manifest any
	}{
		"Typed": {
			reason:   "A typed object loses its empty status and null creationTimestamps.",
			manifest: deployment,
		},
		"Unstructured": {
			reason:   "Unstructured content, such as an observed manifest kept as it is, is copied and cleaned the same way.",
			manifest: &unstructured.Unstructured{Object: observed},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obj, err := KubernetesObject(tc.manifest, "prod", kubev1alpha2.Readiness{})
			if err != nil {
				t.Fatal(err)
			}
			var fromRaw map[string]any
			if err := json.Unmarshal(obj.Spec.ForProvider.Manifest.Raw, &fromRaw); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(asSent(t, fromRaw), asSent(t, manifestOf(obj))); diff != "" {
				t.Errorf("%s\nRaw and Object disagree: -Raw, +Object:\n%s", tc.reason, diff)
			}
			for _, path := range [][]string{{"status"}, {"metadata", "creationTimestamp"}, {"spec", "template", "metadata", "creationTimestamp"}, {"data", "gone"}} {
				if _, found, _ := unstructured.NestedFieldNoCopy(fromRaw, path...); found {
					t.Errorf("%s\nthe manifest has %v", tc.reason, path)
				}
			}

			// What the SDK composes from the Object's JSON alone.
			viaJSON, err := composed.From(&kubev1alpha2.Object{Spec: kubev1alpha2.ObjectSpec{
				ResourceSpec: obj.Spec.ResourceSpec,
				ForProvider:  kubev1alpha2.ObjectParameters{Manifest: runtime.RawExtension{Raw: obj.Spec.ForProvider.Manifest.Raw}},
			}})
			if err != nil {
				t.Fatal(err)
			}
			delete(viaJSON.Object, "status")
			pruneNulls(viaJSON.Object)
			d := &Desired{Resources: map[resource.Name]*resource.DesiredComposed{}}
			if err := d.Add("object", obj); err != nil {
				t.Fatal(err)
			}
			// As the response carries them: numbers are numbers, whether
			// int64 from typed content or float64 from JSON.
			if diff := cmp.Diff(asSent(t, viaJSON.Object), asSent(t, d.Resources["object"].Resource.Object)); diff != "" {
				t.Errorf("%s\nDesired.Add: -through JSON, +from content:\n%s", tc.reason, diff)
			}
		})
	}
	if diff := cmp.Diff(observedBefore, observed); diff != "" {
		t.Errorf("KubernetesObject changed its unstructured input: -before, +after:\n%s", diff)
	}
}

// asSent is content as a RunFunctionResponse carries it.
func asSent(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s.AsMap()
}
