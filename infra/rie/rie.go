// Package rie runs the project's Lambda functions the way Lambda runs them:
// each function's main built as a standalone binary for this machine
// (CGO off, the lambda.norpc tag, as `make build` builds it for Lambda),
// started under AWS's Lambda Runtime Interface Emulator (aws-lambda-rie)
// with nothing in its environment but what it is given, and invoked with
// Lambda events over the emulator's invoke API.
//
// Its tests feed the functions the samples in events/ against local
// DynamoDB and SQS (shared/dev/localaws), a Secrets Manager stand-in and the X
// simulator, with the environment the CDK stack gives each function
// (package functions), and check the answers and what they leave behind.
package rie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EnvVar names the environment variable holding the path of the
// aws-lambda-rie binary (`make test` installs it and sets the variable).
const EnvVar = "LAMBDA_RIE"

// HostBuildDirEnv names the environment variable holding a directory of
// functions already built for this machine as Build builds them
// (<dir>/<name>/bootstrap; `make build-host` makes it and `make test`
// sets the variable), so that the tests that run them need not link them
// again.
const HostBuildDirEnv = "LAMBDA_HOST_BUILD_DIR"

// Built checks that dir holds a bootstrap for each of names, as Build
// leaves them.
func Built(dir string, names []string) error {
	var missing []string
	for _, n := range names {
		if info, err := os.Stat(filepath.Join(dir, n, "bootstrap")); err != nil || info.IsDir() {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("rie: %s has no bootstrap for %s: run `make build-host`", dir, strings.Join(missing, ", "))
	}
	return nil
}

// Build builds the main package of each function in functions/ under
// moduleRoot for this machine, as Lambda would run it (CGO off, the
// lambda.norpc tag, trimmed paths, no symbol table or DWARF: the flags of
// `make build`), into dir/<name>/bootstrap, with one
// `go build` for all of them.
func Build(ctx context.Context, moduleRoot, dir string, names []string) error {
	tmp := filepath.Join(dir, ".out")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", tmp + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./functions/"+n)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("rie: go build: %v\n%s", err, out)
	}
	for _, n := range names {
		if err := os.MkdirAll(filepath.Join(dir, n), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(tmp, n), filepath.Join(dir, n, "bootstrap")); err != nil {
			return fmt.Errorf("rie: %s was not built: %w", n, err)
		}
	}
	return os.Remove(tmp)
}

// Emulator is one aws-lambda-rie process running one function. It takes one
// invocation at a time, as Lambda gives one execution environment; Invoke
// serialises callers.
type Emulator struct {
	// Name is the function's.
	Name string

	url  string
	cmd  *exec.Cmd
	done chan struct{}
	logs *lockedBuffer

	invoke   sync.Mutex
	stopOnce sync.Once
}

