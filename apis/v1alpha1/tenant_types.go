package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// XOpenEdxTenantSpec is one Open edX instance on a platform.
//
// The quota must hold every pod at the autoscalers' maximums, with the pod
// sizes of functions/tenant/capacity.go (checked by its tests); the
// function refuses the same specs.
// +kubebuilder:validation:XValidation:rule="!(has(self.resources) && has(self.resources.quota) && has(self.resources.quota.requestsCpu) && isQuantity(self.resources.quota.requestsCpu) && has(self.autoscaling) && has(self.autoscaling.lms) && has(self.autoscaling.lms.maxReplicas) && has(self.autoscaling.cms) && has(self.autoscaling.cms.maxReplicas) && has(self.autoscaling.lmsWorker) && has(self.autoscaling.lmsWorker.maxReplicas) && has(self.autoscaling.cmsWorker) && has(self.autoscaling.cmsWorker.maxReplicas)) || quantity(self.resources.quota.requestsCpu).asApproximateFloat() >= double(500 * (self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas) + 250 * (self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas) + 1060) / 1000.0",message="resources.quota.requestsCpu is below the CPU requests at the autoscalers' maximums: 500m per lms/cms pod, 250m per worker, 1060m for caddy, the MFE, Meilisearch, the configuration sync and a Tutor Job; raise it or lower maxReplicas",fieldPath=".resources.quota.requestsCpu"
// +kubebuilder:validation:XValidation:rule="!(has(self.resources) && has(self.resources.quota) && has(self.resources.quota.requestsMemory) && isQuantity(self.resources.quota.requestsMemory) && has(self.autoscaling) && has(self.autoscaling.lms) && has(self.autoscaling.lms.maxReplicas) && has(self.autoscaling.cms) && has(self.autoscaling.cms.maxReplicas) && has(self.autoscaling.lmsWorker) && has(self.autoscaling.lmsWorker.maxReplicas) && has(self.autoscaling.cmsWorker) && has(self.autoscaling.cmsWorker.maxReplicas)) || quantity(self.resources.quota.requestsMemory).asApproximateFloat() >= double(2048 * (self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas) + 1024 * (self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas) + 2960) * 1048576.0",message="resources.quota.requestsMemory is below the memory requests at the autoscalers' maximums: 2Gi per lms/cms pod, 1Gi per worker, 2960Mi for caddy, the MFE, Meilisearch, the configuration sync and a Tutor Job; raise it or lower maxReplicas",fieldPath=".resources.quota.requestsMemory"
// +kubebuilder:validation:XValidation:rule="!(has(self.resources) && has(self.resources.quota) && has(self.resources.quota.limitsMemory) && isQuantity(self.resources.quota.limitsMemory) && has(self.autoscaling) && has(self.autoscaling.lms) && has(self.autoscaling.lms.maxReplicas) && has(self.autoscaling.cms) && has(self.autoscaling.cms.maxReplicas) && has(self.autoscaling.lmsWorker) && has(self.autoscaling.lmsWorker.maxReplicas) && has(self.autoscaling.cmsWorker) && has(self.autoscaling.cmsWorker.maxReplicas)) || quantity(self.resources.quota.limitsMemory).asApproximateFloat() >= double(3072 * (self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas) + 2048 * (self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas) + 4896) * 1048576.0",message="resources.quota.limitsMemory is below the memory limits at the autoscalers' maximums: 3Gi per lms/cms pod, 2Gi per worker, 4896Mi for caddy, the MFE, Meilisearch, the configuration sync and a Tutor Job; raise it or lower maxReplicas",fieldPath=".resources.quota.limitsMemory"
// +kubebuilder:validation:XValidation:rule="!(has(self.resources) && has(self.resources.quota) && has(self.resources.quota.pods) && has(self.autoscaling) && has(self.autoscaling.lms) && has(self.autoscaling.lms.maxReplicas) && has(self.autoscaling.cms) && has(self.autoscaling.cms.maxReplicas) && has(self.autoscaling.lmsWorker) && has(self.autoscaling.lmsWorker.maxReplicas) && has(self.autoscaling.cmsWorker) && has(self.autoscaling.cmsWorker.maxReplicas)) || self.resources.quota.pods >= self.autoscaling.lms.maxReplicas + self.autoscaling.cms.maxReplicas + self.autoscaling.lmsWorker.maxReplicas + self.autoscaling.cmsWorker.maxReplicas + 6",message="resources.quota.pods is below the pods at the autoscalers' maximums, with caddy's two, the MFE, Meilisearch, the configuration sync and a Tutor Job; raise it or lower maxReplicas",fieldPath=".resources.quota.pods"
// +kubebuilder:validation:XValidation:rule="!has(self.cmsHost) || self.cmsHost != self.lmsHost",message="cmsHost must differ from lmsHost",fieldPath=".cmsHost"
// +kubebuilder:validation:XValidation:rule="!has(self.mfeHost) || (self.mfeHost != self.lmsHost && (!has(self.cmsHost) || self.mfeHost != self.cmsHost))",message="mfeHost must differ from lmsHost and cmsHost"
// +kubebuilder:validation:XValidation:rule="!has(self.cmsHost) || self.cmsHost != 'meilisearch.' + self.lmsHost",message="cmsHost must differ from meilisearch.<lmsHost>, which Tutor serves Meilisearch on",fieldPath=".cmsHost"
// +kubebuilder:validation:XValidation:rule="!has(self.mfeHost) || self.mfeHost != 'meilisearch.' + self.lmsHost",message="mfeHost must differ from meilisearch.<lmsHost>, which Tutor serves Meilisearch on",fieldPath=".mfeHost"
// +kubebuilder:validation:XValidation:rule="has(self.mfeHost) || !has(self.cmsHost) || self.cmsHost != 'apps.' + self.lmsHost",message="cmsHost must differ from apps.<lmsHost>, the micro-frontends' default host: set mfeHost too, or choose another cmsHost",fieldPath=".cmsHost"
// +kubebuilder:validation:XValidation:rule="has(self.cmsHost) || !has(self.mfeHost) || self.mfeHost != 'studio.' + self.lmsHost",message="mfeHost must differ from studio.<lmsHost>, Studio's default host: set cmsHost too, or choose another mfeHost",fieldPath=".mfeHost"
// +kubebuilder:validation:XValidation:rule="!has(self.mfeHost) || self.mfeHost.endsWith('.' + self.lmsHost)",fieldPath=".mfeHost",message="mfeHost must be a subdomain of lmsHost, such as apps.<lmsHost>: the micro-frontends need the LMS's session cookie, which Tutor sets for lmsHost and its subdomains only"
type XOpenEdxTenantSpec struct {
	// PlatformRef names the Platform this instance runs on.
	PlatformRef PlatformReference `json:"platformRef"`

	// InstanceName identifies the instance on its platform. It names the
	// namespace (openedx-<instanceName>) and, later, the databases and buckets,
	// so it is a short DNS label and cannot change.
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=30
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="instanceName is immutable"
	// +kubebuilder:validation:XValidation:rule="!(self in ['edge', 'system'])",message="instanceName is reserved: openedx-edge and openedx-system are the platform's own namespaces"
	InstanceName string `json:"instanceName"`

	// LMSHost is the learners' host name, Tutor's LMS_HOST. At most 52
	// characters: Tutor serves Meilisearch on meilisearch.<lmsHost>, and
	// any host of the instance may be the first name of its certificate,
	// which ACM limits to 64.
	// +kubebuilder:validation:MaxLength=52
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`
	LMSHost string `json:"lmsHost"`

	// CMSHost is Studio's host name, Tutor's CMS_HOST. Defaults to
	// studio.<lmsHost>, as in Tutor. At most 64 characters: it may be the
	// first name of the instance's certificate, which ACM limits to 64.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`
	CMSHost string `json:"cmsHost,omitempty"`

	// MFEHost serves the micro-frontends, tutor-mfe's MFE_HOST. Defaults to
	// apps.<lmsHost>, as in tutor-mfe. It must be a subdomain of lmsHost:
	// Tutor sets the session cookie's domain to lmsHost, and a browser sends
	// it to lmsHost's subdomains only, so MFEs elsewhere loop at login. At
	// most 64 characters: it may be the first name of the instance's
	// certificate, which ACM limits to 64.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`
	MFEHost string `json:"mfeHost,omitempty"`

	// CostCenter tags the instance's resources. Defaults to the platform's.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`
	CostCenter string `json:"costCenter,omitempty"`

	// Resources bounds what the instance may use on the shared cluster.
	// +kubebuilder:default={}
	Resources TenantResources `json:"resources,omitempty"`

	// Autoscaling bounds the HorizontalPodAutoscalers of Tutor's web and
	// worker Deployments. resources.quota must hold every pod at these
	// maximums, or the instance is refused: raise it with maxReplicas.
	// +kubebuilder:default={}
	Autoscaling TenantAutoscaling `json:"autoscaling,omitempty"`

	// Redis pins the instance's two database indexes on the platform's
	// cache. Leave it empty and the platform allocates a free pair. Either
	// pair is kept for the life of the instance: a pin added or changed
	// after admission must name that pair, or the platform refuses it.
	// +optional
	Redis *TenantRedis `json:"redis,omitempty"`

	// DeletionPolicy decides what deleting the instance does to its data.
	// Orphan, the default, keeps the buckets, the Secrets Manager secret
	// and the MySQL and MongoDB databases, so that a mistaken delete loses
	// nothing; Delete removes the buckets, their objects and the secret,
	// and once the instance is gone the platform drops its MySQL database
	// and user and its MongoDB user and databases (status.tenants of the
	// platform), unless an instance of the same name exists by then.
	// +kubebuilder:default=Orphan
	DeletionPolicy DataDeletionPolicy `json:"deletionPolicy,omitempty"`

	// StaticAssets says where browsers get the instance's static files.
	// +kubebuilder:default={}
	StaticAssets TenantStaticAssets `json:"staticAssets,omitempty"`
}

