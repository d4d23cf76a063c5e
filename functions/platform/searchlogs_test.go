package main

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	osv1beta1 "github.com/upbound/provider-aws/apis/opensearch/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

func TestSearchAuditLogs(t *testing.T) {
	p := mustPlan(t, newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Search.OpenSearch.Enabled = true }))
	rs, missing, err := search(p, testKeyARN)
	if err != nil || len(missing) != 0 {
		t.Fatalf("search(...): %v, missing %q", err, missing)
	}
	d := mustGet[*osv1beta1.Domain](t, rs, nameSearch).Spec.ForProvider
	if len(d.LogPublishingOptions) != 1 || ptr.Deref(d.LogPublishingOptions[0].LogType, "") != "AUDIT_LOGS" || !ptr.Deref(d.LogPublishingOptions[0].Enabled, false) ||
		d.LogPublishingOptions[0].CloudwatchLogGroupArnSelector.MatchLabels[LabelRole] != roleSearchAuditLogs {
		t.Errorf("the domain publishes its audit logs to their group: %+v", d.LogPublishingOptions)
	}
	g := mustGet[*cwlv1beta1.Group](t, rs, nameSearchAuditLogs)
	if g.GetAnnotations()["crossplane.io/external-name"] != "/aws/opensearch/prod/audit" || ptr.Deref(g.Spec.ForProvider.RetentionInDays, 0) != 90 || g.GetLabels()[LabelRole] != roleSearchAuditLogs {
		t.Errorf("the audit log group is named, expires and is selected by the domain: %+v", g)
	}
	var doc struct {
		Statement []struct {
			Principal map[string]string
			Action    []string
			Resource  []string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(ptr.Deref(mustGet[*cwlv1beta1.ResourcePolicy](t, rs, nameSearchAuditLogsPolicy).Spec.ForProvider.PolicyDocument, "")), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"principal": "es.amazonaws.com",
		"resource":  []string{"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/opensearch/prod/audit:*"},
		"account":   "123456789012",
		"source":    "arn:aws:es:eu-west-1:123456789012:domain/prod-search",
	}
	s := doc.Statement[0]
	got := map[string]any{"principal": s.Principal["Service"], "resource": s.Resource, "account": s.Condition["StringEquals"]["aws:SourceAccount"], "source": s.Condition["ArnLike"]["aws:SourceArn"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("only this domain of this account may write the audit log group: -want +got:\n%s", diff)
	}
}
