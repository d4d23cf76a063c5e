package main

import (
	"k8s.io/utils/ptr"

	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

// quantityEqual compares quantities by value and by how they print, since
// they are written as they print into the ResourceQuota and LimitRange.
var quantityEqual = cmp.Comparer(func(a, b resource.Quantity) bool {
	return a.Cmp(b) == 0 && a.String() == b.String()
})

// validTenant is the smallest valid XOpenEdxTenant, as in
// examples/tenant-demo, with mods applied.
func validTenant(mods ...func(*v1alpha1.XOpenEdxTenant)) *v1alpha1.XOpenEdxTenant {
	xr := &v1alpha1.XOpenEdxTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "demo"},
		Spec: v1alpha1.XOpenEdxTenantSpec{
			PlatformRef:  v1alpha1.PlatformReference{Name: "prod", Namespace: "platform"},
			InstanceName: "demo",
			LMSHost:      "learn.demo.example.com",
		},
	}
	for _, m := range mods {
		m(xr)
	}
	return xr
}

// fieldErr is what a test asserts of a *field.Error: the detail text comes
// from k8s.io/apimachinery and is not ours to pin.
type fieldErr struct {
	Type     field.ErrorType
	Field    string
	BadValue any
}

func TestNewPlan(t *testing.T) {
	type want struct {
		plan *plan
		err  *fieldErr
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XOpenEdxTenant
		want   want
	}{
		"Defaults": {
			reason: "A tenant that sets only what is required gets the XRD's defaults: namespace openedx-<instance>, cmsHost studio.<lmsHost>, mfeHost apps.<lmsHost>, a 12 CPU / 40Gi / 72Gi / 60 pods / 10 PVCs quota, 100m / 256Mi / 3Gi container defaults, and autoscalers of 2-6 web and 1-6 worker pods at 70% CPU.",
			xr:     validTenant(),
			want: want{plan: &plan{
				Name:        "demo",
				Instance:    "demo",
				Namespace:   "openedx-demo",
				LMSHost:     "learn.demo.example.com",
				CMSHost:     "studio.learn.demo.example.com",
				MFEHost:     "apps.learn.demo.example.com",
				PlatformRef: v1alpha1.PlatformReference{Name: "prod", Namespace: "platform"},
				Quota: quota{
					RequestsCPU:    resource.MustParse("12"),
					RequestsMemory: resource.MustParse("40Gi"),
					LimitsMemory:   resource.MustParse("72Gi"),
					Pods:           60,
					PVCs:           10,
				},
				Defaults: containerDefaults{
					CPURequest:    resource.MustParse("100m"),
					MemoryRequest: resource.MustParse("256Mi"),
					MemoryLimit:   resource.MustParse("3Gi"),
				},
				Autoscalers: []autoscaler{
					{Deployment: "lms", MinReplicas: 2, MaxReplicas: 6, TargetCPU: 70},
					{Deployment: "cms", MinReplicas: 2, MaxReplicas: 6, TargetCPU: 70},
					{Deployment: "lms-worker", MinReplicas: 1, MaxReplicas: 6, TargetCPU: 70},
					{Deployment: "cms-worker", MinReplicas: 1, MaxReplicas: 6, TargetCPU: 70},
				},
				DeletionPolicy: v1alpha1.DataDeletionOrphan,
			}},
		},
		"ExplicitValuesAtTheBounds": {
			reason: "Explicit values are kept as written, including those exactly at the XRD's bounds: 2 and 30 character instance names are fine, requests equal to limits are fine, a quota exactly at what the autoscalers' maximums need (52.06 CPU, 320288Mi of limits, 110 pods), 100 PVCs and a 2Gi memory limit are allowed.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Name = "blue-sky-x7k2p"
				xr.Spec.PlatformRef = v1alpha1.PlatformReference{Name: "prod"}
				xr.Spec.InstanceName = "b" + strings.Repeat("1", 28) + "z"
				xr.Spec.LMSHost = "courses.example.org"
				xr.Spec.CMSHost = "authoring.example.org"
				xr.Spec.MFEHost = "mfe.courses.example.org"
				xr.Spec.CostCenter = "Cost_Center.42-a"
				xr.Spec.Autoscaling = v1alpha1.TenantAutoscaling{
					LMS:       v1alpha1.WebAutoscaler{MinReplicas: 1, MaxReplicas: 50, TargetCPUUtilizationPercentage: 10},
					CMS:       v1alpha1.WebAutoscaler{MinReplicas: 50, MaxReplicas: 50, TargetCPUUtilizationPercentage: 100},
					LMSWorker: v1alpha1.WorkerAutoscaler{MinReplicas: 3, MaxReplicas: 3, TargetCPUUtilizationPercentage: 55},
					CMSWorker: v1alpha1.WorkerAutoscaler{MinReplicas: 1, MaxReplicas: 1, TargetCPUUtilizationPercentage: 90},
				}
				xr.Spec.Resources = v1alpha1.TenantResources{
					Quota: v1alpha1.TenantQuota{
						// Exactly what the maximums need (see capacity.go).
						RequestsCPU:            "52060m",
						RequestsMemory:         "320288Mi",
						LimitsMemory:           "320288Mi",
						Pods:                   110,
						PersistentVolumeClaims: ptr.To(int64(100)),
					},
					ContainerDefaults: v1alpha1.ContainerDefaults{
						CPURequest:    "50m",
						MemoryRequest: "2Gi",
						MemoryLimit:   "2Gi",
					},
				}
			}),
			want: want{plan: &plan{
				Name:        "blue-sky-x7k2p",
				Instance:    "b" + strings.Repeat("1", 28) + "z",
				Namespace:   "openedx-b" + strings.Repeat("1", 28) + "z",
				LMSHost:     "courses.example.org",
				CMSHost:     "authoring.example.org",
				MFEHost:     "mfe.courses.example.org",
				CostCenter:  "Cost_Center.42-a",
				PlatformRef: v1alpha1.PlatformReference{Name: "prod"},
				Quota: quota{
					RequestsCPU:    resource.MustParse("52060m"),
					RequestsMemory: resource.MustParse("320288Mi"),
					LimitsMemory:   resource.MustParse("320288Mi"),
					Pods:           110,
					PVCs:           100,
				},
				Defaults: containerDefaults{
					CPURequest:    resource.MustParse("50m"),
					MemoryRequest: resource.MustParse("2Gi"),
					MemoryLimit:   resource.MustParse("2Gi"),
				},
				Autoscalers: []autoscaler{
					{Deployment: "lms", MinReplicas: 1, MaxReplicas: 50, TargetCPU: 10},
					{Deployment: "cms", MinReplicas: 50, MaxReplicas: 50, TargetCPU: 100},
					{Deployment: "lms-worker", MinReplicas: 3, MaxReplicas: 3, TargetCPU: 55},
					{Deployment: "cms-worker", MinReplicas: 1, MaxReplicas: 1, TargetCPU: 90},
				},
				DeletionPolicy: v1alpha1.DataDeletionOrphan,
			}},
		},
		"PartialAutoscaling": {
			reason: "Each autoscaling field defaults on its own: a web tier given only maxReplicas keeps min 2 and 70% CPU, a worker given only minReplicas keeps max 6; the others keep every default.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.Autoscaling.LMS.MaxReplicas = 12
				xr.Spec.Autoscaling.CMSWorker.MinReplicas = 2
				xr.Spec.Resources.Quota.RequestsCPU = "14"
				xr.Spec.Resources.Quota.RequestsMemory = "52Gi"
				xr.Spec.Resources.Quota.LimitsMemory = "96Gi"
			}),
			want: want{plan: func() *plan {
				p := defaultPlan()
				p.Quota.RequestsCPU = resource.MustParse("14")
				p.Quota.RequestsMemory = resource.MustParse("52Gi")
				p.Quota.LimitsMemory = resource.MustParse("96Gi")
				p.Autoscalers[0].MaxReplicas = 12
				p.Autoscalers[3].MinReplicas = 2
				return p
			}()},
		},
		"MFEHostDefaultsUnderCustomLMSHost": {
			reason: "mfeHost defaults to apps.<lmsHost>, as tutor-mfe's MFE_HOST, whatever cmsHost is.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.LMSHost = "courses.example.org"
				xr.Spec.CMSHost = "authoring.example.org"
			}),
			want: want{plan: func() *plan {
				p := defaultPlan()
				p.LMSHost, p.CMSHost, p.MFEHost = "courses.example.org", "authoring.example.org", "apps.courses.example.org"
				return p
			}()},
		},
		"TwoCharacterInstance": {
			reason: "Two characters is the shortest instance name the XRD allows.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "ab" }),
			want: want{plan: func() *plan {
				p := defaultPlan()
				p.Instance, p.Namespace = "ab", "openedx-ab"
				return p
			}()},
		},
		"NoName": {
			reason: "A composite without a name cannot be composed.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Name = "" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeRequired, Field: "metadata.name", BadValue: ""}},
		},
		"PlatformRefNameEmpty": {
			reason: "platformRef.name is required.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.PlatformRef.Name = "" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeRequired, Field: "spec.platformRef.name", BadValue: ""}},
		},
		"InstanceNameReserved": {
			reason: "openedx-system is the platform's provisioner namespace: an instance there would reach the admin credentials.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "system" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: "system"}},
		},
		"DeletionPolicyUnknown": {
			reason: "Only Orphan and Delete are deletion policies.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.DeletionPolicy = "Retain" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeNotSupported, Field: "spec.deletionPolicy", BadValue: v1alpha1.DataDeletionPolicy("Retain")}},
		},
		"StaticAssetsUnknownSource": {
			reason: "Static files come from the pods or the CDN.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.StaticAssets.ServedFrom = "S3" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeNotSupported, Field: "spec.staticAssets.servedFrom", BadValue: v1alpha1.StaticAssetsSource("S3")}},
		},
		"StaticAssetsFromCDN": {
			reason: "servedFrom CDN asks for the platform's CloudFront.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.StaticAssets.ServedFrom = v1alpha1.StaticAssetsFromCDN }),
			want: want{plan: func() *plan {
				p := defaultPlan()
				p.StaticFromCDN = true
				return p
			}()},
		},
		"RedisPinSame": {
			reason: "Celery and the caches cannot share a database: Celery would consume cache keys.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.Redis = &v1alpha1.TenantRedis{CeleryDatabase: 4, CacheDatabase: 4}
			}),
			want: want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.redis.cacheDatabase", BadValue: int32(4)}},
		},
		"RedisPinOutOfRange": {
			reason: "A pin beyond any platform's databases is refused.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.Redis = &v1alpha1.TenantRedis{CeleryDatabase: 2000, CacheDatabase: 1}
			}),
			want: want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.redis.celeryDatabase", BadValue: int32(2000)}},
		},
		"InstanceNameEmpty": {
			reason: "instanceName is required.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: ""}},
		},
		"InstanceNameUppercase": {
			reason: "instanceName names a namespace, so it must be lower case.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "Demo" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: "Demo"}},
		},
		"InstanceNameOneCharacter": {
			reason: "instanceName is at least 2 characters (XRD MinLength=2).",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "a" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: "a"}},
		},
		"InstanceName31Characters": {
			reason: "instanceName is at most 30 characters (XRD MaxLength=30).",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = strings.Repeat("a", 31) }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: strings.Repeat("a", 31)}},
		},
		"InstanceNameLeadingDash": {
			reason: "instanceName is a DNS label and cannot start with a dash.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "-demo" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: "-demo"}},
		},
		"InstanceNameTrailingDash": {
			reason: "instanceName is a DNS label and cannot end with a dash.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "demo-" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: "demo-"}},
		},
		"LMSHostWithoutDot": {
			reason: "lmsHost must be fully qualified.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.LMSHost = "localhost" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.lmsHost", BadValue: "localhost"}},
		},
		"LMSHostUppercase": {
			reason: "lmsHost must be lower case, as the XRD's pattern requires.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.LMSHost = "Learn.Example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.lmsHost", BadValue: "Learn.Example.com"}},
		},
		"LMSHostEmpty": {
			reason: "lmsHost is required.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.LMSHost = "" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.lmsHost", BadValue: ""}},
		},
		"CMSHostEqualsLMSHost": {
			reason: "Studio and the LMS cannot share a host name.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.CMSHost = xr.Spec.LMSHost }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.cmsHost", BadValue: "learn.demo.example.com"}},
		},
		"CMSHostUppercase": {
			reason: "cmsHost is validated like lmsHost.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.CMSHost = "Studio.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.cmsHost", BadValue: "Studio.example.com"}},
		},
		"CostCenterWithSpace": {
			reason: "costCenter becomes a Kubernetes label value, which cannot hold a space.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.CostCenter = "learning platform" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.costCenter", BadValue: "learning platform"}},
		},
		"RequestsCPUNotAQuantity": {
			reason: "requestsCpu must parse as a quantity.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.RequestsCPU = "abc" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsCpu", BadValue: "abc"}},
		},
		"RequestsCPUZero": {
			reason: "requestsCpu must be positive: a zero quota refuses every pod.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.RequestsCPU = "0" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsCpu", BadValue: "0"}},
		},
		"RequestsCPUNegative": {
			reason: "requestsCpu must be positive.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.RequestsCPU = "-1" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsCpu", BadValue: "-1"}},
		},
		"RequestsMemoryNotAQuantity": {
			reason: "requestsMemory must parse as a quantity.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.RequestsMemory = "24 GB" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsMemory", BadValue: "24 GB"}},
		},
		"LimitsMemoryZero": {
			reason: "limitsMemory must be positive.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.LimitsMemory = "0Gi" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.limitsMemory", BadValue: "0Gi"}},
		},
		"RequestsMemoryAboveLimitsMemory": {
			reason: "requestsMemory must not exceed limitsMemory; the error names requestsMemory.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.Resources.Quota.RequestsMemory = "32Gi"
				xr.Spec.Resources.Quota.LimitsMemory = "16Gi"
			}),
			want: want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsMemory", BadValue: "32Gi"}},
		},
		"RequestsMemoryAboveDefaultLimitsMemory": {
			reason: "requestsMemory is compared with the default limitsMemory (72Gi) when limitsMemory is unset.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.RequestsMemory = "80Gi" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsMemory", BadValue: "80Gi"}},
		},
		"QuotaCPUBelowPeak": {
			reason: "The former default of 8 CPUs is refused: lms and cms at 6 pods of 500m, the workers at 6 of 250m, two caddy, the MFE, Meilisearch, the configuration sync and a Tutor Job ask 10.06 CPUs, and scale-ups would stop at the quota.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.RequestsCPU = "8" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsCpu", BadValue: "8"}},
		},
		"QuotaMemoryBelowPeak": {
			reason: "The former default of 24Gi of memory requests is refused: the pods ask 38.89Gi at the maximums.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.RequestsMemory = "24Gi" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsMemory", BadValue: "24Gi"}},
		},
		"QuotaLimitsBelowPeak": {
			reason: "The former default of 48Gi of memory limits is refused: the containers' explicit limits add up to 64.75Gi at the maximums.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.LimitsMemory = "48Gi" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.limitsMemory", BadValue: "48Gi"}},
		},
		"QuotaPodsBelowPeak": {
			reason: "29 pods run at the default maximums: a quota of 20 pods is refused.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.Pods = 20 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.pods", BadValue: int64(20)}},
		},
		"MaxReplicasAboveQuota": {
			reason: "Raising a maximum without the quota is refused on the quota's field, which says what is needed.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.LMS.MaxReplicas = 20 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.requestsCpu", BadValue: "12"}},
		},
		"PodsBelowMinimum": {
			reason: "pods is at least 10 (XRD Minimum=10).",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.Pods = 5 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.pods", BadValue: int64(5)}},
		},
		"PodsAboveMaximum": {
			reason: "pods is at most 1000 (XRD Maximum=1000).",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.Pods = 1001 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.pods", BadValue: int64(1001)}},
		},
		"PVCsNegative": {
			reason: "persistentVolumeClaims is at least 0.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.PersistentVolumeClaims = ptr.To(int64(-1)) }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.persistentVolumeClaims", BadValue: int64(-1)}},
		},
		"PVCsAboveMaximum": {
			reason: "persistentVolumeClaims is at most 100.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.Quota.PersistentVolumeClaims = ptr.To(int64(101)) }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.quota.persistentVolumeClaims", BadValue: int64(101)}},
		},
		"CPURequestZero": {
			reason: "containerDefaults.cpuRequest must be positive.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.ContainerDefaults.CPURequest = "0m" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.containerDefaults.cpuRequest", BadValue: "0m"}},
		},
		"MemoryLimitBelow2Gi": {
			reason: "containerDefaults.memoryLimit below 2Gi would make Tutor's lms and cms pods invalid.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.ContainerDefaults.MemoryLimit = "1Gi" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.containerDefaults.memoryLimit", BadValue: "1Gi"}},
		},
		"MemoryLimitJustBelow2Gi": {
			reason: "2047Mi is below 2Gi.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.ContainerDefaults.MemoryLimit = "2047Mi" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.containerDefaults.memoryLimit", BadValue: "2047Mi"}},
		},
		"MemoryRequestAboveMemoryLimit": {
			reason: "containerDefaults.memoryRequest must not exceed memoryLimit; the error names memoryRequest.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.Resources.ContainerDefaults.MemoryRequest = "4Gi"
				xr.Spec.Resources.ContainerDefaults.MemoryLimit = "3Gi"
			}),
			want: want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.containerDefaults.memoryRequest", BadValue: "4Gi"}},
		},
		"MemoryRequestAboveDefaultMemoryLimit": {
			reason: "memoryRequest is compared with the default memoryLimit (3Gi) when memoryLimit is unset.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Resources.ContainerDefaults.MemoryRequest = "4Gi" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.resources.containerDefaults.memoryRequest", BadValue: "4Gi"}},
		},
		"MFEHostUppercase": {
			reason: "mfeHost is validated like lmsHost.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.MFEHost = "Apps.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.mfeHost", BadValue: "Apps.example.com"}},
		},
		"MFEHostEqualsLMSHost": {
			reason: "The MFEs and the LMS cannot share a host name: caddy routes by host.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.MFEHost = xr.Spec.LMSHost }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.mfeHost", BadValue: "learn.demo.example.com"}},
		},
		"MFEHostOutsideLMSCookieDomain": {
			reason: "An mfeHost that is not a subdomain of lmsHost never gets the LMS's session cookie (SESSION_COOKIE_DOMAIN is lmsHost): logins would loop.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.MFEHost = "apps.demo.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.mfeHost", BadValue: "apps.demo.example.com"}},
		},
		"MFEHostSuffixWithoutDot": {
			reason: "A host that merely ends with lmsHost's text is not its subdomain: the cookie is not sent there.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.MFEHost = "applearn.demo.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.mfeHost", BadValue: "applearn.demo.example.com"}},
		},
		"MFEHostEqualsDefaultCMSHost": {
			reason: "mfeHost is compared with the defaulted cmsHost, studio.<lmsHost>.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.MFEHost = "studio.learn.demo.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.mfeHost", BadValue: "studio.learn.demo.example.com"}},
		},
		"HostsAtTheirLongest": {
			reason: "A 52 character lmsHost (meilisearch.<lmsHost> is 64) and 64 character cmsHost and mfeHost are the longest names ACM certifies first.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.LMSHost = strings.Repeat("l", 45) + ".ex.org"
				xr.Spec.CMSHost = strings.Repeat("s", 57) + ".ex.org"
				xr.Spec.MFEHost = strings.Repeat("m", 11) + "." + xr.Spec.LMSHost
			}),
			want: want{plan: func() *plan {
				p := defaultPlan()
				p.LMSHost = strings.Repeat("l", 45) + ".ex.org"
				p.CMSHost = strings.Repeat("s", 57) + ".ex.org"
				p.MFEHost = strings.Repeat("m", 11) + "." + p.LMSHost
				return p
			}()},
		},
		"DefaultMFEHostTakenByCMSHost": {
			reason: "A cmsHost of apps.<lmsHost> takes the default mfeHost: the error names cmsHost, the host the user set.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.CMSHost = "apps.learn.demo.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.cmsHost", BadValue: "apps.learn.demo.example.com"}},
		},
		"CMSHostTakesMeilisearchHost": {
			reason: "A cmsHost of meilisearch.<lmsHost> would take Meilisearch's routes.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.CMSHost = "meilisearch.learn.demo.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.cmsHost", BadValue: "meilisearch.learn.demo.example.com"}},
		},
		"MFEHostTakesMeilisearchHost": {
			reason: "An mfeHost of meilisearch.<lmsHost> would take Meilisearch's routes.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.MFEHost = "meilisearch.learn.demo.example.com" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.mfeHost", BadValue: "meilisearch.learn.demo.example.com"}},
		},
		"LMSHostTooLongForMeilisearchCertificate": {
			reason: "meilisearch.<lmsHost> may be the first name of the instance's certificate, which ACM limits to 64 characters: lmsHost is at most 52.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.LMSHost = strings.Repeat("a", 46) + ".ex.org" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.lmsHost", BadValue: strings.Repeat("a", 46) + ".ex.org"}},
		},
		"CMSHostTooLongForCertificate": {
			reason: "cmsHost may be the first name of the instance's certificate, which ACM limits to 64 characters.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.CMSHost = strings.Repeat("s", 58) + ".ex.org" }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.cmsHost", BadValue: strings.Repeat("s", 58) + ".ex.org"}},
		},
		"MFEHostTooLongForCertificate": {
			reason: "mfeHost may be the first name of the instance's certificate, which ACM limits to 64 characters.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.MFEHost = strings.Repeat("m", 42) + ".learn.demo.example.com"
			}),
			want: want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.mfeHost", BadValue: strings.Repeat("m", 42) + ".learn.demo.example.com"}},
		},
		"LMSMinAboveMax": {
			reason: "minReplicas must not exceed maxReplicas; the error names minReplicas when it was set.",
			xr: validTenant(func(xr *v1alpha1.XOpenEdxTenant) {
				xr.Spec.Autoscaling.LMS = v1alpha1.WebAutoscaler{MinReplicas: 5, MaxReplicas: 4}
			}),
			want: want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.lms.minReplicas", BadValue: int32(5)}},
		},
		"CMSMinAboveDefaultMax": {
			reason: "minReplicas is compared with the default maxReplicas (6) when maxReplicas is unset.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.CMS.MinReplicas = 7 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.cms.minReplicas", BadValue: int32(7)}},
		},
		"LMSMaxBelowDefaultMin": {
			reason: "A web maxReplicas of 1 is below the default minReplicas of 2: the error names maxReplicas, the field that was set.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.LMS.MaxReplicas = 1 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.lms.maxReplicas", BadValue: int32(1)}},
		},
		"LMSWorkerMaxAbove50": {
			reason: "maxReplicas is at most 50 (XRD Maximum=50).",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.LMSWorker.MaxReplicas = 51 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.lmsWorker.maxReplicas", BadValue: int32(51)}},
		},
		"CMSWorkerMinNegative": {
			reason: "minReplicas is at least 1 (XRD Minimum=1); only zero means unset.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.CMSWorker.MinReplicas = -1 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.cmsWorker.minReplicas", BadValue: int32(-1)}},
		},
		"CMSMinAbove50": {
			reason: "minReplicas is at most 50, checked before it is compared with maxReplicas.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.CMS.MinReplicas = 51 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.cms.minReplicas", BadValue: int32(51)}},
		},
		"TargetCPUBelow10": {
			reason: "targetCpuUtilizationPercentage is at least 10: below that the autoscaler reacts to noise.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.LMS.TargetCPUUtilizationPercentage = 9 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.lms.targetCpuUtilizationPercentage", BadValue: int32(9)}},
		},
		"TargetCPUAbove100": {
			reason: "targetCpuUtilizationPercentage is at most 100.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.Autoscaling.CMSWorker.TargetCPUUtilizationPercentage = 101 }),
			want:   want{err: &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.autoscaling.cmsWorker.targetCpuUtilizationPercentage", BadValue: int32(101)}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := newPlan(tc.xr)
			if diff := cmp.Diff(tc.want.plan, got, quantityEqual); diff != "" {
				t.Errorf("%s\nnewPlan(...): -want plan, +got plan:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.err, asFieldErr(t, err)); diff != "" {
				t.Errorf("%s\nnewPlan(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want.err != nil && err != nil && !strings.HasPrefix(err.Error(), tc.want.err.Field+": ") {
				t.Errorf("%s\nnewPlan(...): error %q does not start with the field path %q", tc.reason, err, tc.want.err.Field)
			}
		})
	}
}

