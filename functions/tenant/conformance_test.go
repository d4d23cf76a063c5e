package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// tutorFactsFile pins what Tutor v21 does, written from its source.
const tutorFactsFile = "../../test/tutor/testdata/tutor-v21-facts.yaml"

type tutorFacts struct {
	Tutor string `json:"tutor"`
	// DefaultPlugins are those a new Tutor root enables; FullExtraPlugins
	// those `pip install "tutor[full]"` installs.
	DefaultPlugins   []string `json:"defaultPlugins"`
	FullExtraPlugins []string `json:"fullExtraPlugins"`
	InitTasks        map[string][]struct {
		Service string   `json:"service"`
		Script  string   `json:"script"`
		Needs   []string `json:"needs"`
		Creates []string `json:"creates"`
	} `json:"initTasks"`
	RequiredInitContexts         []string `json:"requiredInitContexts"`
	OptionalInitContexts         []string `json:"optionalInitContexts"`
	JobsRenderedThroughKustomize bool     `json:"jobsRenderedThroughKustomize"`
	JobsRunOneAtATime            bool     `json:"jobsRunOneAtATime"`
	Jobs                         map[string]struct {
		Container string `json:"container"`
	} `json:"jobs"`
	Deployments map[string]struct {
		Container string            `json:"container"`
		Port      int               `json:"port"`
		Selector  map[string]string `json:"selector"`
		When      string            `json:"when"`
	} `json:"deployments"`
	AllowedHosts  map[string][]string `json:"allowedHosts"`
	HeartbeatPath string              `json:"heartbeatPath"`
}

func readTutorFacts(t *testing.T) tutorFacts {
	t.Helper()
	b, err := os.ReadFile(tutorFactsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f tutorFacts
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", tutorFactsFile, err)
	}
	if f.Tutor != "v21.0.8" || len(f.InitTasks) == 0 || len(f.Deployments) == 0 {
		t.Fatalf("%s is not the Tutor v21.0.8 facts", tutorFactsFile)
	}
	return f
}

