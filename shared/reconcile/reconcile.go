// Package reconcile finds outgoing work the product accepted and never
// finished (a message left queued or sending, a Retweet or follow whose
// command was lost) and hands it back to the outbound worker. A process
// that dies between writing a request's records and queueing its command,
// or a command that reached the dead-letter queue, leaves such work
// behind; without the reconciler it would stay unresolved for good.
//
// Work is stale when its command should have been running for StaleAfter
// already (casework.Work.DueAt: when it was queued, or when its delayed
// retry was due). The reconciler runs every few minutes (a scheduled
// function in AWS, a ticker in the local run), so accepted work is
// resolved within StaleAfter plus one period plus the worker's own budgets
// of the system being back: 5 + 5 minutes by default, under the 15 PRODUCT.md allows.
//
// Handing work back is safe however often it happens: the new command
// has the old one's FIFO group, so it runs after any copy still queued,
// and the worker is idempotent (a message already sent or failed is left
// alone; before sending again it looks on X for what an earlier attempt
// made). Work handed back MaxRequeues times without being resolved is
// given up: the message fails (code MsgStalled), a Retweet is taken back,
// a pending follow is cleared.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// Defaults of a Reconciler.
const (
	// StaleAfter is how long after its due time work without a live
	// command is handed back: longer than a batch of the outbound worker
	// runs, so a command being worked on is not doubled needlessly.
	StaleAfter = 5 * time.Minute
	// MaxRequeues is how often work is handed back before it is given up.
	MaxRequeues = 3
)

// MsgStalled is the failure code of a message the reconciler gave up on.
const MsgStalled = "delivery_stalled"

// Reconciler hands stale outgoing work back to the outbound queue.
type Reconciler struct {
	store      casework.Store
	outbox     casework.Outbox
	now        func() time.Time
	log        *slog.Logger
	staleAfter time.Duration
}

// Deps are the reconciler's dependencies.
type Deps struct {
	Store  casework.Store
	Outbox casework.Outbox
	// Now tells the time; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// StaleAfter replaces the package's StaleAfter when positive.
	StaleAfter time.Duration
}

// New returns a reconciler.
func New(d Deps) *Reconciler {
	r := &Reconciler{store: d.Store, outbox: d.Outbox, now: d.Now, log: d.Logger, staleAfter: d.StaleAfter}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.staleAfter <= 0 {
		r.staleAfter = StaleAfter
	}
	return r
}

// Report says what one run did.
type Report struct {
	// Stale is how much work was found stale.
	Stale int `json:"stale"`
	// Requeued is how much of it was handed back to the outbound worker.
	Requeued int `json:"requeued"`
	// GivenUp is how much was given up after MaxRequeues.
	GivenUp int `json:"given_up"`
}

// Run hands every stale piece of work back (or gives it up) once. It goes
// on past a failure and returns the failures joined.
func (r *Reconciler) Run(ctx context.Context) (Report, error) {
	now := r.now().UTC()
	stale, err := r.store.StaleWork(ctx, now.Add(-r.staleAfter))
	if err != nil {
		return Report{}, fmt.Errorf("reconcile: %w", err)
	}
	rep := Report{Stale: len(stale)}
	var errs []error
	for _, w := range stale {
		log := r.log.With("work", w.Command.WorkKey(), "command", w.Command.ID, "kind", w.Command.Kind, "requeues", w.Requeues)
		if w.Requeues >= MaxRequeues {
			if err := r.giveUp(ctx, w); err != nil {
				errs = append(errs, err)
				continue
			}
			log.WarnContext(ctx, "outgoing work given up after being handed back too often")
			rep.GivenUp++
			continue
		}
		next := w.Command
		next.ID, next.CreatedAt = casework.NewID(now), now
		if err := r.store.RequeueWork(ctx, w.Command.ID, next, now); err != nil {
			if casework.ErrorCode(err) == casework.EConflict {
				continue // resolved or replaced meanwhile
			}
			errs = append(errs, err)
			continue
		}
		if err := r.outbox.Enqueue(ctx, next); err != nil {
			// The work names a command that was not queued: it is stale
			// again after StaleAfter, and handed back then.
			errs = append(errs, fmt.Errorf("reconcile: queue %s: %w", next.WorkKey(), err))
			continue
		}
		log.InfoContext(ctx, "stale outgoing work handed back to the outbound worker", "new_command", next.ID, "due_at", w.DueAt)
		rep.Requeued++
	}
	return rep, errors.Join(errs...)
}

// giveUp resolves work handed back too often: a message not yet sent
// fails, a Retweet is taken back, a pending follow cleared.
func (r *Reconciler) giveUp(ctx context.Context, w casework.Work) error {
	cmd := w.Command
	var err error
	switch cmd.Kind {
	case casework.CmdTweet, casework.CmdDM:
		var m *casework.Message
		m, err = r.store.GetMessage(ctx, cmd.CaseID, cmd.MessageID)
		if casework.ErrorCode(err) == casework.ENotFound {
			err = nil
			break
		}
		if err == nil {
			_, err = casework.UpdateMessage(ctx, r.store, m, func(m *casework.Message) bool {
				if m.Status == casework.StatusSent || m.Status == casework.StatusFailed {
					return false
				}
				detail := "The message could not be handed to X after several tries, so it was not sent; send it again."
				if m.Status == casework.StatusSending {
					detail = "The message could not be handed to X after several tries; X may or may not have it: check the timeline before sending it again."
				}
				m.Status, m.Error = casework.StatusFailed, &casework.MessageError{Code: MsgStalled, Detail: detail}
				return true
			})
		}
	case casework.CmdRetweet:
		_, err = r.store.RemoveRetweet(ctx, cmd.CaseID, cmd.MessageID, cmd.HandleID)
		if casework.ErrorCode(err) == casework.ENotFound {
			err = nil
		}
	case casework.CmdFollow, casework.CmdUnfollow:
		err = r.store.SetFollowPending(ctx, cmd.CustomerID, cmd.HandleID, "", casework.Agent{})
	}
	if err == nil {
		err = r.store.ResolveWork(ctx, cmd)
	}
	if err != nil {
		return fmt.Errorf("reconcile: give up %s: %w", cmd.WorkKey(), err)
	}
	return nil
}

// Tick runs the reconciler every period until ctx is done (the local
// run's stand-in for the AWS schedule), logging what each run did.
func (r *Reconciler) Tick(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rep, err := r.Run(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "reconciler run failed", "err", err)
		}
		if rep.Stale > 0 {
			r.log.InfoContext(ctx, "reconciler run", "stale", rep.Stale, "requeued", rep.Requeued, "given_up", rep.GivenUp)
		}
	}
}
