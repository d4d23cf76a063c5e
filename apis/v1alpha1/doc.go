// Package v1alpha1 holds the composite resource types of the Open edX
// platform: XPlatform (claim Platform), the shared AWS infrastructure, and
// XOpenEdxTenant (claim OpenEdxTenant), one Open edX instance on it.
//
// The XRDs in package/xrds are generated from these types by `make generate`;
// edit the types, never the YAML.
//
// +kubebuilder:object:generate=true
// +groupName=platform.openedx.cloud
// +versionName=v1alpha1
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group and version of every composite resource in this package.
const (
	Group   = "platform.openedx.cloud"
	Version = "v1alpha1"
)

// GroupVersion is the API group and version of the composite resources.
var GroupVersion = schema.GroupVersion{Group: Group, Version: Version}

// Kinds of the composite resources and their claims.
const (
	XPlatformKind      = "XPlatform"
	PlatformKind       = "Platform"
	XOpenEdxTenantKind = "XOpenEdxTenant"
	OpenEdxTenantKind  = "OpenEdxTenant"
)
