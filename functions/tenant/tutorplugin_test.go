package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"sigs.k8s.io/yaml"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
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
	want := []string{"k8s-override", "kustomization-configmapgenerator", "openedx-cms-production-settings", "openedx-common-settings", "openedx-lms-production-settings"}
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

// pythonWithLibraries is Debian's python3, with the client libraries Open
// edX uses (tools/deps/debian.txt). The test fails without them: a check
// that skips proves nothing.
const pythonWithLibraries = "/usr/bin/python3"

// pluginReport is what testdata/check_tutor_plugin.py reports.
type pluginReport struct {
	K8sOverride []renderedPatch              `json:"k8s-override"`
	Settings    map[string]renderedService   `json:"settings"`
	Storages    map[string]json.RawMessage   `json:"storages"`
	ConfigMaps  map[string]map[string]string `json:"configMaps"`
	// Rendered holds the kustomize patches' text, by patch name.
	Rendered map[string]string `json:"rendered"`
	// StaticUploaded is what Django's collectstatic copied with the LMS's
	// upload settings from imageStaticTree, by name, with each file's
	// content (its own name).
	StaticUploaded struct {
		Error         string            `json:"error"`
		Copied        map[string]string `json:"copied"`
		PostProcesses bool              `json:"postProcesses"`
	} `json:"staticUploaded"`
}

// imageStaticTree stands for the tree Tutor's image collects into
// STATIC_ROOT_LMS with edx-platform's ProductionStorage: the manifests,
// names already hashed, a django-pipeline bundle, a theme's file, and
// Studio's tree under studio/.
var imageStaticTree = []string{
	"staticfiles.json",
	"css/lms-style-vendor.4c2e1d0f9a7b.css",
	"indigo/css/lms-main-v1.8d3f2a1b6c4e.css",
	"studio/staticfiles.json",
	"studio/css/studio-main-v1.5e6f7a8b9c0d.css",
}

type renderedPatch struct {
	Kind               string            `json:"kind"`
	Name               string            `json:"name"`
	Replicas           *int              `json:"replicas"`
	ServiceAccountName *string           `json:"serviceAccountName"`
	Spread             map[string]string `json:"spread"`
	SpreadSelectors    []string          `json:"spreadSelectors"`
	NodeSelector       map[string]string `json:"nodeSelector"`
	PreferredNodePools []string          `json:"preferredNodePools"`
	Tolerations        []map[string]any  `json:"tolerations"`
	Container          string            `json:"container"`
	Env                map[string]string `json:"env"`
	Requests           map[string]string `json:"requests"`
	Limits             map[string]string `json:"limits"`
	ReadinessProbe     map[string]any    `json:"readinessProbe"`
	CAMounts           []string          `json:"caMounts"`
}

type renderedService struct {
	Charset       string         `json:"charset"`
	Caches        []string       `json:"caches"`
	CacheURLs     []string       `json:"cacheURLs"`
	Broker        map[string]any `json:"broker"`
	EventBus      map[string]any `json:"eventBus"`
	MongoSeeds    []string       `json:"mongoSeeds"`
	MongoTLS      mongoTLS       `json:"mongoTLS"`
	ForumDatabase string         `json:"forumDatabase"`
	Staticfiles   string         `json:"staticfiles"`
	StaticURL     string         `json:"staticURL"`
	StaticUpload  staticUpload   `json:"staticUpload"`
	ForumMongo    forumMongo     `json:"forumMongo"`
}

// staticUpload is the static files storage with UPLOAD_STATIC_TO_S3=1, and
// where collectstatic finds the files it copies.
type staticUpload struct {
	Backend  string   `json:"backend"`
	Location string   `json:"location"`
	From     []string `json:"from"`
	Finders  []string `json:"finders"`
}

// forumMongo is what pymongo made of the forum's client parameters, given
// to it as the forum does (MongoClient(**FORUM_MONGODB_CLIENT_PARAMETERS)),
// or the error it raised.
type forumMongo struct {
	Error      string   `json:"error,omitempty"`
	Seeds      []string `json:"seeds"`
	ReplicaSet string   `json:"replicaSet"`
	AuthSource string   `json:"authSource"`
	Username   string   `json:"username"`
	TLS        bool     `json:"tls"`
	Verify     bool     `json:"verify"`
	CAFile     string   `json:"caFile"`
}