// TenantStaticAssets says where browsers get the instance's CSS,
// JavaScript and images.
type TenantStaticAssets struct {
	// ServedFrom is Pods, as Tutor does it: lms and cms serve them. CDN
	// serves them from the platform's CloudFront, at the instance's prefix
	// of its static bucket: set it once the files are uploaded there (see
	// the README), since pages then ask the CDN for them. It is written
	// into the instance's Tutor configuration Secret, so that every
	// operator's Tutor gets it. A platform without a DNS domain has no
	// CDN: the pods serve them then, and the function warns.
	// +kubebuilder:default=Pods
	ServedFrom StaticAssetsSource `json:"servedFrom,omitempty"`
}

// StaticAssetsSource is what serves an instance's static files.
// +kubebuilder:validation:Enum=Pods;CDN
type StaticAssetsSource string

// Sources of static files.
const (
	StaticAssetsFromPods StaticAssetsSource = "Pods"
	StaticAssetsFromCDN  StaticAssetsSource = "CDN"
)

// DataDeletionPolicy is what happens to an instance's data when it is
// deleted.
// +kubebuilder:validation:Enum=Orphan;Delete
type DataDeletionPolicy string

// Data deletion policies.
const (
	DataDeletionOrphan DataDeletionPolicy = "Orphan"
	DataDeletionDelete DataDeletionPolicy = "Delete"
)

