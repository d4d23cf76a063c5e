package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	rdsv1beta1 "github.com/upbound/provider-aws/apis/rds/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Names of database resources.
const (
	nameDBSubnetGroup    resource.Name = "database-subnet-group"
	nameDBParameterGroup resource.Name = "database-cluster-parameter-group"
	nameDBCluster        resource.Name = "database-cluster"
	roleDBCluster                      = "database"
	portMySQL                          = 3306
	// databaseMasterUsername owns every tenant's database and user; its
	// password is created and rotated by RDS in Secrets Manager.
	databaseMasterUsername = "openedx_admin"
)

func nameDBInstance(zone string) resource.Name { return resource.Name("database-instance-" + zone) }

// databaseParameters make every connection utf8mb4, which Tutor sets only
// for its own MySQL (RUN_MYSQL), and refuse unencrypted connections: Open
// edX's mysqlclient and Tutor's jobs negotiate TLS when the server offers it.
var databaseParameters = []struct{ name, value string }{
	{"character_set_server", "utf8mb4"},
	{"collation_server", "utf8mb4_unicode_ci"},
	{"require_secure_transport", "ON"},
}

// database composes the Aurora MySQL cluster the tenants share, one database
// each. Production runs a writer and a reader in every zone, so losing a
// zone promotes a reader in seconds; small runs one Serverless v2 instance
// that scales from half a capacity unit.
func database(p *plan) []compose.Resource {
	d := p.Database
	labels := map[string]string{LabelRole: roleDBCluster}
	params := make([]rdsv1beta1.ClusterParameterGroupParameterParameters, 0, len(databaseParameters))
	for _, prm := range databaseParameters {
		params = append(params, rdsv1beta1.ClusterParameterGroupParameterParameters{
			Name: ptr.To(prm.name), Value: ptr.To(prm.value),
			// Static parameters such as require_secure_transport apply at
			// the next reboot; pending-reboot is accepted for all.
			ApplyMethod: ptr.To("pending-reboot"),
		})
	}

	cluster := rdsv1beta1.ClusterParameters{
		Region:        &p.Region,
		Engine:        ptr.To("aurora-mysql"),
		EngineVersion: &d.EngineVersion,
		// RDS creates, stores and rotates the master password in Secrets
		// Manager: it never passes through Crossplane or Kubernetes.
		MasterUsername:                      ptr.To(databaseMasterUsername),
		ManageMasterUserPassword:            ptr.To(true),
		MasterUserSecretKMSKeyIDSelector:    dataKeySelector(),
		StorageEncrypted:                    ptr.To(true),
		KMSKeyIDSelector:                    dataKeySelector(),
		DBSubnetGroupNameSelector:           selector(labels),
		DBClusterParameterGroupNameSelector: selector(labels),
		VPCSecurityGroupIDSelector:          selector(map[string]string{LabelRole: securityGroupRole("database")}),
		Port:                                ptr.To(float64(portMySQL)),
		BackupRetentionPeriod:               ptr.To(float64(d.BackupRetentionDays)),
		PreferredBackupWindow:               ptr.To("02:00-03:00"),
		PreferredMaintenanceWindow:          ptr.To("sun:03:30-sun:04:30"),
		CopyTagsToSnapshot:                  ptr.To(true),
		DeletionProtection:                  d.DeletionProtection,
		SkipFinalSnapshot:                   ptr.To(d.SkipFinalSnapshot),
		EnabledCloudwatchLogsExports:        compose.StringPtrs([]string{"audit", "error", "slowquery"}),
		// Stay on standard support: extended support is billed per vCPU-hour.
		EngineLifecycleSupport: ptr.To("open-source-rds-extended-support-disabled"),
		Tags:                   p.tags(p.Name + "-mysql"),
	}
	if !d.SkipFinalSnapshot {
		cluster.FinalSnapshotIdentifier = ptr.To(awsnames.RDSSnapshotID.Name(p.Name + "-mysql-final"))
	}
	if p.Profile == v1alpha1.ProfileSmall {
		cluster.Serverlessv2ScalingConfiguration = []rdsv1beta1.Serverlessv2ScalingConfigurationParameters{{
			MinCapacity: ptr.To(serverlessMinCapacity),
			MaxCapacity: ptr.To(float64(d.ServerlessMaxCapacity)),
		}}
	}

	rs := []compose.Resource{
		{Name: nameDBSubnetGroup, Object: &rdsv1beta1.SubnetGroup{
			ObjectMeta: meta(labels),
			Spec: rdsv1beta1.SubnetGroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: rdsv1beta1.SubnetGroupParameters{
					Region:           &p.Region,
					Description:      ptr.To("Private-db subnets of Open edX platform " + p.Name),
					SubnetIDSelector: selector(map[string]string{LabelTier: string(TierPrivateDB)}),
					Tags:             p.tags(p.Name + "-mysql"),
				},
			},
		}},
		{Name: nameDBParameterGroup, Object: &rdsv1beta1.ClusterParameterGroup{
			ObjectMeta: p.dbParameterGroupMeta(labels),
			Spec: rdsv1beta1.ClusterParameterGroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: rdsv1beta1.ClusterParameterGroupParameters{
					Region:      &p.Region,
					Family:      ptr.To("aurora-mysql8.0"),
					Description: ptr.To("utf8mb4 and TLS for Open edX platform " + p.Name),
					Parameter:   params,
					Tags:        p.tags(p.Name + "-mysql"),
				},
			},
		}},
		{Name: nameDBCluster, Object: &rdsv1beta1.Cluster{
			ObjectMeta: externallyNamed(awsnames.RDSClusterID.Name(p.Name+"-mysql"), labels),
			Spec: rdsv1beta1.ClusterSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider:  cluster,
			},
		}},
	}
	rs = append(rs, securityGroup(p, "database", portMySQL, "Aurora MySQL of Open edX platform "+p.Name+": MySQL from the private-app subnets only")...)

	// The writer in the first zone, then a reader in each next one.
	zones, class := p.Zones[:databaseInstances(p)], d.InstanceClass
	if p.Profile == v1alpha1.ProfileSmall {
		zones, class = p.Zones[:1], "db.serverless"
	}
	for i, z := range zones {
		rs = append(rs, compose.Resource{Name: nameDBInstance(z), Object: &rdsv1beta1.ClusterInstance{
			ObjectMeta: externallyNamed(awsnames.RDSInstanceID.Name(fmt.Sprintf("%s-mysql-%d", p.Name, i)), map[string]string{LabelRole: "database-instance", LabelZone: z}),
			Spec: rdsv1beta1.ClusterInstanceSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: rdsv1beta1.ClusterInstanceParameters{
					Region:                    &p.Region,
					ClusterIdentifierSelector: selector(labels),
					Engine:                    ptr.To("aurora-mysql"),
					InstanceClass:             &class,
					AvailabilityZone:          ptr.To(z),
					PubliclyAccessible:        ptr.To(false),
					AutoMinorVersionUpgrade:   ptr.To(true),
					// The first zone's instance is the preferred writer.
					PromotionTier:                       ptr.To(float64(i)),
					PerformanceInsightsEnabled:          ptr.To(true),
					PerformanceInsightsKMSKeyIDSelector: dataKeySelector(),
					// Seven days of Performance Insights are free.
					PerformanceInsightsRetentionPeriod: ptr.To(float64(7)),
					Tags:                               p.tags(fmt.Sprintf("%s-mysql-%d", p.Name, i)),
				},
			},
		}})
	}
	return rs
}