// mongoTLS is what pymongo parsed of the MongoDB settings.
type mongoTLS struct {
	TLS        bool     `json:"tls"`
	Verify     bool     `json:"verify"`
	CAFile     string   `json:"caFile"`
	CASubjects []string `json:"caSubjects"`
}

// nastyRedisPassword holds every character that breaks a URL's userinfo.
const nastyRedisPassword = "p/a+s=s@w:o/rd%"

// demoPluginConfig is the demo tenant's Tutor configuration as the
// operator's `tutor config save` gets it: tutorConfig plus the keys the
// provisioning Job adds.
func demoPluginConfig(staticOnCDN bool) map[string]any {
	c := map[string]any{}
	for k, v := range tutorConfig(defaultPlan(), wantDemoProvisioning()) {
		c[k] = v
	}
	c["REDIS_PASSWORD"] = nastyRedisPassword
	// The provisioning Job's, which the forum's client needs with a user.
	c["MONGODB_PASSWORD"] = "mongo-secret"
	c["AWSPLATFORM_REDIS_TLS"] = true
	c["AWSPLATFORM_STATIC_ON_CDN"] = staticOnCDN
	return c
}

// checkPlugin renders and runs the plugin with the real libraries.
func checkPlugin(t *testing.T, config map[string]any, mfe bool) pluginReport {
	t.Helper()
	if err := exec.Command(pythonWithLibraries, "-c", "import jinja2, yaml, redis, kombu, pymongo, boto3, django, storages.backends.s3boto3").Run(); err != nil {
		t.Fatalf("%s lacks a library the check needs (run make deps; see tools/deps/debian.txt): %v", pythonWithLibraries, err)
	}
	in, err := json.Marshal(map[string]any{"config": config, "mfe": mfe, "staticTree": imageStaticTree})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pythonWithLibraries, "testdata/check_tutor_plugin.py", "tutor/awsplatform.yml", tutorFactsFile)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rendering and running the plugin: %v\n%s", err, stderr.String())
	}
	var r pluginReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTutorPluginSettings renders the patches with jinja2 as Tutor does,
