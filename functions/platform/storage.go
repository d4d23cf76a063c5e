package main

import (
	"fmt"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// The cluster's block storage. EKS Auto Mode provisions EBS volumes but
// creates no StorageClass ("EKS Auto Mode does not create a StorageClass
// for you", EKS user guide, "Create a storage class",
// https://docs.aws.amazon.com/eks/latest/userguide/create-storage-class.html):
// without one, every PersistentVolumeClaim that names no class, such as
// Tutor's Meilisearch one, stays Pending. The platform composes the default
// class, for Auto Mode's own EBS provisioner, encrypting with the data key
// like every other data store.

// Names of block storage resources.
const (
	nameStorageClass        resource.Name = "kubernetes-storage-class-ebs"
	nameClusterEBSKeyPolicy resource.Name = "iam-policy-eks-cluster-ebs-data-key"
)

const (
	// storageClassName is the default class's name in the cluster.
	storageClassName = "ebs-gp3"
	// ebsProvisioner is EKS Auto Mode's block storage capability, not the
	// EBS CSI driver add-on (ebs.csi.aws.com), which Auto Mode does not run.
	ebsProvisioner = "ebs.csi.eks.amazonaws.com"
	// annotationDefaultClass makes a class the one of claims that name
	// none.
	annotationDefaultClass = "storageclass.kubernetes.io/is-default-class"
)

// ebsKeyActions are what EBS needs of a customer managed key to create,
// attach and read encrypted volumes, per the user guide's "Use self-managed
// KMS key to encrypt EBS volumes": CreateGrant lets EC2 decrypt for the
// instance a volume is attached to.
var ebsKeyActions = []string{
	"kms:Encrypt",
	"kms:Decrypt",
	"kms:ReEncrypt*",
	"kms:GenerateDataKey*",
	"kms:CreateGrant",
	"kms:DescribeKey",
}

// blockStorage is the default StorageClass and what lets Auto Mode use the
// data key for it. Auto Mode acts with the cluster role, which the user
// guide says to give a policy for the key; the data key keeps AWS's default
// key policy, which defers to IAM policies of the account. Both wait for the
// key's ARN; the class also waits until provider-kubernetes can reach the
// cluster, and is kept once it exists.
func blockStorage(p *plan, observed map[resource.Name]resource.ObservedComposed) (rs []compose.Resource, missing []string, err error) {
	keyARN := observedDataKeyARN(observed)
	if keyARN == "" {
		return nil, []string{fmt.Sprintf("the ARN of KMS key %q (for the cluster's StorageClass)", nameDataKey)}, nil
	}
	account, err := dataKeyAccount(p, keyARN)
	if err != nil {
		return nil, nil, err
	}
	pol, err := clusterEBSKeyPolicy(p, keyARN, account)
	if err != nil {
		return nil, nil, err
	}
	rs = append(rs, pol)
	if _, exists := observed[nameStorageClass]; !exists && !compose.IsReady(observed, nameClusterAuth) {
		return rs, nil, nil
	}
	obj, err := compose.KubernetesObject(storageClass(keyARN), p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{})
	if err != nil {
		return nil, nil, err
	}
	return append(rs, compose.Resource{Name: nameStorageClass, Object: obj}), nil, nil
}

// storageClass is the cluster's default class: gp3, encrypted with the
// data key, created in the zone of the pod that first uses it (a volume
// lives in one zone, and pods are scheduled first).
func storageClass(keyARN string) *storagev1.StorageClass {
	return &storagev1.StorageClass{
		TypeMeta: metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        storageClassName,
			Labels:      inClusterLabels("storage"),
			Annotations: map[string]string{annotationDefaultClass: "true"},
		},
		Provisioner: ebsProvisioner,
		Parameters: map[string]string{
			"type":      "gp3",
			"encrypted": "true",
			"kmsKeyId":  keyARN,
		},
		// A tenant's volume outlives a deleted claim only if the tenant
		// asks: Delete is what a claim without a class expects.
		ReclaimPolicy:        ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode:    ptr.To(storagev1.VolumeBindingWaitForFirstConsumer),
		AllowVolumeExpansion: ptr.To(true),
	}
}

// clusterEBSKeyPolicy lets the cluster role use the data key through EC2
// only, in the platform's account: it can encrypt volumes with it, never
// decrypt anything else.
func clusterEBSKeyPolicy(p *plan, keyARN, account string) (compose.Resource, error) {
	doc, err := awsiam.PolicyDocument{Version: awsiam.Version, Statement: []awsiam.Statement{{
		Sid:      "DataKeyForEBSVolumes",
		Effect:   "Allow",
		Action:   ebsKeyActions,
		Resource: []string{keyARN},
		Condition: map[string]map[string]string{"StringEquals": {
			"kms:ViaService":    fmt.Sprintf("ec2.%s.amazonaws.com", p.Region),
			"kms:CallerAccount": account,
		}},
	}}}.JSON()
	if err != nil {
		return compose.Resource{}, err
	}
	return rolePolicy(p, nameClusterEBSKeyPolicy, metav1.ObjectMeta{}, map[string]string{LabelRole: "eks-cluster"}, doc), nil
}
