package casework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/acme/twitter-cases/shared/twtext"
)

// Deps are what the Service needs from the outside.
type Deps struct {
	// Store keeps everything (required).
	Store Store
	// Outbox queues the commands for X (required).
	Outbox Outbox
	// XUsers looks accounts up on X; nil makes every request that needs a
	// lookup fail with EUnavailable (503) instead of pretending.
	XUsers XUsers
	// Credentials checks brand handles' credentials secrets on
	// registration and change; nil skips the check.
	Credentials Credentials
	// Phones turns the phone numbers customers are written with into
	// search keys (IndexPhones), read in the deployment's default region,
	// so "(555) 010-0001" and "+1 555 010 0001" find one customer. Nil:
	// a phone is found by its digits as written (functions that write no
	// phone numbers; searching needs no reader).
	Phones Phones
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
	// TweetMaxLength is the deployment's Tweet limit: 0 means 140, at most 280.
	TweetMaxLength int
	// XAccess is the X access the deployment's app has; "" means
	// DefaultXAccess (self-serve).
	XAccess XAccess
	// Pricing is X's price list as the deployment knows it; zero means
	// DefaultPricing.
	Pricing Pricing
	// Reach asks X whether a customer accepts a brand handle's DMs and has
	// X Chat keys (reply options); nil uses only what events recorded.
	Reach XReach
}

// Default and largest Tweet limit of a deployment.
const (
	DefaultTweetMaxLength = 140
	MaxTweetMaxLength     = 280
)

// Service holds every rule of the console's Twitter channel once: creating
// cases, replying, Retweeting, following, the customers, brand handles and
// cases the console reads and edits. The HTTP handlers only translate to
// and from it.
//
// Outbound consistency: a request that sends something to X writes its
// records (a message as queued, a Retweet or a pending follow) together
// with the work as accepted (casework.Work, so a crash anywhere after is
// found and finished by the reconciler), then queues the command. When
// queuing fails the request fails with EUnavailable and the records are
// undone: a message is marked failed with the code MsgEnqueueFailed, a
// Retweet or pending follow is removed, the work forgotten. So nothing
// looks queued that was never handed to the outbound queue, unless the
// process died, and then the reconciler hands it over.
type Service struct {
	store       Store
	outbox      Outbox
	xusers      XUsers
	creds       Credentials
	phones      Phones
	now         func() time.Time
	tweetMax    int
	tweetConfig twtext.Config
	access      XAccess
	pricing     Pricing
	xreach      XReach
}

