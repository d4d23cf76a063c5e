package main

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	k8sresource "k8s.io/apimachinery/pkg/api/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/pricing"
)

// baseline is what the instance's pods request with every autoscaler at
// its minimum: what it costs when idle. Tutor's Jobs run for minutes and
// are left out.
func (p *plan) baseline() (cpu, memory k8sresource.Quantity) {
	add := func(n int64, s podSize) {
		for range n {
			cpu.Add(s.CPU)
			memory.Add(s.Memory)
		}
	}
	for _, a := range p.Autoscalers {
		add(int64(a.MinReplicas), autoscaledSize(a.Deployment))
	}
	for _, f := range fixedPods() {
		if f.Name != "lms-job" {
			add(f.Count, f.Size)
		}
	}
	return cpu, memory
}

// excludedTenant is what a tenant's estimate leaves out.
const excludedTenant = "data transfer, requests (S3, Route 53 queries, CloudFront, ALB LCUs), its bucket's storage, its share of the platform's data stores and cluster, and nodes' unrequested capacity; ACM public certificates, IAM and Route 53 records have no charge"

// tenantCost prices the instance at the node rates its platform publishes
// and, for what it composes in AWS, the price table of the platform's
// region. Until the platform publishes its rates there is no estimate.
func tenantCost(p *plan, platform *v1alpha1.CostStatus, secrets int) *v1alpha1.CostStatus {
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
	cpu, memory := p.baseline()
	// Per hour, in micro-dollars: millicores x rate / 1000, and bytes x
	// rate / 2^30.
	hourly := pricing.MicroUSD(cpu.MilliValue())*vcpu/1000 + pricing.MicroUSD(memory.Value()*int64(gib)/(1<<30))
	compute := hourly * pricing.HoursPerMonth
	secret, err := r.Price(pricing.Secret)
	if err != nil {
		s.Excluded = err.Error() + "; and " + excludedTenant
	}
	secretsMonthly := secret.Monthly(float64(secrets))
	s.Components = []v1alpha1.CostComponent{
		{Name: "compute", Monthly: compute.Cents(), Detail: fmt.Sprintf("%s vCPU and %s of requests with autoscalers at their minimums", cpu.String(), memory.String())},
		{Name: "secrets", Monthly: secretsMonthly.Cents(), Detail: fmt.Sprintf("%d Secrets Manager secrets", secrets)},
	}
	s.Monthly = (roundCents(compute) + roundCents(secretsMonthly)).Cents()
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
