package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The tenant of examples/tenant-demo, as the API server stores it: with the
// XRD's defaults applied.
const demoSpec = `{
	"instanceName": "demo",
	"lmsHost": "learn.demo.example.com",
	"platformRef": {"name": "prod", "namespace": "platform"},
	"resources": {
		"containerDefaults": {"cpuRequest": "100m", "memoryLimit": "3Gi", "memoryRequest": "256Mi"},
		"quota": {"limitsMemory": "72Gi", "persistentVolumeClaims": 10, "pods": 60, "requestsCpu": "12", "requestsMemory": "40Gi"}
	}
}`

// The same tenant as crossplane render sees it: no defaults applied.
const demoSpecMinimal = `{
	"instanceName": "demo",
	"lmsHost": "learn.demo.example.com",
	"platformRef": {"name": "prod", "namespace": "platform"}
}`

// A tenant that names an XPlatform created without a claim.
const demoSpecXPlatform = `{
	"instanceName": "demo",
	"lmsHost": "learn.demo.example.com",
	"platformRef": {"name": "prod"}
}`

// A claim's composite has a generated name.
const (
	claimPlatformName = "prod-x7k2p"
	costCenter        = "learning-platform"
)

// tenant is an observed XOpenEdxTenant created by claim demo in namespace
// tenants.
func tenant(spec string) *fnv1.Resource {
	return &fnv1.Resource{Resource: resource.MustStructJSON(`{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind": "XOpenEdxTenant",
		"metadata": {
			"name": "demo-5fj2q",
			"labels": {"crossplane.io/claim-name": "demo", "crossplane.io/claim-namespace": "tenants"}
		},
		"spec": ` + spec + `
	}`)}
}

// xplatform is an XPlatform as Crossplane returns it as a required resource.
// A claim's composite carries the claim's labels. Its VPC is not the
// default one, so that a tenant that ignored it would show. specFields
// replace or add fields of its spec, as JSON members.
func xplatform(name string, claim bool, status string, specFields ...string) *fnv1.Resource {
	labels := `{}`
	if claim {
		labels = `{"crossplane.io/claim-name": "prod", "crossplane.io/claim-namespace": "platform"}`
	}
	spec := map[string]any{}
	base := fmt.Sprintf(`{
		"costCenter": "learning-platform",
		"kubernetes": {"kubeconfigSecretNamespace": "crossplane-system", "logRetentionDays": 90, "version": "1.34"},
		"networking": {"vpcCidr": %q},
		"profile": "production",
		"providerConfigName": "default",
		"region": "eu-west-1"
	}`, platformVPC)
	for _, f := range append([]string{base}, specFields...) {
		if !strings.HasPrefix(f, "{") {
			f = "{" + f + "}"
		}
		if err := json.Unmarshal([]byte(f), &spec); err != nil {
			panic(fmt.Sprintf("bad XPlatform spec fixture %s: %v", f, err))
		}
	}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		panic(err)
	}
	return &fnv1.Resource{Resource: resource.MustStructJSON(fmt.Sprintf(`{
		"apiVersion": "platform.openedx.cloud/v1alpha1",
		"kind": "XPlatform",
		"metadata": {"name": %q, "labels": %s},
		"spec": %s,
		"status": %s
	}`, name, labels, specJSON, status))}
}

// platformVPC is the VPC CIDR of the platform the tests use.
const platformVPC = "10.40.0.0/16"

// readyPlatformStatus is a converged XPlatform's status, as in
// _output/render/platform-production.yaml.
func readyPlatformStatus(providerConfig string) string {
	return fmt.Sprintf(`{
		"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
		"cluster": {
			"arn": "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
			"endpoint": "https://DB92F5E097ADEC2482139B8A354DD890.gr7.eu-west-1.eks.amazonaws.com",
			"name": "prod",
			"oidcIssuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/DB92F5E097ADEC2482139B8A354DD890",
			"providerConfigName": %q,
			"ready": true,
			"version": "1.34"
		},
		"conditions": [
			{"lastTransitionTime": "2024-01-01T00:00:00Z", "reason": "Available", "status": "True", "type": "Ready"},
			{"lastTransitionTime": "2024-01-01T00:00:00Z", "reason": "Success", "status": "True", "type": "FunctionSuccess"}
		],
		"costCenter": "learning-platform",
		"cache": {"port": 6379},
		"database": {"port": 3306},
		"edge": {"domain": "learn.example.org", "ingressClassName": "openedx", "smtpHost": "email-smtp.eu-west-1.amazonaws.com", "smtpPort": 587},
		"mongodb": {"hosts": ["mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal:27017", "mongodb-2.prod.openedx.internal:27017"]},
		"network": {"vpcCidr": %q, "vpcId": "vpc-e7a74d09305ff3219"},
		"providerConfigName": "default",
		"region": "eu-west-1",
		"tenants": {"allocations": [{"instance": "demo", "composite": "demo-5fj2q", "celeryDatabase": 4, "cacheDatabase": 5}]}
	}`, providerConfig, platformVPC)
}

