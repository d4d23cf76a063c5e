package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Profile selects how much redundancy, and so how much cost, a platform buys.
// +kubebuilder:validation:Enum=production;small
type Profile string

// Profiles.
const (
	// ProfileProduction survives the loss of an availability zone: one NAT
	// gateway per zone and highly available data stores.
	ProfileProduction Profile = "production"
	// ProfileSmall keeps the three-zone layout but shares one NAT gateway, for
	// staging and small sites where a zonal outage may cost egress.
	ProfileSmall Profile = "small"
)

// XPlatformSpec is the shared AWS infrastructure that many Open edX instances
// run on.
//
// +kubebuilder:validation:XValidation:rule="self.profile != 'production' || !has(self.availabilityZones) || size(self.availabilityZones) == 3",message="the production profile needs exactly 3 availability zones",fieldPath=".availabilityZones"
// +kubebuilder:validation:XValidation:rule="!has(self.availabilityZones) || self.availabilityZones.all(z, z.startsWith(self.region))",message="every availability zone must be in spec.region",fieldPath=".availabilityZones"
// +kubebuilder:validation:XValidation:rule="self.profile == 'production' || !has(self.database.readers)",message="database.readers is for the production profile: small runs one Aurora Serverless v2 instance",fieldPath=".database.readers"
// +kubebuilder:validation:XValidation:rule="self.profile == 'production' || !has(self.cache.replicas)",message="cache.replicas is for the production profile: small runs one node",fieldPath=".cache.replicas"
// +kubebuilder:validation:XValidation:rule="has(self.availabilityZones) || !(self.region in ['us-west-1', 'cn-north-1'])",message="this region shows each account two zones of its own: list them in availabilityZones, with the small profile",fieldPath=".availabilityZones"
// +kubebuilder:validation:XValidation:rule="!has(self.search) || !has(self.search.opensearch) || !has(self.search.opensearch.enabled) || !self.search.opensearch.enabled || has(self.search.opensearch.instanceType) || !has(self.search.opensearch.volumeSizeGiB) || self.search.opensearch.volumeSizeGiB <= (self.profile == 'small' ? 100 : 2048)",message="the profile's OpenSearch data nodes take at most 100 GiB each in small (t3.small.search) and 2048 in production (r7g.large.search): set a larger search.opensearch.instanceType or a smaller volume",fieldPath=".search.opensearch.volumeSizeGiB"
type XPlatformSpec struct {
	// Region is the AWS region of every resource of the platform, one of
	// internal/awsregions' table (a test keeps this enum equal to it).
	// +kubebuilder:validation:Enum=af-south-1;ap-east-1;ap-east-2;ap-northeast-1;ap-northeast-2;ap-northeast-3;ap-south-1;ap-south-2;ap-southeast-1;ap-southeast-2;ap-southeast-3;ap-southeast-4;ap-southeast-5;ap-southeast-7;ca-central-1;ca-west-1;cn-north-1;cn-northwest-1;eu-central-1;eu-central-2;eu-north-1;eu-south-1;eu-south-2;eu-west-1;eu-west-2;eu-west-3;il-central-1;me-central-1;me-south-1;mx-central-1;sa-east-1;us-east-1;us-east-2;us-gov-east-1;us-gov-west-1;us-west-1;us-west-2
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable"
	Region string `json:"region"`

	// AvailabilityZones the platform spans. Defaults to three zones derived
	// from the region.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:items:Enum=af-south-1a;af-south-1b;af-south-1c;ap-east-1a;ap-east-1b;ap-east-1c;ap-east-2a;ap-east-2b;ap-east-2c;ap-northeast-1a;ap-northeast-1c;ap-northeast-1d;ap-northeast-2a;ap-northeast-2b;ap-northeast-2c;ap-northeast-2d;ap-northeast-3a;ap-northeast-3b;ap-northeast-3c;ap-south-1a;ap-south-1b;ap-south-1c;ap-south-2a;ap-south-2b;ap-south-2c;ap-southeast-1a;ap-southeast-1b;ap-southeast-1c;ap-southeast-2a;ap-southeast-2b;ap-southeast-2c;ap-southeast-3a;ap-southeast-3b;ap-southeast-3c;ap-southeast-4a;ap-southeast-4b;ap-southeast-4c;ap-southeast-5a;ap-southeast-5b;ap-southeast-5c;ap-southeast-7a;ap-southeast-7b;ap-southeast-7c;ca-central-1a;ca-central-1b;ca-central-1d;ca-west-1a;ca-west-1b;ca-west-1c;cn-north-1a;cn-north-1b;cn-north-1d;cn-northwest-1a;cn-northwest-1b;cn-northwest-1c;eu-central-1a;eu-central-1b;eu-central-1c;eu-central-2a;eu-central-2b;eu-central-2c;eu-north-1a;eu-north-1b;eu-north-1c;eu-south-1a;eu-south-1b;eu-south-1c;eu-south-2a;eu-south-2b;eu-south-2c;eu-west-1a;eu-west-1b;eu-west-1c;eu-west-2a;eu-west-2b;eu-west-2c;eu-west-3a;eu-west-3b;eu-west-3c;il-central-1a;il-central-1b;il-central-1c;me-central-1a;me-central-1b;me-central-1c;me-south-1a;me-south-1b;me-south-1c;mx-central-1a;mx-central-1b;mx-central-1c;sa-east-1a;sa-east-1b;sa-east-1c;us-east-1a;us-east-1b;us-east-1c;us-east-1d;us-east-1e;us-east-1f;us-east-2a;us-east-2b;us-east-2c;us-gov-east-1a;us-gov-east-1b;us-gov-east-1c;us-gov-west-1a;us-gov-west-1b;us-gov-west-1c;us-west-1a;us-west-1b;us-west-1c;us-west-2a;us-west-2b;us-west-2c;us-west-2d
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="availabilityZones are immutable: subnets cannot move"
	AvailabilityZones []string `json:"availabilityZones,omitempty"`

	// Profile sets redundancy against cost.
	// +kubebuilder:default=production
	Profile Profile `json:"profile,omitempty"`

	// CostCenter is written to the cost-center tag of every AWS resource and
	// is inherited by the platform's tenants. It is also a Kubernetes label
	// value on tenant namespaces, for in-cluster cost allocation, hence its
	// format.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`
	CostCenter string `json:"costCenter"`

	// Networking of the platform's VPC.
	// +kubebuilder:default={}
	Networking Networking `json:"networking,omitempty"`

	// Kubernetes is the EKS cluster every tenant namespace lives in.
	// +kubebuilder:default={}
	Kubernetes Kubernetes `json:"kubernetes,omitempty"`

	// TenantCapacity is how many Open edX instances the platform is sized
	// for. Each instance uses two Redis databases (cache and Celery), so it
	// sets the cache's number of databases. It is fixed once the platform
	// exists: ElastiCache applies a new number only when every node of the
	// cache restarts, losing every tenant's cache and queued tasks. Size it
	// for growth: a database no tenant uses costs nothing.
	// +kubebuilder:default=50
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="tenantCapacity is fixed once the platform exists: it sets the cache's number of Redis databases, which ElastiCache applies only when every node restarts; a full platform refuses new tenants, which go on another platform"
	TenantCapacity int `json:"tenantCapacity,omitempty"`

	// Database is the Aurora MySQL cluster shared by the tenants, one
	// database each.
	// +kubebuilder:default={}
	Database Database `json:"database,omitempty"`

	// Cache is the ElastiCache (Valkey) replication group shared by the
	// tenants, two database indexes each.
	// +kubebuilder:default={}
	Cache Cache `json:"cache,omitempty"`

	// MongoDB is the replica set shared by the tenants, one database each
	// (plus the forum's).
	// +kubebuilder:default={}
	MongoDB MongoDB `json:"mongodb,omitempty"`

	// Search is the optional OpenSearch domain.
	// +kubebuilder:default={}
	Search Search `json:"search,omitempty"`

	// DNS is the platform's base domain. Tenants' hosts live under it.
	// +optional
	DNS *DNS `json:"dns,omitempty"`

	// Ingress is how learners reach the tenants: one shared, WAF-protected
	// Application Load Balancer.
	// +kubebuilder:default={}
	Ingress Ingress `json:"ingress,omitempty"`

	// Bastion is the operators' way in, through SSM Session Manager only.
	// +kubebuilder:default={}
	Bastion Bastion `json:"bastion,omitempty"`

	// Registry holds the Open edX and MFE images.
	// +kubebuilder:default={}
	Registry Registry `json:"registry,omitempty"`

	// ProviderConfigName is the provider-aws ProviderConfig used for every AWS
	// resource: a Kubernetes object name.
	// +kubebuilder:default=default
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ProviderConfigName string `json:"providerConfigName,omitempty"`
}

