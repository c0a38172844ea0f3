package xchat

import (
	"context"
	"fmt"
	"strconv"
)

// Registration is what GenerateKeypairs returns: the body X's
// POST /2/users/{id}/public_keys registers (index.d.ts
// PublicKeyRegistrationPayload).
type Registration struct {
	PublicKey PublicKeyRegistration `json:"publicKey"`
	// Version is the key version the engine chose (milliseconds since the
	// epoch, as a decimal string), when it chose one.
	Version string `json:"version,omitempty"`
	// GenerateVersion asks X to assign the version.
	GenerateVersion bool `json:"generateVersion"`
}

// PublicKeyRegistration is the public half of a key set, base64 (standard,
// padded): the keys in SPKI DER form, as X's public-key endpoints hold them.
type PublicKeyRegistration struct {
	IdentityPublicKeySignature string `json:"identityPublicKeySignature"`
	PublicKey                  string `json:"publicKey"`
	PublicKeyFingerprint       string `json:"publicKeyFingerprint,omitempty"`
	RegistrationMethod         string `json:"registrationMethod"`
	SigningPublicKey           string `json:"signingPublicKey"`
	SigningPublicKeySignature  string `json:"signingPublicKeySignature,omitempty"`
}

// PublicKeys are the loaded keys' public halves as getPublicKeys returns
// them: raw SEC1 points, base64. For verification entries use the SPKI form
// of Registration instead (the raw form fails X's key binding).
type PublicKeys struct {
	Identity string `json:"identity"`
	Signing  string `json:"signing"`
	// Version is always empty (reserved by X).
	Version string `json:"version"`
}

// SigningKey is a participant's registered keys as X's public-key endpoints
// return them (index.d.ts SigningKeyEntry); decrypting verifies each event
// against its sender's entry of the matching version.
type SigningKey struct {
	UserID string `json:"userId"`
	// PublicKeyVersion is the registered key version (decimal string).
	PublicKeyVersion string `json:"publicKeyVersion"`
	// PublicKey is the signing public key, base64 SPKI (or SEC1).
	PublicKey string `json:"publicKey"`
	// IdentityPublicKey is the identity public key, base64.
	IdentityPublicKey string `json:"identityPublicKey"`
	// IdentityPublicKeySignature is the key binding, base64 raw r||s.
	IdentityPublicKeySignature string `json:"identityPublicKeySignature"`
}

func (k SigningKey) js() *jsObject {
	return obj("userId", k.UserID, "publicKeyVersion", k.PublicKeyVersion, "publicKey", k.PublicKey,
		"identityPublicKey", k.IdentityPublicKey, "identityPublicKeySignature", k.IdentityPublicKeySignature)
}

func signingKeysJS(keys []SigningKey) *jsArray {
	a := &jsArray{elems: make([]any, len(keys))}
	for i, k := range keys {
		a.elems[i] = k.js()
	}
	return a
}

// PublicKeyInput is one participant's identity public key for a key change
// (index.d.ts PublicKeyInput).
type PublicKeyInput struct {
	UserID string `json:"userId"`
	// PublicKey is the identity public key, base64 SPKI or SEC1.
	PublicKey string `json:"publicKey"`
	// KeyVersion is the registered key version.
	KeyVersion string `json:"keyVersion"`
}

// KeyChangeParams are PrepareConversationKeyChange's parameters.
type KeyChangeParams struct {
	// PublicKeys are every participant's keys, the sender's included; the
	// engine takes each user's latest version. Verify each record's binding
	// (VerifyKeyBinding) before passing it.
	PublicKeys []PublicKeyInput
	// SenderID and SigningKeyVersion default to SetIdentity's.
	SenderID, SigningKeyVersion string
	// ConversationID is empty for a one-to-one (derived from the two
	// participants) or the group's id.
	ConversationID string
}

// PreparedConversationChange is a signed conversation key change ready for
// POST /2/chat/conversations/{id}/keys.
type PreparedConversationChange struct {
	// ConversationID is the conversation (canonical min:max for a 1:1).
	ConversationID string `json:"conversationId"`
	// ConversationKey is the raw 32-byte key. It is secret: never store or
	// log it; keep the key change event instead (it is wrapped to each
	// participant's identity key).
	ConversationKey []byte `json:"conversationKey"`
	// ConversationKeyVersion is the new key's version (decimal string).
	ConversationKeyVersion string            `json:"conversationKeyVersion"`
	ParticipantKeys        []ParticipantKey  `json:"participantKeys"`
	ActionSignatures       []ActionSignature `json:"actionSignatures"`
}

