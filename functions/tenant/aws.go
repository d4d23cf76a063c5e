package main

import (
	"fmt"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/apis/common/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Labels on the instance's managed resources, for selectors between them.
const labelRole = v1alpha1.Group + "/role"

// awsTarget is what the instance's AWS resources need from its platform.
// Every field comes from the platform's status: nothing is guessed.
type awsTarget struct {
	Platform       string
	ProviderConfig string
	Region         string
	Partition      string
	Account        string
	DataKeyARN     string
	ClusterName    string
	CostCenter     string
	// StaticBucket and SendingPolicyARN are empty on a platform without a
	// domain: it has no CDN and no mail.
	StaticBucket     string
	SendingPolicyARN string
}

// newAWSTarget reads the platform's status. pending names what it has not
// reported yet; nothing of the instance's AWS footprint is composed until
// it has.
func newAWSTarget(v platformView) (t awsTarget, pending string) {
	s := v.Status
	t = awsTarget{
		Platform:         v.Name,
		ProviderConfig:   s.ProviderConfigName,
		Region:           s.Region,
		Account:          s.AccountID,
		DataKeyARN:       s.DataKeyARN,
		ClusterName:      s.Cluster.Name,
		CostCenter:       v.CostCenter,
		StaticBucket:     s.Edge.StaticBucket,
		SendingPolicyARN: s.Edge.SendingPolicyARN,
	}
	switch {
	case !t.placed():
		return t, fmt.Sprintf("platform %q has not published its region and provider config (status.region, status.providerConfigName) yet", v.Name)
	case t.DataKeyARN == "" || t.Account == "":
		return t, fmt.Sprintf("the data KMS key of platform %q is not created yet", v.Name)
	case t.ClusterName == "":
		return t, fmt.Sprintf("the EKS cluster of platform %q is not named yet", v.Name)
	}
	// arn:<partition>:kms:<region>:<account>:key/<id>
	parts := strings.SplitN(t.DataKeyARN, ":", 3)
	if len(parts) < 3 || parts[0] != "arn" || parts[1] == "" {
		return t, fmt.Sprintf("platform %q reports a data key ARN that is not an ARN: %q", v.Name, t.DataKeyARN)
	}
	t.Partition = parts[1]
	return t, ""
}

// placed reports whether the platform has said where its AWS resources
// go: its region and its provider-aws ProviderConfig.
func (t awsTarget) placed() bool {
	return t.ProviderConfig != "" && t.Region != ""
}

// resourceSpec points a managed resource at the platform's provider-aws
// ProviderConfig. Resources that hold the instance's data take the
// instance's deletion policy; the others are always deleted with it.
func (t awsTarget) resourceSpec(p *plan, holdsData bool) xpv1.ResourceSpec {
	s := xpv1.ResourceSpec{ProviderConfigReference: &xpv1.Reference{Name: t.ProviderConfig}}
	if holdsData && !p.deletesData() {
		s.DeletionPolicy = xpv1.DeletionOrphan
	}
	return s
}

// tags are the AWS tags of the instance's resources: the platform's, plus
// the tenant for cost allocation per instance.
func (t awsTarget) tags(p *plan, name string) map[string]*string {
	m := compose.Tags{Platform: t.Platform, Tenant: p.Instance, CostCenter: t.CostCenter}.Map()
	m["Name"] = &name
	return m
}

// arn is an ARN of the platform's partition.
func (t awsTarget) arn(service, region, account, res string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", t.Partition, service, region, account, res)
}

// managedMeta is the metadata of a managed resource, labelled with its
// instance and, for selectors, its role; externalName is its AWS name when
// chosen here.
func managedMeta(p *plan, role, externalName string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Labels: map[string]string{labelRole: role, LabelTenant: p.Instance}}
	if externalName != "" {
		m.Annotations = map[string]string{compose.AnnotationExternalName: externalName}
	}
	return m
}

// selectorFor selects this composite's resource with the given role.
func selectorFor(role string) *xpv1.Selector {
	t := true
	return &xpv1.Selector{MatchControllerRef: &t, MatchLabels: map[string]string{labelRole: role}}
}
