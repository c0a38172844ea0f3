package phone

import (
	"slices"
	"testing"
)

func TestNewRefusesUnknownRegions(t *testing.T) {
	for _, r := range []string{"", "XX", "USA", "1"} {
		if _, err := New(r); err == nil {
			t.Errorf("New(%q) accepted", r)
		}
	}
}

func TestKeys(t *testing.T) {
	us, err := New("US")
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
		want []string // nil for not a number
	}{
		{us, "+1 555 010 0001", []string{"+15550100001", "5550100001", "15550100001"}}, // NANPA dials its 1
		{us, "(555) 010-0001", []string{"+15550100001", "5550100001", "15550100001"}},
		{us, "5550100001", []string{"+15550100001", "5550100001", "15550100001"}},
		{us, "+44 20 7946 0958", []string{"+442079460958", "2079460958", "011442079460958"}},
		{gb, "020 7946 0958", []string{"+442079460958", "2079460958", "02079460958"}},
		{gb, "+442079460958", []string{"+442079460958", "2079460958", "02079460958"}},
		{gb, "+1 555 010 0001", []string{"+15550100001", "5550100001", "0015550100001"}},
		{us, "555.010.0001 ext. 12", []string{"+15550100001", "5550100001", "15550100001"}},
		{us, "011 44 20 7946 0958", []string{"+442079460958", "2079460958", "011442079460958"}},
		{gb, "01", nil}, // too short for Britain
		{us, "12345", nil},
		{us, "call me", nil},
	}
	for _, tt := range tests {
		got, ok := tt.book.Keys(tt.in)
		if !slices.Equal(got, tt.want) || ok != (tt.want != nil) {
			t.Errorf("%s: Keys(%q) = %q, %v; want %q", tt.book.Region(), tt.in, got, ok, tt.want)
		}
	}
}
