package casework

import (
	"testing"
)

func TestAddressedBrand(t *testing.T) {
	sup := &BrandHandle{ID: "h1", ScreenName: "AcmeSupport", XUserID: "1"}
	deals := &BrandHandle{ID: "h2", ScreenName: "AcmeDeals", XUserID: "2"}
	b := brands{"1": sup, "2": deals}
	user := func(id string) XAccount { return XAccount{ID: id} }
	tests := []struct {
		name string
		tw   Tweet
		want *BrandHandle // the same whichever copy: delivered for sup or deals
	}{
		{"first mention", Tweet{Mentions: []XAccount{user("9"), user("2"), user("1")}}, deals},
		{"replied-to brand before mentions", Tweet{InReplyToUserID: "1", InReplyToID: "50", Mentions: []XAccount{user("2")}}, sup},
		{"reply to a customer, brand mentioned", Tweet{InReplyToUserID: "9", InReplyToID: "50", Mentions: []XAccount{user("9"), user("1")}}, sup},
		{"no brand, nothing replied to", Tweet{Mentions: []XAccount{user("9")}}, nil},
	}
	for _, tt := range tests {
		for _, delivered := range []*BrandHandle{sup, deals} {
			if got := b.addressedBrand(&tt.tw, delivered); got != tt.want {
				t.Errorf("%s, delivered for %s: %v, want %v", tt.name, delivered.ScreenName, got, tt.want)
			}
		}
	}
	// A quote names no brand handle: only its author's copy exists.
	quote := Tweet{QuotedID: "50"}
	if got := b.addressedBrand(&quote, deals); got != deals {
		t.Errorf("quote: %v, want the brand handle it was delivered for", got)
	}
}
