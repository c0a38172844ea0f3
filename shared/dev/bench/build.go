package bench

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"

	"github.com/acme/twitter-cases/functions"
)

// Binary is one Lambda function the bench builds: a function of the
// product or an anchor.
type Binary struct {
	// Name is the function's (package functions) or the anchor's.
	Name string
	// Pkg is its main package, relative to the module root.
	Pkg string
	// Anchor marks the bench's own reference functions.
	Anchor bool
	// Label says what an anchor is, in the table.
	Label string
}

// The anchors (shared/dev/bench/anchors), in the order the table lists them.
const (
	AnchorHello       = "hello"
	AnchorAPIProxy    = "apiproxy"
	AnchorAPIProxySDK = "apiproxy-sdk"
	AnchorAPIProxyDDB = "apiproxy-ddb"
)

// Anchors are the reference functions every function is compared with:
// the smallest aws-lambda-go function, an api-proxy HTTP handler, the
// same with config.LoadDefaultConfig and a DynamoDB client (the issue's
// anchor), and with a DynamoDB client on the functions' own aws.Config
// (shared/awsenv): the least any function with a table carries.
var Anchors = []Binary{
	{Name: AnchorHello, Pkg: "./shared/dev/bench/anchors/hello", Anchor: true, Label: "hello-world aws-lambda-go"},
	{Name: AnchorAPIProxy, Pkg: "./shared/dev/bench/anchors/apiproxy", Anchor: true, Label: "api-proxy handler"},
	{Name: AnchorAPIProxySDK, Pkg: "./shared/dev/bench/anchors/apiproxy-sdk", Anchor: true, Label: "api-proxy + LoadDefaultConfig + DynamoDB client"},
	{Name: AnchorAPIProxyDDB, Pkg: "./shared/dev/bench/anchors/apiproxy-ddb", Anchor: true, Label: "api-proxy + awsenv + DynamoDB client"},
}

// Binaries are the anchors, then every function of the product as the
// stack deploys them (package functions).
func Binaries() []Binary {
	out := append([]Binary(nil), Anchors...)
	for _, f := range functions.All {
		out = append(out, Binary{Name: f.Name, Pkg: "./functions/" + f.Name})
	}
	return out
}

// Build builds every binary as `make build` builds a function (CGO off,
// the lambda.norpc tag, trimmed paths, no symbol table or DWARF) for
// goos/goarch, into dir/<name>/bootstrap, with one `go build`.
func Build(ctx context.Context, moduleRoot, dir, goos, goarch string, bins []Binary) error {
	tmp := filepath.Join(dir, ".out")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", tmp + string(filepath.Separator)}
	for _, b := range bins {
		args = append(args, b.Pkg)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bench: go build for %s/%s: %v\n%s", goos, goarch, err, out)
	}
	for _, b := range bins {
		if err := os.MkdirAll(filepath.Join(dir, b.Name), 0o755); err != nil {
			return err
		}
		built := filepath.Join(tmp, path.Base(b.Pkg))
		if goos == "windows" {
			built += ".exe"
		}
		if err := os.Rename(built, filepath.Join(dir, b.Name, "bootstrap")); err != nil {
			return fmt.Errorf("bench: %s was not built: %w", b.Name, err)
		}
	}
	return os.Remove(tmp)
}

// HostBuild is Build for this machine, for the emulator.
func HostBuild(ctx context.Context, moduleRoot, dir string, bins []Binary) error {
	return Build(ctx, moduleRoot, dir, runtime.GOOS, runtime.GOARCH, bins)
}

// ZipSize returns the size in bytes of a zip archive holding only the
// file at path, named bootstrap and executable, compressed as `zip -9`
// compresses (deflate at its best compression, from Go's archive/zip), as
// a Lambda deployment package of the file would be.
func ZipSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return 0, err
	}
	hdr.Name, hdr.Method = "bootstrap", zip.Deflate
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return 0, fmt.Errorf("bench: zip %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(buf.Len()), nil
}
