package bench_test

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/bench"
)

// CachedZipSize answers what ZipSize does, for the file's bytes as they
// are now: a changed file is compressed again, never answered from the
// entry of its old bytes.
func TestCachedZipSizeIsZipSize(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "zip")
	file := filepath.Join(dir, "bootstrap")
	rnd := rand.New(rand.NewSource(1))
	noise := make([]byte, 64<<10)
	rnd.Read(noise)
	for _, content := range [][]byte{
		bytes.Repeat([]byte("compressible "), 10000),
		noise,
		bytes.Repeat([]byte("compressible "), 10000), // back to the first bytes: its entry again
	} {
		if err := os.WriteFile(file, content, 0o755); err != nil {
			t.Fatal(err)
		}
		want, err := bench.ZipSize(file)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the first may compress, the second reads the entry
			got, err := bench.CachedZipSize(cache, file)
			if err != nil || got != want {
				t.Fatalf("CachedZipSize = %d, %v; ZipSize = %d", got, err, want)
			}
		}
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 2 {
		t.Errorf("%d cache entries, want one per distinct content (2)", len(entries))
	}
}
