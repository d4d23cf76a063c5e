package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/tenantnames"
)

// Defaults, equal to the XRD's OpenAPI defaults, which crossplane render and
// direct callers do not apply.
const (
	defaultRequestsCPU    = "12"
	defaultRequestsMemory = "40Gi"
	defaultLimitsMemory   = "72Gi"
	defaultPods           = 60
	defaultPVCs           = 10
	defaultCPURequest     = "100m"
	defaultMemoryRequest  = "256Mi"
	defaultMemoryLimit    = "3Gi"
	minDefaultMemoryLimit = "2Gi"
	maxInstanceNameLength = 30
	// maxRedisDatabase is the XRD's bound: a platform has at most 2000.
	maxRedisDatabase = 1999
)

// Autoscaling defaults, equal to the XRD's. The web tier keeps two pods so
// that a node drain or the loss of a zone never leaves it without one.
const (
	defaultWebMinReplicas    = 2
	defaultWorkerMinReplicas = 1
	defaultMaxReplicas       = 6
	defaultTargetCPU         = 70
	maxReplicasLimit         = 50
	minTargetCPU             = 10
	maxTargetCPU             = 100
)

// Tutor's Deployments that carry load, by their names in Tutor v21.
const (
	deploymentLMS       = "lms"
	deploymentCMS       = "cms"
	deploymentLMSWorker = "lms-worker"
	deploymentCMSWorker = "cms-worker"
	deploymentCaddy     = "caddy"
)

// reservedNamespaces are the platform's own namespaces, which no instance
// may take.
func reservedNamespaces() []string {
	out := []string{}
	for _, n := range tenantnames.ReservedInstances() {
		out = append(out, tenantnames.Namespace(n))
	}
	return out
}

