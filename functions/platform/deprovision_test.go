package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/provisionjob"
)

// testDeprovisionInputs are complete inputs.
var testDeprovisionInputs = deprovisionInputs{
	Region:                testRegion,
	MySQLHost:             "aurora.cluster-abc.eu-west-1.rds.amazonaws.com",
	MySQLPort:             3306,
	MySQLAdminSecretARN:   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc",
	MongoDBHosts:          []string{"mongodb-0.prod.internal:27017", "mongodb-1.prod.internal:27017"},
	MongoDBReplicaSet:     "rs0",
	MongoDBAdminSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-admin",
	MongoDBTLS:            true,
	MongoDBCASecretARN:    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-ca",
}

func mustDeprovisionJob(t *testing.T, e v1alpha1.TenantDeprovisioning) *batchv1.Job {
	t.Helper()
	scripts, err := deprovisionScripts()
	if err != nil {
		t.Fatal(err)
	}
	job, err := deprovisionJob(testDeprovisionInputs, e, scripts)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func TestDeprovisionJob(t *testing.T) {
	e := newDeprovisioning("my-uni", "my-uni-x7k2p")
	job := mustDeprovisionJob(t, e)

	if job.Namespace != provisionerNamespace || !strings.HasPrefix(job.Name, "deprovision-my-uni-") || len(job.Name) != len("deprovision-my-uni-")+8 {
		t.Errorf("Job %s/%s: want %s/deprovision-my-uni-<hash>", job.Namespace, job.Name, provisionerNamespace)
	}
	pod := job.Spec.Template.Spec
	if pod.ServiceAccountName != provisionerServiceAccount {
		t.Errorf("ServiceAccount %q, want %q", pod.ServiceAccountName, provisionerServiceAccount)
	}
	if diff := cmp.Diff(provisionjob.RestrictedPodSecurityContext(), pod.SecurityContext); diff != "" {
		t.Errorf("pod security context: -want, +got:\n%s", diff)
	}
	if ptr.Deref(pod.AutomountServiceAccountToken, true) || ptr.Deref(pod.EnableServiceLinks, true) || pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("pod mounts a token, enables service links or restarts: %+v", pod)
	}
	for _, v := range pod.Volumes {
		if v.EmptyDir != nil && v.EmptyDir.Medium != corev1.StorageMediumMemory {
			t.Errorf("volume %s is not memory-backed", v.Name)
		}
	}

	steps := append(slices.Clone(pod.InitContainers), pod.Containers...)
	var names []string
	env := map[string]string{}
	for _, c := range steps {
		names = append(names, c.Name)
		if diff := cmp.Diff(provisionjob.RestrictedContainerSecurityContext(), c.SecurityContext); diff != "" {
			t.Errorf("container %s security context: -want, +got:\n%s", c.Name, diff)
		}
		if !slices.Contains([]string{provisionjob.ImageAWSCLI, provisionjob.ImagePython, provisionjob.ImageMySQL, provisionjob.ImageMongoDB}, c.Image) {
			t.Errorf("container %s: image %s is not one of the provisioning images", c.Name, c.Image)
		}
		for _, v := range c.Env {
			if v.ValueFrom != nil || strings.Contains(strings.ToLower(v.Name), "password") {
				t.Errorf("container %s: env %s may carry a credential", c.Name, v.Name)
			}
			env[v.Name] = v.Value
		}
	}
	if diff := cmp.Diff([]string{"fetch", "credentials", "mysql", "mongodb"}, names); diff != "" {
		t.Errorf("steps: -want, +got:\n%s", diff)
	}
	// The names, exactly as the tenant created them.
	wantEnv := map[string]string{
		"MYSQL_DATABASE":           "openedx_my_uni",
		"MYSQL_USERNAME":           "openedx_my_uni",
		"MONGODB_USERNAME":         "openedx_my_uni",
		"MONGODB_DATABASE":         "openedx_my_uni",
		"FORUM_MONGODB_DATABASE":   "openedx_my_uni_forum",
		"MYSQL_ADMIN_SECRET_ARN":   testDeprovisionInputs.MySQLAdminSecretARN,
		"MONGODB_ADMIN_SECRET_ARN": testDeprovisionInputs.MongoDBAdminSecretARN,
		"MONGODB_HOSTS":            "mongodb-0.prod.internal:27017,mongodb-1.prod.internal:27017",
		// The platform's own members speak TLS only, verified with its CA.
		"MONGODB_TLS":           "true",
		"MONGODB_CA_SECRET_ARN": testDeprovisionInputs.MongoDBCASecretARN,
		"MONGODB_TLS_CA_FILE":   "/work/in/mongodb-ca.pem",
	}
	for k, want := range wantEnv {
		if env[k] != want {
			t.Errorf("env %s = %q, want %q", k, env[k], want)
		}
	}

	// A changed endpoint is a new Job; the same inputs, the same Job.
	if again := mustDeprovisionJob(t, e); again.Name != job.Name {
		t.Errorf("Job name not stable: %s then %s", job.Name, again.Name)
	}
	in := testDeprovisionInputs
	in.MySQLHost = "elsewhere"
	scripts, _ := deprovisionScripts()
	if other, _ := deprovisionJob(in, e, scripts); other.Name == job.Name {
		t.Errorf("a changed endpoint kept the Job name %s", job.Name)
	}
}

