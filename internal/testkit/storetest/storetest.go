// Package storetest starts real data stores for tests of the provisioning
// and deprovisioning scripts: MariaDB for Aurora MySQL, and Redis with TLS
// and AUTH for ElastiCache. Each server listens on 127.0.0.1 only, on a
// free port, with its files in the test's temporary directory; it is
// stopped when the test ends. Tests only: the servers are Debian's
// (tools/deps/debian.txt), and a missing one fails the test.
package storetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/errors"
)

// startTimeout bounds each server's start on a loaded machine.
const startTimeout = 90 * time.Second

// TLS is a CA and a server certificate for 127.0.0.1 it signed, as files.
type TLS struct {
	CAFile, CertFile, KeyFile string
}

// NewTLS writes a new CA and server certificate into dir.
func NewTLS(t *testing.T, dir string) TLS {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey, serverKey := newKey(), newKey()
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "storetest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	server := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, server, ca, &serverKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	out := TLS{CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "server.pem"), KeyFile: filepath.Join(dir, "server-key.pem")}
	for file, block := range map[string]*pem.Block{
		out.CAFile:   {Type: "CERTIFICATE", Bytes: caDER},
		out.CertFile: {Type: "CERTIFICATE", Bytes: serverDER},
		out.KeyFile:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// FreePort is a TCP port of 127.0.0.1 that was free a moment ago.
func FreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Tool is the path of a Debian-packaged program, or fails the test.
func Tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return filepath.Join(dir, name)
			}
		}
		t.Fatalf("%s is not installed: add its Debian package to tools/deps/debian.txt and run make deps", name)
	}
	return p
}

// start runs a server until the test ends, and waits until ready says so.
func start(t *testing.T, name string, logFile string, ready func() error, path string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, path, args...)
	logs, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	// Its own process group, so that nothing it starts outlives the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("cannot start %s: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited //nolint:errcheck // Killed by cancel: the exit status says nothing.
		_ = logs.Close()
	})
	deadline := time.Now().Add(startTimeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		select {
		case e := <-exited:
			exited <- e
			b, _ := os.ReadFile(logFile)
			t.Fatalf("%s exited while starting: %v\n%s", name, e, tail(b))
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logFile)
			t.Fatalf("%s is not ready after %s: %v\n%s", name, startTimeout, err, tail(b))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// MySQL is a running MariaDB server that requires TLS, with an admin user
// that may create databases and users, as Aurora's master user may.
type MySQL struct {
	Host  string
	Port  int
	Admin struct{ Username, Password string }
	TLS   TLS
	// socket reaches the server as root, for the tests' own checks.
	socket string
}

// StartMySQL starts a MariaDB server in a temporary directory.
func StartMySQL(t *testing.T, adminPassword string) *MySQL {
	t.Helper()
	mariadbd, installDB := Tool(t, "mariadbd"), Tool(t, "mariadb-install-db")
	Tool(t, "mariadb")
	dir := t.TempDir()
	m := &MySQL{Host: "127.0.0.1", Port: FreePort(t), TLS: NewTLS(t, dir), socket: filepath.Join(dir, "mysqld.sock")}
	m.Admin.Username, m.Admin.Password = "admin", adminPassword
	// mariadbd runs as root only when told to; as anyone else it runs as
	// that user.
	user := []string{}
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	install := exec.Command(installDB, append([]string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"),
		"--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve"}, user...)...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, tail(out))
	}
	args := append([]string{"--no-defaults",
		"--datadir=" + filepath.Join(dir, "data"), "--socket=" + m.socket, "--pid-file=" + filepath.Join(dir, "mysqld.pid"),
		"--bind-address=127.0.0.1", "--port=" + strconv.Itoa(m.Port), "--skip-name-resolve",
		// Aurora's require_secure_transport, which mysql.sh's
		// --ssl-mode=REQUIRED is for.
		"--ssl-ca=" + m.TLS.CAFile, "--ssl-cert=" + m.TLS.CertFile, "--ssl-key=" + m.TLS.KeyFile, "--require-secure-transport=ON",
		"--character-set-server=utf8mb4", "--innodb-buffer-pool-size=16M", "--skip-log-bin", "--log-error=" + filepath.Join(dir, "error.log"),
	}, user...)
	start(t, "mariadbd", filepath.Join(dir, "stdout.log"), func() error {
		_, err := m.Root("SELECT 1")
		return err
	}, mariadbd, args...)
	if _, err := m.Root(fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'; GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION;",
		m.Admin.Username, strings.ReplaceAll(strings.ReplaceAll(adminPassword, `\`, `\\`), "'", `\'`), m.Admin.Username)); err != nil {
		t.Fatalf("cannot create the admin user: %v", err)
	}
	return m
}

// Root runs SQL as the server's root user through its socket, and
// returns the rows, tab-separated.
func (m *MySQL) Root(sql string) (string, error) {
	cmd := exec.Command("mariadb", "--no-defaults", "--socket="+m.socket, "--user=root", "--batch", "--skip-column-names", "-e", sql)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.Errorf("%v: %s", err, stderr.String())
	}
	return out.String(), nil
}

