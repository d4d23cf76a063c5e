package main

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fakeprovider"
)

// The schemes of composed resources are registered by main.go's init, which
// runs in tests too: this package is main.

const (
	testTag = "reconcile-1"

	xrJSON = `{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind": "XPlatform",
		"metadata": {"name": "prod"},
		"spec": {"region": "eu-west-1", "costCenter": "learning-platform"}
	}`

	// Values AWS would report, set on observed resources so that the
	// function's output can be asserted against known strings.
	testVPCID          = "vpc-0a1b2c3d4e5f60718"
	testClusterARN     = "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
	testClusterVersion = "1.34"
	testEndpoint       = "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
	testOIDCIssuer     = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
)

// testSubnetID is the id AWS reports for a subnet in these tests.
func testSubnetID(t Tier, zone string) string {
	return "subnet-" + string(t) + "-" + zone[len(zone)-1:]
}

// newRequest is a RunFunctionRequest for the given composite, with the given
// observed and desired composed resources.
func newRequest(xr string, observed, desired map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	return &fnv1.RunFunctionRequest{
		Meta: &fnv1.RequestMeta{Tag: testTag},
		Observed: &fnv1.State{
			Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xr)},
			Resources: observed,
		},
		Desired: &fnv1.State{Resources: desired},
	}
}

// run calls the function on a copy of req, so that req can be reused.
func run(t *testing.T, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest))
	if err != nil {
		t.Fatalf("RunFunction(...): unexpected error: %v", err)
	}
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			t.Fatalf("RunFunction(...): unexpected fatal result: %s", r.GetMessage())
		}
	}
	return rsp
}

// awsReports plays AWS: it sets the identifiers the tests assert on.
func awsReports(name string, u *unstructured.Unstructured) {
	set := func(v string, path ...string) {
		if err := unstructured.SetNestedField(u.Object, v, append([]string{"status", "atProvider"}, path...)...); err != nil {
			panic(err)
		}
	}
	switch {
	case name == string(nameVPC):
		set(testVPCID, "id")
	case strings.HasPrefix(name, "subnet-"):
		for _, tier := range tiers {
			for _, z := range testZones {
				if name == string(nameSubnet(tier, z)) {
					set(testSubnetID(tier, z), "id")
				}
			}
		}
	case name == string(nameKMSKey):
		set(testKeyARN, "arn")
	case name == string(nameCluster):
		set(testEndpoint, "endpoint")
		if err := unstructured.SetNestedSlice(u.Object, []any{map[string]any{"oidc": []any{map[string]any{"issuer": testOIDCIssuer}}}}, "status", "atProvider", "identity"); err != nil {
			panic(err)
		}
	}
}

// notReady marks an observed resource as still being created.
func notReady(u *unstructured.Unstructured) {
	_ = unstructured.SetNestedSlice(u.Object, []any{
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2024-01-01T00:00:00Z"},
		map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2024-01-01T00:00:00Z"},
	}, "status", "conditions")
}

// observe plays Crossplane and the providers: it returns the desired
// composed resources of rsp as Crossplane would observe them once created,
// for the composite testName, then applies change, by name, to each.
func observe(t *testing.T, rsp *fnv1.RunFunctionResponse, change map[string]func(*unstructured.Unstructured)) map[string]*fnv1.Resource {
	t.Helper()
	return observeAs(t, testName, rsp, change)
}

// observeAs is observe for a composite called xr: Crossplane names composed
// resources <xr>-<five random characters>.
func observeAs(t *testing.T, xr string, rsp *fnv1.RunFunctionResponse, change map[string]func(*unstructured.Unstructured)) map[string]*fnv1.Resource {
	t.Helper()
	out := map[string]*fnv1.Resource{}
	for name, r := range rsp.GetDesired().GetResources() {
		u := &unstructured.Unstructured{Object: r.GetResource().AsMap()}
		ann := u.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[fakeprovider.AnnotationCompositionResourceName] = name
		u.SetAnnotations(ann)
		if u.GetName() == "" {
			u.SetGenerateName(xr + "-")
		}
		o := fakeprovider.Observe(u, xr)
		awsReports(name, o)
		if fn, ok := change[name]; ok {
			fn(o)
		}
		s, err := structpb.NewStruct(o.Object)
		if err != nil {
			t.Fatalf("cannot convert observed %q: %v", name, err)
		}
		out[name] = &fnv1.Resource{Resource: s}
	}
	return out
}