// runs the settings after what Tutor and edx-platform set before them (from
// the facts file), and checks what redis-py, kombu, pymongo, boto3 and
// django-storages make of them, with a Redis password full of / + = @ : %.
func TestTutorPluginSettings(t *testing.T) {
	pr := wantDemoProvisioning()
	r := checkPlugin(t, demoPluginConfig(false), true)
	redisURL := map[string]any{
		"username": "default", "password": nastyRedisPassword, "host": pr.RedisHost,
		"port": float64(pr.RedisPort), "tls": true,
	}
	with := func(m map[string]any, k string, v any) map[string]any {
		out := map[string]any{k: v}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	cacheURL, err := json.Marshal(with(redisURL, "db", float64(pr.CacheDatabase)))
	if err != nil {
		t.Fatal(err)
	}
	var cacheJSON map[string]any
	_ = json.Unmarshal(cacheURL, &cacheJSON)
	for _, service := range []string{"lms", "cms"} {
		got := r.Settings[service]
		if len(got.CacheURLs) != 1 {
			t.Fatalf("%s: every cache must have one URL, got %v", service, got.CacheURLs)
		}
		var gotCache map[string]any
		if err := json.Unmarshal([]byte(got.CacheURLs[0]), &gotCache); err != nil {
			t.Fatal(err)
		}
		want := renderedService{
			Charset:    "utf8mb4",
			Caches:     []string{"celery", "configuration", "course_structure_cache", "default", "general", "mongo_metadata_inheritance", "ora2-storage"},
			CacheURLs:  got.CacheURLs,
			Broker:     map[string]any{"transport": "rediss", "userid": "default", "password": nastyRedisPassword, "hostname": pr.RedisHost, "port": float64(pr.RedisPort), "virtual_host": strconv.Itoa(int(pr.CeleryDatabase)), "ssl": true},
			EventBus:   with(redisURL, "db", float64(pr.CeleryDatabase)),
			MongoSeeds: pr.MongoDBHosts,
			// TLS with the system's CAs: this config has no CA certificate
			// (TestTutorPluginMongoDBCA has).
			MongoTLS: mongoTLS{TLS: true, Verify: true},
			// tutor-forum's database, the instance's own.
			ForumDatabase: "openedx_demo_forum",
			// Static files stay Tutor's until the switch. The upload
			// copies the image's collected tree to the instance's prefix,
			// Studio's under studio/ as in the image.
			Staticfiles: "openedx.core.storage.ProductionStorage",
			StaticURL:   map[string]string{"lms": "/static/", "cms": "/static/studio/"}[service],
			StaticUpload: staticUpload{
				Backend:  "storages.backends.s3boto3.S3StaticStorage",
				Location: map[string]string{"lms": "demo", "cms": "demo/studio"}[service],
				From:     []string{map[string]string{"lms": "/openedx/staticfiles", "cms": "/openedx/staticfiles/studio"}[service]},
				Finders:  []string{"django.contrib.staticfiles.finders.FileSystemFinder"},
			},
			// The forum's own client, after tutor-forum's settings: every
			// member, the replica set, TLS with the system's CAs.
			ForumMongo: wantForumMongo(pr, ""),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s settings as the client libraries read them: -want, +got:\n%s", service, diff)
		}
		if diff := cmp.Diff(cacheJSON, gotCache); diff != "" {
			t.Errorf("%s cache URL as redis-py reads it: -want, +got:\n%s", service, diff)
		}
	}

	// Every media URL is signed with Signature Version 4 on the
	// instance's bucket, in its region.
	bucketHost := pr.Bucket + ".s3." + pr.Region + ".amazonaws.com"
	signed := func(host, path string) string {
		return fmt.Sprintf(`{"algorithm":"AWS4-HMAC-SHA256","host":%q,"path":%q,"scope":"%s/s3/aws4_request"}`, host, path, pr.Region)
	}
	wantStorages := map[string]string{
		"default":       signed(bucketHost, "/uploads/a.pdf"),
		"profileImages": signed(bucketHost, "/profile-images/u.jpg"),
		"grades":        signed(bucketHost, "/grades-download/r.csv"),
		"learningCore":  signed(bucketHost, "/openedx-learning/c.bin"),
		// ORA2's own client, on the regional endpoint.
		"ora2":   signed("s3."+pr.Region+".amazonaws.com", "/"+pr.Bucket+"/submissions/x"),
		"static": `"https://static.example.com/demo/css/lms.css"`,
	}
	for k, want := range wantStorages {
		var w, g any
		if err := json.Unmarshal([]byte(want), &w); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(r.Storages[k], &g); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("storage %s URL: -want, +got:\n%s", k, diff)
		}
	}

	// The upload copies the image's tree as it is (the names the pods'
	// manifest holds, the bundles and the themes), Studio's included, and
	// Django's checks let it run.
	want := map[string]string{}
	for _, name := range imageStaticTree {
		want[name] = name
	}
	up := r.StaticUploaded
	if up.Error != "" || up.PostProcesses {
		t.Errorf("collectstatic with the upload settings: error %q, post-processes %v", up.Error, up.PostProcesses)
	}
	if diff := cmp.Diff(want, up.Copied); diff != "" {
		t.Errorf("collectstatic with the upload settings copied: -want, +got:\n%s", diff)
	}

	// Once switched, the pods keep edx-platform's storage and manifest and
	// render names on the CDN, where the upload put them: the LMS's at the
	// instance's prefix, Studio's under studio/.
	cdn := checkPlugin(t, demoPluginConfig(true), false)
	for service, wantURL := range map[string]string{"lms": "https://static.example.com/demo/", "cms": "https://static.example.com/demo/studio/"} {
		got := cdn.Settings[service]
		if got.Staticfiles != "openedx.core.storage.ProductionStorage" || got.StaticURL != wantURL {
			t.Errorf("%s with AWSPLATFORM_STATIC_ON_CDN: storage %s, STATIC_URL %s; want openedx.core.storage.ProductionStorage, %s", service, got.Staticfiles, got.StaticURL, wantURL)
		}
	}
	var uploaded string
	if err := json.Unmarshal(cdn.Storages["static"], &uploaded); err != nil {
		t.Fatal(err)
	}
	if rendered := cdn.Settings["lms"].StaticURL + "css/lms.css"; rendered != uploaded {
		t.Errorf("the LMS renders css/lms.css as %s, but the upload put it at %s", rendered, uploaded)
	}
}

