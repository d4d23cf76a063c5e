package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(apiVersion, kind, key string, labels map[string]any, forProvider map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{
			"name":        "x",
			"labels":      labels,
			"annotations": map[string]any{keyAnno: key},
		},
		"spec": map[string]any{"forProvider": forProvider},
	}}
}

func manifest(kind, namespace, name string) *unstructured.Unstructured {
	return obj("kubernetes.crossplane.io/v1alpha2", "Object", kind, nil, map[string]any{
		"manifest": map[string]any{"kind": kind, "metadata": map[string]any{"namespace": namespace, "name": name}},
	})
}

func TestExtract(t *testing.T) {
	subnet := func(tier, zone, cidr string) *unstructured.Unstructured {
		return obj("ec2.aws.upbound.io/v1beta1", "Subnet", "subnet-"+tier+"-"+zone,
			map[string]any{labelTier: tier, labelZone: zone}, map[string]any{"cidrBlock": cidr, "availabilityZone": zone})
	}
	platform := []*unstructured.Unstructured{
		obj("ec2.aws.upbound.io/v1beta1", "VPC", "vpc", nil, map[string]any{"cidrBlock": "10.0.0.0/16"}),
		subnet("public", "z-b", "10.0.1.0/24"),
		subnet("public", "z-a", "10.0.0.0/24"),
		obj("ec2.aws.upbound.io/v1beta1", "NATGateway", "nat-gateway-z-a", nil, map[string]any{
			"subnetIdSelector": map[string]any{"matchLabels": map[string]any{labelZone: "z-a"}},
		}),
		obj("rds.aws.upbound.io/v1beta1", "Cluster", "database-cluster", nil, map[string]any{"engine": "aurora-mysql", "engineVersion": "8.0"}),
		obj("rds.aws.upbound.io/v1beta1", "ClusterInstance", "database-instance-z-b", nil, map[string]any{"availabilityZone": "z-b", "instanceClass": "db.x"}),
		obj("ec2.aws.upbound.io/v1beta1", "Instance", "mongodb-0-z-a", nil, map[string]any{
			"instanceType":     "m.y",
			"subnetIdSelector": map[string]any{"matchLabels": map[string]any{labelZone: "z-a"}},
		}),
	}
	tenant := []*unstructured.Unstructured{
		manifest("Namespace", "", "openedx-demo"),
		manifest("HorizontalPodAutoscaler", "openedx-demo", "lms"),
		manifest("HorizontalPodAutoscaler", "openedx-demo", "cms"),
		manifest("Ingress", "openedx-demo", "openedx"),
		manifest("Job", "openedx-system", "provision"),
		obj("route53.aws.upbound.io/v1beta1", "Record", "dns-record-lms", nil, map[string]any{"name": "demo.example.org"}),
		obj("route53.aws.upbound.io/v1beta1", "Record", "dns-record-acm", nil, map[string]any{"name": "_x.demo.example.org."}),
	}
	got, err := Extract(platform, tenant)
	if err != nil {
		t.Fatal(err)
	}
	want := &Model{
		VPCCIDR: "10.0.0.0/16",
		Zones: []Zone{
			{Name: "z-a", Subnets: map[string]string{"public": "10.0.0.0/24"}, NAT: true, Data: []string{"MongoDB m.y"}},
			{Name: "z-b", Subnets: map[string]string{"public": "10.0.1.0/24"}, Data: []string{"Aurora db.x"}},
		},
		Aurora:         "Aurora aurora-mysql 8.0: 1 instance(s), one of them the writer",
		MongoDB:        "MongoDB replica set, 1 members on EC2",
		Namespace:      "openedx-demo",
		TenantObjects:  []string{"HorizontalPodAutoscaler ×2", "Ingress"},
		TenantHosts:    []string{"demo.example.org"},
		ProvisionJobNS: "openedx-system",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract(...): -want, +got:\n%s", diff)
	}
}

func TestExtractRefusesAnEmptyRender(t *testing.T) {
	if _, err := Extract(nil, nil); err == nil || !strings.Contains(err.Error(), "no VPC") {
		t.Errorf("Extract(nil, nil): want an error about the VPC, got %v", err)
	}
}

func TestDrawEscapesText(t *testing.T) {
	m := &Model{Platform: `a<b&c`, Namespace: "ns", Zones: []Zone{{Name: "z", Subnets: map[string]string{}}}}
	svg := string(Draw(m))
	if strings.Contains(svg, `a<b`) || !strings.Contains(svg, `a&lt;b&amp;c`) {
		t.Errorf("Draw did not escape the platform's name:\n%s", svg[:400])
	}
}
