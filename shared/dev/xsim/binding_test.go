package xsim

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// xdkPkg is X's JS binding's pkg directory as `make deps` installs it
// (package.json pins @xdevplatform/chat-xdk).
var xdkPkg = filepath.Join("..", "..", "..", "node_modules", "@xdevplatform", "chat-xdk", "pkg")

// TestXsBindingReadsWhatTheSimulatorDelivers: X's own JS binding, under
// Node, acts as a brand and as a customer through the simulator's HTTP
// endpoints only (the credentials route, the public-key and chat
// endpoints, X Activity deliveries as GET /sim/deliveries records them):
// it decrypts and verifies (rejecting unverified, its default) what the
// simulator assembles and delivers, both ways, for emoji, right-to-left and
// 10,000-character texts; a retried send makes one message; a tampered
// event is refused; history from the events endpoint reads back whole.
func TestXsBindingReadsWhatTheSimulatorDelivers(t *testing.T) {
	if _, err := os.Stat(filepath.Join(xdkPkg, "chat_xdk_wasm_bg.wasm")); err != nil {
		t.Fatalf("X's JS binding is not installed (make deps): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	f := newFixture(t, Options{})
	subscribeChat(f, f.oauth2Token(acmeSupport.ScreenName), acmeSupport.XUserID)
	subscribeChat(f, f.oauth2Token(alice.Handle), alice.XUser)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "xchat_binding.mjs"), f.srv.URL, acmeSupport.ScreenName, alice.Handle)
	cmd.Env = append(os.Environ(), "XDK_PKG="+xdkPkg)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var report struct {
		Steps []struct {
			Name   string `json:"name"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if len(report.Steps) < 20 {
		t.Errorf("only %d steps ran", len(report.Steps))
	}
	for _, s := range report.Steps {
		if !s.OK {
			t.Errorf("%s: %s", s.Name, s.Detail)
		}
	}
	// What X stored is ciphertext: no text the binding sent is in it.
	for _, c := range f.sim.Calls() {
		if body := string(c.Body); strings.Contains(body, "Hello from the brand") || strings.Contains(body, "My order is 555") {
			t.Errorf("plain text in a call to X: %s %s", c.Method, c.Path)
		}
	}
}
