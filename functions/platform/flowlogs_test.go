package main

import (
	"encoding/json"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	"k8s.io/utils/ptr"
)

func TestFlowLogsWaitForTheAccount(t *testing.T) {
	rs, missing, err := flowLogsTier(mustPlan(t, newXR()), map[resource.Name]resource.ObservedComposed{})
	if err != nil || len(rs) != 0 || len(missing) != 1 {
		t.Errorf("flowLogsTier(nothing observed) = %d resources, missing %q, %v; want none, waiting for the account", len(rs), missing, err)
	}
}

func TestFlowLogs(t *testing.T) {
	p := mustPlan(t, newXR())
	rs, missing, err := flowLogs(p, "123456789012")
	if err != nil || len(missing) != 0 {
		t.Fatalf("flowLogs(...): %v, missing %q", err, missing)
	}
	const groupARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc/prod/flow-logs"

	fl := mustGet[*ec2v1beta1.FlowLog](t, rs, nameFlowLog).Spec.ForProvider
	gotFlow := map[string]any{
		"traffic": ptr.Deref(fl.TrafficType, ""), "destination": ptr.Deref(fl.LogDestinationType, ""),
		"vpc": fl.VPCIDSelector.MatchLabels[LabelRole], "group": fl.LogDestinationSelector.MatchLabels[LabelRole], "role": fl.IAMRoleArnSelector.MatchLabels[LabelRole],
	}
	wantFlow := map[string]any{"traffic": "ALL", "destination": "cloud-watch-logs", "vpc": "vpc", "group": roleFlowLogs, "role": roleFlowLogs}
	if diff := cmp.Diff(wantFlow, gotFlow); diff != "" {
		t.Errorf("the flow log captures all of the VPC's traffic into its group with its role: -want +got:\n%s", diff)
	}

	g := mustGet[*cwlv1beta1.Group](t, rs, nameFlowLogGroup)
	if got := [3]any{g.GetAnnotations()["crossplane.io/external-name"], ptr.Deref(g.Spec.ForProvider.RetentionInDays, 0), g.Spec.ForProvider.KMSKeyIDSelector.MatchLabels[LabelRole]}; got != [3]any{"/aws/vpc/prod/flow-logs", float64(90), roleFlowLogs} {
		t.Errorf("log group (name, retention, key) = %v: want it named, expiring and encrypted with the flow logs' key", got)
	}

	type statement struct {
		Effect    string
		Principal map[string]string
		Action    []string
		Resource  []string
		Condition map[string]map[string]string
	}
	decode := func(s *string) []statement {
		var d struct{ Statement []statement }
		if err := json.Unmarshal([]byte(ptr.Deref(s, "")), &d); err != nil {
			t.Fatal(err)
		}
		return d.Statement
	}
	write := decode(mustGet[*iamv1beta1.RolePolicy](t, rs, nameFlowLogRolePolicy).Spec.ForProvider.Policy)
	if diff := cmp.Diff([]statement{{Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}, Resource: []string{groupARN, groupARN + ":*"}}}, write); diff != "" {
		t.Errorf("the role writes to its one group only: -want +got:\n%s", diff)
	}
	trust := decode(mustGet[*iamv1beta1.Role](t, rs, nameFlowLogRole).Spec.ForProvider.AssumeRolePolicy)
	if len(trust) != 1 || trust[0].Principal["Service"] != "vpc-flow-logs.amazonaws.com" || trust[0].Condition["StringEquals"]["aws:SourceAccount"] != "123456789012" {
		t.Errorf("the role is assumed by this account's flow logs only: %+v", trust)
	}
	key := decode(mustGet[*kmsv1beta1.Key](t, rs, nameFlowLogKey).Spec.ForProvider.Policy)
	if len(key) != 2 || key[1].Principal["Service"] != "logs.eu-west-1.amazonaws.com" || key[1].Condition["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] != groupARN {
		t.Errorf("CloudWatch Logs may use the key for the flow log group only: %+v", key)
	}
}
