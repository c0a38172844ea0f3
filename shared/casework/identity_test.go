package casework

import (
	"slices"
	"testing"
)

func TestCustomerSetTwitter(t *testing.T) {
	acct := func(h, id string) *TwitterAccount { return &TwitterAccount{Handle: h, XUserID: id} }
	tests := []struct {
		name     string
		from     *TwitterAccount
		previous []string
		to       *TwitterAccount
		want     []string
	}{
		{"first handle", nil, nil, acct("sunny", "11"), nil},
		{"renamed on X", acct("sunny", "11"), nil, acct("sunny2", "11"), []string{"sunny"}},
		{"renamed again, most recent first", acct("sunny2", "11"), []string{"sunny"}, acct("sunny3", "11"), []string{"sunny2", "sunny"}},
		{"back to an old name", acct("sunny2", "11"), []string{"sunny"}, acct("Sunny", "11"), []string{"sunny2"}},
		{"only the spelling", acct("sunny", "11"), []string{"old"}, acct("Sunny", "11"), []string{"old"}},
		{"name passed on to another account", acct("sunny", "11"), []string{"old"}, acct("", "11"), []string{"sunny", "old"}},
		{"another X account", acct("sunny", "11"), []string{"old"}, acct("rain", "12"), nil},
		{"removed", acct("sunny", "11"), []string{"old"}, nil, nil},
		{"capped", acct("h0", "11"), []string{"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10"}, acct("new", "11"),
			[]string{"h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Customer{Twitter: tt.from, PreviousHandles: tt.previous}
			c.SetTwitter(tt.to)
			if c.Twitter != tt.to || !slices.Equal(c.PreviousHandles, tt.want) {
				t.Errorf("twitter %+v, previous %v; want %+v, %v", c.Twitter, c.PreviousHandles, tt.to, tt.want)
			}
		})
	}
}
