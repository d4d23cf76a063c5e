package main

import (
	"encoding/json"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

// wantIngress is the demo tenant's Ingress: the LMS, Studio, MFE and
// Meilisearch hosts to caddy:80 on the HTTPS listener, with the given
// certificates, comma-separated, when not empty.
func wantIngress(class, certificateARNs, lms, cms, mfe string) string {
	rule := func(host string) string {
		return `{"host": "` + host + `", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "caddy", "port": {"number": 80}}}}]}}`
	}
	annotations := `, "annotations": {"alb.ingress.kubernetes.io/listen-ports": "[{\"HTTPS\":443}]"`
	if certificateARNs != "" {
		annotations += `, "alb.ingress.kubernetes.io/certificate-arn": "` + certificateARNs + `"`
	}
	annotations += "}"
	return `{
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "openedx", "namespace": "openedx-demo", "labels": ` + demoLabels + annotations + `},
		"spec": {
			"ingressClassName": "` + class + `",
			"rules": [` + rule(lms) + `, ` + rule(cms) + `, ` + rule(mfe) + `, ` + rule("meilisearch."+lms) + `]
		}
	}`
}

// wantIngressReadiness: the Ingress is ready once the ALB has its rules.
var wantIngressReadiness = kubev1alpha2.Readiness{
	Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
	CelQuery: "has(object.status) && has(object.status.loadBalancer) && has(object.status.loadBalancer.ingress) && size(object.status.loadBalancer.ingress) > 0",
}

func TestIngressObjects(t *testing.T) {
	const (
		certARN     = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-4909-8807-060504030201"
		wildcardARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	)
	cases := map[string]struct {
		reason          string
		p               *plan
		class           string
		certificateARNs []string
		want            []wantObject
	}{
		"DefaultHosts": {
			reason: "The LMS, Studio (studio.<lms>), MFE (apps.<lms>) and Meilisearch (meilisearch.<lms>) hosts all go to caddy:80 on the platform's class and its HTTPS listener: target type, redirect and WAF are the platform's; ready once the ALB has published its address.",
			p:      defaultPlan(),
			class:  "openedx",
			want: []wantObject{{
				name:      "ingress",
				manifest:  wantIngress("openedx", "", "learn.demo.example.com", "studio.learn.demo.example.com", "apps.learn.demo.example.com"),
				readiness: wantIngressReadiness,
			}},
		},
		"OwnHostsAndClass": {
			reason: "Hosts come from the plan and the class from the argument; Meilisearch is always meilisearch.<lms>, as Tutor serves it.",
			p: func() *plan {
				p := defaultPlan()
				p.LMSHost, p.CMSHost, p.MFEHost = "courses.example.edu", "authoring.example.edu", "mfe.example.edu"
				return p
			}(),
			class: "shared-alb",
			want: []wantObject{{
				name:      "ingress",
				manifest:  wantIngress("shared-alb", "", "courses.example.edu", "authoring.example.edu", "mfe.example.edu"),
				readiness: wantIngressReadiness,
			}},
		},
		"InstanceCertificate": {
			reason:          "The platform's wildcard and the instance's own certificate, for the hosts the wildcard does not cover, are added to the shared listener by annotation.",
			p:               defaultPlan(),
			class:           "openedx",
			certificateARNs: []string{wildcardARN, certARN},
			want: []wantObject{{
				name:      "ingress",
				manifest:  wantIngress("openedx", wildcardARN+","+certARN, "learn.demo.example.com", "studio.learn.demo.example.com", "apps.learn.demo.example.com"),
				readiness: wantIngressReadiness,
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ingressObjects(tc.p, tc.p.labels("prod", "learning-platform"), tc.class, "prod", tc.certificateARNs)
			if err != nil {
				t.Fatalf("%s\ningressObjects(...): unexpected error: %v", tc.reason, err)
			}
			assertObjects(t, tc.reason, "ingressObjects(...)", got, "prod", tc.want)
		})
	}
}

func TestIngressClass(t *testing.T) {
	withClass := func(class string) *v1alpha1.XPlatform {
		pl := &v1alpha1.XPlatform{}
		pl.Status.Edge.IngressClassName = class
		return pl
	}
	existing := map[frsc.Name]frsc.ObservedComposed{
		nameIngress: {Resource: observedObject(t, map[string]any{"spec": map[string]any{"ingressClassName": "openedx-old"}}, "prod")},
	}
	cases := map[string]struct {
		reason   string
		pl       *v1alpha1.XPlatform
		observed map[frsc.Name]frsc.ObservedComposed
		want     string
	}{
		"NotPublished": {
			reason: "A platform without a class (no domain, or its ALB is not up yet) means wait: no Ingress.",
			pl:     withClass(""),
			want:   "",
		},
		"Published": {
			reason: "The platform's class, once published.",
			pl:     withClass("openedx"),
			want:   "openedx",
		},
		"PublishedWinsOverExisting": {
			reason:   "The platform's class wins over the one an existing Ingress has.",
			pl:       withClass("openedx"),
			observed: existing,
			want:     "openedx",
		},
		"UnpublishedKeepsExisting": {
			reason:   "A class the platform no longer publishes does not drop an existing Ingress.",
			pl:       withClass(""),
			observed: existing,
			want:     "openedx-old",
		},
		"PlatformMissingKeepsExisting": {
			reason:   "A missing platform does not drop an existing Ingress.",
			observed: existing,
			want:     "openedx-old",
		},
		"PlatformMissingNoIngress": {
			reason: "A missing platform and no Ingress: wait.",
			want:   "",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v, err := viewOf(testPlan(t, nil), "demo-5fj2q", tc.pl, true, tc.observed)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.IngressClass; got != tc.want {
				t.Errorf("%s\nviewOf(...).IngressClass = %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

// The Ingress in the cases of TestRunFunction: none without an ingress
// class, and no certificate, as the test platform publishes none.
var _ = registerObjects(map[string]objectFixture{
	"ingress": func(o objects) (string, string) {
		if o.ingressClass == "" {
			return "", ""
		}
		readiness, err := json.Marshal(wantIngressReadiness)
		if err != nil {
			panic(err)
		}
		return wantIngress(o.ingressClass, "", "learn.demo.example.com", "studio.learn.demo.example.com", o.mfeHost), string(readiness)
	},
})
