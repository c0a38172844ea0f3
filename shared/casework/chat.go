package casework

import (
	"context"
	"slices"
	"strings"
	"time"
)

// X Chat. From 9 December 2026 every Direct Message travels through X
// Chat (../shared/spec/XCHAT.md): end-to-end encrypted and signed by X's
// engine, so X only routes ciphertext. The domain keeps what a DM needs
// besides its plain text, and nothing that would open it: an outgoing DM's
// encrypted payload (ciphertext to everyone but the customer and the
// brand), and per conversation the key changes a brand identity can open
// again (each conversation key wrapped to the participants' identity keys).
// A raw conversation key and the brand's private keys are never kept here.
//
// An X Chat DM's X id (Message.XID) is its signed message_id, the UUID
// X's engine generates and signs into the message: the brand's outgoing DM
// claims it when its payload is recorded, before the first call to X, so
// the chat.sent event that echoes it finds the message it confirms, and a
// delivery of the customer's DM is recognised by it the second time.

// Failure codes of X Chat DMs, the same whether the console API or the
// outbound worker finds them.
const (
	// ECustomerHasNoChatKeys: the customer has registered no X Chat keys,
	// so nothing can be encrypted to them yet.
	ECustomerHasNoChatKeys = "customer_has_no_chat_keys"
	// EHandleChatKeysMissing: the brand handle has no X Chat identity here
	// (its key secret is missing or unusable): make x-chat-keys provisions it.
	EHandleChatKeysMissing = "handle_chat_keys_missing"
	// EHandleChatKeysRevoked: X refused the brand handle's X Chat keys
	// (their version is no longer registered, or a newer one replaced it).
	EHandleChatKeysRevoked = "handle_chat_keys_revoked"
	// EChatKeysUnverified: the customer's public keys failed their key
	// binding check, so no conversation key is wrapped to them.
	EChatKeysUnverified = "chat_keys_unverified"
)

// ChatPayload is an X Chat message as X's engine encrypted and signed it.
// On an outgoing DM it is recorded before the first call to X and posted
// unchanged on every retry, so a retry is the same message on X, never a
// second one. All of it is ciphertext or public metadata.
type ChatPayload struct {
	// ConversationID is the 1:1 conversation's canonical id (see
	// ChatConversationID).
	ConversationID string
	// MessageID is the engine's message id, part of the signed content; it
	// is the message's XID.
	MessageID string
	// ConversationKeyVersion is the version of the conversation key the
	// content is encrypted under.
	ConversationKeyVersion string
	// EncodedMessageCreateEvent and EncodedMessageEventSignature are what
	// POST /2/chat/conversations/{id}/messages takes (base64 Thrift); empty
	// on a DM that came from X.
	EncodedMessageCreateEvent    string
	EncodedMessageEventSignature string
}

