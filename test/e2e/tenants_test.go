//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fakeprovider"
	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// What the suite knows of the tenant function's composition resource
// names, beyond the golden preview of the demo tenant.
const (
	// provisionJobPrefix starts the name of the Object of the provisioning
	// Job, which ends in a hash of the Job's spec: two tenants' names
	// differ there.
	provisionJobPrefix = "provision-job-"
	// usagePlatform is the ClusterUsage that keeps a tenant's XPlatform
	// while the tenant exists.
	usagePlatform = "usage-platform"
)

// domainResources are the golden tenant's resources composed from its
// platform's domain (spec.domain), by name prefix: DNS records, the
// certificate and its validation, the Ingress on the shared ALB, and the
// SES SMTP identity. The golden tenant's platform (prod) has a domain; a
// tenant of a platform without one, like staging, composes everything
// else the golden tenant composes, and none of these.
var domainResources = []string{"dns-record-", "acm-certificate", "ingress", "iam-role-sending-attachment", "iam-user-smtp"}

// resourceKey is a composition resource name with the provisioning Job's
// spec hash left out, so that tenants' names compare.
func resourceKey(name string) string {
	if strings.HasPrefix(name, provisionJobPrefix) {
		return provisionJobPrefix + "<hash>"
	}
	return name
}

// tenantWant is what a tenant of a Platform claim composes once Ready,
// Kind.group by resourceKey: the golden demo tenant's resources, less the
// domainResources when the platform has no domain, and less the Ingress
// while it publishes no ingress class.
func tenantWant(t *testing.T, platform string) map[string]string {
	t.Helper()
	pl := getT(t, typePlatform, nsPlatform, platform)
	if pl == nil {
		t.Fatalf("Platform %s/%s does not exist", nsPlatform, platform)
	}
	domain := fieldString(pl, "spec.domain")
	class := fieldString(pl, "status.edge.ingressClassName")
	want := map[string]string{}
	for name, kind := range goldenComposed(t, "tenant-demo") {
		switch {
		case domain == "" && slices.ContainsFunc(domainResources, func(p string) bool { return strings.HasPrefix(name, p) }):
		case class == "" && name == "ingress":
		default:
			want[resourceKey(name)] = kind
		}
	}
	return want
}

// tenantResourceTypes are the kubectl resource types of what tenants
// compose, from the golden demo tenant: kind.version.group, at the version
// composed, which is the storage version. kind.group would read at the
// preferred version, which can be another one, and no conversion webhook
// runs here to convert.
func tenantResourceTypes(t *testing.T) []string {
	t.Helper()
	objs, err := manifests.Read(filepath.Join(cp.previews, "tenant-demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		if o.GroupVersionKind().Group != "platform.openedx.cloud" {
			seen[resourceType(o)] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// listComposed lists every object of the tenants' resource types with a
// label selector, whatever composite's resourceRefs say: a duplicate or an
// orphan shows here. Large lists are fetched type by type, in parallel.
func listComposed(types []string, selector string) ([]*unstructured.Unstructured, error) {
	var (
		mu   sync.Mutex
		out  []*unstructured.Unstructured
		errs []error
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, 4)
	for _, typ := range types {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			l, err := cp.kube.list(typ, "-l", selector)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			out = append(out, l...)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	sort.Slice(out, func(i, j int) bool { return ref(out[i]) < ref(out[j]) })
	return out, nil
}

// byComposite groups objects by their crossplane.io/composite label.
func byComposite(objs []*unstructured.Unstructured) map[string][]*unstructured.Unstructured {
	out := map[string][]*unstructured.Unstructured{}
	for _, o := range objs {
		xr := o.GetLabels()["crossplane.io/composite"]
		out[xr] = append(out[xr], o)
	}
	return out
}

// checkComposedShape compares what a composite composes (every object
// labelled with it, not only those its resourceRefs list) with want: each
// resource exactly once, none missing, none unexpected, and one
// provisioning Job. It returns one line per problem.
func checkComposedShape(xr string, objs []*unstructured.Unstructured, want map[string]string) []string {
	var problems []string
	count := map[string]int{}
	got := map[string]string{}
	jobs := 0
	for _, o := range objs {
		name := o.GetAnnotations()[fakeprovider.AnnotationCompositionResourceName]
		key := resourceKey(name)
		count[key]++
		got[key] = o.GetKind() + "." + o.GroupVersionKind().Group
		if o.GetKind() == "Object" && manifest(o).GetKind() == "Job" {
			jobs++
		}
	}
	for key, n := range count {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("%s composes %d objects %s", xr, n, key))
		}
		if w, ok := want[key]; !ok || w != got[key] {
			problems = append(problems, fmt.Sprintf("%s composes unexpected %s %s (want %q)", xr, got[key], key, w))
		}
	}
	for key, kind := range want {
		if count[key] == 0 {
			problems = append(problems, fmt.Sprintf("%s is missing %s %s", xr, kind, key))
		}
	}
	if jobs != 1 {
		problems = append(problems, fmt.Sprintf("%s composes %d Objects managing a Job, want one", xr, jobs))
	}
	sort.Strings(problems)
	return problems
}

// playProviderFor plays the providers once for every composed resource of
// the given types matching a label selector, as playProvider does for one
// composite, and returns how many it wrote. Writes go in batches through
// parallel kubectl calls; a conflict fails a batch, which the next pass
// writes again.
func (c *controlPlane) playProviderFor(types []string, selector string) (int, error) {
	objs, err := listComposed(types, selector)
	if err != nil {
		return 0, err
	}
	var writes []map[string]any
	for _, live := range objs {
		if !playsProvider(live) || live.GetDeletionTimestamp() != nil {
			continue
		}
		xr := live.GetLabels()["crossplane.io/composite"]
		observed := fakeprovider.Observe(live, xr)
		if upToDate(live, observed) {
			continue
		}
		w := live.DeepCopy()
		status, _, _ := unstructured.NestedMap(observed.Object, "status")
		_ = unstructured.SetNestedMap(w.Object, status, "status")
		writes = append(writes, w.Object)
	}
	const batch = 100
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	sem := make(chan struct{}, 4)
	for start := 0; start < len(writes); start += batch {
		items := writes[start:min(start+batch, len(writes))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
			if err == nil {
				_, err = c.kube.run(b, "replace", "--subresource=status", "--validate=false", "-f", "-")
			}
			if err != nil && !strings.Contains(err.Error(), "the object has been modified") {
				mu.Lock()
				errs = append(errs, fmt.Errorf("fake provider cannot write status: %w", err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return 0, errs[0]
	}
	return len(writes), nil
}
