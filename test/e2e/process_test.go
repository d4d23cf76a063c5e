//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a binary the suite started. It runs in a process group of its
// own, so stopping it stops anything it started, and the kernel kills it
// with SIGKILL if the test binary dies first (a panic, a timeout, kill -9),
// so no process outlives the suite.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error

	// What it was started with, to start it again.
	dir, bin  string
	env, args []string
}

// processes are every process the suite started, in start order.
type processes struct {
	mu   sync.Mutex
	list []*process
}

// start runs bin with args, its output going to dir/name.log.
func (ps *processes) start(dir, name string, env []string, bin string, args ...string) (*process, error) {
	p, err := launch(dir, name, env, bin, args, os.O_CREATE|os.O_WRONLY|os.O_TRUNC)
	if err != nil {
		return nil, err
	}
	ps.mu.Lock()
	ps.list = append(ps.list, p)
	ps.mu.Unlock()
	return p, nil
}

// launch starts a process, its output going to dir/name.log opened with
// flags.
func launch(dir, name string, env []string, bin string, args []string, flags int) (*process, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.OpenFile(logPath, flags, 0o600) //nolint:gosec // Our own log file.
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("cannot start %s (%s): %w", name, bin, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{}), dir: dir, bin: bin, env: env, args: args}
	go func() {
		p.err = cmd.Wait()
		_ = logf.Close()
		close(p.done)
	}()
	return p, nil
}

// kill sends SIGKILL to the process group of the process named name, as a
// crash or an OOM kill would, and waits until it has exited. The process
// stays listed, and so counts as dead, until restart replaces it.
func (ps *processes) kill(name string) (*process, error) {
	p := ps.named(name)
	if p == nil {
		return nil, fmt.Errorf("no process %s", name)
	}
	if done, _ := p.exited(); !done {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			return nil, fmt.Errorf("%s did not exit within 30s of SIGKILL", name)
		}
	}
	return p, nil
}

// restart starts a killed process again with the same binary, arguments
// and environment (so the same address and certificates), appending to its
// log, and puts it in the old one's place.
func (ps *processes) restart(name string) (*process, error) {
	old := ps.named(name)
	if old == nil {
		return nil, fmt.Errorf("no process %s", name)
	}
	if done, _ := old.exited(); !done {
		return nil, fmt.Errorf("%s is still running: kill it first", name)
	}
	p, err := launch(old.dir, old.name, old.env, old.bin, old.args, os.O_CREATE|os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return nil, err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i := range ps.list {
		if ps.list[i] == old {
			ps.list[i] = p
		}
	}
	return p, nil
}

// named returns the process of a name.
func (ps *processes) named(name string) *process {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.list {
		if p.name == name {
			return p
		}
	}
	return nil
}

// exited reports whether the process has stopped, and why.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop ends the process group: SIGTERM, then SIGKILL after a grace period.
func (p *process) stop() {
	if done, _ := p.exited(); done {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

// stopAll stops every process, last started first. It is safe to call
// more than once.
func (ps *processes) stopAll() {
	ps.mu.Lock()
	list := append([]*process(nil), ps.list...)
	ps.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].stop()
	}
}

// dead returns a description of every process that has exited, with the
// end of its log; "" while all are running.
func (ps *processes) dead() string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var b strings.Builder
	for _, p := range ps.list {
		if done, err := p.exited(); done {
			fmt.Fprintf(&b, "%s exited (%v); last lines of %s:\n%s\n", p.name, err, p.log, tail(p.log, 30))
		}
	}
	return b.String()
}

// pids are the process IDs of the running processes.
func (ps *processes) pids() map[int]string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := map[int]string{}
	for _, p := range ps.list {
		if done, _ := p.exited(); !done {
			out[p.cmd.Process.Pid] = p.name
		}
	}
	return out
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path) //nolint:gosec // Our own log files.
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close() //nolint:errcheck // Only the port is needed.
	return l.Addr().(*net.TCPAddr).Port, nil
}

// nonLoopbackListeners lists the TCP sockets the given processes listen on
// at an address other than 127.0.0.1 or ::1, read from /proc.
func nonLoopbackListeners(pids map[int]string) ([]string, error) {
	// Socket inodes of each process.
	owner := map[string]string{}
	for pid, name := range pids {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue // Exited meanwhile.
		}
		for _, fd := range fds {
			target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if err == nil && strings.HasPrefix(target, "socket:[") {
				owner[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = name
			}
		}
	}
	var bad []string
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A is TCP_LISTEN.
				continue
			}
			name, ok := owner[f[9]]
			if !ok {
				continue
			}
			addr, port, _ := strings.Cut(f[1], ":")
			if !loopbackHex(addr) {
				p, _ := strconv.ParseInt(port, 16, 32)
				bad = append(bad, fmt.Sprintf("%s listens on %s port %d", name, hexAddr(addr), p))
			}
		}
	}
	return bad, nil
}

// loopbackHex reports whether a /proc/net/tcp{,6} address is 127.0.0.1 or
// ::1 (or ::ffff:127.0.0.1).
func loopbackHex(a string) bool {
	switch a {
	case "0100007F", // 127.0.0.1, little endian
		"00000000000000000000000001000000", // ::1
		"0000000000000000FFFF00000100007F": // ::ffff:127.0.0.1
		return true
	}
	return false
}

func hexAddr(a string) string {
	switch a {
	case "00000000":
		return "0.0.0.0"
	case "00000000000000000000000000000000":
		return "[::]"
	}
	return a
}
