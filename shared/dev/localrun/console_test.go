package localrun

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConsoleServing(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "app"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>console</title>"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "app", "main.js"), []byte("export {}"), 0o644))
	mux := http.NewServeMux()
	mux.Handle("/", http.NotFoundHandler()) // the API's catch-all
	mountConsole(mux, dir, "the-dev-token")
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) (int, string, http.Header) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		must(err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	if status, body, _ := get("/"); status != 200 || !strings.Contains(body, "<title>console</title>") {
		t.Errorf("GET / = %d %q", status, body)
	}
	if status, body, _ := get("/app/main.js"); status != 200 || body != "export {}" {
		t.Errorf("GET /app/main.js = %d %q", status, body)
	}
	status, body, h := get("/config.json")
	var cfg consoleConfig
	if err := json.Unmarshal([]byte(body), &cfg); status != 200 || err != nil || h.Get("Cache-Control") != "no-store" ||
		cfg != (consoleConfig{Auth: "dev", DevToken: "the-dev-token"}) {
		t.Errorf("GET /config.json = %d %q (%v)", status, body, err)
	}
	if status, _, _ := get("/v1/cases"); status != 404 {
		t.Errorf("the API's routes are not the console's: GET /v1/cases = %d", status)
	}

	// Not built: / says how to build it.
	must(os.Remove(filepath.Join(dir, "index.html")))
	if status, body, _ := get("/"); status != 404 || !strings.Contains(body, "make console") {
		t.Errorf("GET / without a console = %d %q", status, body)
	}
}