// wantForumMongo is the forum's MongoDB client for the demo tenant: TLS,
// verifying the members with caFile's CAs (the system's if empty).
func wantForumMongo(pr provisioning, caFile string) forumMongo {
	return forumMongo{
		Seeds: pr.MongoDBHosts, ReplicaSet: pr.MongoDBReplicaSet, AuthSource: "admin",
		Username: defaultPlan().mongodbUsername(), TLS: true, Verify: true, CAFile: caFile,
	}
}

// The plugin's ConfigMap in the cases of TestRunFunction.
var _ = registerObjects(map[string]objectFixture{
	"tutor-plugin": func(objects) (string, string) {
		plugin, err := json.Marshal(tutorPlugin)
		if err != nil {
			panic(err)
		}
		return `{
			"apiVersion": "v1",
			"kind": "ConfigMap",
			` + demoMeta("openedx-tutor-plugin") + `,
			"data": {"awsplatform.yml": ` + string(plugin) + `}
		}`, `{"policy": "SuccessfulCreate"}`
	},
})

// TestTutorPluginMongoDBCA: with the platform's CA certificate, LMS and
// CMS (and the forum, which runs in them) give pymongo tlsCAFile, which
// pymongo loads as the only CA it verifies the members with; the file is
// a ConfigMap mounted where the setting says, in every pod that uses
// MongoDB. Without one (an external replica set) nothing is mounted.
func TestTutorPluginMongoDBCA(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "mongodb-ca.pem")
	out, err := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", filepath.Join(dir, "ca.key"), "-out", caFile, "-days", "1", "-subj", "/O=Open edX platform prod/CN=MongoDB CA").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl (tools/deps/debian.txt): %v\n%s", err, out)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason     string
		caCert     string
		useSSL     string
		wantTLS    mongoTLS
		wantMount  []string
		wantConfig map[string]map[string]string
	}{
		"OwnMembers": {
			reason:     "The platform's own members: verified with its CA only, mounted from a ConfigMap.",
			caCert:     string(pem),
			wantTLS:    mongoTLS{TLS: true, Verify: true, CAFile: caFile, CASubjects: []string{"((('organizationName', 'Open edX platform prod'),), (('commonName', 'MongoDB CA'),))"}},
			wantMount:  []string{caFile + " <- awsplatform-mongodb-ca/ca.pem"},
			wantConfig: map[string]map[string]string{"awsplatform-mongodb-ca": {"ca.pem": string(pem)}},
		},
		"OwnMembersUseSSLOff": {
			reason: "The CA alone decides TLS: with MONGODB_USE_SSL false too, edx-platform and the forum " +
				"give pymongo TLS (pymongo refuses a CA file without it, and ssl and tls that differ).",
			caCert:     string(pem),
			useSSL:     "false",
			wantTLS:    mongoTLS{TLS: true, Verify: true, CAFile: caFile, CASubjects: []string{"((('organizationName', 'Open edX platform prod'),), (('commonName', 'MongoDB CA'),))"}},
			wantMount:  []string{caFile + " <- awsplatform-mongodb-ca/ca.pem"},
			wantConfig: map[string]map[string]string{"awsplatform-mongodb-ca": {"ca.pem": string(pem)}},
		},
		"External": {
			reason:  "An external replica set: TLS with the system's CAs, nothing mounted.",
			wantTLS: mongoTLS{TLS: true, Verify: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := demoPluginConfig(false)
			c["AWSPLATFORM_MONGODB_CA_CERT"] = tc.caCert
			c["AWSPLATFORM_MONGODB_CA_FILE"] = caFile
			if tc.useSSL != "" {
				c["MONGODB_USE_SSL"] = tc.useSSL
			}
			r := checkPlugin(t, c, false)
			for _, service := range []string{"lms", "cms"} {
				if diff := cmp.Diff(tc.wantTLS, r.Settings[service].MongoTLS); diff != "" {
					t.Errorf("%s\n%s: pymongo's TLS options: -want, +got:\n%s", tc.reason, service, diff)
				}
				// The forum's client, from tutor-forum's parameters and ours.
				if diff := cmp.Diff(wantForumMongo(wantDemoProvisioning(), tc.wantTLS.CAFile), r.Settings[service].ForumMongo); diff != "" {
					t.Errorf("%s\n%s: the forum's MongoClient: -want, +got:\n%s", tc.reason, service, diff)
				}
			}
			if diff := cmp.Diff(tc.wantConfig, r.ConfigMaps, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nk8s-resources ConfigMaps: -want, +got:\n%s", tc.reason, diff)
			}
			for _, o := range r.K8sOverride {
				var want []string
				// Every pod that runs edx-platform (those with its AWS
				// identity); caddy, mfe and meilisearch do not.
				if o.ServiceAccountName != nil {
					want = tc.wantMount
				}
				if diff := cmp.Diff(want, o.CAMounts); diff != "" {
					t.Errorf("%s\n%s %s: CA mounts: -want, +got:\n%s", tc.reason, o.Kind, o.Name, diff)
				}
			}
		})
	}
}

