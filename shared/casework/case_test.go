package casework

import (
	"testing"
	"time"
)

func TestCaseStatusTransitions(t *testing.T) {
	allowed := map[[2]CaseStatus]bool{
		{CaseNew, CaseOpen}: true, {CaseNew, CasePending}: true, {CaseNew, CaseResolved}: true, {CaseNew, CaseClosed}: true,
		{CaseOpen, CasePending}: true, {CaseOpen, CaseResolved}: true, {CaseOpen, CaseClosed}: true,
		{CasePending, CaseOpen}: true, {CasePending, CaseResolved}: true, {CasePending, CaseClosed}: true,
		{CaseResolved, CaseOpen}: true, {CaseResolved, CaseClosed}: true,
		{CaseClosed, CaseOpen}: true,
	}
	for _, from := range CaseStatuses {
		for _, to := range CaseStatuses {
			want := allowed[[2]CaseStatus{from, to}] || from == to
			if got := from.CanMoveTo(to); got != want {
				t.Errorf("%s -> %s allowed = %v, want %v", from, to, got, want)
			}
		}
	}
	if CaseStatus("archived").CanMoveTo("archived") {
		t.Error("an unknown status may not stay itself")
	}
}

func TestCaseMoveTo(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		from, to CaseStatus
		code     string
	}{
		{CaseNew, CaseOpen, ""},
		{CaseOpen, CaseOpen, ""},
		{CaseResolved, CaseOpen, ""},
		{CaseClosed, CaseResolved, EInvalidTransition},
		{CaseOpen, CaseNew, EInvalidTransition},
		{CaseOpen, "archived", EValidation},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			c := Case{Status: tt.from}
			err := c.MoveTo(tt.to, now)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.code, err)
			}
			if tt.code == "" && c.Status != tt.to {
				t.Errorf("status = %s, want %s", c.Status, tt.to)
			}
			if tt.code != "" && c.Status != tt.from {
				t.Errorf("a refused move changed the status to %s", c.Status)
			}
		})
	}
}

func TestCaseReopen(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		from   CaseStatus
		reopen bool
	}{
		{CaseNew, false}, {CaseOpen, false}, {CasePending, false}, {CaseResolved, true}, {CaseClosed, true},
	} {
		c := Case{Status: tt.from}
		if got := c.Reopen(now); got != tt.reopen {
			t.Errorf("Reopen from %s = %v, want %v", tt.from, got, tt.reopen)
		}
		if tt.reopen && c.Status != CaseOpen {
			t.Errorf("after reopening from %s status = %s", tt.from, c.Status)
		}
	}
}

func TestCaseTouchNeverGoesBack(t *testing.T) {
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	var c Case
	c.Touch(t2)
	c.Touch(t1) // an older event applied late
	if !c.LastActivityAt.Equal(t2) {
		t.Errorf("LastActivityAt = %s, want %s", c.LastActivityAt, t2)
	}
}
