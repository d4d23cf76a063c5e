package policy

import (
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

func TestRules(t *testing.T) {
	everythingTaggable := func(*unstructured.Unstructured) bool { return true }
	cases := map[string]struct {
		reason string
		obj    string
		// want is a substring of the single expected failure, or "" for none.
		want string
	}{
		"TaggedVPCPasses":           {reason: "A VPC with every cost tag passes.", obj: taggedVPC},
		"UntaggedVPCFails":          {reason: "A VPC without cost-center fails.", obj: strings.Replace(taggedVPC, "cost-center: cc, ", "", 1), want: "missing tags cost-center"},
		"PrivateSubnetPasses":       {reason: "mapPublicIpOnLaunch false passes.", obj: `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: Subnet, spec: {forProvider: {mapPublicIpOnLaunch: false, tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"PublicIPSubnetFails":       {reason: "mapPublicIpOnLaunch true fails.", obj: `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: Subnet, spec: {forProvider: {mapPublicIpOnLaunch: true, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "mapPublicIpOnLaunch must be false"},
		"UnsetPublicIPSubnetFails":  {reason: "An unset mapPublicIpOnLaunch is not proof of privacy.", obj: `{apiVersion: ec2.aws.upbound.io/v1beta1, kind: Subnet, spec: {forProvider: {tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "mapPublicIpOnLaunch must be false"},
		"RotatingKeyPasses":         {reason: "A rotating key passes.", obj: `{apiVersion: kms.aws.upbound.io/v1beta1, kind: Key, spec: {forProvider: {enableKeyRotation: true, tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"StaticKeyFails":            {reason: "A key without rotation fails.", obj: `{apiVersion: kms.aws.upbound.io/v1beta1, kind: Key, spec: {forProvider: {enableKeyRotation: false, tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "enableKeyRotation must be true"},
		"GoodClusterPasses":         {reason: "A compliant cluster passes every cluster rule.", obj: goodCluster},
		"UnencryptedClusterFails":   {reason: "A cluster without secrets encryption fails.", obj: strings.Replace(goodCluster, "resources: [secrets]", "resources: []", 1), want: "not encrypted"},
		"MissingAuditLogFails":      {reason: "A cluster without audit logs fails.", obj: strings.Replace(goodCluster, "audit, ", "", 1), want: "log type audit"},
		"OpenEndpointFails":         {reason: "A public endpoint open to 0.0.0.0/0 fails.", obj: strings.Replace(goodCluster, "203.0.113.10/32", "0.0.0.0/0", 1), want: "whole Internet"},
		"NoPrivateEndpointFails":    {reason: "Nodes must reach the API privately.", obj: strings.Replace(goodCluster, "endpointPrivateAccess: true", "endpointPrivateAccess: false", 1), want: "private endpoint is off"},
		"ExtendedSupportFails":      {reason: "Extended support costs six times as much.", obj: strings.Replace(goodCluster, "STANDARD", "EXTENDED", 1), want: "not STANDARD"},
		"ExpiringLogGroupPasses":    {reason: "A log group with retention passes.", obj: `{apiVersion: cloudwatchlogs.aws.upbound.io/v1beta1, kind: Group, spec: {forProvider: {retentionInDays: 90, tags: {cost-center: c, platform: p, managed-by: m}}}}`},
		"ForeverLogGroupFails":      {reason: "A log group without retention fails.", obj: `{apiVersion: cloudwatchlogs.aws.upbound.io/v1beta1, kind: Group, spec: {forProvider: {tags: {cost-center: c, platform: p, managed-by: m}}}}`, want: "retentionInDays is not set"},
		"BaselineNamespacePasses":   {reason: "A namespace enforcing baseline passes.", obj: namespaceObject(`{pod-security.kubernetes.io/enforce: baseline}`)},
		"PrivilegedNamespaceFails":  {reason: "A namespace enforcing privileged fails.", obj: namespaceObject(`{pod-security.kubernetes.io/enforce: privileged}`), want: `enforce is "privileged"`},
		"UnlabelledNamespaceFails":  {reason: "A namespace without a standard fails.", obj: namespaceObject(`{}`), want: `enforce is ""`},
		"NoLoadBalancerQuotaPasses": {reason: "A quota forbidding load balancers passes.", obj: quotaObject("0")},
		"LoadBalancerQuotaFails":    {reason: "A quota allowing a load balancer fails.", obj: quotaObject("1"), want: "services.loadbalancers is 1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Check(Rules(everythingTaggable), []*unstructured.Unstructured{obj(t, tc.obj)})
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("%s\nCheck(...): want no failure, got %q", tc.reason, got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("%s\nCheck(...): want one failure containing %q, got %q", tc.reason, tc.want, got)
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
