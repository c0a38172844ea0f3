package consoleapi

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// server holds the dependencies the handlers share.
type server struct {
	svc     *casework.Service
	records Records
	opts    Options
	// agent lets only an authenticated agent through.
	agent func(http.Handler) http.Handler
	// idempotent honours Idempotency-Key (after agent).
	idempotent func(http.Handler) http.Handler
}

func newServer(svc *casework.Service, records Records, o Options) *server {
	if svc == nil || records == nil {
		panic("consoleapi: a service and a record store are required")
	}
	authenticate := httpapi.Authenticate(o.DevToken)
	return &server{
		svc: svc, records: records, opts: o,
		agent:      func(h http.Handler) http.Handler { return authenticate(pathIDs(knownQuery(h))) },
		idempotent: httpapi.Idempotent(records, o.Clock),
	}
}

// pathIDs answers 404 not_found, before the handler asks the store, for a
// route whose {id}, {message_id} or {handle_id} cannot be an id of ours
// (casework.ValidID): a 2 KB "id" would otherwise reach DynamoDB's key size
// limit and answer 500.
func pathIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, name := range []string{"id", "message_id", "handle_id"} {
			if v := r.PathValue(name); v != "" && !casework.ValidID(v) {
				httpapi.WriteError(w, r, casework.Errorf(casework.ENotFound,
					"Nothing has the %s in this path: ids are 1 to %d letters, digits, '-' or '_'.", name, casework.MaxIDLength))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// knownQuery answers 400 validation_failed, naming each one, for query
// parameters the route does not take (QueryParameters), that are given
// more than once, whose percent-encoding is broken (malformedQuery), or
// whose value is not UTF-8: a misspelt ?limt= or ?stauts= would otherwise be
// ignored and answer something else than was asked (issue 14 item 7).
func knownQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		takes := queryParameters[r.Pattern]
		q := r.URL.Query()
		fields := malformedQuery(r.URL.RawQuery)
		for _, name := range slices.Sorted(maps.Keys(q)) {
			switch {
			case !slices.Contains(takes, name) && len(takes) == 0:
				fields = append(fields, casework.FieldError{Name: name, Code: "unknown",
					Detail: fmt.Sprintf("%s takes no query parameters.", r.Pattern)})
			case !slices.Contains(takes, name):
				fields = append(fields, casework.FieldError{Name: name, Code: "unknown",
					Detail: fmt.Sprintf("%s takes only %s.", r.Pattern, strings.Join(takes, ", "))})
			case len(q[name]) > 1:
				fields = append(fields, casework.FieldError{Name: name, Code: "repeated",
					Detail: fmt.Sprintf("%s is given %d times; give it once.", name, len(q[name]))})
			case !utf8.ValidString(q[name][0]):
				// Issue 21 item 12: bad bytes are refused, not read as U+FFFD.
				fields = append(fields, casework.FieldError{Name: name, Code: "invalid",
					Detail: fmt.Sprintf("%s is not UTF-8.", name)})
			}
		}
		if len(fields) > 0 {
			httpapi.WriteError(w, r, &casework.Error{Code: casework.EValidation, Message: "The request has query parameters this route does not take.", Fields: fields})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// malformedQuery names each parameter of raw whose percent-encoding is
// broken (or that is separated by a semicolon): url.Values drops such a
// pair without a word, so ?status=open&cursor=%zz would answer the first
// page as if no cursor had been given.
func malformedQuery(raw string) []casework.FieldError {
	var fields []casework.FieldError
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		name, errKey := url.QueryUnescape(key)
		_, errValue := url.QueryUnescape(value)
		if errKey == nil && errValue == nil && !strings.Contains(pair, ";") {
			continue
		}
		if errKey != nil || !utf8.ValidString(name) {
			name = strings.ToValidUTF8(key, "\uFFFD")
		}
		fields = append(fields, casework.FieldError{Name: name, Code: "invalid",
			Detail: fmt.Sprintf("%s is not a percent-encoded query parameter (RFC 3986; & separates parameters).", name)})
	}
	return fields
}

// handler answers the routes mux does not have with a not_found problem,
// and puts CORS around everything.
func (s *server) handler(mux *http.ServeMux) http.Handler {
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			httpapi.WriteError(w, r, casework.Errorf(httpapi.EMethodNotAllowed, "%s is not a method of %s: use %s.",
				r.Method, httpapi.ShortPath(r.URL.Path), strings.Join(allow, ", ")))
			return
		}
		httpapi.WriteError(w, r, casework.Errorf(casework.ENotFound, "There is no route %s %s.", r.Method, httpapi.ShortPath(r.URL.Path)))
	}))
	return httpapi.CORS(s.opts.AllowedOrigins)(mux)
}

// allowedMethods are the methods the mux serves r's path with (HEAD with
// GET), for a 405's Allow header; none when no route has the path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return allow
}

// decode reads the JSON body into v, answering the error itself when it fails.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpapi.Decode(w, r, v); err != nil {
		httpapi.WriteError(w, r, err)
		return false
	}
	return true
}

// page reads ?limit= and ?cursor=, answering the error itself when they are bad.
func page(w http.ResponseWriter, r *http.Request) (casework.PageRequest, bool) {
	p, err := httpapi.PageFromQuery(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return p, false
	}
	return p, true
}
