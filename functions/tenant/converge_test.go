package main

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// convergedPlatform is the production platform once AWS has created it, as
// its function reports it (see _output/render/platform-production.yaml),
// having admitted tenant demo-5fj2q.
func convergedPlatform(t testing.TB, mutate ...func(*v1alpha1.XPlatform)) *fnv1.Resource {
	t.Helper()
	pl := &v1alpha1.XPlatform{}
	pl.APIVersion, pl.Kind = v1alpha1.GroupVersion.String(), v1alpha1.XPlatformKind
	pl.SetName(claimPlatformName)
	pl.SetLabels(map[string]string{"crossplane.io/claim-name": "prod", "crossplane.io/claim-namespace": "platform"})
	pl.Spec.Region, pl.Spec.CostCenter, pl.Spec.ProviderConfigName = "eu-west-1", costCenter, "default"
	pl.Spec.Networking.VPCCIDR = platformVPC
	s := &pl.Status
	s.Region, s.CostCenter, s.AccountID = "eu-west-1", costCenter, "123456789012"
	s.DataKeyARN = testDataKeyARN
	s.ProviderConfigName, s.Network.VPCCIDR = "default", platformVPC
	s.Cluster = v1alpha1.ClusterStatus{Name: "prod", ProviderConfigName: claimPlatformName, Ready: true}
	s.Database = v1alpha1.DatabaseStatus{WriterEndpoint: "prod.cluster-abc.eu-west-1.rds.amazonaws.com", Port: 3306, AdminSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1-AbCdEf"}
	s.Cache = v1alpha1.CacheStatus{PrimaryEndpoint: "master.prod.abc.euw1.cache.amazonaws.com", Port: 6379, TLS: true, AuthSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/cache-auth-AbCdEf"}
	s.MongoDB = v1alpha1.MongoDBStatus{Hosts: []string{"mongodb-0.prod.internal:27017", "mongodb-1.prod.internal:27017", "mongodb-2.prod.internal:27017"}, ReplicaSet: "rs0", AdminSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/mongodb-admin-AbCdEf"}
	s.Edge = v1alpha1.EdgeStatus{
		Domain: "example.com", HostedZoneID: "Z0123456789", IngressClassName: "openedx",
		LoadBalancerHostname: "k8s-openedx-0123456789.eu-west-1.elb.amazonaws.com",
		StaticDomain:         "static.example.com", StaticBucket: "prod-static-123456789012-eu-west-1",
		MailFrom: "mail.example.com", SendingPolicyARN: testSendingARN,
		SMTPHost: "email-smtp.eu-west-1.amazonaws.com", SMTPPort: 587,
	}
	s.Provisioner = v1alpha1.ProvisionerStatus{Namespace: "openedx-system", ServiceAccountName: "openedx-provisioner", Ready: true}
	s.Tenants.Allocations = []v1alpha1.TenantAllocation{{Instance: "demo", Composite: "demo-5fj2q", CeleryDatabase: 4, CacheDatabase: 5}}
	for _, m := range mutate {
		m(pl)
	}
	b, err := json.Marshal(pl)
	if err != nil {
		t.Fatal(err)
	}
	return &fnv1.Resource{Resource: resource.MustStructJSON(string(b))}
}

// converge runs the function, observing its desired resources through the
// fake provider, until the set of names stops changing. Every request
// carries credentials planted in connection details; none may come back in
// a response or a log line.
func converge(t *testing.T, platform *fnv1.Resource) *fnv1.RunFunctionResponse {
	rsp, _ := convergeObserved(t, platform)
	return rsp
}

// convergeObserved is converge, with what was observed last.
func convergeObserved(t *testing.T, platform *fnv1.Resource) (*fnv1.RunFunctionResponse, map[string]*fnv1.Resource) {
	t.Helper()
	logs := &fntest.LogBuffer{}
	f := &Function{log: logs.Logger()}
	observed := map[string]*fnv1.Resource{}
	var prev []string
	for pass := 1; pass <= 8; pass++ {
		req := &fnv1.RunFunctionRequest{
			Observed:          &fnv1.State{Composite: tenant(demoSpec), Resources: observed},
			RequiredResources: required(platform),
		}
		fntest.PlantSecrets(req)
		rsp, err := f.RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest))
		if err != nil {
			t.Fatal(err)
		}
		fntest.NoSecretIn(t, rsp, logs.String())
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() != fnv1.Severity_SEVERITY_NORMAL {
				t.Fatalf("pass %d: %s: %s", pass, r.GetSeverity(), r.GetMessage())
			}
		}
		observed = fntest.Observed(rsp, "demo-5fj2q", fnv1.Ready_READY_UNSPECIFIED)
		names := slices.Sorted(maps.Keys(observed))
		if slices.Equal(names, prev) {
			return rsp, observed
		}
		prev = names
	}
	t.Fatal("the tenant did not converge in 8 passes")
	return nil, nil
}

