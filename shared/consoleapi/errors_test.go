package consoleapi_test

import (
	"slices"
	"testing"
)

// Issue 14 item 7: one error convention. A malformed request is 400 with
// every bad field listed; a path served with other methods is 405 with
// Allow; a rule's refusal is 422 and says what it refuses in good English.
func TestOneErrorConvention(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.do("POST", "/v1/cases", map[string]any{}).wantProblem(t, 400, "validation_failed")
	var names []string
	for _, f := range p.Fields {
		names = append(names, f.Name+":"+f.Code)
	}
	if want := []string{"customer_id:required", "text:required"}; !slices.Equal(names, want) {
		t.Errorf("POST /v1/cases {}: fields %v, want %v", names, want)
	}

	for _, tt := range []struct{ method, path, allow string }{
		{"PUT", "/v1/customers", "GET, HEAD, POST"},
		{"DELETE", "/v1/customers/" + alice, "GET, HEAD, PATCH"},
		{"POST", "/v1/cases/" + alice + "/messages", "GET, HEAD"},
	} {
		r := e.doUnchecked(tt.method, tt.path, nil)
		r.wantProblem(t, 405, "method_not_allowed")
		if got := r.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
	e.doUnchecked("GET", "/v1/nowhere", nil).wantProblem(t, 404, "not_found")

	c, _ := e.createCase(alice, support1, "@alice_follows hello")
	e.wantCommands("tweet")
	p = e.do("PATCH", "/v1/cases/"+c.ID, map[string]string{"status": "new"}).wantProblem(t, 422, "invalid_status_transition")
	if p.Detail != "An open case cannot become new." {
		t.Errorf("detail %q, want An open case cannot become new.", p.Detail)
	}
}
