package main

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/s3bucket"
)

// nameStorageBucket is the bucket's composition name; roleStorageBucket,
// a plain string, its role label.
const nameStorageBucket resource.Name = "s3-bucket-storage"

const (
	roleStorageBucket = "storage-bucket"
	// noncurrentVersionDays is how long an overwritten or deleted upload can
	// be restored.
	noncurrentVersionDays = 30
)

// storageBucket holds the instance's uploads, course exports, grade reports
// and ORA2 files: private, SSE-KMS with the platform's data key, versioned,
// and reachable from browsers on the instance's own hosts only. It is kept
// when the instance is deleted unless spec.deletionPolicy is Delete.
func storageBucket(p *plan, t awsTarget) []compose.Resource {
	name := p.storageBucketName(t.Platform, t.Account, t.Region)
	return s3bucket.Bucket{
		Name:                  nameStorageBucket,
		BucketName:            name,
		Region:                t.Region,
		Labels:                map[string]string{labelRole: roleStorageBucket, LabelTenant: p.Instance},
		ResourceSpec:          t.resourceSpec(p, true),
		Tags:                  t.tags(p, name),
		ForceDestroy:          p.deletesData(),
		KMSKeyARN:             t.DataKeyARN,
		NoncurrentVersionDays: noncurrentVersionDays,
		CORSOrigins:           []string{"https://" + p.LMSHost, "https://" + p.CMSHost, "https://" + p.MFEHost},
	}.Resources()
}