func TestRunFunctionConverges(t *testing.T) {
	rsp := converge(t, convergedPlatform(t))

	var got []string
	for name := range rsp.GetDesired().GetResources() {
		got = append(got, name)
	}
	slices.Sort(got)
	for _, want := range []string{
		"s3-bucket-storage", "iam-role", "iam-role-policy", "pod-identity-association", "iam-user-smtp",
		"secret-tutor-config", "provision-scripts", "tutor-config-secret-provider-class", "tutor-config-sync",
		"tutor-plugin", "usage-platform", "usage-config-secret", "usage-iam-role", "namespace", "ingress",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("a converged tenant composes %q; it composed %q", want, got)
		}
	}
	if !slices.ContainsFunc(got, func(n string) bool { return strings.HasPrefix(n, namePrefixProvisionJob) }) {
		t.Errorf("a converged tenant composes its provisioning Job; it composed %q", got)
	}

	xr := rsp.GetDesired().GetComposite()
	if xr.GetReady() == fnv1.Ready_READY_FALSE {
		t.Errorf("a converged tenant is not ready: %v", rsp.GetConditions())
	}
	var status v1alpha1.XOpenEdxTenantStatus
	b, _ := json.Marshal(xr.GetResource().AsMap()["status"])
	if err := json.Unmarshal(b, &status); err != nil {
		t.Fatal(err)
	}
	celery, cache := int32(4), int32(5)
	want := v1alpha1.XOpenEdxTenantStatus{
		Platform: claimPlatformName, Namespace: "openedx-demo",
		LMSURL: "https://learn.demo.example.com", StudioURL: "https://studio.learn.demo.example.com", MFEURL: "https://apps.learn.demo.example.com",
		ServiceAccountName: "openedx",
		RoleARN:            "arn:aws:iam::123456789012:role/prod-x7k2p-tenant-demo",
		ConfigSecretName:   "openedx-tutor-config",
		SecretID:           "openedx/prod-x7k2p/tenants/demo/tutor",
		Buckets:            v1alpha1.TenantBuckets{Storage: "prod-x7k2p-tenant-demo-123456789012-eu-west-1", Static: "prod-static-123456789012-eu-west-1/demo/"},
		Databases:          v1alpha1.TenantDatabases{MySQL: "openedx_demo", MongoDB: "openedx_demo", Forum: "openedx_demo_forum", RedisCeleryDatabase: &celery, RedisCacheDatabase: &cache},
		Provisioned:        true,
	}
	if diff := cmp.Diff(want, status); diff != "" {
		t.Errorf("status of a converged tenant: -want, +got:\n%s", diff)
	}
	var provisionedCond *fnv1.Condition
	for _, c := range rsp.GetConditions() {
		if c.GetType() == conditionProvisioned {
			provisionedCond = c
		}
	}
	if provisionedCond.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
		t.Errorf("Provisioned condition: %v", provisionedCond)
	}
}

