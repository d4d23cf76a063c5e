//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kubectl runs the kubectl binary the suite built against the suite's API
// server.
type kubectl struct {
	bin        string
	kubeconfig string
	cacheDir   string
}

// run runs kubectl with args and stdin, and returns its standard output.
// The error carries the command line and kubectl's standard error, which
// names the object the API server refused and why.
func (k *kubectl) run(stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"--kubeconfig=" + k.kubeconfig, "--cache-dir=" + k.cacheDir}, args...)
	cmd := exec.CommandContext(ctx, k.bin, full...) //nolint:gosec // Our own binary and arguments.
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		shown := args
		if len(shown) > 8 {
			shown = append(append([]string(nil), shown[:8]...), fmt.Sprintf("... (%d more arguments)", len(args)-8))
		}
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(shown, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// get returns one object, or nil when it does not exist.
func (k *kubectl) get(resource, namespace, name string) (*unstructured.Unstructured, error) {
	args := []string{"get", resource, name, "-o", "json", "--ignore-not-found"}
	if namespace != "" {
		args = append(args, "-n", namespace)
	}
	out, err := k.run(nil, args...)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(out) == "" {
		return nil, nil
	}
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(out), &u.Object); err != nil {
		return nil, fmt.Errorf("cannot decode %s %s: %w", resource, name, err)
	}
	return u, nil
}

// list returns the objects kubectl get args returns.
func (k *kubectl) list(args ...string) ([]*unstructured.Unstructured, error) {
	out, err := k.run(nil, append(append([]string{"get"}, args...), "-o", "json")...)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(out) == "" {
		return nil, nil
	}
	// kubectl prints a List, or the object itself when asked for one.
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return nil, fmt.Errorf("cannot decode kubectl get %v: %w", args, err)
	}
	if m["kind"] != "List" && !strings.HasSuffix(fmt.Sprint(m["kind"]), "List") {
		return []*unstructured.Unstructured{{Object: m}}, nil
	}
	items, _ := m["items"].([]any)
	list := make([]*unstructured.Unstructured, 0, len(items))
	for _, i := range items {
		if o, ok := i.(map[string]any); ok {
			list = append(list, &unstructured.Unstructured{Object: o})
		}
	}
	return list, nil
}

// applyObjects server-side applies objects, as fieldManager, in one call.
func (k *kubectl) applyObjects(fieldManager string, objs []map[string]any, extra ...string) error {
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": objs}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	args := append([]string{"apply", "--server-side", "--force-conflicts", "--field-manager=" + fieldManager, "-f", "-"}, extra...)
	_, err = k.run(b, args...)
	return err
}

// condition returns the status and message of a status condition.
func condition(u *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != typ {
			continue
		}
		s, _ := m["status"].(string)
		r, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		return s, r, msg
	}
	return "", "", ""
}

// describeConditions is a one-line summary of every condition, for failure
// messages.
func describeConditions(u *unstructured.Unstructured) string {
	if u == nil {
		return "<object does not exist>"
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var parts []string
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		s := fmt.Sprintf("%v=%v", m["type"], m["status"])
		if r, ok := m["reason"].(string); ok && r != "" {
			s += " (" + r
			if msg, ok := m["message"].(string); ok && msg != "" {
				s += ": " + msg
			}
			s += ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "<no conditions>"
	}
	return strings.Join(parts, "; ")
}

// ref names an object for people: Kind/name.
func ref(u *unstructured.Unstructured) string {
	s := u.GetKind() + "." + u.GroupVersionKind().Group + "/" + u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		s += " in namespace " + ns
	}
	return s
}
