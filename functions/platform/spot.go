package main

import (
	"slices"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// nameSpotNodePool is the composed resource of the spot NodePool.
const nameSpotNodePool resource.Name = "kubernetes-nodepool-spot"

// The spot NodePool's name and its nodes' taint. Tenants read them from the
// platform's status (status.cluster.spotNodePool), never from here.
const (
	spotNodePoolName = "openedx-spot"
	spotTaintKey     = "platform.openedx.cloud/spot"
	spotTaintValue   = "true"
	spotTaintEffect  = "NoSchedule"
)

// nodePool is Karpenter's NodePool (karpenter.sh/v1) as EKS Auto Mode
// accepts it, reduced to the fields composed here: Karpenter's Go module
// would bring its whole controller along.
type nodePool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              nodePoolSpec `json:"spec"`
}

type nodePoolSpec struct {
	Template   nodeClaimTemplate  `json:"template"`
	Disruption nodePoolDisruption `json:"disruption"`
}

type nodeClaimTemplate struct {
	Spec nodeClaimSpec `json:"spec"`
}

type nodeClaimSpec struct {
	NodeClassRef nodeClassRef      `json:"nodeClassRef"`
	Requirements []nodeRequirement `json:"requirements"`
	Taints       []nodeTaint       `json:"taints"`
}

type nodeClassRef struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
}

type nodeRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

type nodeTaint struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

type nodePoolDisruption struct {
	ConsolidationPolicy string `json:"consolidationPolicy"`
	ConsolidateAfter    string `json:"consolidateAfter"`
}

// DeepCopyObject lets nodePool be a runtime.Object.
func (in *nodePool) DeepCopyObject() runtime.Object {
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.Template.Spec.Requirements = make([]nodeRequirement, len(in.Spec.Template.Spec.Requirements))
	for i, r := range in.Spec.Template.Spec.Requirements {
		r.Values = slices.Clone(r.Values)
		out.Spec.Template.Spec.Requirements[i] = r
	}
	out.Spec.Template.Spec.Taints = slices.Clone(in.Spec.Template.Spec.Taints)
	return &out
}

// spotNodePool is an Auto Mode NodePool for the tenants' stateless pods.
// Auto Mode's built-in general-purpose pool launches on-demand nodes only;
// this one allows Spot and on-demand, and Karpenter launches Spot when the
// zone has it and on-demand when it has not, so a pod never waits for Spot.
// Its taint keeps off every pod that does not tolerate interruption. It has
// no CPU limit: each tenant's ResourceQuota bounds what its pods request,
// and a limit reached would only send the pods, which prefer this pool
// without requiring it, to the on-demand pools. Custom pools do not inherit the built-in
// pools' guardrails, so the instance categories, architecture and
// generation are those of general-purpose, which the node rates are
// derived from. It is composed once provider-kubernetes can reach the
// cluster, and kept once it exists.
func spotNodePool(p *plan, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, error) {
	if !p.SpotForTenants {
		return nil, nil
	}
	if _, exists := observed[nameSpotNodePool]; !exists && !compose.IsReady(observed, nameClusterAuth) {
		return nil, nil
	}
	np := &nodePool{
		TypeMeta:   metav1.TypeMeta{APIVersion: "karpenter.sh/v1", Kind: "NodePool"},
		ObjectMeta: metav1.ObjectMeta{Name: spotNodePoolName},
		Spec: nodePoolSpec{
			Template: nodeClaimTemplate{Spec: nodeClaimSpec{
				// Auto Mode's own NodeClass: the cluster's private-app
				// subnets, security group and node role.
				NodeClassRef: nodeClassRef{Group: autoModeAPIGroup, Kind: "NodeClass", Name: "default"},
				Requirements: []nodeRequirement{
					{Key: "karpenter.sh/capacity-type", Operator: "In", Values: []string{"spot", "on-demand"}},
					{Key: "eks.amazonaws.com/instance-category", Operator: "In", Values: []string{"c", "m", "r"}},
					{Key: "eks.amazonaws.com/instance-generation", Operator: "Gt", Values: []string{"4"}},
					{Key: "kubernetes.io/arch", Operator: "In", Values: []string{"amd64"}},
					{Key: "kubernetes.io/os", Operator: "In", Values: []string{"linux"}},
					{Key: "topology.kubernetes.io/zone", Operator: "In", Values: slices.Clone(p.Zones)},
				},
				Taints: []nodeTaint{{Key: spotTaintKey, Value: spotTaintValue, Effect: spotTaintEffect}},
			}},
			// Spot nodes are replaced by cheaper or fewer ones as pods
			// come and go; one minute damps the churn of a rollout.
			Disruption: nodePoolDisruption{ConsolidationPolicy: "WhenEmptyOrUnderutilized", ConsolidateAfter: "1m"},
		},
	}
	obj, err := compose.KubernetesObject(np, p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{})
	if err != nil {
		return nil, err
	}
	return []compose.Resource{{Name: nameSpotNodePool, Object: obj}}, nil
}

// spotNodePoolStatus publishes the NodePool once it is ready in the
// cluster, so that tenants never point their pods at a pool to come.
func spotNodePoolStatus(observed map[resource.Name]resource.ObservedComposed) *v1alpha1.SpotNodePoolStatus {
	if !compose.IsReady(observed, nameSpotNodePool) {
		return nil
	}
	return &v1alpha1.SpotNodePoolStatus{Name: spotNodePoolName, TaintKey: spotTaintKey, TaintValue: spotTaintValue, TaintEffect: spotTaintEffect}
}
