// Package localaws starts the local stand-ins for AWS services that the tests
// and the local run use: dynalite for DynamoDB and fauxqs for SQS.
//
// Each server is a real process listening on a free loopback port. It is
// killed when Stop is called and, on Linux, also when the process that
// started it dies, so a crashed or timed-out test run leaves nothing behind.
package localaws

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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
	return start(ctx, "dynalite", opts, func(root string) ([]string, []string) {
		env := []string{"DYNALITE_MODULE=" + filepath.Join(root, "node_modules", "dynalite", "index.js")}
		if opts.DataDir != "" {
			env = append(env, "DYNALITE_PATH="+opts.DataDir)
		}
		return []string{"-e", dynaliteOnLoopback}, env
	}, "/")
}

// dynaliteOnLoopback is the Node program StartDynamoDB runs: dynalite (at
// DYNALITE_MODULE, its data in DYNALITE_PATH or in memory) on a port of
// 127.0.0.1 the kernel picks, which it reports on its first line.
const dynaliteOnLoopback = `
const opts = { createTableMs: 0 };
if (process.env.DYNALITE_PATH) opts.path = process.env.DYNALITE_PATH;
const server = require(process.env.DYNALITE_MODULE)(opts);
server.listen(0, "127.0.0.1", () => console.log("` + listening + `" + server.address().port));
`

// StartSQS starts fauxqs on a free loopback port and waits until its
// health check answers.
//
// fauxqs takes any SQS call without checking signatures, so it must not be
// reachable from the network. Its CLI (and startFauxqs) listen on 0.0.0.0
// whatever FAUXQS_HOST says (1.9.2's dist/app.js hard-codes the host;
// FAUXQS_HOST only names the host in queue URLs), so this starts its
// exported buildApp, the same server, listening on 127.0.0.1 alone. Queue
// URLs carry the port each request was sent to.
func StartSQS(ctx context.Context, opts Options) (*Server, error) {
	return start(ctx, "fauxqs", opts, func(root string) ([]string, []string) {
		return []string{"--input-type=module", "-e", fauxqsOnLoopback},
			[]string{"FAUXQS_HOST=127.0.0.1",
				"FAUXQS_APP=" + filepath.Join(root, "node_modules", "fauxqs", "dist", "app.js")}
	}, "/health")
}

// fauxqsOnLoopback is the Node program StartSQS runs: fauxqs's app (at
// FAUXQS_APP) on a port of 127.0.0.1 the kernel picks, which it reports,
// logging each request as its CLI does.
const fauxqsOnLoopback = `
import { pathToFileURL } from "node:url";
const { buildApp } = await import(pathToFileURL(process.env.FAUXQS_APP).href);
const app = buildApp({ logger: true, host: process.env.FAUXQS_HOST });
await app.listen({ port: 0, host: "127.0.0.1" });
console.log("` + listening + `" + app.server.address().port);
`

// listening starts the line on which a server reports the port it bound.
// The servers bind port 0 themselves: a port found free beforehand could be
// taken by another process before the server binds it, and a readiness
// probe would then get that process's answer.
const listening = "localaws-listening-on-port "

type argsFunc func(root string) (args, env []string)

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
	args, env := argv(root)
	s, port, err := launch(ctx, name, opts.LogDir, args, env)
	if err != nil {
		return nil, err
	}
	if err := s.waitPort(ctx, port, 20*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.waitReady(ctx, probe, 20*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitPort waits for the server to report the port it listens on and sets
// its Endpoint.
func (s *Server) waitPort(ctx context.Context, port <-chan int, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case p := <-port:
		s.Endpoint = "http://127.0.0.1:" + strconv.Itoa(p)
		return nil
	case <-s.done:
		return fmt.Errorf("localaws: %s exited before it listened (%v); log: %s", s.Name, s.waitErr, s.tail())
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return fmt.Errorf("localaws: %s did not listen within %s; log: %s", s.Name, timeout, s.tail())
	}
}

// launch starts the server's process, its output going to a log file in
// logDir; the channel gets the port the server reports it bound.
func launch(ctx context.Context, name, logDir string, args, env []string) (*Server, <-chan int, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, nil, fmt.Errorf("localaws: node is needed to run %s: %w", name, err)
	}
	if logDir == "" {
		logDir = os.TempDir()
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("localaws: log dir: %w", err)
	}
	logFile, err := os.CreateTemp(logDir, name+"-*.log")
	if err != nil {
		return nil, nil, fmt.Errorf("localaws: log file: %w", err)
	}
	// Standard output goes through a pipe, read for the port line and
	// copied to the log; standard error straight to the log.
	outR, outW, err := os.Pipe()
	if err != nil {
		logFile.Close()
		return nil, nil, fmt.Errorf("localaws: pipe: %w", err)
	}
	cmd := exec.Command(node, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = outW, logFile
	cmd.SysProcAttr = sysProcAttr()
	s := &Server{
		Name:    name,
		LogPath: logFile.Name(),
		cmd:     cmd,
		done:    make(chan struct{}),
	}
	port := make(chan int, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		defer outR.Close()
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		reported := false
		for sc.Scan() {
			line := sc.Text()
			if p, ok := strings.CutPrefix(line, listening); ok && !reported {
				if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
					port <- n
					reported = true
				}
			}
			fmt.Fprintln(logFile, line)
		}
	}()
	started := make(chan error, 1)
	go func() {
		// The parent-death signal is tied to the thread that forks the
		// child: keep that thread alive, and owned, until the child exits.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer logFile.Close()
		err := cmd.Start()
		outW.Close() // the child holds its own copy
		if err != nil {
			outR.Close()
			started <- fmt.Errorf("localaws: start %s: %w", name, err)
			close(s.done)
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		<-copied
		close(s.done)
	}()
	if err := <-started; err != nil {
		return nil, nil, err
	}
	return s, port, nil
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
