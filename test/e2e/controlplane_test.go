//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/manifests"
)

// Environment variables `make e2e` sets.
const (
	envBinDir      = "E2E_BIN_DIR"      // etcd, kube-apiserver, kube-controller-manager, kubectl, crossplane-core
	envFunctionDir = "E2E_FUNCTION_DIR" // function-platform, function-tenant (make build)
	envKeep        = "E2E_KEEP"         // keep the work directory and its logs even when every test passes
	envDebug       = "E2E_DEBUG"        // run Crossplane and the functions with debug logs
	// envPreviews names a directory of previews (relative to the
	// repository, or absolute) to use instead of test/golden, such as
	// _output/render while a change to the functions awaits its golden
	// update. CI leaves it unset.
	envPreviews = "E2E_PREVIEW_DIR"
)

// crossplaneGroups are API groups of composed kinds whose CRDs Crossplane
// core installs itself, such as usages.
var crossplaneGroups = map[string]bool{"protection.crossplane.io": true}

// functionPollInterval is the functions' --poll-interval here: the TTL of
// their responses, after which Crossplane calls them again.
const functionPollInterval = 15 * time.Second

// functions are the project's composition functions: the name Crossplane
// knows them by (install/functions.yaml, package/compositions) and the
// binary `make build` writes.
var functions = map[string]string{
	"function-openedx-platform": "function-platform",
	"function-openedx-tenant":   "function-tenant",
}

// controlPlane is etcd, an API server, the garbage collector, Crossplane
// and both functions, all on 127.0.0.1, in a temporary directory.
type controlPlane struct {
	root     string // the repository
	dir      string // work directory: data, certificates, logs
	bins     string
	fnBins   string
	previews string // test/golden, or $E2E_PREVIEW_DIR
	debug    bool

	procs processes
	pki   *pki
	kube  *kubectl

	etcdURL      string
	apiserverURL string
	token        string
	// webhookURL is Crossplane's webhook server: https://127.0.0.1:PORT.
	webhookURL string
	// fnEndpoints are the functions' addresses, by Function name.
	fnEndpoints map[string]string

	registry *loopbackRegistry
	// configuration is the Configuration package's reference, as a user
	// installs it (PACKAGE_REGISTRY/configuration-openedx-aws:VERSION).
	configuration string
}

func newControlPlane() (*controlPlane, error) {
	bins, fnBins := os.Getenv(envBinDir), os.Getenv(envFunctionDir)
	if bins == "" || fnBins == "" {
		return nil, fmt.Errorf("%s and %s must name the directories of the control-plane and function binaries: run make e2e", envBinDir, envFunctionDir)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "package", "xrds")); err != nil {
		return nil, fmt.Errorf("cannot find the repository's package/xrds from %s: %w", root, err)
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl", "crossplane-core"} {
		if _, err := os.Stat(filepath.Join(bins, b)); err != nil {
			return nil, fmt.Errorf("missing control-plane binary: %w (make e2e builds it)", err)
		}
	}
	for _, b := range functions {
		if _, err := os.Stat(filepath.Join(fnBins, b)); err != nil {
			return nil, fmt.Errorf("missing function binary: %w (make build builds it)", err)
		}
	}
	previews := filepath.Join(root, "test", "golden")
	if d := os.Getenv(envPreviews); d != "" {
		// Relative to the repository, where make runs.
		previews = d
		if !filepath.IsAbs(d) {
			previews = filepath.Join(root, d)
		}
		fmt.Printf("e2e: %s: comparing with the previews in %s instead of test/golden\n", envPreviews, previews)
	}
	dir, err := os.MkdirTemp("", "openedx-e2e-")
	if err != nil {
		return nil, err
	}
	return &controlPlane{root: root, dir: dir, bins: bins, fnBins: fnBins, previews: previews, debug: os.Getenv(envDebug) != "", fnEndpoints: map[string]string{}}, nil
}

func (c *controlPlane) bin(name string) string { return filepath.Join(c.bins, name) }

// stop stops every process; idempotent.
func (c *controlPlane) stop() {
	c.procs.stopAll()
	if c.registry != nil {
		_ = c.registry.srv.Close()
	}
}

// step runs one step of the start-up and reports how long it took.
func step(name string, f func() error) error {
	start := time.Now()
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Printf("e2e: %-48s %5.1fs\n", name, time.Since(start).Seconds())
	return nil
}

