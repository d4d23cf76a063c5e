package test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// objectsOfKind are the provider-kubernetes Objects whose manifest is of kind.
func objectsOfKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range byKind(objs, "kubernetes.crossplane.io", "Object") {
		if k, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "manifest", "kind"); k == kind {
			out = append(out, o)
		}
	}
	return out
}

// selects reports whether a rule's security group selector names role.
func selects(o *unstructured.Unstructured, role string) bool {
	r, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "securityGroupIdSelector", "matchLabels", "platform.openedx.cloud/role")
	return r == role
}

// TestBastionHasNoInboundRule: the bastion is reached through SSM only.
func TestBastionHasNoInboundRule(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-production.yaml")
	if len(mongoMembers(objs)) == len(byKind(objs, "ec2.aws.upbound.io", "Instance")) {
		t.Fatal("the production example composes no bastion")
	}
	for _, r := range byKind(objs, "ec2.aws.upbound.io", "SecurityGroupIngressRule") {
		if selects(r, "sg-bastion") {
			t.Errorf("ingress rule %q opens the bastion", r.GetAnnotations()["crossplane.io/composition-resource-name"])
		}
	}
	for _, lt := range byKind(objs, "ec2.aws.upbound.io", "LaunchTemplate") {
		if _, ok, _ := unstructured.NestedFieldNoCopy(lt.Object, "spec", "forProvider", "keyName"); ok {
			t.Errorf("launch template %s has a key pair", lt.GetName())
		}
	}
}

// TestEveryBucketBlocksPublicAccess: each bucket has a public access block
// that selects it, with all four flags on (the policy suite checks flags).
func TestEveryBucketBlocksPublicAccess(t *testing.T) {
	render, _ := dirs(t)
	for _, ex := range examples(t) {
		objs := rendered(t, render, ex)
		blocked := map[string]bool{}
		for _, b := range byKind(objs, "s3.aws.upbound.io", "BucketPublicAccessBlock") {
			role, _, _ := unstructured.NestedString(b.Object, "spec", "forProvider", "bucketSelector", "matchLabels", "platform.openedx.cloud/role")
			blocked[role] = true
		}
		for _, b := range byKind(objs, "s3.aws.upbound.io", "Bucket") {
			if role := b.GetLabels()["platform.openedx.cloud/role"]; !blocked[role] {
				t.Errorf("%s: bucket %q (role %q) has no public access block", ex, b.GetName(), role)
			}
		}
	}
}

// TestWAFGuardsTheListenerThatServesUsers: the anchor Ingress that creates
// the shared ALB carries the platform's web ACL, listens on HTTPS and
// redirects HTTP, and tenants join that ALB through its IngressClass.
func TestWAFGuardsTheListenerThatServesUsers(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-production.yaml")
	acl, _, _ := unstructured.NestedString(objs[0].Object, "status", "edge", "webAclArn")
	class, _, _ := unstructured.NestedString(objs[0].Object, "status", "edge", "ingressClassName")
	if acl == "" || class == "" {
		t.Fatalf("status.edge: webAclArn %q, ingressClassName %q; want both once ready", acl, class)
	}
	ings := objectsOfKind(objs, "Ingress")
	if len(ings) != 1 {
		t.Fatalf("want the one anchor Ingress of the shared ALB, got %d", len(ings))
	}
	ann, _, _ := unstructured.NestedStringMap(ings[0].Object, "spec", "forProvider", "manifest", "metadata", "annotations")
	if ann["alb.ingress.kubernetes.io/wafv2-acl-arn"] != acl {
		t.Errorf("the ALB's WAF is %q, want the platform's web ACL %q", ann["alb.ingress.kubernetes.io/wafv2-acl-arn"], acl)
	}
	if ann["alb.ingress.kubernetes.io/ssl-redirect"] != "443" {
		t.Errorf("HTTP is not redirected to HTTPS: ssl-redirect %q", ann["alb.ingress.kubernetes.io/ssl-redirect"])
	}
	got, _, _ := unstructured.NestedString(ings[0].Object, "spec", "forProvider", "manifest", "spec", "ingressClassName")
	if got != class {
		t.Errorf("the anchor uses class %q, tenants use %q: they would not share the WAF-protected ALB", got, class)
	}
	if n := len(objectsOfKind(objs, "IngressClass")); n != 1 {
		t.Errorf("want the IngressClass tenants join, got %d", n)
	}
}

// TestClusterOutlivesTheLoadBalancer: Crossplane must not delete the
// cluster, nor the ClusterAuth provider-kubernetes reaches it with, before
// the anchor Ingress, or the load balancer Auto Mode built from it is left
// behind. Each usage's selectors must pick exactly the objects meant among
// what the platform composes.
func TestClusterOutlivesTheLoadBalancer(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-production.yaml")
	anchor := ""
	for _, o := range objectsOfKind(objs, "Ingress") {
		anchor = o.GetName()
	}
	selected := func(ref map[string]any) []string {
		apiVersion, _ := ref["apiVersion"].(string)
		kind, _ := ref["kind"].(string)
		labels, _, _ := unstructured.NestedStringMap(ref, "resourceSelector", "matchLabels")
		var out []string
		for _, o := range objs[1:] {
			if o.GetAPIVersion() != apiVersion || o.GetKind() != kind {
				continue
			}
			match := true
			for k, v := range labels {
				match = match && o.GetLabels()[k] == v
			}
			if match {
				out = append(out, kind+"/"+o.GetName())
			}
		}
		return out
	}
	var of []string
	for _, u := range byKind(objs, "protection.crossplane.io", "ClusterUsage") {
		spec, _, _ := unstructured.NestedMap(u.Object, "spec")
		if spec["replayDeletion"] != true {
			t.Errorf("usage %s does not replay the deletion it blocked", u.GetName())
		}
		by, _ := spec["by"].(map[string]any)
		if got := selected(by); len(got) != 1 || got[0] != "Object/"+anchor {
			t.Errorf("usage %s is by %v, want the anchor Ingress's Object %s", u.GetName(), got, anchor)
		}
		o, _ := spec["of"].(map[string]any)
		got := selected(o)
		if len(got) != 1 {
			t.Errorf("usage %s is of %v, want one object", u.GetName(), got)
			continue
		}
		kind, _, _ := strings.Cut(got[0], "/")
		of = append(of, kind)
	}
	sort.Strings(of)
	if diff := cmp.Diff([]string{"Cluster", "ClusterAuth"}, of); diff != "" {
		t.Errorf("resources kept until the anchor is deleted: -want, +got:\n%s", diff)
	}

	for _, path := range [][]string{{"edge", "staticBucket"}, {"edge", "loadBalancerHostname"}} {
		if v, _, _ := unstructured.NestedString(objs[0].Object, append([]string{"status"}, path...)...); v == "" {
			t.Errorf("status.%s is empty once everything is ready", strings.Join(path, "."))
		}
	}
	if ns, _, _ := unstructured.NestedStringSlice(objs[0].Object, "status", "edge", "nameServers"); len(ns) == 0 {
		t.Error("status.edge.nameServers is empty: the domain cannot be delegated to the platform's zone")
	}
}
