package xchat

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository's root, two folders up from this package.
const repoRoot = "../.."

// TestModuleIsThePinnedPackages: the embedded module is byte for byte the one
// in node_modules, which npm ci installed from the lock file and checked
// against its sha512 integrity, and package.json pins that exact version.
func TestModuleIsThePinnedPackages(t *testing.T) {
	path := filepath.Join(repoRoot, "node_modules", "@xdevplatform", "chat-xdk", "pkg", "chat_xdk_wasm_bg.wasm")
	npm, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make deps: npm ci installs the pinned package)", err)
	}
	if !bytes.Equal(npm, moduleWasm) {
		t.Fatalf("shared/xchat/chat_xdk_wasm_bg.wasm differs from %s: copy it and update ModuleSHA256", path)
	}
	sum := sha256.Sum256(moduleWasm)
	if got := hex.EncodeToString(sum[:]); got != ModuleSHA256 {
		t.Fatalf("ModuleSHA256 is %s, the module's SHA-256 is %s", ModuleSHA256, got)
	}

	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	if v := pkg.DevDependencies["@xdevplatform/chat-xdk"]; "@xdevplatform/chat-xdk@"+v != Package {
		t.Fatalf("package.json pins @xdevplatform/chat-xdk %q; the embedded module is %s", v, Package)
	}
	var installed struct {
		Version string `json:"version"`
	}
	b, err = os.ReadFile(filepath.Join(repoRoot, "node_modules", "@xdevplatform", "chat-xdk", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &installed); err != nil {
		t.Fatal(err)
	}
	if "@xdevplatform/chat-xdk@"+installed.Version != Package {
		t.Fatalf("node_modules holds chat-xdk %s, not %s (run make deps)", installed.Version, Package)
	}
}

// TestWazeroVersionIsGoMods: the compilation cache's folder is named for
// the wazero go.mod requires.
func TestWazeroVersionIsGoMods(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "github.com/tetratelabs/wazero " + wazeroVersion + "\n"; !bytes.Contains(b, []byte(want)) {
		t.Fatalf("go.mod does not require %q: update wazeroVersion", strings.TrimSpace(want))
	}
}
