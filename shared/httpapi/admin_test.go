package httpapi

import (
	"slices"
	"testing"
)

func TestClaimList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"[admins agents]", []string{"admins", "agents"}},
		{"admins", []string{"admins"}},
		{`["admins","agents"]`, []string{"admins", "agents"}},
		{"agents,admins-2", []string{"agents", "admins-2"}},
		{"", nil},
	} {
		if got := claimList(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("claimList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