// TestDeprovisionScripts checks the scripts' syntax with the shells and
// interpreters at hand, and that they take the SQL they run from their
// environment only.
func TestDeprovisionScripts(t *testing.T) {
	scripts, err := deprovisionScripts()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"credentials.py", "fetch.sh", "mongodb.js", "mongodb.sh", "mysql.sh"}, slices.Sorted(func(yield func(string) bool) {
		for k := range scripts {
			if !yield(k) {
				return
			}
		}
	})); diff != "" {
		t.Errorf("scripts: -want, +got:\n%s", diff)
	}
	for _, want := range []string{"DROP DATABASE IF EXISTS", "DROP USER IF EXISTS", "--ssl-mode=REQUIRED"} {
		if !strings.Contains(scripts["mysql.sh"], want) {
			t.Errorf("mysql.sh does not hold %q", want)
		}
	}
	for _, want := range []string{"dropUser", "dropDatabase"} {
		if !strings.Contains(scripts["mongodb.js"], want) {
			t.Errorf("mongodb.js does not hold %q", want)
		}
	}
	for _, s := range []string{"fetch.sh", "mysql.sh", "mongodb.sh"} {
		for _, line := range strings.Split(scripts[s], "\n") {
			if l := strings.TrimSpace(line); !strings.HasPrefix(l, "#") && strings.Contains(l, "set -x") {
				t.Errorf("%s traces its commands: %s", s, l)
			}
		}
	}
	check := func(tool string, args ...string) {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Errorf("%s is not installed: add its Debian package to tools/deps/debian.txt and run make deps", tool)
			return
		}
		if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
		}
	}
	dir := filepath.Join("deprovision")
	for _, s := range []string{"fetch.sh", "mysql.sh", "mongodb.sh"} {
		check("bash", "-n", filepath.Join(dir, s))
		check("sh", "-n", filepath.Join(dir, s))
	}
	check("python3", "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", filepath.Join(dir, "credentials.py"))
	check("node", "--check", filepath.Join(dir, "mongodb.js"))
}

// TestDeprovisionObjects checks what is composed for the entries of the
// ledger, and that nothing is without them or without the inputs.
func TestDeprovisionObjects(t *testing.T) {
	p := mustPlan(t, newXR())
	rs, pending, failed, err := deprovisionObjects(p, nil, nil)
	if err != nil || rs != nil || pending != nil || failed != nil {
		t.Errorf("no entries: got %v, %v, %v, %v; want nothing", rs, pending, failed, err)
	}
	e := newDeprovisioning("demo", "demo-x7k2p")
	rs, pending, _, err = deprovisionObjects(p, nil, []v1alpha1.TenantDeprovisioning{e})
	if err != nil || rs != nil || len(pending) == 0 {
		t.Errorf("nothing observed: got %d resources, pending %v, error %v; want none, and what it waits for", len(rs), pending, err)
	}
}

