package casework

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/acme/twitter-cases/shared/twtext"
)

// Micros is an amount of US dollars in millionths: X's prices go down to
// a tenth of a cent, and sums of them must stay exact.
type Micros int64

// USD is the amount as a decimal string with at least three decimals
// ("0.015", "0.2000" is "0.200", "12.345678").
func (m Micros) USD() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := fmt.Sprintf("%s%d.%06d", sign, m/1_000_000, m%1_000_000)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 4 {
		s = s[:len(s)-1]
	}
	return s
}

// ParseUSD reads a dollar amount ("0.015", 0.015 as JSON) into Micros;
// more than six decimals, a negative amount or one over a million dollars
// is an error.
func ParseUSD(s string) (Micros, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 1e6 || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not an amount of US dollars from 0 to 1000000", s)
	}
	m := math.Round(f * 1e6)
	if math.Abs(m-f*1e6) > 1e-3 {
		return 0, fmt.Errorf("%q has more than six decimals", s)
	}
	return Micros(m), nil
}

// PriceKind names one line of X's price list.
type PriceKind string

// The lines of X's pay-per-use price list the product meets
// (x-api/getting-started/pricing: "Write operations", "Read operations",
// "Webhook events", "Owned Reads").
const (
	PricePost              PriceKind = "post"               // Post: Create
	PricePostURL           PriceKind = "post_url"           // Post: Create (with URL)
	PriceSummonedReply     PriceKind = "summoned_reply"     // Post: Create (summoned)
	PriceDM                PriceKind = "dm"                 // DM Interaction: Create
	PriceInteraction       PriceKind = "interaction"        // User Interaction: Create (a Repost, a follow)
	PriceInteractionDelete PriceKind = "interaction_delete" // Interaction: Delete (undoing a Repost, an unfollow)
	PriceUserRead          PriceKind = "user_read"          // User: Read, per user (a handle look-up)
	PricePostRead          PriceKind = "post_read"          // Posts: Read, per Post
	PriceOwnedRead         PriceKind = "owned_read"         // Owned Reads, per resource (the brand's own followers, following, Posts)
	PriceEventPost         PriceKind = "event_post"         // a delivered post.* event (post.delete is not billed)
	PriceEventFollow       PriceKind = "event_follow"       // a delivered follow.* event
	PriceEventProfile      PriceKind = "event_profile"      // a delivered profile.update.* event
	PriceEventChat         PriceKind = "event_chat"         // a delivered chat.received event (chat.sent is not billed)
	PriceEventDM           PriceKind = "event_dm"           // a delivered dm.received event (dm.sent, dm.read are not billed)
)

// Inbound reports whether the kind is a delivered event's (event_*): X
// bills it, but no agent asked for it, so it is shown beside a brand
// handle's spend and does not count against its budget.
func (k PriceKind) Inbound() bool { return strings.HasPrefix(string(k), "event_") }

// Pricing is X's price list as the deployment knows it: a price per kind
// and the date it was taken from X's pricing page. X changes its prices:
// a deployment overrides them (X_PRICES, cdk.json xPrices).
type Pricing struct {
	// AsOf is the date the prices hold from (YYYY-MM-DD).
	AsOf   string
	Prices map[PriceKind]Micros
}

// DefaultPricing is X's published pay-per-use price list, effective 20
// April 2026 (changelog, 16 April 2026: "POST /2/tweets is now $0.015 per
// post, and Posts containing a URL are $0.20 per Post (summoned replies
// remain $0.01)"; x-api/getting-started/pricing).
var DefaultPricing = Pricing{AsOf: "2026-04-20", Prices: map[PriceKind]Micros{
	PricePost: 15_000, PricePostURL: 200_000, PriceSummonedReply: 10_000, PriceDM: 15_000,
	PriceInteraction: 15_000, PriceInteractionDelete: 10_000,
	PriceUserRead: 10_000, PricePostRead: 5_000, PriceOwnedRead: 1_000,
	PriceEventPost: 5_000, PriceEventFollow: 10_000, PriceEventProfile: 5_000, PriceEventChat: 10_000, PriceEventDM: 10_000,
}}

// Of is the price of one kind (0 for a kind the list does not have).
func (p Pricing) Of(k PriceKind) Micros { return p.Prices[k] }

// Kinds are the list's kinds, sorted.
func (p Pricing) Kinds() []PriceKind { return slices.Sorted(maps.Keys(p.Prices)) }

