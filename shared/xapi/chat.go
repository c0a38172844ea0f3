package xapi

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/michimani/gotwi"
)

// X Chat's endpoints (XCHAT.md; X's OpenAPI in
// ../shared/reference/x-api-chat-openapi.json), called through gotwi's
// CallAPI with the adapter's own parameter types: gotwi has none for them.
// They move ciphertext and public keys only; X's engine (package xchat)
// does the cryptography. Paths take a 1:1 conversation in its hyphenated
// form ("A-B"), or the recipient's user id.
const (
	chatUserKeysEndpoint  = "https://api.twitter.com/2/users/:id/public_keys"
	chatUsersKeysEndpoint = "https://api.twitter.com/2/users/public_keys"
	chatKeysEndpoint      = "https://api.twitter.com/2/chat/conversations/:id/keys"
	chatMessagesEndpoint  = "https://api.twitter.com/2/chat/conversations/:id/messages"
	chatEventsEndpoint    = "https://api.twitter.com/2/chat/conversations/:id/events"
)

// Operation names of the chat calls, as errors and logs name them.
const (
	OpChatPublicKeys      = "chat public keys"
	OpChatAddPublicKey    = "chat add public key"
	OpChatConversationKey = "chat conversation keys"
	OpChatSendMessage     = "chat send message"
	OpChatEvents          = "chat events"
)

// ChatPublicKey is one registered X Chat public-key version of a user, as
// X's public-key endpoints answer it (keys base64 SPKI DER, as registered).
type ChatPublicKey struct {
	// UserID is the key's owner; only GET /2/users/public_keys sets it.
	UserID                     string `json:"user_id,omitempty"`
	Version                    string `json:"public_key_version"`
	PublicKey                  string `json:"public_key"`
	SigningPublicKey           string `json:"signing_public_key"`
	IdentityPublicKeySignature string `json:"identity_public_key_signature"`
}

// ChatPublicKeys returns the user's registered X Chat public keys, every
// version X holds (GET /2/users/:id/public_keys). A user who registered
// none answers no keys, not an error.
func (c *Client) ChatPublicKeys(ctx context.Context, auth BrandAuth, userID string) ([]ChatPublicKey, error) {
	if userID == "" {
		return nil, errors.New("xapi: chat public keys: no user id")
	}
	var keys []ChatPublicKey
	err := c.do(ctx, OpChatPublicKeys, auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data []ChatPublicKey `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, chatUserKeysEndpoint, "GET", &params{path: map[string]string{"id": userID}}, &out); err != nil {
			return err
		}
		keys = out.Data
		return nil
	})
	return keys, err
}

// ChatUsersPublicKeys returns the registered X Chat public keys of up to
// 100 users, each tagged with its owner (GET /2/users/public_keys?ids=).
func (c *Client) ChatUsersPublicKeys(ctx context.Context, auth BrandAuth, userIDs []string) ([]ChatPublicKey, error) {
	if len(userIDs) == 0 || len(userIDs) > 100 {
		return nil, errors.New("xapi: chat public keys: 1 to 100 user ids")
	}
	var keys []ChatPublicKey
	err := c.do(ctx, OpChatPublicKeys, auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data []ChatPublicKey `json:"data"`
			partialErrors
		}
		p := &params{query: url.Values{"ids": {strings.Join(userIDs, ",")}}}
		if err := gc.CallAPI(ctx, chatUsersKeysEndpoint, "GET", p, &out); err != nil {
			return err
		}
		keys = out.Data
		return nil
	})
	return keys, err
}

// ChatKeyRegistration is the body of POST /2/users/:id/public_keys: the
// registration payload X's engine's generate_keypairs returns.
type ChatKeyRegistration struct {
	PublicKey       ChatRegisteredKey `json:"public_key"`
	Version         string            `json:"version"`
	GenerateVersion bool              `json:"generate_version,omitempty"`
}

// ChatRegisteredKey is the public half of an identity as it is registered.
type ChatRegisteredKey struct {
	IdentityPublicKeySignature string `json:"identity_public_key_signature"`
	PublicKey                  string `json:"public_key"`
	PublicKeyFingerprint       string `json:"public_key_fingerprint,omitempty"`
	RegistrationMethod         string `json:"registration_method,omitempty"`
	SigningPublicKey           string `json:"signing_public_key"`
	SigningPublicKeySignature  string `json:"signing_public_key_signature,omitempty"`
}

// AddChatPublicKey registers the brand handle's public keys (POST
// /2/users/:id/public_keys) and returns the version X registered them
// under (X's answer, else the version asked for).
func (c *Client) AddChatPublicKey(ctx context.Context, auth BrandAuth, reg ChatKeyRegistration) (string, error) {
	if auth.XUserID == "" || reg.PublicKey.PublicKey == "" {
		return "", errors.New("xapi: chat add public key: need the handle's user id and a public key")
	}
	var version string
	err := c.do(ctx, OpChatAddPublicKey, auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data *struct {
				PublicKeyVersion string `json:"public_key_version"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, chatUserKeysEndpoint, "POST", &params{path: map[string]string{"id": auth.XUserID}, body: reg}, &out); err != nil {
			return err
		}
		if out.Data == nil && len(out.Errors) > 0 {
			return partialError(OpChatAddPublicKey, out.Errors)
		}
		version = reg.Version
		if out.Data != nil && out.Data.PublicKeyVersion != "" {
			version = out.Data.PublicKeyVersion
		}
		return nil
	})
	return version, err
}

// ChatKeysRequest is the body of POST /2/chat/conversations/:id/keys: a
// conversation-key change as X's engine prepared it.
type ChatKeysRequest struct {
	ConversationKeyVersion      string                   `json:"conversation_key_version"`
	ConversationParticipantKeys []ChatParticipantKey     `json:"conversation_participant_keys"`
	ActionSignatures            []ChatActionSignatureReq `json:"action_signatures"`
}

