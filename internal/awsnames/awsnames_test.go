package awsnames

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestName(t *testing.T) {
	cases := map[string]struct {
		rule Rule
		base string
		want string
	}{
		"ValidIsUnchanged":         {rule: RDSClusterID, base: "prod-mysql", want: "prod-mysql"},
		"DoubleHyphenCollapses":    {rule: RDSClusterID, base: "prod--eu-mysql", want: "prod-eu-mysql-" + hash("prod--eu-mysql")},
		"PeriodBecomesHyphen":      {rule: RDSClusterID, base: "prod.eu-mysql", want: "prod-eu-mysql-" + hash("prod.eu-mysql")},
		"DigitFirstIsPrefixed":     {rule: OpenSearchDomain, base: "1prod-search", want: "x1prod-search-" + hash("1prod-search")},
		"CutLeavesNoDoubleHyphen":  {rule: ElastiCacheReplicationGroupID, base: strings.Repeat("a", 30) + "-bcdefgh-cache", want: strings.Repeat("a", 30) + "-" + hash(strings.Repeat("a", 30)+"-bcdefgh-cache")},
		"TooLongAsTruncate":        {rule: OpenSearchDomain, base: "abcdefghijklmnopqrstuvwxyz-search", want: "abcdefghijklmnopqrs-" + hash("abcdefghijklmnopqrstuvwxyz-search")},
		"PrefixKept":               {rule: WAFLogGroup, base: "aws-waf-logs-prod.eu", want: "aws-waf-logs-prod.eu"},
		"EKSKeepsUnderscore":       {rule: EKSCluster, base: "prod.eu", want: "prod-eu-" + hash("prod.eu")},
		"ReservedPrefixIsPrefixed": {rule: S3Bucket, base: "sthree-prod", want: "xsthree-prod-" + hash("sthree-prod")},
		"ReservedSuffixKept":       {rule: S3Bucket, base: "prod-s3alias", want: "prod-s3alias"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.rule.Name(tc.base)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s.Name(%q): -want +got:\n%s", tc.rule.What, tc.base, diff)
			}
			if err := tc.rule.Check(got); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	cases := map[string]struct {
		rule Rule
		name string
	}{
		"TooLong":      {rule: ElastiCacheReplicationGroupID, name: strings.Repeat("a", 41)},
		"DigitFirst":   {rule: RDSClusterID, name: "1prod"},
		"DoubleHyphen": {rule: RDSClusterID, name: "prod--eu"},
		"Trailing":     {rule: RDSClusterID, name: "prod-"},
		"Period":       {rule: SNSTopic, name: "prod.eu"},
		"NoPrefix":     {rule: WAFLogGroup, name: "prod"},
		"Upper":        {rule: S3Bucket, name: "Prod"},
		"Short":        {rule: OpenSearchDomain, name: "ab"},
		"S3Sthree":     {rule: S3Bucket, name: "sthree-prod"},
		"S3DemoPrefix": {rule: S3Bucket, name: "amzn-s3-demo-prod"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if err := tc.rule.Check(tc.name); err == nil {
				t.Errorf("%s.Check(%q) = nil, want an error", tc.rule.What, tc.name)
			}
		})
	}
}

// TestNameIsValidAndDistinct derives every rule's name from random
// compositions of accepted platform names (DNS-1123 subdomains of at most 63
// characters) and suffixes, and wants each valid and two different bases
// never to get the same name.
func TestNameIsValidAndDistinct(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, rule := range Rules {
		seen := map[string]string{}
		for i := 0; i < 5000; i++ {
			base := rule.Prefix + RandomSubdomain(r, 1+r.IntN(63)) + []string{"", "-mysql", "-cache", "-search-admin", "-mysql-final", "-tenant-x"}[r.IntN(6)]
			got := rule.Name(base)
			if err := rule.Check(got); err != nil {
				t.Fatalf("Name(%q) = %q: %v", base, got, err)
			}
			if prev, ok := seen[got]; ok && prev != base {
				t.Fatalf("%s: %q and %q both give %q", rule.What, prev, base, got)
			}
			seen[got] = base
		}
	}
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}
