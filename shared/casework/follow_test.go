package casework

import (
	"testing"
	"time"
)

func TestDMReason(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		state FollowState
		want  DMReason
	}{
		{"nobody follows, nobody wrote", FollowState{}, DMNotAllowed},
		{"the brand follows the customer", FollowState{BrandFollowsCustomer: true}, DMNotAllowed},
		{"the customer follows", FollowState{CustomerFollowsBrand: true}, DMCustomerFollows},
		{"the customer wrote by DM", FollowState{CustomerDMAt: at}, DMCustomerWroteByDM},
		{"wrote long ago, no longer follows", FollowState{CustomerDMAt: at.AddDate(-3, 0, 0), CustomerFollowsAt: at}, DMCustomerWroteByDM},
		{"both: following is the reason given", FollowState{CustomerFollowsBrand: true, CustomerDMAt: at}, DMCustomerFollows},
	}
	for _, tt := range tests {
		if got := tt.state.DMReason(); got != tt.want || tt.state.AllowsDM() != (tt.want != DMNotAllowed) {
			t.Errorf("%s: reason %q (allows %v), want %q", tt.name, got, tt.state.AllowsDM(), tt.want)
		}
	}
}
