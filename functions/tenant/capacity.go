package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podSize is what one of Tutor's containers asks for. The Tutor plugin sets
// it on the container (its Secret keys come from here), and the quota is
// checked against the same numbers, so the two cannot drift apart.
type podSize struct {
	CPU, Memory, MemoryLimit resource.Quantity
}

// Pod sizes by role. Tutor v21 sets only a 2Gi memory request on lms and
// cms; every other container would get the LimitRange's defaults, whose
// memory limit (3Gi) made the quota's limits.memory run out first.
var (
	sizeWeb    = podSize{resource.MustParse("500m"), resource.MustParse("2Gi"), resource.MustParse("3Gi")}
	sizeWorker = podSize{resource.MustParse("250m"), resource.MustParse("1Gi"), resource.MustParse("2Gi")}
	// caddy and the MFE's Caddy only proxy and serve files.
	sizeProxy  = podSize{resource.MustParse("100m"), resource.MustParse("128Mi"), resource.MustParse("256Mi")}
	sizeSearch = podSize{resource.MustParse("250m"), resource.MustParse("512Mi"), resource.MustParse("1Gi")}
	// Tutor's lms-job and cms-job run migrations: the web tier's size.
	sizeJob = sizeWeb
	// The configuration sync's pause container only holds the volume that
	// keeps the Tutor configuration Secret in step with Secrets Manager.
	sizeConfigSync = podSize{resource.MustParse("10m"), resource.MustParse("16Mi"), resource.MustParse("32Mi")}
)

// caddyReplicas keeps caddy, which every request goes through, in two zones.
const caddyReplicas = 2

// fixedPods are the pods no autoscaler adds to: caddy, the MFE, Meilisearch,
// the configuration sync and one Tutor Job (Tutor runs its Jobs one at a
// time).
func fixedPods() []struct {
	Name  string
	Count int64
	Size  podSize
} {
	return []struct {
		Name  string
		Count int64
		Size  podSize
	}{
		{deploymentCaddy, caddyReplicas, sizeProxy},
		{"mfe", 1, sizeProxy},
		{"meilisearch", 1, sizeSearch},
		{configSyncName, 1, sizeConfigSync},
		{"lms-job", 1, sizeJob},
	}
}

// autoscaledSize is the pod size of an autoscaled Deployment.
func autoscaledSize(deployment string) podSize {
	if deployment == deploymentLMS || deployment == deploymentCMS {
		return sizeWeb
	}
	return sizeWorker
}

// peak is what the namespace's pods ask for with every autoscaler at its
// maximum. A rolling update needs no more: Deployments may take a pod down
// (maxUnavailable 25%) when the quota refuses a surge pod.
type peak struct {
	RequestsCPU, RequestsMemory, LimitsMemory resource.Quantity
	Pods                                      int64
}

func (p *plan) peak() peak {
	var pk peak
	add := func(n int64, s podSize) {
		for range n {
			pk.RequestsCPU.Add(s.CPU)
			pk.RequestsMemory.Add(s.Memory)
			pk.LimitsMemory.Add(s.MemoryLimit)
		}
		pk.Pods += n
	}
	for _, a := range p.Autoscalers {
		add(int64(a.MaxReplicas), autoscaledSize(a.Deployment))
	}
	for _, f := range fixedPods() {
		add(f.Count, f.Size)
	}
	return pk
}

// checkQuota refuses a quota that the autoscalers' maximums would exceed:
// scale-ups would stop with "exceeded quota" under the very load they are
// for. It names the quota field, since raising it or lowering maxReplicas
// are both answers.
func (p *plan) checkQuota(qp *field.Path, q quota) error {
	pk := p.peak()
	why := fmt.Sprintf("the autoscalers' maximums (lms %d, cms %d, lmsWorker %d, cmsWorker %d) with caddy, the MFE, Meilisearch, the configuration sync and one Tutor Job need %%s; raise it or lower autoscaling.*.maxReplicas",
		p.Autoscalers[0].MaxReplicas, p.Autoscalers[1].MaxReplicas, p.Autoscalers[2].MaxReplicas, p.Autoscalers[3].MaxReplicas)
	for _, c := range []struct {
		name       string
		have, need resource.Quantity
	}{
		{"requestsCpu", q.RequestsCPU, pk.RequestsCPU},
		{"requestsMemory", q.RequestsMemory, pk.RequestsMemory},
		{"limitsMemory", q.LimitsMemory, pk.LimitsMemory},
	} {
		if c.have.Cmp(c.need) < 0 {
			return field.Invalid(qp.Child(c.name), c.have.String(), fmt.Sprintf(why, c.need.String()))
		}
	}
	if q.Pods < pk.Pods {
		return field.Invalid(qp.Child("pods"), q.Pods, fmt.Sprintf(why, fmt.Sprintf("%d pods", pk.Pods)))
	}
	return nil
}
