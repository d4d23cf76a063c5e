package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

const taggedVPC = `
apiVersion: ec2.aws.upbound.io/v1beta1
kind: VPC
metadata: {annotations: {crossplane.io/composition-resource-name: vpc}}
spec:
  forProvider:
    tags: {cost-center: cc, platform: prod, managed-by: crossplane}
`

const goodCluster = `
apiVersion: eks.aws.upbound.io/v1beta1
kind: Cluster
metadata: {annotations: {crossplane.io/composition-resource-name: eks-cluster}}
spec:
  forProvider:
    tags: {cost-center: cc, platform: prod, managed-by: crossplane}
    encryptionConfig: [{provider: [{keyArn: "arn:aws:kms:eu-west-1:123456789012:key/k"}], resources: [secrets]}]
    enabledClusterLogTypes: [api, audit, authenticator, controllerManager, scheduler]
    vpcConfig: [{endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: [203.0.113.10/32]}]
    upgradePolicy: [{supportType: STANDARD}]
`

func namespaceObject(labels string) string {
	return `
apiVersion: kubernetes.crossplane.io/v1alpha2
kind: Object
spec:
  forProvider:
    manifest:
      apiVersion: v1
      kind: Namespace
      metadata: {name: openedx-demo, labels: ` + labels + `}
`
}

func quotaObject(lbs string) string {
	return `
apiVersion: kubernetes.crossplane.io/v1alpha2
kind: Object
spec:
  forProvider:
    manifest:
      apiVersion: v1
      kind: ResourceQuota
      spec: {hard: {pods: "60", services.loadbalancers: "` + lbs + `"}}
`
}

func storageClassObject(params string) string {
	return `
apiVersion: kubernetes.crossplane.io/v1alpha2
kind: Object
spec:
  forProvider:
    manifest:
      apiVersion: storage.k8s.io/v1
      kind: StorageClass
      provisioner: ebs.csi.eks.amazonaws.com
      parameters: ` + params + `
`
}

const goodAurora = `
apiVersion: rds.aws.upbound.io/v1beta1
kind: Cluster
spec:
  forProvider:
    tags: {cost-center: c, platform: p, managed-by: m}
    storageEncrypted: true
    kmsKeyIdSelector: {matchControllerRef: true}
    deletionProtection: true
    backupRetentionPeriod: 7
    manageMasterUserPassword: true
`

const goodCache = `
apiVersion: elasticache.aws.upbound.io/v1beta2
kind: ReplicationGroup
spec:
  forProvider:
    tags: {cost-center: c, platform: p, managed-by: m}
    atRestEncryptionEnabled: "true"
    kmsKeyIdSelector: {matchControllerRef: true}
    transitEncryptionEnabled: true
    transitEncryptionMode: required
    authTokenSecretRef: {name: a, namespace: b, key: token}
`

const goodDomain = `
apiVersion: opensearch.aws.upbound.io/v1beta1
kind: Domain
spec:
  forProvider:
    tags: {cost-center: c, platform: p, managed-by: m}
    encryptAtRest: [{enabled: true}]
    nodeToNodeEncryption: [{enabled: true}]
    domainEndpointOptions: [{enforceHttps: true, tlsSecurityPolicy: Policy-Min-TLS-1-2-PFS-2023-10}]
    advancedSecurityOptions: [{enabled: true, anonymousAuthEnabled: false}]
    vpcOptions: [{subnetIdSelector: {matchLabels: {platform.openedx.cloud/tier: private-db}}}]
    logPublishingOptions: [{logType: AUDIT_LOGS, enabled: true, cloudwatchLogGroupArnSelector: {matchLabels: {platform.openedx.cloud/role: search-audit-logs}}}]
`

const goodLaunchTemplate = `
apiVersion: ec2.aws.upbound.io/v1beta1
kind: LaunchTemplate
spec:
  forProvider:
    tags: {cost-center: c, platform: p, managed-by: m}
    metadataOptions: [{httpTokens: required, httpPutResponseHopLimit: 1}]
    blockDeviceMappings: [{deviceName: /dev/xvda, ebs: [{encrypted: "true"}]}]
`

