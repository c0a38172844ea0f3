// Package openapitest checks HTTP responses against the API's OpenAPI
// document (package openapi), for tests: a Validator, an http.RoundTripper
// that checks every response a test's client receives, and a handler wrapper
// that checks every response a handler writes.
//
// A response conforms when its request's method and path match a documented
// operation, its status is documented for that operation, and its body has
// the documented media type and matches the documented schema, with no
// member the schema does not name (see Strict). Only
// responses are checked; requests are the test's business (a test may send a
// malformed request on purpose, as long as the answer is documented).
//
// Only tests import this package: it links libopenapi and package testing.
package openapitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/acme/twitter-cases/shared/dev/openapi"
)

// Validator checks responses against the OpenAPI document. It is safe for
// concurrent use.
type Validator struct {
	mu    sync.Mutex
	v     validator.Validator
	model *v3.Document
	// requests checks requests against the document as published: the
	// request bodies it closes are closed there, and X's webhook payloads
	// carry members the document does not list.
	requests validator.Validator
}

// NewValidator builds a validator from openapi.Document made Strict: an
// answer member the document does not name fails, as does an undocumented
// status. It fails when the document does not build as an OpenAPI 3.1
// model.
func NewValidator() (*Validator, error) {
	strict, err := Strict(openapi.Document())
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(strict)
	if err != nil {
		return nil, fmt.Errorf("openapitest: parse the document: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapitest: build the document: %w", errors.Join(errs...))
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapitest: build the document: %w", err)
	}
	published, err := libopenapi.NewDocument(openapi.Document())
	if err != nil {
		return nil, fmt.Errorf("openapitest: parse the document: %w", err)
	}
	requests, errs := validator.NewValidator(published)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapitest: build the document: %w", errors.Join(errs...))
	}
	return &Validator{v: v, model: &m.Model, requests: requests}, nil
}

var shared struct {
	once sync.Once
	v    *Validator
	err  error
}

// Default returns a validator shared by the whole test binary (building one
// takes a moment).
func Default() (*Validator, error) {
	shared.once.Do(func() { shared.v, shared.err = NewValidator() })
	return shared.v, shared.err
}

