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
	"net/http"
	"slices"
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

// Handler serves the document to GET and HEAD requests.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(document)
		}
	})
}
