package casework_test

import (
	"testing"
)

// Issue 21 item 12: control characters other than tab and newline (a NUL,
// an escape sequence, a carriage return) are removed from a customer's
// Tweet and DM as stored, and from the name X gives a new customer; tab,
// newline and the rest of the text are kept.
func TestInboundTextLosesStrayControlCharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tw := tweet(tweetOpts{id: "9001", text: "@AcmeSupport my\x00 order\x1b[31m is\r\n\tlate\x7f", at: ts(0), author: "3001", authorName: "dora"})
	tw["tweet_create_events"].([]any)[0].(map[string]any)["user"].(map[string]any)["name"] = "Dora\x00 \x1b[1mBold"
	e.mustDeliver(tw)
	cust := e.customer("3001")
	if cust.Name != "Dora [1mBold" {
		t.Errorf("customer name %q, want %q", cust.Name, "Dora [1mBold")
	}
	cases := e.cases(cust.ID)
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	msgs := e.messages(cases[0].ID)
	if len(msgs) != 1 || msgs[0].Text != "@AcmeSupport my order[31m is\n\tlate" {
		t.Fatalf("messages %+v, want one with text %q", msgs, "@AcmeSupport my order[31m is\n\tlate")
	}
	e.mustDeliver(dm("9002", "3001", "dora", brandX, "psst\x00\x07 here", ts(1)))
	found := false
	for _, c := range e.cases(cust.ID) {
		for _, m := range e.messages(c.ID) {
			if m.XID == "9002" {
				found = true
				if m.Text != "psst here" {
					t.Errorf("DM text %q, want %q", m.Text, "psst here")
				}
			}
		}
	}
	if !found {
		t.Error("the DM made no message")
	}
}