// ParticipantKey is the conversation key wrapped (ECIES) to one participant.
type ParticipantKey struct {
	UserID           string `json:"userId"`
	EncryptedKey     string `json:"encryptedKey"`
	PublicKeyVersion string `json:"publicKeyVersion"`
}

// ActionSignature authenticates a key change (index.d.ts ActionSignature).
type ActionSignature struct {
	MessageID                 string `json:"messageId"`
	EncodedMessageEventDetail string `json:"encodedMessageEventDetail"`
	Signature                 string `json:"signature"`
	SignatureVersion          string `json:"signatureVersion"`
	PublicKeyVersion          string `json:"publicKeyVersion"`
	SignaturePayload          string `json:"signaturePayload,omitempty"`
}

// EncryptParams are EncryptMessage's parameters.
type EncryptParams struct {
	// ConversationID in any form X uses (min:max, min-max, or the other
	// user's id); the engine signs the canonical one.
	ConversationID string
	// Text is the message (any UTF-8, empty allowed).
	Text string
	// SenderID and SigningKeyVersion default to SetIdentity's.
	SenderID, SigningKeyVersion string
	// ConversationKey (32 bytes) and ConversationKeyVersion; both empty
	// means the key cache (SetCacheKeys).
	ConversationKey        []byte
	ConversationKeyVersion string
	// ShouldNotify defaults to true when nil.
	ShouldNotify *bool
	// TTLMsec makes the message disappear after that many milliseconds (0: never).
	TTLMsec int64
}

// SendPayload is an encrypted, signed message ready for
// POST /2/chat/conversations/{id}/messages. Record it before the first
// attempt and resend the same payload on retries: MessageID is signed in it.
type SendPayload struct {
	MessageID string `json:"messageId"`
	// EncryptedContent is the base64 Thrift MessageCreateEvent.
	EncryptedContent string `json:"encryptedContent"`
	// Signature is the base64 ECDSA signature.
	Signature string `json:"signature"`
	// EncodedEventSignature is the base64 Thrift MessageEventSignature.
	EncodedEventSignature  string        `json:"encodedEventSignature"`
	SignatureInfo          SignatureInfo `json:"signatureInfo"`
	ConversationKeyVersion string        `json:"conversationKeyVersion"`
	ShouldNotify           bool          `json:"shouldNotify"`
}

// SignatureInfo is the signing key version and signature protocol version.
type SignatureInfo struct {
	PublicKeyVersion string `json:"publicKeyVersion"`
	SignatureVersion string `json:"signatureVersion"`
}

// ConversationKeys maps a conversation key version to the raw key. The keys
// are secret: keep them in memory only.
type ConversationKeys map[string][]byte

func (k ConversationKeys) js() *jsObject {
	o := newObject()
	for v, key := range k {
		o.set(v, &jsBytes{b: append([]byte{}, key...)})
	}
	return o
}

// ConversationKeyResult is what ExtractConversationKeys finds.
type ConversationKeyResult struct {
	Keys ConversationKeys `json:"keys"`
	// LatestVersion is the highest version, empty when none.
	LatestVersion string `json:"latestVersion"`
}

