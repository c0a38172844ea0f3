package casework

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ECreditsExhausted: X answered that the app's pay-per-use credits are
// spent (402, or 429 usage-capped). The work fails with it, and the
// outbound worker makes no call to X for the app until CreditsPause has
// passed, so that no retry storm goes through the queue.
const ECreditsExhausted = "x_credits_exhausted"

// DefaultCreditsPause is how long the outbound worker stops calling X
// after X said the app's credits are spent: someone has to add credits in
// X's Developer Console (auto-recharge, when on, tops up at most once per
// 5 minutes, X's pricing page says).
const DefaultCreditsPause = 15 * time.Minute

// XPauseStore keeps the app-wide pause of calls to X, shared by every
// instance of the outbound worker.
type XPauseStore interface {
	// PauseX stops calls to X until until (a later pause wins).
	PauseX(ctx context.Context, until time.Time) error
	// XPausedUntil is the end of the current pause (zero: none recorded).
	XPausedUntil(ctx context.Context) (time.Time, error)
}

// creditsPause is the outbound worker's view of the pause: the store's,
// read at most every pauseReadEvery.
type creditsPause struct {
	mu     sync.Mutex
	until  time.Time
	readAt time.Time
}

// pauseReadEvery is how stale the worker's copy of the pause may be.
const pauseReadEvery = 20 * time.Second

// pausedUntil is the end of the pause if it lasts past now, else zero.
func (o *Outbound) pausedUntil(ctx context.Context) (time.Time, error) {
	now := o.now()
	o.pause.mu.Lock()
	defer o.pause.mu.Unlock()
	if o.pause.readAt.IsZero() || now.Sub(o.pause.readAt) >= pauseReadEvery || now.Before(o.pause.readAt) {
		until, err := o.store.XPausedUntil(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("read the pause of calls to X: %w", err)
		}
		if until.After(o.pause.until) {
			o.pause.until = until
		}
		o.pause.readAt = now
	}
	if o.pause.until.After(now) {
		return o.pause.until, nil
	}
	return time.Time{}, nil
}

// checkPause fails the work with ECreditsExhausted, without calling X,
// while calls to X are paused.
func (o *Outbound) checkPause(ctx context.Context) error {
	until, err := o.pausedUntil(ctx)
	if err != nil || until.IsZero() {
		return err
	}
	return creditsExhausted(fmt.Sprintf("Nothing was sent: calls to X are paused until %s, because X said the app's credits are spent. Add credits in X's Developer Console, then send again.",
		until.UTC().Format(time.RFC3339)))
}

func creditsExhausted(reason string) *Error { return &Error{Code: ECreditsExhausted, Message: reason} }

// noteCreditsExhausted pauses calls to X for the app (every instance of
// the worker, through the store) and says so in the log, once per
// refusal: the stack's alarm counts these lines (code x_credits_exhausted).
func (o *Outbound) noteCreditsExhausted(ctx context.Context, xf *XFailure) {
	until := o.now().Add(o.creditsPause)
	o.pause.mu.Lock()
	if until.After(o.pause.until) {
		o.pause.until = until
	}
	o.pause.mu.Unlock()
	err := o.store.PauseX(ctx, until)
	o.log.ErrorContext(ctx, "X says the app's credits are spent: calls to X are paused; add credits in X's Developer Console",
		"code", ECreditsExhausted, "paused_until", until.UTC().Format(time.RFC3339), "x_reason", xf.Reason, "pause_recorded", err == nil)
}
