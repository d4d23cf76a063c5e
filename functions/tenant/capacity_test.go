package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// TestXRDQuotaRulesMatchPodSizes checks that the XRD's CEL rules, which
// refuse a quota too small for the autoscalers' maximums at apply time,
// use the pod sizes the function and the Tutor plugin use.
func TestXRDQuotaRulesMatchPodSizes(t *testing.T) {
	b, err := os.ReadFile("../../apis/v1alpha1/tenant_types.go")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	var fixed [3]resource.Quantity
	var fixedCount int64
	for _, f := range fixedPods() {
		fixedCount += f.Count
		for range f.Count {
			fixed[0].Add(f.Size.CPU)
			fixed[1].Add(f.Size.Memory)
			fixed[2].Add(f.Size.MemoryLimit)
		}
	}
	mi := func(q resource.Quantity) int64 { return q.Value() / (1 << 20) }
	for _, c := range []struct {
		field string
		want  string
	}{
		{"requestsCpu", fmt.Sprintf("%d * (self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas) + %d * (self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas) + %d) / 1000.0", sizeWeb.CPU.MilliValue(), sizeWorker.CPU.MilliValue(), fixed[0].MilliValue())},
		{"requestsMemory", fmt.Sprintf("%d * (self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas) + %d * (self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas) + %d) * 1048576.0", mi(sizeWeb.Memory), mi(sizeWorker.Memory), mi(fixed[1]))},
		{"limitsMemory", fmt.Sprintf("%d * (self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas) + %d * (self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas) + %d) * 1048576.0", mi(sizeWeb.MemoryLimit), mi(sizeWorker.MemoryLimit), mi(fixed[2]))},
	} {
		if !strings.Contains(src, "quantity(self.resources.quota."+c.field+").asApproximateFloat() >= double("+c.want) {
			t.Errorf("the XRD's rule on %s must compare with %s", c.field, c.want)
		}
	}
	pods := fmt.Sprintf("self.resources.quota.pods >= self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas + self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas + %d\"", fixedCount)
	if !strings.Contains(src, pods) {
		t.Errorf("the XRD's rule on pods must compare with %s", pods)
	}
}
