package main

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// Secrets delivery: tenants' pods read their Secrets Manager secrets
// through the Secrets Store CSI driver and its AWS provider (ASCP), which
// one EKS add-on installs and upgrades. A tenant's SecretProviderClass sets
// usePodIdentity: "true", so ASCP fetches each secret with the credentials
// of the pod that mounts it, from its EKS Pod Identity association: the
// add-on has no IAM role of its own, and Auto Mode runs the Pod Identity
// agent.

const nameSecretsStoreAddon resource.Name = "eks-addon-secrets-store-csi-driver"

// secretsStoreAddonName is the EKS add-on of the driver and ASCP together.
const secretsStoreAddonName = "aws-secrets-store-csi-driver-provider"

// secretsStoreRotationPollInterval is how long a rotated secret, such as
// RDS's master password, takes at most to reach the pods and Secrets that
// hold it.
const secretsStoreRotationPollInterval = "2m"

// secretsStoreConfig is the add-on's configuration: the driver is a
// subchart of ASCP's Helm chart, so its values are under its chart name.
type secretsStoreConfig struct {
	Driver secretsStoreDriverConfig `json:"secrets-store-csi-driver"`
}

type secretsStoreDriverConfig struct {
	// SyncSecret lets a SecretProviderClass mirror a secret into a
	// Kubernetes Secret, which Tutor's Deployments read as environment
	// variables.
	SyncSecret secretsStoreSyncSecret `json:"syncSecret"`
	// EnableSecretRotation keeps mounted files and mirrored Secrets
	// current.
	EnableSecretRotation bool   `json:"enableSecretRotation"`
	RotationPollInterval string `json:"rotationPollInterval"`
}

type secretsStoreSyncSecret struct {
	Enabled bool `json:"enabled"`
}

// secretsDelivery is the Secrets Store CSI driver add-on on the platform's
// cluster.
func secretsDelivery(p *plan) (compose.Resource, error) {
	return addon(p, nameSecretsStoreAddon, secretsStoreAddonName, secretsStoreConfig{
		Driver: secretsStoreDriverConfig{
			SyncSecret:           secretsStoreSyncSecret{Enabled: true},
			EnableSecretRotation: true,
			RotationPollInterval: secretsStoreRotationPollInterval,
		},
	})
}