func TestRunFunctionAdmission(t *testing.T) {
	cases := map[string]struct {
		reason   string
		platform func(*v1alpha1.XPlatform)
		// fatal is the Fatal result's message; empty when none.
		fatal string
		// waiting is a substring of the PlatformReady condition's message.
		waiting string
	}{
		"Refused": {
			reason: "A tenant the platform refused composes nothing: it would share a namespace or Redis databases with another.",
			platform: func(pl *v1alpha1.XPlatform) {
				pl.Status.Tenants.Allocations = nil
				pl.Status.Tenants.Refused = []v1alpha1.TenantRefusal{{Composite: "demo-5fj2q", Reason: `spec.instanceName: Invalid value: "demo": already used on this platform by XOpenEdxTenant "demo-aaaaa"`}}
			},
			fatal: `platform "prod-x7k2p" refuses this instance: spec.instanceName: Invalid value: "demo": already used on this platform by XOpenEdxTenant "demo-aaaaa"`,
		},
		"NotAdmittedYet": {
			reason:   "Until the platform has seen the tenant, nothing is composed and the condition says why.",
			platform: func(pl *v1alpha1.XPlatform) { pl.Status.Tenants.Allocations = nil },
			waiting:  "to admit the instance",
		},
		"OtherTenantsAllocation": {
			reason: "Another composite's allocation of the same instance name is not this tenant's.",
			platform: func(pl *v1alpha1.XPlatform) {
				pl.Status.Tenants.Allocations[0].Composite = "demo-other"
			},
			waiting: "to admit the instance",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &fnv1.RunFunctionRequest{
				Observed:          &fnv1.State{Composite: tenant(demoSpec)},
				RequiredResources: required(convergedPlatform(t, tc.platform)),
			}
			rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			var fatal string
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
					fatal = r.GetMessage()
				}
			}
			if diff := cmp.Diff(tc.fatal, fatal); diff != "" {
				t.Errorf("%s\nFatal result: -want, +got:\n%s", tc.reason, diff)
			}
			if n := len(rsp.GetDesired().GetResources()); n != 0 {
				t.Errorf("%s\ncomposed %d resources, want none", tc.reason, n)
			}
			if tc.waiting != "" {
				var msg string
				for _, c := range rsp.GetConditions() {
					if c.GetType() == conditionPlatformReady {
						msg = c.GetMessage()
					}
				}
				if !strings.Contains(msg, tc.waiting) {
					t.Errorf("%s\nPlatformReady message %q does not say %q", tc.reason, msg, tc.waiting)
				}
			}
		})
	}
}

// TestPlatformOutageKeepsEverything removes the platform from under a
// converged tenant, and then its status: every resource the tenant had,
// in AWS and in the cluster, stays desired with the same spec, so nothing
// is deleted.
func TestPlatformOutageKeepsEverything(t *testing.T) {
	converged, observed := convergeObserved(t, convergedPlatform(t))
	cases := map[string]struct {
		reason   string
		platform []*fnv1.Resource
	}{
		"PlatformGone": {
			reason: "The XPlatform no longer exists.",
		},
		"PlatformStatusLost": {
			reason: "The XPlatform exists but has lost its status, as after a restore.",
			platform: []*fnv1.Resource{convergedPlatform(t, func(pl *v1alpha1.XPlatform) {
				pl.Status = v1alpha1.XPlatformStatus{Tenants: pl.Status.Tenants}
			})},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &fnv1.RunFunctionRequest{
				Observed:          &fnv1.State{Composite: tenant(demoSpec), Resources: observed},
				RequiredResources: required(tc.platform...),
			}
			rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			for n, want := range converged.GetDesired().GetResources() {
				got, ok := rsp.GetDesired().GetResources()[n]
				if !ok {
					t.Errorf("%s\n%q is no longer desired: Crossplane would delete it", tc.reason, n)
					continue
				}
				if diff := cmp.Diff(want.GetResource().AsMap()["spec"], got.GetResource().AsMap()["spec"]); diff != "" {
					t.Errorf("%s\n%q changed its spec: -converged, +now:\n%s", tc.reason, n, diff)
				}
			}
		})
	}
}

func TestRunFunctionConvergedWithoutDomainIsNotReady(t *testing.T) {
	// A platform without a DNS domain has no load balancer: a tenant on it
	// composes everything else, yet nothing routes to it, so it is not
	// Ready and DNSReady says what the operator must do.
	rsp := converge(t, convergedPlatform(t, func(pl *v1alpha1.XPlatform) {
		// What the platform publishes without a domain: its region's SMTP
		// interface only.
		pl.Status.Edge = v1alpha1.EdgeStatus{SMTPHost: "email-smtp.eu-west-1.amazonaws.com", SMTPPort: 587}
	}))
	if got := rsp.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("a converged tenant of a platform without a domain is %v, want READY_FALSE: nothing routes to it", got)
	}
	var dns *fnv1.Condition
	for _, c := range rsp.GetConditions() {
		if c.GetType() == conditionDNSReady {
			dns = c
		}
		if c.GetType() != conditionDNSReady && c.GetType() != "FunctionSuccess" && c.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
			t.Errorf("condition %s is %v (%s): only DNSReady should hold the tenant back", c.GetType(), c.GetStatus(), c.GetMessage())
		}
	}
	if dns.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || dns.GetReason() != "NoDomain" || !strings.Contains(dns.GetMessage(), "Set the platform's spec.dns.domain") {
		t.Errorf("DNSReady: want False, reason NoDomain; got %v", dns)
	}
}