// readmeSection is the README's section "Running Open edX on a tenant".
func readmeSection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Running Open edX on a tenant\n")
	if !ok {
		t.Fatal(`README.md has no section "## Running Open edX on a tenant"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// readmeCommands are the shell commands of the README's section "Running
// Open edX on a tenant", in order: comments dropped, continuation lines
// joined, `a && b` split.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	var cmds []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readmeSection(t), -1) {
		text := strings.ReplaceAll(block[1], "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			if i := strings.Index(line, "#"); i >= 0 && !strings.Contains(line[:i], "'") {
				line = line[:i]
			}
			for _, c := range strings.Split(line, "&&") {
				if c = strings.Join(strings.Fields(c), " "); c != "" {
					cmds = append(cmds, c)
				}
			}
		}
	}
	if len(cmds) == 0 {
		t.Fatal("the README's section has no sh block")
	}
	return cmds
}

// TestReadmeInstallsTutorsDefaultPlugins checks that the README installs
// Tutor with the extra that brings the plugins a new Tutor root enables:
// plain `pip install tutor` has none, so the MFEs and the indigo theme
// would be missing.
func TestReadmeInstallsTutorsDefaultPlugins(t *testing.T) {
	f := readTutorFacts(t)
	if len(f.DefaultPlugins) == 0 {
		t.Fatal("the facts name no default plugin")
	}
	for _, p := range f.DefaultPlugins {
		if !slices.Contains(f.FullExtraPlugins, p) {
			t.Errorf("Tutor enables plugin %s by default, which tutor[full] does not install", p)
		}
	}
	major, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(f.Tutor, "v"), ".", 2)[0])
	if err != nil {
		t.Fatalf("Tutor version %q: %v", f.Tutor, err)
	}
	want := fmt.Sprintf(`pip install "tutor[full]>=%d.0.0,<%d.0.0"`, major, major+1)
	if !strings.Contains(readmeSection(t), want) {
		t.Errorf("the README's section does not install Tutor with its plugins: want %s", want)
	}
}

// TestReadmeSequence checks the README's commands against what Tutor v21
// runs: the plugin from the tenant's ConfigMap, no mysql init (it needs
// MySQL's root user), and init contexts in an order in which every task
// finds what it needs (the Meilisearch API key before lms, cms and forum).
func TestReadmeSequence(t *testing.T) {
	f := readTutorFacts(t)
	cmds := readmeCommands(t)
	joined := strings.Join(cmds, "\n")
	for _, want := range []string{
		"get configmap " + tutorPluginConfigMap,
		`{.data.` + strings.ReplaceAll(tutorPluginFile, ".", `\.`) + `}`,
		"tutor plugins enable awsplatform",
		"get secret openedx-tutor-config",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("the README's sequence lacks %q", want)
		}
	}
	start := slices.Index(cmds, "tutor k8s start")
	if start < 0 {
		t.Fatal("the README's sequence never runs `tutor k8s start`")
	}
	created := map[string]bool{}
	var contexts []string
	for i, c := range cmds {
		if strings.HasPrefix(c, "tutor k8s launch") {
			t.Errorf("%q runs every init context, mysql's included", c)
		}
		if !strings.HasPrefix(c, "tutor k8s do init") {
			continue
		}
		m := regexp.MustCompile(`^tutor k8s do init --limit=([a-z0-9-]+)$`).FindStringSubmatch(c)
		if m == nil {
			t.Errorf("%q: every init must be limited to a context, or mysql's runs too", c)
			continue
		}
		if i < start {
			t.Errorf("%q runs before `tutor k8s start`", c)
		}
		tasks, ok := f.InitTasks[m[1]]
		if !ok {
			t.Errorf("%q: Tutor v21 has no init context %s", c, m[1])
		}
		for _, task := range tasks {
			for _, need := range task.Needs {
				if !created[need] {
					t.Errorf("%q: %s needs %s, which no earlier init of the README creates", c, task.Script, need)
				}
			}
		}
		for _, task := range tasks {
			for _, c := range task.Creates {
				created[c] = true
			}
		}
		contexts = append(contexts, m[1])
	}
	for _, want := range append(slices.Clone(f.RequiredInitContexts), f.OptionalInitContexts...) {
		if !slices.Contains(contexts, want) {
			t.Errorf("the README never runs the init context %s", want)
		}
	}

	// The CDN switch: the LMS's collectstatic uploads the image's tree,
	// Studio's included, first; then the claim records the switch (its
	// Secret carries it to every operator), the operator's Tutor takes it
	// and the pods roll.
	upload := slices.Index(cmds, "tutor k8s exec lms env UPLOAD_STATIC_TO_S3=1 ./manage.py lms collectstatic --noinput")
	claim := slices.IndexFunc(cmds, func(c string) bool {
		return strings.HasPrefix(c, "kubectl ") && strings.Contains(c, " patch openedxtenant ") &&
			strings.Contains(c, `{"spec":{"staticAssets":{"servedFrom":"`+string(v1alpha1.StaticAssetsFromCDN)+`"}}}`)
	})
	sw := slices.Index(cmds, "tutor config save --set AWSPLATFORM_STATIC_ON_CDN=true")
	if upload < 0 || claim < upload || sw < claim || !slices.Contains(cmds[sw+1:], "tutor k8s start") {
		t.Errorf("the README must upload the static files (UPLOAD_STATIC_TO_S3=1 collectstatic in lms), set spec.staticAssets.servedFrom CDN on the claim, set AWSPLATFORM_STATIC_ON_CDN=true and run `tutor k8s start`, in that order; got %q", cmds)
	}
}

// objectManifests decodes the Objects' manifests.
func objectManifests(t *testing.T, rs []compose.Resource) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range rs {
		var m map[string]any
		if err := json.Unmarshal(r.Object.(*kubev1alpha2.Object).Spec.ForProvider.Manifest.Raw, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

// TestSelectorsMatchTutor checks that our autoscalers, disruption budgets
// and NetworkPolicies select Tutor's real Deployments and pods.
func TestSelectorsMatchTutor(t *testing.T) {
	f := readTutorFacts(t)
	p := defaultPlan()
	labels := p.labels("prod", "cc")
	work, err := workloadObjects(p, labels, "prod")
	if err != nil {
		t.Fatal(err)
	}
	iso, err := isolationObjects(p, labels, &network{VPCCIDR: "10.0.0.0/16", DataStorePorts: []int32{3306}}, "prod")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, m := range objectManifests(t, append(work, iso...)) {
		switch m["kind"] {
		case "HorizontalPodAutoscaler":
			name, _ := dig(m, "spec", "scaleTargetRef", "name").(string)
			if _, ok := f.Deployments[name]; !ok {
				t.Errorf("%s targets %q, which is not one of Tutor's Deployments", dig(m, "metadata", "name"), name)
			}
			checked++
		case "PodDisruptionBudget", "NetworkPolicy":
			sel, _ := dig(m, "spec", "selector", "matchLabels").(map[string]any)
			if m["kind"] == "NetworkPolicy" {
				sel, _ = dig(m, "spec", "podSelector", "matchLabels").(map[string]any)
			}
			if name, ok := sel[labelName].(string); ok {
				d, ok := f.Deployments[name]
				if !ok {
					t.Errorf("%s selects %s=%s, which no Tutor Deployment's pods carry", dig(m, "metadata", "name"), labelName, name)
				}
				for k, v := range sel {
					if d.Selector[k] != v && k != "app.kubernetes.io/part-of" {
						t.Errorf("%s selects %s=%v; Tutor's %s pods have %v", dig(m, "metadata", "name"), k, v, name, d.Selector)
					}
				}
				checked++
			}
		}
	}
	if checked < 7 {
		t.Errorf("checked %d selectors, want the 4 autoscalers, 3 budgets and the caddy NetworkPolicy at least", checked)
	}
}

// TestPluginPatchesMatchTutor checks the plugin's k8s-override against
// Tutor's objects: every patched object exists with that container, every
// Deployment and Job of Tutor's that runs Open edX code gets the
// instance's ServiceAccount, the probes use Tutor's ports, paths and a
// Host Django accepts, and every container Tutor runs has explicit sizes.
func TestPluginPatchesMatchTutor(t *testing.T) {
	f := readTutorFacts(t)
	r := checkPlugin(t, demoPluginConfig(false), true)
	patched := map[string]renderedPatch{}
	for _, p := range r.K8sOverride {
		patched[p.Name] = p
		switch p.Kind {
		case "Deployment":
			d, ok := f.Deployments[p.Name]
			if !ok || d.Container != p.Container {
				t.Errorf("patch of Deployment %s container %s: Tutor's is %+v", p.Name, p.Container, d)
			}
			if pr := p.ReadinessProbe; pr != nil {
				port := dig(pr, "httpGet", "port")
				if port == nil {
					port = dig(pr, "tcpSocket", "port")
				}
				if port != float64(d.Port) {
					t.Errorf("%s readiness probe port %v, Tutor's container listens on %d", p.Name, port, d.Port)
				}
				if path := dig(pr, "httpGet", "path"); path != nil && (p.Name == "lms" || p.Name == "cms") {
					if path != f.HeartbeatPath {
						t.Errorf("%s probe path %v, want %s", p.Name, path, f.HeartbeatPath)
					}
					hs, _ := dig(pr, "httpGet").(map[string]any)["httpHeaders"].([]any)
					if len(hs) != 1 || !slices.Contains(f.AllowedHosts[p.Name], dig(hs[0], "value").(string)) {
						t.Errorf("%s probe Host %v is not in Django's ALLOWED_HOSTS %v", p.Name, hs, f.AllowedHosts[p.Name])
					}
				}
			}
		case "Job":
			j, ok := f.Jobs[p.Name]
			if !ok || j.Container != p.Container {
				t.Errorf("patch of Job %s container %s: Tutor's is %+v", p.Name, p.Container, j)
			}
			if !f.JobsRenderedThroughKustomize {
				t.Errorf("Job %s is patched through k8s-override, which reaches Jobs only if Tutor renders them through kustomize", p.Name)
			}
		}
	}
	for _, name := range []string{"lms", "cms", "lms-worker", "cms-worker", "lms-job", "cms-job"} {
		p, ok := patched[name]
		if !ok || p.ServiceAccountName == nil || *p.ServiceAccountName != serviceAccountName {
			t.Errorf("%s must run as ServiceAccount %s: %+v", name, serviceAccountName, p)
		}
		if ok && p.Env["AWS_REGION"] != wantDemoProvisioning().Region {
			t.Errorf("%s must know the bucket's region: env %v", name, p.Env)
		}
	}
	for name, d := range f.Deployments {
		p, ok := patched[name]
		if !ok {
			if d.When == "" || d.When == "mfe" || d.When == "RUN_MEILISEARCH" {
				t.Errorf("Deployment %s (%s) gets no explicit sizes", name, d.When)
			}
			continue
		}
		if p.Requests["cpu"] == "" || p.Requests["memory"] == "" || p.Limits["memory"] == "" {
			t.Errorf("Deployment %s: requests %v limits %v", name, p.Requests, p.Limits)
		}
		if slices.Contains([]string{"lms", "cms", "caddy", "mfe"}, name) && p.ReadinessProbe == nil {
			t.Errorf("Deployment %s serves users and has no readiness probe", name)
		}
	}
	if c := patched[deploymentCaddy]; c.Replicas == nil || *c.Replicas < 2 || c.Spread["topology.kubernetes.io/zone"] != "DoNotSchedule" {
		t.Errorf("caddy needs at least 2 replicas in different zones for its budget to protect anything: %+v", c)
	}
}

// TestQuotaFitsAtMaximums adds up what the plugin actually sets on each
// container (rendered from the tenant's Tutor configuration) with every
// autoscaler at its maximum, and checks the quota holds it, for the
// defaults and for the quota the function computes as the minimum.
func TestQuotaFitsAtMaximums(t *testing.T) {
	f := readTutorFacts(t)
	r := checkPlugin(t, demoPluginConfig(false), true)
	size := map[string]renderedPatch{}
	for _, p := range r.K8sOverride {
		size[p.Name] = p
	}
	for name, p := range map[string]*plan{"Defaults": defaultPlan(), "AtThePeak": func() *plan {
		p := defaultPlan()
		p.Autoscalers[0].MaxReplicas = 20
		pk := p.peak()
		p.Quota.RequestsCPU, p.Quota.RequestsMemory, p.Quota.LimitsMemory, p.Quota.Pods = pk.RequestsCPU, pk.RequestsMemory, pk.LimitsMemory, pk.Pods
		return p
	}()} {
		var cpu, mem, lim resource.Quantity
		var pods int64
		add := func(n int64, p renderedPatch) {
			for range n {
				cpu.Add(resource.MustParse(p.Requests["cpu"]))
				mem.Add(resource.MustParse(p.Requests["memory"]))
				lim.Add(resource.MustParse(p.Limits["memory"]))
			}
			pods += n
		}
		for _, a := range p.Autoscalers {
			add(int64(a.MaxReplicas), size[a.Deployment])
		}
		add(int64(*size[deploymentCaddy].Replicas), size[deploymentCaddy])
		add(1, size["mfe"])
		add(1, size["meilisearch"])
		if !f.JobsRunOneAtATime {
			t.Fatal("Tutor runs Jobs concurrently: count them all")
		}
		add(1, size["lms-job"])
		// Not Tutor's: the pod the function composes to sync the configuration.
		_, sync, _ := deliveryManifests(t, wantDemoProvisioning())
		res := sync.Spec.Template.Spec.Containers[0].Resources
		add(int64(*sync.Spec.Replicas), renderedPatch{
			Requests: map[string]string{"cpu": res.Requests.Cpu().String(), "memory": res.Requests.Memory().String()},
			Limits:   map[string]string{"memory": res.Limits.Memory().String()},
		})
		for _, c := range []struct {
			what       string
			have, need resource.Quantity
		}{{"requests.cpu", p.Quota.RequestsCPU, cpu}, {"requests.memory", p.Quota.RequestsMemory, mem}, {"limits.memory", p.Quota.LimitsMemory, lim}} {
			if c.have.Cmp(c.need) < 0 {
				t.Errorf("%s: quota %s %s < %s at the autoscalers' maximums", name, c.what, c.have.String(), c.need.String())
			}
		}
		if p.Quota.Pods < pods {
			t.Errorf("%s: quota pods %d < %d", name, p.Quota.Pods, pods)
		}
		pk := p.peak()
		if diff := cmp.Diff([]string{cpu.String(), mem.String(), lim.String()}, []string{pk.RequestsCPU.String(), pk.RequestsMemory.String(), pk.LimitsMemory.String()}); diff != "" {
			t.Errorf("%s: the function's peak differs from the plugin's sizes: -plugin, +function:\n%s", name, diff)
		}
	}
}

// tutorSetParser is what `tutor config save --set KEY=VALUE` does with each
// value in Tutor v21 (tutor/serialize.py: YamlParamType and parse): the
// value is read as YAML with the safe loader, and kept as the raw string
// only when YAML cannot scan or parse it. It prints what Tutor would store.
const tutorSetParser = `
import json, re, sys, yaml
from yaml.parser import ParserError
from yaml.scanner import ScannerError
out = {}
for arg in sys.argv[1:]:
    assert arg.startswith("--set="), arg
    m = re.match(r"(?P<key>[a-zA-Z0-9_-]+)=(?P<value>(.|\n|\r)*)", arg[len("--set="):])
    key, value = m.group("key"), m.group("value")
    if not value:
        value = "''"
    try:
        value = yaml.load(value, Loader=yaml.SafeLoader)
    except (ParserError, ScannerError):
        pass
    out[key] = value
json.dump(out, sys.stdout)
`

// TestReadmeConfigurationOneLiner runs the README's own pipeline, from the
// Secret to `tutor config save`, with real jq and xargs, and checks that
// Tutor would store every value of the Secret exactly: strings as the same
// strings (a PEM key's lines, YAML's special characters and words), and the
// booleans and ports as YAML values.
func TestReadmeConfigurationOneLiner(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const from, to = "kubectl -n $ns get secret openedx-tutor-config -o json", "tutor config save"
	text := string(b)
	start := strings.Index(text, from)
	end := strings.Index(text[max(start, 0):], to)
	if start < 0 || end < 0 {
		t.Fatalf("the README's section has no pipeline from %q to %q", from, to)
	}
	pipeline := text[start : start+end+len(to)]

	dir := t.TempDir()
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\naFDrBz9vFqU4yqf3Wn7vTzj+\n-----END RSA PRIVATE KEY-----"
	secret := map[string]string{
		"JWT_RSA_PRIVATE_KEY":       pem,
		"MYSQL_PORT":                "3306",
		"OPENEDX_CACHE_REDIS_DB":    "0",
		"ENABLE_HTTPS":              "true",
		"MONGODB_USE_SSL":           "false",
		"REDIS_PASSWORD":            "#not a comment: *nor an alias, &anchor !tag",
		"OPENEDX_MYSQL_PASSWORD":    "*aliased",
		"SMTP_PASSWORD":             "BAx/9+Yq==",
		"MONGODB_PASSWORD":          "yes",
		"MEILISEARCH_MASTER_KEY":    "null",
		"CMS_OAUTH2_SECRET":         "0755",
		"CONTACT_EMAIL":             "contact@learn.example.com",
		"AWSPLATFORM_MONGODB_HOSTS": "mongodb-0.prod.internal:27017,mongodb-1.prod.internal:27017",
		"SMTP_USERNAME":             "- a list? no",
		"OPENEDX_SECRET_KEY":        "%percent {brace} [bracket] `tick",
		"AWSPLATFORM_STATIC_URL":    "",
		"ID":                        " leading and trailing ",
	}
	data := map[string]string{}
	for k, v := range secret {
		data[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	js, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Secret", "data": data})
	if err != nil {
		t.Fatal(err)
	}
	secretFile, parser := dir+"/secret.json", dir+"/tutor_set.py"
	if err := os.WriteFile(secretFile, js, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(parser, []byte(tutorSetParser), 0o600); err != nil {
		t.Fatal(err)
	}
	// The pipeline with its read of the Secret replaced by read, and Tutor by
	// a parser that prints what Tutor would store.
	withRead := func(read string) string {
		return strings.Replace(strings.Replace(pipeline, from, read, 1), to, pythonWithLibraries+" "+parser, 1)
	}
	script := withRead("cat " + secretFile)
	for _, tool := range []string{"bash", "jq", "xargs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: make deps", tool)
		}
	}
	out, err := exec.Command("bash", "-o", "pipefail", "-c", script).Output() //nolint:gosec // The README's own pipeline.
	if err != nil {
		t.Fatalf("the README's pipeline failed: %v\n%s", err, script)
	}
	got := map[string]any{}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("cannot read what Tutor would store: %v\n%s", err, out)
	}
	want := map[string]any{}
	for k, v := range secret {
		want[k] = v
	}
	want["MYSQL_PORT"], want["OPENEDX_CACHE_REDIS_DB"] = float64(3306), float64(0)
	want["ENABLE_HTTPS"], want["MONGODB_USE_SSL"] = true, false
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what Tutor would store from the README's pipeline: -want, +got:\n%s", diff)
	}

	// A Secret that cannot be read must stop the sequence, not save Tutor's
	// defaults: its in-cluster MySQL, MongoDB and Redis would be deployed.
	// The block fails its pipelines, and an empty read saves nothing.
	if block := text[strings.LastIndex(text[:start], "```sh"):start]; !strings.Contains(block, "set -euo pipefail") {
		t.Error("the README's block does not set -euo pipefail before reading the Secret")
	}
	if out, err := exec.Command("bash", "-c", withRead("printf ''")).Output(); err != nil || len(out) != 0 { //nolint:gosec // The README's own pipeline.
		t.Errorf("from an empty Secret, the README's pipeline ran tutor config save (%v): %s", err, out)
	}
}