// ParsePricing reads a deployment's overrides of DefaultPricing: a JSON
// object of prices in US dollars by kind, with an optional "as_of" date,
// e.g. {"as_of":"2026-09-01","post_url":0.25}. "" is DefaultPricing.
func ParsePricing(s string) (Pricing, error) {
	p := Pricing{AsOf: DefaultPricing.AsOf, Prices: maps.Clone(DefaultPricing.Prices)}
	if strings.TrimSpace(s) == "" {
		return p, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return p, fmt.Errorf("X prices: want a JSON object of US dollar amounts by kind: %w", err)
	}
	var problems []string
	for k, v := range raw {
		if k == "as_of" {
			if err := json.Unmarshal(v, &p.AsOf); err != nil || len(p.AsOf) != len("2006-01-02") {
				problems = append(problems, "as_of: want a date YYYY-MM-DD")
			}
			continue
		}
		if _, known := DefaultPricing.Prices[PriceKind(k)]; !known {
			problems = append(problems, fmt.Sprintf("%s: not a kind of price (%v)", k, DefaultPricing.Kinds()))
			continue
		}
		m, err := ParseUSD(strings.Trim(string(v), `"`))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		p.Prices[PriceKind(k)] = m
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return p, fmt.Errorf("X prices: %s", strings.Join(problems, "; "))
	}
	return p, nil
}

// Price is what one call to X costs: its kind and amount.
type Price struct {
	Kind   PriceKind
	Amount Micros
}

// price is the Price of one kind.
func (p Pricing) price(k PriceKind) Price { return Price{Kind: k, Amount: p.Prices[k]} }

// PostPrice prices a Post as X bills it: with a URL (as twitter-text finds
// URLs, which is how X finds them) at Post: Create (with URL), else a reply
// its target's author summoned at Post: Create (summoned), else Post:
// Create. A summoned reply with a URL is priced with the URL: X's pages
// do not say which wins, and a budget is better over- than under-counted.
func (p Pricing) PostPrice(text string, summoned bool) Price {
	switch {
	case len(twtext.ExtractURLs(text)) > 0:
		return p.price(PricePostURL)
	case summoned:
		return p.price(PriceSummonedReply)
	}
	return p.price(PricePost)
}

// CommandPrice prices what a command asks of X: a Post (PostPrice, with
// summoned as the command's target allowed), a DM, a Retweet or a follow
// (User Interaction: Create), their undoing (Interaction: Delete); a
// subscription command costs nothing per call.
func (p Pricing) CommandPrice(kind CommandKind, text string, summoned bool) Price {
	switch kind {
	case CmdTweet:
		return p.PostPrice(text, summoned)
	case CmdDM:
		return p.price(PriceDM)
	case CmdRetweet, CmdFollow:
		return p.price(PriceInteraction)
	case CmdUnretweet, CmdUnfollow:
		return p.price(PriceInteractionDelete)
	}
	return Price{}
}

// PriceQuery asks what sending a text would cost: in a mode, and when a
// case is named, as a reply in it from a brand handle (the case's own
// unless HandleID names one) to its default target or the picked Tweet.
type PriceQuery struct {
	Mode               TextMode
	Text               string
	CaseID, HandleID   string
	InReplyToMessageID string
}

// PriceSend prices a send as typed, before it is sent: a DM at
// PriceDM, a mention with PostPrice (summoned when the case's target
// Post summoned the brand handle; a text with no case is a new Post).
func (s *Service) PriceSend(ctx context.Context, q PriceQuery) (Price, error) {
	if q.Mode == "" {
		q.Mode = ModeMention
	}
	if !q.Mode.Valid() {
		return Price{}, fieldError("mode", "invalid", "A mode is mention or dm.")
	}
	if q.Mode == ModeDM {
		return s.pricing.price(PriceDM), nil
	}
	text := CleanText(q.Text)
	if q.CaseID == "" {
		return s.pricing.PostPrice(text, false), nil
	}
	c, err := s.store.GetCase(ctx, q.CaseID)
	if err != nil {
		return Price{}, err
	}
	h, err := s.store.GetHandle(ctx, cmp.Or(q.HandleID, c.HandleID))
	if err != nil {
		return Price{}, err
	}
	target, err := s.replyTarget(ctx, c, q.InReplyToMessageID)
	if err != nil {
		return Price{}, err
	}
	permit, err := s.mentionPermit(ctx, h, target)
	if err != nil {
		return Price{}, err
	}
	return s.pricing.PostPrice(text, permit.Summoned), nil
}
