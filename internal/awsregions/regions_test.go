package awsregions

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHasZone(t *testing.T) {
	cases := map[string]struct {
		region, zone string
		want         bool
	}{
		"ZoneOfRegion":     {region: "eu-west-1", zone: "eu-west-1c", want: true},
		"MissingLetter":    {region: "eu-west-1", zone: "eu-west-1d"},
		"OtherRegion":      {region: "eu-west-1", zone: "eu-west-2a"},
		"SkippedLetter":    {region: "ap-northeast-1", zone: "ap-northeast-1b"},
		"UnknownRegion":    {region: "eu-east-9", zone: "eu-east-9a"},
		"RegionIsNotAZone": {region: "eu-west-1", zone: "eu-west-1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := HasZone(tc.region, tc.zone); got != tc.want {
				t.Errorf("HasZone(%q, %q) = %v, want %v", tc.region, tc.zone, got, tc.want)
			}
		})
	}
}

func TestDefaultZones(t *testing.T) {
	cases := map[string]struct {
		region string
		want   []string
	}{
		"ABC":            {region: "eu-west-1", want: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		"NoB":            {region: "ap-northeast-1", want: []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}},
		"TwoPerAccount":  {region: "us-west-1"},
		"UnknownRegion":  {region: "eu-east-9"},
		"FirstThreeOnly": {region: "us-east-1", want: []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, DefaultZones(tc.region)); diff != "" {
				t.Errorf("DefaultZones(%q): -want +got:\n%s", tc.region, diff)
			}
		})
	}
}
