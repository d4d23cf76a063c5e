package main

import (
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	ecv1beta1 "github.com/upbound/provider-aws/apis/elasticache/v1beta1"
	ecv1beta2 "github.com/upbound/provider-aws/apis/elasticache/v1beta2"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	osv1beta1 "github.com/upbound/provider-aws/apis/opensearch/v1beta1"
	rdsv1beta1 "github.com/upbound/provider-aws/apis/rds/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

func small(xr *v1alpha1.XPlatform) { xr.Spec.Profile = v1alpha1.ProfileSmall }

func TestDatabase(t *testing.T) {
	cases := map[string]struct {
		reason    string
		xr        *v1alpha1.XPlatform
		instances map[string]string // zone -> class
		scaling   bool
		final     *string
	}{
		"ProductionHasAnInstancePerZone": {
			reason:    "A writer and a reader in every zone survive the loss of one.",
			xr:        newXR(),
			instances: map[string]string{testRegion + "a": "db.r7g.large", testRegion + "b": "db.r7g.large", testRegion + "c": "db.r7g.large"},
			final:     ptr.To(testName + "-mysql-final"),
		},
		"SmallIsOneServerlessInstance": {
			reason:    "Small runs one Serverless v2 instance that scales from 0.5 ACU.",
			xr:        newXR(small),
			instances: map[string]string{testRegion + "a": "db.serverless"},
			scaling:   true,
			final:     ptr.To(testName + "-mysql-final"),
		},
		"OneReader": {
			reason:    "One reader, in the zone after the writer's: the writer still fails over.",
			xr:        newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Database.Readers = ptr.To(1) }),
			instances: map[string]string{testRegion + "a": "db.r7g.large", testRegion + "b": "db.r7g.large"},
			final:     ptr.To(testName + "-mysql-final"),
		},
		"NoReader": {
			reason:    "The writer alone, for a production platform that accepts minutes of downtime.",
			xr:        newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Database.Readers = ptr.To(0) }),
			instances: map[string]string{testRegion + "a": "db.r7g.large"},
			final:     ptr.To(testName + "-mysql-final"),
		},
		"SkippingTheFinalSnapshotIsExplicit": {
			reason:    "Without a final snapshot there is no snapshot identifier.",
			xr:        newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Database.SkipFinalSnapshot = true }),
			instances: map[string]string{testRegion + "a": "db.r7g.large", testRegion + "b": "db.r7g.large", testRegion + "c": "db.r7g.large"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := database(mustPlan(t, tc.xr))
			got := map[string]string{}
			for _, i := range ofType[*rdsv1beta1.ClusterInstance](rs) {
				got[*i.Spec.ForProvider.AvailabilityZone] = *i.Spec.ForProvider.InstanceClass
				if *i.Spec.ForProvider.PubliclyAccessible {
					t.Errorf("%s\ninstance in %s is publicly accessible", tc.reason, *i.Spec.ForProvider.AvailabilityZone)
				}
			}
			if diff := cmp.Diff(tc.instances, got); diff != "" {
				t.Errorf("%s\ninstances by zone: -want, +got:\n%s", tc.reason, diff)
			}
			c := mustGet[*rdsv1beta1.Cluster](t, rs, nameDBCluster).Spec.ForProvider
			if got := len(c.Serverlessv2ScalingConfiguration) == 1; got != tc.scaling {
				t.Errorf("%s\nServerless v2 scaling configured: %t, want %t", tc.reason, got, tc.scaling)
			}
			if diff := cmp.Diff(tc.final, c.FinalSnapshotIdentifier); diff != "" {
				t.Errorf("%s\nfinal snapshot: -want, +got:\n%s", tc.reason, diff)
			}
			if !*c.ManageMasterUserPassword || c.MasterPasswordSecretRef != nil || c.AutoGeneratePassword != nil {
				t.Errorf("%s\nthe master password must be RDS-managed, never passed through Crossplane", tc.reason)
			}
			if !*c.StorageEncrypted || c.KMSKeyIDSelector == nil || !*c.DeletionProtection || *c.BackupRetentionPeriod < 7 {
				t.Errorf("%s\nencryption %t, key selector %v, deletion protection %t, backups %v", tc.reason, *c.StorageEncrypted, c.KMSKeyIDSelector, *c.DeletionProtection, *c.BackupRetentionPeriod)
			}
			params := map[string]string{}
			for _, prm := range mustGet[*rdsv1beta1.ClusterParameterGroup](t, rs, nameDBParameterGroup).Spec.ForProvider.Parameter {
				params[*prm.Name] = *prm.Value
			}
			want := map[string]string{"character_set_server": "utf8mb4", "collation_server": "utf8mb4_unicode_ci", "require_secure_transport": "ON"}
			if diff := cmp.Diff(want, params); diff != "" {
				t.Errorf("%s\ncluster parameters: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCache(t *testing.T) {
	cases := map[string]struct {
		reason    string
		xr        *v1alpha1.XPlatform
		nodes     float64
		multiAZ   bool
		databases string
		family    string
	}{
		"ProductionFailsOverAcrossZones": {
			reason: "A node per zone with Multi-AZ failover; 50 tenants need 100 databases.",
			xr:     newXR(), nodes: 3, multiAZ: true, databases: "100", family: "valkey8",
		},
		"SmallIsOneNode": {
			reason: "One node; never fewer databases than Valkey's default 16.",
			xr:     newXR(small, func(xr *v1alpha1.XPlatform) { xr.Spec.TenantCapacity = 3 }), nodes: 1, databases: "16", family: "valkey8",
		},
		"ProductionOneReplica": {
			reason: "A primary and one replica still fail over across two zones.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Cache.Replicas = ptr.To(1) }), nodes: 2, multiAZ: true, databases: "100", family: "valkey8",
		},
		"ProductionNoReplica": {
			reason: "Without a replica ElastiCache neither fails over nor is Multi-AZ: it refuses both.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Cache.Replicas = ptr.To(0) }), nodes: 1, databases: "100", family: "valkey8",
		},
		"Valkey7": {
			reason: "The parameter group family follows the major version.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Cache.EngineVersion = "7.2" }), nodes: 3, multiAZ: true, databases: "100", family: "valkey7",
		},
		"Valkey82": {
			reason: "Every Valkey 8 minor version is in the valkey8 family.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Cache.EngineVersion = "8.2" }), nodes: 3, multiAZ: true, databases: "100", family: "valkey8",
		},
		"Valkey91": {
			reason: "Valkey 9 is the valkey9 family.",
			xr:     newXR(func(xr *v1alpha1.XPlatform) { xr.Spec.Cache.EngineVersion = "9.1" }), nodes: 3, multiAZ: true, databases: "100", family: "valkey9",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, err := cache(mustPlan(t, tc.xr))
			if err != nil {
				t.Fatal(err)
			}
			rg := mustGet[*ecv1beta2.ReplicationGroup](t, rs, nameCache).Spec.ForProvider
			if *rg.NumCacheClusters != tc.nodes || ptr.Deref(rg.MultiAzEnabled, false) != tc.multiAZ || ptr.Deref(rg.AutomaticFailoverEnabled, false) != tc.multiAZ {
				t.Errorf("%s\nnodes %v, Multi-AZ %v, failover %v", tc.reason, *rg.NumCacheClusters, rg.MultiAzEnabled, rg.AutomaticFailoverEnabled)
			}
			if *rg.TransitEncryptionMode != "required" || *rg.AtRestEncryptionEnabled != "true" || !*rg.AutoGenerateAuthToken || rg.AuthTokenSecretRef == nil {
				t.Errorf("%s\nTLS, encryption at rest and a generated AUTH token are required", tc.reason)
			}
			pg := mustGet[*ecv1beta1.ParameterGroup](t, rs, nameCacheParameterGroup).Spec.ForProvider
			if *pg.Family != tc.family || *pg.Parameter[0].Name != "databases" || *pg.Parameter[0].Value != tc.databases {
				t.Errorf("%s\nparameter group %s %s=%s, want %s databases=%s", tc.reason, *pg.Family, *pg.Parameter[0].Name, *pg.Parameter[0].Value, tc.family, tc.databases)
			}
			if *rg.ParameterGroupName != *pg.Name {
				t.Errorf("%s\nthe replication group uses parameter group %q, not the composed %q", tc.reason, *rg.ParameterGroupName, *pg.Name)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	enabled := func(xr *v1alpha1.XPlatform) { xr.Spec.Search.OpenSearch.Enabled = true }
	cases := map[string]struct {
		reason   string
		xr       *v1alpha1.XPlatform
		keyARN   string
		domain   bool
		missing  int
		wantErr  bool
		zoneAwar bool
	}{
		"OffByDefault":        {reason: "Tutor uses Meilisearch: no domain unless enabled.", xr: newXR(), keyARN: testKeyARN},
		"WaitsForTheAccount":  {reason: "The access policy names the account, known from the data key.", xr: newXR(enabled), missing: 1},
		"ProductionZoneAware": {reason: "Production spreads three nodes over the zones.", xr: newXR(enabled), keyARN: testKeyARN, domain: true, zoneAwar: true},
		"SmallSingleNode":     {reason: "Small runs one node.", xr: newXR(enabled, small), keyARN: testKeyARN, domain: true},
		"KeyOfAnotherRegion":  {reason: "A data key outside the platform's region is refused.", xr: newXR(enabled), keyARN: "arn:aws:kms:us-east-1:123456789012:key/k", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, missing, err := search(mustPlan(t, tc.xr), tc.keyARN)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nsearch(...): error %v, want error %t", tc.reason, err, tc.wantErr)
			}
			if len(missing) != tc.missing {
				t.Errorf("%s\nmissing %q, want %d entries", tc.reason, missing, tc.missing)
			}
			domains := ofType[*osv1beta1.Domain](rs)
			if (len(domains) == 1) != tc.domain {
				t.Fatalf("%s\n%d domains, want domain %t", tc.reason, len(domains), tc.domain)
			}
			if !tc.domain {
				return
			}
			d := domains[nameSearch].Spec.ForProvider
			if got := ptr.Deref(d.ClusterConfig[0].ZoneAwarenessEnabled, false); got != tc.zoneAwar {
				t.Errorf("%s\nzone awareness %t, want %t", tc.reason, got, tc.zoneAwar)
			}
			want := "arn:aws:iam::123456789012:role/" + testName + "-search-admin"
			if got := *d.AdvancedSecurityOptions[0].MasterUserOptions[0].MasterUserArn; got != want {
				t.Errorf("%s\nmaster user %q, want the composed role %q", tc.reason, got, want)
			}
		})
	}
}

func TestDataKeyOutlivesPlatform(t *testing.T) {
	// The final snapshot, the MongoDB data volumes and orphaned tenants'
	// buckets and secrets are encrypted with the data key: deleting the
	// platform must not schedule the key's deletion.
	for _, xr := range []*v1alpha1.XPlatform{newXR(), newXR(small)} {
		p := mustPlan(t, xr)
		spec := dataKey(p).Object.(*kmsv1beta1.Key).Spec.ResourceSpec
		want := xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: p.ProviderConfigName}, DeletionPolicy: xpv1.DeletionOrphan}
		if diff := cmp.Diff(want, spec); diff != "" {
			t.Errorf("profile %s: the data key's resource spec: -want, +got:\n%s", p.Profile, diff)
		}
	}
}

func TestDataKeyStatus(t *testing.T) {
	key := func(arn string) map[resource.Name]resource.ObservedComposed {
		return map[resource.Name]resource.ObservedComposed{nameDataKey: observedJSON(`{"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "prod-k3y5x"}, "status": {"atProvider": {"arn": "` + arn + `"}}}`)}
	}
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		account  string
		arn      string
	}{
		"KeyPending": {
			reason: "Nothing is published before AWS reports the key.",
		},
		"KeyReported": {
			reason:   "The account is the data key's.",
			observed: key(testKeyARN),
			account:  "123456789012",
			arn:      testKeyARN,
		},
		"KeyElsewhere": {
			reason:   "A key outside the platform's region is refused where it is used; it is not published.",
			observed: key("arn:aws:kms:us-east-1:123456789012:key/k"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			account, arn := dataKeyStatus(mustPlan(t, newXR()), tc.observed)
			if diff := cmp.Diff([]string{tc.account, tc.arn}, []string{account, arn}); diff != "" {
				t.Errorf("%s\ndataKeyStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestStatusPublishesPortsFromTheStart(t *testing.T) {
	// Tenants assume no port of the platform's: every port they connect to
	// is published before AWS reports anything, as the composed resources
	// fix them.
	p := mustPlan(t, newXR())
	type ports struct {
		Database, Cache int
		SMTPHost        string
		SMTPPort        int
		MongoDBHosts    []string
	}
	edge := edgeStatus(p, nil)
	got := ports{databaseStatus(nil).Port, cacheStatus(p, nil).Port, edge.SMTPHost, edge.SMTPPort, mongodbStatus(p, nil).Hosts}
	want := ports{3306, 6379, "email-smtp." + p.Region + ".amazonaws.com", 587, []string{
		"mongodb-0." + testName + ".openedx.internal:27017",
		"mongodb-1." + testName + ".openedx.internal:27017",
		"mongodb-2." + testName + ".openedx.internal:27017",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what the platform publishes before AWS answers: -want, +got:\n%s", diff)
	}
}
