package main

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Usages order deletion: Crossplane refuses to delete a used resource while
// its user exists, and deletes it again as soon as the user is gone.
const (
	nameUsagePlatform     resource.Name = "usage-platform"
	nameUsageConfigSecret resource.Name = "usage-config-secret"
	nameUsageRole         resource.Name = "usage-iam-role"
)

// platformUsage keeps the platform while this instance exists: deleting a
// platform under its tenants would orphan their namespaces, databases and
// buckets silently. The platform is deleted once its last tenant is gone.
func platformUsage(platform, composite string) compose.Resource {
	return compose.Resource{Name: nameUsagePlatform, Object: &compose.ClusterUsage{
		Spec: compose.ClusterUsageSpec{
			Of: compose.UsageResource{
				APIVersion:  v1alpha1.GroupVersion.String(),
				Kind:        v1alpha1.XPlatformKind,
				ResourceRef: &compose.UsageResourceRef{Name: platform},
			},
			By: &compose.UsageResource{
				APIVersion:  v1alpha1.GroupVersion.String(),
				Kind:        v1alpha1.XOpenEdxTenantKind,
				ResourceRef: &compose.UsageResourceRef{Name: composite},
			},
			ReplayDeletion: ptr.To(true),
		},
	}}
}

// credentialUsages keep the configuration secret and the role until the
// namespace, and so every pod that reads them, is gone: an instance being
// deleted never runs without its credentials. They need the namespace
// Object's name, which exists once it is created.
func credentialUsages(observed map[resource.Name]resource.ObservedComposed) []compose.Resource {
	ns := compose.ObservedString(observed, nameNamespace, "metadata.name")
	if ns == "" {
		return nil
	}
	by := &compose.UsageResource{
		APIVersion:  kubev1alpha2.SchemeGroupVersion.String(),
		Kind:        kubev1alpha2.ObjectKind,
		ResourceRef: &compose.UsageResourceRef{Name: ns},
	}
	var rs []compose.Resource
	for _, u := range []struct {
		name             resource.Name
		apiVersion, kind string
		role             string
	}{
		{nameUsageConfigSecret, smv1beta1.CRDGroupVersion.String(), smv1beta1.Secret_Kind, roleConfigSecret},
		{nameUsageRole, iamv1beta1.CRDGroupVersion.String(), iamv1beta1.Role_Kind, roleRole},
	} {
		rs = append(rs, compose.Resource{Name: u.name, Object: &compose.ClusterUsage{
			Spec: compose.ClusterUsageSpec{
				Of: compose.UsageResource{
					APIVersion: u.apiVersion,
					Kind:       u.kind,
					ResourceSelector: &compose.UsageResourceSelector{
						MatchControllerRef: ptr.To(true),
						MatchLabels:        map[string]string{labelRole: u.role},
					},
				},
				By:             by,
				ReplayDeletion: ptr.To(true),
			},
		}})
	}
	return rs
}
