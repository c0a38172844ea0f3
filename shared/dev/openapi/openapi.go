// Package openapi holds the OpenAPI 3.1 document of the HTTP API: the console
// routes, X's webhook and the health check, exactly as shared/spec/API.md
// states them. The document is embedded in the binary and served at
// GET /openapi.json.
//
// The package imports nothing but the standard library, so a function that
// serves the document links no OpenAPI tooling. Tests check handlers against
// the document with package openapitest.
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
)

// Path is where Handler is mounted.
const Path = "/openapi.json"

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document (JSON). The caller may modify the
// returned slice.
func Document() []byte {
	return slices.Clone(document)
}

// Handler serves the document to GET and HEAD requests, its servers
// naming where it was asked for (http:// and the request's Host), so a
// local run on another PORT documents itself.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := servedFrom("http://" + r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}

// members is the document's top-level members, decoded once.
var members = sync.OnceValues(func() (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	err := json.Unmarshal(document, &m)
	return m, err
})

// servedFrom is the document with one server, the local run at base.
func servedFrom(base string) ([]byte, error) {
	m, err := members()
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	servers, err := json.Marshal([]map[string]string{{"url": base, "description": "The local run (`make dev`)."}})
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	out["servers"] = servers
	return json.MarshalIndent(out, "", "  ")
}
