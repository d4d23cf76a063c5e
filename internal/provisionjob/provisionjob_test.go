package provisionjob

import (
	"regexp"
	"testing"
	"testing/fstest"

	frsc "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLoadScripts(t *testing.T) {
	fsys := fstest.MapFS{
		"provision/fetch.sh": {Data: []byte("#!/bin/sh\n")},
		"provision/plan.py":  {Data: []byte("print()\n")},
		"other/ignored.sh":   {Data: []byte("no\n")},
		"provision.sh":       {Data: []byte("no\n")},
	}
	got, err := LoadScripts(fsys, "provision")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"fetch.sh": "#!/bin/sh\n", "plan.py": "print()\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadScripts: -want, +got:\n%s", diff)
	}
}

func TestScriptsDigest(t *testing.T) {
	names, sum := ScriptsDigest(map[string]string{"b.sh": "B", "a.sh": "A"})
	if diff := cmp.Diff([]string{"a.sh", "b.sh"}, names); diff != "" {
		t.Errorf("names: -want, +got:\n%s", diff)
	}
	// sha256("AB"): the contents in the names' order.
	if want := "38164fbd17603d73f696b8b4d72664d735bb6a7c88577687fd2ae33fd6964153"; sum != want {
		t.Errorf("sum %s, want %s", sum, want)
	}
	if _, other := ScriptsDigest(map[string]string{"b.sh": "B", "a.sh": "A "}); other == sum {
		t.Errorf("a changed script kept the sum %s", sum)
	}
}

