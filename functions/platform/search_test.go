package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
)

func TestCheckOpenSearchVolume(t *testing.T) {
	path := field.NewPath("spec", "search", "opensearch")
	cases := map[string]struct {
		o    v1alpha1.OpenSearch
		want string // the refusal's start; empty when accepted
	}{
		"SmallAtItsLimit":     {o: v1alpha1.OpenSearch{InstanceType: "t3.small.search", VolumeSizeGiB: 100}},
		"SmallOverItsLimit":   {o: v1alpha1.OpenSearch{InstanceType: "t3.small.search", VolumeSizeGiB: 101}, want: "spec.search.opensearch.volumeSizeGiB: Invalid value: 101: OpenSearch Service attaches at most 100 GiB to each t3.small.search data node"},
		"ProductionDefault":   {o: v1alpha1.OpenSearch{InstanceType: "r7g.large.search", VolumeSizeGiB: 2048}},
		"ProductionOverLimit": {o: v1alpha1.OpenSearch{InstanceType: "r7g.large.search", VolumeSizeGiB: 2049}, want: "spec.search.opensearch.volumeSizeGiB: Invalid value: 2049: OpenSearch Service attaches at most 2048 GiB"},
		// Types whose largest gp3 volume is over the XRD's 3000 are left to
		// that bound.
		"LargeTypeNotInTable": {o: v1alpha1.OpenSearch{InstanceType: "r7g.xlarge.search", VolumeSizeGiB: 3000}},
		"InstanceStorage":     {o: v1alpha1.OpenSearch{InstanceType: "r6gd.large.search", VolumeSizeGiB: 50}, want: `spec.search.opensearch.instanceType: Invalid value: "r6gd.large.search": OpenSearch Service attaches no gp3 volume`},
		"PreviousGeneration":  {o: v1alpha1.OpenSearch{InstanceType: "m4.large.search", VolumeSizeGiB: 50}, want: `spec.search.opensearch.instanceType: Invalid value: "m4.large.search"`},
		// A family name that only starts like a refused one.
		"NotAPrefixOfAFamily": {o: v1alpha1.OpenSearch{InstanceType: "r3x.large.search", VolumeSizeGiB: 50}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := checkOpenSearchVolume(path, tc.o)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("checkOpenSearchVolume(%+v): %v, want nil", tc.o, err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Errorf("checkOpenSearchVolume(%+v): %v, want an error starting %q", tc.o, err, tc.want)
			}
		})
	}
}

// TestXRDOpenSearchRulesMatchTable keeps the XRD's CEL rules on the
// OpenSearch volume equal to the function's table, so that the API server
// refuses at apply exactly what the function would refuse later.
func TestXRDOpenSearchRulesMatchTable(t *testing.T) {
	types := make([]string, 0, len(openSearchMaxVolumeGiB))
	for k := range openSearchMaxVolumeGiB {
		types = append(types, k)
	}
	slices.Sort(types)
	entries := make([]string, 0, len(types))
	for _, k := range types {
		entries = append(entries, fmt.Sprintf("'%s': %d", k, openSearchMaxVolumeGiB[k]))
	}
	table := "{" + strings.Join(entries, ", ") + "}"
	wantInXRDSource(t,
		"!(self.instanceType in "+table+") || self.volumeSizeGiB <= "+table+"[self.instanceType]",
		// Go's `\.` is the XRD's `[.]`, which needs no escaping in a marker.
		"!self.instanceType.matches('"+strings.Replace(openSearchNoGP3.String(), `\.`, "[.]", 1)+"')",
		fmt.Sprintf("self.search.opensearch.volumeSizeGiB <= (self.profile == 'small' ? %d : %d)",
			openSearchMaxVolumeGiB[defaultOpenSearchInstanceType[v1alpha1.ProfileSmall]],
			openSearchMaxVolumeGiB[defaultOpenSearchInstanceType[v1alpha1.ProfileProduction]]),
	)
	for _, p := range []v1alpha1.Profile{v1alpha1.ProfileSmall, v1alpha1.ProfileProduction} {
		if _, ok := openSearchMaxVolumeGiB[defaultOpenSearchInstanceType[p]]; !ok {
			t.Errorf("the %s profile's OpenSearch type %s has no largest volume in the table", p, defaultOpenSearchInstanceType[p])
		}
	}
}

// TestNewPlanChecksOpenSearchVolumeWhenEnabled: a disabled domain composes
// nothing, so its volume size is not held to an instance type; an enabled
// one is, with the profile's default type.
func TestNewPlanChecksOpenSearchVolumeWhenEnabled(t *testing.T) {
	small := func(enabled bool) *v1alpha1.XPlatform {
		return newXR(func(xr *v1alpha1.XPlatform) {
			xr.Spec.Profile = v1alpha1.ProfileSmall
			xr.Spec.Search.OpenSearch.Enabled = enabled
			xr.Spec.Search.OpenSearch.VolumeSizeGiB = 500
		})
	}
	if _, err := newPlan(small(false)); err != nil {
		t.Errorf("newPlan(small, OpenSearch disabled, 500 GiB): %v, want nil", err)
	}
	want := "spec.search.opensearch.volumeSizeGiB: Invalid value: 500: OpenSearch Service attaches at most 100 GiB to each t3.small.search data node"
	if _, err := newPlan(small(true)); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("newPlan(small, OpenSearch enabled, 500 GiB): %v, want an error starting %q", err, want)
	}
}
