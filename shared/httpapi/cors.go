package httpapi

import (
	"net/http"
	"slices"
)

// CORS settings the console API answers with.
const (
	corsAllowMethods  = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, Idempotency-Key"
	corsExposeHeaders = "Idempotent-Replayed"
	corsMaxAge        = "600"
)

// CORS lets the console origins in allowed (exact "scheme://host[:port]"
// strings; "*" allows any origin) call the API from a browser. A request
// from an allowed origin gets Access-Control-Allow-Origin echoing it; a
// preflight (OPTIONS with Access-Control-Request-Method) is answered 204
// here, with the allowed methods and headers (Authorization, Content-Type,
// Idempotency-Key) when its origin is allowed and with no CORS headers, so
// the browser refuses, when it is not. Other origins get no CORS headers.
// Credentials (cookies) are not used: the console sends a bearer token.
func CORS(allowed []string) func(http.Handler) http.Handler {
	anyOrigin := slices.Contains(allowed, "*")
	ok := func(origin string) bool {
		return origin != "" && (anyOrigin || slices.Contains(allowed, origin))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			h := w.Header()
			h.Add("Vary", "Origin")
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if ok(origin) {
				h.Set("Access-Control-Allow-Origin", origin)
				if preflight {
					h.Set("Access-Control-Allow-Methods", corsAllowMethods)
					h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
					h.Set("Access-Control-Max-Age", corsMaxAge)
				} else {
					h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
				}
			}
			if preflight {
				h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