// noEdgePlatformStatus is a ready platform that publishes no ingress class:
// it has no domain, or its load balancer is not up yet.
func noEdgePlatformStatus(providerConfig string) string {
	return strings.Replace(readyPlatformStatus(providerConfig), `"domain": "learn.example.org", "ingressClassName": "openedx", `, "", 1)
}

// creatingPlatformStatus is the status of an XPlatform whose EKS cluster is
// still being created.
const creatingPlatformStatus = `{
	"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
	"cluster": {"name": "prod"},
	"conditions": [{"lastTransitionTime": "2024-01-01T00:00:00Z", "reason": "Creating", "status": "False", "type": "Ready"}],
	"costCenter": "learning-platform",
	"network": {"vpcCidr": "` + platformVPC + `"},
	"providerConfigName": "default",
	"region": "eu-west-1"
}`

// required is what Crossplane sends once it has fetched the platform
// requirement; no items means no platform matched.
func required(items ...*fnv1.Resource) map[string]*fnv1.Resources {
	return map[string]*fnv1.Resources{"platform": {Items: items}}
}

// objects describes the tenant's provider-kubernetes Objects.
type objects struct {
	platform       string
	costCenter     string
	providerConfig string
	pvcs           string
	// vpcCIDR of the NetworkPolicies; the platform's when empty.
	vpcCIDR string
	// externalMongoDB adds the rule to an external MongoDB on 27017.
	externalMongoDB bool
	// mfeHost is apps.learn.demo.example.com when empty.
	mfeHost string
	// ingressClass of the Ingress; no Ingress when empty.
	ingressClass string
	// only lists the Objects there are, when not every one.
	only []string
	// ready of every Object but those readyOf names.
	ready   fnv1.Ready
	readyOf map[string]fnv1.Ready
}

// objectFixture is what one of the tenant's Objects holds in the cases of
// TestRunFunction for o: its manifest and, when it has one, its readiness
// policy, as JSON; no manifest when o has no such Object. Each builder's
// test registers the fixtures of its Objects (registerObjects), mostly the
// manifests it checks its builder against, so that a new Object is
// described once, next to its builder, and every case of TestRunFunction
// expects it without an edit here. Manifests carry demoLabels (platform
// prod); wantObjects relabels them for o's platform and cost center.
type objectFixture func(o objects) (manifest, readiness string)

// demoMeta is the metadata of the demo tenant's namespaced manifest
// called name, as a JSON member.
func demoMeta(name string) string {
	return `"metadata": {"name": "` + name + `", "namespace": "openedx-demo", "labels": ` + demoLabels + `}`
}

// objectFixtures are the fixtures of every Object of a tenant, by
// composition resource name.
var objectFixtures = map[string]objectFixture{}

// registerObjects adds fixtures to objectFixtures, once each; it returns
// true, so that a test file registers its fixtures as it declares a var.
func registerObjects(fs map[string]objectFixture) bool {
	for name, f := range fs {
		if _, dup := objectFixtures[name]; dup {
			panic("two fixtures of Object " + name)
		}
		objectFixtures[name] = f
	}
	return true
}

// wantObjects are the desired Objects, written out as provider-kubernetes
// receives them.
func wantObjects(o objects) map[string]*fnv1.Resource {
	if o.pvcs == "" {
		o.pvcs = "10"
	}
	if o.vpcCIDR == "" {
		o.vpcCIDR = platformVPC
	}
	if o.mfeHost == "" {
		o.mfeHost = "apps.learn.demo.example.com"
	}
	names := o.only
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(objectFixtures))
	}
	out := make(map[string]*fnv1.Resource, len(names))
	for _, name := range names {
		fixture, ok := objectFixtures[name]
		if !ok {
			panic("no fixture of Object " + name)
		}
		manifest, readiness := fixture(o)
		if manifest == "" {
			continue
		}
		manifest = relabel(manifest, o.platform, o.costCenter)
		if readiness != "" {
			readiness = `"readiness": ` + readiness + `,`
		}
		ready, ok := o.readyOf[name]
		if !ok {
			ready = o.ready
		}
		out[name] = &fnv1.Resource{Resource: resource.MustStructJSON(fmt.Sprintf(`{
			"apiVersion": "kubernetes.crossplane.io/v1alpha2",
			"kind": "Object",
			"spec": {
				"forProvider": {"manifest": %s},
				"providerConfigRef": {"name": %q},
				%s
				"watch": false
			}
		}`, manifest, o.providerConfig, readiness)), Ready: ready}
	}
	return out
}