// start brings the whole control plane up and waits until Crossplane can
// call both functions.
func (c *controlPlane) start() error {
	steps := []struct {
		name string
		f    func() error
	}{
		{"certificates and kubeconfig", c.writeCredentials},
		{"etcd", c.startEtcd},
		{"kube-apiserver", c.startAPIServer},
		{"kube-controller-manager (garbage collector)", c.startControllerManager},
		{"crossplane core init", c.initCrossplane},
		{"crossplane core start", c.startCrossplane},
		{"usage webhook", c.installUsageWebhook},
		{"functions over mTLS", c.startFunctions},
		{"package registry on 127.0.0.1", c.startRegistry},
		{"packages pushed", c.publishPackages},
		{"Configuration by the package manager", c.installConfiguration},
		{"nothing listens beyond 127.0.0.1", c.checkListeners},
	}
	for _, s := range steps {
		if err := step(s.name, s.f); err != nil {
			return err
		}
	}
	return nil
}

// writeCredentials makes the certificate authority, the API server's
// serving certificate, service account keys, an admin token and a
// kubeconfig.
func (c *controlPlane) writeCredentials() error {
	p, err := newPKI()
	if err != nil {
		return err
	}
	c.pki = p
	if err := p.issue(filepath.Join(c.dir, "apiserver"), "kube-apiserver", x509.ExtKeyUsageServerAuth); err != nil {
		return err
	}
	if _, _, err := writeServiceAccountKeys(filepath.Join(c.dir, "apiserver")); err != nil {
		return err
	}
	c.token = strconv.FormatInt(time.Now().UnixNano(), 36) + "-e2e-admin"
	tokens := fmt.Sprintf("%s,e2e-admin,e2e-admin,\"system:masters\"\n", c.token)
	if err := os.WriteFile(filepath.Join(c.dir, "apiserver", "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.apiserverURL = fmt.Sprintf("https://127.0.0.1:%d", port)
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: e2e-admin
  user:
    token: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: e2e-admin
current-context: e2e
`, c.apiserverURL, base64.StdEncoding.EncodeToString(p.certPEM), c.token)
	path := filepath.Join(c.dir, "kubeconfig")
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		return err
	}
	c.kube = &kubectl{bin: c.bin("kubectl"), kubeconfig: path, cacheDir: filepath.Join(c.dir, "kubectl-cache")}
	return nil
}

func (c *controlPlane) kubeEnv() []string {
	return []string{"KUBECONFIG=" + c.kube.kubeconfig, "HOME=" + c.dir}
}

func (c *controlPlane) startEtcd() error {
	client, err := freePort()
	if err != nil {
		return err
	}
	peer, err := freePort()
	if err != nil {
		return err
	}
	clientURL, peerURL := fmt.Sprintf("http://127.0.0.1:%d", client), fmt.Sprintf("http://127.0.0.1:%d", peer)
	if _, err := c.procs.start(c.dir, "etcd", nil, c.bin("etcd"),
		"--name=e2e",
		"--data-dir="+filepath.Join(c.dir, "etcd"),
		"--listen-client-urls="+clientURL,
		"--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL,
		// Throwaway data: skip fsync, it is most of etcd's latency.
		"--unsafe-no-fsync",
		"--log-level=warn",
	); err != nil {
		return err
	}
	c.etcdURL = clientURL
	return c.waitHTTP(clientURL+"/health", nil, `"health":"true"`, time.Minute)
}

func (c *controlPlane) startAPIServer() error {
	dir := filepath.Join(c.dir, "apiserver")
	port := strings.TrimPrefix(c.apiserverURL, "https://127.0.0.1:")
	if _, err := c.procs.start(c.dir, "kube-apiserver", nil, c.bin("kube-apiserver"),
		"--etcd-servers="+c.etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+port,
		"--tls-cert-file="+filepath.Join(dir, "tls.crt"),
		"--tls-private-key-file="+filepath.Join(dir, "tls.key"),
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--disable-admission-plugins=ServiceAccount",
		"--endpoint-reconciler-type=none",
	); err != nil {
		return err
	}
	if err := c.waitHTTP(c.apiserverURL+"/readyz", map[string]string{"Authorization": "Bearer " + c.token}, "ok", 2*time.Minute); err != nil {
		return err
	}
	// Some API groups are served a moment after /readyz.
	return c.retry(time.Minute, func() error {
		_, err := c.kube.run(nil, "get", "namespace", "default")
		return err
	})
}

// startControllerManager runs only the garbage collector: Crossplane
// deletes a composite resource's composed resources through their owner
// references, like any Kubernetes owner.
func (c *controlPlane) startControllerManager() error {
	_, err := c.procs.start(c.dir, "kube-controller-manager", nil, c.bin("kube-controller-manager"),
		"--kubeconfig="+c.kube.kubeconfig,
		"--controllers=garbagecollector",
		"--leader-elect=false",
		"--secure-port=0",
		"--bind-address=127.0.0.1",
	)
	return err
}

// moduleDir returns the directory of a module that the module in
// moduleDir requires, from the module cache.
func (c *controlPlane) moduleDir(moduleDir, module string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module)
	cmd.Dir = moduleDir
	out, err := cmd.Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("cannot find module %s from %s (go mod download it): %v", module, moduleDir, err)
	}
	return dir, nil
}

func (c *controlPlane) initCrossplane() error {
	xp, err := c.moduleDir(filepath.Join(c.root, "tools", "e2e"), "github.com/crossplane/crossplane/v2")
	if err != nil {
		return err
	}
	if _, err := c.kube.run(nil, "create", "namespace", "crossplane-system"); err != nil {
		return err
	}
	// Init installs Crossplane's CRDs and then writes objects of them; the
	// first run can race the API server's discovery of the new CRDs.
	//
	// Init runs without webhooks: with them, it points Crossplane's
	// ValidatingWebhookConfiguration at a Service, which nothing serves
	// without a pod network, and makes a serving certificate for the
	// Service's DNS names only. installUsageWebhook installs the same
	// configuration with the webhook's URL on 127.0.0.1 instead.
	attempt := 0
	return c.retry(3*time.Minute, func() error {
		attempt++
		cmd := exec.Command(c.bin("crossplane-core"), "core", "init", //nolint:gosec // Our own binary.
			"--cr-ds-path="+filepath.Join(xp, "cluster", "crds"),
			"--webhook-enabled=false",
			"--namespace=crossplane-system",
			"--tlsca-secret-name=crossplane-root-ca",
			"--tls-server-secret-name=crossplane-tls-server",
			"--tls-client-secret-name=crossplane-tls-client",
		)
		cmd.Env = append(os.Environ(), c.kubeEnv()...)
		out, err := cmd.CombinedOutput()
		_ = os.WriteFile(filepath.Join(c.dir, fmt.Sprintf("crossplane-init-%d.log", attempt)), out, 0o600)
		if err != nil {
			return fmt.Errorf("crossplane core init (attempt %d): %w: %s", attempt, err, lastLines(string(out), 5))
		}
		return nil
	})
}

// goldenKinds returns every composed kind (Kind.group) of the golden
// previews in dir.
func goldenKinds(dir string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no golden previews in %s: %v", dir, err)
	}
	kinds := map[string]bool{}
	for _, f := range files {
		objs, err := manifests.Read(f)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", f, err)
		}
		for _, o := range objs {
			if g := o.GroupVersionKind().Group; g != "platform.openedx.cloud" {
				kinds[o.GetKind()+"."+g] = true
			}
		}
	}
	return kinds, nil
}

// startCrossplane starts Crossplane core with its webhook server, which
// enforces Usages: the protection controllers that make Usages ready and
// mark what they protect run only with webhooks enabled.
func (c *controlPlane) startCrossplane() error {
	webhookPort, err := freePort()
	if err != nil {
		return err
	}
	c.webhookURL = fmt.Sprintf("https://127.0.0.1:%d", webhookPort)
	args := []string{"core", "start",
		"--namespace=crossplane-system",
		"--enable-webhooks=true",
		"--webhook-port=" + strconv.Itoa(webhookPort),
		"--tls-server-certs-dir=" + filepath.Join(c.dir, "crossplane-server"),
		"--package-runtime=External",
		"--tls-client-certs-dir=" + filepath.Join(c.dir, "crossplane-client"),
		"--xpkg-cache-dir=" + filepath.Join(c.dir, "xpkg-cache"),
		// crossplane-core is built with tools/e2e/loopback.sh, so its
		// metrics, health probe and webhook servers listen on 127.0.0.1
		// only; port 0 lets the kernel pick.
		"--metrics-port=0",
		"--health-probe-port=0",
		// Crossplane v2.1.0's XR circuit breaker, as docs/install.md
		// recommends for a management cluster with many tenants: v2.1.1
		// doubled the defaults (100 and 1.0) when it found that an
		// update event costs two tokens, which let every tenant reconcile
		// on each of its composed resources' status writes, and 100 tenants
		// at once then saturated this two-core API server (one apply timed
		// out). The functions' one-minute TTL requeues a composite whose
		// breaker dropped events.
		"--circuit-breaker-burst=50",
		"--circuit-breaker-refill-rate=0.5",
	}
	if c.debug {
		args = append(args, "--debug")
	}
	if err := c.pki.issue(filepath.Join(c.dir, "crossplane-client"), "crossplane", x509.ExtKeyUsageClientAuth); err != nil {
		return err
	}
	// The webhook's serving certificate, for 127.0.0.1, from the suite's
	// CA, which the webhook configuration's caBundle names.
	if err := c.pki.issue(filepath.Join(c.dir, "crossplane-server"), "crossplane-webhook", x509.ExtKeyUsageServerAuth); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(c.dir, "xpkg-cache"), 0o700); err != nil {
		return err
	}
	if _, err := c.procs.start(c.dir, "crossplane", c.kubeEnv(), c.bin("crossplane-core"), args...); err != nil {
		return err
	}
	// Crossplane is up once its package manager has made the lock usable;
	// the functions' revisions are the proof, see startFunctions.
	return nil
}

// installUsageWebhook waits for Crossplane's webhook server and installs
// Crossplane's own ValidatingWebhookConfigurations (cluster/
// webhookconfigurations in the Crossplane module), each webhook called at
// its path on the server's URL instead of through a Service, with the
// suite's CA as its caBundle. The API server then asks Crossplane before
// deleting anything labelled crossplane.io/in-use, as in a cluster.
func (c *controlPlane) installUsageWebhook() error {
	if err := c.retry(2*time.Minute, func() error {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(c.webhookURL, "https://"), &tls.Config{RootCAs: c.pki.pool(), MinVersion: tls.VersionTLS13})
		if err != nil {
			return fmt.Errorf("crossplane's webhook server at %s: %w", c.webhookURL, err)
		}
		return conn.Close()
	}); err != nil {
		return err
	}
	xp, err := c.moduleDir(filepath.Join(c.root, "tools", "e2e"), "github.com/crossplane/crossplane/v2")
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(xp, "cluster", "webhookconfigurations", "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no webhook configurations in %s/cluster/webhookconfigurations: %v", xp, err)
	}
	var objs []map[string]any
	for _, f := range files {
		confs, err := manifests.Read(f)
		if err != nil {
			return err
		}
		for _, conf := range confs {
			if conf.GetKind() != "ValidatingWebhookConfiguration" {
				return fmt.Errorf("%s: %s, want only ValidatingWebhookConfigurations", f, ref(conf))
			}
			hooks, _, _ := unstructured.NestedSlice(conf.Object, "webhooks")
			for i, h := range hooks {
				hook, _ := h.(map[string]any)
				path, _, _ := unstructured.NestedString(hook, "clientConfig", "service", "path")
				if path == "" {
					return fmt.Errorf("%s: webhook %v has no clientConfig.service.path", f, hook["name"])
				}
				hook["clientConfig"] = map[string]any{
					"url":      c.webhookURL + path,
					"caBundle": base64.StdEncoding.EncodeToString(c.pki.certPEM),
				}
				hooks[i] = hook
			}
			if err := unstructured.SetNestedSlice(conf.Object, hooks, "webhooks"); err != nil {
				return err
			}
			objs = append(objs, conf.Object)
		}
	}
	return c.kube.applyObjects("e2e", objs)
}

// permanent is an error retrying cannot fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// startFunctions serves both functions over mTLS on 127.0.0.1, by the
// names install/functions.yaml gives them; installConfiguration tells
// Crossplane where they are, as a package runtime would.
func (c *controlPlane) startFunctions() error {
	installed, err := manifests.Read(filepath.Join(c.root, "install", "functions.yaml"))
	if err != nil {
		return err
	}
	if err := c.pki.issue(c.functionCerts(), "functions", x509.ExtKeyUsageServerAuth); err != nil {
		return err
	}
	for _, fn := range installed {
		name := fn.GetName()
		bin, ok := functions[name]
		if !ok {
			return fmt.Errorf("install/functions.yaml has Function %q, which the suite does not know", name)
		}
		port, err := freePort()
		if err != nil {
			return err
		}
		endpoint := fmt.Sprintf("127.0.0.1:%d", port)
		args := []string{
			"--address=" + endpoint,
			"--tls-certs-dir=" + c.functionCerts(),
			"--metrics-address=127.0.0.1:0", // Not :8080 on every interface.
			// Every wait of a scenario is a few of the functions' TTLs (a
			// tenant's admission is two reconciles): a quarter of the
			// production minute keeps the tier short and still exercises
			// realtime compositions' TTL-driven calls.
			"--poll-interval=" + functionPollInterval.String(),
		}
		if c.debug {
			args = append(args, "--debug")
		}
		if _, err := c.procs.start(c.dir, name, nil, filepath.Join(c.fnBins, bin), args...); err != nil {
			return err
		}
		c.fnEndpoints[name] = endpoint
	}
	return nil
}

// killFunction kills a function's process with SIGKILL, as a crash or an
// OOM kill would: in-flight calls fail, and nothing is cleaned up. Until
// restartFunction, retry and eventually fail at once (a process died).
func (c *controlPlane) killFunction(name string) error {
	if _, ok := c.fnEndpoints[name]; !ok {
		return fmt.Errorf("no function %s", name)
	}
	_, err := c.procs.kill(name)
	return err
}

// restartFunction starts a killed function again on the same address with
// the same certificates, as its Deployment would, and waits until it
// accepts TLS connections again. Crossplane's FunctionRevision is left
// alone: it still names the same endpoint.
func (c *controlPlane) restartFunction(name string) error {
	endpoint, ok := c.fnEndpoints[name]
	if !ok {
		return fmt.Errorf("no function %s", name)
	}
	if _, err := c.procs.restart(name); err != nil {
		return err
	}
	client, err := tls.LoadX509KeyPair(filepath.Join(c.dir, "crossplane-client", "tls.crt"), filepath.Join(c.dir, "crossplane-client", "tls.key"))
	if err != nil {
		return err
	}
	return c.retry(time.Minute, func() error {
		// A handshake as Crossplane makes it, with its client certificate.
		conn, err := tls.Dial("tcp", endpoint, &tls.Config{RootCAs: c.pki.pool(), Certificates: []tls.Certificate{client}, MinVersion: tls.VersionTLS12})
		if err != nil {
			return fmt.Errorf("restarted %s at %s: %w", name, endpoint, err)
		}
		return conn.Close()
	})
}

// functionCerts is the directory of the functions' server certificate.
func (c *controlPlane) functionCerts() string { return filepath.Join(c.dir, "function-server") }

// checkListeners proves that no process the suite started listens beyond
// 127.0.0.1.
func (c *controlPlane) checkListeners() error {
	bad, err := nonLoopbackListeners(c.procs.pids())
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("processes listen beyond 127.0.0.1: %s", strings.Join(bad, "; "))
	}
	return nil
}

// waitHTTP polls url until it answers 200 with a body containing want.
func (c *controlPlane) waitHTTP(url string, headers map[string]string, want string, timeout time.Duration) error {
	pool := x509.NewCertPool()
	if c.pki != nil {
		pool = c.pki.pool()
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	return c.retry(timeout, func() error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		rsp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer rsp.Body.Close() //nolint:errcheck // Read-only.
		body, _ := io.ReadAll(rsp.Body)
		if rsp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			return fmt.Errorf("%s: %s: %s", url, rsp.Status, lastLines(string(body), 10))
		}
		return nil
	})
}

// retry calls f every half second until it succeeds, a process the suite
// started dies, or timeout passes.
func (c *controlPlane) retry(timeout time.Duration, f func() error) error {
	return c.retryEvery(500*time.Millisecond, timeout, f)
}

// retryEvery is retry with a given pause between calls.
func (c *controlPlane) retryEvery(pause, timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if errors.As(err, new(permanent)) {
			return err
		}
		if dead := c.procs.dead(); dead != "" {
			return fmt.Errorf("%w\n%s", err, dead)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %s: %w", timeout, err)
		}
		time.Sleep(pause)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
