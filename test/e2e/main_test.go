//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cp is the control plane every test uses; TestMain starts and stops it.
var cp *controlPlane

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run starts the control plane, runs the tests and stops every process it
// started, whatever happens: deferred stops cover failures and returns,
// a signal handler covers Ctrl-C and kill, and every process gets SIGKILL
// from the kernel if the test binary dies (a panic or -timeout).
func run(m *testing.M) (code int) {
	start := time.Now()
	c, err := newControlPlane()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	cp = c
	fmt.Println("e2e: work directory", c.dir)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-signals
		fmt.Fprintf(os.Stderr, "e2e: %v: stopping the control plane; logs are in %s\n", s, c.dir)
		c.stop()
		os.Exit(2)
	}()

	defer func() {
		if r := recover(); r != nil {
			c.stop()
			panic(r)
		}
		c.stop()
		if code != 0 || os.Getenv(envKeep) != "" {
			fmt.Printf("e2e: logs and data kept in %s\n", c.dir)
			return
		}
		_ = os.RemoveAll(c.dir)
	}()

	if err := c.start(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the control plane did not start: %v\n", err)
		c.printLogs()
		return 1
	}
	fmt.Printf("e2e: control plane ready in %.1fs\n", time.Since(start).Seconds())

	code = m.Run()
	if code != 0 {
		c.printLogs()
	}
	if dead := c.procs.dead(); dead != "" {
		fmt.Fprintf(os.Stderr, "e2e: a control-plane process died during the tests:\n%s", dead)
		code = 1
	}
	fmt.Printf("e2e: tests ran in %.1fs\n", time.Since(start).Seconds())
	return code
}

// printLogs prints the end of Crossplane's and the functions' logs, where
// composition errors show first.
func (c *controlPlane) printLogs() {
	for _, p := range c.procs.list {
		if p.name == "etcd" || strings.HasPrefix(p.name, "kube-") {
			continue
		}
		fmt.Fprintf(os.Stderr, "---- last lines of %s ----\n%s\n", p.log, tail(p.log, 40))
	}
}