// relabel sets the platform and cost center labels of a manifest.
func relabel(manifest, platform, costCenter string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(manifest), &m); err != nil {
		panic(fmt.Sprintf("bad manifest fixture %s: %v", manifest, err))
	}
	meta, _ := m["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	if labels == nil {
		panic("manifest fixture without labels: " + manifest)
	}
	labels["platform.openedx.cloud/platform"], labels["platform.openedx.cloud/cost-center"] = platform, costCenter
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// observedObjects are the tenant's Objects as Crossplane observes them once
// they exist: the composed spec, Crossplane's own metadata on the Object, and
// provider-kubernetes' status. Every one reports Ready=True but notReady.
func observedObjects(o objects, notReady ...string) map[string]*fnv1.Resource {
	out := wantObjects(o)
	for name, r := range out {
		m := r.GetResource().AsMap()
		m["metadata"] = map[string]any{
			"name":         "demo-5fj2q-" + name,
			"generateName": "demo-5fj2q-",
			"labels": map[string]any{
				"crossplane.io/composite":       "demo-5fj2q",
				"crossplane.io/claim-name":      "demo",
				"crossplane.io/claim-namespace": "tenants",
			},
			"annotations": map[string]any{"crossplane.io/composition-resource-name": name},
		}
		status := "True"
		if slices.Contains(notReady, name) {
			status = "False"
		}
		spec, _ := m["spec"].(map[string]any)
		fp, _ := spec["forProvider"].(map[string]any)
		m["status"] = map[string]any{
			"atProvider": map[string]any{"manifest": fp["manifest"]},
			"conditions": []any{
				map[string]any{"type": "Ready", "status": status, "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"},
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2024-01-01T00:00:00Z"},
			},
		}
		out[name] = &fnv1.Resource{Resource: resource.MustStructObject(&unstructured.Unstructured{Object: m})}
	}
	return out
}

// wantXR is the desired composite: the tenant's status, and its readiness.
func wantXR(platform string, ready fnv1.Ready) *fnv1.Resource {
	return wantXRWithMFE(platform, ready, "apps.learn.demo.example.com")
}

func wantXRWithMFE(platform string, ready fnv1.Ready, mfeHost string) *fnv1.Resource {
	return wantTenantXR(platform, ready, mfeHost, false)
}

// wantAdmittedXR is the desired composite of a tenant its platform has
// admitted: its status names its Redis databases.
func wantAdmittedXR(platform string, ready fnv1.Ready) *fnv1.Resource {
	return wantTenantXR(platform, ready, "apps.learn.demo.example.com", true)
}

func wantTenantXR(platform string, ready fnv1.Ready, mfeHost string, admitted bool) *fnv1.Resource {
	p := ""
	if platform != "" {
		p = fmt.Sprintf(`"platform": %q, "secretId": "openedx/%s/tenants/demo/tutor",`, platform, platform)
	}
	redis := ""
	if admitted {
		redis = `, "redisCeleryDatabase": 4, "redisCacheDatabase": 5`
	}
	return &fnv1.Resource{
		Resource: resource.MustStructJSON(`{
			"apiVersion": "platform.openedx.cloud/v1alpha1",
			"kind": "XOpenEdxTenant",
			"status": {` + p + `
				"namespace": "openedx-demo",
				"lmsUrl": "https://learn.demo.example.com",
				"studioUrl": "https://studio.learn.demo.example.com",
				"mfeUrl": "https://` + mfeHost + `",
				"serviceAccountName": "openedx",
				"configSecretName": "openedx-tutor-config",
				"buckets": {},
				"databases": {"mysql": "openedx_demo", "mongodb": "openedx_demo", "forum": "openedx_demo_forum"` + redis + `}
			}
		}`),
		Ready: ready,
	}
}

// wantPlatformUsage is the ClusterUsage that keeps the platform while the
// tenant exists.
func wantPlatformUsage(platformXR string, ready fnv1.Ready) map[string]*fnv1.Resource {
	return map[string]*fnv1.Resource{"usage-platform": {
		Resource: resource.MustStructJSON(`{
			"apiVersion": "protection.crossplane.io/v1beta1",
			"kind": "ClusterUsage",
			"spec": {
				"of": {"apiVersion": "platform.openedx.cloud/v1alpha1", "kind": "XPlatform", "resourceRef": {"name": "` + platformXR + `"}},
				"by": {"apiVersion": "platform.openedx.cloud/v1alpha1", "kind": "XOpenEdxTenant", "resourceRef": {"name": "demo-5fj2q"}},
				"replayDeletion": true
			}
		}`),
		Ready: ready,
	}}
}