// ChatKey is one version of a 1:1 conversation's key as a brand identity
// keeps it: the key change that carries it, in which the key is wrapped
// (ECIES) to each participant's identity key, so only a participant can
// open it. Either X's encoded key-change event (as X delivers it) or the
// change the brand prepared itself (until X has delivered it), or both.
type ChatKey struct {
	// BrandXUserID is the brand handle's X account.
	BrandXUserID string
	// ConversationID is the conversation's canonical id (ChatConversationID).
	ConversationID string
	// KeyVersion is the conversation key's version (decimal, a millisecond
	// timestamp; versions compare as numbers).
	KeyVersion string
	// BrandKeyVersion is the brand's public-key version the key is wrapped
	// to, when known: a key wrapped to a version the brand no longer holds
	// cannot be opened, and a new one is made.
	BrandKeyVersion string
	// KeyChangeEvent is X's encoded key-change event (base64 MessageEvent),
	// when known.
	KeyChangeEvent string
	// Change is the change the brand prepared (with its action
	// signatures), or the wrapped keys of one X delivered (without: it is
	// X's already); nil when neither is known.
	Change *ChatKeyChange
	// SequenceID is X's sequence id of the change, once X accepted it; ""
	// for a change prepared and not yet accepted.
	SequenceID string
	// Version counts the record's writes, for optimistic concurrency.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Accepted reports whether X holds the key change: the brand's own change
// once X answered it, a change X delivered always.
func (k *ChatKey) Accepted() bool { return k.SequenceID != "" || k.KeyChangeEvent != "" }

// ChatKeyChange is a conversation-key change as X's engine prepares it,
// without the raw key: the key wrapped to each participant, and the
// action signatures X requires (POST /2/chat/conversations/{id}/keys).
type ChatKeyChange struct {
	ParticipantKeys  []ChatParticipantKey
	ActionSignatures []ChatActionSignature
}

// ChatParticipantKey is the conversation key wrapped to one participant's
// identity key of a public-key version.
type ChatParticipantKey struct {
	UserID           string
	EncryptedKey     string
	PublicKeyVersion string
}

// ChatActionSignature is a signed description of a change to a
// conversation. It never holds the signed payload of a key change, which
// embeds the plain conversation key.
type ChatActionSignature struct {
	MessageID                 string
	EncodedMessageEventDetail string
	Signature                 string
	SignatureVersion          string
	PublicKeyVersion          string
}

// ChatKeyStore keeps the brand identities' conversation keys, as key
// changes (never raw keys).
type ChatKeyStore interface {
	// PutChatKey creates or updates one version of a conversation's key,
	// on its Version as every versioned record: a version already recorded
	// is an EConflict for a new record.
	PutChatKey(ctx context.Context, k *ChatKey) error
	// ChatKeys lists the versions of a conversation's key the brand keeps,
	// newest version first.
	ChatKeys(ctx context.Context, brandXUserID, conversationID string) ([]ChatKey, error)
}

// ChatConversationID is the canonical id of the 1:1 conversation of two X
// users: both ids, the smaller first, joined by "-" (the form X's chat
// endpoints answer and take in paths).
func ChatConversationID(a, b string) string {
	if CompareDecimal(a, b) > 0 {
		a, b = b, a
	}
	return a + "-" + b
}

// CanonicalChatConversationID reads a conversation id in any form X gives
// it ("A:B" in events, "A-B" in either order in listings) as
// ChatConversationID does; a group id ("g…") is returned as it is.
func CanonicalChatConversationID(id string) string {
	id = strings.TrimSpace(id)
	if strings.HasPrefix(id, "g") {
		return id
	}
	a, b, ok := strings.Cut(strings.ReplaceAll(id, ":", "-"), "-")
	if !ok {
		return id
	}
	return ChatConversationID(a, b)
}

// CompareDecimal compares two unsigned decimal strings (X ids, key
// versions) as numbers: -1, 0 or 1. Leading zeros are not expected.
func CompareDecimal(a, b string) int {
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Validate reports what is wrong with a conversation key record.
func (k *ChatKey) Validate() error {
	var v validation
	if !isXID(k.BrandXUserID) {
		v.add("brand_x_user_id", "invalid", "A brand X user id is a string of digits.")
	}
	if k.ConversationID == "" || k.ConversationID != CanonicalChatConversationID(k.ConversationID) {
		v.add("conversation_id", "invalid", "A conversation id is in its canonical form (smaller user id first, joined by -).")
	}
	if !isXID(k.KeyVersion) {
		v.add("key_version", "invalid", "A conversation key version is a string of digits.")
	}
	if k.KeyChangeEvent == "" && k.Change == nil {
		v.add("key_change_event", "required", "A conversation key is kept as a key change: X's event or the brand's prepared change.")
	}
	return v.err()
}

// ChatIdentityStatus says where a brand handle's X Chat identity stands.
type ChatIdentityStatus string

// X Chat identity statuses of a brand handle.
const (
	// ChatReady: keys provisioned, their version registered on X.
	ChatReady ChatIdentityStatus = "ready"
	// ChatKeysMissing: no usable key secret (never provisioned, or lost).
	ChatKeysMissing ChatIdentityStatus = "missing"
	// ChatKeysRevoked: X refused the keys' version.
	ChatKeysRevoked ChatIdentityStatus = "revoked"
)

// ChatIdentity is what the product knows of a brand handle's X Chat
// identity, without its keys: provisioning records it, and the outbound
// worker when X or the secret refuses.
type ChatIdentity struct {
	Status ChatIdentityStatus
	// KeyVersion is the registered public-key version (ChatReady).
	KeyVersion string
	// Detail says why, when the status is not ChatReady.
	Detail    string
	UpdatedAt time.Time
}

// Reasons a brand handle cannot send and read X Chat DMs (ChatReadiness).
const (
	ReasonChatNotSubscribed = "chat_not_subscribed"
)

// ChatReadiness says whether the brand handle can send and read Direct
// Messages (X Chat), and when not, why: a stable code and a sentence.
func (h *BrandHandle) ChatReadiness() (ready bool, reason, detail string) {
	id := h.XChat
	switch {
	case h.Status != HandleConnected:
		return false, EHandleDisconnected, "The brand handle is disconnected from X; reconnect it."
	case id == nil || id.Status == "":
		return false, EHandleChatKeysMissing, "The brand handle has no X Chat keys yet: run make x-chat-keys HANDLE=" + h.ScreenName + "."
	case id.Status == ChatKeysMissing:
		return false, EHandleChatKeysMissing, cmpOr(id.Detail, "The brand handle's X Chat keys are missing: run make x-chat-keys HANDLE="+h.ScreenName+".")
	case id.Status == ChatKeysRevoked:
		return false, EHandleChatKeysRevoked, cmpOr(id.Detail, "X refused the brand handle's X Chat keys: run make x-chat-keys HANDLE="+h.ScreenName+" ROTATE=1.")
	case h.Subscriptions == nil || h.Subscriptions.Status != SubsActive ||
		!slices.Contains(h.Subscriptions.EventTypes, "chat.received") || !slices.Contains(h.Subscriptions.EventTypes, "chat.sent"):
		return false, ReasonChatNotSubscribed, "X does not deliver the handle's X Chat events (chat.received, chat.sent) yet: its subscriptions lack them."
	}
	return true, "", ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// SetHandleChatIdentity records the brand handle's X Chat identity state,
// re-reading the handle on a lost race.
func SetHandleChatIdentity(ctx context.Context, store HandleStore, id string, st ChatIdentity) (*BrandHandle, error) {
	for range maxUpdateAttempts {
		h, err := store.GetHandle(ctx, id)
		if err != nil {
			return nil, err
		}
		h.XChat = &st
		err = store.PutHandle(ctx, h)
		if err == nil {
			return h, nil
		}
		if ErrorCode(err) != EConflict {
			return nil, err
		}
	}
	return nil, Errorf(EConflict, "The brand handle %s kept changing.", id)
}
