package main

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource/composed"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// mustRegisterSchemes adds the API groups this function composes to the
// SDK's scheme. Only these groups are imported, to keep the binary small.
func mustRegisterSchemes() {
	for _, add := range []func(*runtime.Scheme) error{
		acmv1beta1.SchemeBuilder.AddToScheme,
		eksv1beta1.SchemeBuilder.AddToScheme,
		iamv1beta1.SchemeBuilder.AddToScheme,
		r53v1beta1.SchemeBuilder.AddToScheme,
		s3v1beta1.SchemeBuilder.AddToScheme,
		smv1beta1.SchemeBuilder.AddToScheme,
		kubev1alpha2.SchemeBuilder.AddToScheme,
		compose.AddProtectionToScheme,
	} {
		if err := add(composed.Scheme); err != nil {
			// Registering static Go types fails only on a programming error.
			panic(err)
		}
	}
}
