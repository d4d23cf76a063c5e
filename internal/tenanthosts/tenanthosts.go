// Package tenanthosts resolves an Open edX instance's host names from its
// spec, for the tenant function that serves them and the platform function
// that keeps two tenants from claiming one. One copy of Tutor's defaults,
// so that both always agree on what a tenant's hosts are.
package tenanthosts

// Prefixes Tutor and its plugins put before LMS_HOST.
const (
	// CMSPrefix is Tutor's default CMS_HOST, studio.<LMS_HOST>.
	CMSPrefix = "studio."
	// MFEPrefix is tutor-mfe's default MFE_HOST, apps.<LMS_HOST>.
	MFEPrefix = "apps."
	// MeilisearchPrefix is Tutor's MEILISEARCH_HOST, meilisearch.<LMS_HOST>,
	// served publicly whenever RUN_MEILISEARCH is true.
	MeilisearchPrefix = "meilisearch."
)

// Longest hosts. ACM refuses a certificate whose first name is over 64
// characters, and any host the platform's wildcard does not cover may come
// first in the instance's certificate; 64 also keeps a validation record,
// _<32 hex>.<host>., inside Route 53's 255.
const (
	MaxLength = 64
	// MaxLMSLength leaves room for meilisearch.<lmsHost>, the longest
	// host Tutor derives.
	MaxLMSLength = MaxLength - len(MeilisearchPrefix)
)

// Hosts are the names one instance answers on.
type Hosts struct {
	LMS         string
	CMS         string
	MFE         string
	Meilisearch string
}

// Resolve fills the hosts the spec leaves empty with Tutor's defaults.
func Resolve(lms, cms, mfe string) Hosts {
	if cms == "" {
		cms = CMSPrefix + lms
	}
	if mfe == "" {
		mfe = MFEPrefix + lms
	}
	return Hosts{LMS: lms, CMS: cms, MFE: mfe, Meilisearch: MeilisearchPrefix + lms}
}

// Claim is one host an instance answers on, with the spec field it comes
// from, for messages.
type Claim struct {
	Host string
	// Role is what the host serves: LMS, Studio, MFE or Meilisearch.
	Role string
	// Field is the spec field that sets the host, or that it follows from:
	// lmsHost, cmsHost or mfeHost.
	Field string
	// Derived is the default the host follows when the spec does not set
	// it, such as studio.<lmsHost>; empty when set.
	Derived string
}

// Claims are every host of an instance, LMS first. cms and mfe are the
// spec's, empty when unset.
func Claims(lms, cms, mfe string) []Claim {
	h := Resolve(lms, cms, mfe)
	derived := func(spec, d string) string {
		if spec != "" {
			return ""
		}
		return d
	}
	return []Claim{
		{Host: h.LMS, Role: "LMS", Field: "lmsHost"},
		{Host: h.CMS, Role: "Studio", Field: "cmsHost", Derived: derived(cms, CMSPrefix+"<lmsHost>")},
		{Host: h.MFE, Role: "MFE", Field: "mfeHost", Derived: derived(mfe, MFEPrefix+"<lmsHost>")},
		{Host: h.Meilisearch, Role: "Meilisearch", Field: "lmsHost", Derived: MeilisearchPrefix + "<lmsHost>"},
	}
}

// String names the claim in a message, such as "Studio host
// studio.<lmsHost>" or "MFE host (spec.mfeHost)".
func (c Claim) String() string {
	if c.Derived != "" {
		return c.Role + " host " + c.Derived
	}
	return c.Role + " host (spec." + c.Field + ")"
}
