package casework

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestIDsSortByTime(t *testing.T) {
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := NewID(t1), NewID(t1.Add(time.Millisecond))
	if !(a < b) || len(a) != 26 {
		t.Errorf("ids %s, %s: want 26 characters, sorted by time", a, b)
	}
	if NewID(t1) == NewID(t1) {
		t.Error("two new ids are equal")
	}
}

func TestDerivedIDIsStable(t *testing.T) {
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if DerivedID(t1, "tweet:1") != DerivedID(t1, "tweet:1") {
		t.Error("same seed, different ids")
	}
	if DerivedID(t1, "tweet:1") == DerivedID(t1, "tweet:2") {
		t.Error("different seeds, same id")
	}
	if !(DerivedID(t1, "z") < DerivedID(t1.Add(time.Millisecond), "a")) {
		t.Error("derived ids do not sort by time")
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	appErr := Errorf(EDMNotAllowed, "The customer does not follow @%s.", "AcmeSupport")
	wrapped := fmt.Errorf("reply: %w", appErr)
	tests := []struct {
		err       error
		code, msg string
	}{
		{nil, "", ""},
		{appErr, EDMNotAllowed, "The customer does not follow @AcmeSupport."},
		{wrapped, EDMNotAllowed, "The customer does not follow @AcmeSupport."},
		{errors.New("dial tcp: secret host"), EInternal, "An internal error occurred."},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		if got := ErrorMessage(tt.err); got != tt.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.msg)
		}
	}
}
