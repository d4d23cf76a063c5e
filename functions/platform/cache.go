package main

import (
	"strconv"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	ecv1beta1 "github.com/upbound/provider-aws/apis/elasticache/v1beta1"
	ecv1beta2 "github.com/upbound/provider-aws/apis/elasticache/v1beta2"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/awsnames"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Names of cache resources.
const (
	nameCacheSubnetGroup    resource.Name = "cache-subnet-group"
	nameCacheParameterGroup resource.Name = "cache-parameter-group"
	nameCache               resource.Name = "cache-replication-group"
	nameCacheAuthSecret     resource.Name = "secret-cache-auth"
	nameCacheAuthVersion    resource.Name = "secret-cache-auth-version"
	portRedis                             = 6379
	// Each Open edX instance needs its own Celery broker and cache database
	// indexes: Tutor's key prefixes and queue names are the same in every
	// instance, so sharing an index would mix tenants' sessions and tasks.
	cacheDatabasesPerTenant = 2
	// minCacheDatabases is Redis's and Valkey's default.
	minCacheDatabases = 16
	// cacheAuthTokenKey is the key of the AUTH token in its Secret.
	cacheAuthTokenKey = "token"
)

// cacheDatabases is the number of database indexes the platform's tenants
// need.
func (p *plan) cacheDatabases() int {
	return max(minCacheDatabases, cacheDatabasesPerTenant*p.TenantCapacity)
}

// liveCacheDatabases is how many database indexes the platform's cache has,
// which is what tenants may be given. ElastiCache applies a parameter
// group's `databases` to a replication group only when its nodes restart,
// and nothing here restarts them, so a cache keeps the count it was created
// with: once it exists, the count its platform recorded in
// status.cache.databases stands, whatever the spec says now. Before, it is
// created with the spec's.
func liveCacheDatabases(p *plan, recorded int, observed map[resource.Name]resource.ObservedComposed) int {
	if _, exists := observed[nameCache]; exists && recorded > 0 {
		return recorded
	}
	return p.cacheDatabases()
}

// cacheAuthSecret is the Kubernetes Secret provider-aws generates the AUTH
// token into, in Crossplane's namespace. The token is copied from there to
// Secrets Manager, where tenants read it; the function never sees it.
func (p *plan) cacheAuthSecret() xpv1.SecretKeySelector {
	return xpv1.SecretKeySelector{
		SecretReference: xpv1.SecretReference{Name: compose.Truncate(p.Name+"-cache-auth", 253), Namespace: p.KubeconfigNamespace},
		Key:             cacheAuthTokenKey,
	}
}

// cache composes the ElastiCache (Valkey) replication group. Production has
// a node in each zone with automatic failover; small has one node.
// Encryption in transit is required: Tutor speaks plain redis:// by default,
// so tenants are configured with rediss:// (see the tenant function).
func cache(p *plan) ([]compose.Resource, error) {
	family, err := cacheParameterGroupFamily(p.Cache.EngineVersion)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{LabelRole: "cache"}
	paramGroupName := awsnames.ElastiCacheParameterGroup.Name(p.Name + "-valkey")
	production := p.Profile == v1alpha1.ProfileProduction

	rg := ecv1beta2.ReplicationGroupParameters{
		Region:                   &p.Region,
		Description:              ptr.To("Cache and Celery broker of Open edX platform " + p.Name),
		Engine:                   ptr.To("valkey"),
		EngineVersion:            &p.Cache.EngineVersion,
		NodeType:                 &p.Cache.NodeType,
		Port:                     ptr.To(float64(portRedis)),
		ParameterGroupName:       &paramGroupName,
		SubnetGroupNameSelector:  selector(labels),
		SecurityGroupIDSelector:  selector(map[string]string{LabelRole: securityGroupRole("cache")}),
		AtRestEncryptionEnabled:  ptr.To("true"),
		KMSKeyIDSelector:         dataKeySelector(),
		TransitEncryptionEnabled: ptr.To(true),
		TransitEncryptionMode:    ptr.To("required"),
		AutoGenerateAuthToken:    ptr.To(true),
		AuthTokenSecretRef:       ptr.To(p.cacheAuthSecret()),
		AutoMinorVersionUpgrade:  ptr.To("true"),
		MaintenanceWindow:        ptr.To("sun:04:30-sun:05:30"),
		SnapshotWindow:           ptr.To("02:00-03:00"),
		SnapshotRetentionLimit:   ptr.To(float64(1)),
		Tags:                     p.tags(p.Name + "-cache"),
	}
	// The primary in the first zone, then a replica in each next one.
	rg.NumCacheClusters = ptr.To(float64(cacheNodes(p)))
	rg.PreferredCacheClusterAzs = compose.StringPtrs(p.Zones[:cacheNodes(p)])
	if production {
		rg.SnapshotRetentionLimit = ptr.To(float64(7))
	}
	if cacheNodes(p) > 1 {
		// ElastiCache fails over, and places in several zones, only a
		// group with a replica.
		rg.AutomaticFailoverEnabled = ptr.To(true)
		rg.MultiAzEnabled = ptr.To(true)
	}

	rs := []compose.Resource{
		{Name: nameCacheSubnetGroup, Object: &ecv1beta1.SubnetGroup{
			ObjectMeta: externallyNamed(awsnames.ElastiCacheSubnetGroup.Name(p.Name+"-cache"), labels),
			Spec: ecv1beta1.SubnetGroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ecv1beta1.SubnetGroupParameters{
					Region:           &p.Region,
					Description:      ptr.To("Private-db subnets of Open edX platform " + p.Name),
					SubnetIDSelector: selector(map[string]string{LabelTier: string(TierPrivateDB)}),
					Tags:             p.tags(p.Name + "-cache"),
				},
			},
		}},
		{Name: nameCacheParameterGroup, Object: &ecv1beta1.ParameterGroup{
			ObjectMeta: meta(labels),
			Spec: ecv1beta1.ParameterGroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: ecv1beta1.ParameterGroupParameters{
					Region:      &p.Region,
					Name:        &paramGroupName,
					Family:      ptr.To(family),
					Description: ptr.To("Database indexes for the tenants of Open edX platform " + p.Name),
					Parameter: []ecv1beta1.ParameterParameters{{
						Name:  ptr.To("databases"),
						Value: ptr.To(strconv.Itoa(p.cacheDatabases())),
					}},
					Tags: p.tags(paramGroupName),
				},
			},
		}},
		{Name: nameCache, Object: &ecv1beta2.ReplicationGroup{
			ObjectMeta: externallyNamed(awsnames.ElastiCacheReplicationGroupID.Name(p.Name+"-cache"), labels),
			Spec: ecv1beta2.ReplicationGroupSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider:  rg,
			},
		}},
		secret(p, nameCacheAuthSecret, "cache-auth", "AUTH token of the cache of Open edX platform "+p.Name),
		{Name: nameCacheAuthVersion, Object: &smv1beta1.SecretVersion{
			Spec: smv1beta1.SecretVersionSpec{
				ResourceSpec: p.resourceSpec(),
				ForProvider: smv1beta1.SecretVersionParameters{
					Region:                &p.Region,
					SecretIDSelector:      selector(map[string]string{LabelRole: "secret-cache-auth"}),
					SecretStringSecretRef: ptr.To(p.cacheAuthSecret()),
				},
			},
		}},
	}
	return append(rs, securityGroup(p, "cache", portRedis, "ElastiCache of Open edX platform "+p.Name+": Redis protocol from the private-app subnets only")...), nil
}

// cacheStatus is how tenants reach the cache. The port is the one the
// replication group is created with, published from the start.
func cacheStatus(p *plan, observed map[resource.Name]resource.ObservedComposed) v1alpha1.CacheStatus {
	return v1alpha1.CacheStatus{
		PrimaryEndpoint: compose.ObservedString(observed, nameCache, "status.atProvider.primaryEndpointAddress"),
		ReaderEndpoint:  compose.ObservedString(observed, nameCache, "status.atProvider.readerEndpointAddress"),
		Port:            portRedis,
		AuthSecretARN:   compose.ObservedString(observed, nameCacheAuthSecret, "status.atProvider.arn"),
		Databases:       p.cacheDatabases(),
		TLS:             true,
	}
}
