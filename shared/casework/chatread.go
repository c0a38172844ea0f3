package casework

import (
	"context"
	"errors"
	"strings"
	"time"
)

// EventChat is an X Chat event (X Activity's chat.received and chat.sent):
// every Direct Message from 9 December 2026, end-to-end encrypted.
const EventChat EventType = "chat"

// ChatEventKind says what an X Chat event's envelope holds, as X's
// MessageEvent detail names it (readable without decrypting anything).
type ChatEventKind string

// The kinds of X Chat events the rules tell apart.
const (
	// ChatKindMessage: a message (MessageCreateEvent), encrypted.
	ChatKindMessage ChatEventKind = "message"
	// ChatKindKeyChange: a conversation-key change, wrapped to each participant.
	ChatKindKeyChange ChatEventKind = "key_change"
	// ChatKindOther: typing, read marks, deletions, group and settings changes:
	// nothing a case shows.
	ChatKindOther ChatEventKind = "other"
)

// ChatEvent is one X Chat event as X delivers it: ciphertext in X's
// envelope (a Thrift MessageEvent, base64) with what X's server set on it
// in the clear. MessageID, SenderID, ConversationID, CreatedAt and Kind are
// read from the envelope and are trusted only once the event is opened
// (ChatReader.Open verifies the sender's signature over them).
type ChatEvent struct {
	// UUID is the delivery's event_uuid.
	UUID string
	// Sent is true for chat.sent (the subscribed user sent it), false for
	// chat.received.
	Sent bool
	// ConversationID is the conversation's canonical id
	// (CanonicalChatConversationID: X writes a 1:1 "A:B" in its envelopes
	// and "A-B", either order, in paths and payloads).
	ConversationID string
	SenderID       string
	// MessageID is the message's id, part of its signed content; the
	// natural key of the message (Message.XID).
	MessageID  string
	SequenceID string
	Kind       ChatEventKind
	// KeyVersion is the conversation key version the message is
	// encrypted with.
	KeyVersion string
	// EncodedEvent is the event, as delivered (base64 Thrift).
	EncodedEvent string
	// KeyChangeEvent is the conversation-key change delivered with it, to
	// be applied first; "" when none.
	KeyChangeEvent string
	CreatedAt      time.Time
}

// Participants returns the two user ids of a 1:1 conversation id ("A:B",
// "A-B"); ok is false for any other form (a group).
func (c *ChatEvent) Participants() (a, b string, ok bool) {
	for _, sep := range []string{":", "-"} {
		if x, y, found := strings.Cut(c.ConversationID, sep); found && x != "" && y != "" && !strings.ContainsAny(y, ":-") {
			return x, y, true
		}
	}
	return "", "", false
}

// Peer returns the other participant of a 1:1 conversation than userID;
// "" when the conversation is not a 1:1 of userID.
func (c *ChatEvent) Peer(userID string) string {
	a, b, ok := c.Participants()
	switch {
	case !ok:
		return ""
	case a == userID:
		return b
	case b == userID:
		return a
	}
	return ""
}

// Errors of ChatReader.Open.
var (
	// ErrChatKeyMissing: the conversation key the event is encrypted with
	// is not known (yet), after what X could tell: the event waits.
	ErrChatKeyMissing = errors.New("casework: X Chat conversation key not known")
	// ErrChatUnverified: the event's signature does not verify against the
	// sender's registered signing keys (or its key change's does not): it
	// is refused.
	ErrChatUnverified = errors.New("casework: X Chat signature not verified")
)

// OpenedChat is an X Chat event decrypted and its signature verified.
type OpenedChat struct {
	// MessageID, SenderID are what the sender signed.
	MessageID string
	SenderID  string
	// Text is the message's text ("" for content without text).
	Text string
	// KeysChanged says that opening it stored a conversation key not known
	// before (from its key change, or fetched from X), so events waiting
	// for a key in its conversation may open now.
	KeysChanged bool
}

// ChatReader opens X Chat events as a brand handle, with X's engine and
// the brand handle's keys: the event's key change first (kept, as
// ciphertext, in the conversation-key store), then the event, decrypted and
// its signature verified against the sender's registered signing keys.
type ChatReader interface {
	// Open returns the opened event, or an error wrapping ErrChatKeyMissing
	// (its conversation key is not known yet, even after asking X) or
	// ErrChatUnverified (its signature, or its key change's, fails); any
	// other error is worth a retry.
	Open(ctx context.Context, as *BrandHandle, ev *ChatEvent) (*OpenedChat, error)
}

// ChatWait is an X Chat event kept until its conversation key arrives: its
// ciphertext, and the waiting message it fills then.
type ChatWait struct {
	HandleID string
	// Event is the event as delivered (ciphertext).
	Event ChatEvent
	// CaseID and MessageID name the waiting message.
	CaseID    string
	MessageID string
	// ExpiresAt is when the record may go; zero for never. Waiting events are
	// kept as long as their message (there is no expiry).
	ExpiresAt time.Time
}

// ChatWaitStore keeps the X Chat events that wait for their conversation
// key, per brand handle and conversation.
type ChatWaitStore interface {
	// PutChatWait records a waiting event (keyed by brand handle,
	// conversation and message id); writing it again changes nothing.
	PutChatWait(ctx context.Context, w *ChatWait) error
	// ChatWaits lists the events of the conversation waiting for the brand
	// handle, oldest first.
	ChatWaits(ctx context.Context, handleID, conversationID string) ([]ChatWait, error)
	// DeleteChatWait forgets a waiting event (none is not an error).
	DeleteChatWait(ctx context.Context, handleID, conversationID, messageID string) error
}

// ChatDeps is what Inbound needs to read X Chat events. A sender X Chat
// names only by id is named from X when Inbound has WithX.
type ChatDeps struct {
	Reader ChatReader
	Waits  ChatWaitStore
}