// TestNewPlanRejectsWhatTheXRDRejects holds inputs that the XRD's OpenAPI
// schema refuses. newPlan promises to validate "as the XRD does", so that
// crossplane render and other callers that skip the API server fail the same
// way.
func TestNewPlanRejectsWhatTheXRDRejects(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XOpenEdxTenant
		want   *fieldErr
	}{
		"InstanceNameLeadingDigit": {
			reason: "The XRD's instanceName pattern ^[a-z]([a-z0-9-]*[a-z0-9])?$ requires a leading letter; a DNS-1123 label allows a leading digit.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.InstanceName = "1demo" }),
			want:   &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.instanceName", BadValue: "1demo"},
		},
		"LMSHostNumericTopLevelDomain": {
			reason: "The XRD's lmsHost pattern ends in [a-z]{2,63}: the top-level domain is letters only.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.LMSHost = "learn.example.123" }),
			want:   &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.lmsHost", BadValue: "learn.example.123"},
		},
		"LMSHostLabelLongerThan63": {
			reason: "The XRD's lmsHost pattern limits each DNS label to 63 characters.",
			xr:     validTenant(func(xr *v1alpha1.XOpenEdxTenant) { xr.Spec.LMSHost = strings.Repeat("a", 64) + ".example.com" }),
			want:   &fieldErr{Type: field.ErrorTypeInvalid, Field: "spec.lmsHost", BadValue: strings.Repeat("a", 64) + ".example.com"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := newPlan(tc.xr)
			if diff := cmp.Diff(tc.want, asFieldErr(t, err)); diff != "" {
				t.Errorf("%s\nnewPlan(...): -want error, +got error:\n%s", tc.reason, diff)
			}
		})
	}
}

