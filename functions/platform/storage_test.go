package main

import (
	"encoding/json"
	"strings"
	"testing"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	iamv1beta1 "github.com/upbound/provider-aws/apis/iam/v1beta1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/openedx-cloud/platform-aws/internal/awsiam"
)

const storageTestKey = "arn:aws:kms:eu-west-1:123456789012:key/data"

func storageObservedKey(arn string) resource.ObservedComposed {
	return observedJSON(`{"apiVersion": "kms.aws.upbound.io/v1beta1", "kind": "Key", "metadata": {"name": "prod-k3y5x"}, "status": {"atProvider": {"arn": "` + arn + `"}}}`)
}

func TestBlockStorage(t *testing.T) {
	existingClass := observedJSON(`{"apiVersion": "kubernetes.crossplane.io/v1alpha2", "kind": "Object", "metadata": {"name": "prod-sc"},
		"spec": {"forProvider": {"manifest": {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "parameters": {"kmsKeyId": "` + storageTestKey + `"}}}}}`)
	cases := map[string]struct {
		reason      string
		observed    map[resource.Name]resource.ObservedComposed
		wantMissing bool
		wantPolicy  bool
		wantClass   bool
		wantErr     string
	}{
		"NoKeyYet": {
			reason:      "Both the class and the cluster role's key policy name the data key: nothing is composed before AWS reports it.",
			observed:    map[resource.Name]resource.ObservedComposed{nameClusterAuth: ingressObservedClusterAuth(true)},
			wantMissing: true,
		},
		"ClusterNotReachable": {
			reason:     "The key policy needs no cluster; the class waits until provider-kubernetes can reach it.",
			observed:   map[resource.Name]resource.ObservedComposed{nameDataKey: storageObservedKey(storageTestKey), nameClusterAuth: ingressObservedClusterAuth(false)},
			wantPolicy: true,
		},
		"ClusterReachable": {
			reason:     "With the key and a reachable cluster the default class is composed.",
			observed:   map[resource.Name]resource.ObservedComposed{nameDataKey: storageObservedKey(storageTestKey), nameClusterAuth: ingressObservedClusterAuth(true)},
			wantPolicy: true,
			wantClass:  true,
		},
		"ExistingClassIsKept": {
			reason:     "A class that exists is never dropped, with the key it was created with, even when neither the key nor ClusterAuth is observed now.",
			observed:   map[resource.Name]resource.ObservedComposed{nameStorageClass: existingClass},
			wantPolicy: true,
			wantClass:  true,
		},
		"KeyOfAnotherRegion": {
			reason:   "A data key outside the platform's region cannot encrypt its volumes.",
			observed: map[resource.Name]resource.ObservedComposed{nameDataKey: storageObservedKey("arn:aws:kms:us-east-1:123456789012:key/data"), nameClusterAuth: ingressObservedClusterAuth(true)},
			wantErr:  "not in partition aws and region eu-west-1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, missing, err := blockStorage(mustPlan(t, newXR()), tc.observed)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nblockStorage(...): error %v, want one containing %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(missing) > 0; got != tc.wantMissing {
				t.Errorf("%s\nblockStorage(...): missing %q, want missing: %t", tc.reason, missing, tc.wantMissing)
			}
			policies := ofType[*iamv1beta1.RolePolicy](rs)
			if got := len(policies) == 1; got != tc.wantPolicy {
				t.Fatalf("%s\nkey policy composed: %t, want %t", tc.reason, got, tc.wantPolicy)
			}
			if tc.wantPolicy {
				checkEBSKeyPolicy(t, tc.reason, policies[nameClusterEBSKeyPolicy])
			}
			objs := ofType[*kubev1alpha2.Object](rs)
			if got := len(objs) == 1; got != tc.wantClass {
				t.Fatalf("%s\nStorageClass composed: %t, want %t", tc.reason, got, tc.wantClass)
			}
			if !tc.wantClass {
				return
			}
			var sc storagev1.StorageClass
			if err := json.Unmarshal(objs[nameStorageClass].Spec.ForProvider.Manifest.Raw, &sc); err != nil {
				t.Fatal(err)
			}
			got := map[string]any{
				"kind":        sc.Kind,
				"name":        sc.Name,
				"default":     sc.Annotations[annotationDefaultClass],
				"provisioner": sc.Provisioner,
				"parameters":  sc.Parameters,
				"binding":     string(*sc.VolumeBindingMode),
			}
			want := map[string]any{
				"kind":        "StorageClass",
				"name":        storageClassName,
				"default":     "true",
				"provisioner": "ebs.csi.eks.amazonaws.com",
				"parameters":  map[string]string{"type": "gp3", "encrypted": "true", "kmsKeyId": storageTestKey},
				"binding":     "WaitForFirstConsumer",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nStorageClass: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// checkEBSKeyPolicy wants the cluster role to use the data key for EBS
// only, in the platform's account.
func checkEBSKeyPolicy(t *testing.T, reason string, pol *iamv1beta1.RolePolicy) {
	t.Helper()
	if pol.Spec.ForProvider.RoleSelector == nil || pol.Spec.ForProvider.RoleSelector.MatchLabels[LabelRole] != "eks-cluster" {
		t.Errorf("%s\nkey policy attached to %v, want the cluster role", reason, pol.Spec.ForProvider.RoleSelector)
	}
	var doc awsiam.PolicyDocument
	if err := json.Unmarshal([]byte(*pol.Spec.ForProvider.Policy), &doc); err != nil {
		t.Fatal(err)
	}
	want := []awsiam.Statement{{
		Sid:      "DataKeyForEBSVolumes",
		Effect:   "Allow",
		Action:   []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"},
		Resource: []string{storageTestKey},
		Condition: map[string]map[string]string{"StringEquals": {
			"kms:ViaService":    "ec2.eu-west-1.amazonaws.com",
			"kms:CallerAccount": "123456789012",
		}},
	}}
	if diff := cmp.Diff(want, doc.Statement); diff != "" {
		t.Errorf("%s\nkey policy statements: -want, +got:\n%s", reason, diff)
	}
}