// Networking of the platform's VPC.
type Networking struct {
	// VPCCIDR is the IPv4 block of the VPC, a /16 to a /20. It is split into
	// one private-app subnet per zone (1/8 of the VPC each, room for pod IPs),
	// and one public and one private-db subnet per zone (1/64 each).
	// +kubebuilder:default="10.0.0.0/16"
	// +kubebuilder:validation:XValidation:rule="isCIDR(self) && cidr(self).ip().family() == 4",message="vpcCidr must be an IPv4 CIDR such as 10.0.0.0/16"
	// +kubebuilder:validation:XValidation:rule="!isCIDR(self) || (cidr(self).prefixLength() >= 16 && cidr(self).prefixLength() <= 20)",message="vpcCidr must be a /16 to a /20"
	// +kubebuilder:validation:XValidation:rule="!isCIDR(self) || cidr(self).masked() == cidr(self)",message="vpcCidr must be a network address (no host bits set)"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="vpcCidr is immutable"
	VPCCIDR string `json:"vpcCidr,omitempty"`
}

// Kubernetes is the platform's EKS cluster.
type Kubernetes struct {
	// Version of Kubernetes on EKS: 1.29 or later, which EKS Auto Mode
	// requires (versions EKS no longer supports are refused by EKS, later).
	// It moves up one minor version at a time, as EKS upgrades a cluster:
	// EKS neither skips a minor version nor downgrades.
	// +kubebuilder:default="1.34"
	// +kubebuilder:validation:MaxLength=4
	// +kubebuilder:validation:Pattern=`^1\.(29|[3-9][0-9])$`
	// +kubebuilder:validation:XValidation:rule="int(self.substring(2)) >= int(oldSelf.substring(2)) && int(self.substring(2)) <= int(oldSelf.substring(2)) + 1",message="kubernetes.version moves up one minor version at a time: EKS neither skips a minor version nor downgrades"
	Version string `json:"version,omitempty"`

	// PublicAccessCIDRs may reach the cluster's API endpoint from the Internet,
	// typically the egress address of the Crossplane control plane, never
	// wider than an IPv4 /16 or an IPv6 /48. Empty
	// means the endpoint is private: Crossplane must then run inside or be
	// peered with the VPC.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=40
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:items:XValidation:rule="isCIDR(self)",message="publicAccessCidrs must hold CIDRs such as 203.0.113.10/32"
	// +kubebuilder:validation:items:XValidation:rule="!isCIDR(self) || cidr(self).prefixLength() >= (cidr(self).ip().family() == 4 ? 16 : 48)",message="publicAccessCidrs must be an IPv4 /16 or an IPv6 /48, or narrower: the API endpoint must not face the Internet at large"
	PublicAccessCIDRs []string `json:"publicAccessCidrs,omitempty"`

	// LogRetentionDays keeps the control-plane logs in CloudWatch this long.
	// +kubebuilder:default=90
	// +kubebuilder:validation:Enum=1;3;5;7;14;30;60;90;120;150;180;365;400;545;731;1096;1827;2192;2557;2922;3288;3653
	LogRetentionDays int `json:"logRetentionDays,omitempty"`

	// KubeconfigSecretNamespace is where the cluster's kubeconfig Secret is
	// written for provider-kubernetes; normally Crossplane's own namespace.
	// +kubebuilder:default=crossplane-system
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	KubeconfigSecretNamespace string `json:"kubeconfigSecretNamespace,omitempty"`

	// SpotForTenants adds an Auto Mode NodePool that prefers Spot capacity
	// and falls back to on-demand, tainted so that only the tenants'
	// stateless Deployments (lms, cms, their workers, caddy, the MFE)
	// tolerate it. A Spot node may be reclaimed with two minutes' notice;
	// those pods run several replicas or retry their tasks. Jobs, Meilisearch
	// and the platform's own pods stay on on-demand nodes.
	// +kubebuilder:default=true
	SpotForTenants *bool `json:"spotForTenants,omitempty"`
}