// without returns rs without the named resources.
func without(rs map[string]*fnv1.Resource, names ...string) map[string]*fnv1.Resource {
	out := make(map[string]*fnv1.Resource, len(rs))
	for k, v := range rs {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// firstResources are the names of what a platform in eu-west-1 composes
// before the cluster: the network and the cluster's prerequisites.
func firstResources() []string {
	return append(wantNetworkNames(), wantPrerequisiteNames()...)
}

// readiness is the given readiness for every name, except for overrides.
func readiness(names []string, r fnv1.Ready, overrides map[string]fnv1.Ready) map[string]fnv1.Ready {
	out := make(map[string]fnv1.Ready, len(names)+len(overrides))
	for _, n := range names {
		out[n] = r
	}
	for n, o := range overrides {
		out[n] = o
	}
	return out
}

// fieldsOf reads string fields of a desired composed resource.
func fieldsOf(t *testing.T, r *fnv1.Resource, paths map[string]string) map[string]string {
	t.Helper()
	cd := composed.New()
	if err := resource.AsObject(r.GetResource(), cd); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for p := range paths {
		v, err := cd.GetString(p)
		if err != nil {
			v = "<" + err.Error() + ">"
		}
		out[p] = v
	}
	return out
}

// coreStatus is the part of the status the network and the cluster write.
type coreStatus struct {
	Region            string
	AvailabilityZones []string
	CostCenter        string
	// ProviderConfigName and Network.VPCCIDR are published from the first
	// call: tenants read them from the status alone.
	ProviderConfigName string
	Network            v1alpha1.NetworkStatus
	Cluster            v1alpha1.ClusterStatus
}

func coreStatusOf(s v1alpha1.XPlatformStatus) coreStatus {
	return coreStatus{
		Region:             s.Region,
		AvailabilityZones:  s.AvailabilityZones,
		CostCenter:         s.CostCenter,
		ProviderConfigName: s.ProviderConfigName,
		Network:            s.Network,
		Cluster:            s.Cluster,
	}
}

// checkWaiting checks that results are one Normal result, for the composite
// and its claim, saying what is awaited and naming each of want; or nothing
// when want is empty.
func checkWaiting(t *testing.T, reason string, want []string, results []*fnv1.Result) {
	t.Helper()
	if len(want) == 0 {
		if len(results) != 0 {
			t.Errorf("\n%s\nRunFunction(...): unexpected results: %v", reason, results)
		}
		return
	}
	if len(results) != 1 {
		t.Fatalf("\n%s\nRunFunction(...): %d results, want one saying what is awaited: %v", reason, len(results), results)
	}
	r := results[0]
	if r.GetSeverity() != fnv1.Severity_SEVERITY_NORMAL || r.GetTarget() != fnv1.Target_TARGET_COMPOSITE_AND_CLAIM {
		t.Errorf("\n%s\nRunFunction(...): result is %s for %s, want NORMAL for the composite and claim", reason, r.GetSeverity(), r.GetTarget())
	}
	if !strings.HasPrefix(r.GetMessage(), "Waiting for ") {
		t.Errorf("\n%s\nRunFunction(...): result %q does not start with \"Waiting for \"", reason, r.GetMessage())
	}
	for _, w := range want {
		if !strings.Contains(r.GetMessage(), w) {
			t.Errorf("\n%s\nRunFunction(...): result %q does not name %s", reason, r.GetMessage(), w)
		}
	}
}

func TestRunFunctionInvalid(t *testing.T) {
	fatal := func(msg string) *fnv1.RunFunctionResponse {
		return &fnv1.RunFunctionResponse{
			Meta: &fnv1.ResponseMeta{Tag: testTag, Ttl: durationpb.New(60 * time.Second)},
			Results: []*fnv1.Result{{
				Severity: fnv1.Severity_SEVERITY_FATAL,
				Message:  msg,
				Target:   fnv1.Target_TARGET_COMPOSITE.Enum(),
			}},
			Desired: &fnv1.State{},
		}
	}
	cases := map[string]struct {
		reason string
		xr     string
		want   *fnv1.RunFunctionResponse
	}{
		"VPCCIDRWithHostBits": {
			reason: "An invalid spec gives exactly one Fatal result naming the field, and composes nothing.",
			xr: `{"apiVersion": "platform.openedx.cloud/v1alpha1", "kind": "XPlatform", "metadata": {"name": "prod"},
				"spec": {"region": "eu-west-1", "costCenter": "learning-platform", "networking": {"vpcCidr": "10.0.0.1/16"}}}`,
			want: fatal(`invalid XPlatform: spec.networking.vpcCidr: Invalid value: "10.0.0.1/16": has host bits set; did you mean 10.0.0.0/16?`),
		},
		"NoCostCenter": {
			reason: "A missing cost center is fatal: every AWS resource must carry it.",
			xr:     `{"apiVersion": "platform.openedx.cloud/v1alpha1", "kind": "XPlatform", "metadata": {"name": "prod"}, "spec": {"region": "eu-west-1"}}`,
			want:   fatal(`invalid XPlatform: spec.costCenter: Required value: every AWS resource is tagged with it`),
		},
		"SpecOfWrongType": {
			reason: "A composite that does not decode as an XPlatform is fatal.",
			xr:     `{"apiVersion": "platform.openedx.cloud/v1alpha1", "kind": "XPlatform", "metadata": {"name": "prod"}, "spec": {"region": 1}}`,
			want:   fatal(`cannot decode *v1alpha1.XPlatform: json: cannot unmarshal number into Go struct field XPlatformSpec.spec.region of type string`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), newRequest(tc.xr, nil, nil))
			if err != nil {
				t.Fatalf("\n%s\nRunFunction(...): unexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, rsp, protocmp.Transform()); diff != "" {
				t.Errorf("\n%s\nRunFunction(...): -want rsp, +got rsp:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRunFunction(t *testing.T) {
	// Reconcile the platform as Crossplane would: each request observes
	// what the previous response asked for.
	req1 := newRequest(xrJSON, nil, nil)
	rsp1 := run(t, req1)

	// The prerequisites exist, one NAT gateway is still being created.
	req2 := newRequest(xrJSON, observe(t, rsp1, map[string]func(*unstructured.Unstructured){"nat-gateway-eu-west-1a": notReady}), nil)
	rsp2 := run(t, req2)

	// Everything exists and is ready.
	observed3 := observe(t, rsp2, nil)
	req3 := newRequest(xrJSON, observed3, nil)

	// A previous function in the pipeline composed a resource of its own.
	previous := &fnv1.Resource{
		Resource: resource.MustStructJSON(`{
			"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "Bucket",
			"metadata": {"labels": {"from": "previous-step"}},
			"spec": {"forProvider": {"region": "eu-west-1", "tags": {"x": "y"}}}
		}`),
		Ready: fnv1.Ready_READY_TRUE,
	}
	reqPrevious := newRequest(xrJSON, nil, map[string]*fnv1.Resource{"previous-step-bucket": previous})

	// The cluster exists but its KMS key is no longer observed, and the
	// observed cluster was created with another key than testKeyARN.
	observedNoKey := without(observe(t, rsp2, map[string]func(*unstructured.Unstructured){
		string(nameCluster): func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
				"provider":  []any{map[string]any{"keyArn": oldKeyARN}},
				"resources": []any{"secrets"},
			}}, "spec", "forProvider", "encryptionConfig")
		},
	}), string(nameKMSKey))
	reqNoKey := newRequest(xrJSON, observedNoKey, nil)
	// The cluster is ready but its kubeconfig is not written yet.
	reqAuthPending := newRequest(xrJSON, observe(t, rsp2, map[string]func(*unstructured.Unstructured){string(nameClusterAuth): notReady}), nil)
	reqNoKeyNoRole := newRequest(xrJSON, without(observedNoKey, string(nameNodeRole)), nil)

	// Only the network's and the cluster's resources are compared; the data
	// tier has its own tests. The first reconcile is compared with names
	// written out here; the other cases with what the builders produce, so
	// that they test the function's choices rather than the builders'.
	core := coreNames(t, mustPlan(t, newXR()))
	first := firstResources()
	var all, beforeCluster []string
	for n := range core {
		all = append(all, n)
		if !slices.Contains(wantClusterNames(), n) {
			beforeCluster = append(beforeCluster, n)
		}
	}

	success := []*fnv1.Condition{{
		Type:   "FunctionSuccess",
		Status: fnv1.Status_STATUS_CONDITION_TRUE,
		Reason: "Success",
		Target: fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum(),
	}}
	waiting := []string{`the ARN of KMS key "kms-key-eks"`, `the ARN of IAM role "iam-role-eks-node"`}
	ids := func(t Tier) []string {
		out := make([]string, 0, len(testZones))
		for _, z := range testZones {
			out = append(out, testSubnetID(t, z))
		}
		return out
	}
	network := v1alpha1.NetworkStatus{
		VPCCIDR:             "10.0.0.0/16",
		VPCID:               testVPCID,
		PublicSubnetIDs:     ids(TierPublic),
		PrivateAppSubnetIDs: ids(TierPrivateApp),
		PrivateDBSubnetIDs:  ids(TierPrivateDB),
	}
	readyCluster := v1alpha1.ClusterStatus{
		Name: "prod", ARN: testClusterARN, Endpoint: testEndpoint, Version: testClusterVersion,
		OIDCIssuer: testOIDCIssuer, ProviderConfigName: "prod", Ready: true,
	}
	clusterFields := func(key, role string) map[string]map[string]string {
		return map[string]map[string]string{
			"eks-cluster": {
				"spec.forProvider.encryptionConfig[0].provider[0].keyArn": key,
				"spec.forProvider.computeConfig[0].nodeRoleArn":           role,
				"metadata.annotations[crossplane.io/external-name]":       "prod",
			},
			"eks-cluster-auth": {
				"spec.writeConnectionSecretToRef.name":      "prod-kubeconfig",
				"spec.writeConnectionSecretToRef.namespace": "crossplane-system",
			},
			"provider-config-kubernetes": {
				"metadata.name":                   "prod",
				"spec.credentials.secretRef.name": "prod-kubeconfig",
				"spec.credentials.secretRef.key":  "kubeconfig",
			},
		}
	}

	type want struct {
		// ready is the readiness of every desired composed resource, and so
		// also the exact set of their names.
		ready   map[string]fnv1.Ready
		xrReady fnv1.Ready
		// waitingFor are what one Normal "Waiting for" result must name;
		// when empty there must be no result at all.
		waitingFor []string
		conditions []*fnv1.Condition
		status     coreStatus
		// fields are string fields of some desired composed resources.
		fields map[string]map[string]string
		// unchanged are desired resources that must be passed through as
		// they were in the request.
		unchanged map[string]*fnv1.Resource
		// absent are resources that must not be desired.
		absent []string
	}
	cases := map[string]struct {
		reason string
		req    *fnv1.RunFunctionRequest
		want   want
	}{
		"FirstReconcile": {
			reason: "With nothing observed the network and the cluster's prerequisites are composed, not the cluster: it waits for the KMS key's and node role's ARNs, and the XR is not ready.",
			req:    req1,
			want: want{
				ready:      readiness(first, fnv1.Ready_READY_FALSE, nil),
				absent:     wantClusterNames(),
				xrReady:    fnv1.Ready_READY_FALSE,
				waitingFor: waiting,
				conditions: success,
				status: coreStatus{
					Region: "eu-west-1", AvailabilityZones: testZones, CostCenter: testCostCenter,
					ProviderConfigName: "default", Network: v1alpha1.NetworkStatus{VPCCIDR: "10.0.0.0/16"},
					Cluster: v1alpha1.ClusterStatus{Name: "prod"},
				},
				fields: map[string]map[string]string{
					"vpc": {
						"spec.forProvider.cidrBlock":                   "10.0.0.0/16",
						"spec.forProvider.region":                      "eu-west-1",
						"spec.forProvider.tags.cost-center":            testCostCenter,
						"spec.providerConfigRef.name":                  "default",
						"metadata.labels[platform.openedx.cloud/role]": "vpc",
					},
					"subnet-private-app-eu-west-1b": {
						"spec.forProvider.cidrBlock":        "10.0.32.0/19",
						"spec.forProvider.availabilityZone": "eu-west-1b",
					},
					"log-group-eks": {
						"metadata.annotations[crossplane.io/external-name]": "/aws/eks/prod/cluster",
					},
				},
			},
		},
		"PrerequisitesReady": {
			reason: "Once the KMS key and node role report ARNs the cluster, its ClusterAuth and the provider-kubernetes ProviderConfig are composed with those ARNs. Observed ready resources are ready, the rest are not, and the ProviderConfig, which has no conditions, is always ready.",
			req:    req2,
			want: want{
				ready: readiness(beforeCluster, fnv1.Ready_READY_TRUE, map[string]fnv1.Ready{
					"nat-gateway-eu-west-1a":     fnv1.Ready_READY_FALSE,
					"eks-cluster":                fnv1.Ready_READY_FALSE,
					"eks-cluster-auth":           fnv1.Ready_READY_FALSE,
					"provider-config-kubernetes": fnv1.Ready_READY_TRUE,
				}),
				xrReady:    fnv1.Ready_READY_UNSPECIFIED,
				conditions: success,
				status: coreStatus{
					Region: "eu-west-1", AvailabilityZones: testZones, CostCenter: testCostCenter,
					ProviderConfigName: "default", Network: network,
					Cluster: v1alpha1.ClusterStatus{Name: "prod", ProviderConfigName: "prod"},
				},
				fields: clusterFields(testKeyARN, testNodeRoleARN),
			},
		},
		"EverythingReady": {
			reason: "With everything observed ready, every composed resource is ready and the status has the VPC, the subnets of each tier in zone order, and the cluster's identifiers.",
			req:    req3,
			want: want{
				ready:      readiness(all, fnv1.Ready_READY_TRUE, nil),
				xrReady:    fnv1.Ready_READY_UNSPECIFIED,
				conditions: success,
				status: coreStatus{
					Region: "eu-west-1", AvailabilityZones: testZones, CostCenter: testCostCenter,
					ProviderConfigName: "default", Network: network,
					Cluster: readyCluster,
				},
				fields: clusterFields(testKeyARN, testNodeRoleARN),
			},
		},
		"ClusterAuthNotReady": {
			reason: "The cluster is not ready for tenants until provider-kubernetes has its kubeconfig, even when EKS reports it active.",
			req:    reqAuthPending,
			want: want{
				ready:      readiness(all, fnv1.Ready_READY_TRUE, map[string]fnv1.Ready{"eks-cluster-auth": fnv1.Ready_READY_FALSE}),
				xrReady:    fnv1.Ready_READY_UNSPECIFIED,
				conditions: success,
				status: coreStatus{
					Region: "eu-west-1", AvailabilityZones: testZones, CostCenter: testCostCenter,
					ProviderConfigName: "default", Network: network,
					Cluster: v1alpha1.ClusterStatus{
						Name: "prod", ARN: testClusterARN, Endpoint: testEndpoint, Version: testClusterVersion,
						OIDCIssuer: testOIDCIssuer, ProviderConfigName: "prod", Ready: false,
					},
				},
				fields: clusterFields(testKeyARN, testNodeRoleARN),
			},
		},
		"PreviousStepPassedThrough": {
			reason: "Desired resources of a previous function in the pipeline are passed through unchanged.",
			req:    reqPrevious,
			want: want{
				ready:      readiness(beforeCluster, fnv1.Ready_READY_FALSE, map[string]fnv1.Ready{"previous-step-bucket": fnv1.Ready_READY_TRUE}),
				xrReady:    fnv1.Ready_READY_FALSE,
				waitingFor: waiting,
				conditions: success,
				status: coreStatus{
					Region: "eu-west-1", AvailabilityZones: testZones, CostCenter: testCostCenter,
					ProviderConfigName: "default", Network: v1alpha1.NetworkStatus{VPCCIDR: "10.0.0.0/16"},
					Cluster: v1alpha1.ClusterStatus{Name: "prod"},
				},
				unchanged: map[string]*fnv1.Resource{"previous-step-bucket": previous},
				absent:    wantClusterNames(),
			},
		},
		"ExistingClusterKeptWithoutKey": {
			reason: "A cluster that exists must never be dropped from the desired state, which would delete it: without an observed KMS key it keeps the key it was created with.",
			req:    reqNoKey,
			want: want{
				ready: readiness(all, fnv1.Ready_READY_TRUE, map[string]fnv1.Ready{
					"kms-key-eks":      fnv1.Ready_READY_FALSE,
					"eks-cluster":      fnv1.Ready_READY_TRUE,
					"eks-cluster-auth": fnv1.Ready_READY_TRUE,
				}),
				xrReady:    fnv1.Ready_READY_UNSPECIFIED,
				conditions: success,
				status: coreStatus{
					Region: "eu-west-1", AvailabilityZones: testZones, CostCenter: testCostCenter,
					ProviderConfigName: "default", Network: network,
					Cluster: readyCluster,
				},
				fields: clusterFields(oldKeyARN, testNodeRoleARN),
			},
		},
		"ExistingClusterKeptWithoutKeyAndRole": {
			reason: "Neither the KMS key nor the node role observed: the existing cluster still stays, with the ARNs it was created with.",
			req:    reqNoKeyNoRole,
			want: want{
				ready: readiness(all, fnv1.Ready_READY_TRUE, map[string]fnv1.Ready{
					"kms-key-eks":       fnv1.Ready_READY_FALSE,
					"iam-role-eks-node": fnv1.Ready_READY_FALSE,
				}),
				xrReady:    fnv1.Ready_READY_UNSPECIFIED,
				conditions: success,
				status: coreStatus{
					Region: "eu-west-1", AvailabilityZones: testZones, CostCenter: testCostCenter,
					ProviderConfigName: "default", Network: network,
					Cluster: readyCluster,
				},
				fields: clusterFields(oldKeyARN, testNodeRoleARN),
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, tc.req)

			if diff := cmp.Diff(&fnv1.ResponseMeta{Tag: testTag, Ttl: durationpb.New(time.Minute)}, rsp.GetMeta(), protocmp.Transform()); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) meta: -want, +got:\n%s", tc.reason, diff)
			}
			checkWaiting(t, tc.reason, tc.want.waitingFor, rsp.GetResults())
			if diff := cmp.Diff(tc.want.conditions, rsp.GetConditions(), protocmp.Transform()); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) conditions: -want, +got:\n%s", tc.reason, diff)
			}

			got := map[string]fnv1.Ready{}
			for n, r := range rsp.GetDesired().GetResources() {
				if _, passedThrough := tc.want.unchanged[n]; core[n] || passedThrough {
					got[n] = r.GetReady()
				}
				// What we compose never carries a status: it would be applied
				// as an opinion on the provider's fields.
				if n != "previous-step-bucket" {
					if _, ok := r.GetResource().GetFields()["status"]; ok {
						t.Errorf("\n%s\ndesired %q has a status", tc.reason, n)
					}
				}
			}
			if diff := cmp.Diff(tc.want.ready, got); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) desired network and cluster resources and their readiness: -want, +got:\n%s", tc.reason, diff)
			}

			xr := rsp.GetDesired().GetComposite()
			if diff := cmp.Diff(tc.want.xrReady, xr.GetReady()); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) desired composite readiness: -want, +got:\n%s", tc.reason, diff)
			}
			m := xr.GetResource().AsMap()
			if m["apiVersion"] != "platform.openedx.cloud/v1alpha1" || m["kind"] != "XPlatform" {
				t.Errorf("\n%s\nRunFunction(...) desired composite is a %v %v, want a platform.openedx.cloud/v1alpha1 XPlatform", tc.reason, m["apiVersion"], m["kind"])
			}
			status := v1alpha1.XPlatformStatus{}
			if err := compose.Decode(m["status"].(map[string]any), &status); err != nil {
				t.Fatalf("cannot decode desired composite status: %v", err)
			}
			if diff := cmp.Diff(tc.want.status, coreStatusOf(status)); diff != "" {
				t.Errorf("\n%s\nRunFunction(...) desired composite status: -want, +got:\n%s", tc.reason, diff)
			}

			for n, want := range tc.want.fields {
				r, ok := rsp.GetDesired().GetResources()[n]
				if !ok {
					t.Errorf("\n%s\nRunFunction(...): no desired %q", tc.reason, n)
					continue
				}
				if diff := cmp.Diff(want, fieldsOf(t, r, want)); diff != "" {
					t.Errorf("\n%s\nRunFunction(...) desired %q: -want, +got:\n%s", tc.reason, n, diff)
				}
			}
			for _, n := range tc.want.absent {
				if _, ok := rsp.GetDesired().GetResources()[n]; ok {
					t.Errorf("\n%s\nRunFunction(...): %q is desired, want it absent", tc.reason, n)
				}
			}
			for n, want := range tc.want.unchanged {
				if diff := cmp.Diff(want, rsp.GetDesired().GetResources()[n], protocmp.Transform()); diff != "" {
					t.Errorf("\n%s\nRunFunction(...) desired %q: -want, +got:\n%s", tc.reason, n, diff)
				}
			}
		})
	}
}

