package casework

import (
	"slices"
	"time"
)

// Direction says who wrote a message.
type Direction string

// Message directions: from the customer, or from the team.
const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
)

// MessageKind says what a message is on X.
type MessageKind string

// Message kinds: a Tweet or a Direct Message.
const (
	KindTweet MessageKind = "tweet"
	KindDM    MessageKind = "dm"
)

// DeliveryStatus is where a message stands with X.
type DeliveryStatus string

// Delivery statuses. An outgoing message is queued, then sending while the
// worker talks to X, then sent or failed; a message from the customer is
// received.
const (
	StatusQueued   DeliveryStatus = "queued"
	StatusSending  DeliveryStatus = "sending"
	StatusSent     DeliveryStatus = "sent"
	StatusFailed   DeliveryStatus = "failed"
	StatusReceived DeliveryStatus = "received"
	// StatusWaitingForKey: an X Chat message that arrived before its
	// conversation key; it has no text until the key arrives and it is
	// decrypted (it then becomes received, or sent for the brand's own).
	StatusWaitingForKey DeliveryStatus = "waiting_for_key"
)

// Message is one Tweet or Direct Message in a case.
type Message struct {
	ID        string
	CaseID    string
	Direction Direction
	Kind      MessageKind
	Text      string
	Status    DeliveryStatus
	// XID is the Tweet's or Direct Message event's id on X, once known;
	// an X Chat DM's is its signed message_id (see ChatPayload).
	XID string
	// InReplyToMessageID is the message in the case this one answers.
	InReplyToMessageID string
	// InReplyToXID is the X id of the Tweet this one replies to, which may
	// not (yet) be a message of any case.
	InReplyToXID string
	// QuotedXID is the X id of the Post a customer's quote Post quotes
	// (which may also be its InReplyToXID); it tells whether the customer
	// summoned a brand handle by quoting it (XAccess.RepliesNeedSummons).
	QuotedXID string
	// Price is what sending an outgoing message costs on X, as priced
	// when it was queued (the budget's check and the spend's record).
	Price  Price
	Author Author
	// SentBy is the agent who asked for an outgoing message; zero for a
	// customer's message.
	SentBy Agent
	// RetweetedBy holds the ids of the brand handles that Retweeted this message.
	RetweetedBy []string
	// Retweets says, for the brand handles of RetweetedBy, which agent asked
	// for each Retweet and when (none for a Retweet made on X directly).
	Retweets []Retweet
	// RetweetRefusals are the Retweets X refused, per brand handle that has
	// not Retweeted it since.
	RetweetRefusals []RetweetRefusal
	// FavoritedBy holds the ids of the brand handles that liked this message.
	FavoritedBy []string
	// URLs are the links of a customer's Tweet: Text keeps X's t.co links
	// as posted, each listed here with the address it leads to, for the
	// console to show beside (or in place of) the short link.
	URLs []Link
	// Media are the attachments of a customer's Tweet, as X describes them.
	Media []Media
	// Chat is an X Chat DM's payload: for an outgoing DM, the encrypted
	// message recorded before the first call to X and posted unchanged on
	// every retry; nil for a Tweet, a legacy DM, or a DM not encrypted yet.
	Chat    *ChatPayload
	Error   *MessageError
	Deleted bool
	// RemovedReason says why X's compliance rule removed the content of a
	// Deleted message: "deleted" (by its author), or what X's batch
	// compliance reported: "bounced", "protected", "suspended",
	// "deactivated". RedactedAt is when X says it happened; DeletedAt is
	// when the product applied it (X's policy: within 24 hours).
	RemovedReason string
	RedactedAt    time.Time
	// LatestXID is the id of the latest version of an edited Post, whose
	// text the message shows; Edits are the earlier versions, oldest first
	// (XID's own first), kept for agents. Empty for a Post never edited.
	LatestXID string
	Edits     []MessageEdit
	// Version counts the message's writes, for optimistic concurrency.
	Version   int64
	CreatedAt time.Time
	SentAt    time.Time
	DeletedAt time.Time
	// AttemptedAt is when the outbound worker last started sending the
	// message to X; while the status is sending, X may or may not have it.
	AttemptedAt time.Time
}

