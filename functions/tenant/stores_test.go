package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openedx-cloud/platform-aws/internal/provisionjob"
	"github.com/openedx-cloud/platform-aws/internal/testkit/storetest"
)

// TestProvisionRealStores runs the provisioning Job's steps, as the Job
// runs them, against real servers on loopback: MariaDB (for Aurora MySQL,
// requiring TLS) and Redis with TLS and AUTH (for ElastiCache). Only the
// AWS CLI and mongosh are fakes (see README: no MongoDB server here).
// Then the tenant's stored credentials log in, and only to its own; a
// re-run keeps them; the platform's deprovisioning scripts drop them.
func TestProvisionRealStores(t *testing.T) {
	python := requirePython(t)
	const (
		adminPassword = `Adm1n-p@ss\word"#x'`
		redisToken    = "redis-auth-token-abcdefghijklmnopqrstuvwxyz"
	)
	mysql := storetest.StartMySQL(t, adminPassword)
	redis := storetest.StartRedis(t, redisToken, 16)

	p, pr := defaultPlan(), wantDemoProvisioning()
	pr.MySQLHost, pr.MySQLPort = mysql.Host, mysql.Port
	pr.RedisHost, pr.RedisPort = redis.Host, redis.Port
	scripts, err := provisionScripts()
	if err != nil {
		t.Fatal(err)
	}
	job, err := provisionJob(p, pr, p.labels("prod", "learning-platform"), scripts)
	if err != nil {
		t.Fatal(err)
	}

	dir, write := jobSandbox(t, python, scripts, storetest.MySQLClientShim)
	file := func(id string) string { return strings.NewReplacer("/", "_", ":", "_").Replace(id) }
	admin := func(user string) string {
		b, _ := json.Marshal(map[string]string{"username": user, "password": adminPassword})
		return string(b)
	}
	for id, value := range map[string]string{
		pr.MySQLAdminSecretARN:   admin(mysql.Admin.Username),
		pr.MongoDBAdminSecretARN: admin("root"),
		pr.MongoDBCASecretARN:    mongoTestCA,
		pr.RedisAuthSecretARN:    redisToken,
		pr.SecretID:              "",
	} {
		write(dir("state", "secrets", file(id)+".exists"), "", 0o600)
		if value != "" {
			write(dir("state", "secrets", file(id)), value, 0o600)
		}
	}
	write(dir("state", "users", pr.SMTPUser), `{}`, 0o600)
	// What the platform's deprovisioning scripts run with, below.
	env := []string{
		"PATH=" + dir("bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"FAKE_STATE=" + dir("state"), "FAKE_MONGODB_ADMIN_PASSWORD=" + adminPassword,
	}

	// runJob runs the provisioning Job's steps on a fresh work volume.
	runJob := func(t *testing.T) {
		t.Helper()
		runJobSteps(t, job, python, dir, "FAKE_MONGODB_ADMIN_PASSWORD="+adminPassword)
	}
	stored := func(t *testing.T) map[string]string {
		t.Helper()
		return readStrings(t, dir("state", "secrets", file(pr.SecretID)))
	}

	// Another tenant's database, which this tenant must not reach.
	if _, err := mysql.Root("CREATE DATABASE openedx_other; CREATE TABLE openedx_other.t (x int);"); err != nil {
		t.Fatal(err)
	}

	// canUseMySQL shows that config's credentials own config's database.
	canUseMySQL := func(t *testing.T, config map[string]string) {
		t.Helper()
		if config["MYSQL_HOST"] != mysql.Host || config["MYSQL_PORT"] != strconv.Itoa(mysql.Port) {
			t.Fatalf("the configuration points at MySQL %s:%s, want the test's server", config["MYSQL_HOST"], config["MYSQL_PORT"])
		}
		out, err := mysql.Login(t, config["OPENEDX_MYSQL_USERNAME"], config["OPENEDX_MYSQL_PASSWORD"], config["OPENEDX_MYSQL_DATABASE"],
			"CREATE TABLE IF NOT EXISTS probe (s varchar(8)); DELETE FROM probe; INSERT INTO probe VALUES ('😀'); SELECT s FROM probe; "+
				"SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE();")
		if err != nil {
			t.Fatalf("the tenant cannot use its MySQL database: %v", err)
		}
		if diff := cmp.Diff("😀\nutf8mb4\tutf8mb4_unicode_ci\n", out); diff != "" {
			t.Errorf("the tenant's database: -want, +got:\n%s", diff)
		}
	}
	canUseRedis := func(t *testing.T, config map[string]string) {
		t.Helper()
		if config["REDIS_HOST"] != redis.Host || config["REDIS_PORT"] != strconv.Itoa(redis.Port) || config["REDIS_USERNAME"] != "default" {
			t.Fatalf("the configuration points at Redis %s@%s:%s, want default@ the test's server", config["REDIS_USERNAME"], config["REDIS_HOST"], config["REDIS_PORT"])
		}
		for _, key := range []string{"OPENEDX_CACHE_REDIS_DB", "OPENEDX_CELERY_REDIS_DB"} {
			db, err := strconv.Atoi(config[key])
			if err != nil {
				t.Fatalf("%s = %q", key, config[key])
			}
			if _, err := redis.CLI(t, config["REDIS_USERNAME"], config["REDIS_PASSWORD"], db, "SET", "probe", key); err != nil {
				t.Errorf("redis-cli cannot write database %s=%d with the tenant's credentials over TLS: %v", key, db, err)
			}
		}
		// Tutor's clients are Python's redis, with a rediss:// URL
		// holding the user and token; each database holds its own key.
		check := `import sys, redis
url, ca, cache, celery = sys.argv[1:5]
for db, want in ((cache, b"OPENEDX_CACHE_REDIS_DB"), (celery, b"OPENEDX_CELERY_REDIS_DB")):
    got = redis.Redis.from_url(url + "/" + db, ssl_ca_certs=ca).get("probe")
    assert got == want, (db, got)
`
		url := fmt.Sprintf("rediss://%s:%s@%s:%s", config["REDIS_USERNAME"], config["REDIS_PASSWORD"], config["REDIS_HOST"], config["REDIS_PORT"])
		if out, err := exec.Command("/usr/bin/python3", "-c", check, url, redis.TLS.CAFile, config["OPENEDX_CACHE_REDIS_DB"], config["OPENEDX_CELERY_REDIS_DB"]).CombinedOutput(); err != nil {
			t.Errorf("python3-redis cannot read the tenant's databases over TLS: %v\n%s", err, out)
		}
		if _, err := redis.CLI(t, "default", "wrong-token", 0, "PING"); err == nil {
			t.Errorf("Redis accepts a wrong token")
		}
	}

	var first map[string]string
	t.Run("FirstRun", func(t *testing.T) {
		runJob(t)
		first = stored(t)
		canUseMySQL(t, first)
		canUseRedis(t, first)
		if _, err := mysql.Login(t, first["OPENEDX_MYSQL_USERNAME"], first["OPENEDX_MYSQL_PASSWORD"], "openedx_other", "SELECT * FROM t"); err == nil || !strings.Contains(err.Error(), "Access denied") {
			t.Errorf("the tenant reaches another tenant's database: %v", err)
		}
		if _, err := mysql.Login(t, first["OPENEDX_MYSQL_USERNAME"], first["OPENEDX_MYSQL_PASSWORD"], "", "CREATE DATABASE openedx_mine"); err == nil {
			t.Errorf("the tenant can create databases")
		}
		if _, err := mysql.Login(t, first["OPENEDX_MYSQL_USERNAME"], "Wrong"+first["OPENEDX_MYSQL_PASSWORD"], first["OPENEDX_MYSQL_DATABASE"], "SELECT 1"); err == nil {
			t.Errorf("MySQL accepts a wrong password")
		}
		// The server refuses what is not TLS: the scripts' connections
		// were encrypted.
		if out, err := exec.Command("mariadb", "--no-defaults", "--host="+mysql.Host, "--port="+strconv.Itoa(mysql.Port), "--skip-ssl",
			"--user="+first["OPENEDX_MYSQL_USERNAME"], "--password="+first["OPENEDX_MYSQL_PASSWORD"], "-e", "SELECT 1").CombinedOutput(); err == nil {
			t.Errorf("MariaDB accepts connections without TLS:\n%s", out)
		}
	})

	t.Run("ReRunKeepsCredentials", func(t *testing.T) {
		if first == nil {
			t.Fatal("the first run failed")
		}
		// The stored password is authoritative, even over a change made
		// behind the Job's back.
		if _, err := mysql.Root("ALTER USER 'openedx_demo'@'%' IDENTIFIED BY 'ChangedBehindTheJobsBack0123456789'"); err != nil {
			t.Fatal(err)
		}
		runJob(t)
		if diff := cmp.Diff(first, stored(t)); diff != "" {
			t.Errorf("stored configuration: -first run, +re-run:\n%s", diff)
		}
		canUseMySQL(t, first)
		canUseRedis(t, first)
		if out, err := mysql.Root("SELECT COUNT(*) FROM openedx_demo.probe"); err != nil || out != "1\n" {
			t.Errorf("a re-run lost the tenant's data: %q, %v", out, err)
		}
	})

	t.Run("Deprovision", func(t *testing.T) {
		if first == nil {
			t.Fatal("the first run failed")
		}
		deprovision := filepath.Join("..", "platform", "deprovision")
		scripts, err := provisionjob.LoadScripts(os.DirFS(filepath.Join("..", "platform")), "deprovision")
		if err != nil {
			t.Fatal(err)
		}
		names, sum := provisionjob.ScriptsDigest(scripts)
		run := func(t *testing.T) {
			t.Helper()
			work := t.TempDir()
			for _, step := range [][]string{
				{"sh", filepath.Join(deprovision, "fetch.sh")},
				{python, filepath.Join(deprovision, "credentials.py")},
				{"sh", filepath.Join(deprovision, "mysql.sh")},
			} {
				cmd := exec.Command(step[0], step[1:]...)
				cmd.Env = append(slices.Clone(env), "DEPROVISION_WORK="+work, "DEPROVISION_SCRIPTS="+deprovision,
					"SCRIPTS="+strings.Join(names, " "), "SCRIPTS_SHA256="+sum,
					"MYSQL_ADMIN_SECRET_ARN="+pr.MySQLAdminSecretARN, "MONGODB_ADMIN_SECRET_ARN="+pr.MongoDBAdminSecretARN,
					"MYSQL_HOST="+mysql.Host, "MYSQL_PORT="+strconv.Itoa(mysql.Port),
					"MYSQL_DATABASE="+first["OPENEDX_MYSQL_DATABASE"], "MYSQL_USERNAME="+first["OPENEDX_MYSQL_USERNAME"])
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", step[1], err, out)
				}
			}
		}
		run(t)
		if _, err := mysql.Login(t, first["OPENEDX_MYSQL_USERNAME"], first["OPENEDX_MYSQL_PASSWORD"], "", "SELECT 1"); err == nil {
			t.Errorf("the deleted tenant can still log in to MySQL")
		}
		out, err := mysql.Root("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'openedx%' ORDER BY 1; SELECT COUNT(*) FROM mysql.user WHERE User = 'openedx_demo';")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff("openedx_other\n0\n", out); diff != "" {
			t.Errorf("after deprovisioning, databases and users: -want, +got:\n%s", diff)
		}
		// Idempotent: a retried Job succeeds.
		run(t)
	})
}
