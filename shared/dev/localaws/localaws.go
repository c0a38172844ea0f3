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
	// DataDir keeps the server's data between runs (dynalite's tables;
	// fauxqs's queued messages, see StartSQS); empty means in memory.
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
//
// fauxqs keeps its queues in memory only. With opts.DataDir, the messages
// are kept as SQS keeps them, through a crash of the process: every
// message a queue stores (sent, or moved to a dead-letter queue) and every
// deletion is appended to a journal (JournalFile in DataDir) before fauxqs
// answers, and on the next start the messages sent and not deleted are put
// back into their queues as each queue is created again (by name, in the
// order they were sent; FIFO deduplication ids too). A restored message is
// visible at once (as after its visibility timeout) and its receive count
// starts again. The journal is compacted to the live messages on start. It
// is written, not synced: it outlives the process (kill -9), not the
// machine's power.
func StartSQS(ctx context.Context, opts Options) (*Server, error) {
	return start(ctx, "fauxqs", opts, func(root string) ([]string, []string) {
		env := []string{"FAUXQS_HOST=127.0.0.1",
			"FAUXQS_APP=" + filepath.Join(root, "node_modules", "fauxqs", "dist", "app.js"),
			"FAUXQS_STORE=" + filepath.Join(root, "node_modules", "fauxqs", "dist", "sqs", "sqsStore.js")}
		if opts.DataDir != "" {
			env = append(env, "FAUXQS_JOURNAL="+filepath.Join(opts.DataDir, JournalFile))
		}
		return []string{"--input-type=module", "-e", fauxqsOnLoopback}, env
	}, "/health")
}

// JournalFile is the file in Options.DataDir where StartSQS keeps the
// queued messages.
const JournalFile = "queues.jsonl"

// fauxqsOnLoopback is the Node program StartSQS runs: fauxqs's app (at
// FAUXQS_APP) on a port of 127.0.0.1 the kernel picks, which it reports,
// logging each request as its CLI does; with FAUXQS_JOURNAL, its queues
// journaled there (fauxqsJournal).
const fauxqsOnLoopback = `
import { pathToFileURL } from "node:url";
if (process.env.FAUXQS_JOURNAL) {
` + fauxqsJournal + `
}
const { buildApp } = await import(pathToFileURL(process.env.FAUXQS_APP).href);
const app = buildApp({ logger: true, host: process.env.FAUXQS_HOST });
await app.listen({ port: 0, host: "127.0.0.1" });
console.log("` + listening + `" + app.server.address().port);
`

// fauxqsJournal keeps fauxqs's messages in the file FAUXQS_JOURNAL (see
// StartSQS): it wraps the methods of fauxqs's queue and store classes (at
// FAUXQS_STORE) through which every message enters a queue (enqueue: a
// send, a move to the dead-letter queue) and leaves it (deleteMessage,
// purge, deleteQueue), so it journals the same events whichever API call
// causes them. One JSON object a line: {"op":"put","q":name,"m":message},
// {"op":"del","id":messageId}, {"op":"purge","q":name}.
const fauxqsJournal = `
const fs = await import("node:fs");
const { SqsQueue, SqsStore } = await import(pathToFileURL(process.env.FAUXQS_STORE).href);
const file = process.env.FAUXQS_JOURNAL;
const live = new Map(); // messageId → {q, m}, in the order sent
if (fs.existsSync(file)) {
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    let r;
    try { r = JSON.parse(line); } catch { continue; } // blank, or cut short by a crash
    if (r.op === "put") { live.delete(r.m.messageId); live.set(r.m.messageId, r); }
    else if (r.op === "del") live.delete(r.id);
    else if (r.op === "purge") for (const [id, e] of live) if (e.q === r.q) live.delete(id);
  }
}
fs.writeFileSync(file + ".tmp", [...live.values()].map((e) => JSON.stringify(e) + "\n").join(""));
fs.renameSync(file + ".tmp", file);
const fd = fs.openSync(file, "a");
const write = (r) => fs.writeSync(fd, JSON.stringify(r) + "\n");
const waiting = new Map(); // queue name → messages to put back when it is created
for (const e of live.values()) {
  if (!waiting.has(e.q)) waiting.set(e.q, []);
  waiting.get(e.q).push(e.m);
}
console.log("fauxqs journal: " + live.size + " messages to restore in " + waiting.size + " queues");
let restoring = false;
const enqueue = SqsQueue.prototype.enqueue;
SqsQueue.prototype.enqueue = function (msg) {
  if (!restoring) write({ op: "put", q: this.name, m: msg });
  return enqueue.call(this, msg);
};
const deleteMessage = SqsQueue.prototype.deleteMessage;
SqsQueue.prototype.deleteMessage = function (handle) {
  const entry = this.inflightMessages.get(handle);
  const deleted = deleteMessage.call(this, handle);
  if (deleted && entry) write({ op: "del", id: entry.message.messageId });
  return deleted;
};
const purge = SqsQueue.prototype.purge;
SqsQueue.prototype.purge = function () {
  write({ op: "purge", q: this.name });
  return purge.call(this);
};
const deleteQueue = SqsStore.prototype.deleteQueue;
SqsStore.prototype.deleteQueue = function (url) {
  const q = this.getQueue(url);
  if (q) write({ op: "purge", q: q.name });
  return deleteQueue.call(this, url);
};
const createQueue = SqsStore.prototype.createQueue;
SqsStore.prototype.createQueue = function (name, ...rest) {
  const q = createQueue.call(this, name, ...rest);
  const msgs = waiting.get(name) ?? [];
  waiting.delete(name);
  restoring = true;
  try {
    for (const m of msgs) {
      m.approximateReceiveCount = 0;
      delete m.approximateFirstReceiveTimestamp;
      if (m.messageDeduplicationId && Date.now() - m.sentTimestamp < 5 * 60 * 1000) {
        q.recordDeduplication(m.messageDeduplicationId, m.messageId, m.sequenceNumber);
      }
      q.enqueue(m);
    }
  } finally {
    restoring = false;
  }
  if (msgs.length > 0) console.log("fauxqs journal: restored " + msgs.length + " messages in " + name);
  return q;
};
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
