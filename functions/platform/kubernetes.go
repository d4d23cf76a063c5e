package main

import (
	"encoding/json"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	kubev1alpha1 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/v1alpha1"
	kconfig "github.com/crossplane-contrib/provider-kubernetes/pkg/kube/config"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// kubernetesProviderConfig lets provider-kubernetes act on the platform's
// cluster with the kubeconfig that ClusterAuth keeps fresh. Tenants compose
// their in-cluster objects with it; its name is in the platform's status.
func kubernetesProviderConfig(p *plan) compose.Resource {
	return compose.Resource{
		Name: nameKubeProvider,
		Object: &kubev1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: p.kubernetesProviderConfigName()},
			Spec: kconfig.ProviderConfigSpec{
				Credentials: kconfig.ProviderCredentials{
					Source: xpv2.CredentialsSourceSecret,
					CommonCredentialSelectors: xpv2.CommonCredentialSelectors{
						SecretRef: &xpv2.SecretKeySelector{
							SecretReference: xpv2.SecretReference{Name: p.kubeconfigSecretName(), Namespace: p.KubeconfigNamespace},
							Key:             "kubeconfig",
						},
					},
				},
			},
		},
		// A ProviderConfig has no Ready condition.
		AlwaysReady: true,
	}
}

// kubernetesProviderConfigName is unique per platform because composite
// names are.
func (p *plan) kubernetesProviderConfigName() string { return p.Name }

// Names of the cluster's settings for tenants.
const (
	nameMetricsServer    resource.Name = "eks-addon-metrics-server"
	nameNetworkPolicyCNI resource.Name = "kubernetes-vpc-cni-network-policy"
)

// clusterSettings make the cluster enforce what tenants compose: the
// metrics-server add-on, without which HorizontalPodAutoscalers have no
// metrics (Auto Mode does not run one), and the VPC CNI ConfigMap that
// turns on Auto Mode's network policy controller, without which tenants'
// NetworkPolicies are accepted but not enforced. The ConfigMap is applied
// through provider-kubernetes once the cluster is reachable, and kept once
// it exists. The Secrets Store CSI driver add-on delivers tenants' secrets
// (secretsdelivery.go).
func clusterSettings(p *plan, observed map[resource.Name]resource.ObservedComposed) ([]compose.Resource, error) {
	metrics, err := addon(p, nameMetricsServer, "metrics-server", nil)
	if err != nil {
		return nil, err
	}
	secrets, err := secretsDelivery(p)
	if err != nil {
		return nil, err
	}
	rs := []compose.Resource{metrics, secrets}
	if _, exists := observed[nameNetworkPolicyCNI]; !exists && !compose.IsReady(observed, nameClusterAuth) {
		return rs, nil
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "amazon-vpc-cni", Namespace: "kube-system"},
		Data:       map[string]string{"enable-network-policy-controller": "true"},
	}
	obj, err := compose.KubernetesObject(cm, p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{})
	if err != nil {
		return nil, err
	}
	return append(rs, compose.Resource{Name: nameNetworkPolicyCNI, Object: obj}), nil
}

// addon is an EKS add-on of the platform's cluster, configured with the
// JSON of configuration (nil for the add-on's defaults). Conflicts are
// resolved in the add-on's favour: nothing else manages its objects.
func addon(p *plan, name resource.Name, addonName string, configuration any) (compose.Resource, error) {
	var values *string
	if configuration != nil {
		b, err := json.Marshal(configuration)
		if err != nil {
			return compose.Resource{}, errors.Wrapf(err, "cannot marshal the configuration of EKS add-on %s", addonName)
		}
		values = ptr.To(string(b))
	}
	return compose.Resource{Name: name, Object: &eksv1beta1.Addon{
		Spec: eksv1beta1.AddonSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: eksv1beta1.AddonParameters{
				Region:                   &p.Region,
				AddonName:                &addonName,
				ClusterNameSelector:      selector(map[string]string{LabelRole: "eks-cluster"}),
				ConfigurationValues:      values,
				ResolveConflictsOnCreate: ptr.To("OVERWRITE"),
				ResolveConflictsOnUpdate: ptr.To("OVERWRITE"),
				Tags:                     p.tags(p.clusterName() + "-" + addonName),
			},
		},
	}}, nil
}
