package main

import (
	"encoding/json"
	"strings"
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	ecrv1beta1 "github.com/upbound/provider-aws/apis/ecr/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

func registryWith(keep int, repos ...string) func(*v1alpha1.XPlatform) {
	return func(xr *v1alpha1.XPlatform) {
		xr.Spec.Registry.Repositories = repos
		xr.Spec.Registry.UntaggedImagesToKeep = keep
	}
}

func mustRegistry(t *testing.T, p *plan) []compose.Resource {
	t.Helper()
	rs, err := registry(p)
	if err != nil {
		t.Fatalf("registry(...): unexpected error: %v", err)
	}
	objects(t, rs) // fails on a duplicate name
	return rs
}

// registryRepo is a repository and its lifecycle policy in a comparable form.
type registryRepo struct {
	ExternalName, Mutability, Encryption string
	ScanOnPush, ForceDelete              bool
	Key                                  *xpv1.Selector
	Policies                             int
}

func TestRegistryRepositories(t *testing.T) {
	repo := func(name string) registryRepo {
		return registryRepo{ExternalName: name, Mutability: "IMMUTABLE", Encryption: "KMS", ScanOnPush: true, Key: dataKeySelector(), Policies: 1}
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   map[resource.Name]registryRepo
	}{
		"Default": {
			reason: "Tutor's openedx and MFE images, under the platform's name, immutable, scanned on push, encrypted with the data key, each with one lifecycle policy.",
			xr:     newXR(),
			want: map[resource.Name]registryRepo{
				"ecr-repository-openedx":     repo("prod/openedx"),
				"ecr-repository-openedx-mfe": repo("prod/openedx-mfe"),
			},
		},
		"Custom": {
			reason: "The spec's repositories replace the defaults.",
			xr:     newXR(withName("staging"), registryWith(0, "openedx", "openedx.dev", "codejail_service")),
			want: map[resource.Name]registryRepo{
				"ecr-repository-openedx":          repo("staging/openedx"),
				"ecr-repository-openedx.dev":      repo("staging/openedx.dev"),
				"ecr-repository-codejail_service": repo("staging/codejail_service"),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := mustRegistry(t, mustPlan(t, tc.xr))
			policies := ofType[*ecrv1beta1.LifecyclePolicy](rs)
			got := map[resource.Name]registryRepo{}
			for n, r := range ofType[*ecrv1beta1.Repository](rs) {
				fp := r.Spec.ForProvider
				if len(fp.ImageScanningConfiguration) != 1 || len(fp.EncryptionConfiguration) != 1 {
					t.Fatalf("%s\n%s: scanning %v, encryption %v", tc.reason, n, fp.ImageScanningConfiguration, fp.EncryptionConfiguration)
				}
				g := registryRepo{
					ExternalName: r.Annotations[compose.AnnotationExternalName],
					Mutability:   *fp.ImageTagMutability,
					Encryption:   *fp.EncryptionConfiguration[0].EncryptionType,
					ScanOnPush:   *fp.ImageScanningConfiguration[0].ScanOnPush,
					ForceDelete:  ptr.Deref(fp.ForceDelete, true),
					Key:          fp.EncryptionConfiguration[0].KMSKeySelector,
				}
				// A policy applies to the repositories its selector matches.
				for _, lp := range policies {
					if registrySelects(lp.Spec.ForProvider.RepositorySelector, r.Labels) {
						g.Policies++
					}
				}
				got[n] = g
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nrepositories: -want, +got:\n%s", tc.reason, diff)
			}
			if len(policies) != len(tc.want) {
				t.Errorf("%s\n%d lifecycle policies for %d repositories", tc.reason, len(policies), len(tc.want))
			}
			checkEdgeAccessTags(t, tc.reason, tc.xr.Name, rs)
			checkEdgeAccessComposable(t, rs)
		})
	}
}

// registrySelects reports whether a selector of this composite selects labels.
func registrySelects(s *xpv1.Selector, labels map[string]string) bool {
	if s == nil || s.MatchControllerRef == nil || !*s.MatchControllerRef || len(s.MatchLabels) == 0 {
		return false
	}
	for k, v := range s.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestRegistryLifecyclePolicy(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		want   string
	}{
		"Default": {
			reason: "Untagged images beyond the newest 10 expire; no rule touches tagged images.",
			xr:     newXR(),
			want:   `{"rules":[{"rulePriority":1,"description":"Expire untagged images beyond the newest ones","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`,
		},
		"Custom": {
			reason: "The count comes from the spec.",
			xr:     newXR(registryWith(25)),
			want:   `{"rules":[{"rulePriority":1,"description":"Expire untagged images beyond the newest ones","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":25},"action":{"type":"expire"}}]}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var want any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			for n, lp := range ofType[*ecrv1beta1.LifecyclePolicy](mustRegistry(t, mustPlan(t, tc.xr))) {
				var got any
				if err := json.Unmarshal([]byte(*lp.Spec.ForProvider.Policy), &got); err != nil {
					t.Fatalf("%s\n%s: policy is not JSON: %v", tc.reason, n, err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s\n%s policy: -want, +got:\n%s", tc.reason, n, diff)
				}
				if strings.Contains(*lp.Spec.ForProvider.Policy, `"tagged"`) || strings.Contains(*lp.Spec.ForProvider.Policy, `"any"`) {
					t.Errorf("%s\n%s: a rule selects tagged images", tc.reason, n)
				}
			}
		})
	}
}

func TestRegistryLabels(t *testing.T) {
	long := strings.Repeat("a", 100)
	p := mustPlan(t, newXR(registryWith(0, long+"-one", long+"-two", "openedx")))
	rs := mustRegistry(t, p)
	seen := map[string]bool{}
	for n, r := range ofType[*ecrv1beta1.Repository](rs) {
		v := r.Labels[LabelRole]
		if errs := validation.IsValidLabelValue(v); len(errs) != 0 {
			t.Errorf("Long repository names must still give valid labels.\n%s: label %q: %v", n, v, errs)
		}
		if seen[v] {
			t.Errorf("Repositories must not share a label, or one's lifecycle policy would select both.\n%s: label %q is used twice", n, v)
		}
		seen[v] = true
	}
	if len(seen) != 3 {
		t.Errorf("want 3 repositories, got %d", len(seen))
	}
}

func TestRegistryInvalidNames(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XPlatform
		path   string
	}{
		"BadRepository": {
			reason: "A repository the XRD would refuse is refused here too.",
			xr:     newXR(registryWith(0, "openedx", "mfe/")),
			path:   "spec.registry.repositories[1]",
		},
		"Duplicate": {
			reason: "A repository listed twice is refused, as the XRD's set does.",
			xr:     newXR(registryWith(0, "openedx", "mfe", "openedx")),
			path:   "spec.registry.repositories[2]",
		},
		"TooLong": {
			reason: "ECR names are at most 256 characters, and a platform's name may take 64 of them.",
			xr:     newXR(registryWith(0, strings.Repeat("a", 193))),
			path:   "spec.registry.repositories[0]",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, err := registry(mustPlan(t, tc.xr))
			if err == nil {
				t.Fatalf("%s\nregistry(...): want an error, got %d resources", tc.reason, len(rs))
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("%s\nregistry(...): error %q does not name %s", tc.reason, err, tc.path)
			}
		})
	}
	// The count of untagged images is bounded as the XRD bounds it, before
	// anything is composed.
	for _, keep := range []int{-1, 1001} {
		if _, err := newPlan(newXR(registryWith(keep))); err == nil || !strings.Contains(err.Error(), "spec.registry.untaggedImagesToKeep") {
			t.Errorf("newPlan(...) with untaggedImagesToKeep %d: error %v, want one naming spec.registry.untaggedImagesToKeep", keep, err)
		}
	}
	// The longest valid name is accepted.
	if _, err := registry(mustPlan(t, newXR(registryWith(0, strings.Repeat("a", 192))))); err != nil {
		t.Errorf("A 192-character repository is valid: %v", err)
	}
}

func TestRegistryStatus(t *testing.T) {
	url := func(repo string) resource.ObservedComposed {
		return observedJSON(`{"apiVersion":"ecr.aws.upbound.io/v1beta1","kind":"Repository","metadata":{"name":"r"},"status":{"atProvider":{"repositoryUrl":"123456789012.dkr.ecr.eu-west-1.amazonaws.com/prod/` + repo + `"}}}`)
	}
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		want     map[string]string
	}{
		"NoneCreated": {
			reason: "No URL before AWS has created a repository.",
		},
		"SomeCreated": {
			reason:   "Created repositories are listed by their name in the spec.",
			observed: map[resource.Name]resource.ObservedComposed{"ecr-repository-openedx": url("openedx")},
			want:     map[string]string{"openedx": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/prod/openedx"},
		},
		"AllCreated": {
			reason: "Every repository of the spec, and only those.",
			observed: map[resource.Name]resource.ObservedComposed{
				"ecr-repository-openedx": url("openedx"), "ecr-repository-openedx-mfe": url("openedx-mfe"),
				"ecr-repository-removed": url("removed"),
			},
			want: map[string]string{
				"openedx":     "123456789012.dkr.ecr.eu-west-1.amazonaws.com/prod/openedx",
				"openedx-mfe": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/prod/openedx-mfe",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, registryStatus(mustPlan(t, newXR()), tc.observed)); diff != "" {
				t.Errorf("%s\nregistryStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
