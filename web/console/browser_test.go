package console_test

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localrun"
)

// TestBrowser walks the seed in Chromium against a local run of its own (on
// free ports, with its own data): test/browser.mjs drives the page, this
// test starts and stops everything, also when the script fails or hangs.
// It skips, saying why, without Chromium, the built console or npm packages.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	root, err := localaws.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	browser := cmp.Or(os.Getenv("CHROMIUM"), "/usr/bin/chromium")
	if _, err := exec.LookPath(browser); err != nil {
		t.Skipf("no Chromium at %s (apt-get install chromium, or set CHROMIUM): the browser tests need it", browser)
	}
	consoleDir := filepath.Join(root, "build", "web")
	if _, err := os.Stat(filepath.Join(consoleDir, "index.html")); err != nil {
		t.Skip("the console is not built in build/web: run `make console` (make test does)")
	}
	axe := filepath.Join(root, "node_modules", "axe-core", "axe.min.js")
	for _, p := range []string{filepath.Join(root, "node_modules", "playwright-core"), axe} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s is missing: run `npm ci` (make test does)", p)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}

	base, cfg := startLocalRun(t, consoleDir)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "web", "console", "test", "browser.mjs"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"BASE_URL="+base, "SIM_URL="+cfg.XAPIBaseURL, "CHROMIUM="+browser, "AXE="+axe,
		"SCREENSHOTS="+filepath.Join(root, "build", "screenshots"))
	// Node and Chromium in a process group of their own, killed as a whole
	// when the test ends early or times out (and, on Linux, when it dies).
	cmd.SysProcAttr = procAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = killGroup(cmd.Process.Pid) })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("the browser test did not finish within 4 minutes")
		}
		t.Fatalf("the browser test failed (%v); screenshots so far are in build/screenshots", err)
	}
}

// startLocalRun runs the local system with the console on free ports and
// stops it when the test ends.
func startLocalRun(t *testing.T, consoleDir string) (string, config.Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type ready struct {
		base string
		cfg  config.Config
	}
	readyc := make(chan ready, 1)
	done := make(chan error, 1)
	go func() {
		done <- localrun.Run(ctx, localrun.Options{
			Addr:       "127.0.0.1:0",
			DataDir:    t.TempDir(),
			ConsoleDir: consoleDir,
			Config:     config.Config{TableName: "console-browser-test", TweetMaxLength: 140, DevToken: "dev", XAccess: "enterprise"}, // the steps follow and mention strangers
			Banner:     io.Discard,
			Ready:      func(base string, cfg config.Config) { readyc <- ready{base, cfg} },
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the local run did not stop within 20s")
		}
	})
	select {
	case r := <-readyc:
		return r.base, r.cfg
	case err := <-done:
		t.Fatalf("the local run stopped before it was ready: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("the local run was not ready within 90s")
	}
	return "", config.Config{}
}
