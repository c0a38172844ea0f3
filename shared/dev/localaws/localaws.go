// Package localaws starts the local stand-ins for AWS services that the tests
// and the local run use: dynalite for DynamoDB and fauxqs for SQS.
//
// Each server is a real process listening on a free loopback port. It is
// killed when Stop is called and, on Linux, also when the process that
// started it dies, so a crashed or timed-out test run leaves nothing behind.
package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is one running local server.
type Server struct {
	// Name says which server this is ("dynalite" or "fauxqs").
	Name string
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:41234.
	Endpoint string
	// LogPath is the file that holds the server's output.
	LogPath string

	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// Options configure a server.
type Options struct {
	// ModuleRoot is the folder holding node_modules; empty means the module
	// root found upwards from the working directory.
	ModuleRoot string
	// DataDir keeps dynalite's data between runs; empty means in memory.
	DataDir string
	// LogDir receives the server's output file; empty means os.TempDir().
	LogDir string
}

// StartDynamoDB starts dynalite on a free loopback port and waits until it answers.
func StartDynamoDB(ctx context.Context, opts Options) (*Server, error) {
	return start(ctx, "dynalite", opts, func(root string, port int) ([]string, []string) {
		args := []string{filepath.Join(root, "node_modules", "dynalite", "cli.js"),
			"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0"}
		if opts.DataDir != "" {
			args = append(args, "--path", opts.DataDir)
		}
		return args, nil
	}, "/")
}

// StartSQS starts fauxqs on a free loopback port and waits until its
// health check answers.
//
// fauxqs takes any SQS call without checking signatures, so it must not be
// reachable from the network. Its CLI (and startFauxqs) listen on 0.0.0.0
// whatever FAUXQS_HOST says (1.9.2's dist/app.js hard-codes the host;
// FAUXQS_HOST only names the host in queue URLs), so this starts its
// exported buildApp, the same server, listening on 127.0.0.1 alone.
func StartSQS(ctx context.Context, opts Options) (*Server, error) {
	return start(ctx, "fauxqs", opts, func(root string, port int) ([]string, []string) {
		return []string{"--input-type=module", "-e", fauxqsOnLoopback},
			[]string{"FAUXQS_PORT=" + strconv.Itoa(port), "FAUXQS_HOST=127.0.0.1",
				"FAUXQS_APP=" + filepath.Join(root, "node_modules", "fauxqs", "dist", "app.js")}
	}, "/health")
}

// fauxqsOnLoopback is the Node program StartSQS runs: fauxqs's app (at
// FAUXQS_APP) on 127.0.0.1:FAUXQS_PORT, logging each request as its CLI does.
const fauxqsOnLoopback = `
import { pathToFileURL } from "node:url";
const { buildApp } = await import(pathToFileURL(process.env.FAUXQS_APP).href);
const app = buildApp({ logger: true, host: process.env.FAUXQS_HOST });
await app.listen({ port: Number(process.env.FAUXQS_PORT), host: "127.0.0.1" });
`

type argsFunc func(root string, port int) (args, env []string)

func start(ctx context.Context, name string, opts Options, argv argsFunc, probe string) (*Server, error) {
	root := opts.ModuleRoot
	if root == "" {
		var err error
		if root, err = ModuleRoot(); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", name)); err != nil {
		return nil, fmt.Errorf("localaws: %s is not installed in %s (run `npm ci`): %w", name, root, err)
	}
	if opts.DataDir != "" {
		if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("localaws: data dir: %w", err)
		}
	}
	var lastErr error
	// A port found free can be taken by someone else before the server binds
	// it; a few attempts make that race harmless.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args, env := argv(root, port)
		s, err := launch(ctx, name, opts.LogDir, args, env, port)
		if err != nil {
			return nil, err
		}
		if err = s.waitReady(ctx, probe, 20*time.Second); err == nil {
			return s, nil
		}
		lastErr = err
		s.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func launch(ctx context.Context, name, logDir string, args, env []string, port int) (*Server, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("localaws: node is needed to run %s: %w", name, err)
	}
	if logDir == "" {
		logDir = os.TempDir()
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("localaws: log dir: %w", err)
	}
	logFile, err := os.CreateTemp(logDir, name+"-*.log")
	if err != nil {
		return nil, fmt.Errorf("localaws: log file: %w", err)
	}
	cmd := exec.Command(node, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	s := &Server{
		Name:     name,
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		LogPath:  logFile.Name(),
		cmd:      cmd,
		done:     make(chan struct{}),
	}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal is tied to the thread that forks the
		// child: keep that thread alive, and owned, until the child exits.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer logFile.Close()
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("localaws: start %s: %w", name, err)
			close(s.done)
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, probe string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-s.done:
			return fmt.Errorf("localaws: %s exited before it was ready (%v); log: %s", s.Name, s.waitErr, s.tail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := client.Get(s.Endpoint + probe)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil // any HTTP answer means the server is listening
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("localaws: %s not ready after %s: %w; log: %s", s.Name, timeout, err, s.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server and waits for it to exit; calling it again does nothing.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd.Process != nil {
			_ = s.cmd.Process.Kill()
		}
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
		}
	})
}

// Done is closed when the server's process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) tail() string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// freePort asks the kernel for a port free on every interface, so that
// nothing listening on another interface can shadow the server.
func freePort() (int, error) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		return 0, fmt.Errorf("localaws: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ModuleRoot finds the folder holding go.mod, walking up from the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("localaws: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("localaws: no go.mod above the working directory")
		}
		dir = parent
	}
}
