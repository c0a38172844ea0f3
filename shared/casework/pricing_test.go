package casework

import (
	"strings"
	"testing"
)

func TestMicrosUSD(t *testing.T) {
	for m, want := range map[Micros]string{0: "0.000", 15_000: "0.015", 200_000: "0.200", 45_000: "0.045", 1_234_567: "1.234567", 12_000_000: "12.000", -10_000: "-0.010"} {
		if got := m.USD(); got != want {
			t.Errorf("Micros(%d).USD() = %q, want %q", m, got, want)
		}
	}
	for s, want := range map[string]Micros{"0.015": 15_000, "0.2": 200_000, "5": 5_000_000, " 0.000001 ": 1} {
		if got, err := ParseUSD(s); got != want || err != nil {
			t.Errorf("ParseUSD(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"-1", "abc", "0.0000001", "2000000", ""} {
		if _, err := ParseUSD(s); err == nil {
			t.Errorf("ParseUSD(%q) took it", s)
		}
	}
}

func TestPostPrice(t *testing.T) {
	p := DefaultPricing
	for _, tc := range []struct {
		text     string
		summoned bool
		want     PriceKind
		usd      string
	}{
		{"@bob thanks", false, PricePost, "0.015"},
		{"@bob thanks", true, PriceSummonedReply, "0.010"},
		{"@bob see https://support.acme.com/help", false, PricePostURL, "0.200"},
		{"@bob see acme.com/help", true, PricePostURL, "0.200"}, // twitter-text finds URLs without a scheme
		{"@bob the file is report.txt", false, PricePost, "0.015"},
	} {
		got := p.PostPrice(tc.text, tc.summoned)
		if got.Kind != tc.want || got.Amount.USD() != tc.usd {
			t.Errorf("PostPrice(%q, %v) = %+v, want %s at %s", tc.text, tc.summoned, got, tc.want, tc.usd)
		}
	}
	if got := p.Of(PricePostURL) / p.Of(PricePost); got != 13 {
		t.Errorf("a Post with a URL costs %d times a plain one, want 13", got)
	}
	for kind, want := range map[CommandKind]PriceKind{CmdDM: PriceDM, CmdRetweet: PriceInteraction, CmdFollow: PriceInteraction,
		CmdUnretweet: PriceInteractionDelete, CmdUnfollow: PriceInteractionDelete} {
		if got := p.CommandPrice(kind, "", false); got.Kind != want || got.Amount == 0 {
			t.Errorf("CommandPrice(%s) = %+v, want %s", kind, got, want)
		}
	}
}

func TestParsePricing(t *testing.T) {
	p, err := ParsePricing(`{"as_of":"2026-09-01","post_url":0.25,"dm":"0.02"}`)
	if err != nil || p.AsOf != "2026-09-01" || p.Of(PricePostURL) != 250_000 || p.Of(PriceDM) != 20_000 || p.Of(PricePost) != 15_000 {
		t.Errorf("ParsePricing = %+v, %v", p, err)
	}
	if DefaultPricing.Of(PricePostURL) != 200_000 {
		t.Error("ParsePricing changed DefaultPricing")
	}
	if p, err := ParsePricing(""); err != nil || p.AsOf != DefaultPricing.AsOf {
		t.Errorf(`ParsePricing("") = %+v, %v`, p, err)
	}
	_, err = ParsePricing(`{"tweet":0.1,"dm":-1}`)
	if err == nil || !strings.Contains(err.Error(), "tweet: not a kind") || !strings.Contains(err.Error(), "dm:") {
		t.Errorf("bad overrides: %v", err)
	}
}