// DataProtection decides what happens to data when a platform is deleted.
type DataProtection struct {
	// DeletionProtection refuses deletion of the store in AWS until it is
	// turned off.
	// +kubebuilder:default=true
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// SkipFinalSnapshot deletes without a last snapshot. Leave it false in
	// production.
	// +kubebuilder:default=false
	SkipFinalSnapshot bool `json:"skipFinalSnapshot,omitempty"`
	// BackupRetentionDays keeps automated backups this long.
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=7
	// +kubebuilder:validation:Maximum=35
	BackupRetentionDays int `json:"backupRetentionDays,omitempty"`
}

// Database is the Aurora MySQL cluster.
type Database struct {
	// EngineVersion of Aurora MySQL 3 (MySQL 8.0 compatible), the line
	// current Open edX releases support.
	// +kubebuilder:default="8.0.mysql_aurora.3.10.0"
	// +kubebuilder:validation:Pattern=`^8\.0\.mysql_aurora\.3\.[0-9]{2}\.[0-9]+$`
	EngineVersion string `json:"engineVersion,omitempty"`
	// InstanceClass of the writer and of one reader per other zone in the
	// production profile. The small profile runs one Aurora Serverless v2
	// instance instead.
	// +kubebuilder:default="db.r7g.large"
	// +kubebuilder:validation:Pattern=`^db\.[a-z0-9]+\.[a-z0-9]+$`
	InstanceClass string `json:"instanceClass,omitempty"`
	// Readers of the production profile, each in the next zone after the
	// writer's. Fewer cost less; with none, a lost writer is replaced by a
	// new instance in minutes instead of a failover in about 30 seconds.
	// Default: 2, one in each other zone.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2
	Readers *int `json:"readers,omitempty"`
	// ServerlessMaxCapacity caps the small profile's Serverless v2 instance,
	// in Aurora capacity units. Its minimum is 0.5.
	// +kubebuilder:default=4
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=128
	ServerlessMaxCapacity int `json:"serverlessMaxCapacity,omitempty"`

	DataProtection `json:",inline"`
}

