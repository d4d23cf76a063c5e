// Package s3bucket composes a private S3 bucket the way every bucket of the
// platform must be: public access blocked, ACLs off, versioned, encrypted,
// old versions expired. The platform's static bucket and each tenant's
// storage bucket are both built here, so the policy holds for both by
// construction.
package s3bucket

import (
	"fmt"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// abortMultipartDays bounds what unfinished uploads cost.
const abortMultipartDays = 7

// Bucket describes one private bucket.
type Bucket struct {
	// Name is the composition name of the bucket; its configuration
	// resources are named <Name>-<concern>.
	Name resource.Name
	// BucketName is the bucket's name in AWS.
	BucketName string
	Region     string
	// Labels select the bucket from its configuration resources. They must
	// be unique among the composite's buckets.
	Labels map[string]string
	// ResourceSpec of every resource: its deletion policy decides whether
	// the bucket outlives its composite.
	ResourceSpec xpv1.ResourceSpec
	Tags         map[string]*string
	// ForceDestroy deletes the objects with the bucket. Without it AWS
	// refuses to delete a bucket that is not empty, which keeps data.
	ForceDestroy bool
	// KMSKeyARN encrypts objects with SSE-KMS; empty means SSE-S3.
	KMSKeyARN string
	// NoncurrentVersionDays is how long an overwritten or deleted object
	// can be restored.
	NoncurrentVersionDays int
	// CORSOrigins may read and write the bucket from browsers; none means
	// no CORS configuration.
	CORSOrigins []string
	// ExpirationDays expires every object that many days after it was
	// written, as a log bucket's retention; 0 keeps objects until deleted.
	ExpirationDays int
	// ACLsEnabled keeps object ACLs (ownership BucketOwnerPreferred) for
	// the one writer that still needs them, CloudFront's standard logging
	// (legacy); every other bucket has them off (BucketOwnerEnforced).
	ACLsEnabled bool
}

// Names of the configuration resources, for callers that wait on them.
func (b Bucket) name(concern string) resource.Name {
	return resource.Name(string(b.Name) + "-" + concern)
}

// Resources are the bucket and its configuration.
func (b Bucket) Resources() []compose.Resource {
	spec := b.ResourceSpec
	t := true
	sel := &xpv1.Selector{MatchControllerRef: &t, MatchLabels: b.Labels}
	encryption := s3v1beta1.RuleApplyServerSideEncryptionByDefaultParameters{SseAlgorithm: ptr.To("AES256")}
	var bucketKey *bool
	if b.KMSKeyARN != "" {
		encryption = s3v1beta1.RuleApplyServerSideEncryptionByDefaultParameters{SseAlgorithm: ptr.To("aws:kms"), KMSMasterKeyID: ptr.To(b.KMSKeyARN)}
		// One KMS request per bucket key instead of per object.
		bucketKey = ptr.To(true)
	}
	ownership := "BucketOwnerEnforced"
	if b.ACLsEnabled {
		ownership = "BucketOwnerPreferred"
	}
	var expiration []s3v1beta1.RuleExpirationParameters
	if b.ExpirationDays > 0 {
		expiration = []s3v1beta1.RuleExpirationParameters{{Days: ptr.To(float64(b.ExpirationDays))}}
	}
	rs := []compose.Resource{
		{Name: b.Name, Object: &s3v1beta1.Bucket{
			ObjectMeta: metav1.ObjectMeta{Labels: b.Labels, Annotations: map[string]string{compose.AnnotationExternalName: b.BucketName}},
			Spec: s3v1beta1.BucketSpec{
				ResourceSpec: spec,
				ForProvider: s3v1beta1.BucketParameters{
					Region:       &b.Region,
					ForceDestroy: ptr.To(b.ForceDestroy),
					Tags:         b.Tags,
				},
			},
		}},
		{Name: b.name("public-access-block"), Object: &s3v1beta1.BucketPublicAccessBlock{
			Spec: s3v1beta1.BucketPublicAccessBlockSpec{
				ResourceSpec: spec,
				ForProvider: s3v1beta1.BucketPublicAccessBlockParameters{
					Region:                &b.Region,
					BucketSelector:        sel,
					BlockPublicAcls:       ptr.To(true),
					BlockPublicPolicy:     ptr.To(true),
					IgnorePublicAcls:      ptr.To(true),
					RestrictPublicBuckets: ptr.To(true),
				},
			},
		}},
		{Name: b.name("ownership-controls"), Object: &s3v1beta1.BucketOwnershipControls{
			Spec: s3v1beta1.BucketOwnershipControlsSpec{
				ResourceSpec: spec,
				ForProvider: s3v1beta1.BucketOwnershipControlsParameters{
					Region:         &b.Region,
					BucketSelector: sel,
					// ACLs are off unless asked for: policies alone decide
					// access.
					Rule: []s3v1beta1.BucketOwnershipControlsRuleParameters{{ObjectOwnership: ptr.To(ownership)}},
				},
			},
		}},
		{Name: b.name("versioning"), Object: &s3v1beta1.BucketVersioning{
			Spec: s3v1beta1.BucketVersioningSpec{
				ResourceSpec: spec,
				ForProvider: s3v1beta1.BucketVersioningParameters{
					Region:                  &b.Region,
					BucketSelector:          sel,
					VersioningConfiguration: []s3v1beta1.VersioningConfigurationParameters{{Status: ptr.To("Enabled")}},
				},
			},
		}},
		{Name: b.name("encryption"), Object: &s3v1beta1.BucketServerSideEncryptionConfiguration{
			Spec: s3v1beta1.BucketServerSideEncryptionConfigurationSpec{
				ResourceSpec: spec,
				ForProvider: s3v1beta1.BucketServerSideEncryptionConfigurationParameters{
					Region:         &b.Region,
					BucketSelector: sel,
					Rule: []s3v1beta1.BucketServerSideEncryptionConfigurationRuleParameters{{
						ApplyServerSideEncryptionByDefault: []s3v1beta1.RuleApplyServerSideEncryptionByDefaultParameters{encryption},
						BucketKeyEnabled:                   bucketKey,
					}},
				},
			},
		}},
		{Name: b.name("lifecycle"), Object: &s3v1beta1.BucketLifecycleConfiguration{
			Spec: s3v1beta1.BucketLifecycleConfigurationSpec{
				ResourceSpec: spec,
				ForProvider: s3v1beta1.BucketLifecycleConfigurationParameters{
					Region:         &b.Region,
					BucketSelector: sel,
					Rule: []s3v1beta1.BucketLifecycleConfigurationRuleParameters{{
						ID:     ptr.To("expire-noncurrent-versions"),
						Status: ptr.To("Enabled"),
						// Every object.
						Filter:                         []s3v1beta1.RuleFilterParameters{{Prefix: ptr.To("")}},
						Expiration:                     expiration,
						NoncurrentVersionExpiration:    []s3v1beta1.RuleNoncurrentVersionExpirationParameters{{NoncurrentDays: ptr.To(float64(b.NoncurrentVersionDays))}},
						AbortIncompleteMultipartUpload: []s3v1beta1.AbortIncompleteMultipartUploadParameters{{DaysAfterInitiation: ptr.To(float64(abortMultipartDays))}},
					}},
				},
			},
		}},
	}
	if len(b.CORSOrigins) > 0 {
		origins := make([]*string, 0, len(b.CORSOrigins))
		for _, o := range b.CORSOrigins {
			origins = append(origins, ptr.To(o))
		}
		rs = append(rs, compose.Resource{Name: b.name("cors"), Object: &s3v1beta1.BucketCorsConfiguration{
			Spec: s3v1beta1.BucketCorsConfigurationSpec{
				ResourceSpec: spec,
				ForProvider: s3v1beta1.BucketCorsConfigurationParameters{
					Region:         &b.Region,
					BucketSelector: sel,
					CorsRule: []s3v1beta1.BucketCorsConfigurationCorsRuleParameters{{
						AllowedOrigins: origins,
						// Browsers upload course files and read them back
						// through pre-signed URLs.
						AllowedMethods: []*string{ptr.To("GET"), ptr.To("HEAD"), ptr.To("PUT"), ptr.To("POST")},
						AllowedHeaders: []*string{ptr.To("*")},
						ExposeHeaders:  []*string{ptr.To("ETag")},
						MaxAgeSeconds:  ptr.To(float64(3000)),
					}},
				},
			},
		}})
	}
	return rs
}

// DenyInsecureTransport refuses every request to bucket that is not made
// over TLS, whoever makes it.
func DenyInsecureTransport(partition, bucket string) awsiam.Statement {
	return awsiam.Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]string{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{fmt.Sprintf("arn:%s:s3:::%s", partition, bucket), fmt.Sprintf("arn:%s:s3:::%s/*", partition, bucket)},
		Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
	}
}