// asFieldErr projects an error returned by newPlan on what tests assert. Every
// error newPlan returns is a *field.Error.
func asFieldErr(t *testing.T, err error) *fieldErr {
	t.Helper()
	if err == nil {
		return nil
	}
	var fe *field.Error
	if !errors.As(err, &fe) {
		t.Fatalf("newPlan(...): error %q is a %T, want a *field.Error", err, err)
	}
	return &fieldErr{Type: fe.Type, Field: fe.Field, BadValue: fe.BadValue}
}

// defaultPlan is the plan of validTenant().
func defaultPlan() *plan {
	return &plan{
		Name:        "demo",
		Instance:    "demo",
		Namespace:   "openedx-demo",
		LMSHost:     "learn.demo.example.com",
		CMSHost:     "studio.learn.demo.example.com",
		MFEHost:     "apps.learn.demo.example.com",
		PlatformRef: v1alpha1.PlatformReference{Name: "prod", Namespace: "platform"},
		Quota: quota{
			RequestsCPU:    resource.MustParse("12"),
			RequestsMemory: resource.MustParse("40Gi"),
			LimitsMemory:   resource.MustParse("72Gi"),
			Pods:           60,
			PVCs:           10,
		},
		Defaults: containerDefaults{
			CPURequest:    resource.MustParse("100m"),
			MemoryRequest: resource.MustParse("256Mi"),
			MemoryLimit:   resource.MustParse("3Gi"),
		},
		Autoscalers:    defaultAutoscalers(),
		DeletionPolicy: v1alpha1.DataDeletionOrphan,
	}
}

// defaultAutoscalers are the XRD's autoscaling defaults: two to six web
// pods, one to six workers, at 70% CPU.
func defaultAutoscalers() []autoscaler {
	return []autoscaler{
		{Deployment: "lms", MinReplicas: 2, MaxReplicas: 6, TargetCPU: 70},
		{Deployment: "cms", MinReplicas: 2, MaxReplicas: 6, TargetCPU: 70},
		{Deployment: "lms-worker", MinReplicas: 1, MaxReplicas: 6, TargetCPU: 70},
		{Deployment: "cms-worker", MinReplicas: 1, MaxReplicas: 6, TargetCPU: 70},
	}
}
