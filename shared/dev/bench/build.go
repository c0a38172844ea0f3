package bench

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

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
// goos/goarch with one `go build`, and places each at dir/<name>/bootstrap
// (a symbolic link). The binaries are linked into the module's
// .cache/bench/<goos>_<goarch>, kept between runs: go build relinks only
// a binary whose inputs changed there, so an unchanged anchor costs
// nothing the next time.
func Build(ctx context.Context, moduleRoot, dir, goos, goarch string, bins []Binary) error {
	out := filepath.Join(moduleRoot, ".cache", "bench", goos+"_"+goarch)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out + string(filepath.Separator)}
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
		built := filepath.Join(out, path.Base(b.Pkg))
		if goos == "windows" {
			built += ".exe"
		}
		if err := place(built, dir, b.Name); err != nil {
			return err
		}
	}
	return nil
}

// place puts a symbolic link to the bootstrap at src into dir/<name>/bootstrap.
func place(src, dir, name string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("bench: %s was not built: %w", name, err)
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(abs, filepath.Join(dir, name, "bootstrap")); err != nil {
		return fmt.Errorf("bench: place %s: %w", name, err)
	}
	return nil
}

// HostBuild is Build for this machine, for the emulator.
func HostBuild(ctx context.Context, moduleRoot, dir string, bins []Binary) error {
	return Build(ctx, moduleRoot, dir, runtime.GOOS, runtime.GOARCH, bins)
}

// CachedZipSize is ZipSize, remembered in dir by the SHA-256 of the
// file's bytes: the size is a function of those bytes alone, and
// compressing at the best level is most of a quick run's CPU. A cache
// that cannot be read or written only costs the compression.
func CachedZipSize(dir, path string) (int64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(raw)
	entry := filepath.Join(dir, hex.EncodeToString(sum[:]))
	if b, err := os.ReadFile(entry); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	n, err := ZipSize(path)
	if err != nil {
		return 0, err
	}
	if os.MkdirAll(dir, 0o755) == nil {
		tmp := fmt.Sprintf("%s.%d", entry, os.Getpid())
		if os.WriteFile(tmp, []byte(strconv.FormatInt(n, 10)), 0o644) == nil {
			_ = os.Rename(tmp, entry)
		}
	}
	return n, nil
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
