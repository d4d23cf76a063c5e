//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fakeprovider"
	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// goldenComposed returns what a golden preview (test/golden, the reviewed
// output of `make render`) composes: Kind.group by composition resource
// name.
func goldenComposed(t *testing.T, example string) map[string]string {
	t.Helper()
	path := filepath.Join(cp.previews, example+".yaml")
	objs, err := manifests.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range objs {
		if o.GroupVersionKind().Group == "platform.openedx.cloud" {
			continue
		}
		name := o.GetAnnotations()[fakeprovider.AnnotationCompositionResourceName]
		if name == "" {
			t.Fatalf("%s: %s has no %s annotation", path, ref(o), fakeprovider.AnnotationCompositionResourceName)
		}
		out[name] = o.GetKind() + "." + o.GroupVersionKind().Group
	}
	if len(out) == 0 {
		t.Fatalf("%s composes nothing", path)
	}
	return out
}

// composedKinds returns Kind.group of composed resources by composition
// resource name.
func composedKinds(rs []*unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		out[r.GetAnnotations()[fakeprovider.AnnotationCompositionResourceName]] = r.GetKind() + "." + r.GroupVersionKind().Group
	}
	return out
}

// kindCounts counts Kind.group values.
func kindCounts(m map[string]string) map[string]int {
	out := map[string]int{}
	for _, k := range m {
		out[k]++
	}
	return out
}

// smallProfile is what the small profile means (README): three zones of
// public, private-app and private-db subnets, one VPC and one shared NAT
// gateway. It guards the golden preview itself.
var smallProfile = map[string]int{
	"Subnet.ec2.aws.upbound.io":     9,
	"VPC.ec2.aws.upbound.io":        1,
	"NATGateway.ec2.aws.upbound.io": 1,
	"EIP.ec2.aws.upbound.io":        1,
}

// networkKinds are composed from the spec alone, before AWS has reported
// anything.
var networkKinds = []string{
	"VPC.ec2.aws.upbound.io", "Subnet.ec2.aws.upbound.io", "InternetGateway.ec2.aws.upbound.io",
	"NATGateway.ec2.aws.upbound.io", "EIP.ec2.aws.upbound.io", "RouteTable.ec2.aws.upbound.io",
	"RouteTableAssociation.ec2.aws.upbound.io",
}