// NewService returns the service on its dependencies. It panics when Store
// or Outbox is missing or TweetMaxLength is out of range: those are wiring
// mistakes, caught by config.FromEnv before they get here.
func NewService(d Deps) *Service {
	if d.Store == nil || d.Outbox == nil {
		panic("casework.NewService: Store and Outbox are required")
	}
	if d.TweetMaxLength == 0 {
		d.TweetMaxLength = DefaultTweetMaxLength
	}
	if d.TweetMaxLength < 1 || d.TweetMaxLength > MaxTweetMaxLength {
		panic(fmt.Sprintf("casework.NewService: TweetMaxLength %d is not within 1 to %d", d.TweetMaxLength, MaxTweetMaxLength))
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	access, err := ParseXAccess(string(d.XAccess))
	if err != nil {
		panic("casework.NewService: " + err.Error())
	}
	if d.Pricing.Prices == nil {
		d.Pricing = DefaultPricing
	}
	return &Service{access: access, pricing: d.Pricing,
		store: d.Store, outbox: d.Outbox, xusers: d.XUsers, creds: d.Credentials, phones: d.Phones, now: d.Clock,
		tweetMax: d.TweetMaxLength, tweetConfig: TweetConfig(d.TweetMaxLength), xreach: d.Reach,
	}
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// XAccess is the X access the deployment's app has.
func (s *Service) XAccess() XAccess { return s.access }

// Pricing is X's price list as the deployment knows it.
func (s *Service) Pricing() Pricing { return s.pricing }

// enqueueFailed is the error of a request whose command could not be queued.
func enqueueFailed(what string, cause error) error {
	return fmt.Errorf("%w: %w", Errorf(EUnavailable, "The %s could not be queued for X, so nothing was sent; try again.", what), cause)
}

// dispatch is the one way a request hands work to X. write records what
// the request shows together with the command's work, in one write
// (WorkStore's Queue methods), and reports whether that changed anything:
// when not, it recorded no work and nothing is queued (queued false).
// Then the command is queued. When queueing fails it undoes the write,
// forgets the work and fails with EUnavailable (naming what), so nothing
// looks queued that was never handed to the queue. A crash anywhere after
// the write is the reconciler's: it finds the work.
func (s *Service) dispatch(ctx context.Context, cmd Command, what string, write func(context.Context, Work) (bool, error), undo func(context.Context) error) (queued bool, err error) {
	changed, err := write(ctx, Work{Command: cmd, DueAt: cmd.CreatedAt})
	if err != nil || !changed {
		return false, err
	}
	if err := s.outbox.Enqueue(ctx, cmd); err != nil {
		s.forgetWork(ctx, cmd)
		if uerr := undo(context.WithoutCancel(ctx)); uerr != nil {
			// The records say queued without a command: say so loudly.
			slog.ErrorContext(ctx, "records left as queued after their command could not be queued",
				"work", cmd.WorkKey(), "enqueue_err", err, "undo_err", uerr)
		}
		return false, enqueueFailed(what, err)
	}
	return true, nil
}

// failUnqueued is the undo of a message whose command could not be
// queued: it is marked failed (MsgEnqueueFailed), so it never looks queued.
func (s *Service) failUnqueued(m *Message) func(context.Context) error {
	return func(ctx context.Context) error {
		failed := *m
		failed.Status = StatusFailed
		failed.Error = &MessageError{Code: MsgEnqueueFailed, Detail: "The message could not be queued for X and was not sent."}
		if err := s.store.PutMessage(ctx, &failed); err != nil {
			return err
		}
		*m = failed
		return nil
	}
}

// forgetWork forgets the work of a command that was not queued after all;
// work left behind is harmless (the worker finds nothing to do).
func (s *Service) forgetWork(ctx context.Context, cmd Command) {
	if err := s.store.ResolveWork(context.WithoutCancel(ctx), cmd); err != nil {
		slog.WarnContext(ctx, "work of an unqueued command left recorded", "work", cmd.WorkKey(), "err", err)
	}
}

// connectedHandle reads a brand handle that must be able to act on X: the
// one check of it, before a command is queued and when it runs.
func connectedHandle(ctx context.Context, store HandleStore, id string) (*BrandHandle, error) {
	if err := checkID("brand handle", id); err != nil {
		return nil, err
	}
	h, err := store.GetHandle(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := h.CanAct(); err != nil {
		return nil, err
	}
	return h, nil
}

// twitterCustomer reads a customer who must have a Twitter handle (and not
// be merged into another): the one check of it, before a command is queued
// and when it runs.
func twitterCustomer(ctx context.Context, store CustomerStore, id string) (*Customer, error) {
	c, err := activeCustomer(ctx, store, id)
	if err != nil {
		return nil, err
	}
	if err := checkTwitter(c); err != nil {
		return nil, err
	}
	return c, nil
}

// checkTwitter is ECustomerHasNoTwitterHandle for a customer without a
// Twitter handle.
func checkTwitter(c *Customer) error {
	if !c.HasTwitter() {
		return Errorf(ECustomerHasNoTwitterHandle, "%s has no Twitter handle; add one first.", c.Name)
	}
	return nil
}

// lookupXUser finds an account on X through XUsers.
func (s *Service) lookupXUser(ctx context.Context, username string) (XUser, error) {
	if s.xusers == nil {
		return XUser{}, Errorf(EUnavailable, "Looking up accounts on X is not available in this deployment yet.")
	}
	u, err := s.xusers.LookupUser(ctx, username)
	if err != nil {
		var appErr *Error
		if errors.As(err, &appErr) {
			return XUser{}, err
		}
		return XUser{}, fmt.Errorf("%w: %w", Errorf(EUnavailable, "X did not answer the lookup of @%s; try again.", username), err)
	}
	if u.ID == "" || !isXID(u.ID) {
		return XUser{}, fmt.Errorf("%w: lookup of @%s gave X user id %q", Errorf(EUnavailable, "X gave an unusable answer for @%s.", username), username, u.ID)
	}
	// X billed the read (User: Read): the app's spend, recorded once.
	now := s.clock()
	if _, err := s.store.RecordSpend(ctx, Spend{ID: "lookup:" + NewID(now), HandleID: AppHandleID, Price: s.pricing.price(PriceUserRead), At: now}); err != nil {
		slog.WarnContext(ctx, "the spend of a handle look-up on X was not recorded", "err", err)
	}
	return u, nil
}