// TenantRedis pins Tutor's two Redis database indexes. Two instances on one
// platform never share one: the platform refuses a pin that is taken.
// A pin may be corrected until the platform admits the instance; after,
// one that names other databases than the instance has is refused (moving
// them would lose its cache and queued tasks), and the instance keeps its
// own.
//
// +kubebuilder:validation:XValidation:rule="self.celeryDatabase != self.cacheDatabase",message="celeryDatabase and cacheDatabase must differ",fieldPath=".cacheDatabase"
type TenantRedis struct {
	// CeleryDatabase is Tutor's OPENEDX_CELERY_REDIS_DB, the Celery broker.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1999
	CeleryDatabase int32 `json:"celeryDatabase"`
	// CacheDatabase is Tutor's OPENEDX_CACHE_REDIS_DB, every Django cache.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1999
	CacheDatabase int32 `json:"cacheDatabase"`
}

// TenantAutoscaling has one HorizontalPodAutoscaler per Deployment that
// carries load. Each is named <deployment>-hpa, as the Tutor pod-autoscaling
// plugin names them; do not enable that plugin as well. Every web Deployment
// also has a PodDisruptionBudget of one pod at a time. Spreading pods over
// zones and nodes is set on Tutor's Deployments by a Tutor patch, not here.
type TenantAutoscaling struct {
	// LMS scales Deployment lms, which serves learners.
	// +kubebuilder:default={}
	LMS WebAutoscaler `json:"lms,omitempty"`
	// CMS scales Deployment cms, which serves Studio.
	// +kubebuilder:default={}
	CMS WebAutoscaler `json:"cms,omitempty"`
	// LMSWorker scales Deployment lms-worker, the LMS's Celery workers.
	// +kubebuilder:default={}
	LMSWorker WorkerAutoscaler `json:"lmsWorker,omitempty"`
	// CMSWorker scales Deployment cms-worker, Studio's Celery workers.
	// +kubebuilder:default={}
	CMSWorker WorkerAutoscaler `json:"cmsWorker,omitempty"`
}