// TestRunFunctionConverges checks that composing the observed state of a
// converged platform asks for nothing new: the same network and cluster
// resources, each with the spec it was created with.
func TestRunFunctionConverges(t *testing.T) {
	core := coreNames(t, mustPlan(t, newXR()))
	names := func(rs map[string]*fnv1.Resource) []string {
		var out []string
		for n := range rs {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}

	// Observe each response until the set of names stops changing.
	rsp := run(t, newRequest(xrJSON, nil, nil))
	prev := observe(t, rsp, nil)
	for pass := 2; ; pass++ {
		if pass > 6 {
			t.Fatalf("RunFunction(...) did not converge in 6 passes")
		}
		rsp = run(t, newRequest(xrJSON, prev, nil))
		if slices.Equal(names(prev), names(rsp.GetDesired().GetResources())) {
			break
		}
		prev = observe(t, rsp, nil)
	}

	n := 0
	for name, r := range rsp.GetDesired().GetResources() {
		if !core[name] {
			continue
		}
		n++
		wantSpec := prev[name].GetResource().GetFields()["spec"]
		if diff := cmp.Diff(wantSpec, r.GetResource().GetFields()["spec"], protocmp.Transform()); diff != "" {
			t.Errorf("desired %q changed its spec from what was observed: -observed, +desired:\n%s", name, diff)
		}
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			t.Errorf("desired %q is %s although observed ready", name, r.GetReady())
		}
	}
	if n != len(core) {
		t.Errorf("converged platform has %d of the %d network and cluster resources", n, len(core))
	}
	if len(core) < 58 {
		t.Errorf("the builders produce %d network and cluster resources, want at least 58", len(core))
	}
	if r := rsp.GetDesired().GetComposite().GetReady(); r == fnv1.Ready_READY_FALSE {
		t.Errorf("converged platform: desired composite is %s", r)
	}
	status := v1alpha1.XPlatformStatus{}
	if err := compose.Decode(rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any), &status); err != nil {
		t.Fatal(err)
	}
	if !status.Cluster.Ready || status.Cluster.ProviderConfigName != "prod" {
		t.Errorf("converged platform: cluster status %+v, want ready with provider config prod", status.Cluster)
	}
}

func TestRunFunctionDeterministic(t *testing.T) {
	first := run(t, newRequest(xrJSON, nil, nil))
	cases := map[string]struct {
		reason string
		req    *fnv1.RunFunctionRequest
	}{
		"FirstReconcile": {
			reason: "The same request with nothing observed gives the same bytes.",
			req:    newRequest(xrJSON, nil, nil),
		},
		"ClusterComposed": {
			reason: "The same request with prerequisites observed gives the same bytes.",
			req:    newRequest(xrJSON, observe(t, first, nil), nil),
		},
	}
	marshal := proto.MarshalOptions{Deterministic: true}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, err := marshal.Marshal(run(t, tc.req))
			if err != nil {
				t.Fatal(err)
			}
			b, err := marshal.Marshal(run(t, tc.req))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("\n%s\nRunFunction(...) gave %d bytes then %d different bytes for the same request", tc.reason, len(a), len(b))
			}
			if len(a) < 1000 {
				t.Errorf("\n%s\nRunFunction(...) response is only %d bytes: nothing was composed", tc.reason, len(a))
			}
		})
	}
}