// ValidateResponse reports how resp, the answer to req, departs from the
// document, or nil when it conforms. It reads resp.Body and puts an
// equivalent reader back, so the caller can still read it.
func (v *Validator) ValidateResponse(req *http.Request, resp *http.Response) error {
	if req == nil || resp == nil {
		return errors.New("openapitest: a request and a response are needed")
	}
	var body []byte
	if resp.Body != nil {
		var err error
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("openapitest: read the body of %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	// The validator reads the body too; give it its own copy.
	check := *resp
	check.Body = io.NopCloser(bytes.NewReader(body))
	v.mu.Lock()
	ok, errs := v.v.ValidateHttpResponse(req, &check)
	v.mu.Unlock()
	problems := describe(errs)
	if ok && len(errs) == 0 {
		problems = nil
	}
	// The validator reads no body it has no schema for: a body where the
	// document gives none is a departure too.
	if r := v.response(req, resp.StatusCode); r != nil && (r.Content == nil || r.Content.Len() == 0) && len(body) > 0 {
		problems = append(problems, fmt.Sprintf("status %d has no body in the document, but %d bytes came", resp.StatusCode, len(body)))
	}
	if len(problems) == 0 {
		return nil
	}
	return &Error{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Body: body, Problems: problems}
}

// response is the documented response of req's operation for status, or
// nil when the document has none.
func (v *Validator) response(req *http.Request, status int) *v3.Response {
	v.mu.Lock()
	item, _, _ := paths.FindPath(req, v.model, nil)
	v.mu.Unlock()
	if item == nil {
		return nil
	}
	op := item.GetOperations().GetOrZero(strings.ToLower(req.Method))
	if op == nil || op.Responses == nil {
		return nil
	}
	return op.Responses.Codes.GetOrZero(strconv.Itoa(status))
}

// QueryParameters returns the names of the query parameters the document
// gives the operation method path (as the document writes it), sorted.
func (v *Validator) QueryParameters(method, path string) []string {
	item := v.model.Paths.PathItems.GetOrZero(path)
	if item == nil {
		return nil
	}
	op := item.GetOperations().GetOrZero(strings.ToLower(method))
	if op == nil {
		return nil
	}
	var out []string
	for _, p := range slices.Concat(item.Parameters, op.Parameters) {
		if p.In == "query" {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Statuses returns the statuses the document gives the operation method
// path (path as the document writes it, e.g. /v1/cases/{id}), sorted; none
// when it has no such operation.
func (v *Validator) Statuses(method, path string) []int {
	item := v.model.Paths.PathItems.GetOrZero(path)
	if item == nil {
		return nil
	}
	op := item.GetOperations().GetOrZero(strings.ToLower(method))
	if op == nil || op.Responses == nil {
		return nil
	}
	var out []int
	for c := op.Responses.Codes.First(); c != nil; c = c.Next() {
		if n, err := strconv.Atoi(c.Key()); err == nil {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// ValidateRecorder is ValidateResponse for a response recorded by httptest.
func (v *Validator) ValidateRecorder(req *http.Request, rec *httptest.ResponseRecorder) error {
	return v.ValidateResponse(req, rec.Result())
}

// Error says how one response, or the request a server accepted, departs
// from the document.
type Error struct {
	Method, Path string
	Status       int
	// Body is the response's, or the request's when Request is set.
	Body    []byte
	Request bool
	// Problems lists what is wrong, one line each.
	Problems []string
}

func (e *Error) Error() string {
	body := string(e.Body)
	if len(body) > 2000 {
		body = body[:2000] + "..."
	}
	if e.Request {
		return fmt.Sprintf("openapi: %s %s was accepted (%d), but the document does not allow the request:\n  - %s\n  body: %s",
			e.Method, e.Path, e.Status, strings.Join(e.Problems, "\n  - "), body)
	}
	return fmt.Sprintf("openapi: %s %s answered %d, which the document does not allow:\n  - %s\n  body: %s",
		e.Method, e.Path, e.Status, strings.Join(e.Problems, "\n  - "), body)
}

func describe(errs []*vErrors.ValidationError) []string {
	if len(errs) == 0 {
		return []string{"rejected without a reason"}
	}
	var out []string
	for _, e := range errs {
		line := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			line += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			where := f.FieldPath
			if where == "" {
				where = f.KeywordLocation
			}
			line += fmt.Sprintf("\n      %s: %s", where, f.Reason)
		}
		out = append(out, line)
	}
	return out
}

// CheckingTransport returns a RoundTripper that sends requests through base
// (http.DefaultTransport when nil) and checks every response against the
// document, failing t (with t.Errorf) for each one that does not conform.
// The caller still gets the response, body intact.
func CheckingTransport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	v, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, v: v, base: base}
}

// Client returns an HTTP client whose transport is CheckingTransport(t, nil).
func Client(t testing.TB) *http.Client {
	t.Helper()
	return &http.Client{Transport: CheckingTransport(t, nil)}
}

type transport struct {
	t    testing.TB
	v    *Validator
	base http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	// Errorf, not Fatalf: a transport may run outside the test's goroutine.
	if err := tr.v.ValidateResponse(req, resp); err != nil {
		tr.t.Errorf("%v", err)
	}
	if err := tr.v.ValidateAccepted(req, body, resp.StatusCode); err != nil {
		tr.t.Errorf("%v", err)
	}
	return resp, nil
}

// readBody reads r's body and puts an equivalent reader back.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("openapitest: read the body of %s %s: %w", r.Method, r.URL.Path, err)
	}
	return body, nil
}

// ValidateAccepted reports how req (whose body was body) departs from the
// document when the server accepted it (status below 300), or nil: a
// request the server takes must be one the document allows, so a member the
// server defaults is not documented as required (issue 14 item 8). A
// request the server refused is the test's business.
func (v *Validator) ValidateAccepted(req *http.Request, body []byte, status int) error {
	if status >= 300 {
		return nil
	}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(body))
	v.mu.Lock()
	ok, errs := v.requests.ValidateHttpRequestSync(check)
	v.mu.Unlock()
	if ok && len(errs) == 0 {
		return nil
	}
	return &Error{Method: req.Method, Path: req.URL.Path, Status: status, Body: body, Request: true, Problems: describe(errs)}
}

// Handler wraps h so that every response it writes is checked against the
// document, failing t (with t.Errorf) for each one that does not conform.
// The response is buffered, checked, then written to the real writer as it
// was. Use it around the handler of an httptest.Server, before
// httpadapter, or directly with httptest.NewRecorder.
func Handler(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	v, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			t.Errorf("%v", err)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		resp := rec.Result()
		if err := v.ValidateResponse(r, resp); err != nil {
			t.Errorf("%v", err)
		}
		if err := v.ValidateAccepted(r, body, rec.Code); err != nil {
			t.Errorf("%v", err)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
