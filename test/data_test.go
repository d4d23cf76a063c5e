package test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func zonesOf(objs []*unstructured.Unstructured, path ...string) []string {
	var z []string
	for _, o := range objs {
		v, _, _ := unstructured.NestedString(o.Object, path...)
		z = append(z, v)
	}
	sort.Strings(z)
	return z
}

// TestProductionDataTierIsMultiAZ checks that each data store of the
// production example survives the loss of a zone.
func TestProductionDataTierIsMultiAZ(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-production.yaml")
	zones := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

	if got := zonesOf(byKind(objs, "rds.aws.upbound.io", "ClusterInstance"), "spec", "forProvider", "availabilityZone"); !cmp.Equal(zones, got) {
		t.Errorf("Aurora instances in zones %v, want one in each of %v", got, zones)
	}
	rgs := byKind(objs, "elasticache.aws.upbound.io", "ReplicationGroup")
	if len(rgs) != 1 {
		t.Fatalf("want one cache replication group, got %d", len(rgs))
	}
	fp := func(o *unstructured.Unstructured, f string) any {
		v, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", f)
		return v
	}
	if fp(rgs[0], "numCacheClusters") != float64(3) || fp(rgs[0], "multiAzEnabled") != true || fp(rgs[0], "automaticFailoverEnabled") != true {
		t.Errorf("cache: numCacheClusters %v, multiAzEnabled %v, automaticFailoverEnabled %v; want 3 nodes with Multi-AZ failover",
			fp(rgs[0], "numCacheClusters"), fp(rgs[0], "multiAzEnabled"), fp(rgs[0], "automaticFailoverEnabled"))
	}
	mongo := mongoMembers(objs)
	if got := zonesOf(mongo, "metadata", "labels", "platform.openedx.cloud/zone"); !cmp.Equal(zones, got) {
		t.Errorf("MongoDB members in zones %v, want one in each of %v", got, zones)
	}
	domains := byKind(objs, "opensearch.aws.upbound.io", "Domain")
	if len(domains) != 1 {
		t.Fatalf("want the OpenSearch domain the example enables, got %d", len(domains))
	}
	cc, _, _ := unstructured.NestedSlice(domains[0].Object, "spec", "forProvider", "clusterConfig")
	if len(cc) != 1 || cc[0].(map[string]any)["zoneAwarenessEnabled"] != true || cc[0].(map[string]any)["instanceCount"] != float64(3) {
		t.Errorf("OpenSearch cluster config %v, want 3 nodes with zone awareness", cc)
	}
}

// TestSmallDataTierIsCheap checks the small profile's economies: one
// Serverless v2 database instance and one cache node.
func TestSmallDataTierIsCheap(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-small.yaml")
	insts := byKind(objs, "rds.aws.upbound.io", "ClusterInstance")
	if len(insts) != 1 {
		t.Fatalf("want one database instance in small, got %d", len(insts))
	}
	if c, _, _ := unstructured.NestedString(insts[0].Object, "spec", "forProvider", "instanceClass"); c != "db.serverless" {
		t.Errorf("small database instance class %q, want db.serverless", c)
	}
	rg := byKind(objs, "elasticache.aws.upbound.io", "ReplicationGroup")
	if n, _, _ := unstructured.NestedFieldNoCopy(rg[0].Object, "spec", "forProvider", "numCacheClusters"); n != float64(1) {
		t.Errorf("small cache has %v nodes, want 1", n)
	}
	if n := len(byKind(objs, "opensearch.aws.upbound.io", "Domain")); n != 0 {
		t.Errorf("OpenSearch is off by default, got %d domains", n)
	}
}

