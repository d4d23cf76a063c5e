package storetest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

// Job is where the steps of a provisioning or deprovisioning Job run on
// this machine instead of in its pod.
type Job struct {
	// Python runs the steps whose command is python3.
	Python string
	// Scripts stands in for the Job's /scripts/ volume; ScriptsVar names
	// the variable that gives it to the steps.
	Scripts, ScriptsVar string
	// Bin is first on PATH: the fakes of the AWS CLI and the clients.
	Bin string
	// WorkVar names the variable that gives the steps their shared work
	// volume, a fresh directory on each Run.
	WorkVar string
	// WorkMount is where the Job mounts its work volume; a container's
	// variable naming a path under it names the same path under the
	// local work directory.
	WorkMount string
	// Env is given to every step besides its container's own variables.
	Env []string
	// Skip names steps not run, such as one whose server is not here.
	Skip []string
	// AfterStep, if set, checks what a step left in the work directory.
	AfterStep func(step, work string)
}

// Run runs job's init containers then its containers, in order, as the
// Job does; HOME and TMPDIR are fresh directories. It returns the steps'
// logs, and stops t at the first step that fails.
func (j Job) Run(t *testing.T, job *batchv1.Job) string {
	t.Helper()
	work := t.TempDir()
	var logs strings.Builder
	for _, c := range append(slices.Clone(job.Spec.Template.Spec.InitContainers), job.Spec.Template.Spec.Containers...) {
		if slices.Contains(j.Skip, c.Name) {
			continue
		}
		args := slices.Clone(c.Command)
		for i, a := range args {
			args[i] = strings.Replace(a, "/scripts/", j.Scripts+"/", 1)
		}
		if args[0] == "python3" {
			args[0] = j.Python
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append([]string{
			"PATH=" + j.Bin + string(os.PathListSeparator) + os.Getenv("PATH"),
			j.WorkVar + "=" + work, j.ScriptsVar + "=" + j.Scripts,
		}, j.Env...)
		for _, e := range c.Env {
			switch e.Name {
			case "HOME", "TMPDIR":
				cmd.Env = append(cmd.Env, e.Name+"="+t.TempDir())
			default:
				v := e.Value
				if j.WorkMount != "" && strings.HasPrefix(v, j.WorkMount+"/") {
					v = work + strings.TrimPrefix(v, j.WorkMount)
				}
				cmd.Env = append(cmd.Env, e.Name+"="+v)
			}
		}
		out, err := cmd.CombinedOutput()
		logs.Write(out)
		if err != nil {
			t.Fatalf("step %s: %v\n%s", c.Name, err, logs.String())
		}
		if j.AfterStep != nil {
			j.AfterStep(c.Name, work)
		}
	}
	return logs.String()
}
