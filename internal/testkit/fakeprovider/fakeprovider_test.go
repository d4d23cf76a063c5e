package fakeprovider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func desired(apiVersion, kind, key string, forProvider map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata": map[string]any{
			"generateName": "prod-",
			"annotations":  map[string]any{AnnotationCompositionResourceName: key},
		},
		"spec": map[string]any{"forProvider": forProvider},
	}}
	return u
}

func TestObserve(t *testing.T) {
	cases := map[string]struct {
		in   *unstructured.Unstructured
		path []string
		want string
	}{
		"VPCGetsAnEC2Id": {
			in:   desired("ec2.aws.upbound.io/v1beta1", "VPC", "vpc", map[string]any{"region": "eu-west-1"}),
			path: []string{"status", "atProvider", "id"},
			want: "vpc-" + hash("prod/vpc", 17),
		},
		"RoleARNUsesExternalName": {
			in: func() *unstructured.Unstructured {
				u := desired("iam.aws.upbound.io/v1beta1", "Role", "iam-role-eks-node", map[string]any{})
				u.SetAnnotations(map[string]string{AnnotationCompositionResourceName: "iam-role-eks-node", "crossplane.io/external-name": "prod-eks-node"})
				return u
			}(),
			path: []string{"status", "atProvider", "arn"},
			want: "arn:aws:iam::123456789012:role/prod-eks-node",
		},
		"CloudFrontWebACLARNIsGlobal": {
			in:   desired("wafv2.aws.upbound.io/v1beta1", "WebACL", "waf-web-acl-static", map[string]any{"region": "us-east-1", "scope": "CLOUDFRONT", "name": "prod-static"}),
			path: []string{"status", "atProvider", "arn"},
			want: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/prod-static/" + hash("prod/waf-web-acl-static", 36),
		},
		"RegionalWebACLARNIsRegional": {
			in:   desired("wafv2.aws.upbound.io/v1beta1", "WebACL", "waf-web-acl", map[string]any{"region": "eu-west-1", "scope": "REGIONAL", "name": "prod"}),
			path: []string{"status", "atProvider", "arn"},
			want: "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/prod/" + hash("prod/waf-web-acl", 36),
		},
		"NameIsDerivedFromGenerateName": {
			in:   desired("ec2.aws.upbound.io/v1beta1", "Subnet", "subnet-public-eu-west-1a", map[string]any{"region": "eu-west-1"}),
			path: []string{"metadata", "name"},
			want: "prod-" + hash("prod/subnet-public-eu-west-1a", 5),
		},
		"ReadyConditionIsTrue": {
			in:   desired("kubernetes.crossplane.io/v1alpha2", "Object", "namespace", map[string]any{}),
			path: []string{"status", "conditions"},
			want: "True",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Observe(tc.in, "prod")
			var s string
			if tc.path[len(tc.path)-1] == "conditions" {
				conds, _, _ := unstructured.NestedSlice(got.Object, tc.path...)
				for _, c := range conds {
					if m := c.(map[string]any); m["type"] == "Ready" {
						s, _ = m["status"].(string)
					}
				}
			} else {
				s, _, _ = unstructured.NestedString(got.Object, tc.path...)
			}
			if diff := cmp.Diff(tc.want, s); diff != "" {
				t.Errorf("Observe(...) %v: -want, +got:\n%s", tc.path, diff)
			}
			if _, ok := tc.in.Object["status"]; ok {
				t.Errorf("Observe(...) modified its input")
			}
		})
	}
}

func TestObserveIsDeterministic(t *testing.T) {
	in := desired("eks.aws.upbound.io/v1beta1", "Cluster", "eks-cluster", map[string]any{"region": "eu-west-1", "version": "1.34"})
	if diff := cmp.Diff(Observe(in, "prod").Object, Observe(in, "prod").Object); diff != "" {
		t.Errorf("Observe(...) is not deterministic: -first, +second:\n%s", diff)
	}
	if Observe(in, "prod").GetName() == Observe(in, "staging").GetName() {
		t.Errorf("Observe(...) gave two composites the same resource name")
	}
}

func TestObserveDataStores(t *testing.T) {
	cases := map[string]struct {
		in   *unstructured.Unstructured
		path []string
		want string
	}{
		"AuroraWriterEndpoint": {
			in: func() *unstructured.Unstructured {
				u := desired("rds.aws.upbound.io/v1beta1", "Cluster", "database-cluster", map[string]any{"region": "eu-west-1"})
				u.SetAnnotations(map[string]string{AnnotationCompositionResourceName: "database-cluster", "crossplane.io/external-name": "prod-mysql"})
				return u
			}(),
			path: []string{"status", "atProvider", "endpoint"},
			want: "prod-mysql.cluster-" + hash("prod/database-cluster", 12) + ".eu-west-1.rds.amazonaws.com",
		},
		"SecretARNHasSuffix": {
			in:   desired("secretsmanager.aws.upbound.io/v1beta1", "Secret", "secret-cache-auth", map[string]any{"region": "eu-west-1", "name": "openedx/prod/cache-auth"}),
			path: []string{"status", "atProvider", "arn"},
			want: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/cache-auth-" + hash("prod/secret-cache-auth", 6),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, _, _ := unstructured.NestedString(Observe(tc.in, "prod").Object, tc.path...)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Observe(...) %v: -want, +got:\n%s", tc.path, diff)
			}
		})
	}
}
