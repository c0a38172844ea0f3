package casework

import (
	"context"
	"strconv"
	"time"
)

// CommandKind says what an outbound command asks X to do.
type CommandKind string

// Outbound command kinds.
const (
	// CmdTweet posts a message's Tweet: a case's first Tweet, or a mention
	// reply when the message has InReplyToXID.
	CmdTweet CommandKind = "tweet"
	// CmdDM sends a message as a Direct Message to the case's customer.
	CmdDM        CommandKind = "dm"
	CmdRetweet   CommandKind = "retweet"
	CmdUnretweet CommandKind = "unretweet"
	CmdFollow    CommandKind = "follow"
	CmdUnfollow  CommandKind = "unfollow"
	// CmdSubscribe brings the brand handle's X Activity API subscriptions
	// to SubscribedEventTypes on the deployment's webhook.
	CmdSubscribe CommandKind = "subscribe"
	// CmdUnsubscribe deletes the deployment's subscriptions of XUserID (a
	// brand handle being removed; its record may be gone already).
	CmdUnsubscribe CommandKind = "unsubscribe"
)

// Command is one thing to do on X, queued by the console API and executed by
// the outbound worker. It carries ids, not message text: the worker reads
// the current record from the store, so text never sits in the queue.
type Command struct {
	// ID is unique per command and is the queue's deduplication id.
	ID   string      `json:"id"`
	Kind CommandKind `json:"kind"`
	// HandleID is the brand handle that acts on X.
	HandleID string `json:"handle_id"`
	// CaseID and MessageID name the message to send (tweet, dm) or to
	// Retweet (retweet, unretweet).
	CaseID    string `json:"case_id,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	// CustomerID is the customer to follow or unfollow (and the DM's recipient).
	CustomerID string `json:"customer_id,omitempty"`
	// XUserID is the brand handle's X user id (subscribe, unsubscribe).
	XUserID   string    `json:"x_user_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// NotBefore, when set, is the earliest time the command may act: a
	// command queued again to wait out X's rate limit (Outbound) carries
	// X's reset, and is held back until then without calling X. The
	// queue's deduplication id of such a copy names it (DedupID).
	NotBefore time.Time `json:"not_before,omitzero"`
}

// DedupID is the command's deduplication id on the queue: its id, and for
// a copy queued again to wait out a rate limit also its NotBefore, so
// that the copy is not taken for a repeat of the command.
func (c Command) DedupID() string {
	if c.NotBefore.IsZero() {
		return c.ID
	}
	return c.ID + "-" + strconv.FormatInt(c.NotBefore.UnixMilli(), 10)
}

// GroupID is the command's ordering group on the FIFO queue: as fine as
// order matters, so that a command failing holds up only its own group.
// A case's messages go out in order; a message's Retweet and its undoing
// by one brand handle run in order, and so do one brand handle's follows
// and unfollows of one customer. Nothing orders one customer's work
// against another's.
func (c Command) GroupID() string {
	switch c.Kind {
	case CmdRetweet, CmdUnretweet:
		return "retweet-" + c.MessageID + "-" + c.HandleID
	case CmdFollow, CmdUnfollow:
		return "follow-" + c.CustomerID + "-" + c.HandleID
	}
	if c.CaseID == "" {
		return string(c.Kind) + "-" + c.HandleID + "-" + c.CustomerID
	}
	return "case-" + c.CaseID
}

// Outbox queues commands for the outbound worker.
type Outbox interface {
	// Enqueue queues the command durably, or fails; a second enqueue of the
	// same command (DedupID) within the queue's deduplication window is
	// dropped.
	Enqueue(ctx context.Context, cmd Command) error
}
