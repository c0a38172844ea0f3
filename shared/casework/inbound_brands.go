package casework

import (
	"context"
	"strings"
)

// X delivers one copy of an event for every subscribed brand handle it
// concerns (a Tweet mentioning @AcmeSupport and @AcmeDeals comes twice),
// and the copies share one event id: whichever is applied first is the
// only one applied. So the rules below look at the parties of the event
// and the registered brand handles, never at which brand handle a copy
// was delivered for (except as the last resort of addressedBrand, where
// only one copy exists).

// brands are the registered brand handles, found by X user id.
type brands map[string]*BrandHandle

// brandsOf reads the registered brand handles. Calls: 1 Query.
func (in *Inbound) brandsOf(ctx context.Context) (brands, error) {
	hs, err := in.store.ListHandles(ctx)
	if err != nil {
		return nil, err
	}
	b := make(brands, len(hs))
	for i := range hs {
		b[hs[i].XUserID] = &hs[i]
	}
	return b, nil
}

// of returns the brand handle with the X user id, or nil for anyone else.
func (b brands) of(xUserID string) *BrandHandle {
	if xUserID == "" {
		return nil
	}
	return b[xUserID]
}

// mentioned returns the brand handle a mention names: by X user id, or by
// screen name when X gave the mention none.
func (b brands) mentioned(m XAccount) *BrandHandle {
	if m.ID != "" {
		return b.of(m.ID)
	}
	for _, h := range b {
		if m.ScreenName != "" && strings.EqualFold(h.ScreenName, m.ScreenName) {
			return h
		}
	}
	return nil
}

// addressedBrand is the brand handle a customer's Tweet starts a case with,
// the same for every copy of it: the brand handle it replies to, else the
// first brand handle it mentions (X lists mentions in text order), else —
// for a quote of a brand handle's Tweet or a reply in a thread, which
// address no brand handle by name and reach only the one they were
// delivered for — delivered. It is nil when the Tweet addresses no brand
// handle and replies to or quotes nothing.
func (b brands) addressedBrand(tw *Tweet, delivered *BrandHandle) *BrandHandle {
	if h := b.of(tw.InReplyToUserID); h != nil {
		return h
	}
	for _, m := range tw.Mentions {
		if h := b.mentioned(m); h != nil {
			return h
		}
	}
	if tw.InReplyToID != "" || tw.QuotedID != "" {
		return delivered
	}
	return nil
}
