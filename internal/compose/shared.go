package compose

import "fmt"

// Labels Crossplane puts on a composite created by a claim: the platform
// lists its tenants by them, and a tenant finds a Platform claim's
// composite by them.
const (
	LabelClaimName      = "crossplane.io/claim-name"
	LabelClaimNamespace = "crossplane.io/claim-namespace"
)

// IAMPath holds a platform's roles and its tenants' identities, so that
// the provisioner's IAM policy reaches those of its own platform only.
func IAMPath(platform string) string { return fmt.Sprintf("/openedx/%s/", platform) }

// OrDefault is v, or def when v is the zero value.
func OrDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
