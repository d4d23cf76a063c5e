package main

import (
	kubev1alpha1 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/v1alpha1"
	kconfig "github.com/crossplane-contrib/provider-kubernetes/pkg/kube/config"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