// Cache is the ElastiCache replication group.
type Cache struct {
	// EngineVersion of Valkey, the open-source Redis fork ElastiCache prices
	// lower than Redis OSS. Tutor's Redis clients speak to it unchanged.
	// One of the versions ElastiCache offers for Valkey; the platform
	// composes a parameter group of its family (valkey7, valkey8, valkey9).
	// +kubebuilder:default="8.0"
	// +kubebuilder:validation:Enum="7.2";"8.0";"8.1";"8.2";"9.0";"9.1"
	EngineVersion string `json:"engineVersion,omitempty"`
	// NodeType of every node. Empty picks cache.r7g.large in production and
	// cache.t4g.micro in small.
	// +optional
	// +kubebuilder:validation:Pattern=`^cache\.[a-z0-9]+\.[a-z0-9]+$`
	NodeType string `json:"nodeType,omitempty"`
	// Replicas of the production profile's primary node, each in the next
	// zone. With none there is no Multi-AZ failover: a lost node takes the
	// tenants' caches and Celery queues with it until ElastiCache replaces
	// it. Default: 2, one in each other zone.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2
	Replicas *int `json:"replicas,omitempty"`
}

// MongoDB is the platform's MongoDB.
//
// +kubebuilder:validation:XValidation:rule="!has(self.external) || !has(self.instanceType)",message="an external MongoDB has no instances: drop instanceType"
// +kubebuilder:validation:XValidation:rule="has(self.external) == has(oldSelf.external)",message="mongodb.external is fixed once the platform exists: setting or removing it replaces the replica set that holds every tenant's courses and forums; an external replica set may change its hosts"
type MongoDB struct {
	// Version of MongoDB installed on the members.
	// +kubebuilder:default="7.0"
	// +kubebuilder:validation:Enum="7.0"
	Version string `json:"version,omitempty"`
	// InstanceType of each of the three members, ARM (Graviton). Empty picks
	// r7g.large in production and t4g.small in small.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9]*g[a-z]*\.[a-z0-9]+$`
	InstanceType string `json:"instanceType,omitempty"`
	// VolumeSizeGiB of each member's encrypted data volume. Default: 100
	// with the production profile, 30 with small.
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=16000
	VolumeSizeGiB int `json:"volumeSizeGiB,omitempty"`
	// External uses an existing replica set, such as MongoDB Atlas peered
	// with the VPC, instead of composing one.
	// +optional
	External *ExternalMongoDB `json:"external,omitempty"`
}

// ExternalMongoDB is a replica set the platform does not manage.
type ExternalMongoDB struct {
	// Hosts of the members, host:port: a DNS name, an IPv4 address or an
	// [IPv6] address, and a port of 1 to 65535. Tenants' connection
	// strings and NetworkPolicies take them as they are.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=7
	// +kubebuilder:validation:items:MaxLength=261
	// +kubebuilder:validation:items:Pattern=`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$`
	Hosts []string `json:"hosts"`
	// ReplicaSet name: letters, digits, '.', '_' and '-', as it goes into
	// connection strings unescaped.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._-]*$`
	ReplicaSet string `json:"replicaSet"`
	// AdminSecretARN is the Secrets Manager secret holding the admin user's
	// credentials, as JSON with username and password.
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`
	AdminSecretARN string `json:"adminSecretArn"`
}

// Search is the optional OpenSearch domain. Tutor uses Meilisearch since
// v19, so it is off by default.
type Search struct {
	// +kubebuilder:default={}
	OpenSearch OpenSearch `json:"opensearch,omitempty"`
}

// OpenSearch is an OpenSearch domain in the VPC. Its data nodes get gp3
// volumes, which OpenSearch Service sizes by instance type ("EBS volume
// size quotas" in its developer guide; the function's table in
// functions/platform/search.go), checked when the domain is enabled.
// +kubebuilder:validation:XValidation:rule="!has(self.enabled) || !self.enabled || !has(self.instanceType) || !self.instanceType.matches('^(t2|m3|m4|c4|r3|r4|i2|i3|r6gd)[.]')",message="OpenSearch Service attaches no gp3 volume to this instance type (a previous generation, or instance storage only): pick a current one such as r7g.large.search",fieldPath=".instanceType"
// +kubebuilder:validation:XValidation:rule="!has(self.enabled) || !self.enabled || !has(self.instanceType) || !has(self.volumeSizeGiB) || !(self.instanceType in {'c5.2xlarge.search': 1024, 'c5.4xlarge.search': 1536, 'c5.large.search': 256, 'c5.xlarge.search': 512, 'c6g.2xlarge.search': 1024, 'c6g.4xlarge.search': 1536, 'c6g.large.search': 256, 'c6g.xlarge.search': 512, 'c7g.2xlarge.search': 1024, 'c7g.4xlarge.search': 1536, 'c7g.large.search': 256, 'c7g.xlarge.search': 512, 'm5.large.search': 1024, 'm5.xlarge.search': 2048, 'm6g.large.search': 1024, 'm6g.xlarge.search': 2048, 'm7g.large.search': 1024, 'm7g.xlarge.search': 2048, 'r5.large.search': 2048, 'r6g.large.search': 2048, 'r7g.large.search': 2048, 't3.medium.search': 200, 't3.small.search': 100}) || self.volumeSizeGiB <= {'c5.2xlarge.search': 1024, 'c5.4xlarge.search': 1536, 'c5.large.search': 256, 'c5.xlarge.search': 512, 'c6g.2xlarge.search': 1024, 'c6g.4xlarge.search': 1536, 'c6g.large.search': 256, 'c6g.xlarge.search': 512, 'c7g.2xlarge.search': 1024, 'c7g.4xlarge.search': 1536, 'c7g.large.search': 256, 'c7g.xlarge.search': 512, 'm5.large.search': 1024, 'm5.xlarge.search': 2048, 'm6g.large.search': 1024, 'm6g.xlarge.search': 2048, 'm7g.large.search': 1024, 'm7g.xlarge.search': 2048, 'r5.large.search': 2048, 'r6g.large.search': 2048, 'r7g.large.search': 2048, 't3.medium.search': 200, 't3.small.search': 100}[self.instanceType]",message="volumeSizeGiB is larger than OpenSearch Service attaches to each data node of this instanceType (its EBS volume size quotas: t3.small.search 100 GiB, t3.medium.search 200, c5, c6g and c7g from 256 for large, m5, m6g and m7g 1024 for large, r5, r6g and r7g 2048 for large): pick a larger instanceType or a smaller volume",fieldPath=".volumeSizeGiB"
type OpenSearch struct {
	// Enabled composes the domain.
	// +kubebuilder:default=false
	Enabled bool `json:"enabled,omitempty"`
	// EngineVersion of OpenSearch.
	// +kubebuilder:default="OpenSearch_2.19"
	// +kubebuilder:validation:Pattern=`^OpenSearch_[0-9]+\.[0-9]+$`
	EngineVersion string `json:"engineVersion,omitempty"`
	// InstanceType of the data nodes. Empty picks r7g.large.search in
	// production and t3.small.search in small.
	// +optional
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+\.[a-z0-9]+\.search$`
	InstanceType string `json:"instanceType,omitempty"`
	// VolumeSizeGiB of each data node.
	// +kubebuilder:default=50
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=3000
	VolumeSizeGiB int `json:"volumeSizeGiB,omitempty"`
}