// WebAutoscaler scales a Deployment that serves users. Keep at least two
// replicas in production: with one, a node drain or the loss of a zone
// takes the site down until the pod is rescheduled.
//
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",message="minReplicas must not exceed maxReplicas"
type WebAutoscaler struct {
	// MinReplicas is the fewest pods, kept even when idle.
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	MinReplicas int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the most pods.
	// +kubebuilder:default=6
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	MaxReplicas int32 `json:"maxReplicas,omitempty"`
	// TargetCPUUtilizationPercentage is the average CPU use, as a percentage
	// of the pods' CPU requests, that the autoscaler keeps.
	// +kubebuilder:default=70
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=100
	TargetCPUUtilizationPercentage int32 `json:"targetCpuUtilizationPercentage,omitempty"`
}

// WorkerAutoscaler scales Celery workers, which users do not wait on
// directly: one replica is enough when idle.
//
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",message="minReplicas must not exceed maxReplicas"
type WorkerAutoscaler struct {
	// MinReplicas is the fewest pods, kept even when idle.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	MinReplicas int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the most pods.
	// +kubebuilder:default=6
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	MaxReplicas int32 `json:"maxReplicas,omitempty"`
	// TargetCPUUtilizationPercentage is the average CPU use, as a percentage
	// of the pods' CPU requests, that the autoscaler keeps.
	// +kubebuilder:default=70
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=100
	TargetCPUUtilizationPercentage int32 `json:"targetCpuUtilizationPercentage,omitempty"`
}

// PlatformReference points at a Platform claim by name and namespace, or at
// an XPlatform by name when the namespace is empty.
//
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="platformRef is immutable: an instance cannot move between platforms"
type PlatformReference struct {
	// Name of the Platform claim, or of the XPlatform.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Namespace of the Platform claim. Leave it empty to name an XPlatform
	// that was created without a claim.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
}