// Start runs the bootstrap in dir under the emulator at rieBin, with exactly
// env as the environment of both, on two free loopback ports, and waits
// until the emulator takes invocations. The function initialises on the
// first invocation, as in Lambda. Stop ends both processes; so does the
// death of the calling process (on Linux).
func Start(ctx context.Context, rieBin, name, dir string, env map[string]string) (*Emulator, error) {
	var lastErr error
	// A port found free can be taken before the emulator binds it: retry.
	for attempt := 0; attempt < 3; attempt++ {
		e, err := start(ctx, rieBin, name, dir, env)
		if err == nil {
			return e, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(ctx context.Context, rieBin, name, dir string, env map[string]string) (*Emulator, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	invokeAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	cmd := exec.Command(rieBin,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(ports[1]),
		"./bootstrap")
	cmd.Dir = dir
	cmd.Env = []string{} // nothing from the test process
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = sysProcAttr()
	e := &Emulator{Name: name, url: "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		cmd: cmd, done: make(chan struct{}), logs: logs}

	started := make(chan error, 1)
	go func() {
		// The parent-death signal belongs to the thread that forks the
		// child: keep that thread, locked, until the child exits.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("rie: start %s: %w", name, err)
			close(e.done)
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(e.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", invokeAddr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			ours, err := listens(cmd.Process.Pid, ports[0])
			if ours {
				return e, nil
			}
			// Another process holds the port: this emulator cannot bind it.
			e.Stop()
			if err == nil {
				err = fmt.Errorf("rie: %s: another process listens on %s", name, invokeAddr)
			}
			return nil, err
		}
		select {
		case <-e.done:
			return nil, fmt.Errorf("rie: %s: the emulator exited: %s", name, logs.String())
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("rie: %s: the emulator does not listen on %s: %s", name, invokeAddr, logs.String())
		}
	}
}

// Stop kills the emulator and the function (the whole process group) and
// waits for them; calling it again does nothing.
func (e *Emulator) Stop() {
	e.stopOnce.Do(func() {
		if p := e.cmd.Process; p != nil {
			killGroup(p.Pid)
			_ = p.Kill()
		}
		select {
		case <-e.done:
		case <-time.After(5 * time.Second):
		}
	})
}

// Logs returns everything the emulator and the function have written.
func (e *Emulator) Logs() string { return e.logs.String() }

// WaitForLogs waits until the emulator's and the function's output contains
// substr (their output reaches the logs through pipes, so it may arrive after
// the invocation that caused it has been answered), and returns the logs. It
// fails when ctx ends or both processes have exited without writing substr.
func (e *Emulator) WaitForLogs(ctx context.Context, substr string) (string, error) {
	for {
		logs, changed := e.logs.snapshot()
		if strings.Contains(logs, substr) {
			return logs, nil
		}
		select {
		case <-changed:
		case <-e.done:
			// The process is gone; its pipes are drained once Wait returned.
			if logs := e.logs.String(); strings.Contains(logs, substr) {
				return logs, nil
			}
			return e.logs.String(), fmt.Errorf("rie: %s exited without logging %q", e.Name, substr)
		case <-ctx.Done():
			return e.logs.String(), fmt.Errorf("rie: %s has not logged %q: %w", e.Name, substr, ctx.Err())
		}
	}
}

// initReport matches the emulator's log line with the real init time.
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration is how long the function's init took, from the emulator's
// INIT REPORT line (its REPORT line's "Init Duration" is wrong); zero
// before the first invocation.
func (e *Emulator) InitDuration() time.Duration {
	m := initReport.FindStringSubmatch(e.Logs())
	if m == nil {
		return 0
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(ms * float64(time.Millisecond))
}

// FunctionError is what an invocation answers when the function failed:
// the emulator still answers 200, with this body.
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

func (e *FunctionError) Error() string { return "function error " + e.Type + ": " + e.Message }

// Invoke sends event (JSON-encoded unless it is []byte or json.RawMessage)
// to the function and decodes its result into out (nil: discard). A
// function error is a *FunctionError; a failed init (the emulator's 502)
// or any other answer is an error with the logs.
func (e *Emulator) Invoke(ctx context.Context, event, out any) error {
	e.invoke.Lock()
	defer e.invoke.Unlock()
	var body []byte
	switch ev := event.(type) {
	case []byte:
		body = ev
	case json.RawMessage:
		body = ev
	default:
		var err error
		if body, err = json.Marshal(event); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("rie: invoke %s: %w\n%s", e.Name, err, e.Logs())
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("rie: invoke %s: %s %s\n%s", e.Name, resp.Status, raw, e.Logs())
	}
	var fe FunctionError
	if json.Unmarshal(raw, &fe) == nil && fe.Type != "" {
		return &fe
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("rie: %s answered %s: %w", e.Name, raw, err)
	}
	return nil
}

// IsFunctionError reports whether err is a function error.
func IsFunctionError(err error) bool {
	var fe *FunctionError
	return errors.As(err, &fe)
}

// freePorts asks the kernel for n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rie: find a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// lockedBuffer collects a process's output safely and tells waiters when
// it grows.
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// snapshot returns the output so far and a channel closed by the next write.
func (b *lockedBuffer) snapshot() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return b.buf.String(), b.changed
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
