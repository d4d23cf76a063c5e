// Package awsregions is the table of AWS regions the platform may run in
// and the availability zone names each offers, from the AWS documentation
// ("Regions and Zones", "AWS GovCloud (US)", "Amazon Web Services in
// China"). The platform function checks a spec against it and the XRD's CEL
// rules are generated from it (see CELZoneRule), so both refuse the same
// regions and zones.
package awsregions

import (
	"sort"
	"strings"
)

// Zones maps each region to the letters of its availability zones. Zone
// letters map to physical zones differently in every account; the letters
// that exist do not.
var Zones = map[string]string{
	"af-south-1":     "abc",
	"ap-east-1":      "abc",
	"ap-east-2":      "abc",
	"ap-northeast-1": "acd",
	"ap-northeast-2": "abcd",
	"ap-northeast-3": "abc",
	"ap-south-1":     "abc",
	"ap-south-2":     "abc",
	"ap-southeast-1": "abc",
	"ap-southeast-2": "abc",
	"ap-southeast-3": "abc",
	"ap-southeast-4": "abc",
	"ap-southeast-5": "abc",
	"ap-southeast-7": "abc",
	"ca-central-1":   "abd",
	"ca-west-1":      "abc",
	"cn-north-1":     "abd",
	"cn-northwest-1": "abc",
	"eu-central-1":   "abc",
	"eu-central-2":   "abc",
	"eu-north-1":     "abc",
	"eu-south-1":     "abc",
	"eu-south-2":     "abc",
	"eu-west-1":      "abc",
	"eu-west-2":      "abc",
	"eu-west-3":      "abc",
	"il-central-1":   "abc",
	"me-central-1":   "abc",
	"me-south-1":     "abc",
	"mx-central-1":   "abc",
	"sa-east-1":      "abc",
	"us-east-1":      "abcdef",
	"us-east-2":      "abc",
	"us-gov-east-1":  "abc",
	"us-gov-west-1":  "abc",
	"us-west-1":      "abc",
	"us-west-2":      "abcd",
}

// TwoZonesPerAccount are regions where an account sees only two of the
// zones, and which two differs per account: their zones cannot be derived
// and must be listed.
var TwoZonesPerAccount = map[string]bool{"us-west-1": true, "cn-north-1": true}

// Regions lists the regions, sorted.
func Regions() []string {
	out := make([]string, 0, len(Zones))
	for r := range Zones {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// HasZone reports whether zone is a zone of region.
func HasZone(region, zone string) bool {
	letters, ok := Zones[region]
	return ok && len(zone) == len(region)+1 && strings.HasPrefix(zone, region) && strings.ContainsRune(letters, rune(zone[len(zone)-1]))
}

// DefaultZones are the first three zones of a region, or nil where they
// cannot be derived.
func DefaultZones(region string) []string {
	letters, ok := Zones[region]
	if !ok || TwoZonesPerAccount[region] {
		return nil
	}
	out := make([]string, 0, 3)
	for _, l := range letters[:3] {
		out = append(out, region+string(l))
	}
	return out
}

// AllZones lists every zone of every region, sorted: the XRD's enum of
// availabilityZones items.
func AllZones() []string {
	var out []string
	for _, r := range Regions() {
		for _, l := range Zones[r] {
			out = append(out, r+string(l))
		}
	}
	return out
}

// AllZonesOf lists the zones of region.
func AllZonesOf(region string) []string {
	out := make([]string, 0, len(Zones[region]))
	for _, l := range Zones[region] {
		out = append(out, region+string(l))
	}
	return out
}