// TestTutorPluginSpot: with the platform's spot NodePool, the stateless
// Deployments prefer it and tolerate its taint; Jobs, which must run to
// completion, and Meilisearch, whose index is on a volume, do neither.
// Without one nothing is set, and every pod stays on on-demand nodes.
func TestTutorPluginSpot(t *testing.T) {
	spot := testSpotNodePool()
	// What the estimate prices as on the spot NodePool (cost.go).
	stateless := slices.Sorted(slices.Values(spotDeployments))
	cases := map[string]struct {
		reason string
		pool   *v1alpha1.SpotNodePoolStatus
		want   []string
	}{
		"SpotNodePool": {
			reason: "The stateless Deployments go to the spot NodePool.",
			pool:   spot,
			want:   stateless,
		},
		"NoSpotNodePool": {
			reason: "Without a spot NodePool no pod selects one.",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pr := wantDemoProvisioning()
			pr.SpotNodePool = tc.pool
			c := demoPluginConfig(false)
			for k, v := range tutorConfig(defaultPlan(), pr) {
				c[k] = v
			}
			r := checkPlugin(t, c, true)
			var onSpot, seen []string
			for _, o := range r.K8sOverride {
				seen = append(seen, o.Kind+"/"+o.Name)
				// A required selector would strand the pods if the pool
				// went away; a preference falls back to Auto Mode's pools.
				if o.NodeSelector != nil {
					t.Errorf("%s\n%s %s requires nodes %v: only a preference may name the spot NodePool", tc.reason, o.Kind, o.Name, o.NodeSelector)
				}
				if o.PreferredNodePools == nil && o.Tolerations == nil {
					continue
				}
				onSpot = append(onSpot, o.Name)
				if diff := cmp.Diff([]string{spot.Name}, o.PreferredNodePools); diff != "" {
					t.Errorf("%s\n%s %s preferred NodePools: -want, +got:\n%s", tc.reason, o.Kind, o.Name, diff)
				}
				want := []map[string]any{{"key": spot.TaintKey, "operator": "Exists", "effect": spot.TaintEffect}}
				if diff := cmp.Diff(want, o.Tolerations); diff != "" {
					t.Errorf("%s\n%s %s tolerations: -want, +got:\n%s", tc.reason, o.Kind, o.Name, diff)
				}
			}
			slices.Sort(onSpot)
			if diff := cmp.Diff(tc.want, onSpot, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nDeployments on the spot NodePool: -want, +got:\n%s", tc.reason, diff)
			}
			// The check is only as good as the patches it saw.
			for _, must := range []string{"Job/lms-job", "Job/cms-job", "Deployment/meilisearch", "Deployment/mfe"} {
				if !slices.Contains(seen, must) {
					t.Errorf("%s\nthe plugin did not patch %s: %v", tc.reason, must, seen)
				}
			}
		})
	}
}
