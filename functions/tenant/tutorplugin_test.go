package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// pluginFile is the part of a Tutor YAML plugin these tests read.
type pluginFile struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Config  struct {
		Defaults map[string]any `json:"defaults"`
	} `json:"config"`
	Patches map[string]string `json:"patches"`
}

func readPlugin(t *testing.T) pluginFile {
	t.Helper()
	var pf pluginFile
	if err := yaml.UnmarshalStrict([]byte(tutorPlugin), &pf); err != nil {
		t.Fatalf("the plugin is not a Tutor YAML plugin: %v", err)
	}
	return pf
}

func TestTutorPluginShape(t *testing.T) {
	pf := readPlugin(t)
	if pf.Name != "awsplatform" || pf.Version == "" {
		t.Errorf("name %q version %q", pf.Name, pf.Version)
	}
	var patches []string
	for k := range pf.Patches {
		patches = append(patches, k)
	}
	slices.Sort(patches)
	// Production settings come after every plugin's common settings, so
	// that tutor-forum's database name is overridden, not the reverse.
	want := []string{"k8s-override", "openedx-cms-production-settings", "openedx-common-settings", "openedx-lms-production-settings"}
	if diff := cmp.Diff(want, patches); diff != "" {
		t.Errorf("patches: -want, +got:\n%s", diff)
	}
}

// TestTutorPluginKeys checks that every plugin key the patches use is
// declared, and that the instance's configuration sets exactly the
// declared keys it must, so the Secret and the plugin never drift apart.
func TestTutorPluginKeys(t *testing.T) {
	pf := readPlugin(t)
	used := map[string]bool{}
	for _, text := range pf.Patches {
		for _, m := range regexp.MustCompile(`AWSPLATFORM_([A-Z0-9_]+)`).FindAllStringSubmatch(text, -1) {
			used[m[1]] = true
		}
	}
	for k := range used {
		if _, ok := pf.Config.Defaults[k]; !ok {
			t.Errorf("patches use AWSPLATFORM_%s, which config.defaults does not declare", k)
		}
	}
	for k := range pf.Config.Defaults {
		if !used[k] {
			t.Errorf("config.defaults declares %s, which no patch uses", k)
		}
	}
}

// TestTutorPluginRenders renders the patches with jinja2, as Tutor does,
// and compiles the Python settings. It needs python3 with jinja2 and
// PyYAML, which Tutor itself needs; it is skipped without them.
func TestTutorPluginRenders(t *testing.T) {
	if err := exec.Command("python3", "-c", "import jinja2, yaml").Run(); err != nil {
		t.Skip("python3 with jinja2 and PyYAML is not available")
	}
	config := map[string]any{
		"REDIS_USERNAME": "default", "REDIS_PASSWORD": "x", "REDIS_HOST": "master.prod-cache.abc.euw1.cache.amazonaws.com",
		"REDIS_PORT": 6379, "OPENEDX_CELERY_REDIS_DB": 4,
		"AWSPLATFORM_MONGODB_HOSTS": "10.40.64.10:27017,10.40.80.10:27017,10.40.96.10:27017",
		"AWSPLATFORM_S3_BUCKET":     "prod-demo-123456789012-eu-west-1", "AWSPLATFORM_S3_REGION": "eu-west-1",
		// Every optional branch is rendered.
		"AWSPLATFORM_STATIC_ON_CDN": true, "AWSPLATFORM_STATIC_URL": "https://static.example.org/demo/",
		"AWSPLATFORM_STATIC_BUCKET": "prod-static-123456789012-eu-west-1", "AWSPLATFORM_STATIC_LOCATION": "demo",
	}
	in, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "testdata/render_tutor_plugin.py", "tutor/awsplatform.yml")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rendering the plugin: %v\n%s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	override := func(name, cpu, memory string) map[string]any {
		return map[string]any{
			"name": name, "serviceAccountName": "openedx",
			"topologyKeys": []any{"topology.kubernetes.io/zone", "kubernetes.io/hostname"},
			"requests":     map[string]any{"cpu": cpu, "memory": memory},
		}
	}
	want := map[string]any{
		"openedx-common-settings":         "compiles",
		"openedx-lms-production-settings": "compiles",
		"openedx-cms-production-settings": "compiles",
		"k8s-override": []any{
			override("lms", "500m", "2Gi"), override("cms", "500m", "2Gi"),
			override("lms-worker", "250m", "1Gi"), override("cms-worker", "250m", "1Gi"),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rendered patches: -want, +got:\n%s", diff)
	}
	if !strings.Contains(tutorPlugin, "rediss://") {
		t.Error("the plugin must switch Redis to TLS")
	}
}
