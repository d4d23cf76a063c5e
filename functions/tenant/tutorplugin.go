package main

import (
	_ "embed"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// tutorPlugin is the Tutor YAML plugin that makes Tutor work with the
// platform's services: see the file's header for what it changes and why.
//
//go:embed tutor/awsplatform.yml
var tutorPlugin string

const (
	nameTutorPlugin resource.Name = "tutor-plugin"
	// tutorPluginConfigMap ships the plugin with the instance, so the
	// operator installs the version that matches what was composed.
	tutorPluginConfigMap = "openedx-tutor-plugin"
	tutorPluginFile      = "awsplatform.yml"
)

// tutorPluginObject is the plugin as a ConfigMap in the instance's
// namespace.
func tutorPluginObject(p *plan, labels map[string]string, providerConfig string) (compose.Resource, error) {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: tutorPluginConfigMap, Namespace: p.Namespace, Labels: labels},
		Data:       map[string]string{tutorPluginFile: tutorPlugin},
	}
	o, err := compose.KubernetesObject(cm, providerConfig, kubev1alpha2.Readiness{Policy: kubev1alpha2.ReadinessPolicySuccessfulCreate})
	return compose.Resource{Name: nameTutorPlugin, Object: o}, err
}
