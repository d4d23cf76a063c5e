package main

import (
	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	kubev1alpha1 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/v1alpha1"
	"github.com/crossplane/function-sdk-go/resource/composed"
	acmv1beta1 "github.com/upbound/provider-aws/apis/acm/v1beta1"
	cfv1beta1 "github.com/upbound/provider-aws/apis/cloudfront/v1beta1"
	cwlv1beta1 "github.com/upbound/provider-aws/apis/cloudwatchlogs/v1beta1"
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	ec2v1beta2 "github.com/upbound/provider-aws/apis/ec2/v1beta2"
	ecrv1beta1 "github.com/upbound/provider-aws/apis/ecr/v1beta1"
	eksv1beta1 "github.com/upbound/provider-aws/apis/eks/v1beta1"
	ecv1beta1 "github.com/upbound/provider-aws/apis/elasticache/v1beta1"
	ecv1beta2 "github.com/upbound/provider-aws/apis/elasticache/v1beta2"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/apis/kms/v1beta1"
	osv1beta1 "github.com/upbound/provider-aws/apis/opensearch/v1beta1"
	rdsv1beta1 "github.com/upbound/provider-aws/apis/rds/v1beta1"
	r53v1beta1 "github.com/upbound/provider-aws/apis/route53/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/apis/s3/v1beta1"
	smv1beta1 "github.com/upbound/provider-aws/apis/secretsmanager/v1beta1"
	sesv1beta1 "github.com/upbound/provider-aws/apis/ses/v1beta1"
	sesv2v1beta1 "github.com/upbound/provider-aws/apis/sesv2/v1beta1"
	snsv1beta1 "github.com/upbound/provider-aws/apis/sns/v1beta1"
	wafv2v1beta1 "github.com/upbound/provider-aws/apis/wafv2/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// mustRegisterSchemes adds the API groups this function composes to the
// SDK's scheme. Only these groups are imported, to keep the binary small.
func mustRegisterSchemes() {
	for _, add := range []func(*runtime.Scheme) error{
		acmv1beta1.SchemeBuilder.AddToScheme,
		cfv1beta1.SchemeBuilder.AddToScheme,
		cwlv1beta1.SchemeBuilder.AddToScheme,
		ec2v1beta1.SchemeBuilder.AddToScheme,
		ec2v1beta2.SchemeBuilder.AddToScheme,
		ecrv1beta1.SchemeBuilder.AddToScheme,
		ecv1beta1.SchemeBuilder.AddToScheme,
		ecv1beta2.SchemeBuilder.AddToScheme,
		eksv1beta1.SchemeBuilder.AddToScheme,
		iamv1beta1.SchemeBuilder.AddToScheme,
		kmsv1beta1.SchemeBuilder.AddToScheme,
		osv1beta1.SchemeBuilder.AddToScheme,
		rdsv1beta1.SchemeBuilder.AddToScheme,
		r53v1beta1.SchemeBuilder.AddToScheme,
		s3v1beta1.SchemeBuilder.AddToScheme,
		sesv1beta1.SchemeBuilder.AddToScheme,
		sesv2v1beta1.SchemeBuilder.AddToScheme,
		smv1beta1.SchemeBuilder.AddToScheme,
		snsv1beta1.SchemeBuilder.AddToScheme,
		wafv2v1beta1.SchemeBuilder.AddToScheme,
		kubev1alpha1.SchemeBuilder.AddToScheme,
		kubev1alpha2.SchemeBuilder.AddToScheme,
		compose.AddProtectionToScheme,
	} {
		if err := add(composed.Scheme); err != nil {
			// Registering static Go types fails only on a programming error.
			panic(err)
		}
	}
}
