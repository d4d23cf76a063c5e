package main

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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

// requiredResources are the resources Crossplane fetched, as
// request.GetRequiredResources gives them, except that a platform's
// status.tenants keeps only the entries of composite. A platform's ledger
// lists every tenant on it, up to a thousand, and a tenant reads only its
// own entries (admission): the others are never converted from the
// request's structpb nor decoded, so that a tenant's reconcile costs the
// same on a full platform as on an empty one.
func requiredResources(req *fnv1.RunFunctionRequest, composite string) map[string][]resource.Required {
	out := make(map[string][]resource.Required, len(req.GetRequiredResources()))
	for name, rs := range req.GetRequiredResources() {
		out[name] = []resource.Required{}
		for _, i := range rs.GetItems() {
			out[name] = append(out[name], resource.Required{Resource: &unstructured.Unstructured{Object: withOwnLedger(i.GetResource(), composite)}})
		}
	}
	return out
}

// withOwnLedger is s as unstructured content, its status.tenants lists
// holding only the entries whose composite is composite.
func withOwnLedger(s *structpb.Struct, composite string) map[string]any {
	status := s.GetFields()["status"].GetStructValue()
	tenants := status.GetFields()["tenants"].GetStructValue()
	if tenants == nil {
		return s.AsMap()
	}
	ledger := map[string]any{}
	for k, v := range tenants.GetFields() {
		entries := v.GetListValue()
		if entries == nil {
			ledger[k] = v.AsInterface()
			continue
		}
		var own []any
		for _, e := range entries.GetValues() {
			if e.GetStructValue().GetFields()["composite"].GetStringValue() == composite {
				own = append(own, e.AsInterface())
			}
		}
		if len(own) > 0 {
			ledger[k] = own
		}
	}
	st := map[string]any{"tenants": ledger}
	for k, v := range status.GetFields() {
		if k != "tenants" {
			st[k] = v.AsInterface()
		}
	}
	o := map[string]any{"status": st}
	for k, v := range s.GetFields() {
		if k != "status" {
			o[k] = v.AsInterface()
		}
	}
	return o
}