// Event is a decrypted event (index.d.ts Event; meta fields flattened).
type Event struct {
	// Type is "message", "keyChange", ... (X's list).
	Type           string `json:"type"`
	SequenceID     string `json:"sequenceId,omitempty"`
	ID             string `json:"id,omitempty"`
	SenderID       string `json:"senderId,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
	// CreatedAtMsec is X's time of the event, milliseconds since the epoch.
	CreatedAtMsec int64 `json:"createdAtMsec,omitempty"`
	// Content is a message's decrypted content.
	Content *MessageContent `json:"content,omitempty"`
	// Verified reports the sender's signature verified (always true unless
	// SetRejectUnverified(false) was called).
	Verified bool `json:"verified"`
	// KeyVersion is the conversation key version: for a message the one it
	// was encrypted under, for a key change the new one.
	KeyVersion      string           `json:"keyVersion,omitempty"`
	ParticipantKeys []ParticipantKey `json:"participantKeys,omitempty"`
	Failure         string           `json:"failure,omitempty"`
}

// MessageContent is a message's decrypted content.
type MessageContent struct {
	ContentType string `json:"contentType,omitempty"`
	Text        string `json:"text,omitempty"`
	NewText     string `json:"newText,omitempty"`
	Emoji       string `json:"emoji,omitempty"`
	// TargetMessageID is what a reaction or edit refers to.
	TargetMessageID string `json:"targetMessageId,omitempty"`
}

// DecryptEventsResult is DecryptEvents' result: the events decrypted, the
// keys found, and per-event failures.
type DecryptEventsResult struct {
	Messages         []DecryptedMessage    `json:"messages"`
	ConversationKeys ConversationKeyResult `json:"conversationKeys"`
	// Errors maps the index of an event in the input to the engine's error
	// (see Failures for their kinds).
	Errors map[string]string `json:"errors"`
}

// DecryptedMessage is one event DecryptEvents decrypted.
type DecryptedMessage struct {
	Event       Event  `json:"event"`
	OriginalB64 string `json:"originalB64,omitempty"`
}

// VerifiedConversationKeys are the keys of the batch's key changes whose
// signature verified. Use these, not ConversationKeys: the engine lists in
// ConversationKeys the key of every change wrapped to this identity, also
// of a change it reported in Errors as failing its signature.
func (r DecryptEventsResult) VerifiedConversationKeys() ConversationKeys {
	out := ConversationKeys{}
	for _, m := range r.Messages {
		if m.Event.Type != "keyChange" || !m.Event.Verified || m.Event.KeyVersion == "" {
			continue
		}
		if k, ok := r.ConversationKeys.Keys[m.Event.KeyVersion]; ok {
			out[m.Event.KeyVersion] = k
		}
	}
	return out
}

// Failures returns the failed events as *Error by input index, so callers can
// tell with errors.Is a missing key (keep the event) from a bad signature
// (refuse it).
func (r DecryptEventsResult) Failures() map[int]error {
	out := make(map[int]error, len(r.Errors))
	for k, msg := range r.Errors {
		i, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		out[i] = newError("chat_decryptEvents", msg)
	}
	return out
}

// --- the methods -----------------------------------------------------------

// GenerateKeypairs makes a new identity and signing keypair, loads them, and
// returns their registration payload. Export the keys (ExportKeys) before
// registering, so the registered keys are never lost.
func (c *Chat) GenerateKeypairs(ctx context.Context) (Registration, error) {
	defer c.lock(ctx)()
	v, err := c.callValue(ctx, "chat_generateKeypairs")
	if err != nil {
		return Registration{}, err
	}
	return decodeInto[Registration](v)
}

// ExportKeys returns the loaded private keys as X's key blob. It is secret:
// keep it only in a secret store.
func (c *Chat) ExportKeys(ctx context.Context) ([]byte, error) {
	defer c.lock(ctx)()
	res, err := c.call(ctx, "chat_exportKeys", c.ptr)
	if err != nil {
		return nil, err
	}
	return c.takeBytes(ctx, "chat_exportKeys", res)
}

// ImportKeys loads a key blob from ExportKeys. version is the public key
// version the keys were registered under (empty if unknown); it becomes the
// session's signing key version. The engine zeroes its copy of blob after
// import; the caller's slice is left as is.
func (c *Chat) ImportKeys(ctx context.Context, blob []byte, version string) error {
	defer c.lock(ctx)()
	p, n, err := c.passBytes(ctx, blob)
	if err != nil {
		return err
	}
	var vp, vn uint64
	if version != "" {
		if vp, vn, err = c.passString(ctx, version); err != nil {
			return err
		}
	}
	res, err := c.call(ctx, "chat_importKeys", c.ptr, p, n, vp, vn)
	if err != nil {
		return err
	}
	return c.takeUnit(ctx, "chat_importKeys", res)
}

// SetIdentity sets the session's user id and signing key version, the
// defaults of every call that signs.
func (c *Chat) SetIdentity(ctx context.Context, userID, signingKeyVersion string) error {
	defer c.lock(ctx)()
	up, un, err := c.passString(ctx, userID)
	if err != nil {
		return err
	}
	vp, vn, err := c.passString(ctx, signingKeyVersion)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, "chat_setIdentity", c.ptr, up, un, vp, vn)
	return err
}

// SetSigningKeys stores the signing keys decrypt calls use when given none;
// each call replaces the previous set.
func (c *Chat) SetSigningKeys(ctx context.Context, keys []SigningKey) error {
	defer c.lock(ctx)()
	res, err := c.call(ctx, "chat_setSigningKeys", c.ptr, c.arg(signingKeysJS(keys)))
	if err != nil {
		return err
	}
	return c.takeUnit(ctx, "chat_setSigningKeys", res)
}

// SetCacheKeys turns the engine's conversation key cache on or off (off by
// default; off clears it). While on, DecryptEvents caches each
// conversation's latest verified key and EncryptMessage uses it when given
// no key.
func (c *Chat) SetCacheKeys(ctx context.Context, enabled bool) error {
	defer c.lock(ctx)()
	_, err := c.call(ctx, "chat_setCacheKeys", c.ptr, boolU64(enabled))
	return err
}

// SetRejectUnverified sets whether decrypting refuses events whose signature
// does not verify (true, X's default and this product's rule) or returns
// them with Verified false.
func (c *Chat) SetRejectUnverified(ctx context.Context, reject bool) error {
	defer c.lock(ctx)()
	_, err := c.call(ctx, "chat_setRejectUnverified", c.ptr, boolU64(reject))
	return err
}

// PublicKeys returns the loaded keys' public halves (raw SEC1 form).
func (c *Chat) PublicKeys(ctx context.Context) (PublicKeys, error) {
	defer c.lock(ctx)()
	v, err := c.callValue(ctx, "chat_getPublicKeys")
	if err != nil {
		return PublicKeys{}, err
	}
	return decodeInto[PublicKeys](v)
}

// VerifyKeyBinding reports whether identityPub signed signingPub (all
// base64, as X's public-key endpoints return them). A false result, or an
// error, means the record must not be used.
func (c *Chat) VerifyKeyBinding(ctx context.Context, identityPub, signingPub, signature string) (bool, error) {
	defer c.lock(ctx)()
	var args []uint64
	for _, s := range []string{identityPub, signingPub, signature} {
		p, n, err := c.passString(ctx, s)
		if err != nil {
			return false, err
		}
		args = append(args, p, n)
	}
	res, err := c.call(ctx, "chat_verifyKeyBinding", append([]uint64{c.ptr}, args...)...)
	if err != nil {
		return false, err
	}
	if res[2] != 0 {
		return false, c.takeError(c.ctx(ctx), "chat_verifyKeyBinding", res[1])
	}
	return res[0] != 0, nil
}

// MatchesRegisteredKey reports whether the loaded identity key is the one in
// publicKeyB64 (SPKI, as X's public-key endpoints return it, or raw SEC1):
// whether a key blob belongs to the key registered on X.
func (c *Chat) MatchesRegisteredKey(ctx context.Context, publicKeyB64 string) (bool, error) {
	defer c.lock(ctx)()
	p, n, err := c.passString(ctx, publicKeyB64)
	if err != nil {
		return false, err
	}
	res, err := c.call(ctx, "chat_matchesRegisteredKey", c.ptr, p, n)
	if err != nil {
		return false, err
	}
	if res[2] != 0 {
		return false, c.takeError(c.ctx(ctx), "chat_matchesRegisteredKey", res[1])
	}
	return res[0] != 0, nil
}

// PublicKeyFingerprint is the loaded identity key's fingerprint (URL-safe
// base64), for comparing out of band.
func (c *Chat) PublicKeyFingerprint(ctx context.Context) (string, error) {
	defer c.lock(ctx)()
	res, err := c.call(ctx, "chat_getPublicKeyFingerprint", c.ptr)
	if err != nil {
		return "", err
	}
	b, err := c.takeBytes(ctx, "chat_getPublicKeyFingerprint", res)
	return string(b), err
}

// HasIdentityKey reports whether the identity key is loaded (enough to
// decrypt).
func (c *Chat) HasIdentityKey(ctx context.Context) (bool, error) {
	return c.callBool(ctx, "chat_hasIdentityKey")
}

// IsUnlocked reports whether both the identity and the signing keys are
// loaded (enough to send).
func (c *Chat) IsUnlocked(ctx context.Context) (bool, error) {
	return c.callBool(ctx, "chat_isUnlocked")
}

func (c *Chat) callBool(ctx context.Context, op string) (bool, error) {
	defer c.lock(ctx)()
	res, err := c.call(ctx, op, c.ptr)
	if err != nil {
		return false, err
	}
	return res[0] != 0, nil
}

// PrepareConversationKeyChange makes a new conversation key, wraps it to
// every participant and signs the change.
func (c *Chat) PrepareConversationKeyChange(ctx context.Context, p KeyChangeParams) (PreparedConversationChange, error) {
	defer c.lock(ctx)()
	keys := &jsArray{}
	for _, k := range p.PublicKeys {
		keys.elems = append(keys.elems, obj("userId", k.UserID, "publicKey", k.PublicKey, "keyVersion", k.KeyVersion))
	}
	params := obj("publicKeys", keys, "senderId", optString(p.SenderID),
		"signingKeyVersion", optString(p.SigningKeyVersion), "conversationId", optString(p.ConversationID))
	v, err := c.callValue(ctx, "chat_prepareConversationKeyChange", c.arg(params))
	if err != nil {
		return PreparedConversationChange{}, err
	}
	return decodeInto[PreparedConversationChange](v)
}

// EncryptMessage encrypts and signs a text message.
func (c *Chat) EncryptMessage(ctx context.Context, p EncryptParams) (SendPayload, error) {
	defer c.lock(ctx)()
	var key, notify, ttl any
	if p.ConversationKey != nil {
		key = &jsBytes{b: append([]byte{}, p.ConversationKey...)}
	}
	if p.ShouldNotify != nil {
		notify = *p.ShouldNotify
	}
	if p.TTLMsec != 0 {
		ttl = float64(p.TTLMsec)
	}
	params := obj("conversationId", p.ConversationID, "text", p.Text,
		"senderId", optString(p.SenderID), "signingKeyVersion", optString(p.SigningKeyVersion),
		"conversationKey", key, "conversationKeyVersion", optString(p.ConversationKeyVersion),
		"shouldNotify", notify, "ttlMsec", ttl)
	v, err := c.callValue(ctx, "chat_encryptMessage", c.arg(params))
	if err != nil {
		return SendPayload{}, err
	}
	return decodeInto[SendPayload](v)
}

// ExtractConversationKeys decrypts the conversation keys that key change
// events (base64 X MessageEvents) wrap to this Chat's identity key. It does
// NOT verify the changes' signatures (the engine's behaviour): pass only
// events already verified, e.g. by DecryptEvents (see
// DecryptEventsResult.VerifiedConversationKeys).
func (c *Chat) ExtractConversationKeys(ctx context.Context, events []string) (ConversationKeyResult, error) {
	defer c.lock(ctx)()
	p, n, err := c.passStrings(ctx, events)
	if err != nil {
		return ConversationKeyResult{}, err
	}
	v, err := c.callValue(ctx, "chat_extractConversationKeys", p, n)
	if err != nil {
		return ConversationKeyResult{}, err
	}
	return decodeInto[ConversationKeyResult](v)
}

// DecryptEvent decrypts one event (base64 X MessageEvent, as X delivers it)
// and verifies its sender's signature. keys nil uses the key cache;
// signingKeys nil uses SetSigningKeys'. A missing key is ErrNoConversationKey,
// a signature that fails ErrUnverified.
func (c *Chat) DecryptEvent(ctx context.Context, eventB64 string, keys ConversationKeys, signingKeys []SigningKey) (Event, error) {
	defer c.lock(ctx)()
	p, n, err := c.passString(ctx, eventB64)
	if err != nil {
		return Event{}, err
	}
	var k, s any = undefined, undefined
	if keys != nil {
		k = keys.js()
	}
	if signingKeys != nil {
		s = signingKeysJS(signingKeys)
	}
	v, err := c.callValue(ctx, "chat_decryptEvent", p, n, c.arg(k), c.arg(s))
	if err != nil {
		return Event{}, err
	}
	return decodeInto[Event](v)
}

// DecryptEvents applies the key changes among events, then decrypts and
// verifies the rest (X's recommended call). Per-event failures are in the
// result's Errors; signingKeys nil uses SetSigningKeys'.
func (c *Chat) DecryptEvents(ctx context.Context, events []string, signingKeys []SigningKey) (DecryptEventsResult, error) {
	defer c.lock(ctx)()
	p, n, err := c.passStrings(ctx, events)
	if err != nil {
		return DecryptEventsResult{}, err
	}
	var s any = undefined
	if signingKeys != nil {
		s = signingKeysJS(signingKeys)
	}
	v, err := c.callValue(ctx, "chat_decryptEvents", p, n, c.arg(s))
	if err != nil {
		return DecryptEventsResult{}, err
	}
	return decodeInto[DecryptEventsResult](v)
}

// DecryptConversationKey unwraps one participant key (ECIES, base64) with
// this Chat's identity key.
func (c *Chat) DecryptConversationKey(ctx context.Context, encryptedKeyB64 string) ([]byte, error) {
	defer c.lock(ctx)()
	p, n, err := c.passString(ctx, encryptedKeyB64)
	if err != nil {
		return nil, err
	}
	res, err := c.call(ctx, "chat_decryptConversationKey", c.ptr, p, n)
	if err != nil {
		return nil, err
	}
	return c.takeBytes(ctx, "chat_decryptConversationKey", res)
}

// MemoryBytes is the size of the Chat's wasm memory, in bytes.
func (c *Chat) MemoryBytes() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0
	}
	return c.h.mod.Memory().Size()
}

// String describes the Chat without any key material.
func (c *Chat) String() string { return fmt.Sprintf("xchat.Chat(%s)", c.h.mod.Name()) }