func TestEnv(t *testing.T) {
	v := func(kv ...string) []corev1.EnvVar {
		var out []corev1.EnvVar
		for i := 0; i < len(kv); i += 2 {
			out = append(out, corev1.EnvVar{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	cases := map[string]struct {
		got, want []corev1.EnvVar
	}{
		"Env": {
			got:  Env("A", "1", "B", ""),
			want: v("HOME", "/tmp", "TMPDIR", "/tmp", "A", "1", "B", ""),
		},
		"AWSEnv": {
			got: AWSEnv("eu-west-1", "A", "1"),
			want: v("HOME", "/tmp", "TMPDIR", "/tmp", "AWS_REGION", "eu-west-1", "AWS_RETRY_MODE", "standard", "AWS_MAX_ATTEMPTS", "10",
				"AWS_PAGER", "", "AWS_EC2_METADATA_DISABLED", "true", "A", "1"),
		},
		"PythonEnv": {
			got:  PythonEnv("A", "1"),
			want: v("HOME", "/tmp", "TMPDIR", "/tmp", "PYTHONDONTWRITEBYTECODE", "1", "PYTHONUNBUFFERED", "1", "A", "1"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("-want, +got:\n%s", diff)
			}
		})
	}
}

// TestStepVolumes checks that every step mounts every volume, the scripts
// read-only, and that the emptyDirs are memory-backed and size-limited.
func TestStepVolumes(t *testing.T) {
	c := Step("fetch", ImageAWSCLI, []string{"sh", "/scripts/fetch.sh"}, ContainerResources("50m", "32Mi", "128Mi"), Env())
	if diff := cmp.Diff(RestrictedContainerSecurityContext(), c.SecurityContext); diff != "" {
		t.Errorf("security context: -want, +got:\n%s", diff)
	}
	if c.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("terminationMessagePolicy %q, imagePullPolicy %q", c.TerminationMessagePolicy, c.ImagePullPolicy)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range Volumes("scripts-cm") {
		volumes[v.Name] = v
	}
	if len(c.VolumeMounts) != len(volumes) {
		t.Errorf("%d mounts of %d volumes", len(c.VolumeMounts), len(volumes))
	}
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		switch {
		case !ok:
			t.Errorf("mount %s of no volume", m.Name)
		case v.ConfigMap != nil:
			if v.ConfigMap.Name != "scripts-cm" || !m.ReadOnly || m.MountPath != ScriptsMountPath {
				t.Errorf("scripts: volume %+v mounted %+v, want scripts-cm read-only at %s", v, m, ScriptsMountPath)
			}
		case v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory || v.EmptyDir.SizeLimit == nil || m.ReadOnly:
			t.Errorf("%s: volume %+v mounted %+v, want a writable, size-limited emptyDir in memory", m.Name, v, m)
		}
	}
}

func TestJob(t *testing.T) {
	spec := func(mods ...func(*Spec)) Spec {
		s := Spec{
			NamePrefix: "provision-demo", Namespace: "openedx-system",
			Labels: map[string]string{"a": "1"}, PodLabels: map[string]string{"b": "2"},
			ServiceAccount: "openedx-provisioner", ScriptsConfigMap: "provision-demo",
			Steps: []corev1.Container{Step("one", ImageMySQL, []string{"true"}, ContainerResources("50m", "32Mi", "128Mi"), Env())},
			Last:  Step("two", ImageMySQL, []string{"true"}, ContainerResources("50m", "32Mi", "128Mi"), Env()),
		}
		for _, m := range mods {
			m(&s)
		}
		return s
	}
	job, err := Job(spec())
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^provision-demo-[0-9a-f]{8}$`).MatchString(job.Name) || job.Namespace != "openedx-system" {
		t.Errorf("Job %s/%s, want openedx-system/provision-demo-<8 hex>", job.Namespace, job.Name)
	}
	s, ps := job.Spec, job.Spec.Template.Spec
	if *s.BackoffLimit != BackoffLimit || *s.ActiveDeadlineSeconds != DeadlineSeconds || s.TTLSecondsAfterFinished != nil {
		t.Errorf("backoffLimit %d, activeDeadlineSeconds %d, ttlSecondsAfterFinished %v", *s.BackoffLimit, *s.ActiveDeadlineSeconds, s.TTLSecondsAfterFinished)
	}
	if ps.ServiceAccountName != "openedx-provisioner" || *ps.AutomountServiceAccountToken || *ps.EnableServiceLinks || ps.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("pod %+v: want the ServiceAccount, no token, no service links, no restarts", ps)
	}
	if diff := cmp.Diff(RestrictedPodSecurityContext(), ps.SecurityContext); diff != "" {
		t.Errorf("pod security context: -want, +got:\n%s", diff)
	}
	if len(ps.InitContainers) != 1 || ps.InitContainers[0].Name != "one" || len(ps.Containers) != 1 || ps.Containers[0].Name != "two" {
		t.Errorf("steps %+v then %+v, want one then two", ps.InitContainers, ps.Containers)
	}
	if diff := cmp.Diff(map[string]string{"a": "1"}, job.Labels); diff != "" {
		t.Errorf("Job labels: -want, +got:\n%s", diff)
	}

	cases := map[string]struct {
		reason  string
		spec    Spec
		changes bool
	}{
		"Again":      {reason: "The same spec is the same Job.", spec: spec()},
		"JobLabels":  {reason: "The Job's labels are not its spec.", spec: spec(func(s *Spec) { s.Labels = map[string]string{"a": "other"} })},
		"PodLabels":  {reason: "The pods' labels are.", spec: spec(func(s *Spec) { s.PodLabels = map[string]string{"b": "other"} }), changes: true},
		"Step":       {reason: "So are the steps.", spec: spec(func(s *Spec) { s.Last.Env = Env("X", "1") }), changes: true},
		"ConfigMap":  {reason: "And the scripts' ConfigMap.", spec: spec(func(s *Spec) { s.ScriptsConfigMap = "other" }), changes: true},
		"NamePrefix": {reason: "The prefix is not hashed.", spec: spec(func(s *Spec) { s.NamePrefix = "deprovision-demo" })},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			other, err := Job(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			hash := func(j *batchv1.Job) string { return j.Name[len(j.Name)-8:] }
			if got := hash(other) != hash(job); got != tc.changes {
				t.Errorf("%s\nJob name %s, then %s: changed is %v, want %v", tc.reason, job.Name, other.Name, got, tc.changes)
			}
		})
	}
}

func TestResource(t *testing.T) {
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "deprovision-my-uni-0a1b2c3d"}}
	if got := Resource("kubernetes-deprovision-job-my-uni-", job); got != "kubernetes-deprovision-job-my-uni-0a1b2c3d" {
		t.Errorf("Resource(...) = %s", got)
	}
}

// observedJob is a Job Object as Crossplane observes it: it asks for the
// Job desired, and reports the Job observedName.
func observedJob(desired, observedName string, status map[string]any) map[frsc.Name]frsc.ObservedComposed {
	cd := composed.New()
	cd.Object = map[string]any{
		"apiVersion": "kubernetes.crossplane.io/v1alpha2",
		"kind":       "Object",
		"spec":       map[string]any{"forProvider": map[string]any{"manifest": map[string]any{"metadata": map[string]any{"name": desired}}}},
		"status": map[string]any{"atProvider": map[string]any{"manifest": map[string]any{
			"metadata": map[string]any{"name": observedName, "namespace": "openedx-system"},
			"status":   status,
		}}},
	}
	return map[frsc.Name]frsc.ObservedComposed{testJobResource: {Resource: cd}}
}

// testJobResource is the composition name of an observed Job Object.
const testJobResource frsc.Name = "provision-job-0a1b2c3d"

func TestSucceededFailure(t *testing.T) {
	failed := map[string]any{"failed": float64(7), "conditions": []any{
		map[string]any{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
	}}
	cases := map[string]struct {
		reason    string
		observed  map[frsc.Name]frsc.ObservedComposed
		succeeded bool
		failure   string
		job       string
	}{
		"NotComposed": {
			reason:   "No Job, nothing succeeded.",
			observed: map[frsc.Name]frsc.ObservedComposed{},
		},
		"Running": {
			reason:   "A Job that has not succeeded yet.",
			observed: observedJob("provision-demo-0a1b2c3d", "provision-demo-0a1b2c3d", map[string]any{"active": float64(1)}),
			job:      "provision-demo-0a1b2c3d",
		},
		"Succeeded": {
			reason:    "structpb numbers are float64.",
			observed:  observedJob("provision-demo-0a1b2c3d", "provision-demo-0a1b2c3d", map[string]any{"succeeded": float64(1)}),
			succeeded: true,
			job:       "provision-demo-0a1b2c3d",
		},
		"PreviousJobSucceeded": {
			reason:   "The Object still reports the Job of the previous spec: the new one has not run.",
			observed: observedJob("provision-demo-0a1b2c3d", "provision-demo-99999999", map[string]any{"succeeded": float64(1)}),
		},
		"Failed": {
			reason:   "A Job past its backoff limit says why.",
			observed: observedJob("provision-demo-0a1b2c3d", "provision-demo-0a1b2c3d", failed),
			failure:  "BackoffLimitExceeded: Job has reached the specified backoff limit",
			job:      "provision-demo-0a1b2c3d",
		},
		"PreviousJobFailed": {
			reason:   "The failure of a Job that is being replaced is not reported.",
			observed: observedJob("provision-demo-0a1b2c3d", "provision-demo-99999999", failed),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Succeeded(tc.observed, testJobResource); got != tc.succeeded {
				t.Errorf("%s\nSucceeded(...) = %v, want %v", tc.reason, got, tc.succeeded)
			}
			if diff := cmp.Diff(tc.failure, Failure(tc.observed, testJobResource)); diff != "" {
				t.Errorf("%s\nFailure(...): -want, +got:\n%s", tc.reason, diff)
			}
			if _, job := Observed(tc.observed, testJobResource); job != tc.job {
				t.Errorf("%s\nObserved(...) = %q, want %q", tc.reason, job, tc.job)
			}
		})
	}
}
