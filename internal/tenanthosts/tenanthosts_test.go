package tenanthosts

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClaims(t *testing.T) {
	cases := map[string]struct {
		lms, cms, mfe string
		want          []Claim
	}{
		"Defaults": {
			lms: "learn.example.org",
			want: []Claim{
				{Host: "learn.example.org", Role: "LMS", Field: "lmsHost"},
				{Host: "studio.learn.example.org", Role: "Studio", Field: "cmsHost", Derived: "studio.<lmsHost>"},
				{Host: "apps.learn.example.org", Role: "MFE", Field: "mfeHost", Derived: "apps.<lmsHost>"},
				{Host: "meilisearch.learn.example.org", Role: "Meilisearch", Field: "lmsHost", Derived: "meilisearch.<lmsHost>"},
			},
		},
		"Set": {
			lms: "learn.example.org", cms: "cms.example.org", mfe: "mfe.example.org",
			want: []Claim{
				{Host: "learn.example.org", Role: "LMS", Field: "lmsHost"},
				{Host: "cms.example.org", Role: "Studio", Field: "cmsHost"},
				{Host: "mfe.example.org", Role: "MFE", Field: "mfeHost"},
				{Host: "meilisearch.learn.example.org", Role: "Meilisearch", Field: "lmsHost", Derived: "meilisearch.<lmsHost>"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Claims(tc.lms, tc.cms, tc.mfe)); diff != "" {
				t.Errorf("Claims(%q, %q, %q): -want, +got:\n%s", tc.lms, tc.cms, tc.mfe, diff)
			}
		})
	}
}
