package tenantnames

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNames(t *testing.T) {
	long := "a-very-long-instance-name-xyz"
	cases := map[string]struct {
		reason string
		got    []string
		want   []string
	}{
		"Short": {
			reason: "'-' becomes '_' in every name.",
			got:    []string{MySQLDatabase("my-uni"), MySQLUsername("my-uni"), MongoDBDatabase("my-uni"), ForumDatabase("my-uni"), MongoDBUsername("my-uni")},
			want:   []string{"openedx_my_uni", "openedx_my_uni", "openedx_my_uni", "openedx_my_uni_forum", "openedx_my_uni"},
		},
		"LongUser": {
			reason: "Only the MySQL user is shortened, to 32 characters ending in a hash.",
			got:    []string{MySQLDatabase(long), MongoDBUsername(long)},
			want:   []string{"openedx_" + strings.ReplaceAll(long, "-", "_"), "openedx_" + strings.ReplaceAll(long, "-", "_")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("\n%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
	if u := MySQLUsername(long); len(u) != MaxMySQLUserName || !strings.HasPrefix(u, "openedx_a_very_long") {
		t.Errorf("MySQLUsername(%q) = %q: want 32 characters with the instance's prefix", long, u)
	}
}

func TestSharedPaths(t *testing.T) {
	// The platform grants its provisioner SecretsPath and names its own
	// namespaces from the reserved instances; the tenant writes under
	// SecretsPrefix and refuses those instance names.
	got := []string{Namespace("my-uni"), SecretsPath("prod"), SecretsPrefix("prod", "my-uni")}
	want := []string{"openedx-my-uni", "openedx/prod/tenants/", "openedx/prod/tenants/my-uni/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want, +got:\n%s", diff)
	}
	if p := SecretsPrefix("prod", "my-uni"); !strings.HasPrefix(p, SecretsPath("prod")) {
		t.Errorf("an instance's secrets %q are outside the path the provisioner may use, %q", p, SecretsPath("prod"))
	}
	var ns []string
	for _, i := range ReservedInstances() {
		ns = append(ns, Namespace(i))
	}
	if diff := cmp.Diff([]string{"openedx-edge", "openedx-system"}, ns); diff != "" {
		t.Errorf("the platform's own namespaces: -want, +got:\n%s", diff)
	}
}