// Login runs SQL over TCP and TLS as user with password, the way a tenant
// connects, with the password in a defaults file.
func (m *MySQL) Login(t *testing.T, user, password, database, sql string) (string, error) {
	t.Helper()
	cnf := filepath.Join(t.TempDir(), "client.cnf")
	if err := os.WriteFile(cnf, []byte(fmt.Sprintf("[client]\nuser=%q\npassword=%q\n", user, password)), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--defaults-extra-file=" + cnf, "--host=" + m.Host, "--port=" + strconv.Itoa(m.Port),
		"--ssl", "--ssl-ca=" + m.TLS.CAFile, "--ssl-verify-server-cert", "--default-character-set=utf8mb4", "--batch", "--skip-column-names"}
	if database != "" {
		args = append(args, "--database="+database)
	}
	cmd := exec.Command("mariadb", append(args, "-e", sql)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}

// MySQLClientShim is a `mysql` for the scripts: MariaDB's client, which
// lacks MySQL 8.4's --ssl-mode. The shim turns --ssl-mode=REQUIRED into
// MariaDB's --ssl (encrypt, without verifying the server: what REQUIRED
// means) and refuses any other mode, so that the scripts' own options are
// what runs. The server requires TLS, so a plain connection would fail.
const MySQLClientShim = `#!/bin/sh
set -eu
for a; do
	shift
	case "$a" in
	--ssl-mode=REQUIRED) set -- "$@" --ssl ;;
	--ssl-mode=*) echo "storetest mysql shim: $a is not translated" >&2; exit 2 ;;
	*) set -- "$@" "$a" ;;
	esac
done
exec mariadb "$@"
`

// Redis is a running Redis server reachable over TLS only, whose default
// user's password is the AUTH token, as ElastiCache with transit
// encryption and an AUTH token is.
type Redis struct {
	Host  string
	Port  int
	Token string
	TLS   TLS
}

// StartRedis starts a Redis server in a temporary directory.
func StartRedis(t *testing.T, token string, databases int) *Redis {
	t.Helper()
	server := Tool(t, "redis-server")
	Tool(t, "redis-cli")
	dir := t.TempDir()
	r := &Redis{Host: "127.0.0.1", Port: FreePort(t), Token: token, TLS: NewTLS(t, dir)}
	conf := strings.Join([]string{
		"bind 127.0.0.1",
		"port 0",
		"tls-port " + strconv.Itoa(r.Port),
		"tls-cert-file " + r.TLS.CertFile,
		"tls-key-file " + r.TLS.KeyFile,
		"tls-ca-cert-file " + r.TLS.CAFile,
		"tls-auth-clients no",
		"requirepass " + token,
		"databases " + strconv.Itoa(databases),
		"dir " + dir,
		`save ""`,
		"appendonly no",
		"daemonize no",
	}, "\n") + "\n"
	confFile := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	start(t, "redis-server", filepath.Join(dir, "redis.log"), func() error {
		out, err := r.CLI(t, "default", token, 0, "PING")
		if err != nil {
			return err
		}
		if out != "PONG" {
			return errors.Errorf("PING: %q", out)
		}
		return nil
	}, server, confFile)
	return r
}

// CLI runs one command with redis-cli over TLS as user, on database db.
func (r *Redis) CLI(t *testing.T, user, password string, db int, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("redis-cli", append([]string{"--no-auth-warning", "--tls", "--cacert", r.TLS.CAFile,
		"-h", r.Host, "-p", strconv.Itoa(r.Port), "--user", user, "--pass", password, "-n", strconv.Itoa(db)}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	s := strings.TrimSpace(out.String())
	// redis-cli reports errors on standard output with exit status 0.
	if strings.HasPrefix(s, "ERR") || strings.HasPrefix(s, "WRONGPASS") || strings.HasPrefix(s, "NOAUTH") || strings.HasPrefix(s, "AUTH failed") {
		return "", errors.Errorf("%s", s)
	}
	return s, nil
}
