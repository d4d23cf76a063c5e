package awsregions

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openedSinceAugust2022 are the regions of Zones that the Elastic Load
// Balancing user guide lists under "Regions available as of August 2022 or
// later", or that opened since.
var openedSinceAugust2022 = map[string]bool{
	"ap-east-2": true, "ap-south-2": true, "ap-southeast-4": true, "ap-southeast-5": true, "ap-southeast-7": true,
	"ca-west-1": true, "eu-central-2": true, "eu-south-2": true, "il-central-1": true, "me-central-1": true, "mx-central-1": true,
}

func TestELBLogWriterCoversEveryRegion(t *testing.T) {
	account := regexp.MustCompile(`^[0-9]{12}$`)
	for _, r := range Regions() {
		a, s := ELBLogWriter(r)
		switch {
		case openedSinceAugust2022[r] && (a != "" || s != ELBLogDeliveryService):
			t.Errorf("ELBLogWriter(%q) = %q, %q: want the service principal %s for a region opened since August 2022", r, a, s, ELBLogDeliveryService)
		case !openedSinceAugust2022[r] && (!account.MatchString(a) || s != ""):
			t.Errorf("ELBLogWriter(%q) = %q, %q: want the region's Elastic Load Balancing account", r, a, s)
		}
	}
	for r := range elbAccounts {
		if _, ok := Zones[r]; !ok {
			t.Errorf("elbAccounts has %q, which is not a region of Zones", r)
		}
	}
}

func TestELBLogWriter(t *testing.T) {
	cases := map[string]struct {
		region, account, service string
	}{
		"NorthVirginia": {region: "us-east-1", account: "127311923021"},
		"Ireland":       {region: "eu-west-1", account: "156460612806"},
		"Jakarta":       {region: "ap-southeast-3", account: "589379963580"},
		"Zurich":        {region: "eu-central-2", service: "logdelivery.elasticloadbalancing.amazonaws.com"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, s := ELBLogWriter(tc.region)
			if diff := cmp.Diff([]string{tc.account, tc.service}, []string{a, s}); diff != "" {
				t.Errorf("ELBLogWriter(%q): -want, +got:\n%s", tc.region, diff)
			}
		})
	}
}

func TestCloudFrontLogsRegion(t *testing.T) {
	cases := map[string]struct {
		region, want string
	}{
		"Ireland":   {region: "eu-west-1", want: "eu-west-1"},
		"Milan":     {region: "eu-south-1", want: "us-east-1"},
		"CapeTown":  {region: "af-south-1", want: "us-east-1"},
		"Frankfurt": {region: "eu-central-1", want: "eu-central-1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := CloudFrontLogsRegion(tc.region); got != tc.want {
				t.Errorf("CloudFrontLogsRegion(%q) = %q, want %q", tc.region, got, tc.want)
			}
		})
	}
	for r := range noCloudFrontLogs {
		if _, ok := Zones[r]; !ok {
			t.Errorf("noCloudFrontLogs has %q, which is not a region of Zones", r)
		}
	}
}
