// Command testrun is `make test`'s `go test ./...` with the test binaries
// kept: `go test -count=1` links every package's test binary again on
// each run (about 85 CPU-seconds here for 44 packages, more than the
// tests themselves once warm), while `go test -c -o DIR/` leaves an up-to-date binary
// alone. So testrun builds them with `go test -c` into .cache/test (go
// relinks only what changed), then runs each in its package's folder as
// `go test` runs it (-test.count=1, -test.timeout, -test.paniconexit0),
// several at once, the slowest of the last run first, and prints what
// `go test ./...` prints: "ok" and the time for a package that passed,
// its whole output and "FAIL" for one that failed (-v: every package's
// output). It exits 1 if one failed.
//
//	go run ./shared/dev/cmd/testrun [-p N] [-timeout 30m] [-v] [packages]
//
// Ctrl-C (or SIGTERM) interrupts every running test binary, which stops
// its own servers, and exits.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	p := flag.Int("p", runtime.GOMAXPROCS(0), "test binaries run at once")
	timeout := flag.Duration("timeout", 30*time.Minute, "each test binary's -test.timeout")
	verbose := flag.Bool("v", false, "print every test's output (-test.v)")
	dir := flag.String("dir", filepath.Join(".cache", "test"), "where the test binaries are kept")
	flag.Parse()
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx, options{parallel: *p, timeout: *timeout, verbose: *verbose, dir: *dir}, patterns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(2)
	}
	if failed > 0 {
		fmt.Println("FAIL")
		os.Exit(1)
	}
}

type options struct {
	parallel int
	timeout  time.Duration
	verbose  bool
	dir      string
}

// pkg is a package with tests.
type pkg struct {
	ImportPath string
	Dir        string
	// bin is its test binary, once built.
	bin string
}

func run(ctx context.Context, opts options, patterns []string) (failed int, err error) {
	pkgs, err := list(ctx, patterns)
	if err != nil {
		return 0, err
	}
	dir, err := filepath.Abs(opts.dir)
	if err != nil {
		return 0, err
	}
	for i, group := range groups(pkgs) {
		out := filepath.Join(dir, fmt.Sprint(i))
		if err := build(ctx, out, group); err != nil {
			return 0, err
		}
	}
	timesFile := filepath.Join(dir, "times.json")
	last := readTimes(timesFile)
	order(pkgs, last)

	work := make(chan *pkg)
	var mu sync.Mutex
	took := map[string]float64{}
	var wg sync.WaitGroup
	for range max(opts.parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				ok, d, out := runOne(ctx, p, opts)
				mu.Lock()
				took[p.ImportPath] = d.Seconds()
				os.Stdout.Write(out)
				if ok {
					fmt.Printf("ok  \t%s\t%.3fs\n", p.ImportPath, d.Seconds())
				} else {
					failed++
					fmt.Printf("FAIL\t%s\t%.3fs\n", p.ImportPath, d.Seconds())
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range pkgs {
		if ctx.Err() != nil {
			break
		}
		work <- p
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		return failed, ctx.Err()
	}
	for k, v := range last {
		if _, ok := took[k]; !ok {
			took[k] = v
		}
	}
	writeTimes(timesFile, took)
	return failed, nil
}

// list returns the packages matching patterns that have test files.
func list(ctx context.Context, patterns []string) ([]*pkg, error) {
	args := append([]string{"list", "-e", "-f", `{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}	{{.Dir}}{{end}}`}, patterns...)
	out, err := exec.CommandContext(ctx, "go", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var pkgs []*pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if ip, d, ok := strings.Cut(line, "\t"); ok {
			pkgs = append(pkgs, &pkg{ImportPath: ip, Dir: d})
		}
	}
	return pkgs, nil
}

// groups splits pkgs so that no two in a group share a test binary's name
// (`go test -c -o DIR/` names it after the import path's last element).
func groups(pkgs []*pkg) [][]*pkg {
	var out [][]*pkg
	for _, p := range pkgs {
		placed := false
		for i, g := range out {
			if !hasBase(g, path.Base(p.ImportPath)) {
				out[i] = append(g, p)
				placed = true
				break
			}
		}
		if !placed {
			out = append(out, []*pkg{p})
		}
	}
	return out
}

func hasBase(g []*pkg, base string) bool {
	for _, p := range g {
		if path.Base(p.ImportPath) == base {
			return true
		}
	}
	return false
}

// build links the group's test binaries into out with one `go test -c`.
func build(ctx context.Context, out string, group []*pkg) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	args := []string{"test", "-c", "-o", out + string(filepath.Separator)}
	for _, p := range group {
		args = append(args, p.ImportPath)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -c: %w", err)
	}
	for _, p := range group {
		p.bin = filepath.Join(out, path.Base(p.ImportPath)+".test")
		if runtime.GOOS == "windows" {
			p.bin += ".exe"
		}
	}
	return nil
}

// runOne runs a package's test binary in its folder, as go test does, and
// returns whether it passed, how long it took and its output.
func runOne(ctx context.Context, p *pkg, opts options) (bool, time.Duration, []byte) {
	args := []string{"-test.paniconexit0", "-test.count=1", "-test.timeout=" + opts.timeout.String()}
	if opts.verbose {
		args = append(args, "-test.v=true")
	}
	// Like go test: past the binary's own timeout (it panics with every
	// goroutine's stack), a minute more, then it is killed.
	ctx, cancel := context.WithTimeout(ctx, opts.timeout+time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Dir = p.Dir
	cmd.Stdout, cmd.Stderr = &out, &out
	// Interrupted: the binary gets SIGINT and time to stop its servers.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err == nil && !opts.verbose {
		// As go test in package list mode: a package that passed shows
		// only its "ok" line.
		return true, d, nil
	}
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		// Not the binary's own "tests failed": say what happened to it.
		fmt.Fprintf(&out, "%s: %v\n", filepath.Base(p.bin), err)
	}
	return err == nil, d, out.Bytes()
}

// order sorts pkgs slowest first by the last run's times (unknown ones
// first of all, then by import path), so that the long ones do not start
// last and hold up the end.
func order(pkgs []*pkg, last map[string]float64) {
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, aok := last[pkgs[i].ImportPath]
		b, bok := last[pkgs[j].ImportPath]
		if aok != bok {
			return !aok
		}
		return a > b
	})
}

func readTimes(file string) map[string]float64 {
	m := map[string]float64{}
	if b, err := os.ReadFile(file); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

func writeTimes(file string, m map[string]float64) {
	if b, err := json.MarshalIndent(m, "", "  "); err == nil {
		tmp := file + ".tmp"
		if os.WriteFile(tmp, b, 0o644) == nil {
			_ = os.Rename(tmp, file)
		}
	}
}
