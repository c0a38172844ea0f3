package functions_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// legacyDM are X's legacy Direct Message endpoints, which X stops on 9
// December 2026: every DM travels through X Chat (/2/chat/*) instead.
var legacyDM = []string{"dm_conversations", "dm_events"}

// TestNoShippedCodeCallsLegacyDMEndpoints: no source file of what ships
// (functions/ and shared/ outside shared/dev/, tests aside) names a legacy
// DM endpoint, so no path of the product can call one. (The webhook still
// reads dm.* events: X's replays of older deliveries.)
func TestNoShippedCodeCallsLegacyDMEndpoints(t *testing.T) {
	root := ".."
	scanned := 0
	for _, dir := range []string{"functions", "shared"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && filepath.ToSlash(path) == filepath.ToSlash(filepath.Join(root, "shared", "dev")) {
				return fs.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scanned++
			for _, e := range legacyDM {
				if strings.Contains(string(src), e) {
					t.Errorf("%s names the legacy DM endpoint %s", path, e)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The check itself: it read the adapter, which names X's chat endpoints.
	if scanned < 50 {
		t.Fatalf("scanned %d files: the check reads nothing", scanned)
	}
	src, err := os.ReadFile(filepath.Join(root, "shared", "xapi", "chat.go"))
	if err != nil || !strings.Contains(string(src), "/2/chat/conversations/") {
		t.Fatalf("shared/xapi/chat.go does not name X Chat's endpoints (%v): the check looks in the wrong place", err)
	}
}
