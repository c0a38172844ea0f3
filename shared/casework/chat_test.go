package casework

import "testing"

func TestChatConversationIDs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"100-200", "100-200"},
		{"200-100", "100-200"},
		{"200:100", "100-200"},
		{"99:1000", "99-1000"}, // numbers, not strings: 99 < 1000
		{"1000-99", "99-1000"},
		{"g123456", "g123456"},
		{"555", "555"}, // a recipient's user id is left as it is
	} {
		if got := CanonicalChatConversationID(tt.in); got != tt.want {
			t.Errorf("CanonicalChatConversationID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := ChatConversationID("1765000000000", "42"); got != "42-1765000000000" {
		t.Errorf("ChatConversationID = %q", got)
	}
}

func TestCompareDecimal(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"9", "10", -1}, {"10", "9", 1}, {"1765000000000", "1765000000000", 0}, {"999999999999", "1000000000000", -1}, {"12", "13", -1},
	} {
		if got := CompareDecimal(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareDecimal(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
