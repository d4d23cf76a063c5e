package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	k8sresource "k8s.io/apimachinery/pkg/api/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/pricing"
)

// spotDeployments are the Deployments the plugin puts on the platform's
// spot NodePool when it has one (tutor/awsplatform.yml): the stateless
// ones. Meilisearch keeps its index on a volume; Jobs must finish.
var spotDeployments = []string{deploymentCaddy, deploymentCMS, deploymentCMSWorker, deploymentLMS, deploymentLMSWorker, "mfe"}

// requests are the CPU and memory some pods request.
type requests struct{ CPU, Memory k8sresource.Quantity }

// baseline is what the instance's pods request with every autoscaler at
// its minimum: what it costs when idle, split into the pods that run on
// the spot NodePool when the platform has one and the rest. Tutor's Jobs
// run for minutes and are left out.
func (p *plan) baseline() (onDemand, spotEligible requests) {
	add := func(name string, n int64, s podSize) {
		r := &onDemand
		if slices.Contains(spotDeployments, name) {
			r = &spotEligible
		}
		for range n {
			r.CPU.Add(s.CPU)
			r.Memory.Add(s.Memory)
		}
	}
	for _, a := range p.Autoscalers {
		add(a.Deployment, int64(a.MinReplicas), autoscaledSize(a.Deployment))
	}
	for _, f := range fixedPods() {
		if f.Name != "lms-job" {
			add(f.Name, f.Count, f.Size)
		}
	}
	return onDemand, spotEligible
}

// excludedTenant is what a tenant's estimate leaves out.
const excludedTenant = "data transfer, requests (S3, Route 53 queries, CloudFront, ALB LCUs), its bucket's storage, its share of the platform's data stores and cluster, and nodes' unrequested capacity; ACM public certificates, IAM and Route 53 records have no charge"

// tenantCost prices the instance at the node rates its platform publishes
// and, for what it composes in AWS, the price table of the platform's
// region. Until the platform publishes its rates there is no estimate.
// With a spot NodePool (spot), the pods that run on it are a component of
// their own, priced at the same on-demand rates: an upper bound, as Spot's
// price moves by the hour and no dated table can hold it.
func tenantCost(p *plan, platform *v1alpha1.CostStatus, secrets int, spot bool) *v1alpha1.CostStatus {
	if platform == nil || platform.Rates == nil {
		return nil
	}
	s := &v1alpha1.CostStatus{Currency: "USD", Region: platform.Region, PriceDate: platform.PriceDate, Excluded: excludedTenant}
	vcpu, err1 := pricing.ParseRate(platform.Rates.VCPUHour)
	gib, err2 := pricing.ParseRate(platform.Rates.GiBHour)
	r, ok := pricing.For(platform.Region)
	if err1 != nil || err2 != nil || !ok {
		s.Excluded = "everything: the platform's status.cost has no usable rates or region"
		return s
	}
	// Per hour, in micro-dollars: millicores x rate / 1000, and bytes x
	// rate / 2^30.
	monthly := func(q requests) pricing.MicroUSD {
		hourly := pricing.MicroUSD(q.CPU.MilliValue())*vcpu/1000 + pricing.MicroUSD(q.Memory.Value()*int64(gib)/(1<<30))
		return hourly * pricing.HoursPerMonth
	}
	onDemand, eligible := p.baseline()
	if !spot {
		onDemand.CPU.Add(eligible.CPU)
		onDemand.Memory.Add(eligible.Memory)
	}
	secret, err := r.Price(pricing.Secret)
	if err != nil {
		s.Excluded = err.Error() + "; and " + excludedTenant
	}
	secretsMonthly := secret.Monthly(float64(secrets))
	compute := monthly(onDemand)
	s.Components = []v1alpha1.CostComponent{
		{Name: "compute", Monthly: compute.Cents(), Detail: fmt.Sprintf("%s vCPU and %s of requests on on-demand nodes with autoscalers at their minimums", onDemand.CPU.String(), onDemand.Memory.String())},
	}
	total := roundCents(compute) + roundCents(secretsMonthly)
	if spot {
		m := monthly(eligible)
		s.Components = append(s.Components, v1alpha1.CostComponent{
			Name: "compute-spot", Monthly: m.Cents(),
			Detail: fmt.Sprintf("%s vCPU and %s of requests on the spot NodePool with autoscalers at their minimums, at on-demand rates: an upper bound, Spot's hourly price is not counted", eligible.CPU.String(), eligible.Memory.String()),
		})
		total += roundCents(m)
	}
	s.Components = append(s.Components, v1alpha1.CostComponent{Name: "secrets", Monthly: secretsMonthly.Cents(), Detail: fmt.Sprintf("%d Secrets Manager secrets", secrets)})
	s.Monthly = total.Cents()
	return s
}

// roundCents rounds to the nearest cent.
func roundCents(m pricing.MicroUSD) pricing.MicroUSD { return (m + 5000) / 10000 * 10000 }

// countSecrets counts the Secrets Manager secrets among the desired
// resources.
func countSecrets(desired map[resource.Name]*resource.DesiredComposed) int {
	n := 0
	for _, d := range desired {
		if d != nil && d.Resource != nil && d.Resource.GetKind() == "Secret" && strings.HasPrefix(d.Resource.GetAPIVersion(), "secretsmanager.aws.upbound.io/") {
			n++
		}
	}
	return n
}