// TestPlatformComposesManagedResources applies the small Platform claim and
// wants every managed resource it composes to exist: created by Crossplane
// through server-side apply, so each one passed the API server's validation
// against the provider's CRD schema, and is cluster-scoped, labelled with
// its claim and controlled by its composite.
func TestPlatformComposesManagedResources(t *testing.T) {
	want := goldenComposed(t, "platform-small")
	for kind, n := range smallProfile {
		if got := kindCounts(want)[kind]; got != n {
			t.Fatalf("test/golden/platform-small.yaml composes %d %s, want %d for the small profile", got, kind, n)
		}
	}
	ensureNamespace(t, nsPlatform)
	applyFile(t, "examples/platform-small.yaml")
	xr := compositeOf(t, typePlatform, nsPlatform, "staging")

	eventually(t, 2*time.Minute, func() error { return platformComposed(xr, want, false) })
	rs, err := cp.composed(typeXPlatform, xr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("XPlatform %s composed %d resources before AWS reported anything: %v", xr, len(rs), countByKind(rs))

	x := getT(t, typeXPlatform, "", xr)
	for _, r := range rs {
		if r.GetNamespace() != "" {
			t.Errorf("%s is namespaced; a legacy composite can only compose cluster-scoped resources", ref(r))
		}
		if got := r.GetLabels()["crossplane.io/claim-name"]; got != "staging" {
			t.Errorf("%s has label crossplane.io/claim-name=%q, want staging", ref(r), got)
		}
		if c := metav1Controller(r); c != string(x.GetUID()) {
			t.Errorf("%s is controlled by %q, want XPlatform %s (%s)", ref(r), c, xr, x.GetUID())
		}
	}
	if byResourceName(rs, "eks-cluster") == nil {
		// AWS has not reported the ARNs the cluster needs.
		c := getT(t, typePlatform, nsPlatform, "staging")
		if s, _, _ := condition(c, "Ready"); s == "True" {
			t.Errorf("Platform staging is Ready without an EKS cluster: %s", describeConditions(c))
		}
	}
}

// platformComposed checks what a platform composed against want, the
// golden preview's resources: with complete, exactly those; otherwise only
// some of them, but every network resource (networkKinds), which needs
// nothing from AWS. It also wants Crossplane to report no error composing
// the platform. Its error names what is missing or unexpected and, from
// the composite's conditions and events, why: a composed resource the API
// server refused is named with the reason.
func platformComposed(xr string, want map[string]string, complete bool) error {
	rs, err := cp.composed(typeXPlatform, xr)
	if err != nil {
		return err
	}
	got := composedKinds(rs)
	var problems []string
	for name, kind := range got {
		if w, ok := want[name]; !ok || w != kind {
			problems = append(problems, fmt.Sprintf("unexpected %s %q (the golden preview has %q)", kind, name, w))
		}
	}
	for name, kind := range want {
		_, ok := got[name]
		if !ok && (complete || slices.Contains(networkKinds, kind)) {
			problems = append(problems, fmt.Sprintf("missing %s %q", kind, name))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("XPlatform %s differs from test/golden: %s\n  composed: %v%s", xr, strings.Join(problems, "; "), countByKind(rs), describeComposite(typeXPlatform, xr))
	}
	x, err := cp.kube.get(typeXPlatform, "", xr)
	if err != nil {
		return err
	}
	if err := conditionIs(x, "Synced", "True"); err != nil {
		return fmt.Errorf("%w%s", err, cp.events(xr))
	}
	return nil
}

// metav1Controller returns the UID of an object's controller.
func metav1Controller(u *unstructured.Unstructured) string {
	for _, o := range u.GetOwnerReferences() {
		if o.Controller != nil && *o.Controller {
			return string(o.UID)
		}
	}
	return ""
}

// TestPlatformBecomesReady plays provider-aws for the small platform until
// its claim is Ready: the EKS cluster is composed only once AWS has
// reported the KMS key's and node role's ARNs, and is created with them;
// then the claim shows its region and cluster and names the
// provider-kubernetes ProviderConfig tenants use.
func TestPlatformBecomesReady(t *testing.T) {
	ensureNamespace(t, nsPlatform)
	applyFile(t, "examples/platform-small.yaml")
	xr := compositeOf(t, typePlatform, nsPlatform, "staging")

	passes := 0
	eventually(t, 5*time.Minute, func() error {
		passes++
		if _, err := cp.playProvider(typeXPlatform, xr); err != nil {
			return err
		}
		rs, err := cp.composed(typeXPlatform, xr)
		if err != nil {
			return err
		}
		if byResourceName(rs, "eks-cluster") == nil {
			return fmt.Errorf("XPlatform %s has not composed its EKS cluster (eks-cluster) after %d provider passes%s", xr, passes, describeComposite(typeXPlatform, xr))
		}
		c, err := cp.kube.get(typePlatform, nsPlatform, "staging")
		if err != nil {
			return err
		}
		if err := conditionIs(c, "Ready", "True"); err != nil {
			return fmt.Errorf("%w%s", err, describeComposite(typeXPlatform, xr))
		}
		return nil
	})

	rs, err := cp.composed(typeXPlatform, xr)
	if err != nil {
		t.Fatal(err)
	}
	if err := platformComposed(xr, goldenComposed(t, "platform-small"), true); err != nil {
		t.Errorf("once ready: %v", err)
	}
	for _, r := range rs {
		if !playsProvider(r) {
			continue
		}
		if s, _, _ := condition(r, "Ready"); s != "True" {
			t.Errorf("%s is not Ready: %s", ref(r), describeConditions(r))
		}
	}

	// The cluster is created with the ARNs AWS reported.
	cluster := byResourceName(rs, "eks-cluster")
	key, nodeRole := byResourceName(rs, "kms-key-eks"), byResourceName(rs, "iam-role-eks-node")
	if cluster == nil || key == nil || nodeRole == nil {
		t.Fatalf("missing eks-cluster, kms-key-eks or iam-role-eks-node among %d composed resources", len(rs))
	}
	for _, c := range []struct {
		field string
		from  *unstructured.Unstructured
	}{
		{"spec.forProvider.encryptionConfig[0].provider[0].keyArn", key},
		{"spec.forProvider.computeConfig[0].nodeRoleArn", nodeRole},
	} {
		want := fieldString(c.from, "status.atProvider.arn")
		if got := fieldString(cluster, c.field); want == "" || got != want {
			t.Errorf("%s %s = %q, want the ARN AWS reported for %s, %q", ref(cluster), c.field, got, ref(c.from), want)
		}
	}

	// What operators and tenants read.
	claim := getT(t, typePlatform, nsPlatform, "staging")
	pcName, _, _ := unstructured.NestedString(claim.Object, "status", "cluster", "providerConfigName")
	pc := byResourceName(rs, "provider-config-kubernetes")
	if pc == nil || pcName == "" || pcName != pc.GetName() {
		t.Errorf("Platform staging status.cluster.providerConfigName = %q, want the composed ProviderConfig's name (%v)", pcName, pc)
	}
	vpcID, _, _ := unstructured.NestedString(claim.Object, "status", "network", "vpcId")
	if want := fieldString(byResourceName(rs, "vpc"), "status.atProvider.id"); vpcID == "" || vpcID != want {
		t.Errorf("Platform staging status.network.vpcId = %q, want the VPC's id %q", vpcID, want)
	}
	columns := printedColumns(t, typePlatform, nsPlatform, "staging")
	clusterName := cluster.GetAnnotations()["crossplane.io/external-name"]
	for col, want := range map[string]string{"READY": "True", "SYNCED": "True", "REGION": "us-east-1", "PROFILE": "small", "CLUSTER": clusterName} {
		if columns[col] != want || want == "" {
			t.Errorf("kubectl get platform staging: column %s = %q, want %q (all columns: %v)", col, columns[col], want, columns)
		}
	}
}

// fieldString reads a string at a path like a.b[0].c.
func fieldString(u *unstructured.Unstructured, path string) string {
	if u == nil {
		return ""
	}
	var cur any = u.Object
	for _, part := range strings.Split(path, ".") {
		name, idx, indexed := strings.Cut(part, "[")
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[name]
		if indexed {
			var i int
			if _, err := fmt.Sscanf(strings.TrimSuffix(idx, "]"), "%d", &i); err != nil {
				return ""
			}
			l, ok := cur.([]any)
			if !ok || i >= len(l) {
				return ""
			}
			cur = l[i]
		}
	}
	s, _ := cur.(string)
	return s
}

// printedColumns returns what kubectl get prints for an object, by column.
func printedColumns(t *testing.T, resource, namespace, name string) map[string]string {
	t.Helper()
	out := kubectlT(t, "get", resource, name, "-n", namespace)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("kubectl get %s %s printed %d lines, want a header and a row:\n%s", resource, name, len(lines), out)
	}
	// Columns are separated by at least two spaces... or one, when a value
	// fills its column: cut the row at the header's column starts instead.
	header := lines[0]
	var starts []int
	var names []string
	for i := 0; i < len(header); i++ {
		if header[i] != ' ' && (i == 0 || header[i-1] == ' ') {
			starts = append(starts, i)
			j := strings.IndexByte(header[i:], ' ')
			if j < 0 {
				j = len(header) - i
			}
			names = append(names, header[i:i+j])
		}
	}
	row := lines[1]
	cols := map[string]string{}
	for k, s := range starts {
		end := len(row)
		if k+1 < len(starts) && starts[k+1] < len(row) {
			end = starts[k+1]
		}
		if s < len(row) {
			cols[names[k]] = strings.TrimSpace(row[s:end])
		}
	}
	return cols
}