// condDNSOutside is the DNSReady condition of the demo tenant, whose hosts
// are outside the test platform's domain.
func condDNSOutside(mfeHost string) *fnv1.Condition {
	return condition("DNSReady", fnv1.Status_STATUS_CONDITION_TRUE, "Available", "learn.demo.example.com, studio.learn.demo.example.com, "+mfeHost+", meilisearch.learn.demo.example.com are not named or certified here, as they are outside the platform's domain learn.example.org: point them at the platform's load balancer once it has a name with a CNAME; its certificates do not cover them")
}

// condDNSNoDomain is the DNSReady condition of a tenant on a platform
// without a domain: nothing routes to it, and it says what to do.
var condDNSNoDomain = condition("DNSReady", fnv1.Status_STATUS_CONDITION_FALSE, "NoDomain", `nothing routes to learn.demo.example.com, studio.learn.demo.example.com, apps.learn.demo.example.com, meilisearch.learn.demo.example.com: `+
	`platform "prod-x7k2p" has no DNS domain, so it has no load balancer. Set the platform's spec.dns.domain (a Route53 zone it creates, or adopts with spec.dns.hostedZoneId) `+
	`and delegate the domain to its status.edge.nameServers; the instance is then routed by itself`)

// condDataPending is the Provisioned condition of a tenant whose platform
// has not reported its data key: its AWS resources wait.
func condDataPending(platformXR string) *fnv1.Condition {
	return condition("Provisioned", fnv1.Status_STATUS_CONDITION_FALSE, "Pending", fmt.Sprintf("the data KMS key of platform %q is not created yet", platformXR))
}

// Requirements for a Platform claim, and for an XPlatform by name.
var (
	requireClaim = &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		"platform": {
			ApiVersion: "platform.openedx.cloud/v1alpha1",
			Kind:       "XPlatform",
			Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{
				"crossplane.io/claim-name":      "prod",
				"crossplane.io/claim-namespace": "platform",
			}}},
		},
	}}
	requireXPlatform = &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		"platform": {
			ApiVersion: "platform.openedx.cloud/v1alpha1",
			Kind:       "XPlatform",
			Match:      &fnv1.ResourceSelector_MatchName{MatchName: "prod"},
		},
	}}
)

var (
	metaReq = &fnv1.RequestMeta{Tag: "hello"}
	metaRsp = &fnv1.ResponseMeta{Tag: "hello", Ttl: durationpb.New(60 * time.Second)}
)

func condition(typ string, s fnv1.Status, reason string, message ...string) *fnv1.Condition {
	c := &fnv1.Condition{Type: typ, Status: s, Reason: reason, Target: fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()}
	if len(message) > 0 {
		c.Message = &message[0]
	}
	return c
}

var (
	condSuccess       = condition("FunctionSuccess", fnv1.Status_STATUS_CONDITION_TRUE, "Success")
	condPlatformReady = condition("PlatformReady", fnv1.Status_STATUS_CONDITION_TRUE, "Available")
)

func condPlatformPending(msg string) *fnv1.Condition {
	return condition("PlatformReady", fnv1.Status_STATUS_CONDITION_FALSE, "Pending", msg)
}

func warning(msg string) *fnv1.Result {
	return &fnv1.Result{Severity: fnv1.Severity_SEVERITY_WARNING, Message: msg, Target: fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()}
}

func fatal(msg string) *fnv1.Result {
	return &fnv1.Result{Severity: fnv1.Severity_SEVERITY_FATAL, Message: msg, Target: fnv1.Target_TARGET_COMPOSITE.Enum()}
}

// The warnings a tenant shows while its platform cannot be used.
const (
	msgClaimMissing     = `Platform "prod" in namespace "platform" does not exist; the namespace is created once it does`
	msgXPlatformMissing = `XPlatform "prod" does not exist; the namespace is created once it does`
	msgClaimNotReady    = `Platform "prod" in namespace "platform" (XPlatform "prod-x7k2p") is not ready yet: its EKS cluster is still being created; the namespace is created once it is`
)