// ChatParticipantKey is the conversation key wrapped to one participant.
type ChatParticipantKey struct {
	UserID                   string `json:"user_id"`
	EncryptedConversationKey string `json:"encrypted_conversation_key"`
	PublicKeyVersion         string `json:"public_key_version"`
}

// ChatActionSignatureReq is one action signature of a change.
type ChatActionSignatureReq struct {
	MessageID                 string                `json:"message_id"`
	EncodedMessageEventDetail string                `json:"encoded_message_event_detail"`
	MessageEventSignature     ChatMessageEventSigIn `json:"message_event_signature"`
}

// ChatMessageEventSigIn is an action signature's signature part.
type ChatMessageEventSigIn struct {
	Signature        string `json:"signature"`
	PublicKeyVersion string `json:"public_key_version"`
	SignatureVersion string `json:"signature_version"`
}

// ChatKeysResult is X's answer to a conversation-key change.
type ChatKeysResult struct {
	// ConversationID is the conversation's canonical id ("A-B" for a 1:1).
	ConversationID string
	// SequenceID is the key change's place in the conversation.
	SequenceID string
}

// AddChatConversationKeys posts a conversation-key change (POST
// /2/chat/conversations/:id/keys); for a 1:1, conversationID may be the
// recipient's user id.
func (c *Client) AddChatConversationKeys(ctx context.Context, auth BrandAuth, conversationID string, req ChatKeysRequest) (ChatKeysResult, error) {
	if conversationID == "" {
		return ChatKeysResult{}, errors.New("xapi: chat conversation keys: no conversation id")
	}
	var res ChatKeysResult
	err := c.do(ctx, OpChatConversationKey, auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data *struct {
				ConversationID string `json:"conversation_id"`
				SequenceID     string `json:"sequence_id"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, chatKeysEndpoint, "POST", &params{path: map[string]string{"id": pathConversation(conversationID)}, body: req}, &out); err != nil {
			return err
		}
		if out.Data == nil {
			return partialError(OpChatConversationKey, out.Errors)
		}
		res = ChatKeysResult{ConversationID: out.Data.ConversationID, SequenceID: out.Data.SequenceID}
		return nil
	})
	return res, err
}

// ChatMessageRequest is the body of POST /2/chat/conversations/:id/messages:
// X's engine's encrypted, signed message, posted unchanged on a retry.
type ChatMessageRequest struct {
	MessageID                    string `json:"message_id"`
	EncodedMessageCreateEvent    string `json:"encoded_message_create_event"`
	EncodedMessageEventSignature string `json:"encoded_message_event_signature,omitempty"`
}

// SendChatMessage posts an encrypted message (POST
// /2/chat/conversations/:id/messages) and returns X's encoded message
// event (base64 Thrift MessageEvent) for it.
func (c *Client) SendChatMessage(ctx context.Context, auth BrandAuth, conversationID string, req ChatMessageRequest) (string, error) {
	if conversationID == "" || req.MessageID == "" {
		return "", errors.New("xapi: chat send message: need a conversation id and the message id")
	}
	var event string
	err := c.do(ctx, OpChatSendMessage, auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data *struct {
				EncodedMessageEvent string `json:"encoded_message_event"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, chatMessagesEndpoint, "POST", &params{path: map[string]string{"id": pathConversation(conversationID)}, body: req}, &out); err != nil {
			return err
		}
		if out.Data == nil && len(out.Errors) > 0 {
			return partialError(OpChatSendMessage, out.Errors)
		}
		if out.Data != nil {
			event = out.Data.EncodedMessageEvent
		}
		return nil
	})
	return event, err
}

// ChatEvent is one event of a conversation as X lists it: ciphertext.
type ChatEvent struct {
	// ID is the event's sequence id.
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	SenderID       string `json:"sender_id"`
	EncodedEvent   string `json:"encoded_event"`
	CreatedAt      string `json:"created_at"`
}

// ChatEventsPage is one page of a conversation's events, newest first.
type ChatEventsPage struct {
	Events []ChatEvent
	// KeyEvents are the key-change events the page's messages need
	// (meta.conversation_key_events), base64.
	KeyEvents []string
	NextToken string
}

// ChatConversationEvents reads a page of a conversation's events (GET
// /2/chat/conversations/:id/events), maxResults 1 to 100.
func (c *Client) ChatConversationEvents(ctx context.Context, auth BrandAuth, conversationID string, maxResults int, token string) (ChatEventsPage, error) {
	if conversationID == "" {
		return ChatEventsPage{}, errors.New("xapi: chat events: no conversation id")
	}
	q := url.Values{"max_results": {strconv.Itoa(min(max(maxResults, 1), 100))}}
	if token != "" {
		q.Set("pagination_token", token)
	}
	var page ChatEventsPage
	err := c.do(ctx, OpChatEvents, auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data []ChatEvent `json:"data"`
			Meta struct {
				NextToken             string   `json:"next_token"`
				ConversationKeyEvents []string `json:"conversation_key_events"`
			} `json:"meta"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, chatEventsEndpoint, "GET", &params{path: map[string]string{"id": pathConversation(conversationID)}, query: q}, &out); err != nil {
			return err
		}
		page = ChatEventsPage{Events: out.Data, KeyEvents: out.Meta.ConversationKeyEvents, NextToken: out.Meta.NextToken}
		return nil
	})
	return page, err
}

// pathConversation is a conversation id in the form X's paths take:
// hyphenated ("A:B" becomes "A-B").
func pathConversation(id string) string { return strings.ReplaceAll(id, ":", "-") }
