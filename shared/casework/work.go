package casework

import (
	"context"
	"time"
)

// Work is outgoing work the product has accepted and not yet resolved: a
// message to send, a Retweet or its undoing, a follow or unfollow. It is
// recorded before its command is queued and forgotten once the command is
// done (X's answer recorded, or the failure), so whatever a crash leaves
// half-done can be found and handed back to the outbound worker (see
// package reconcile). A later command for the same thing (an unfollow after
// a follow) replaces the work: the latest request is what counts.
type Work struct {
	// Command is the command that carries the work now.
	Command Command
	// DueAt is when a live command should be running for the work at the
	// latest: when it was queued, or when its delayed retry comes back.
	// Work long past DueAt has lost its command.
	DueAt time.Time
	// Faults counts the command's attempts that failed for a transient
	// reason (5xx, timeout); MaxFaultAttempts of them fail the work.
	Faults int
	// RateLimitedSince is when X first refused the command for its rate
	// limit; a run of rate limits longer than the worker's budget fails the
	// work with x_rate_limited. Zero when X has not refused it.
	RateLimitedSince time.Time
	// Requeues counts how often the reconciler handed the work back.
	Requeues int
}

// WorkKey names the thing a command acts on, which is the key of its Work:
// the message it sends; the message and brand handle of a Retweet or its
// undoing; the customer and brand handle of a follow or unfollow; for any
// other kind, the kind and every id it carries.
func (c Command) WorkKey() string {
	switch c.Kind {
	case CmdRetweet, CmdUnretweet:
		return "retweet#" + c.CaseID + "#" + c.MessageID + "#" + c.HandleID
	case CmdFollow, CmdUnfollow:
		return "follow#" + c.CustomerID + "#" + c.HandleID
	case CmdTweet, CmdDM:
		return "message#" + c.CaseID + "#" + c.MessageID
	}
	// Any other kind: what it names, so two commands share work only when
	// they act on the same thing.
	return string(c.Kind) + "#" + c.HandleID + "#" + c.CustomerID + "#" + c.CaseID + "#" + c.MessageID
}

// WorkStore keeps the outgoing work not yet resolved. A request records
// its work in the same write as what it shows (QueueMessage, QueueRetweet,
// QueueUnretweet, QueueFollow), so a record never looks queued without its
// work, nor the other way round; PutWork records work alone.
type WorkStore interface {
	// PutWork records work as accepted, replacing any earlier work with
	// the same key.
	PutWork(ctx context.Context, w Work) error
	// QueueMessage creates or updates a message as PutMessage does and
	// records w, the work of the command that sends it, in the same write.
	QueueMessage(ctx context.Context, m *Message, w Work) error
	// QueueRetweet records a Retweet as AddRetweet does and w, the work of
	// its command, with it; when the Retweet was already recorded it
	// reports false and records no work either.
	QueueRetweet(ctx context.Context, caseID, id string, rt Retweet, w Work) (bool, error)
	// QueueUnretweet forgets a Retweet as RemoveRetweet does and records w
	// with it; when there was none it reports false and records no work.
	QueueUnretweet(ctx context.Context, caseID, id, handleID string, w Work) (bool, error)
	// QueueFollow records a follow or unfollow asked of X by the agent by
	// (SetFollowPending with an action) and w, the work of its command,
	// in the same write, and returns the follow state as stored.
	QueueFollow(ctx context.Context, customerID, handleID string, action FollowAction, by Agent, w Work) (FollowState, error)
	// NoteRetry records that the work's command comes back at due, after a
	// transient failure (fault) or a rate limit at now, and returns the
	// work as stored; it records work it does not find. When the work is
	// carried by another command now, it changes nothing and fails with
	// EConflict (the command is superseded).
	NoteRetry(ctx context.Context, cmd Command, due time.Time, fault bool, now time.Time) (Work, error)
	// ResolveWork forgets the work of cmd, unless another command carries
	// it now.
	ResolveWork(ctx context.Context, cmd Command) error
	// StaleWork lists the work whose DueAt is before t, oldest first.
	StaleWork(ctx context.Context, before time.Time) ([]Work, error)
	// RequeueWork hands w to a new command next (same key), counting a
	// requeue and making it due at due, if the work is still carried by
	// the command prev; otherwise it fails with EConflict.
	RequeueWork(ctx context.Context, prev string, next Command, due time.Time) error
}
