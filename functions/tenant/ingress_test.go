package main

import (
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

// wantIngress is the demo tenant's Ingress: the three hosts to caddy:80.
func wantIngress(class, lms, cms, mfe string) string {
	rule := func(host string) string {
		return `{"host": "` + host + `", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "caddy", "port": {"number": 80}}}}]}}`
	}
	return `{
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "openedx", "namespace": "openedx-demo", "labels": ` + demoLabels + `},
		"spec": {
			"ingressClassName": "` + class + `",
			"rules": [` + rule(lms) + `, ` + rule(cms) + `, ` + rule(mfe) + `]
		}
	}`
}

// wantIngressReadiness: the Ingress is ready once the ALB has its rules.
var wantIngressReadiness = kubev1alpha2.Readiness{
	Policy:   kubev1alpha2.ReadinessPolicyDeriveFromCelQuery,
	CelQuery: "has(object.status) && has(object.status.loadBalancer) && has(object.status.loadBalancer.ingress) && size(object.status.loadBalancer.ingress) > 0",
}

func TestIngressObjects(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      *plan
		class  string
		want   []wantObject
	}{
		"DefaultHosts": {
			reason: "The LMS, Studio (studio.<lms>) and MFE (apps.<lms>) hosts all go to caddy:80 on the platform's class, without annotations: target type, certificate, listeners and WAF are the platform's; ready once the ALB has published its address.",
			p:      defaultPlan(),
			class:  "openedx",
			want: []wantObject{{
				name:      "ingress",
				manifest:  wantIngress("openedx", "learn.demo.example.com", "studio.learn.demo.example.com", "apps.learn.demo.example.com"),
				readiness: wantIngressReadiness,
			}},
		},
		"OwnHostsAndClass": {
			reason: "Hosts come from the plan and the class from the argument.",
			p: func() *plan {
				p := defaultPlan()
				p.LMSHost, p.CMSHost, p.MFEHost = "courses.example.edu", "authoring.example.edu", "mfe.example.edu"
				return p
			}(),
			class: "shared-alb",
			want: []wantObject{{
				name:      "ingress",
				manifest:  wantIngress("shared-alb", "courses.example.edu", "authoring.example.edu", "mfe.example.edu"),
				readiness: wantIngressReadiness,
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ingressObjects(tc.p, tc.p.labels("prod", "learning-platform"), tc.class, "prod")
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
			if got := ingressClass(tc.pl, tc.observed); got != tc.want {
				t.Errorf("%s\ningressClass(...) = %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}
