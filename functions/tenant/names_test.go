package main

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenantnames"
)

// randomInstanceName is a name the XRD accepts as spec.instanceName: 2-30
// characters of ^[a-z]([a-z0-9-]*[a-z0-9])?$.
func randomInstanceName(r *rand.Rand) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789---"
	n := 2 + r.IntN(29)
	b := []byte{byte('a' + r.IntN(26))}
	for len(b) < n-1 {
		b = append(b, chars[r.IntN(len(chars))])
	}
	return string(append(b, "abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)]))
}

// TestDerivedNamesAreValid derives the instance's AWS and Kubernetes names
// for platform names the API server accepts (any DNS-1123 subdomain of up
// to 63 characters) and instance names the XRD accepts, and checks each
// against internal/awsnames' table.
func TestDerivedNamesAreValid(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 31))
	platforms := []string{"prod", "1prod", "sthree-prod", "amzn-s3-demo-prod", "prod--eu", "prod.eu", strings.Repeat("a", 63), strings.Repeat("ab.", 20) + "abc"}
	instances := []string{"demo", "a--b", "x" + strings.Repeat("9", 29), "ab"}
	for i := 0; i < 200; i++ {
		platforms = append(platforms, awsnames.RandomSubdomain(r, 1+r.IntN(63)))
		instances = append(instances, randomInstanceName(r))
	}
	for i, platform := range platforms {
		instance := instances[i%len(instances)]
		p := testPlan(t, func(xr *v1alpha1.XOpenEdxTenant) {
			xr.Spec.PlatformRef.Name = platform
			xr.Spec.InstanceName = instance
		})
		target := testTarget()
		target.Platform = platform
		bucket := ""
		for _, res := range storageBucket(p, target) {
			if res.Name == "s3-bucket-storage" {
				bucket = res.Object.(interface{ GetAnnotations() map[string]string }).GetAnnotations()[compose.AnnotationExternalName]
			}
		}
		for _, c := range []struct {
			name string
			rule awsnames.Rule
		}{
			{p.roleName(platform), awsnames.IAMRole},
			{p.smtpUserName(platform), awsnames.IAMUser},
			{p.storageBucketName(platform, target.Account, target.Region), awsnames.S3Bucket},
			{bucket, awsnames.S3Bucket},
			{p.secretID(platform), awsnames.SecretsManagerName},
			{p.Namespace, awsnames.KubernetesNamespace},
		} {
			if err := c.rule.Check(c.name); err != nil {
				t.Errorf("platform %q, instance %q: %v", platform, instance, err)
			}
		}
	}
}

// TestXRDReservesThePlatformsNamespaces keeps the XRD's rule on
// spec.instanceName equal to the instance names of the platform's own
// namespaces, which the platform function names from the same list.
func TestXRDReservesThePlatformsNamespaces(t *testing.T) {
	b, err := os.ReadFile("../../apis/v1alpha1/tenant_types.go")
	if err != nil {
		t.Fatal(err)
	}
	quoted := []string{}
	for _, n := range tenantnames.ReservedInstances() {
		quoted = append(quoted, "'"+n+"'")
	}
	if rule := "!(self in [" + strings.Join(quoted, ", ") + "])"; !strings.Contains(string(b), rule) {
		t.Errorf("spec.instanceName has no XRD rule %s", rule)
	}
}