// TenantResources size the instance's namespace. Quantities use Kubernetes
// notation ("500m", "4Gi").
type TenantResources struct {
	// Quota is the namespace's ResourceQuota.
	// +kubebuilder:default={}
	Quota TenantQuota `json:"quota,omitempty"`
	// ContainerDefaults is the namespace's LimitRange, applied to containers
	// that declare no requests or limits (most of Tutor's).
	// +kubebuilder:default={}
	ContainerDefaults ContainerDefaults `json:"containerDefaults,omitempty"`
}

// TenantQuota caps the namespace. It must hold every pod at the
// autoscalers' maximums (lms and cms 500m/2Gi, limit 3Gi; workers
// 250m/1Gi, limit 2Gi; two caddy, the MFE, Meilisearch, the configuration
// sync and one Tutor Job):
// the function refuses a smaller one, naming the field. The defaults fit
// the default maximums of 6.
//
// +kubebuilder:validation:XValidation:rule="!has(self.requestsMemory) || !has(self.limitsMemory) || quantity(self.requestsMemory).compareTo(quantity(self.limitsMemory)) <= 0",message="requestsMemory must not exceed limitsMemory",fieldPath=".requestsMemory"
type TenantQuota struct {
	// RequestsCPU is the sum of CPU requests allowed.
	// +kubebuilder:default="12"
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",message="requestsCpu must be a positive quantity such as 8 or 8000m"
	// +kubebuilder:validation:MaxLength=32
	RequestsCPU string `json:"requestsCpu,omitempty"`
	// RequestsMemory is the sum of memory requests allowed.
	// +kubebuilder:default="40Gi"
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",message="requestsMemory must be a positive quantity such as 24Gi"
	// +kubebuilder:validation:MaxLength=32
	RequestsMemory string `json:"requestsMemory,omitempty"`
	// LimitsMemory is the sum of memory limits allowed. CPU is not limited,
	// so that pods may burst instead of being throttled.
	// +kubebuilder:default="72Gi"
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",message="limitsMemory must be a positive quantity such as 48Gi"
	// +kubebuilder:validation:MaxLength=32
	LimitsMemory string `json:"limitsMemory,omitempty"`
	// Pods is the number of pods allowed.
	// +kubebuilder:default=60
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=1000
	Pods int64 `json:"pods,omitempty"`
	// PersistentVolumeClaims is the number of volume claims allowed.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	PersistentVolumeClaims *int64 `json:"persistentVolumeClaims,omitempty"`
}

// ContainerDefaults are the LimitRange's per-container defaults.
//
// +kubebuilder:validation:XValidation:rule="!has(self.memoryRequest) || !has(self.memoryLimit) || quantity(self.memoryRequest).compareTo(quantity(self.memoryLimit)) <= 0",message="memoryRequest must not exceed memoryLimit"
type ContainerDefaults struct {
	// CPURequest for a container that declares none.
	// +kubebuilder:default="100m"
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",message="cpuRequest must be a positive quantity such as 100m"
	// +kubebuilder:validation:MaxLength=32
	CPURequest string `json:"cpuRequest,omitempty"`
	// MemoryRequest for a container that declares none.
	// +kubebuilder:default="256Mi"
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",message="memoryRequest must be a positive quantity such as 256Mi"
	// +kubebuilder:validation:MaxLength=32
	MemoryRequest string `json:"memoryRequest,omitempty"`
	// MemoryLimit for a container that declares none. Keep it at or above
	// 2Gi: Tutor's lms and cms request 2Gi without a limit, and a default
	// limit below a request makes the pod invalid.
	// +kubebuilder:default="3Gi"
	// +kubebuilder:validation:XValidation:rule="isQuantity(self) && quantity(self).compareTo(quantity('2Gi')) >= 0",message="memoryLimit must be at least 2Gi, the memory Tutor's lms and cms request"
	// +kubebuilder:validation:MaxLength=32
	MemoryLimit string `json:"memoryLimit,omitempty"`
}

