package compose

import (
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestTruncate(t *testing.T) {
	long := strings.Repeat("a", 70)
	cases := map[string]struct {
		name string
		max  int
		want string
	}{
		"ShortIsUnchanged":      {name: "prod-eks-node", max: 64, want: "prod-eks-node"},
		"ExactlyMaxIsUnchanged": {name: long[:64], max: 64, want: long[:64]},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Truncate(tc.name, tc.max)); diff != "" {
				t.Errorf("Truncate(...): -want, +got:\n%s", diff)
			}
		})
	}

	t.Run("LongKeepsPrefixAndStaysDistinct", func(t *testing.T) {
		a, b := Truncate(long, 64), Truncate(long+"b", 64)
		if len(a) != 64 || len(b) != 64 {
			t.Errorf("Truncate(...): lengths %d and %d, want 64", len(a), len(b))
		}
		if !strings.HasPrefix(a, long[:55]+"-") {
			t.Errorf("Truncate(...) = %q, want the first 55 characters then a hash", a)
		}
		if a == b {
			t.Errorf("Truncate(...): two different names both gave %q", a)
		}
		if a != Truncate(long, 64) {
			t.Errorf("Truncate(...) is not deterministic")
		}
	})
}

func TestTagsMap(t *testing.T) {
	flat := func(m map[string]*string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = *v
		}
		return out
	}
	cases := map[string]struct {
		tags Tags
		want map[string]string
	}{
		"Tenant": {
			tags: Tags{Platform: "prod", Tenant: "demo", CostCenter: "cc-42"},
			want: map[string]string{"managed-by": "crossplane", "app": "openedx", "platform": "prod", "tenant": "demo", "cost-center": "cc-42"},
		},
		"PlatformHasNoEmptyTenantTag": {
			tags: Tags{Platform: "prod", CostCenter: "cc-42"},
			want: map[string]string{"managed-by": "crossplane", "app": "openedx", "platform": "prod", "cost-center": "cc-42"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, flat(tc.tags.Map())); diff != "" {
				t.Errorf("Map(): -want, +got:\n%s", diff)
			}
		})
	}
}

func TestPruneNulls(t *testing.T) {
	in := map[string]any{
		"a": nil,
		"b": map[string]any{"c": nil, "d": "kept"},
		"e": []any{map[string]any{"index": nil, "f": true}},
	}
	want := map[string]any{
		"b": map[string]any{"d": "kept"},
		"e": []any{map[string]any{"f": true}},
	}
	pruneNulls(in)
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("pruneNulls(...): -want, +got:\n%s", diff)
	}
}

func TestIAMPath(t *testing.T) {
	if got, want := IAMPath("prod"), "/openedx/prod/"; got != want {
		t.Errorf("IAMPath(prod) = %q, want %q", got, want)
	}
}

func TestOrDefault(t *testing.T) {
	cases := map[string]struct {
		v, def, want int64
	}{
		"Zero":  {v: 0, def: 5, want: 5},
		"Set":   {v: 3, def: 5, want: 3},
		"Minus": {v: -1, def: 5, want: -1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := OrDefault(tc.v, tc.def); got != tc.want {
				t.Errorf("OrDefault(%d, %d) = %d, want %d", tc.v, tc.def, got, tc.want)
			}
		})
	}
}

func TestIsReady(t *testing.T) {
	observed := func(j string) map[resource.Name]resource.ObservedComposed {
		return map[resource.Name]resource.ObservedComposed{"r": {Resource: &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: resource.MustStructJSON(j).AsMap()}}}}
	}
	cases := map[string]struct {
		observed map[resource.Name]resource.ObservedComposed
		want     bool
	}{
		"Absent":         {observed: nil, want: false},
		"NoStatus":       {observed: observed(`{"kind": "VPC"}`), want: false},
		"NoConditions":   {observed: observed(`{"status": {}}`), want: false},
		"ReadyTrue":      {observed: observed(`{"status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}}`), want: true},
		"ReadyFalse":     {observed: observed(`{"status": {"conditions": [{"type": "Ready", "status": "False"}]}}`), want: false},
		"ReadyUnknown":   {observed: observed(`{"status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}`), want: false},
		"OnlySyncedTrue": {observed: observed(`{"status": {"conditions": [{"type": "Synced", "status": "True"}]}}`), want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := IsReady(tc.observed, "r"); got != tc.want {
				t.Errorf("IsReady(...) = %v, want %v", got, tc.want)
			}
		})
	}
}
