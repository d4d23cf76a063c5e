package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
)

// requirementPlatform is the key under which Crossplane returns the platform.
const requirementPlatform = "platform"

// platformSelector asks Crossplane for the tenant's platform: a Platform
// claim's composite by the labels Crossplane gives it, or an XPlatform by
// name.
func platformSelector(ref v1alpha1.PlatformReference) *fnv1.ResourceSelector {
	s := &fnv1.ResourceSelector{
		ApiVersion: v1alpha1.GroupVersion.String(),
		Kind:       v1alpha1.XPlatformKind,
	}
	if ref.Namespace == "" {
		s.Match = &fnv1.ResourceSelector_MatchName{MatchName: ref.Name}
		return s
	}
	s.Match = &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{
		compose.LabelClaimName:      ref.Name,
		compose.LabelClaimNamespace: ref.Namespace,
	}}}
	return s
}

// describeRef names the reference as a user wrote it.
func describeRef(ref v1alpha1.PlatformReference) string {
	if ref.Namespace == "" {
		return fmt.Sprintf("XPlatform %q", ref.Name)
	}
	return fmt.Sprintf("Platform %q in namespace %q", ref.Name, ref.Namespace)
}

// resolvePlatform picks the platform out of the required resources. fetched
// is false when Crossplane has not fetched them yet; the platform is nil when
// it does not exist.
func resolvePlatform(required map[string][]resource.Required, ref v1alpha1.PlatformReference) (platform *v1alpha1.XPlatform, fetched bool, err error) {
	found, ok := required[requirementPlatform]
	if !ok {
		return nil, false, nil
	}
	switch len(found) {
	case 0:
		return nil, true, nil
	case 1:
	default:
		return nil, true, errors.Errorf("%d platforms match %s; a Platform claim's composite must be unique", len(found), describeRef(ref))
	}
	pl := &v1alpha1.XPlatform{}
	if err := compose.Decode(found[0].Resource.Object, pl); err != nil {
		return nil, true, err
	}
	return pl, true, nil
}
