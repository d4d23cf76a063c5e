package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// mongoInitShell runs script in bash after sourcing mongodb-init.sh with a
// member's variables, Secrets Manager replaced by files under dir/secrets,
// and files installed without changing their owner. It returns stdout.
func mongoInitShell(t *testing.T, dir string, index int, script string) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is required (tools/deps/debian.txt): %v", err)
	}
	initPath := filepath.Join(dir, "mongodb-init.sh")
	if err := os.WriteFile(initPath, []byte(mongodbInitScript), 0o600); err != nil {
		t.Fatal(err)
	}
	ips := []string{"10.0.32.10", "10.0.33.10", "10.0.34.10"}
	env := strings.Join([]string{
		"PLATFORM=prod", "REGION=eu-west-1", "REPLICA_SET=rs0",
		"MEMBER_INDEX=" + string(rune('0'+index)),
		"MEMBER_HOSTS='mongodb-0.prod.openedx.internal mongodb-1.prod.openedx.internal mongodb-2.prod.openedx.internal'",
		"MEMBER_IP=" + ips[index],
		"ADMIN_SECRET_ID=admin", "KEYFILE_SECRET_ID=keyfile", "CA_KEY_SECRET_ID=ca-key", "CA_SECRET_ID=ca",
		"MONGODB_VERSION=7.0", "DATA_DEVICE=/dev/null",
		"TMPDIR=" + dir, "TLS_DIR=" + dir + "/tls-" + string(rune('0'+index)),
	}, "\n")
	stubs := `
mkdir -p "` + dir + `/secrets"
get_secret() { [[ -s "` + dir + `/secrets/$1" ]] || return 3; cp "` + dir + `/secrets/$1" "$2"; }
put_secret() { [[ -s "` + dir + `/secrets/$1" ]] || cp "$2" "` + dir + `/secrets/$1"; }
write_if_changed() { cat >"$WORK/next"; if cmp -s "$WORK/next" "$1"; then return 1; fi; install -m "$2" "$WORK/next" "$1"; }
sleep() { :; }
`
	cmd := exec.Command("/bin/bash", "-c", env+"\nsource "+initPath+"\n"+stubs+script)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("bash: %v\n%s", err, stderr)
	}
	return string(out)
}

func TestMongoDBInitConfigRequiresTLS(t *testing.T) {
	dir := t.TempDir()
	out := mongoInitShell(t, dir, 0, "mongod_conf")
	var conf struct {
		Net struct {
			TLS map[string]any `json:"tls"`
		} `json:"net"`
		Security map[string]any `json:"security"`
	}
	if err := yaml.Unmarshal([]byte(out), &conf); err != nil {
		t.Fatalf("mongod.conf is not YAML: %v\n%s", err, out)
	}
	want := map[string]any{
		"mode":                                "requireTLS",
		"certificateKeyFile":                  dir + "/tls-0/member.pem",
		"CAFile":                              dir + "/tls-0/ca.pem",
		"allowConnectionsWithoutCertificates": true,
		"disabledProtocols":                   "TLS1_0,TLS1_1",
	}
	if diff := cmp.Diff(want, conf.Net.TLS); diff != "" {
		t.Errorf("mongod.conf net.tls: members and clients must speak TLS only, clients without certificates: -want, +got:\n%s", diff)
	}
	if conf.Security["keyFile"] == nil || conf.Security["authorization"] != "enabled" {
		t.Errorf("mongod.conf security: members still authenticate with the keyfile, clients with SCRAM: %v", conf.Security)
	}
}

// TestMongoDBInitCertificates runs the script's CA and certificate steps
// with the real openssl: member 0 draws the CA, the others wait for it and
// use the same, and each member's certificate names it and verifies with
// the CA a tenant reads.
func TestMongoDBInitCertificates(t *testing.T) {
	dir := t.TempDir()
	check := `
ensure_ca
ensure_member_cert
echo "changed=$TLS_CHANGED"
openssl verify -CAfile "$CA_FILE" "$MEMBER_PEM" >/dev/null && echo verified
openssl x509 -noout -checkhost "$MEMBER_HOST" -in "$MEMBER_PEM"
openssl x509 -noout -checkip "$MEMBER_IP" -in "$MEMBER_PEM"
openssl x509 -noout -checkhost localhost -in "$MEMBER_PEM"
openssl x509 -noout -ext extendedKeyUsage -in "$MEMBER_PEM" | tail -n 1 | tr -d ' '
`
	hosts := []string{"mongodb-0.prod.openedx.internal", "mongodb-1.prod.openedx.internal", "mongodb-2.prod.openedx.internal"}
	ips := []string{"10.0.32.10", "10.0.33.10", "10.0.34.10"}
	for i := range 3 {
		got := mongoInitShell(t, dir, i, check)
		want := "changed=1\nverified\n" +
			"Hostname " + hosts[i] + " does match certificate\n" +
			"IP " + ips[i] + " does match certificate\n" +
			"Hostname localhost does match certificate\n" +
			"TLSWebServerAuthentication,TLSWebClientAuthentication\n"
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("member %d: -want, +got:\n%s", i, diff)
		}
	}
	// Every member trusts the one CA that the CA secret holds.
	ca, err := os.ReadFile(filepath.Join(dir, "secrets", "ca"))
	if err != nil {
		t.Fatalf("member 0 stored no CA certificate: %v", err)
	}
	for i := range 3 {
		got, err := os.ReadFile(filepath.Join(dir, "tls-"+string(rune('0'+i)), "ca.pem"))
		if err != nil || string(got) != string(ca) {
			t.Errorf("member %d does not trust the stored CA (%v)", i, err)
		}
	}
	// At the next boot a current certificate is kept: mongod is not
	// restarted.
	if diff := cmp.Diff("changed=0\n", mongoInitShell(t, dir, 1, "ensure_ca; ensure_member_cert; echo \"changed=$TLS_CHANGED\"")); diff != "" {
		t.Errorf("second boot: -want, +got:\n%s", diff)
	}
}

// TestMongoDBInitCAMismatch: a CA certificate that is not the CA key's is
// refused rather than trusted.
func TestMongoDBInitCAMismatch(t *testing.T) {
	dir := t.TempDir()
	mongoInitShell(t, dir, 0, "ensure_ca")
	if err := os.Remove(filepath.Join(dir, "secrets", "ca-key")); err != nil {
		t.Fatal(err)
	}
	out := mongoInitShell(t, dir, 0, "(ensure_ca) 2>/dev/null && echo trusted || echo refused")
	if diff := cmp.Diff("refused\n", out); diff != "" {
		t.Errorf("a CA certificate of another key: -want, +got:\n%s", diff)
	}
}