// The XRD's patterns, checked again for requests that skip the API server.
var (
	reInstanceName = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	reHost         = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// plan is the validated and defaulted tenant spec.
type plan struct {
	Name        string
	Instance    string
	Namespace   string
	LMSHost     string
	CMSHost     string
	MFEHost     string
	CostCenter  string
	PlatformRef v1alpha1.PlatformReference

	Quota    quota
	Defaults containerDefaults
	// Autoscalers of Tutor's Deployments: lms, cms, lms-worker, cms-worker.
	Autoscalers []autoscaler

	// DeletionPolicy of the instance's data: Orphan or Delete.
	DeletionPolicy v1alpha1.DataDeletionPolicy
	// StaticFromCDN asks for static files from the platform's CloudFront.
	StaticFromCDN bool
	// RedisPin is the pair of Redis databases asked for, if any; the
	// platform allocates it.
	RedisPin *v1alpha1.TenantRedis
}

// autoscaler is the HorizontalPodAutoscaler of one of Tutor's Deployments.
type autoscaler struct {
	Deployment  string
	MinReplicas int32
	MaxReplicas int32
	TargetCPU   int32
}

type quota struct {
	RequestsCPU, RequestsMemory, LimitsMemory resource.Quantity
	Pods, PVCs                                int64
}

type containerDefaults struct {
	CPURequest, MemoryRequest, MemoryLimit resource.Quantity
}

// newPlan validates the spec as the XRD does, so that requests that skipped
// the API server fail the same way, and applies the XRD's defaults.
func newPlan(xr *v1alpha1.XOpenEdxTenant) (*plan, error) {
	s := xr.Spec
	sp := field.NewPath("spec")
	p := &plan{
		Name:        xr.GetName(),
		Instance:    s.InstanceName,
		CostCenter:  s.CostCenter,
		PlatformRef: s.PlatformRef,
	}
	if p.Name == "" {
		return nil, field.Required(field.NewPath("metadata", "name"), "the composite resource has no name")
	}
	if s.PlatformRef.Name == "" {
		return nil, field.Required(sp.Child("platformRef", "name"), "name the Platform this instance runs on")
	}
	ip := sp.Child("instanceName")
	if !reInstanceName.MatchString(s.InstanceName) {
		return nil, field.Invalid(ip, s.InstanceName, "must start with a lower-case letter and hold only lower-case letters, digits and '-', not at the end")
	}
	if len(s.InstanceName) < 2 || len(s.InstanceName) > maxInstanceNameLength {
		return nil, field.Invalid(ip, s.InstanceName, fmt.Sprintf("must be 2 to %d characters", maxInstanceNameLength))
	}
	if slices.Contains(tenantnames.ReservedInstances(), s.InstanceName) {
		return nil, field.Invalid(ip, s.InstanceName, fmt.Sprintf("is reserved: the platform's own namespaces are %s", strings.Join(reservedNamespaces(), " and ")))
	}
	p.Namespace = tenantnames.Namespace(s.InstanceName)

	hosts, err := resolveHosts(sp, s)
	if err != nil {
		return nil, err
	}
	p.LMSHost, p.CMSHost, p.MFEHost = hosts.LMS, hosts.CMS, hosts.MFE
	if s.CostCenter != "" {
		if errs := validation.IsValidLabelValue(s.CostCenter); len(errs) > 0 {
			return nil, field.Invalid(sp.Child("costCenter"), s.CostCenter, strings.Join(errs, "; "))
		}
	}

	q := s.Resources.Quota
	qp := sp.Child("resources", "quota")
	if p.Quota.RequestsCPU, err = positive(qp.Child("requestsCpu"), q.RequestsCPU, defaultRequestsCPU); err != nil {
		return nil, err
	}
	if p.Quota.RequestsMemory, err = positive(qp.Child("requestsMemory"), q.RequestsMemory, defaultRequestsMemory); err != nil {
		return nil, err
	}
	if p.Quota.LimitsMemory, err = positive(qp.Child("limitsMemory"), q.LimitsMemory, defaultLimitsMemory); err != nil {
		return nil, err
	}
	if p.Quota.RequestsMemory.Cmp(p.Quota.LimitsMemory) > 0 {
		return nil, field.Invalid(qp.Child("requestsMemory"), q.RequestsMemory, "must not exceed limitsMemory")
	}
	p.Quota.Pods = compose.OrDefault(q.Pods, defaultPods)
	if p.Quota.Pods < 10 || p.Quota.Pods > 1000 {
		return nil, field.Invalid(qp.Child("pods"), q.Pods, "must be 10 to 1000")
	}
	// Zero volume claims is a valid choice, so only nil takes the default.
	p.Quota.PVCs = defaultPVCs
	if q.PersistentVolumeClaims != nil {
		p.Quota.PVCs = *q.PersistentVolumeClaims
	}
	if p.Quota.PVCs < 0 || p.Quota.PVCs > 100 {
		return nil, field.Invalid(qp.Child("persistentVolumeClaims"), p.Quota.PVCs, "must be 0 to 100")
	}

	c := s.Resources.ContainerDefaults
	cp := sp.Child("resources", "containerDefaults")
	if p.Defaults.CPURequest, err = positive(cp.Child("cpuRequest"), c.CPURequest, defaultCPURequest); err != nil {
		return nil, err
	}
	if p.Defaults.MemoryRequest, err = positive(cp.Child("memoryRequest"), c.MemoryRequest, defaultMemoryRequest); err != nil {
		return nil, err
	}
	if p.Defaults.MemoryLimit, err = positive(cp.Child("memoryLimit"), c.MemoryLimit, defaultMemoryLimit); err != nil {
		return nil, err
	}
	if p.Defaults.MemoryLimit.Cmp(resource.MustParse(minDefaultMemoryLimit)) < 0 {
		return nil, field.Invalid(cp.Child("memoryLimit"), c.MemoryLimit, "must be at least 2Gi, the memory Tutor's lms and cms request")
	}
	if p.Defaults.MemoryRequest.Cmp(p.Defaults.MemoryLimit) > 0 {
		return nil, field.Invalid(cp.Child("memoryRequest"), c.MemoryRequest, "must not exceed memoryLimit")
	}

	a := s.Autoscaling
	ap := sp.Child("autoscaling")
	for _, in := range []struct {
		deployment, field                   string
		minReplicas, maxReplicas, targetCPU int32
		defaultMin                          int32
	}{
		{deploymentLMS, "lms", a.LMS.MinReplicas, a.LMS.MaxReplicas, a.LMS.TargetCPUUtilizationPercentage, defaultWebMinReplicas},
		{deploymentCMS, "cms", a.CMS.MinReplicas, a.CMS.MaxReplicas, a.CMS.TargetCPUUtilizationPercentage, defaultWebMinReplicas},
		{deploymentLMSWorker, "lmsWorker", a.LMSWorker.MinReplicas, a.LMSWorker.MaxReplicas, a.LMSWorker.TargetCPUUtilizationPercentage, defaultWorkerMinReplicas},
		{deploymentCMSWorker, "cmsWorker", a.CMSWorker.MinReplicas, a.CMSWorker.MaxReplicas, a.CMSWorker.TargetCPUUtilizationPercentage, defaultWorkerMinReplicas},
	} {
		as, err := newAutoscaler(ap.Child(in.field), in.deployment, in.minReplicas, in.maxReplicas, in.targetCPU, in.defaultMin)
		if err != nil {
			return nil, err
		}
		p.Autoscalers = append(p.Autoscalers, as)
	}
	if err := p.checkQuota(qp, p.Quota); err != nil {
		return nil, err
	}

	switch s.DeletionPolicy {
	case "":
		p.DeletionPolicy = v1alpha1.DataDeletionOrphan
	case v1alpha1.DataDeletionOrphan, v1alpha1.DataDeletionDelete:
		p.DeletionPolicy = s.DeletionPolicy
	default:
		return nil, field.NotSupported(sp.Child("deletionPolicy"), s.DeletionPolicy, []string{string(v1alpha1.DataDeletionOrphan), string(v1alpha1.DataDeletionDelete)})
	}
	switch s.StaticAssets.ServedFrom {
	case "", v1alpha1.StaticAssetsFromPods:
	case v1alpha1.StaticAssetsFromCDN:
		p.StaticFromCDN = true
	default:
		return nil, field.NotSupported(sp.Child("staticAssets", "servedFrom"), s.StaticAssets.ServedFrom, []string{string(v1alpha1.StaticAssetsFromPods), string(v1alpha1.StaticAssetsFromCDN)})
	}
	if r := s.Redis; r != nil {
		rp := sp.Child("redis")
		for _, db := range []struct {
			name  string
			value int32
		}{{"celeryDatabase", r.CeleryDatabase}, {"cacheDatabase", r.CacheDatabase}} {
			if db.value < 0 || db.value > maxRedisDatabase {
				return nil, field.Invalid(rp.Child(db.name), db.value, fmt.Sprintf("must be 0 to %d", maxRedisDatabase))
			}
		}
		if r.CeleryDatabase == r.CacheDatabase {
			return nil, field.Invalid(rp.Child("cacheDatabase"), r.CacheDatabase, "must differ from celeryDatabase")
		}
		p.RedisPin = r
	}
	return p, nil
}

// newAutoscaler validates one Deployment's autoscaling as the XRD does and
// applies its defaults. Zero means unset, as the XRD refuses zero.
func newAutoscaler(path *field.Path, deployment string, minReplicas, maxReplicas, cpu, defaultMin int32) (autoscaler, error) {
	as := autoscaler{
		Deployment:  deployment,
		MinReplicas: compose.OrDefault(minReplicas, defaultMin),
		MaxReplicas: compose.OrDefault(maxReplicas, defaultMaxReplicas),
		TargetCPU:   compose.OrDefault(cpu, defaultTargetCPU),
	}
	if as.MinReplicas < 1 || as.MinReplicas > maxReplicasLimit {
		return as, field.Invalid(path.Child("minReplicas"), minReplicas, fmt.Sprintf("must be 1 to %d", maxReplicasLimit))
	}
	if as.MaxReplicas < 1 || as.MaxReplicas > maxReplicasLimit {
		return as, field.Invalid(path.Child("maxReplicas"), maxReplicas, fmt.Sprintf("must be 1 to %d", maxReplicasLimit))
	}
	if as.MinReplicas > as.MaxReplicas {
		// Name the field that was set: a defaulted minReplicas is not what
		// the user wrote.
		if minReplicas == 0 {
			return as, field.Invalid(path.Child("maxReplicas"), maxReplicas, fmt.Sprintf("must be at least minReplicas, which defaults to %d", as.MinReplicas))
		}
		return as, field.Invalid(path.Child("minReplicas"), minReplicas, fmt.Sprintf("must not exceed maxReplicas (%d)", as.MaxReplicas))
	}
	if as.TargetCPU < minTargetCPU || as.TargetCPU > maxTargetCPU {
		return as, field.Invalid(path.Child("targetCpuUtilizationPercentage"), cpu, fmt.Sprintf("must be %d to %d", minTargetCPU, maxTargetCPU))
	}
	return as, nil
}

// positive parses a quantity, or the default when it is empty.
func positive(path *field.Path, v, def string) (resource.Quantity, error) {
	if v == "" {
		v = def
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return q, field.Invalid(path, v, "must be a quantity such as 500m, 8 or 4Gi")
	}
	if q.Sign() <= 0 {
		return q, field.Invalid(path, v, "must be positive")
	}
	return q, nil
}
