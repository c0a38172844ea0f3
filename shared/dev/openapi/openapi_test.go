package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dev/localrun"
	"github.com/acme/twitter-cases/shared/dev/openapi"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
	"github.com/acme/twitter-cases/shared/httpapi"
)

func model(t *testing.T) (libopenapi.Document, *v3.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(openapi.Document())
	if err != nil {
		t.Fatal(err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("the document does not build as an OpenAPI 3 model: %v", err)
	}
	return doc, &m.Model
}

// TestDocumentIsOpenAPI31 builds the v3 model with libopenapi and checks the
// document against the OpenAPI 3.1 meta-schema.
func TestDocumentIsOpenAPI31(t *testing.T) {
	doc, m := model(t)
	if m.Version != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", m.Version)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  %s %s: %s", f.FieldPath, f.KeywordLocation, f.Reason)
			}
		}
	}
	var raw map[string]any
	if err := json.Unmarshal(openapi.Document(), &raw); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}

// route is one operation the local run mounts.
type route struct {
	method, path string
	// sendsToX: the route sends something to X and takes an Idempotency-Key.
	sendsToX bool
}

// mounted are the routes the local run mounts (localrun.Patterns: every
// route of the function registry, and GET /openapi.json), each marked with
// whether consoleapi's route table makes it honour an Idempotency-Key.
func mounted(t *testing.T) []route {
	t.Helper()
	patterns, err := localrun.Patterns()
	if err != nil {
		t.Fatal(err)
	}
	if len(patterns) < 10 {
		t.Fatalf("the local run mounts %d routes: the check reads nothing", len(patterns))
	}
	idempotent := consoleapi.IdempotentPatterns()
	if len(idempotent) == 0 {
		t.Fatal("no route honours an Idempotency-Key: the check reads nothing")
	}
	var out []route
	for _, p := range patterns {
		method, path := functions.Route(p)
		out = append(out, route{method, path, slices.Contains(idempotent, p)})
	}
	return out
}

func operations(m *v3.Document) map[string]*v3.Operation {
	ops := map[string]*v3.Operation{}
	for p := m.Paths.PathItems.First(); p != nil; p = p.Next() {
		for o := p.Value().GetOperations().First(); o != nil; o = o.Next() {
			ops[strings.ToUpper(o.Key())+" "+p.Key()] = o.Value()
		}
	}
	return ops
}