// DNS is the platform's base domain in Route53.
type DNS struct {
	// Domain is the base domain, such as learn.example.org. The platform gets
	// a wildcard certificate for it, sends mail from it, and serves static
	// assets from static.<domain>. At most 57 characters: ACM refuses a
	// certificate whose first name, static.<domain>, is over 64.
	// +kubebuilder:validation:MaxLength=57
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="domain is immutable"
	Domain string `json:"domain"`
	// HostedZoneID adopts an existing public hosted zone for the domain
	// instead of creating one.
	// +optional
	// +kubebuilder:validation:Pattern=`^Z[A-Z0-9]{1,31}$`
	HostedZoneID string `json:"hostedZoneId,omitempty"`
}

// Ingress is the shared load balancer and its web application firewall.
type Ingress struct {
	// RateLimit is the most requests one client IP may send in any five
	// minutes before the WAF blocks it.
	// +kubebuilder:default=2000
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=2000000000
	RateLimit int64 `json:"rateLimit,omitempty"`

	// StaticRateLimit is the most requests one client IP may send to the
	// static-assets distribution in any five minutes before its WAF blocks
	// it. A page loads tens of assets, and a classroom behind one NAT
	// address shares one limit, so it is higher than rateLimit; CloudFront
	// serves them from its cache.
	// +kubebuilder:default=20000
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=2000000000
	StaticRateLimit int64 `json:"staticRateLimit,omitempty"`
}

// Bastion is a small instance reached through SSM Session Manager only.
type Bastion struct {
	// Enabled composes the bastion.
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`
	// InstanceType of the bastion, ARM (Graviton).
	// +kubebuilder:default="t4g.nano"
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9]*g[a-z]*\.[a-z0-9]+$`
	InstanceType string `json:"instanceType,omitempty"`
	// SSMEndpoints puts SSM's interface endpoints (ssm, ssmmessages,
	// ec2messages) in every zone, so that the SSM agents of the bastion
	// and the MongoDB members reach SSM without the NAT gateway. Without
	// them the agents reach SSM's public endpoints over HTTPS through the
	// NAT gateway, which costs about $66 a month less; nothing becomes
	// public either way. Default: true with the production profile, false
	// with small.
	// +optional
	SSMEndpoints *bool `json:"ssmEndpoints,omitempty"`
}

