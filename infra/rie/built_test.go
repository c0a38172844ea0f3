package rie

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltNamesWhatIsMissing: a prebuilt directory is used only if it
// holds every function the tests run; one that lacks some is refused,
// naming them, rather than failing later as an emulator that cannot start.
func TestBuiltNamesWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "reply"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "reply", "bootstrap"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Built(dir, []string{"reply"}); err != nil {
		t.Errorf("a complete directory: %v", err)
	}
	err := Built(dir, []string{"reply", "follow", "retweet"})
	if err == nil || !strings.Contains(err.Error(), "follow, retweet") || strings.Contains(err.Error(), "reply,") {
		t.Errorf("missing follow and retweet: %v", err)
	}
}