// XOpenEdxTenantStatus is what the instance's operators read.
type XOpenEdxTenantStatus struct {
	// Platform is the XPlatform the instance runs on.
	Platform string `json:"platform,omitempty"`
	// Namespace of the instance in the platform's cluster, Tutor's
	// K8S_NAMESPACE.
	Namespace string `json:"namespace,omitempty"`
	// LMSURL is the learners' URL.
	LMSURL string `json:"lmsUrl,omitempty"`
	// StudioURL is the course authors' URL.
	StudioURL string `json:"studioUrl,omitempty"`
	// MFEURL serves the micro-frontends, tutor-mfe's MFE_HOST.
	MFEURL string `json:"mfeUrl,omitempty"`
	// ServiceAccountName is the ServiceAccount Tutor's pods should run as,
	// through a Tutor patch: its AWS role is bound to it.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// RoleARN is the instance's IAM role, bound to the ServiceAccount
	// through EKS Pod Identity.
	RoleARN string `json:"roleArn,omitempty"`
	// ConfigSecretName is the Kubernetes Secret in the namespace that holds
	// the instance's Tutor configuration, under Tutor's own key names.
	ConfigSecretName string `json:"configSecretName,omitempty"`
	// SecretID is the Secrets Manager secret that Secret is delivered from.
	SecretID string `json:"secretId,omitempty"`
	// Buckets of the instance.
	Buckets TenantBuckets `json:"buckets,omitempty"`
	// Databases of the instance on the platform's data stores.
	Databases TenantDatabases `json:"databases,omitempty"`
	// Provisioned is true once the instance's database users exist and its
	// configuration is in Secrets Manager.
	Provisioned bool `json:"provisioned,omitempty"`
	// Cost is the instance's share of the monthly list price: its pods'
	// requests at their autoscalers' minimums priced at the platform's node
	// rates, and what it composes in AWS that has a fixed monthly price.
	Cost *CostStatus `json:"cost,omitempty"`
}

// TenantBuckets are the instance's S3 storage.
type TenantBuckets struct {
	// Storage holds uploads, exports, grades and ORA2 files.
	Storage string `json:"storage,omitempty"`
	// Static is the prefix, in the platform's static bucket, that holds
	// the instance's static assets, served by the platform's CloudFront.
	Static string `json:"static,omitempty"`
}

// TenantDatabases names the instance's databases.
type TenantDatabases struct {
	// MySQL is Tutor's OPENEDX_MYSQL_DATABASE.
	MySQL string `json:"mysql,omitempty"`
	// MongoDB is Tutor's MONGODB_DATABASE.
	MongoDB string `json:"mongodb,omitempty"`
	// Forum is tutor-forum's FORUM_MONGODB_DATABASE.
	Forum string `json:"forum,omitempty"`
	// RedisCeleryDatabase is Tutor's OPENEDX_CELERY_REDIS_DB.
	RedisCeleryDatabase *int32 `json:"redisCeleryDatabase,omitempty"`
	// RedisCacheDatabase is Tutor's OPENEDX_CACHE_REDIS_DB.
	RedisCacheDatabase *int32 `json:"redisCacheDatabase,omitempty"`
}

// XOpenEdxTenant is one Open edX instance on a platform: its namespace in the
// shared cluster, sized and isolated.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories={crossplane,composition,openedx}
// +kubebuilder:printcolumn:name="INSTANCE",type="string",JSONPath=".spec.instanceName"
// +kubebuilder:printcolumn:name="LMS",type="string",JSONPath=".status.lmsUrl"
// +kubebuilder:printcolumn:name="STUDIO",type="string",JSONPath=".status.studioUrl"
// +kubebuilder:printcolumn:name="MFE",type="string",JSONPath=".status.mfeUrl",priority=1
// +kubebuilder:printcolumn:name="USD/MONTH",type="string",JSONPath=".status.cost.monthly"
type XOpenEdxTenant struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XOpenEdxTenantSpec   `json:"spec"`
	Status XOpenEdxTenantStatus `json:"status,omitempty"`
}
