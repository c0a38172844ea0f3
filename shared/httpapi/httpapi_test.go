package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func TestDecode(t *testing.T) {
	type req struct {
		Text string `json:"text"`
	}
	tests := []struct {
		name, body string
		code       string
	}{
		{"ok", `{"text":"hi"}`, ""},
		{"empty", ``, EInvalidJSON},
		{"syntax", `{"text":`, EInvalidJSON},
		{"wrong type", `{"text":1}`, EInvalidJSON},
		{"unknown field", `{"text":"hi","txt":"x"}`, EInvalidJSON},
		{"array", `[1]`, EInvalidJSON},
		{"two values", `{"text":"a"}{"text":"b"}`, EInvalidJSON},
		{"too large", `{"text":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, EPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			var v req
			err := Decode(httptest.NewRecorder(), r, &v)
			if got := casework.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.code, err)
			}
			if tt.code == "" && v.Text != "hi" {
				t.Errorf("decoded %+v", v)
			}
		})
	}
}

// A body that is not a JSON object says so in JSON's words, never naming
// the handler's Go type.
func TestDecodeNotAnObject(t *testing.T) {
	type request struct {
		Text string `json:"text"`
	}
	for body, want := range map[string]string{
		`[1]`:    "The body must be a JSON object, not array.",
		`"text"`: "The body must be a JSON object, not string.",
		`42`:     "The body must be a JSON object, not number.",
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		var v request
		err := Decode(httptest.NewRecorder(), r, &v)
		var e *casework.Error
		if !errors.As(err, &e) || e.Code != EInvalidJSON || e.Message != want {
			t.Errorf("body %s: %v, want %s %q", body, err, EInvalidJSON, want)
		}
	}
}

// Issue 14 item 7: every unknown or ill-typed member is named, not only
// the first.
func TestDecodeNamesEveryBadMember(t *testing.T) {
	var v struct {
		Text   string   `json:"text"`
		Mode   string   `json:"mode"`
		Emails []string `json:"emails"`
	}
	body := `{"txt":"hi","text":5,"mode":"dm","emails":"a@example.com","urgent":true}`
	err := Decode(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body)), &v)
	var e *casework.Error
	if !errors.As(err, &e) || e.Code != EInvalidJSON {
		t.Fatalf("err %v, want invalid_json", err)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Name+":"+f.Code)
	}
	if want := []string{"emails:invalid_type", "text:invalid_type", "txt:unknown", "urgent:unknown"}; !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

func TestWriteErrorProblemDocument(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{casework.Errorf(casework.ECustomerHasNoTwitterHandle, "no handle"), 422, "customer_has_no_twitter_handle"},
		{casework.Errorf(casework.EDMNotAllowed, "x"), 422, "dm_not_allowed"},
		{casework.Errorf(casework.ETextEmpty, "x"), 422, "text_empty"},
		{casework.Errorf(casework.ETwitterUserNotFound, "x"), 422, "twitter_user_not_found"},
		{casework.Errorf(casework.EInvalidHandle, "x"), 400, "invalid_handle"},
		{casework.Errorf(EInvalidJSON, "x"), 400, "invalid_json"},
		{casework.Errorf(casework.ENotFound, "x"), 404, "not_found"},
		{casework.Errorf(casework.EConflict, "x"), 409, "conflict"},
		{casework.Errorf(EUnauthorized, "x"), 401, "unauthorized"},
		{casework.Errorf(EPayloadTooLarge, "x"), 413, "payload_too_large"},
		{errors.New("connection refused to 10.0.0.1"), 500, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, httptest.NewRequest("GET", "/x", nil), tt.err)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var p map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"type", "title", "status", "detail", "code"} {
				if _, ok := p[k]; !ok {
					t.Errorf("problem lacks %q: %s", k, w.Body)
				}
			}
			if p["code"] != tt.code || p["status"] != float64(tt.status) {
				t.Errorf("problem = %s", w.Body)
			}
			if strings.Contains(w.Body.String(), "10.0.0.1") {
				t.Error("an internal error's cause leaked to the client")
			}
		})
	}
}

func TestProblemExtrasAndFields(t *testing.T) {
	err := &casework.Error{Code: casework.ETextTooLong, Message: "too long",
		Extra:  map[string]any{"weighted_length": 141, "max_length": 140, "code": "overridden?"},
		Fields: []casework.FieldError{{Name: "text", Code: "too_long", Detail: "141 > 140"}}}
	b, _ := json.Marshal(ProblemFor(err))
	var p struct {
		Code           string                `json:"code"`
		WeightedLength int                   `json:"weighted_length"`
		MaxLength      int                   `json:"max_length"`
		Fields         []casework.FieldError `json:"fields"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != "text_too_long" || p.WeightedLength != 141 || p.MaxLength != 140 || len(p.Fields) != 1 {
		t.Errorf("problem = %s", b)
	}
}

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func TestHealth(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
	}{{nil, 200}, {errors.New("down"), 503}} {
		w := httptest.NewRecorder()
		Health(pinger{tt.err}).ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
		if w.Code != tt.status {
			t.Errorf("ping err %v: status %d, want %d", tt.err, w.Code, tt.status)
		}
		if tt.status == 200 && strings.TrimSpace(w.Body.String()) != `{"status":"ok"}` {
			t.Errorf("body = %s", w.Body)
		}
	}
}

func TestStatusOfUnknownCode(t *testing.T) {
	if StatusOf("no_such_code") != http.StatusInternalServerError {
		t.Error("unknown codes must be 500s")
	}
}

func TestShortPath(t *testing.T) {
	long := "/v1/cases/" + strings.Repeat("A", 2044)
	tests := []struct {
		in, want string
	}{
		{"/v1/cases/01JD", "/v1/cases/01JD"},
		{long, long[:MaxLoggedPath] + "…(2054 bytes)"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100) + "…(300 bytes)"},
		{"/" + strings.Repeat("é", 150), "/" + strings.Repeat("é", 99) + "…(301 bytes)"}, // no half character
	}
	for _, tt := range tests {
		if got := ShortPath(tt.in); got != tt.want {
			t.Errorf("ShortPath(%.30q…) = %.60q…, want %.60q…", tt.in, got, tt.want)
		}
	}
}