// TestPlatformStatusPublishesEndpointsAndSecretARNs checks what tenants read:
// endpoints and the ARNs of admin secrets, never their values.
func TestPlatformStatusPublishesEndpointsAndSecretARNs(t *testing.T) {
	render, _ := dirs(t)
	xr := rendered(t, render, "platform-production.yaml")[0]
	for _, path := range [][]string{
		{"database", "writerEndpoint"}, {"database", "readerEndpoint"}, {"database", "adminSecretArn"},
		{"cache", "primaryEndpoint"}, {"cache", "authSecretArn"},
		{"mongodb", "replicaSet"}, {"mongodb", "adminSecretArn"},
		{"search", "endpoint"},
	} {
		v, _, _ := unstructured.NestedString(xr.Object, append([]string{"status"}, path...)...)
		if v == "" {
			t.Errorf("status.%s is empty once everything is ready", strings.Join(path, "."))
		}
		if strings.HasSuffix(path[1], "Arn") && !strings.HasPrefix(v, "arn:") {
			t.Errorf("status.%s = %q, want an ARN", strings.Join(path, "."), v)
		}
	}
	hosts, _, _ := unstructured.NestedStringSlice(xr.Object, "status", "mongodb", "hosts")
	if len(hosts) != 3 {
		t.Errorf("status.mongodb.hosts = %v, want the 3 members", hosts)
	}
	if n, _, _ := unstructured.NestedFieldNoCopy(xr.Object, "status", "cache", "databases"); fmt.Sprint(n) != "80" {
		t.Errorf("status.cache.databases = %v, want 80: two per tenant for a capacity of 40", n)
	}
}

// TestExternalMongoDBComposesNoMembers checks the Atlas path: no instances,
// and the status points at the external replica set.
// TestOnlyTheProvisionerReadsAdminSecrets checks that the provisioner is
// ready once the platform is, and that no other IAM policy of the platform
// names a data store's admin secret: tenants get their users from the
// provisioner, never the admin credentials.
func TestOnlyTheProvisionerReadsAdminSecrets(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-production.yaml")
	xr := objs[0]
	for path, want := range map[string]any{
		"provisioner.namespace":          "openedx-system",
		"provisioner.serviceAccountName": "openedx-provisioner",
		"provisioner.ready":              true,
	} {
		got, _, _ := unstructured.NestedFieldNoCopy(xr.Object, append([]string{"status"}, strings.Split(path, ".")...)...)
		if got != want {
			t.Errorf("status.%s = %v, want %v", path, got, want)
		}
	}
	account, _, _ := unstructured.NestedString(xr.Object, "status", "accountId")
	key, _, _ := unstructured.NestedString(xr.Object, "status", "dataKeyArn")
	if account == "" || !strings.HasPrefix(key, "arn:aws:kms:eu-west-1:"+account+":key/") {
		t.Errorf("status.accountId %q and status.dataKeyArn %q: want the data key of the platform's account", account, key)
	}

	var secrets []string
	for _, path := range [][]string{{"database", "adminSecretArn"}, {"mongodb", "adminSecretArn"}, {"cache", "authSecretArn"}} {
		v, _, _ := unstructured.NestedString(xr.Object, append([]string{"status"}, path...)...)
		secrets = append(secrets, v)
	}
	var readers []string
	for _, kind := range []string{"Policy", "RolePolicy"} {
		for _, o := range byKind(objs, "iam.aws.upbound.io", kind) {
			doc, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "policy")
			for _, s := range secrets {
				if strings.Contains(doc, s) {
					readers = append(readers, o.GetAnnotations()["crossplane.io/composition-resource-name"])
					break
				}
			}
		}
	}
	if diff := cmp.Diff([]string{"iam-role-policy-provisioner"}, readers); diff != "" {
		t.Errorf("IAM policies naming an admin secret: -want, +got:\n%s", diff)
	}
}

func TestExternalMongoDBComposesNoMembers(t *testing.T) {
	render, _ := dirs(t)
	objs := rendered(t, render, "platform-external-mongodb.yaml")
	if n := len(mongoMembers(objs)); n != 0 {
		t.Errorf("an external MongoDB composes no members, got %d instances", n)
	}
	rs, _, _ := unstructured.NestedString(objs[0].Object, "status", "mongodb", "replicaSet")
	ext, _, _ := unstructured.NestedBool(objs[0].Object, "status", "mongodb", "external")
	if rs != "atlas-abcde-shard-0" || !ext {
		t.Errorf("status.mongodb: replicaSet %q external %t, want the external replica set", rs, ext)
	}
}

// mongoMembers are the EC2 instances of the MongoDB replica set, not the
// bastion.
func mongoMembers(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range byKind(objs, "ec2.aws.upbound.io", "Instance") {
		if o.GetLabels()["platform.openedx.cloud/role"] == "mongodb" {
			out = append(out, o)
		}
	}
	return out
}