// merge returns the union of resource maps.
func merge(ms ...map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestRunFunction(t *testing.T) {
	type args struct {
		req *fnv1.RunFunctionRequest
	}
	type want struct {
		rsp *fnv1.RunFunctionResponse
		// fatal, when set, is what the single Fatal result's message starts
		// with; the rest of it is apimachinery's wording.
		fatal string
	}

	// What a previous step in the pipeline composed.
	previousStep := map[string]*fnv1.Resource{
		"previous-step": {
			Resource: resource.MustStructJSON(`{
				"apiVersion": "kubernetes.crossplane.io/v1alpha2",
				"kind": "Object",
				"spec": {"forProvider": {"manifest": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-previous-step", "namespace": "default"}}}}
			}`),
			Ready: fnv1.Ready_READY_TRUE,
		},
	}
	previousComposite := func() *fnv1.Resource {
		return &fnv1.Resource{
			Resource:          resource.MustStructJSON(`{"apiVersion": "platform.openedx.cloud/v1alpha1", "kind": "XOpenEdxTenant"}`),
			ConnectionDetails: map[string][]byte{"previous-secret": []byte("s3cr3t")},
		}
	}
	wantXRWithConnectionDetails := func(platform string, ready fnv1.Ready) *fnv1.Resource {
		r := wantXR(platform, ready)
		if platform != "" {
			r = wantAdmittedXR(platform, ready)
		}
		r.ConnectionDetails = map[string][]byte{"previous-secret": []byte("s3cr3t")}
		return r
	}

	readyClaimObjects := objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx"}

	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		// (a) Invalid composite.
		"InvalidInstanceName": {
			reason: "An invalid tenant is a single Fatal result naming the field; nothing is required or composed.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:     metaReq,
				Observed: &fnv1.State{Composite: tenant(strings.Replace(demoSpec, `"instanceName": "demo"`, `"instanceName": "Demo"`, 1))},
			}},
			want: want{
				rsp:   &fnv1.RunFunctionResponse{Meta: metaRsp, Results: []*fnv1.Result{fatal("")}},
				fatal: `invalid XOpenEdxTenant: spec.instanceName: Invalid value: "Demo": `,
			},
		},
		"InvalidQuota": {
			reason: "An invalid quota is a single Fatal result naming the field, even with the platform fetched and ready; nothing is composed.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(strings.Replace(demoSpec, `"requestsCpu": "12"`, `"requestsCpu": "0"`, 1))},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{
				rsp:   &fnv1.RunFunctionResponse{Meta: metaRsp, Results: []*fnv1.Result{fatal("")}},
				fatal: `invalid XOpenEdxTenant: spec.resources.quota.requestsCpu: Invalid value: "0": must be positive`,
			},
		},

		"InvalidAutoscaling": {
			reason: "An autoscaler whose minimum exceeds its maximum is a single Fatal result naming the field; nothing is composed.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(strings.Replace(demoSpec, `"instanceName"`, `"autoscaling": {"lms": {"minReplicas": 7, "maxReplicas": 4}}, "instanceName"`, 1))},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{
				rsp:   &fnv1.RunFunctionResponse{Meta: metaRsp, Results: []*fnv1.Result{fatal("")}},
				fatal: `invalid XOpenEdxTenant: spec.autoscaling.lms.minReplicas: Invalid value: 7: must not exceed maxReplicas (4)`,
			},
		},

		// (b) Crossplane has not fetched the platform yet.
		"PlatformNotFetchedClaim": {
			reason: "Without the platform, ask for the Platform claim's composite by the claim labels, compose nothing, and hold the composite not ready, without a warning.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:     metaReq,
				Observed: &fnv1.State{Composite: tenant(demoSpec)},
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Desired:      &fnv1.State{Composite: wantXR("", fnv1.Ready_READY_FALSE)},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condSuccess},
			}},
		},
		"PlatformNotFetchedXPlatform": {
			reason: "A platformRef without a namespace names an XPlatform: ask for it by name.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:     metaReq,
				Observed: &fnv1.State{Composite: tenant(demoSpecXPlatform)},
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Desired:      &fnv1.State{Composite: wantXR("", fnv1.Ready_READY_FALSE)},
				Requirements: requireXPlatform,
				Conditions:   []*fnv1.Condition{condSuccess},
			}},
		},

		// (c) The platform does not exist.
		"PlatformMissingClaim": {
			reason: "A Platform that does not exist is a warning naming it and its namespace, and PlatformReady=False; nothing is composed and the composite is not ready.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Desired:      &fnv1.State{Composite: wantXR("", fnv1.Ready_READY_FALSE)},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimMissing)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimMissing), condSuccess},
			}},
		},
		"PlatformMissingXPlatform": {
			reason: "An XPlatform that does not exist is a warning naming the XPlatform.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpecXPlatform)},
				RequiredResources: required(),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Desired:      &fnv1.State{Composite: wantXR("", fnv1.Ready_READY_FALSE)},
				Requirements: requireXPlatform,
				Results:      []*fnv1.Result{warning(msgXPlatformMissing)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgXPlatformMissing), condSuccess},
			}},
		},

		// (d) The platform exists but is not ready.
		"PlatformClusterBeingCreated": {
			reason: "A platform whose cluster is still being created is a warning saying it is not ready; nothing is composed.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(xplatform(claimPlatformName, true, creatingPlatformStatus)),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Desired:      &fnv1.State{Composite: wantXR(claimPlatformName, fnv1.Ready_READY_FALSE)},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimNotReady)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimNotReady), condSuccess},
			}},
		},
		"PlatformProviderConfigButNotReady": {
			reason: "status.cluster.providerConfigName alone is not enough: status.cluster.ready must be true too.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(xplatform(claimPlatformName, true, strings.Replace(readyPlatformStatus(claimPlatformName), `"ready": true`, `"ready": false`, 1))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Desired:      &fnv1.State{Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE)},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimNotReady)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimNotReady), condSuccess},
			}},
		},
		"PlatformReadyButNoProviderConfig": {
			reason: "status.cluster.ready alone is not enough: without a providerConfigName there is no way to reach the cluster.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(""))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Desired:      &fnv1.State{Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE)},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimNotReady)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimNotReady), condSuccess},
			}},
		},

		// (e) The platform is ready.
		"PlatformReadyClaim": {
			reason: "A ready platform gets the three Objects through its provider config, not ready until observed so; the tenant without a costCenter inherits the platform's; PlatformReady=True, no warning, and the status points at the instance.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"PlatformReadyMinimalSpec": {
			reason: "Without the API server's defaults (crossplane render), the function applies the same defaults and composes the same Objects.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpecMinimal)},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"PlatformReadyXPlatform": {
			reason: "An XPlatform named directly works like a claim's composite.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpecXPlatform)},
				RequiredResources: required(xplatform("prod", false, readyPlatformStatus("prod"))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR("prod", fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: "prod", costCenter: costCenter, providerConfig: "prod", ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage("prod", fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireXPlatform,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending("prod"), condSuccess},
			}},
		},
		"PlatformReadyWithoutIngressClass": {
			reason: "A ready platform without a domain publishes no ingress class: the tenant gets everything but the Ingress, no warning, and DNSReady=False saying that nothing routes to it and what the operator must do.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(xplatform(claimPlatformName, true, noEdgePlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSNoDomain, condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"PlatformExternalMongoDB": {
			reason: "A platform on an external MongoDB (Atlas), as its status says, moves MongoDB's port out of the VPC rule into a rule of its own, to anywhere.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:     metaReq,
				Observed: &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(xplatform(claimPlatformName, true,
					strings.Replace(readyPlatformStatus(claimPlatformName), `"mongodb": {"hosts": ["mongodb-0.prod.openedx.internal:27017", "mongodb-1.prod.openedx.internal:27017", "mongodb-2.prod.openedx.internal:27017"]},`, `"mongodb": {"hosts": ["a.mongodb.net:27017", "b.mongodb.net:27017"], "replicaSet": "atlas-1", "adminSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:atlas-admin", "external": true, "tls": true},`, 1),
					`"mongodb": {"external": {"hosts": ["a.mongodb.net:27017", "b.mongodb.net:27017"], "replicaSet": "atlas-1", "adminSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:atlas-admin"}}`)),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, externalMongoDB: true, ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"OwnMFEHost": {
			reason: "spec.mfeHost replaces apps.<lmsHost> in the Ingress and in status.mfeUrl.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(strings.Replace(demoSpec, `"instanceName"`, `"mfeHost": "mfe.learn.demo.example.com", "instanceName"`, 1))},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantTenantXR(claimPlatformName, fnv1.Ready_READY_FALSE, "mfe.learn.demo.example.com", true),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, mfeHost: "mfe.learn.demo.example.com", ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("mfe.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"PlatformVPCNotACIDR": {
			reason: "A platform whose published VPC CIDR cannot be read is a single Fatal result naming the platform's status field; nothing is composed, not even a default deny.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(xplatform(claimPlatformName, true, strings.Replace(readyPlatformStatus(claimPlatformName), `"vpcCidr": "`+platformVPC+`"`, `"vpcCidr": "10.40.0.0"`, 1))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Requirements: requireClaim,
				Results:      []*fnv1.Result{fatal(`status.network.vpcCidr: Invalid value: "10.40.0.0": XPlatform "prod-x7k2p" publishes a VPC block that is not an IPv4 CIDR`)},
			}},
		},
		"PlatformReadyObjectsReady": {
			reason: "Objects observed Ready=True are desired READY_TRUE.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(readyClaimObjects),
				},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_TRUE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"PlatformReadyObjectsPartlyReady": {
			reason: "Readiness is per Object: those observed Ready=False (the quota, a NetworkPolicy, an autoscaler, the Ingress waiting for the ALB) are READY_FALSE, the others READY_TRUE.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(readyClaimObjects, "resource-quota", "network-policy-openedx", "hpa-cms", "ingress"),
				},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_TRUE, readyOf: map[string]fnv1.Ready{
						"resource-quota":         fnv1.Ready_READY_FALSE,
						"network-policy-openedx": fnv1.Ready_READY_FALSE,
						"hpa-cms":                fnv1.Ready_READY_FALSE,
						"ingress":                fnv1.Ready_READY_FALSE,
					}}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"TenantCostCenterOverridesPlatform": {
			reason: "A tenant's own costCenter wins over the platform's.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(strings.Replace(demoSpec, `"instanceName"`, `"costCenter": "cc-42", "instanceName"`, 1))},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: "cc-42", providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"ExplicitZeroPersistentVolumeClaims": {
			reason: "persistentVolumeClaims: 0 is valid (XRD minimum 0) and means no volume claims; it must not become the default of 10.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(strings.Replace(demoSpec, `"persistentVolumeClaims": 10`, `"persistentVolumeClaims": 0`, 1))},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, pvcs: "0", ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},

		// (f) The platform went away or is not ready, but the tenant's
		// Objects exist: keep them exactly as they are.
		"PlatformDeletedKeepsExistingObjects": {
			reason: "A platform that disappears must never delete a tenant's namespace: the existing Objects stay desired with their provider config, labels (platform, cost center) and readiness, alongside the warning; the NetworkPolicies keep the VPC they were composed with (only the platform knows it) and the Ingress its class; the composite is not ready and still names its platform.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, vpcCIDR: "10.9.0.0/16", ingressClass: "openedx-old"}),
				},
				RequiredResources: required(),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, vpcCIDR: "10.9.0.0/16", ingressClass: "openedx-old", ready: fnv1.Ready_READY_TRUE}),
				},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimMissing)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimMissing), condSuccess},
			}},
		},
		"PlatformNotReadyKeepsExistingObjects": {
			reason: "A platform that is not ready (for example its cluster is being replaced) keeps the tenant's existing Objects on their provider config, alongside the warning; the Ingress keeps its class although the platform publishes none now.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(readyClaimObjects),
				},
				RequiredResources: required(xplatform(claimPlatformName, true, creatingPlatformStatus)),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_TRUE}),
				},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimNotReady)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimNotReady), condSuccess},
			}},
		},
		"PlatformNotFetchedKeepsExistingObjects": {
			reason: "Before Crossplane has fetched the platform, the existing Objects stay desired exactly as they are, without a warning.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(readyClaimObjects),
				},
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_TRUE}),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condSuccess},
			}},
		},

		"PlatformMissingCreatesNothingNew": {
			reason: "A tenant that has only its namespace, quota and limits (composed before isolation, autoscaling and routing existed) keeps them while its platform is missing, and gets nothing new until the platform is back: no NetworkPolicy from an unknown VPC, no default deny without its allowances.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, only: namespaceNames}),
				},
				RequiredResources: required(),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, only: namespaceNames, ready: fnv1.Ready_READY_TRUE}),
				},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimMissing)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimMissing), condSuccess},
			}},
		},
		"PlatformNotReadyCreatesNothingNew": {
			reason: "Likewise while the platform exists but is not ready: the existing Objects are kept, new ones wait.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, only: namespaceNames}),
				},
				RequiredResources: required(xplatform(claimPlatformName, true, creatingPlatformStatus)),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, only: namespaceNames, ready: fnv1.Ready_READY_TRUE}),
				},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimNotReady)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimNotReady), condSuccess},
			}},
		},
		"PlatformBackCompletesTheTenant": {
			reason: "Once the platform is ready again, a tenant that had only its namespace, quota and limits gets everything else, new Objects not ready until observed so.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, only: namespaceNames}),
				},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantAdmittedXR(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE, readyOf: map[string]fnv1.Ready{
						"namespace":      fnv1.Ready_READY_TRUE,
						"resource-quota": fnv1.Ready_READY_TRUE,
						"limit-range":    fnv1.Ready_READY_TRUE,
					}}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},

		// (g) Ambiguous platform.
		"TwoPlatformsMatch": {
			reason: "Two composites with the same claim labels is a Fatal result counting them; nothing is composed.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:     metaReq,
				Observed: &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(
					xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName)),
					xplatform("prod-a1b2c", true, readyPlatformStatus("prod-a1b2c")),
				),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:         metaRsp,
				Requirements: requireClaim,
				Results:      []*fnv1.Result{fatal(`2 platforms match Platform "prod" in namespace "platform"; a Platform claim's composite must be unique`)},
			}},
		},

		// (h) Pipeline pass-through.
		"PreviousStepPassesThrough": {
			reason: "What earlier pipeline steps composed, and the composite's connection details, are kept alongside the tenant's Objects.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				Desired:           &fnv1.State{Composite: previousComposite(), Resources: previousStep},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantXRWithConnectionDetails(claimPlatformName, fnv1.Ready_READY_FALSE),
					Resources: merge(previousStep, wantObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx", ready: fnv1.Ready_READY_FALSE}), wantPlatformUsage(claimPlatformName, fnv1.Ready_READY_FALSE)),
				},
				Requirements: requireClaim,
				Conditions:   []*fnv1.Condition{condPlatformReady, condDNSOutside("apps.learn.demo.example.com"), condDataPending(claimPlatformName), condSuccess},
			}},
		},
		"PreviousStepPassesThroughWhilePlatformMissing": {
			reason: "A missing platform does not drop what earlier pipeline steps composed.",
			args: args{req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				Desired:           &fnv1.State{Composite: previousComposite(), Resources: previousStep},
				RequiredResources: required(),
			}},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: metaRsp,
				Desired: &fnv1.State{
					Composite: wantXRWithConnectionDetails("", fnv1.Ready_READY_FALSE),
					Resources: previousStep,
				},
				Requirements: requireClaim,
				Results:      []*fnv1.Result{warning(msgClaimMissing)},
				Conditions:   []*fnv1.Condition{condPlatformPending(msgClaimMissing), condSuccess},
			}},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := &Function{log: logging.NewNopLogger()}
			rsp, err := f.RunFunction(context.Background(), tc.args.req)
			if err != nil {
				t.Fatalf("%s\nf.RunFunction(...): unexpected error: %v", tc.reason, err)
			}

			opts := []cmp.Option{protocmp.Transform()}
			if tc.want.fatal != "" {
				// The rest of the message is apimachinery's wording.
				opts = append(opts, protocmp.IgnoreFields(&fnv1.Result{}, "message"))
				if len(rsp.GetResults()) != 1 || !strings.HasPrefix(rsp.GetResults()[0].GetMessage(), tc.want.fatal) {
					t.Errorf("%s\nf.RunFunction(...): want exactly one result whose message starts with %q, got %v", tc.reason, tc.want.fatal, rsp.GetResults())
				}
			}
			if diff := cmp.Diff(tc.want.rsp, rsp, opts...); diff != "" {
				// protocmp's diff of google.protobuf.Struct is hard to read;
				// show the same difference as JSON when it is visible there.
				if jd := cmp.Diff(asJSON(t, tc.want.rsp), asJSON(t, rsp)); jd != "" && tc.want.fatal == "" {
					diff = jd
				}
				t.Errorf("%s\nf.RunFunction(...): -want rsp, +got rsp:\n%s", tc.reason, diff)
			}
		})
	}
}