// TestEveryRouteIsDocumented checks that the document has exactly the
// routes the server mounts (issue 14 item 8), no more, no fewer.
func TestEveryRouteIsDocumented(t *testing.T) {
	_, m := model(t)
	ops := operations(m)
	want := map[string]bool{}
	for _, r := range mounted(t) {
		key := r.method + " " + r.path
		want[key] = true
		if ops[key] == nil {
			t.Errorf("%s is not documented", key)
		}
	}
	var extra []string
	for key := range ops {
		if !want[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		t.Errorf("%s is documented but no function serves it", key)
	}
}

func statuses(op *v3.Operation) []string {
	var out []string
	for c := op.Responses.Codes.First(); c != nil; c = c.Next() {
		out = append(out, c.Key())
	}
	return out
}

func hasParam(op *v3.Operation, in, name string) bool {
	for _, p := range op.Parameters {
		if p.In == in && strings.EqualFold(p.Name, name) {
			return true
		}
	}
	return false
}

// TestOperationConventions checks the conventions of API.md on every
// operation: security, statuses, Idempotency-Key, closed request bodies.
func TestOperationConventions(t *testing.T) {
	_, m := model(t)
	ops := operations(m)
	want := map[string]string{
		"POST /v1/cases": "201", "POST /v1/handles": "201", "POST /v1/customers": "201",
		"POST /v1/cases/{id}/replies":                "202",
		"PUT /v1/customers/{id}/follows/{handle_id}": "202", "DELETE /v1/customers/{id}/follows/{handle_id}": "202",
		"PUT /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}":    "202",
		"DELETE /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}": "202",
	}
	for _, r := range mounted(t) {
		key := r.method + " " + r.path
		op := ops[key]
		if op == nil {
			continue // reported by TestEveryRouteIsDocumented
		}
		codes := statuses(op)
		console := strings.HasPrefix(r.path, "/v1/")
		t.Run(key, func(t *testing.T) {
			if op.OperationId == "" {
				t.Error("no operationId")
			}
			// Console routes inherit the document's bearer security; the
			// others opt out with an empty list.
			switch {
			case console && op.Security != nil:
				t.Errorf("a console route overrides the bearer security: %v", op.Security)
			case !console && (op.Security == nil || len(op.Security) != 0):
				t.Errorf("a non-console route must have security: []")
			}
			var need []string
			if key != "GET /openapi.json" { // serves embedded bytes; nothing can fail
				need = append(need, "500")
			}
			if console {
				// 400: any console route refuses unknown query parameters.
				need = append(need, "400", "401")
			}
			if op.RequestBody != nil {
				need = append(need, "400", "413")
			}
			if strings.Contains(r.path, "{") {
				need = append(need, "404")
			}
			if s, ok := want[key]; ok {
				need = append(need, s)
			}
			for _, s := range need {
				if !slices.Contains(codes, s) {
					t.Errorf("status %s is not documented (have %v)", s, codes)
				}
			}
			if got := hasParam(op, "header", "Idempotency-Key"); got != r.sendsToX {
				t.Errorf("Idempotency-Key documented = %v, want %v", got, r.sendsToX)
			}
			if op.RequestBody != nil && console {
				mt := op.RequestBody.Content.GetOrZero("application/json")
				if mt == nil || mt.Schema == nil {
					t.Fatal("request body without an application/json schema")
				}
				s := mt.Schema.Schema()
				if s.AdditionalProperties == nil || !s.AdditionalProperties.IsB() || s.AdditionalProperties.B {
					t.Error("the request body must have additionalProperties: false")
				}
			}
			// Every error answer is a problem document.
			for c := op.Responses.Codes.First(); c != nil; c = c.Next() {
				if c.Key() < "400" {
					continue
				}
				if c.Value().Content.GetOrZero("application/problem+json") == nil {
					t.Errorf("status %s is not an application/problem+json answer", c.Key())
				}
			}
		})
	}
}

// TestAnswerObjectsAreOpen checks that no answer schema forbids additional
// members ("fields may be added").
func TestAnswerObjectsAreOpen(t *testing.T) {
	_, m := model(t)
	for s := m.Components.Schemas.First(); s != nil; s = s.Next() {
		name := s.Key()
		if strings.HasSuffix(name, "Create") || strings.HasSuffix(name, "Update") || strings.HasSuffix(name, "Request") {
			continue // request bodies are closed
		}
		schema := s.Value().Schema()
		if ap := schema.AdditionalProperties; ap != nil && ap.IsB() && !ap.B {
			t.Errorf("%s forbids additional properties", name)
		}
	}
}

// TestEnums pins the enums to API.md and PRODUCT.md.
func TestEnums(t *testing.T) {
	_, m := model(t)
	tests := map[string][]string{
		"HandleStatus":  {"connected", "disconnected"},
		"CaseStatus":    {"new", "open", "pending", "resolved", "closed"},
		"Direction":     {"in", "out"},
		"MessageKind":   {"tweet", "dm"},
		"ReplyMode":     {"mention", "dm"},
		"MessageStatus": {"queued", "sending", "sent", "failed", "received", "waiting_for_key"},
	}
	for name, want := range tests {
		proxy := m.Components.Schemas.GetOrZero(name)
		if proxy == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		var got []string
		for _, n := range proxy.Schema().Enum {
			got = append(got, n.Value)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// code stays an open string.
	problem := m.Components.Schemas.GetOrZero("Problem").Schema()
	code := problem.Properties.GetOrZero("code").Schema()
	if len(code.Enum) > 0 || len(code.Examples) == 0 {
		t.Errorf("Problem.code must be an open string with examples")
	}
}

func TestHandlerServesTheDocument(t *testing.T) {
	srv := httptest.NewServer(openapi.Handler())
	defer srv.Close()
	resp, err := openapitest.Client(t).Get(srv.URL + openapi.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s = %d %q, %d bytes", openapi.Path, resp.StatusCode, resp.Header.Get("Content-Type"), buf.Len())
	}
	// The document as embedded, but for its servers: where it was asked
	// for (issue 14 item 8: not 8080 whatever PORT is).
	var served, embedded map[string]any
	if err := json.Unmarshal(buf.Bytes(), &served); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(openapi.Document(), &embedded); err != nil {
		t.Fatal(err)
	}
	servers, _ := served["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != srv.URL {
		t.Errorf("servers = %v, want only %s", served["servers"], srv.URL)
	}
	delete(served, "servers")
	delete(embedded, "servers")
	if !reflect.DeepEqual(served, embedded) {
		t.Error("the served document differs from the embedded one beyond its servers")
	}
	req, _ := http.NewRequest("POST", srv.URL+openapi.Path, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 405 {
		t.Errorf("POST = %v, %v", resp, err)
	}
}

func TestDocumentIsACopy(t *testing.T) {
	d := openapi.Document()
	d[0] = 'x'
	if openapi.Document()[0] != '{' {
		t.Error("Document returned the embedded bytes themselves")
	}
}

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

// TestHealthConforms checks the health check's answers, up and down,
// against the document.
func TestHealthConforms(t *testing.T) {
	for _, p := range []pinger{{nil}, {errors.New("store down")}} {
		w := httptest.NewRecorder()
		openapitest.Handler(t, httpapi.Health(p)).ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
		if want := map[bool]int{true: 200, false: 503}[p.err == nil]; w.Code != want {
			t.Errorf("status %d, want %d", w.Code, want)
		}
	}
}
