package phone

import "testing"

func TestE164(t *testing.T) {
	us, err := New("us")
	if err != nil {
		t.Fatal(err)
	}
	gb, err := New("GB")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		book *Book
		in   string
		want string // "" for not a number
	}{
		{us, "+1 555 010 0001", "+15550100001"},
		{us, "5550100001", "+15550100001"},
		{us, "(555) 010-0001", "+15550100001"},
		{us, "1-555-010-0001", "+15550100001"},
		{us, "555.010.0001 ext. 12", "+15550100001"},
		{us, "+44 20 7946 0958", "+442079460958"},
		{us, "011 44 20 7946 0958", "+442079460958"}, // the US international prefix
		{gb, "020 7946 0958", "+442079460958"},
		{gb, "01", ""}, // too short for Britain
		{gb, "+1 (555) 010-0001", "+15550100001"},
		{us, "12345", ""},
		{us, "call me", ""},
		{us, "", ""},
	}
	for _, tt := range tests {
		got, ok := tt.book.E164(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: E164(%q) = %q, %v; want %q", tt.book.Region(), tt.in, got, ok, tt.want)
		}
	}
}

func TestNewRefusesUnknownRegions(t *testing.T) {
	for _, r := range []string{"", "XX", "USA", "1"} {
		if _, err := New(r); err == nil {
			t.Errorf("New(%q) accepted", r)
		}
	}
}