// TestRunFunctionDeprovisions plays a tenant's deletion through the
// platform: once the converged platform's ledger has a Delete tenant that
// is gone, the Job is composed in the provisioner's namespace through the
// platform's ProviderConfig, and once it is observed succeeded the entry
// and the Job go.
func TestRunFunctionDeprovisions(t *testing.T) {
	// Converge the platform with one tenant of policy Delete.
	xr := newXR()
	xr.Status.Tenants.Allocations = []v1alpha1.TenantAllocation{{Instance: "demo", Composite: "demo-x7k2p", CeleryDatabase: 0, CacheDatabase: 1, DeletionPolicy: v1alpha1.DataDeletionDelete}}
	live := newTenantXR("demo-x7k2p", "demo", func(xt *v1alpha1.XOpenEdxTenant) { xt.Spec.DeletionPolicy = v1alpha1.DataDeletionDelete })
	request := func(xr *v1alpha1.XPlatform, observed map[string]*fnv1.Resource, tenants ...*v1alpha1.XOpenEdxTenant) *fnv1.RunFunctionRequest {
		j, err := json.Marshal(xr)
		if err != nil {
			t.Fatal(err)
		}
		req := newRequest(string(j), observed, nil)
		found := &fnv1.Resources{}
		for _, xt := range tenants {
			found.Items = append(found.Items, tenantResource(t, xt))
		}
		req.RequiredResources = map[string]*fnv1.Resources{requirementTenants: found}
		return req
	}
	status := func(rsp *fnv1.RunFunctionResponse) v1alpha1.TenantsStatus {
		s := v1alpha1.XPlatformStatus{}
		if err := compose.Decode(rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any), &s); err != nil {
			t.Fatal(err)
		}
		return s.Tenants
	}
	jobs := func(rsp *fnv1.RunFunctionResponse) []string {
		var out []string
		for n := range rsp.GetDesired().GetResources() {
			if strings.HasPrefix(n, namePrefixDeprovisionJob) || n == string(nameDeprovisionScripts) {
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}

	var observed map[string]*fnv1.Resource
	var rsp *fnv1.RunFunctionResponse
	for pass := 0; pass < 6; pass++ {
		rsp = run(t, request(xr, observed, live))
		observed = observe(t, rsp, nil)
	}
	if got := status(rsp); len(got.Deprovisioning) != 0 || got.Allocations[0].DeletionPolicy != v1alpha1.DataDeletionDelete {
		t.Fatalf("live tenant: status.tenants %+v, want its policy recorded and nothing to drop", got)
	}
	if got := jobs(rsp); got != nil {
		t.Fatalf("live tenant: composed %v", got)
	}

	// The tenant is gone.
	rsp = run(t, request(xr, observed))
	got := status(rsp)
	if diff := cmp.Diff([]v1alpha1.TenantDeprovisioning{newDeprovisioning("demo", "demo-x7k2p")}, got.Deprovisioning); diff != "" {
		t.Fatalf("tenant gone: status.tenants.deprovisioning: -want, +got:\n%s", diff)
	}
	composed := jobs(rsp)
	if len(composed) != 2 {
		t.Fatalf("tenant gone: composed %v, want the scripts and a Job", composed)
	}
	for _, n := range composed {
		r := rsp.GetDesired().GetResources()[n]
		o := &kubev1alpha2.Object{}
		if err := compose.Decode(r.GetResource().AsMap(), o); err != nil {
			t.Fatal(err)
		}
		if o.Spec.ProviderConfigReference == nil || o.Spec.ProviderConfigReference.Name != mustPlan(t, xr).kubernetesProviderConfigName() {
			t.Errorf("%s: provider config %+v, want the platform's", n, o.Spec.ProviderConfigReference)
		}
		m := &unstructured.Unstructured{}
		if err := m.UnmarshalJSON(o.Spec.ForProvider.Manifest.Raw); err != nil {
			t.Fatal(err)
		}
		if m.GetNamespace() != provisionerNamespace {
			t.Errorf("%s: namespace %q, want %q", n, m.GetNamespace(), provisionerNamespace)
		}
		if m.GetKind() == "Job" && (o.Spec.Readiness.Policy != kubev1alpha2.ReadinessPolicyDeriveFromCelQuery || o.Spec.Readiness.CelQuery != provisionjob.SucceededQuery) {
			t.Errorf("%s: readiness %+v, want the Job succeeded", n, o.Spec.Readiness)
		}
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			t.Errorf("%s: desired readiness %s: dropping a tenant's data must not make the platform not ready", n, r.GetReady())
		}
	}

	// Not observed yet: the entry stays, and so does the Job.
	xr.Status.Tenants = got
	rsp = run(t, request(xr, observed))
	if diff := cmp.Diff(composed, jobs(rsp)); diff != "" || len(status(rsp).Deprovisioning) != 1 {
		t.Fatalf("Job not observed yet: entry %+v, composed -want, +got:\n%s", status(rsp).Deprovisioning, diff)
	}

	// Observed succeeded (fakeprovider's Jobs succeed): the entry and the
	// Job go.
	notRun := observed
	observed = observe(t, rsp, nil)
	rsp = run(t, request(xr, observed))
	if got := status(rsp); len(got.Deprovisioning) != 0 || len(got.Allocations) != 0 {
		t.Errorf("Job succeeded: status.tenants %+v, want empty", got)
	}
	if got := jobs(rsp); got != nil {
		t.Errorf("Job succeeded: still composed %v", got)
	}

	// A tenant of the same instance appears before the Job succeeded: the
	// entry is dropped and the Job not composed, whatever was observed.
	recreated := newTenantXR("demo-n3w00", "demo")
	rsp = run(t, request(xr, notRun, recreated))
	if got := status(rsp); len(got.Deprovisioning) != 0 || len(got.Allocations) != 1 || got.Allocations[0].Composite != "demo-n3w00" {
		t.Errorf("instance re-created: status.tenants %+v, want only the new tenant's allocation", got)
	}
	if got := jobs(rsp); got != nil {
		t.Errorf("instance re-created: composed %v, want no deprovisioning", got)
	}
}
