package casework

import (
	"context"
	"strings"
	"testing"
)

// noStore and noOutbox satisfy NewService for rules that need neither.
type noStore struct{ Store }

type noOutbox struct{}

func (noOutbox) Enqueue(context.Context, Command) error { return nil }

func TestCountText(t *testing.T) {
	s140 := NewService(Deps{Store: noStore{}, Outbox: noOutbox{}})
	s280 := NewService(Deps{Store: noStore{}, Outbox: noOutbox{}, TweetMaxLength: 280})
	tests := []struct {
		name     string
		s        *Service
		mode     TextMode
		text     string
		weighted int
		max      int
		code     string
	}{
		{"ascii 140", s140, ModeMention, strings.Repeat("a", 140), 140, 140, ""},
		{"ascii 141", s140, ModeMention, strings.Repeat("a", 141), 141, 140, ETextTooLong},
		{"ascii 141 at 280", s280, ModeMention, strings.Repeat("a", 141), 141, 280, ""},
		{"70 CJK", s140, ModeMention, strings.Repeat("漢", 70), 140, 140, ""},
		{"71 CJK", s140, ModeMention, strings.Repeat("漢", 71), 142, 140, ETextTooLong},
		{"70 emoji", s140, ModeMention, strings.Repeat("🎉", 70), 140, 140, ""},
		{"skin tone emoji weigh 2", s140, ModeMention, strings.Repeat("👍🏽", 70), 140, 140, ""},
		{"URL weighs 23", s140, "", "see https://example.com/a/very/long/path/indeed/more/than/23", 27, 140, ""},
		{"default mode is mention", s140, "", strings.Repeat("a", 141), 141, 140, ETextTooLong},
		{"empty", s140, ModeMention, "", 0, 140, ETextEmpty},
		{"white space", s140, ModeMention, " \t\n", 3, 140, ETextEmpty},
		{"invalid character", s140, ModeMention, "a\uFFFEb", 4, 140, EValidation},
		{"dm 10000", s140, ModeDM, strings.Repeat("漢", 10000), 10000, 10000, ""},
		{"dm 10001", s140, ModeDM, strings.Repeat("a", 10001), 10001, 10000, ETextTooLong},
		{"dm empty", s140, ModeDM, "  ", 2, 10000, ETextEmpty},
		{"only the prefill", s140, ModeMention, "@bob_stranger ", 14, 140, ETextEmpty},
		{"only mentions", s140, ModeMention, " @bob_stranger\n＠AcmeDeals  @x ", 31, 140, ETextEmpty},
		{"a mention and a word", s140, ModeMention, "@bob_stranger hi", 16, 140, ""},
		{"a mention and punctuation", s140, ModeMention, "@bob_stranger !", 15, 140, ""},
		{"a list is not a mention", s140, ModeMention, "@bob_stranger/deals", 19, 140, ""},
		{"an e-mail is not a mention", s140, ModeMention, "bob@example.com", 15, 140, ""},
		{"dm of a mention", s140, ModeDM, "@bob_stranger", 13, 10000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode := tt.mode
			if mode == "" {
				mode = ModeMention
			}
			c, err := tt.s.judgeText(mode, tt.text)
			if ErrorCode(err) != tt.code {
				t.Fatalf("code = %q, want %q (%v)", ErrorCode(err), tt.code, err)
			}
			if c.WeightedLength != tt.weighted || c.MaxLength != tt.max {
				t.Errorf("count = %+v, want %d of %d", c, tt.weighted, tt.max)
			}
			// The counter says exactly what the judgement says.
			count, cerr := tt.s.CountText(tt.mode, tt.text)
			if cerr != nil || count.Valid != (err == nil) || count.WeightedLength != c.WeightedLength {
				t.Errorf("CountText = %+v, %v", count, cerr)
			}
			if tt.code == ETextTooLong {
				e := err.(*Error)
				if e.Extra["weighted_length"] != tt.weighted || e.Extra["max_length"] != tt.max {
					t.Errorf("extra = %v", e.Extra)
				}
			}
		})
	}
	if _, err := s140.CountText("fax", "x"); ErrorCode(err) != EValidation {
		t.Errorf("unknown mode: %v", err)
	}
}

func TestMentions(t *testing.T) {
	tests := []struct {
		text, handle string
		want         bool
	}{
		{"@alice hi", "alice", true},
		{"hi @Alice!", "alice", true},
		{"hi @alice_b", "alice", false},
		{"mail alice@example.com", "example", false},
		{"hi alice", "alice", false},
		{"＠alice hi", "alice", true},
	}
	for _, tt := range tests {
		if got := Mentions(tt.text, tt.handle); got != tt.want {
			t.Errorf("Mentions(%q, %q) = %v", tt.text, tt.handle, got)
		}
	}
}

func TestNewServiceRefusesBadWiring(t *testing.T) {
	for _, d := range []Deps{
		{Outbox: noOutbox{}},
		{Store: noStore{}},
		{Store: noStore{}, Outbox: noOutbox{}, TweetMaxLength: 281},
		{Store: noStore{}, Outbox: noOutbox{}, TweetMaxLength: -1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewService(%+v) did not panic", d)
				}
			}()
			NewService(d)
		}()
	}
}

func TestLooksLikePhone(t *testing.T) {
	for q, want := range map[string]bool{"+1 (555) 010-0001": true, "15550100001": true, "555.010": true, "alice": false, "4 you": false, "+": false} {
		if got := looksLikePhone(q); got != want {
			t.Errorf("looksLikePhone(%q) = %v", q, got)
		}
	}
}