// asJSON renders a message as plain JSON values, for readable diffs.
func asJSON(t *testing.T, m proto.Message) any {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatalf("protojson.Marshal(%T): %v", m, err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	return v
}

// TestRunFunctionDeterministic runs the same request several times: the
// responses must be byte for byte identical, or Crossplane would see a change
// on every reconcile.
func TestRunFunctionDeterministic(t *testing.T) {
	cases := map[string]struct {
		reason string
		req    *fnv1.RunFunctionRequest
	}{
		"PlatformReady": {
			reason: "A ready platform with observed Objects and an earlier step's resources composes the same response every time.",
			req: &fnv1.RunFunctionRequest{
				Meta: metaReq,
				Observed: &fnv1.State{
					Composite: tenant(demoSpec),
					Resources: observedObjects(objects{platform: claimPlatformName, costCenter: costCenter, providerConfig: claimPlatformName, ingressClass: "openedx"}, "resource-quota", "ingress"),
				},
				Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{
					"previous-step": {Resource: resource.MustStructJSON(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"b": "c", "a": "d"}}`)},
				}},
				RequiredResources: required(xplatform(claimPlatformName, true, readyPlatformStatus(claimPlatformName))),
			},
		},
		"PlatformMissing": {
			reason: "A missing platform gives the same warning and condition every time.",
			req: &fnv1.RunFunctionRequest{
				Meta:              metaReq,
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			marshal := func() []byte {
				t.Helper()
				// A fresh copy each time: the SDK's response shares the
				// request's desired state.
				req, ok := proto.Clone(tc.req).(*fnv1.RunFunctionRequest)
				if !ok {
					t.Fatalf("proto.Clone returned a %T", req)
				}
				rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), req)
				if err != nil {
					t.Fatalf("%s\nf.RunFunction(...): unexpected error: %v", tc.reason, err)
				}
				b, err := proto.MarshalOptions{Deterministic: true}.Marshal(rsp)
				if err != nil {
					t.Fatalf("%s\nproto.Marshal(...): %v", tc.reason, err)
				}
				return b
			}
			first := marshal()
			if len(first) == 0 {
				t.Fatalf("%s\nthe response is empty", tc.reason)
			}
			for i := range 10 {
				if got := marshal(); !bytes.Equal(first, got) {
					t.Fatalf("%s\nrun %d: response differs from the first run:\nfirst: %x\ngot:   %x", tc.reason, i+2, first, got)
				}
			}
		})
	}
}