func TestRules(t *testing.T) {
	everythingTaggable := func(*unstructured.Unstructured) bool { return true }
	cases := map[string]struct {
		reason string
		obj    string
		// want is a substring of an expected failure, or "" for none.
		want string
	}{
		"TaggedVPCPasses":                {reason: "A VPC with every cost tag passes.", obj: taggedVPC},
		"UntaggedVPCFails":               {reason: "A VPC without cost-center fails.", obj: strings.Replace(taggedVPC, "cost-center: cc, ", "", 1), want: "missing tags cost-center"},
		"PrivateSubnetPasses":            {reason: "mapPublicIpOnLaunch false passes.", obj: `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: Subnet, spec: {forProvider: {mapPublicIpOnLaunch: false, tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"PublicIPSubnetFails":            {reason: "mapPublicIpOnLaunch true fails.", obj: `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: Subnet, spec: {forProvider: {mapPublicIpOnLaunch: true, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "mapPublicIpOnLaunch must be false"},
		"UnsetPublicIPSubnetFails":       {reason: "An unset mapPublicIpOnLaunch is not proof of privacy.", obj: `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: Subnet, spec: {forProvider: {tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "mapPublicIpOnLaunch must be false"},
		"RotatingKeyPasses":              {reason: "A rotating key passes.", obj: `{apiVersion: kms.aws.upbound.io/v1beta1, kind: Key, spec: {forProvider: {enableKeyRotation: true, tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"StaticKeyFails":                 {reason: "A key without rotation fails.", obj: `{apiVersion: kms.aws.upbound.io/v1beta1, kind: Key, spec: {forProvider: {enableKeyRotation: false, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "enableKeyRotation must be true"},
		"GoodClusterPasses":              {reason: "A compliant cluster passes every cluster rule.", obj: goodCluster},
		"UnencryptedClusterFails":        {reason: "A cluster without secrets encryption fails.", obj: strings.Replace(goodCluster, "resources: [secrets]", "resources: []", 1), want: "not encrypted"},
		"MissingAuditLogFails":           {reason: "A cluster without audit logs fails.", obj: strings.Replace(goodCluster, "audit, ", "", 1), want: "log type audit"},
		"OpenEndpointFails":              {reason: "A public endpoint open to 0.0.0.0/0 fails.", obj: strings.Replace(goodCluster, "203.0.113.10/32", "0.0.0.0/0", 1), want: "whole Internet"},
		"BroadEndpointFails":             {reason: "A public endpoint open to a /8 is open to millions of hosts.", obj: strings.Replace(goodCluster, "203.0.113.10/32", "10.0.0.0/8", 1), want: "wider than an IPv4 /16"},
		"NoPrivateEndpointFails":         {reason: "Nodes must reach the API privately.", obj: strings.Replace(goodCluster, "endpointPrivateAccess: true", "endpointPrivateAccess: false", 1), want: "private endpoint is off"},
		"ExtendedSupportFails":           {reason: "Extended support costs six times as much.", obj: strings.Replace(goodCluster, "STANDARD", "EXTENDED", 1), want: "not STANDARD"},
		"ExpiringLogGroupPasses":         {reason: "A log group with retention passes.", obj: `{apiVersion: cloudwatchlogs.aws.upbound.io/v1beta1, kind: Group, spec: {forProvider: {retentionInDays: 90, tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"ForeverLogGroupFails":           {reason: "A log group without retention fails.", obj: `{apiVersion: cloudwatchlogs.aws.upbound.io/v1beta1, kind: Group, spec: {forProvider: {tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "retentionInDays is not set"},
		"BaselineNamespacePasses":        {reason: "A namespace enforcing baseline passes.", obj: namespaceObject(`{pod-security.kubernetes.io/enforce: baseline}`)},
		"PrivilegedNamespaceFails":       {reason: "A namespace enforcing privileged fails.", obj: namespaceObject(`{pod-security.kubernetes.io/enforce: privileged}`), want: `enforce is "privileged"`},
		"UnlabelledNamespaceFails":       {reason: "A namespace without a standard fails.", obj: namespaceObject(`{}`), want: `enforce is ""`},
		"GoodAuroraPasses":               {reason: "A compliant Aurora cluster passes.", obj: goodAurora},
		"UnencryptedAuroraFails":         {reason: "Unencrypted storage fails.", obj: strings.Replace(goodAurora, "storageEncrypted: true", "storageEncrypted: false", 1), want: "storageEncrypted"},
		"UnprotectedAuroraFails":         {reason: "No deletion protection fails.", obj: strings.Replace(goodAurora, "deletionProtection: true", "deletionProtection: false", 1), want: "deletionProtection"},
		"ShortBackupAuroraFails":         {reason: "Backups under 7 days fail.", obj: strings.Replace(goodAurora, "backupRetentionPeriod: 7", "backupRetentionPeriod: 1", 1), want: "under 7 days"},
		"CrossplanePasswordAuroraFails":  {reason: "A password passed through Crossplane fails.", obj: strings.Replace(goodAurora, "manageMasterUserPassword: true", "masterPasswordSecretRef: {name: x, namespace: y, key: z}", 1), want: "managed by RDS"},
		"PublicDBInstanceFails":          {reason: "A publicly accessible instance fails.", obj: `{apiVersion: rds.aws.upbound.io/v1beta1, kind: ClusterInstance, spec: {forProvider: {publiclyAccessible: true, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "publiclyAccessible must be false"},
		"GoodCachePasses":                {reason: "A compliant cache passes.", obj: goodCache},
		"PlaintextCacheFails":            {reason: "Optional TLS fails.", obj: strings.Replace(goodCache, "transitEncryptionMode: required", "transitEncryptionMode: preferred", 1), want: "TLS in transit"},
		"UnencryptedCacheFails":          {reason: "No encryption at rest fails.", obj: strings.Replace(goodCache, `atRestEncryptionEnabled: "true"`, `atRestEncryptionEnabled: "false"`, 1), want: "atRestEncryptionEnabled"},
		"GoodDomainPasses":               {reason: "A compliant domain passes both its rules.", obj: goodDomain},
		"OldTLSDomainFails":              {reason: "TLS 1.0 fails.", obj: strings.Replace(goodDomain, "Policy-Min-TLS-1-2-PFS-2023-10", "Policy-Min-TLS-1-0-2019-07", 1), want: "TLS 1.2"},
		"NoAuditLogDomainFails":          {reason: "A domain without audit logs fails.", obj: strings.Replace(goodDomain, "logType: AUDIT_LOGS", "logType: INDEX_SLOW_LOGS", 1), want: "no enabled AUDIT_LOGS"},
		"DisabledAuditLogDomainFails":    {reason: "Audit log publishing turned off fails.", obj: strings.Replace(goodDomain, "logType: AUDIT_LOGS, enabled: true", "logType: AUDIT_LOGS, enabled: false", 1), want: "no enabled AUDIT_LOGS"},
		"PublicDomainFails":              {reason: "A domain outside the VPC fails.", obj: strings.Replace(goodDomain, "vpcOptions: [{subnetIdSelector: {matchLabels: {platform.openedx.cloud/tier: private-db}}}]", "vpcOptions: []", 1), want: "not in the VPC"},
		"GoodLaunchTemplatePasses":       {reason: "IMDSv2 and encrypted volumes pass.", obj: goodLaunchTemplate},
		"IMDSv1LaunchTemplateFails":      {reason: "Optional IMDS tokens fail.", obj: strings.Replace(goodLaunchTemplate, "httpTokens: required", "httpTokens: optional", 1), want: "IMDSv2"},
		"PlainVolumeLaunchTemplateFails": {reason: "An unencrypted volume fails.", obj: strings.Replace(goodLaunchTemplate, `encrypted: "true"`, `encrypted: "false"`, 1), want: "not encrypted"},
		"KeyPairLaunchTemplateFails":     {reason: "A key pair fails: SSM only.", obj: goodLaunchTemplate + "    keyName: admin\n", want: "key pair"},
		"OpenIngressFails":               {reason: "Ingress from the Internet fails.", obj: `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: SecurityGroupIngressRule, spec: {forProvider: {cidrIpv4: 0.0.0.0/0, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "ingress from 0.0.0.0/0"},
		"AppTierDatabaseFails":           {reason: "A DB subnet group in the app tier fails.", obj: `{apiVersion: rds.aws.upbound.io/v1beta1, kind: SubnetGroup, spec: {forProvider: {subnetIdSelector: {matchLabels: {platform.openedx.cloud/tier: private-app}}, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "placed in tier \"private-app\""},
		"PasswordValueFails":             {reason: "A literal password anywhere fails.", obj: `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {kind: ConfigMap, data: {PASSWORD: hunter2}}}}}`, want: "credential value at .spec.forProvider.manifest.data.PASSWORD"},
		"PasswordRefPasses":              {reason: "A reference to a secret is not a credential.", obj: `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {kind: Pod, password: {secretKeyRef: {name: s, key: k}}}}}}`},
		"OpenBucketFails":                {reason: "A bucket allowing public policies fails.", obj: `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketPublicAccessBlock, spec: {forProvider: {blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true}}}`, want: "blockPublicPolicy must be true"},
		"ClosedBucketPasses":             {reason: "A fully blocked bucket passes.", obj: `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketPublicAccessBlock, spec: {forProvider: {blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"OldTLSCloudFrontFails":          {reason: "TLS 1.0 at the CDN fails.", obj: `{apiVersion: cloudfront.aws.upbound.io/v1beta1, kind: Distribution, spec: {forProvider: {webAclId: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/prod-static/x", viewerCertificate: [{minimumProtocolVersion: TLSv1}], defaultCacheBehavior: [{viewerProtocolPolicy: redirect-to-https}], tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "TLSv1.2"},
		"PlainHTTPCloudFrontFails":       {reason: "Plain HTTP at the CDN fails.", obj: `{apiVersion: cloudfront.aws.upbound.io/v1beta1, kind: Distribution, spec: {forProvider: {webAclId: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/prod-static/x", viewerCertificate: [{minimumProtocolVersion: TLSv1.2_2021}], defaultCacheBehavior: [{viewerProtocolPolicy: allow-all}], tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "plain HTTP"},
		"NoWebACLCloudFrontFails":        {reason: "A distribution without a web ACL fails.", obj: `{apiVersion: cloudfront.aws.upbound.io/v1beta1, kind: Distribution, spec: {forProvider: {viewerCertificate: [{minimumProtocolVersion: TLSv1.2_2021}], defaultCacheBehavior: [{viewerProtocolPolicy: redirect-to-https}], tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "not the ARN of a WAFv2 web ACL"},
		"RegionalWebACLCloudFrontFails":  {reason: "CloudFront takes no regional web ACL.", obj: `{apiVersion: cloudfront.aws.upbound.io/v1beta1, kind: Distribution, spec: {forProvider: {webAclId: "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/prod/x", viewerCertificate: [{minimumProtocolVersion: TLSv1.2_2021}], defaultCacheBehavior: [{viewerProtocolPolicy: redirect-to-https}], tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "scope CLOUDFRONT"},
		"LoggingCloudFrontPasses":        {reason: "A distribution with TLS 1.2, its web ACL and standard logs passes.", obj: loggingDistribution(`[{bucket: prod-cdn-logs-1-eu-west-1.s3.amazonaws.com, prefix: cloudfront/, includeCookies: false}]`)},
		"UnloggedCloudFrontFails":        {reason: "A distribution without standard logs fails.", obj: loggingDistribution(`[]`), want: "no loggingConfig"},
		"CookieLoggingCloudFrontFails":   {reason: "Logging cookies writes session identifiers to S3.", obj: loggingDistribution(`[{bucket: b.s3.amazonaws.com, includeCookies: true}]`), want: "includes cookies"},
		"NonS3LoggingCloudFrontFails":    {reason: "A log bucket must be named by its S3 domain name.", obj: loggingDistribution(`[{bucket: prod-cdn-logs}]`), want: "not an S3 bucket's domain name"},
		"ACLsOffBucketPasses":            {reason: "A bucket with ACLs off passes.", obj: ownership("s3-bucket-static-ownership-controls", "BucketOwnerEnforced")},
		"ACLsOnBucketFails":              {reason: "A bucket with ACLs on fails.", obj: ownership("s3-bucket-static-ownership-controls", "BucketOwnerPreferred"), want: "not BucketOwnerEnforced"},
		"ACLsOnCloudFrontLogsPasses":     {reason: "CloudFront's log bucket alone may keep ACLs: its legacy logging writes with them.", obj: ownership("s3-bucket-cdn-logs-ownership-controls", "BucketOwnerPreferred")},
		"OldTLSALBFails":                 {reason: "A TLS 1.0 listener policy fails.", obj: `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {apiVersion: eks.amazonaws.com/v1, kind: IngressClassParams, spec: {sslPolicy: ELBSecurityPolicy-2016-08}}}}}`, want: "older than 1.2"},
		"LoggingALBPasses":               {reason: "A class with TLS 1.2+ and access logs to a bucket passes.", obj: albParams(`[{key: access_logs.s3.enabled, value: "true"}, {key: access_logs.s3.bucket, value: prod-alb-logs-1-eu-west-1}, {key: access_logs.s3.prefix, value: alb}]`)},
		"UnloggedALBFails":               {reason: "A class without access logs fails.", obj: albParams(`[]`), want: "access_logs.s3"},
		"DisabledLogsALBFails":           {reason: "Access logs turned off fail.", obj: albParams(`[{key: access_logs.s3.enabled, value: "false"}, {key: access_logs.s3.bucket, value: b}]`), want: "access_logs.s3"},
		"BucketlessLogsALBFails":         {reason: "Access logs without a bucket fail.", obj: albParams(`[{key: access_logs.s3.enabled, value: "true"}]`), want: "access_logs.s3"},
		"OwnTenantPolicyPasses":          {reason: "A tenant policy naming its own bucket and secrets, and the data key, passes.", obj: tenantPolicy(`[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::prod-demo-123456789012-eu-west-1/*"]},{"Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:openedx/prod/tenants/demo/*"},{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["arn:aws:kms:eu-west-1:123456789012:key/k"]}]`)},
		"OtherTenantPolicyFails":         {reason: "A tenant policy naming another tenant's bucket fails.", obj: tenantPolicy(`[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::prod-demo2-123456789012-eu-west-1/*"]}]`), want: "not tenant \"demo\"'s"},
		"OwnPrefixListPasses":            {reason: "Listing the shared static bucket under the tenant's prefix passes.", obj: tenantPolicy(`[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":"arn:aws:s3:::prod-static-1-eu-west-1","Condition":{"StringLike":{"s3:prefix":"demo/*"}}}]`)},
		"OtherPrefixListFails":           {reason: "Listing another tenant's prefix fails.", obj: tenantPolicy(`[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":"arn:aws:s3:::prod-static-1-eu-west-1","Condition":{"StringLike":{"s3:prefix":["demo/*","demo2/*"]}}}]`), want: "not tenant"},
		"WildcardDataPolicyFails":        {reason: "A data action on every resource fails.", obj: tenantPolicy(`[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]`), want: "s3:GetObject is granted on \"*\""},
		"DenyIsNotAGrant":                {reason: "Deny statements grant nothing.", obj: tenantPolicy(`[{"Effect":"Deny","Action":["s3:*"],"Resource":"*"}]`)},
		"UnversionedBucketFails":         {reason: "A suspended bucket fails.", obj: `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketVersioning, spec: {forProvider: {versioningConfiguration: [{status: Suspended}]}}}`, want: "not Enabled"},
		"SSES3BucketFails":               {reason: "SSE-S3 on a data bucket fails.", obj: `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketServerSideEncryptionConfiguration, spec: {forProvider: {rule: [{applyServerSideEncryptionByDefault: [{sseAlgorithm: AES256}]}]}}}`, want: "SSE-KMS"},
		"SSES3LogBucketPasses":           {reason: "SSE-S3 on the load balancer's log bucket passes: ALB log delivery supports nothing else.", obj: `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketServerSideEncryptionConfiguration, metadata: {annotations: {crossplane.io/composition-resource-name: s3-bucket-alb-logs-encryption}}, spec: {forProvider: {rule: [{applyServerSideEncryptionByDefault: [{sseAlgorithm: AES256}]}], tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"SSES3LookalikeBucketFails":      {reason: "The exception is by exact name: a bucket merely named like one fails.", obj: `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketServerSideEncryptionConfiguration, metadata: {annotations: {crossplane.io/composition-resource-name: s3-bucket-static-data-encryption}}, spec: {forProvider: {rule: [{applyServerSideEncryptionByDefault: [{sseAlgorithm: AES256}]}]}}}`, want: "SSE-KMS"},
		"SSEKMSBucketPasses":             {reason: "SSE-KMS with a named key passes.", obj: `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketServerSideEncryptionConfiguration, spec: {forProvider: {rule: [{applyServerSideEncryptionByDefault: [{sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:1:key/k"}]}], tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"DefaultKeySecretFails":          {reason: "A secret under the AWS-managed key fails.", obj: `{apiVersion: secretsmanager.aws.upbound.io/v1beta1, kind: Secret, spec: {forProvider: {name: s, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "kmsKeyId is not set"},
		"RootJobFails":                   {reason: "A Job whose pod may run as root fails.", obj: `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {kind: Job, spec: {template: {spec: {containers: [{name: c, securityContext: {allowPrivilegeEscalation: false}}]}}}}}}}`, want: "runAsNonRoot"},
		"EscalatingJobFails":             {reason: "A container that may escalate fails.", obj: `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {kind: Job, spec: {template: {spec: {securityContext: {runAsNonRoot: true}, initContainers: [{name: i}], containers: [{name: c, securityContext: {allowPrivilegeEscalation: false}}]}}}}}}}`, want: "container i may escalate"},
		"TLSMongoDBPasses":               {reason: "A member whose mongod requires TLS 1.2+ with its certificate passes.", obj: mongodbMember("net:\n  tls:\n    mode: requireTLS\n    certificateKeyFile: /etc/mongod/member.pem\n    CAFile: /etc/mongod/ca.pem\n    disabledProtocols: TLS1_0,TLS1_1\n")},
		"PlainMongoDBFails":              {reason: "A member whose mongod speaks plain TCP fails.", obj: mongodbMember("net:\n  port: 27017\n"), want: "mode: requireTLS"},
		"PreferTLSMongoDBFails":          {reason: "A member that still accepts plain connections fails.", obj: mongodbMember("net:\n  tls:\n    mode: preferTLS\n    certificateKeyFile: /etc/mongod/member.pem\n    CAFile: /etc/mongod/ca.pem\n    disabledProtocols: TLS1_0,TLS1_1\n"), want: "mode: requireTLS"},
		"OldTLSMongoDBFails":             {reason: "A member that accepts TLS 1.0 fails.", obj: mongodbMember("net:\n  tls:\n    mode: requireTLS\n    certificateKeyFile: /etc/mongod/member.pem\n    CAFile: /etc/mongod/ca.pem\n"), want: "TLS1_0,TLS1_1"},
		"NoLoadBalancerQuotaPasses":      {reason: "A quota forbidding load balancers passes.", obj: quotaObject("0")},
		"LoadBalancerQuotaFails":         {reason: "A quota allowing a load balancer fails.", obj: quotaObject("1"), want: "services.loadbalancers is 1"},
		"KeyedStorageClassPasses":        {reason: "A class encrypting with a named key passes.", obj: storageClassObject(`{type: gp3, encrypted: "true", kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k"}`)},
		"UnencryptedStorageClassFails":   {reason: "A class that leaves volumes unencrypted fails.", obj: storageClassObject(`{type: gp3}`), want: "parameters.encrypted is \"\""},
		"DefaultKeyStorageClassFails":    {reason: "A class encrypting with the AWS-managed key fails.", obj: storageClassObject(`{type: gp3, encrypted: "true"}`), want: "kmsKeyId is not set"},
		"TaintedSpotNodePoolPasses":      {reason: "Spot with an on-demand fallback, tainted, passes.", obj: nodePoolObject(`[spot, on-demand]`, `[{key: platform.openedx.cloud/spot, value: "true", effect: NoSchedule}]`)},
		"OnDemandNodePoolPasses":         {reason: "An on-demand pool needs no taint.", obj: nodePoolObject(`[on-demand]`, `[]`)},
		"SpotOnlyNodePoolFails":          {reason: "A Spot-only pool leaves pods pending when Spot runs out.", obj: nodePoolObject(`[spot]`, `[{key: platform.openedx.cloud/spot, value: "true", effect: NoSchedule}]`), want: "without on-demand"},
		"UntaintedSpotNodePoolFails":     {reason: "An untainted Spot pool takes any pod.", obj: nodePoolObject(`[spot, on-demand]`, `[]`), want: "no taint"},
		"SpotTolerantJobFails":           {reason: "A Job tolerating the Spot taint may be reclaimed mid-run.", obj: jobObject(`tolerations: [{key: platform.openedx.cloud/spot, operator: Equal, value: "true", effect: NoSchedule}], `), want: "admits it to Spot"},
		"TolerateAllJobFails":            {reason: "A Job tolerating every taint tolerates Spot's.", obj: jobObject(`tolerations: [{operator: Exists}], `), want: "admits it to Spot"},
		"SpotSelectingJobFails":          {reason: "A Job selecting Spot capacity fails.", obj: jobObject(`nodeSelector: {karpenter.sh/capacity-type: spot}, `), want: "selects nodes"},
		"OnDemandJobPasses":              {reason: "A Job with neither passes.", obj: jobObject("")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Check(Rules(everythingTaggable), []*unstructured.Unstructured{obj(t, tc.obj)})
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("%s\nCheck(...): want no failure, got %q", tc.reason, got)
			case tc.want != "" && !slices.ContainsFunc(got, func(f string) bool { return strings.Contains(f, tc.want) }):
				t.Errorf("%s\nCheck(...): want a failure containing %q, got %q", tc.reason, tc.want, got)
			}
		})
	}
}

func TestUntaggableKindsAreNotTagChecked(t *testing.T) {
	// RouteTableAssociation has no tags in its CRD: demanding them would be
	// a rule that cannot be met.
	o := obj(t, `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: RouteTableAssociation, spec: {forProvider: {}}}`)
	if got := Check(Rules(func(*unstructured.Unstructured) bool { return false }), []*unstructured.Unstructured{o}); len(got) != 0 {
		t.Errorf("Check(...): want no failure for an untaggable kind, got %q", got)
	}
}

// nodePoolObject is a Karpenter NodePool with the given capacity types
// and taints.
func nodePoolObject(capacity, taints string) string {
	return `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {apiVersion: karpenter.sh/v1, kind: NodePool, spec: {template: {spec: {requirements: [{key: karpenter.sh/capacity-type, operator: In, values: ` + capacity + `}], taints: ` + taints + `}}}}}}}`
}

// jobObject is a Job that runs as non-root without escalation, with the
// pod spec's fields extra (YAML flow-map entries, each followed by ", ").
func jobObject(extra string) string {
	return `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {kind: Job, spec: {template: {spec: {` + extra + `securityContext: {runAsNonRoot: true}, containers: [{name: c, securityContext: {allowPrivilegeEscalation: false}}]}}}}}}}`
}

// loggingDistribution is a distribution with TLS 1.2, a CLOUDFRONT web ACL
// and the given loggingConfig.
func loggingDistribution(logging string) string {
	return `{apiVersion: cloudfront.aws.upbound.io/v1beta1, kind: Distribution, spec: {forProvider: {webAclId: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/prod-static/x", viewerCertificate: [{minimumProtocolVersion: TLSv1.2_2021}], defaultCacheBehavior: [{viewerProtocolPolicy: redirect-to-https}], loggingConfig: ` + logging + `, tags: {cost-center: c, platform: p, managed-by: m}}}}`
}

// ownership is a bucket's ownership controls, composed as name.
func ownership(name, objectOwnership string) string {
	return `{apiVersion: s3.aws.upbound.io/v1beta1, kind: BucketOwnershipControls, metadata: {annotations: {crossplane.io/composition-resource-name: ` + name + `}}, spec: {forProvider: {rule: [{objectOwnership: ` + objectOwnership + `}], tags: {cost-center: c, platform: p, managed-by: m}}}}`
}

// albParams is the shared load balancer's IngressClassParams with the
// given loadBalancerAttributes.
func albParams(attrs string) string {
	return `{apiVersion: kubernetes.crossplane.io/v1alpha2, kind: Object, spec: {forProvider: {manifest: {apiVersion: eks.amazonaws.com/v1, kind: IngressClassParams, spec: {sslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06, loadBalancerAttributes: ` + attrs + `}}}}}`
}

// tenantPolicy is an inline policy of tenant demo with the given statements.
func tenantPolicy(statements string) string {
	return `{apiVersion: iam.aws.upbound.io/v1beta1, kind: RolePolicy, metadata: {labels: {platform.openedx.cloud/tenant: demo}}, spec: {forProvider: {tags: {cost-center: c, platform: p, managed-by: m}, policy: '{"Version":"2012-10-17","Statement":` + statements + `}'}}}`
}

const flowLoggedVPC = `
- {apiVersion: ec2.aws.upbound.io/v1beta1, kind: VPC, metadata: {labels: {platform.openedx.cloud/role: vpc}}, spec: {forProvider: {}}}
- {apiVersion: cloudwatchlogs.aws.upbound.io/v1beta1, kind: Group, metadata: {labels: {platform.openedx.cloud/role: flow-logs}}, spec: {forProvider: {retentionInDays: 90, kmsKeyIdSelector: {matchLabels: {platform.openedx.cloud/role: flow-logs}}}}}
- {apiVersion: ec2.aws.upbound.io/v1beta1, kind: FlowLog, spec: {forProvider: {trafficType: ALL, logDestinationType: cloud-watch-logs, vpcIdSelector: {matchLabels: {platform.openedx.cloud/role: vpc}}, logDestinationSelector: {matchLabels: {platform.openedx.cloud/role: flow-logs}}, iamRoleArnSelector: {matchLabels: {platform.openedx.cloud/role: flow-logs}}}}}
`

const loggedWebACLs = `
- {apiVersion: wafv2.aws.upbound.io/v1beta1, kind: WebACL, metadata: {labels: {platform.openedx.cloud/role: waf-web-acl}, annotations: {crossplane.io/composition-resource-name: waf-web-acl}}, spec: {forProvider: {region: eu-west-1, scope: REGIONAL}}}
- {apiVersion: wafv2.aws.upbound.io/v1beta1, kind: WebACL, metadata: {labels: {platform.openedx.cloud/role: static-waf-web-acl}, annotations: {crossplane.io/composition-resource-name: waf-web-acl-static}}, spec: {forProvider: {region: us-east-1, scope: CLOUDFRONT}}}
- {apiVersion: wafv2.aws.upbound.io/v1beta1, kind: WebACLLoggingConfiguration, spec: {forProvider: {region: eu-west-1, resourceArnSelector: {matchLabels: {platform.openedx.cloud/role: waf-web-acl}}, logDestinationConfigs: ["arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-prod"]}}}
- {apiVersion: wafv2.aws.upbound.io/v1beta1, kind: WebACLLoggingConfiguration, spec: {forProvider: {region: us-east-1, resourceArnSelector: {matchLabels: {platform.openedx.cloud/role: static-waf-web-acl}}, logDestinationConfigs: ["arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-prod-static"]}}}
`

func TestSetRules(t *testing.T) {
	cases := map[string]struct {
		reason string
		objs   string
		want   string
	}{
		"LoggedWebACLsPass": {reason: "Each web ACL with a logging configuration in its region to an aws-waf-logs- group passes.", objs: loggedWebACLs},
		"UnloggedCloudFrontACLFails": {
			reason: "A CLOUDFRONT web ACL without a logging configuration fails.",
			objs:   strings.SplitN(loggedWebACLs, "\n- {apiVersion: wafv2.aws.upbound.io/v1beta1, kind: WebACLLoggingConfiguration, spec: {forProvider: {region: us-east-1", 2)[0],
			want:   "web ACLs waf-web-acl-static have no logging configuration",
		},
		"CloudFrontACLLoggingElsewhereFails": {
			reason: "A CLOUDFRONT web ACL logs only to us-east-1: a group in another region is no destination.",
			objs:   strings.Replace(loggedWebACLs, "logs:us-east-1:123456789012:log-group:aws-waf-logs-prod-static", "logs:eu-west-1:123456789012:log-group:aws-waf-logs-prod-static", 1),
			want:   "web ACLs waf-web-acl-static have no logging configuration",
		},
		"NonWAFLogGroupFails": {
			reason: "WAF logs only to groups named aws-waf-logs-*.",
			objs:   strings.Replace(loggedWebACLs, "log-group:aws-waf-logs-prod\"", "log-group:prod-waf\"", 1),
			want:   "web ACLs waf-web-acl have no logging configuration",
		},
		"FlowLoggedVPCPasses":    {reason: "A VPC with a flow log of all traffic to an encrypted group passes.", objs: flowLoggedVPC},
		"VPCWithoutFlowLogFails": {reason: "A VPC without a flow log fails.", objs: strings.SplitN(flowLoggedVPC, "\n- {apiVersion: cloudwatchlogs", 2)[0], want: "1 VPCs, 0 flow logs"},
		"RejectedOnlyFails":      {reason: "Logging only rejected traffic misses what an attacker did.", objs: strings.Replace(flowLoggedVPC, "trafficType: ALL", "trafficType: REJECT", 1), want: "1 VPCs, 0 flow logs"},
		"PlainLogGroupFails":     {reason: "A flow log group without a KMS key fails.", objs: strings.Replace(flowLoggedVPC, "kmsKeyIdSelector: {matchLabels: {platform.openedx.cloud/role: flow-logs}}", "", 1), want: "1 VPCs, 0 flow logs"},
		"RolelessFlowLogFails":   {reason: "A flow log to CloudWatch Logs needs a role.", objs: strings.Replace(flowLoggedVPC, ", iamRoleArnSelector: {matchLabels: {platform.openedx.cloud/role: flow-logs}}", "", 1), want: "1 VPCs, 0 flow logs"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var list []map[string]any
			if err := yaml.Unmarshal([]byte(tc.objs), &list); err != nil {
				t.Fatal(err)
			}
			var objs []*unstructured.Unstructured
			for _, m := range list {
				objs = append(objs, &unstructured.Unstructured{Object: m})
			}
			got := CheckAll(nil, objs)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("%s\nCheckAll(...): want no failure, got %q", tc.reason, got)
			case tc.want != "" && !slices.ContainsFunc(got, func(f string) bool { return strings.Contains(f, tc.want) }):
				t.Errorf("%s\nCheckAll(...): want a failure containing %q, got %q", tc.reason, tc.want, got)
			}
		})
	}
}

// mongodbMember is a MongoDB member's Instance whose user data writes
// conf as its mongod.conf.
func mongodbMember(conf string) string {
	b, err := json.Marshal(map[string]any{
		"apiVersion": "ec2.aws.upbound.io/v1beta1", "kind": "Instance",
		"metadata": map[string]any{"labels": map[string]any{"platform.openedx.cloud/role": "mongodb"}},
		"spec": map[string]any{
			"forProvider": map[string]any{
				"subnetIdSelector": map[string]any{"matchLabels": map[string]any{"platform.openedx.cloud/tier": "private-db"}},
				"tags":             map[string]any{"cost-center": "c", "platform": "p", "managed-by": "m"},
			},
			"initProvider": map[string]any{"userData": "#!/bin/bash\ncat >/etc/mongod.conf <<EOF\n" + conf + "EOF\n"},
		},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}
