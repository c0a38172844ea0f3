package casework

import (
	"context"
	"fmt"
	"time"
)

// EXBudgetExhausted: the send, Retweet or follow would take the brand
// handle's spend on X this UTC month past its monthly budget; nothing is
// sent to X. The problem carries month, spent_usd, price_usd and budget_usd.
const EXBudgetExhausted = "x_budget_exhausted"

// AppHandleID is the handle id app-level calls to X (a handle look-up
// made with the app's credentials) are recorded against.
const AppHandleID = "app"

// Month is the UTC month of t as usage is kept: "2026-12".
func Month(t time.Time) string { return t.UTC().Format("2006-01") }

// ValidMonth reports whether s is a month as Month writes it.
func ValidMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

// Spend is one completed call to X the product made, with its price: the
// record that budgets and usage are made of.
type Spend struct {
	// ID names the call once however often it is retried: the command's
	// id (a message's id for its send), or the delivered event's id.
	ID string
	// HandleID is the brand handle the call was made for (AppHandleID for
	// the app's own calls).
	HandleID string
	Price    Price
	At       time.Time
}

// SpendTotal is what one brand handle spent on one kind of call in a month.
type SpendTotal struct {
	Month    string
	HandleID string
	Kind     PriceKind
	Calls    int64
	Amount   Micros
}

// SpendStore keeps what the product spent on X, per brand handle, kind of
// call and UTC month.
type SpendStore interface {
	// RecordSpend adds a completed call to its handle's month, once per
	// Spend.ID: a repeat records nothing and reports false. Without
	// transactions a crash between the record and its total can leave one
	// call out of the total (never in it twice).
	RecordSpend(ctx context.Context, sp Spend) (bool, error)
	// MonthSpend returns the month's totals of every handle and kind.
	MonthSpend(ctx context.Context, month string) ([]SpendTotal, error)
	// HandleMonthSpend returns one handle's total of the month, delivered
	// events (PriceKind.Inbound) left out: what its budget caps.
	HandleMonthSpend(ctx context.Context, handleID, month string) (Micros, error)
	// AddSpend adds a call to its handle's month with no record of its
	// own: for what is applied exactly once already (a delivered event,
	// counted once its record is marked processed).
	AddSpend(ctx context.Context, handleID string, at time.Time, price Price) error
}

// checkBudget refuses a call of price for brand handle h that would take
// its spend this month past its monthly budget (EXBudgetExhausted); a
// handle without a budget, or a free call, passes without a read.
func checkBudget(ctx context.Context, store SpendStore, h *BrandHandle, price Price, now time.Time) error {
	if h.MonthlyBudget <= 0 || price.Amount <= 0 {
		return nil
	}
	month := Month(now)
	spent, err := store.HandleMonthSpend(ctx, h.ID, month)
	if err != nil {
		return fmt.Errorf("read @%s's spend on X: %w", h.ScreenName, err)
	}
	if spent+price.Amount <= h.MonthlyBudget {
		return nil
	}
	return &Error{Code: EXBudgetExhausted,
		Message: fmt.Sprintf("@%s has spent $%s on X in %s of its $%s monthly budget; this %s would cost $%s more. Nothing was sent to X: raise the budget, or wait for next month.",
			h.ScreenName, spent.USD(), month, h.MonthlyBudget.USD(), price.Kind, price.Amount.USD()),
		Extra: map[string]any{"month": month, "spent_usd": spent.USD(), "price_usd": price.Amount.USD(), "budget_usd": h.MonthlyBudget.USD()}}
}

// Usage is what the product spent on X in a month: per brand handle and
// kind of call.
type Usage struct {
	Month   string
	AsOf    string
	Totals  []SpendTotal
	Handles []BrandHandle
}

// Usage answers the month's spend (month "" is the current UTC month).
func (s *Service) Usage(ctx context.Context, month string) (*Usage, error) {
	if month == "" {
		month = Month(s.clock())
	}
	if !ValidMonth(month) {
		return nil, fieldError("month", "invalid", "A month is written YYYY-MM, such as 2026-12.")
	}
	totals, err := s.store.MonthSpend(ctx, month)
	if err != nil {
		return nil, err
	}
	hs, err := s.store.ListHandles(ctx)
	if err != nil {
		return nil, err
	}
	return &Usage{Month: month, AsOf: s.pricing.AsOf, Totals: totals, Handles: hs}, nil
}

// EventPrice is what X bills for delivering the event to the brand
// handle's subscription (x-api/getting-started/pricing, "Webhook events"):
// a Post event $0.005, a follow or unfollow $0.010, a received DM or X
// Chat message $0.010, a profile update $0.005; deletions and the brand's
// own sent DMs and chat messages are not billed. Account Activity API
// deliveries are counted at the same prices (X publishes none for them).
func (p Pricing) EventPrice(ev Event, brands func(xUserID string) bool) Price {
	switch ev.Type {
	case EventTweet:
		return p.price(PriceEventPost)
	case EventFollow, EventUnfollow:
		return p.price(PriceEventFollow)
	case EventHandleRename:
		return p.price(PriceEventProfile)
	case EventDM:
		if ev.DM != nil && !brands(ev.DM.Sender.ID) {
			return p.price(PriceEventDM)
		}
	case EventChat:
		if ev.Chat != nil && !ev.Chat.Sent {
			return p.price(PriceEventChat)
		}
	}
	return Price{}
}
