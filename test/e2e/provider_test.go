//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fakeprovider"
)

// Resource types of the composites, for kubectl.
const (
	typeXPlatform = "xplatforms.platform.openedx.cloud"
	typeXTenant   = "xopenedxtenants.platform.openedx.cloud"
	typePlatform  = "platforms.platform.openedx.cloud"
	typeTenant    = "openedxtenants.platform.openedx.cloud"
)

// composed returns the composed resources of a composite resource, as
// listed in its spec.resourceRefs (spec.crossplane.resourceRefs for
// Crossplane v2 composites). Resources listed but gone are left out.
func (c *controlPlane) composed(xrType, xrName string) ([]*unstructured.Unstructured, error) {
	xr, err := c.kube.get(xrType, "", xrName)
	if err != nil {
		return nil, err
	}
	if xr == nil {
		return nil, fmt.Errorf("%s %s does not exist", xrType, xrName)
	}
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "resourceRefs")
	if len(refs) == 0 {
		refs, _, _ = unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
	}
	if len(refs) == 0 {
		return nil, nil
	}
	// One kubectl call: TYPE/NAME for every reference. A CRD's singular
	// name is its lower-case kind.
	args := []string{"--ignore-not-found"}
	for _, r := range refs {
		m, _ := r.(map[string]any)
		apiVersion, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		group, version, ok := strings.Cut(apiVersion, "/")
		if !ok || name == "" {
			return nil, fmt.Errorf("%s %s has a malformed resource reference %v", xrType, xrName, m)
		}
		args = append(args, fmt.Sprintf("%s.%s.%s/%s", strings.ToLower(kind), version, group, name))
	}
	out, err := c.kube.list(args...)
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return ref(out[i]) < ref(out[j]) })
	return out, nil
}

// countByKind counts resources by Kind.group.
func countByKind(rs []*unstructured.Unstructured) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		out[r.GetKind()+"."+r.GroupVersionKind().Group]++
	}
	return out
}

// playsProvider reports whether the fake provider acts on a kind: managed
// resources have conditions; provider configs have none, and Crossplane's
// own usage controller makes Usages ready.
func playsProvider(u *unstructured.Unstructured) bool {
	return u.GetKind() != "ProviderConfig" && u.GroupVersionKind().Group != "protection.crossplane.io"
}

// playProvider plays provider-aws and provider-kubernetes once for the
// composed resources of a composite: each one that does not look created
// yet gets what the provider would write once AWS or the cluster has
// created it (fakeprovider.Observe): Ready and Synced conditions and
// status.atProvider. Only status is written, through the status
// subresource. It returns how many resources it wrote.
func (c *controlPlane) playProvider(xrType, xrName string) (int, error) {
	rs, err := c.composed(xrType, xrName)
	if err != nil {
		return 0, err
	}
	var writes []map[string]any
	for _, live := range rs {
		if !playsProvider(live) || live.GetDeletionTimestamp() != nil {
			continue
		}
		observed := fakeprovider.Observe(live, xrName)
		if observed.GetName() != live.GetName() {
			return 0, fmt.Errorf("fake provider renamed %s to %s", ref(live), observed.GetName())
		}
		if upToDate(live, observed) {
			continue
		}
		// The live object with the observed status: a PUT to the status
		// subresource changes status only.
		w := live.DeepCopy()
		status, _, _ := unstructured.NestedMap(observed.Object, "status")
		_ = unstructured.SetNestedMap(w.Object, status, "status")
		writes = append(writes, w.Object)
	}
	if len(writes) == 0 {
		return 0, nil
	}
	// A replace (PUT), not an apply: the fake provider writes some
	// atProvider fields the CRD does not have, which the API server prunes
	// from a PUT but refuses in an apply. --validate=false keeps kubectl
	// from refusing them first. A conflict with a concurrent write fails
	// that object only; the next pass writes it again.
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": writes}
	b, err := json.Marshal(list)
	if err != nil {
		return 0, err
	}
	if _, err := c.kube.run(b, "replace", "--subresource=status", "--validate=false", "-f", "-"); err != nil {
		return 0, fmt.Errorf("fake provider cannot write status: %w", err)
	}
	return len(writes), nil
}

// upToDate reports whether live already has the conditions and
// atProvider fields observed would give it.
func upToDate(live, observed *unstructured.Unstructured) bool {
	for _, typ := range []string{"Ready", "Synced"} {
		if s, _, _ := condition(live, typ); s != "True" {
			return false
		}
	}
	want, _, _ := unstructured.NestedMap(observed.Object, "status", "atProvider")
	have, _, _ := unstructured.NestedMap(live.Object, "status", "atProvider")
	for k, v := range want {
		if !reflect.DeepEqual(have[k], v) {
			return false
		}
	}
	return true
}

// resourceType is an object's kubectl resource type: kind.version.group (a
// CRD's singular name is its lower-case kind).
func resourceType(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	return strings.ToLower(gvk.Kind) + "." + gvk.Version + "." + gvk.Group
}
