package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomizeFacts is the part of the facts file this test reads: Tutor's
// kustomization.yml reduced to what names ConfigMaps and their references,
// and the containers of Tutor's Deployments and Jobs.
type kustomizeFacts struct {
	Kustomization string `json:"kustomization"`
	Deployments   map[string]struct {
		Container string `json:"container"`
		When      string `json:"when"`
	} `json:"deployments"`
	Jobs map[string]struct {
		Container string `json:"container"`
	} `json:"jobs"`
}

// TestTutorPluginKustomizeCA runs the real kustomize (the library kubectl
// kustomize embeds, which Tutor runs over its env) over a kustomization
// shaped like Tutor's, with the plugin's rendered
// kustomization-configmapgenerator and k8s-override patches. kustomize
// must give the CA's ConfigMap a content-hash name and rewrite every volume
// the overrides add to that name: a pod that mounts the unhashed name
// waits for a ConfigMap that does not exist.
func TestTutorPluginKustomizeCA(t *testing.T) {
	b, err := os.ReadFile(tutorFactsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f kustomizeFacts
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Kustomization == "" || len(f.Deployments) == 0 || len(f.Jobs) == 0 {
		t.Fatalf("%s lacks Tutor's kustomization, Deployments or Jobs", tutorFactsFile)
	}

	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if out, err := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", filepath.Join(dir, "ca.key"), "-out", caFile, "-days", "1", "-subj", "/CN=MongoDB CA").CombinedOutput(); err != nil {
		t.Fatalf("openssl (tools/deps/debian.txt): %v\n%s", err, out)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	c := demoPluginConfig(false)
	c["AWSPLATFORM_MONGODB_CA_CERT"] = string(pem)
	// pymongo opens the CA file the settings name.
	c["AWSPLATFORM_MONGODB_CA_FILE"] = caFile
	r := checkPlugin(t, c, false)

	// Tutor's objects the overrides patch (a patch of a missing object
	// fails kustomize): every Deployment but tutor-mfe's, and the Jobs.
	var resources []string
	for name, d := range f.Deployments {
		if d.When == "mfe" {
			continue
		}
		resources = append(resources, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "+name+
			"\nspec:\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: "+name+
			"\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: "+name+
			"\n    spec:\n      containers:\n        - name: "+d.Container+"\n          image: docker.io/overhangio/openedx:21.0.8\n")
	}
	var jobs []string
	for name, j := range f.Jobs {
		jobs = append(jobs, "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: "+name+
			"\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: "+j.Container+
			"\n          image: docker.io/overhangio/openedx:21.0.8\n")
	}
	slices.Sort(resources)
	slices.Sort(jobs)

	// Tutor's patch() in place, as its jinja2 renders it.
	kustomization := strings.NewReplacer(
		"{{ K8S_NAMESPACE }}", "openedx-demo",
		"{{ ID }}", "abc123",
		`{{ patch("kustomization-configmapgenerator") }}`, r.Rendered["kustomization-configmapgenerator"],
	).Replace(f.Kustomization)
	fs := filesys.MakeFsInMemory()
	for path, text := range map[string]string{
		"/env/kustomization.yml":               kustomization,
		"/env/k8s/deployments.yml":             strings.Join(resources, "---\n"),
		"/env/k8s/jobs.yml":                    strings.Join(jobs, "---\n"),
		"/env/k8s/override.yml":                r.Rendered["k8s-override"],
		"/env/apps/openedx/config/lms.env.yml": "PLATFORM_NAME: demo\n",
	} {
		if err := fs.WriteFile(path, []byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/env")
	if err != nil {
		t.Fatalf("kustomize build of Tutor's env with the plugin's patches: %v\n%s", err, kustomization)
	}

	var caName string
	mounts := map[string]string{}
	for _, res := range out.Resources() {
		y, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		switch res.GetKind() {
		case "ConfigMap":
			if !strings.HasPrefix(res.GetName(), "awsplatform-mongodb-ca") {
				continue
			}
			var cm corev1.ConfigMap
			if err := yaml.Unmarshal(y, &cm); err != nil {
				t.Fatal(err)
			}
			caName = cm.Name
			if diff := cmp.Diff(map[string]string{"ca.pem": string(pem)}, cm.Data); diff != "" {
				t.Errorf("ConfigMap %s data: -want, +got:\n%s", cm.Name, diff)
			}
		case "Deployment", "Job":
			var o struct {
				Spec struct {
					Template corev1.PodTemplateSpec `json:"template"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(y, &o); err != nil {
				t.Fatal(err)
			}
			for _, v := range o.Spec.Template.Spec.Volumes {
				if v.ConfigMap != nil && strings.HasPrefix(v.ConfigMap.Name, "awsplatform-mongodb-ca") {
					mounts[res.GetKind()+" "+res.GetName()] = v.ConfigMap.Name
				}
			}
		}
	}
	if caName == "" || caName == "awsplatform-mongodb-ca" {
		t.Fatalf("kustomize's CA ConfigMap is %q, want awsplatform-mongodb-ca with a content hash", caName)
	}
	// Every pod that runs edx-platform (those with the instance's AWS
	// identity) mounts the hashed name.
	want := map[string]string{}
	for _, o := range r.K8sOverride {
		if o.ServiceAccountName != nil {
			want[o.Kind+" "+o.Name] = caName
		}
	}
	if len(want) == 0 {
		t.Fatal("no override gives a pod the instance's identity")
	}
	if diff := cmp.Diff(want, mounts); diff != "" {
		t.Errorf("volumes of the CA ConfigMap after kustomize (its name is %s): -want, +got:\n%s", caName, diff)
	}
}