// MessageEdit is an earlier version of an edited Post: its id and text.
type MessageEdit struct {
	XID  string
	Text string
}

// Edited reports whether the message's Post was edited on X.
func (m *Message) Edited() bool { return m.LatestXID != "" }

// ApplyEdit makes the message show tw, a later version of its Post,
// keeping the version it showed in Edits. It reports whether it changed
// anything: a version no later than the one shown (a repeat, or an
// earlier edit arriving late) and a removed Post change nothing.
func (m *Message) ApplyEdit(tw *Tweet) bool {
	current := m.XID
	if m.LatestXID != "" {
		current = m.LatestXID
	}
	if m.Deleted || !laterID(tw.ID, current) {
		return false
	}
	m.Edits = append(m.Edits, MessageEdit{XID: current, Text: m.Text})
	m.LatestXID = tw.ID
	m.Text, m.URLs, m.Media = tw.Text, tw.URLs, tw.Media
	return true
}

// laterID reports whether the X id a is later than b (snowflakes grow).
func laterID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// Link is one link of a Tweet: the t.co URL in its text and the address
// its author wrote (X's entities.urls[].expanded_url).
type Link struct {
	URL         string
	ExpandedURL string
}

// Media is one attachment of a Tweet: X's media key, its type (photo,
// video, animated_gif) and, when X gives one, a URL of the image (a
// video's preview image).
type Media struct {
	Key  string
	Type string
	URL  string
}

// Author is who wrote a message: a brand handle or a customer.
type Author struct {
	HandleID   string
	CustomerID string
	ScreenName string
}

// MessageError is X's reason for not delivering a message.
type MessageError struct {
	Code   string
	Detail string
}

// MaxDMLength is X's limit on a Direct Message, in characters.
const MaxDMLength = 10000

// Retweetable reports why the message cannot be Retweeted, or nil if it can:
// only a customer's Tweet that exists on X can be.
func (m *Message) Retweetable() error {
	switch {
	case m.Kind != KindTweet:
		return Errorf(ENotRetweetable, "Only Tweets can be Retweeted, not Direct Messages.")
	case m.Direction != DirectionIn:
		return Errorf(ENotRetweetable, "Only a customer's Tweets can be Retweeted.")
	case m.Status == StatusFailed || m.XID == "":
		return Errorf(ENotRetweetable, "This Tweet is not on X, so it cannot be Retweeted.")
	case m.Deleted:
		return Errorf(ENotRetweetable, "This Tweet was deleted.")
	}
	return nil
}

// onX reports whether the message is a Tweet on X that a mention can reply
// to: it has its X id, was not deleted, and did not fail.
func (m *Message) onX() bool {
	return m.Kind == KindTweet && m.XID != "" && !m.Deleted && m.Status != StatusFailed
}

// RetweetedByHandle reports whether the brand handle has Retweeted the message.
func (m *Message) RetweetedByHandle(handleID string) bool {
	return slices.Contains(m.RetweetedBy, handleID)
}

// MarkDeleted removes the text of a message deleted on X (X's compliance
// rule) and records when.
func (m *Message) MarkDeleted(now time.Time) {
	m.MarkRemoved(ReasonDeleted, now, now)
}

// MarkRemoved removes the text, links and media of a message whose Post X
// reported gone for reason (at redactedAt), keeping the message and why,
// and records when the product applied it. It reports whether it changed
// anything: a message removed already keeps its first reason.
func (m *Message) MarkRemoved(reason string, redactedAt, now time.Time) bool {
	if m.Deleted {
		return false
	}
	m.Text = ""
	m.URLs, m.Media = nil, nil
	m.Deleted = true
	m.RemovedReason = reason
	m.RedactedAt = redactedAt
	m.DeletedAt = now
	return true
}