// Registry is the platform's ECR repositories.
type Registry struct {
	// Repositories to create, for the Open edX and MFE images that Tutor
	// builds. Each is at most 192 characters: ECR names are
	// <platform>/<repository>, at most 256, and a platform's name may be 63.
	// +kubebuilder:default={"openedx","openedx-mfe"}
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]+([._-][a-z0-9]+)*$`
	// +kubebuilder:validation:items:MaxLength=192
	// +listType=set
	Repositories []string `json:"repositories,omitempty"`
	// UntaggedImagesToKeep bounds how many untagged images each repository
	// keeps; older ones expire.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	UntaggedImagesToKeep int `json:"untaggedImagesToKeep,omitempty"`
}

// XPlatformStatus is what tenants and operators read from a platform.
type XPlatformStatus struct {
	// Region of the platform.
	Region string `json:"region,omitempty"`
	// AvailabilityZones the platform spans, in subnet order.
	AvailabilityZones []string `json:"availabilityZones,omitempty"`
	// CostCenter that tenants inherit unless they set their own.
	CostCenter string `json:"costCenter,omitempty"`
	// ProviderConfigName is the provider-aws ProviderConfig tenants compose
	// their AWS resources with: the platform's own.
	ProviderConfigName string `json:"providerConfigName,omitempty"`
	// Network identifiers, known once AWS has created them.
	Network NetworkStatus `json:"network,omitempty"`
	// Cluster identifiers, known once AWS has created it.
	Cluster ClusterStatus `json:"cluster,omitempty"`
	// Database endpoints.
	Database DatabaseStatus `json:"database,omitempty"`
	// Cache endpoints.
	Cache CacheStatus `json:"cache,omitempty"`
	// MongoDB members.
	MongoDB MongoDBStatus `json:"mongodb,omitempty"`
	// Search endpoint, when enabled.
	Search SearchStatus `json:"search,omitempty"`
	// Edge is what tenants attach to: DNS, certificate, load balancer, WAF,
	// CDN, mail and registry.
	Edge EdgeStatus `json:"edge,omitempty"`
	// AccountID is the AWS account of the platform, for tenants' IAM
	// policies.
	AccountID string `json:"accountId,omitempty"`
	// DataKeyARN is the KMS key that encrypts the data stores and every
	// tenant's buckets and secrets. It outlives the platform, for the data
	// a deleted platform keeps: schedule its deletion once none is needed.
	DataKeyARN string `json:"dataKeyArn,omitempty"`
	// Provisioner is where tenants' database users are created: a
	// namespace of the cluster whose ServiceAccount may read the data
	// stores' admin secrets. Tenants never can.
	Provisioner ProvisionerStatus `json:"provisioner,omitempty"`
	// Tenants the platform has admitted, with what it allocated to each.
	Tenants TenantsStatus `json:"tenants,omitempty"`
	// Cost is the estimated monthly list price of what the platform
	// composes, and the node rates its tenants' shares are priced at.
	Cost *CostStatus `json:"cost,omitempty"`
}

// CostStatus is an estimate of a monthly AWS bill at on-demand list prices,
// from a dated price table in the function. It leaves out data transfer,
// requests and storage that grows with use: see Excluded.
type CostStatus struct {
	// Monthly is the total, in Currency, as a decimal string with two
	// places such as "812.40": the sum of the components' rounded amounts.
	Monthly string `json:"monthly,omitempty"`
	// Currency of every amount, always USD.
	Currency string `json:"currency,omitempty"`
	// Region whose prices are used.
	Region string `json:"region,omitempty"`
	// PriceDate is the day the prices were read from AWS's price pages.
	PriceDate string `json:"priceDate,omitempty"`
	// Components of the total.
	// +listType=map
	// +listMapKey=name
	Components []CostComponent `json:"components,omitempty"`
	// Rates are what one vCPU and one GiB of memory requested by a pod
	// cost on the cluster's Auto Mode nodes, management fee included.
	// Set on platforms only; tenants price their pods with them.
	Rates *NodeRates `json:"rates,omitempty"`
	// Excluded says what the estimate leaves out.
	Excluded string `json:"excluded,omitempty"`
}

// CostComponent is one priced part of an estimate.
type CostComponent struct {
	// Name of the component, such as eks or nat-gateways.
	Name string `json:"name"`
	// Monthly is its price, as a decimal string with two places.
	Monthly string `json:"monthly"`
	// Detail says what is counted, such as "3 x r7g.large".
	Detail string `json:"detail,omitempty"`
}

// NodeRates are per-hour prices of node capacity, as decimal strings with
// six places.
type NodeRates struct {
	VCPUHour string `json:"vcpuHour"`
	GiBHour  string `json:"gibHour"`
}

// ProvisionerStatus is where tenants' provisioning Jobs run.
type ProvisionerStatus struct {
	Namespace          string `json:"namespace,omitempty"`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// Ready is true once the ServiceAccount is bound to its IAM role.
	Ready bool `json:"ready,omitempty"`
}

// TenantsStatus is the platform's ledger of its tenants. The platform is its
// only writer, so two tenants never get the same Redis databases, however
// many are created at once.
type TenantsStatus struct {
	// Allocations, one per admitted tenant, sorted by instance. An
	// allocation is kept for as long as its tenant exists.
	// +listType=map
	// +listMapKey=instance
	Allocations []TenantAllocation `json:"allocations,omitempty"`
	// Refused lists tenants the platform cannot admit, and why.
	// +listType=map
	// +listMapKey=composite
	Refused []TenantRefusal `json:"refused,omitempty"`
	// Deprovisioning lists deleted tenants whose deletionPolicy was Delete
	// and whose MySQL and MongoDB data the platform is dropping, with a Job
	// of its provisioner. An entry leaves once its Job succeeded, or at
	// once when a tenant of the same instance name appears: a live
	// instance's data is never dropped.
	// +listType=map
	// +listMapKey=instance
	Deprovisioning []TenantDeprovisioning `json:"deprovisioning,omitempty"`
}

// TenantAllocation is what one tenant was given.
type TenantAllocation struct {
	// Instance is the tenant's spec.instanceName.
	Instance string `json:"instance"`
	// Composite is the XOpenEdxTenant's name.
	Composite string `json:"composite"`
	// CeleryDatabase is Tutor's OPENEDX_CELERY_REDIS_DB.
	CeleryDatabase int32 `json:"celeryDatabase"`
	// CacheDatabase is Tutor's OPENEDX_CACHE_REDIS_DB.
	CacheDatabase int32 `json:"cacheDatabase"`
	// DeletionPolicy is the tenant's spec.deletionPolicy, recorded on every
	// reconcile while it exists: once it is gone, Delete has its MySQL and
	// MongoDB data dropped. Empty means Orphan.
	// +optional
	DeletionPolicy DataDeletionPolicy `json:"deletionPolicy,omitempty"`
}

// TenantDeprovisioning is a deleted tenant whose data is being dropped, and
// what is dropped. The names derive from the instance name alone, as the
// tenant derived them when it created them.
type TenantDeprovisioning struct {
	// Instance is the deleted tenant's spec.instanceName.
	Instance string `json:"instance"`
	// Composite was the XOpenEdxTenant's name.
	Composite string `json:"composite"`
	// MySQLDatabase and MySQLUser are dropped from the Aurora cluster.
	MySQLDatabase string `json:"mysqlDatabase"`
	MySQLUser     string `json:"mysqlUser"`
	// MongoDBUser is dropped from the admin database, and MongoDBDatabase
	// and ForumDatabase from the replica set.
	MongoDBUser     string `json:"mongodbUser"`
	MongoDBDatabase string `json:"mongodbDatabase"`
	ForumDatabase   string `json:"forumDatabase"`
}

// TenantRefusal says why a tenant is not admitted.
type TenantRefusal struct {
	// Composite is the XOpenEdxTenant's name.
	Composite string `json:"composite"`
	// Reason is an actionable message naming the field to change.
	Reason string `json:"reason"`
}

// EdgeStatus is what tenants need from the platform's edge.
type EdgeStatus struct {
	Domain         string `json:"domain,omitempty"`
	HostedZoneID   string `json:"hostedZoneId,omitempty"`
	CertificateARN string `json:"certificateArn,omitempty"`
	// IngressClassName tenants' Ingresses use to join the shared ALB.
	IngressClassName string `json:"ingressClassName,omitempty"`
	WebACLARN        string `json:"webAclArn,omitempty"`
	// StaticDomain is the CloudFront domain of static assets.
	StaticDomain string `json:"staticDomain,omitempty"`
	// StaticDistributionID is the CloudFront distribution tenants add their
	// static origins to.
	StaticDistributionID string `json:"staticDistributionId,omitempty"`
	// StaticBucket holds every tenant's static assets, one prefix each.
	StaticBucket string `json:"staticBucket,omitempty"`
	// LoadBalancerHostname is the shared ALB's DNS name, which tenants'
	// records alias.
	LoadBalancerHostname string `json:"loadBalancerHostname,omitempty"`
	// NameServers of the hosted zone, to delegate the domain to.
	NameServers []string `json:"nameServers,omitempty"`
	// MailFrom is the domain tenants send mail as, and SendingPolicyARN the
	// IAM policy their roles are given to send it.
	MailFrom         string `json:"mailFrom,omitempty"`
	SendingPolicyARN string `json:"sendingPolicyArn,omitempty"`
	// SMTPHost is the SES SMTP interface of the platform's region, and
	// SMTPPort where it takes mail with STARTTLS: what tenants' SMTP users
	// submit to.
	SMTPHost string `json:"smtpHost,omitempty"`
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	SMTPPort int `json:"smtpPort,omitempty"`
	// Repositories are the ECR repository URLs by name.
	Repositories map[string]string `json:"repositories,omitempty"`
	// BastionInstanceID is the SSM Session Manager target.
	BastionInstanceID string `json:"bastionInstanceId,omitempty"`
}

// DatabaseStatus is how tenants reach the Aurora cluster. Credentials are
// never here: only the ARN of the secret that holds them.
type DatabaseStatus struct {
	WriterEndpoint string `json:"writerEndpoint,omitempty"`
	ReaderEndpoint string `json:"readerEndpoint,omitempty"`
	// Port is a TCP port, so that tenants can take it as it is.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int `json:"port,omitempty"`
	// AdminSecretARN is the RDS-managed secret of the master user.
	AdminSecretARN string `json:"adminSecretArn,omitempty"`
}

// CacheStatus is how tenants reach the cache.
type CacheStatus struct {
	PrimaryEndpoint string `json:"primaryEndpoint,omitempty"`
	ReaderEndpoint  string `json:"readerEndpoint,omitempty"`
	// Port is a TCP port, so that tenants can take it as it is.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int `json:"port,omitempty"`
	// Databases is the number of database indexes, two per tenant.
	Databases int `json:"databases,omitempty"`
	// TLS is true: clients must connect with rediss://.
	TLS bool `json:"tls,omitempty"`
	// AuthSecretARN is the secret holding the AUTH token.
	AuthSecretARN string `json:"authSecretArn,omitempty"`
}

// MongoDBStatus is how tenants reach MongoDB.
type MongoDBStatus struct {
	// Hosts of the members, host:port, in zone order.
	Hosts      []string `json:"hosts,omitempty"`
	ReplicaSet string   `json:"replicaSet,omitempty"`
	// AdminSecretARN is the secret of the admin user.
	AdminSecretARN string `json:"adminSecretArn,omitempty"`
	// External is true when the platform does not manage the replica set.
	External bool `json:"external,omitempty"`
	// TLS is true when clients must connect with TLS: always, as the
	// platform's own members speak TLS only, and MongoDB Atlas too.
	TLS bool `json:"tls,omitempty"`
	// CASecretARN is the Secrets Manager secret holding the PEM certificate
	// of the CA that issued the platform's own members' certificates, which
	// clients must verify them with. Empty for an external replica set,
	// whose certificates chain to a public CA.
	CASecretARN string `json:"caSecretArn,omitempty"`
}

// SearchStatus is how tenants reach OpenSearch.
type SearchStatus struct {
	Endpoint string `json:"endpoint,omitempty"`
}

// NetworkStatus lists the VPC and subnet ids.
type NetworkStatus struct {
	// VPCCIDR is the VPC's IPv4 block, which holds the load balancer, the
	// nodes, the pods and the data stores; immutable.
	VPCCIDR             string   `json:"vpcCidr,omitempty"`
	VPCID               string   `json:"vpcId,omitempty"`
	PublicSubnetIDs     []string `json:"publicSubnetIds,omitempty"`
	PrivateAppSubnetIDs []string `json:"privateAppSubnetIds,omitempty"`
	PrivateDBSubnetIDs  []string `json:"privateDbSubnetIds,omitempty"`
}

// ClusterStatus describes the platform's EKS cluster.
type ClusterStatus struct {
	Name     string `json:"name,omitempty"`
	ARN      string `json:"arn,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	Version  string `json:"version,omitempty"`
	// OIDCIssuer of the cluster, for IAM roles of service accounts.
	OIDCIssuer string `json:"oidcIssuer,omitempty"`
	// ProviderConfigName is the provider-kubernetes ProviderConfig that
	// targets this cluster; tenants compose their in-cluster objects with it.
	ProviderConfigName string `json:"providerConfigName,omitempty"`
	// Ready is true once the cluster is active and reachable by
	// provider-kubernetes.
	Ready bool `json:"ready,omitempty"`
	// SpotNodePool is the NodePool the tenants' stateless pods may run on,
	// published once it exists in the cluster; absent without one.
	SpotNodePool *SpotNodePoolStatus `json:"spotNodePool,omitempty"`
}

// SpotNodePoolStatus is what a pod needs to run on the spot NodePool: a
// node selector on its name and a toleration of its taint.
type SpotNodePoolStatus struct {
	// Name of the NodePool, the value of its nodes' karpenter.sh/nodepool
	// label.
	Name string `json:"name"`
	// TaintKey, TaintValue and TaintEffect are its nodes' taint.
	TaintKey    string `json:"taintKey"`
	TaintValue  string `json:"taintValue"`
	TaintEffect string `json:"taintEffect"`
}

// XPlatform is the shared AWS infrastructure for many Open edX instances: a
// VPC over three availability zones and an EKS cluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories={crossplane,composition,openedx}
// +kubebuilder:printcolumn:name="REGION",type="string",JSONPath=".spec.region"
// +kubebuilder:printcolumn:name="PROFILE",type="string",JSONPath=".spec.profile"
// +kubebuilder:printcolumn:name="CLUSTER",type="string",JSONPath=".status.cluster.name"
// +kubebuilder:printcolumn:name="USD/MONTH",type="string",JSONPath=".status.cost.monthly"
type XPlatform struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XPlatformSpec   `json:"spec"`
	Status XPlatformStatus `json:"status,omitempty"`
}
