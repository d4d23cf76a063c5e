package main

import (
	"encoding/json"
	"regexp"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	ecrv1beta1 "github.com/upbound/provider-aws/apis/ecr/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The platform's registry is one ECR repository per image Tutor builds,
// under the platform's name. Tags are immutable, so that a tag always names
// the image that was tested and deployed; every push is scanned; images are
// encrypted with the data key. Untagged images (the layers a re-tagged
// build left behind) expire beyond a count; tagged ones are never expired.

const (
	// ECR names are at most 256 characters, <platform>/<repository>: with
	// a platform's name of at most 63, a repository may have 192.
	maxRepositoryComponent = 192
	// registryLabelRepository labels a repository with its name in the spec,
	// so that its lifecycle policy selects it.
	registryLabelRepository = "registry-"
	maxRepositoryLabel      = 63
)

// reRepositoryComponent is what ECR accepts between the slashes of a
// repository name.
var reRepositoryComponent = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// nameRepository is the repository of an image.
func nameRepository(repo string) resource.Name { return resource.Name("ecr-repository-" + repo) }

// nameLifecyclePolicy is the lifecycle policy of an image's repository.
func nameLifecyclePolicy(repo string) resource.Name {
	return resource.Name("ecr-lifecycle-policy-" + repo)
}

// repositoryName is the repository's name in ECR: <platform>/<repo>.
func (p *plan) repositoryName(repo string) string {
	return awsnames.ECRComponent.Name(p.Name) + "/" + repo
}

// repositoryRole labels a repository. Repository names may be longer than
// a label value; a long one is shortened with a hash, which keeps it unique.
func repositoryRole(repo string) string {
	return compose.Truncate(registryLabelRepository+repo, maxRepositoryLabel)
}

// ecrLifecyclePolicy is an ECR lifecycle policy document.
type ecrLifecyclePolicy struct {
	Rules []ecrLifecycleRule `json:"rules"`
}

type ecrLifecycleRule struct {
	RulePriority int                   `json:"rulePriority"`
	Description  string                `json:"description,omitempty"`
	Selection    ecrLifecycleSelection `json:"selection"`
	Action       ecrLifecycleAction    `json:"action"`
}

type ecrLifecycleSelection struct {
	TagStatus   string `json:"tagStatus"`
	CountType   string `json:"countType"`
	CountNumber int    `json:"countNumber"`
}

type ecrLifecycleAction struct {
	Type string `json:"type"`
}

// registryLifecyclePolicy expires untagged images beyond the newest keep.
// It has no rule for tagged images: those stay until someone deletes them.
func registryLifecyclePolicy(keep int) (string, error) {
	b, err := json.Marshal(ecrLifecyclePolicy{Rules: []ecrLifecycleRule{{
		RulePriority: 1,
		Description:  "Expire untagged images beyond the newest ones",
		Selection: ecrLifecycleSelection{
			TagStatus:   "untagged",
			CountType:   "imageCountMoreThan",
			CountNumber: keep,
		},
		Action: ecrLifecycleAction{Type: "expire"},
	}}})
	return string(b), errors.Wrap(err, "cannot marshal ECR lifecycle policy")
}

// registryNames checks that ECR accepts every repository name. The
// composite's name prefixes them as awsnames.ECRComponent derives it.
func registryNames(p *plan) error {
	rp := field.NewPath("spec", "registry", "repositories")
	seen := map[string]bool{}
	for i, repo := range p.Repositories {
		switch {
		case seen[repo]:
			return field.Duplicate(rp.Index(i), repo)
		case len(repo) > maxRepositoryComponent:
			return field.TooLong(rp.Index(i), repo, maxRepositoryComponent)
		case !reRepositoryComponent.MatchString(repo):
			return field.Invalid(rp.Index(i), repo, "must be lower-case letters and digits, separated by single '.', '_' or '-'")
		}
		seen[repo] = true
	}
	return nil
}

// registry composes a repository and its lifecycle policy per image. It
// refuses names ECR would refuse rather than fail in AWS.
func registry(p *plan) ([]compose.Resource, error) {
	if err := registryNames(p); err != nil {
		return nil, err
	}
	policy, err := registryLifecyclePolicy(p.KeepUntagged)
	if err != nil {
		return nil, err
	}
	rs := make([]compose.Resource, 0, 2*len(p.Repositories))
	for _, repo := range p.Repositories {
		name := p.repositoryName(repo)
		labels := map[string]string{LabelRole: repositoryRole(repo)}
		rs = append(rs,
			compose.Resource{Name: nameRepository(repo), Object: &ecrv1beta1.Repository{
				ObjectMeta: externallyNamed(name, labels),
				Spec: ecrv1beta1.RepositorySpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ecrv1beta1.RepositoryParameters{
						Region:             &p.Region,
						ImageTagMutability: ptr.To("IMMUTABLE"),
						ImageScanningConfiguration: []ecrv1beta1.ImageScanningConfigurationParameters{{
							ScanOnPush: ptr.To(true),
						}},
						EncryptionConfiguration: []ecrv1beta1.EncryptionConfigurationParameters{{
							EncryptionType: ptr.To("KMS"),
							KMSKeySelector: dataKeySelector(),
						}},
						// A repository with images is not deleted with the
						// platform: its deletion fails until they are removed.
						ForceDelete: ptr.To(false),
						Tags:        p.tags(name),
					},
				},
			}},
			compose.Resource{Name: nameLifecyclePolicy(repo), Object: &ecrv1beta1.LifecyclePolicy{
				Spec: ecrv1beta1.LifecyclePolicySpec{
					ResourceSpec: p.resourceSpec(),
					ForProvider: ecrv1beta1.LifecyclePolicyParameters{
						Region:             &p.Region,
						Policy:             &policy,
						RepositorySelector: selector(labels),
					},
				},
			}},
		)
	}
	return rs, nil
}

// registryStatus maps each repository's name in the spec to its URL, for
// the repositories AWS has created.
func registryStatus(p *plan, observed map[resource.Name]resource.ObservedComposed) map[string]string {
	out := map[string]string{}
	for _, repo := range p.Repositories {
		if url := compose.ObservedString(observed, nameRepository(repo), "status.atProvider.repositoryUrl"); url != "" {
			out[repo] = url
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