// databaseStatus is how tenants reach the cluster.
func databaseStatus(observed map[resource.Name]resource.ObservedComposed) v1alpha1.DatabaseStatus {
	get := func(path string) string { return compose.ObservedString(observed, nameDBCluster, path) }
	// The port is the one the cluster is created with: published from the
	// start, so that tenants never assume one.
	return v1alpha1.DatabaseStatus{
		WriterEndpoint: get("status.atProvider.endpoint"),
		ReaderEndpoint: get("status.atProvider.readerEndpoint"),
		Port:           portMySQL,
		AdminSecretARN: get("status.atProvider.masterUserSecret[0].secretArn"),
	}
}

// generatedSuffix stands for the "-" and five characters Crossplane appends
// to the composite's name to name a composed resource that has none.
const generatedSuffix = "-bcdfg"

// dbParameterGroupMeta names the parameter group after the Crossplane
// generated name, <composite>-<five characters>, which the provider uses as
// its AWS name, when RDS accepts that; otherwise (a name such as "1prod" or
// "prod.eu") it chooses a valid one. Valid names stay as they were, so live
// groups are not replaced.
func (p *plan) dbParameterGroupMeta(labels map[string]string) metav1.ObjectMeta {
	if awsnames.RDSParameterGroup.Check(p.Name+generatedSuffix) == nil {
		return meta(labels)
	}
	return externallyNamed(awsnames.RDSParameterGroup.Name(p.Name+"-mysql"), labels)
}
