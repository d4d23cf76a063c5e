package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openedx-cloud/platform-aws/internal/testkit/storetest"
)

// fakeSecretsAWS plays `aws secretsmanager get-secret-value` for the
// deprovisioning Job: each secret's value is a file of FAKE_STATE.
const fakeSecretsAWS = `#!/bin/sh
set -eu
[ "$1 $2 $3" = "secretsmanager get-secret-value --secret-id" ] || { echo "unexpected: $*" >&2; exit 2; }
f="$FAKE_STATE/$(printf '%s' "$4" | tr '/:!' '___')"
[ -f "$f" ] || { echo "An error occurred (ResourceNotFoundException)" >&2; exit 254; }
cat "$f"
`

// TestDeprovisionRealMySQL runs the deprovisioning Job's steps, with their
// commands and environment, against a real MariaDB server that requires
// TLS: the deleted tenant's database and user are dropped, another
// tenant's are kept, and a retried Job succeeds. The AWS CLI is a fake;
// the mongodb step is not run (no MongoDB server here: see README).
func TestDeprovisionRealMySQL(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is not installed: run make deps")
	}
	// A double quote and a '#' end an option file's value early unless
	// escaped.
	const adminPassword = `p\a"ss #w'rd`
	mysql := storetest.StartMySQL(t, adminPassword)
	in := testDeprovisionInputs
	in.MySQLHost, in.MySQLPort = mysql.Host, mysql.Port
	e := newDeprovisioning("my-uni", "my-uni-x7k2p")
	scripts, err := deprovisionScripts()
	if err != nil {
		t.Fatal(err)
	}
	job, err := deprovisionJob(in, e, scripts)
	if err != nil {
		t.Fatal(err)
	}

	root := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range scripts {
		write(filepath.Join(root, "scripts", name), content, 0o444)
	}
	write(filepath.Join(root, "bin", "aws"), fakeSecretsAWS, 0o755)
	write(filepath.Join(root, "bin", "mysql"), storetest.MySQLClientShim, 0o755)
	for arn, user := range map[string]string{in.MySQLAdminSecretARN: mysql.Admin.Username, in.MongoDBAdminSecretARN: "root"} {
		value, _ := json.Marshal(map[string]string{"username": user, "password": adminPassword})
		secretString, _ := json.Marshal(string(value))
		write(filepath.Join(root, "state", strings.NewReplacer("/", "_", ":", "_", "!", "_").Replace(arn)), string(secretString), 0o600)
	}
	// The CA certificate, read with --output text: as stored.
	const caPEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
	write(filepath.Join(root, "state", strings.NewReplacer("/", "_", ":", "_", "!", "_").Replace(in.MongoDBCASecretARN)), caPEM, 0o600)

	// Two provisioned tenants, as the tenant's provisioning Job leaves them.
	const password = "TenantPassword0123456789abcdefghijklmnop"
	for _, name := range []string{e.MySQLDatabase, "openedx_other"} {
		if _, err := mysql.Root("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4; CREATE TABLE `" + name + "`.t (x int); " +
			"CREATE USER '" + name + "'@'%' IDENTIFIED BY '" + password + "'; GRANT ALL PRIVILEGES ON `" + name + "`.* TO '" + name + "'@'%';"); err != nil {
			t.Fatal(err)
		}
	}
	if e.MySQLUser != e.MySQLDatabase {
		t.Fatalf("the test assumes a tenant's MySQL user and database share a name: %s, %s", e.MySQLUser, e.MySQLDatabase)
	}
	if _, err := mysql.Login(t, e.MySQLUser, password, e.MySQLDatabase, "SELECT 1"); err != nil {
		t.Fatalf("the tenant cannot log in before deprovisioning: %v", err)
	}

	// run runs the Job's steps but the mongodb one; none may log a
	// password.
	run := func(t *testing.T) {
		t.Helper()
		logs := storetest.Job{
			Python: python, Bin: filepath.Join(root, "bin"),
			Scripts: filepath.Join(root, "scripts"), ScriptsVar: "DEPROVISION_SCRIPTS", WorkVar: "DEPROVISION_WORK",
			Env:  []string{"FAKE_STATE=" + filepath.Join(root, "state")},
			Skip: []string{"mongodb"},
			AfterStep: func(step, work string) {
				if b, err := os.ReadFile(filepath.Join(work, "in", "mongodb-ca.pem")); step == "fetch" && (err != nil || string(b) != caPEM) {
					t.Errorf("fetch did not leave the CA certificate for mongodb.sh: %q (%v)", b, err)
				}
			},
		}.Run(t, job)
		if strings.Contains(logs, adminPassword) || strings.Contains(logs, password) {
			t.Errorf("a step logged a password:\n%s", logs)
		}
	}
	run(t)
	if _, err := mysql.Login(t, e.MySQLUser, password, "", "SELECT 1"); err == nil {
		t.Errorf("the deleted tenant can still log in")
	}
	if _, err := mysql.Login(t, "openedx_other", password, "openedx_other", "SELECT * FROM t"); err != nil {
		t.Errorf("the other tenant lost its access: %v", err)
	}
	out, err := mysql.Root("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'openedx%' ORDER BY 1; SELECT User FROM mysql.user WHERE User LIKE 'openedx%' ORDER BY 1;")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("openedx_other\nopenedx_other\n", out); diff != "" {
		t.Errorf("databases and users left: -want, +got:\n%s", diff)
	}
	// A retried Job finds nothing to drop, and succeeds.
	run(t)
}
