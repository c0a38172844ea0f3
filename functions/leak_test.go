// Package functions_test keeps what only runs here out of what ships: no
// Lambda function links a dev-only package (shared/dev/..., the CDK app, the
// ops tools), and no built bootstrap holds the local run's sample
// credentials.
package functions_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

const module = "github.com/acme/twitter-cases"

// devOnly are the import path prefixes no function may link: the dev tree,
// the CDK app and its libraries, the operators' tools.
var devOnly = []string{
	module + "/shared/dev/",
	module + "/infra",
	module + "/ops/",
	"github.com/aws/aws-cdk-go/",
	"github.com/aws/constructs-go/",
	"github.com/cdklabs/",
}

// dmOnly are the import path prefixes only the functions that handle
// Direct Messages may link: X's chat engine (a wasm module and its host)
// and the brand identities that load keys into it. Every other function
// starts and runs without them.
var dmOnly = []string{
	module + "/shared/brandchat",
	module + "/shared/xchat",
	"github.com/tetratelabs/wazero",
}

// dmFunctions are the functions that handle Direct Messages.
var dmFunctions = []string{"inbound-worker", "outbound-worker"}

// BuildDirEnv names the variable holding the folder where `make build` has
// just put every function's <name>/bootstrap; `make test` sets it. Without
// it the test builds the functions itself, as `make build` does.
const BuildDirEnv = "LAMBDA_BUILD_DIR"

// buildEnv is the environment `make build` builds the functions in.
var buildEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

// names returns the functions: the folders of functions/ with a main.go.
func names(t *testing.T) []string {
	t.Helper()
	mains, err := filepath.Glob(filepath.Join("*", "main.go"))
	if err != nil || len(mains) == 0 {
		t.Fatalf("no functions/*/main.go (%v)", err)
	}
	var out []string
	for _, m := range mains {
		out = append(out, filepath.Dir(m))
	}
	return out
}

func goCmd(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), "go", args...)
	cmd.Env = append(os.Environ(), buildEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func isDevOnly(path string) bool {
	return slices.ContainsFunc(devOnly, func(p string) bool { return strings.HasPrefix(path, p) })
}

// TestFunctionsLinkNoDevPackage: `go list -deps` of each function, as
// `make build` builds it, holds no dev-only package; a failure names the
// packages of the function that import one.
func TestFunctionsLinkNoDevPackage(t *testing.T) {
	fns := names(t)
	patterns := make([]string, len(fns))
	for i, f := range fns {
		patterns[i] = "./" + f
	}
	// Every package each function links, and who imports what among them.
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(goCmd(t, append([]string{"list", "-tags", "lambda.norpc",
		"-f", "{{.ImportPath}} {{join .Deps \" \"}}"}, patterns...)...))), "\n") {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(goCmd(t, append([]string{"list", "-deps", "-tags", "lambda.norpc",
		"-f", "{{.ImportPath}} {{join .Imports \" \"}}"}, patterns...)...))), "\n") {
		f := strings.Fields(line)
		imports[f[0]] = f[1:]
	}
	if len(deps) != len(fns) {
		t.Fatalf("go list answered for %d packages, want the %d functions", len(deps), len(fns))
	}
	for fn, ds := range deps {
		var leaks []string
		for _, d := range ds {
			if !isDevOnly(d) {
				continue
			}
			var by []string
			for _, p := range append([]string{fn}, ds...) {
				if !isDevOnly(p) && slices.Contains(imports[p], d) {
					by = append(by, strings.TrimPrefix(p, module+"/"))
				}
			}
			leaks = append(leaks, fmt.Sprintf("%s (imported by %s)", strings.TrimPrefix(d, module+"/"), strings.Join(by, ", ")))
		}
		if len(leaks) > 0 {
			t.Errorf("%s links dev-only packages: %s", strings.TrimPrefix(fn, module+"/"), strings.Join(leaks, "; "))
		}
	}
	// Only the DM workers link X's chat engine and the brand identities.
	for fn, ds := range deps {
		name := strings.TrimPrefix(fn, module+"/functions/")
		if slices.Contains(dmFunctions, name) {
			continue
		}
		for _, d := range ds {
			if slices.ContainsFunc(dmOnly, func(p string) bool { return d == p || strings.HasPrefix(d, p+"/") }) {
				t.Errorf("%s links %s, which only the functions that handle DMs (%s) may", name, d, strings.Join(dmFunctions, ", "))
			}
		}
	}
	// The check itself: a function's deps are read (the domain is among them).
	if !slices.Contains(deps[module+"/functions/console"], module+"/shared/casework") {
		t.Error("functions/console's deps do not list shared/casework: the check reads nothing")
	}
}

// TestBootstrapsHoldNoSampleSecret: no built bootstrap contains the local
// run's sample credentials (the X app's consumer key and secret, the sample
// brand handles' access tokens and secrets).
func TestBootstrapsHoldNoSampleSecret(t *testing.T) {
	fns := names(t)
	dir := os.Getenv(BuildDirEnv)
	if dir == "" {
		dir = t.TempDir()
		out := filepath.Join(dir, ".out")
		args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out + string(filepath.Separator)}
		for _, f := range fns {
			args = append(args, "./"+f)
		}
		goCmd(t, args...)
		for _, f := range fns {
			if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(out, f), filepath.Join(dir, f, "bootstrap")); err != nil {
				t.Fatal(err)
			}
		}
	}
	secrets := []string{sample.ConsumerKey, sample.ConsumerSecret}
	for _, b := range sample.Brands {
		secrets = append(secrets, b.Credentials.AccessToken, b.Credentials.AccessTokenSecret)
	}
	for _, f := range fns {
		bin, err := os.ReadFile(filepath.Join(dir, f, "bootstrap"))
		if err != nil {
			t.Fatalf("%s: %v (make build builds it)", f, err)
		}
		// The check itself: the binary holds the product's strings.
		if !bytes.Contains(bin, []byte(module+"/shared/")) {
			t.Fatalf("%s: bootstrap holds none of the product's strings: the check reads nothing", f)
		}
		for _, s := range secrets {
			if bytes.Contains(bin, []byte(s)) {
				t.Errorf("%s: bootstrap holds the sample credential %q", f, s)
			}
		}
	}
}
