package localrun

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
)

// consoleConfig is the console's config.json in the local run: the API is
// this very server, signed in with the development token.
type consoleConfig struct {
	Auth       string `json:"auth"`
	APIBaseURL string `json:"api_base_url"`
	DevToken   string `json:"dev_token"`
}

// mountConsole serves the built agent console (`make console` puts it in
// dir) at /, its files under /app/, and a config.json that signs it in with
// the development token. Without a built console, / says how to build it.
func mountConsole(mux *http.ServeMux, dir, devToken string) {
	index := filepath.Join(dir, "index.html")
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(index); err != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("The agent console is not built: run `make console` (make dev does it), then reload.\n"))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, index)
	})
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		// The API is on this origin: relative URLs need no CORS.
		_ = json.NewEncoder(w).Encode(consoleConfig{Auth: "dev", APIBaseURL: "", DevToken: devToken})
	})
	files := http.FileServer(http.Dir(dir))
	mux.Handle("GET /app/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
}