// Issue 21 item 12: what is not UTF-8 is refused before it is decoded
// (encoding/json would store U+FFFD in its place).
func TestCheckUTF8(t *testing.T) {
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"text":"hi"}`, true},
		{`{"text":"Zoë 🙂"}`, true},
		{`{"text":"\ud83d\ude42"}`, true},       // a pair
		{`{"text":"\\ud800"}`, true},            // an escaped backslash, then text
		{`{"text":"\\\ud83d\ude42"}`, true},     // an escaped backslash, then a pair
		{`{"text":"\u00e9\uD83D\uDE42"}`, true}, // upper-case hex
		{"{\"text\":\"h\xffi\"}", false},
		{"{\"text\":\"\xed\xa0\x80\"}", false}, // a surrogate written as UTF-8
		{`{"text":"\ud800"}`, false},
		{`{"text":"\udc00"}`, false},
		{`{"text":"\ud83d\u0041"}`, false},
		{`{"text":"\\\ud800"}`, false},
		{`{"text":"\ud83d"}`, false},
	} {
		err := CheckUTF8([]byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("CheckUTF8(%q) = %v, want ok %t", tt.body, err, tt.ok)
		}
		if err != nil && casework.ErrorCode(err) != EInvalidJSON {
			t.Errorf("CheckUTF8(%q): code %q, want %s", tt.body, casework.ErrorCode(err), EInvalidJSON)
		}
	}
}

// Issue 21 item 6: a conflict that is a lost race says when to try again;
// one that is a refusal does not.
func TestConflictRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&casework.Error{Code: casework.EConflict, Message: "The case c kept changing.", RetryAfter: time.Second}, "1"},
		{&casework.Error{Code: casework.EConflict, Message: "soon", RetryAfter: 1500 * time.Millisecond}, "2"},
		{casework.Errorf(casework.EConflict, "The X account is already a brand handle."), ""},
	} {
		w := httptest.NewRecorder()
		WriteError(w, httptest.NewRequest("POST", "/", nil), tt.err)
		if w.Code != 409 || w.Header().Get("Retry-After") != tt.want {
			t.Errorf("%v: %d, Retry-After %q; want 409, %q", tt.err, w.Code, w.Header().Get("Retry-After"), tt.want)
		}
	}
}
