// Package fntest holds checks that both functions' tests share.
package fntest

import (
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// Refused reports whether a response refused its input the one acceptable
// way: exactly one Fatal result that names the field path at fault
// (spec.… or metadata.name), and nothing desired, so that bad input never
// applies half a composition. It fails t on any other kind of refusal.
func Refused(t *testing.T, rsp *fnv1.RunFunctionResponse) bool {
	t.Helper()
	var fatal []string
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			fatal = append(fatal, r.GetMessage())
		}
	}
	switch len(fatal) {
	case 0:
		return false
	case 1:
	default:
		t.Fatalf("more than one Fatal result: %q", fatal)
	}
	if !strings.Contains(fatal[0], "spec.") && !strings.Contains(fatal[0], "metadata.name") {
		t.Errorf("Fatal result names no field path: %q", fatal[0])
	}
	if n := len(rsp.GetDesired().GetResources()); n != 0 {
		t.Errorf("a Fatal result came with %d desired resources", n)
	}
	return true
}
