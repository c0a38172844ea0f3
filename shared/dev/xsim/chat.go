package xsim

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// X Chat, as X documents it (docs.x.com "X Chat API", X's OpenAPI extract
// ../shared/reference/x-api-chat-openapi.json, ../shared/spec/XCHAT.md) and
// as X's engine reads it (chat-xdk thrift/event.thrift):
//
//   - Users register public keys (POST /2/users/:id/public_keys) and read
//     anyone's (GET /2/users/:id/public_keys, GET /2/users/public_keys?ids=).
//     Registering a new version adds it: earlier versions stay registered and
//     listed (newest first), since X's pages have one key version per
//     device or app identity and tell clients to pick the newest
//     numerically; a device holding an older version keeps verifying and
//     reading what was wrapped to its version, but senders wrap new keys to
//     the newest one.
//   - A 1:1 conversation comes into being with its first conversation key
//     (POST /2/chat/conversations/:id/keys, with action signatures). Its
//     REST id is "min-max", X's envelope says "min:max"; the path also
//     takes the other participant's bare user id, as X's does.
//   - A message (POST /2/chat/conversations/:id/messages) is stored and
//     delivered as X assembles it: a Thrift MessageEvent around the
//     client's MessageCreateEvent and MessageEventSignature (chatEnvelope),
//     as chat.received to the recipient and chat.sent to the sender, each
//     through its X Activity subscription, whatever the delivery format.
//   - The simulator stores ciphertext only and never holds a private key.

// Endpoint keys of the X Chat endpoints (see Options.RateLimits).
const (
	EndpointAddPublicKey      = "POST /2/users/:id/public_keys"
	EndpointGetPublicKeys     = "GET /2/users/:id/public_keys"
	EndpointGetUsersPublicKey = "GET /2/users/public_keys"
	EndpointChatKeys          = "POST /2/chat/conversations/:id/keys"
	EndpointChatMessages      = "POST /2/chat/conversations/:id/messages"
	EndpointChatEvents        = "GET /2/chat/conversations/:id/events"
	EndpointChatConversation  = "GET /2/chat/conversations/:id"
	EndpointChatConversations = "GET /2/chat/conversations"
)

// X Activity event types of X Chat.
const (
	xaaChatReceived = "chat.received"
	xaaChatSent     = "chat.sent"
)

// X's problem types as its OpenAPI document names them for the chat
// endpoints.
const (
	chatTypeInvalidRequest = "https://api.x.com/2/problems/invalid-request"
	chatTypeNotFound       = "https://api.x.com/2/problems/resource-not-found"
	chatTypeNotAuthorized  = "https://api.x.com/2/problems/not-authorized-for-resource"
	chatTypeUnavailable    = "https://api.x.com/2/problems/resource-unavailable"
	chatTypeConflict       = "about:blank"
)

// publicKey is one registered X Chat public key version of a user: the
// public halves as registration uploaded them (base64 SPKI DER).
type publicKey struct {
	Version                    string    `json:"public_key_version"`
	PublicKey                  string    `json:"public_key"`
	SigningPublicKey           string    `json:"signing_public_key"`
	IdentityPublicKeySignature string    `json:"identity_public_key_signature"`
	Fingerprint                string    `json:"public_key_fingerprint,omitempty"`
	RegistrationMethod         string    `json:"registration_method,omitempty"`
	SigningPublicKeySignature  string    `json:"signing_public_key_signature,omitempty"`
	CreatedAt                  time.Time `json:"created_at"`
}

// keyVersion returns the user's registered key of that version, or nil.
func (u *user) keyVersion(v string) *publicKey {
	for i := range u.PublicKeys {
		if u.PublicKeys[i].Version == v {
			return &u.PublicKeys[i]
		}
	}
	return nil
}

// chatConv is a 1:1 X Chat conversation as X holds it.
type chatConv struct {
	// ID is the REST form, "min-max".
	ID           string       `json:"id"`
	Participants []string     `json:"participants"`
	CreatedAt    time.Time    `json:"created_at"`
	Events       []*chatEvent `json:"events"` // oldest first
}

// envelopeID is the conversation id as X's envelope and signatures hold it.
func (c *chatConv) envelopeID() string { return strings.Replace(c.ID, "-", ":", 1) }

func (c *chatConv) other(userID string) string {
	if c.Participants[0] == userID {
		return c.Participants[1]
	}
	return c.Participants[0]
}

// chatEvent is one stored event of a conversation: a message or a
// conversation-key change, as the MessageEvent X assembled (Encoded).
type chatEvent struct {
	Seq        string    `json:"sequence_id"`
	MessageID  string    `json:"message_id"`
	SenderID   string    `json:"sender_id"`
	KeyChange  bool      `json:"key_change,omitempty"`
	KeyVersion string    `json:"conversation_key_version"`
	CreatedAt  time.Time `json:"created_at"`
	Encoded    []byte    `json:"encoded_event"`
	// Posted is what the client posted that makes the event (the encoded
	// create event and signature, or the key change's body): a retry with
	// the same message_id must post the same.
	Posted string `json:"posted"`
}

func (e *chatEvent) encodedB64() string { return base64.StdEncoding.EncodeToString(e.Encoded) }

// keyChangeFor returns the conversation's key change of that version, or nil.
func (c *chatConv) keyChangeFor(version string) *chatEvent {
	for _, e := range c.Events {
		if e.KeyChange && e.KeyVersion == version {
			return e
		}
	}
	return nil
}

func (c *chatConv) latestKeyVersion() string {
	latest := ""
	for _, e := range c.Events {
		if e.KeyChange && (latest == "" || compareVersions(e.KeyVersion, latest) > 0) {
			latest = e.KeyVersion
		}
	}
	return latest
}

func (c *chatConv) byMessageID(id string) *chatEvent {
	for _, e := range c.Events {
		if e.MessageID == id {
			return e
		}
	}
	return nil
}

// compareVersions compares key versions numerically (decimal strings
// without leading zeros, as X's are).
func compareVersions(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// chatPathID is X's pattern for a conversation path id.
var chatPathID = regexp.MustCompile(`^([0-9]{1,19}|[0-9]{1,19}-[0-9]{1,19}|g[0-9]{1,19})$`)

// chatProblem is a problem document of the chat endpoints.
func chatProblem(status int, typ, title, detail string, extra map[string]any) *xError {
	body := map[string]any{"type": typ, "title": title, "detail": detail, "status": status}
	for k, v := range extra {
		body[k] = v
	}
	return &xError{status: status, body: body}
}

func chatInvalid(param, detail string) *xError {
	return chatProblem(http.StatusBadRequest, chatTypeInvalidRequest, "Invalid Request", detail, map[string]any{"parameter": param})
}

func conversationNotFound(id string) *xError {
	return chatProblem(http.StatusNotFound, chatTypeNotFound, "Not Found Error",
		"Could not find conversation with id: ["+id+"].",
		map[string]any{"resource_type": "conversation", "resource_id": id, "parameter": "id", "value": id})
}

// resolveConversation reads a conversation path id for the authenticated
// user: the other participant's user id, or "a-b" in either order, of
// which the user must be one. It returns the canonical REST id and the
// other participant.
func (s *Sim) resolveConversation(c *call) (string, *user, *xError) {
	raw := c.r.PathValue("id")
	if !chatPathID.MatchString(raw) {
		return "", nil, chatInvalid("id", "The `id` value ["+raw+"] does not match ^([0-9]{1,19}|[0-9]{1,19}-[0-9]{1,19}|g[0-9]{1,19})$")
	}
	if strings.HasPrefix(raw, "g") {
		return "", nil, conversationNotFound(raw) // the simulator holds no group
	}
	other := raw
	if a, b, ok := strings.Cut(raw, "-"); ok {
		switch c.user.ID {
		case a:
			other = b
		case b:
			other = a
		default:
			return "", nil, chatProblem(http.StatusForbidden, chatTypeNotAuthorized, "Forbidden",
				"You are not a participant of conversation ["+raw+"].",
				map[string]any{"resource_type": "conversation", "resource_id": raw, "parameter": "id", "value": raw})
		}
	}
	if other == c.user.ID {
		return "", nil, chatInvalid("id", "A 1:1 conversation needs another participant than you.")
	}
	u := s.st.users[other]
	if u == nil {
		return "", nil, conversationNotFound(raw)
	}
	return conversationID(c.user.ID, other), u, nil
}

// receivesDMFrom is X's receives_your_dm: whether target accepts Direct
// Messages from sender: from anyone, from the accounts target follows, or
// from an account target has written to (a conversation target started can
// be answered).
func (s *Sim) receivesDMFrom(target, sender *user) bool {
	if target == nil || sender == nil || target.ID == sender.ID {
		return false
	}
	return target.OpenDMs || target.following[sender.ID] || s.st.wroteByDM(target.ID, sender.ID) || s.st.wroteByChat(target.ID, sender.ID)
}

// wroteByChat reports whether senderID has sent recipientID an X Chat message.
func (st *state) wroteByChat(senderID, recipientID string) bool {
	conv := st.chats[conversationID(senderID, recipientID)]
	if conv == nil {
		return false
	}
	for _, e := range conv.Events {
		if !e.KeyChange && e.SenderID == senderID {
			return true
		}
	}
	return false
}

// --- public keys ----------------------------------------------------------

// POST /2/users/:id/public_keys {public_key: {...}, version, generate_version?}
func (s *Sim) addPublicKeyAPI(c *call) (int, any) {
	if xe := ownPathUser(c, "id"); xe != nil {
		return fail(xe)
	}
	var in struct {
		PublicKey *struct {
			IdentityPublicKeySignature string `json:"identity_public_key_signature"`
			PublicKey                  string `json:"public_key"`
			PublicKeyFingerprint       string `json:"public_key_fingerprint"`
			RegistrationMethod         string `json:"registration_method"`
			SigningPublicKey           string `json:"signing_public_key"`
			SigningPublicKeySignature  string `json:"signing_public_key_signature"`
		} `json:"public_key"`
		Version         *string `json:"version"`
		GenerateVersion bool    `json:"generate_version"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	switch {
	case in.PublicKey == nil:
		return fail(chatInvalid("public_key", "The `public_key` field is required."))
	case !isBase64(in.PublicKey.PublicKey):
		return fail(chatInvalid("public_key.public_key", "The `public_key.public_key` must be the base64 identity public key."))
	case !isBase64(in.PublicKey.SigningPublicKey):
		return fail(chatInvalid("public_key.signing_public_key", "The `public_key.signing_public_key` must be the base64 signing public key."))
	case !isBase64(in.PublicKey.IdentityPublicKeySignature):
		return fail(chatInvalid("public_key.identity_public_key_signature", "The `public_key.identity_public_key_signature` must be the base64 key binding signature."))
	case in.Version == nil && !in.GenerateVersion:
		return fail(chatInvalid("version", "The `version` field is required."))
	case in.Version != nil && *in.Version != "" && !digits.MatchString(*in.Version):
		return fail(chatInvalid("version", "The `version` value ["+*in.Version+"] does not match ^[0-9]+$"))
	}
	u := c.user
	now := s.stamp()
	version := ""
	if in.Version != nil {
		version = *in.Version
	}
	if in.GenerateVersion || version == "" {
		// X assigns a millisecond timestamp, newer than any the user has.
		version = strconv.FormatInt(now.UnixMilli(), 10)
		for _, k := range u.PublicKeys {
			if compareVersions(k.Version, version) >= 0 {
				n, _ := strconv.ParseInt(k.Version, 10, 64)
				version = strconv.FormatInt(n+1, 10)
			}
		}
	}
	k := publicKey{Version: version, PublicKey: in.PublicKey.PublicKey, SigningPublicKey: in.PublicKey.SigningPublicKey,
		IdentityPublicKeySignature: in.PublicKey.IdentityPublicKeySignature, Fingerprint: in.PublicKey.PublicKeyFingerprint,
		RegistrationMethod: in.PublicKey.RegistrationMethod, SigningPublicKeySignature: in.PublicKey.SigningPublicKeySignature, CreatedAt: now}
	if old := u.keyVersion(version); old != nil {
		if old.PublicKey == k.PublicKey && old.SigningPublicKey == k.SigningPublicKey {
			return http.StatusOK, map[string]any{"data": map[string]string{"public_key_version": version}}
		}
		return fail(chatProblem(http.StatusConflict, chatTypeConflict, "Conflict",
			"Public key version ["+version+"] is already registered with other keys.", map[string]any{"parameter": "version", "value": version}))
	}
	u.PublicKeys = append(u.PublicKeys, k)
	return http.StatusOK, map[string]any{"data": map[string]string{"public_key_version": version}}
}

func isBase64(s string) bool {
	if s == "" {
		return false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if _, err := enc.DecodeString(s); err == nil {
			return true
		}
	}
	return false
}

// decodeB64 reads standard or URL base64, padded or not.
func decodeB64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// publicKeyRow is a registered key as X's public-key endpoints answer it
// (every field, as X's own client expects; no juicebox_config: the
// simulator runs no key backup).
type publicKeyRow struct {
	UserID                     string `json:"user_id,omitempty"`
	PublicKeyVersion           string `json:"public_key_version"`
	PublicKey                  string `json:"public_key"`
	SigningPublicKey           string `json:"signing_public_key"`
	IdentityPublicKeySignature string `json:"identity_public_key_signature"`
}

// keyRows are the user's registered keys, newest version first.
func keyRows(u *user, withUser bool) []publicKeyRow {
	keys := slices.Clone(u.PublicKeys)
	slices.SortFunc(keys, func(a, b publicKey) int { return compareVersions(b.Version, a.Version) })
	rows := []publicKeyRow{}
	for _, k := range keys {
		r := publicKeyRow{PublicKeyVersion: k.Version, PublicKey: k.PublicKey, SigningPublicKey: k.SigningPublicKey,
			IdentityPublicKeySignature: k.IdentityPublicKeySignature}
		if withUser {
			r.UserID = u.ID
		}
		rows = append(rows, r)
	}
	return rows
}

// GET /2/users/:id/public_keys: every registered version, newest first
// ({"data": []} for a user who registered none).
func (s *Sim) getPublicKeysAPI(c *call) (int, any) {
	id := c.r.PathValue("id")
	if !isID(id) {
		return fail(invalidID("id", id))
	}
	u := s.st.users[id]
	if u == nil {
		return fail(notFound("user", "id", id))
	}
	return http.StatusOK, map[string]any{"data": keyRows(u, false)}
}

// GET /2/users/public_keys?ids=a,b (1 to 100): each row carries user_id;
// unknown users are listed in errors.
func (s *Sim) getUsersPublicKeysAPI(c *call) (int, any) {
	raw := c.r.URL.Query().Get("ids")
	ids := strings.Split(raw, ",")
	if raw == "" || len(ids) > 100 {
		return fail(invalidRequest("ids", raw, "The `ids` query parameter must hold 1 to 100 user ids."))
	}
	for _, id := range ids {
		if !isID(id) {
			return fail(invalidRequest("ids", id, "The `ids` query parameter value ["+id+"] does not match ^[0-9]{1,19}$"))
		}
	}
	data := []publicKeyRow{}
	var errs []notFoundError
	for _, id := range ids {
		u := s.st.users[id]
		if u == nil {
			errs = append(errs, notFound("user", "ids", id).body.(notFoundBody).Errors...)
			continue
		}
		data = append(data, keyRows(u, true)...)
	}
	out := map[string]any{"data": data}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	return http.StatusOK, out
}

// --- conversation keys ----------------------------------------------------

type actionSignatureIn struct {
	MessageID                 string `json:"message_id"`
	EncodedMessageEventDetail string `json:"encoded_message_event_detail"`
	MessageEventSignature     *struct {
		Signature        string `json:"signature"`
		PublicKeyVersion string `json:"public_key_version"`
		SignatureVersion string `json:"signature_version"`
	} `json:"message_event_signature"`
}

// POST /2/chat/conversations/:id/keys {conversation_key_version,
// conversation_participant_keys, action_signatures} → 200 {data:
// {conversation_id, sequence_id}}.
func (s *Sim) addConversationKeysAPI(c *call) (int, any) {
	convID, other, xe := s.resolveConversation(c)
	if xe != nil {
		return fail(xe)
	}
	var in struct {
		ConversationKeyVersion      string `json:"conversation_key_version"`
		ConversationParticipantKeys []struct {
			UserID                   string `json:"user_id"`
			EncryptedConversationKey string `json:"encrypted_conversation_key"`
			PublicKeyVersion         string `json:"public_key_version"`
		} `json:"conversation_participant_keys"`
		ActionSignatures []actionSignatureIn `json:"action_signatures"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	if !digits.MatchString(in.ConversationKeyVersion) {
		return fail(chatInvalid("conversation_key_version", "The `conversation_key_version` field is required and must match ^[0-9]+$."))
	}
	if len(other.PublicKeys) == 0 {
		return fail(noPublicKeys(other))
	}
	if len(in.ConversationParticipantKeys) == 0 {
		return fail(chatInvalid("conversation_participant_keys", "The `conversation_participant_keys` field is required: the conversation key wrapped to every participant."))
	}
	wrapped := map[string]bool{}
	for _, pk := range in.ConversationParticipantKeys {
		u := s.st.users[pk.UserID]
		switch {
		case pk.UserID != c.user.ID && pk.UserID != other.ID:
			return fail(chatInvalid("conversation_participant_keys", "User ["+pk.UserID+"] is not a participant of conversation ["+convID+"]."))
		case !isBase64(pk.EncryptedConversationKey):
			return fail(chatInvalid("conversation_participant_keys", "Each participant key needs its base64 `encrypted_conversation_key`."))
		case u.keyVersion(pk.PublicKeyVersion) == nil:
			return fail(chatInvalid("conversation_participant_keys", "User ["+pk.UserID+"] has no registered public key version ["+pk.PublicKeyVersion+"]."))
		}
		wrapped[pk.UserID] = true
	}
	if !wrapped[c.user.ID] || !wrapped[other.ID] {
		return fail(chatInvalid("conversation_participant_keys", "The conversation key must be wrapped to every participant of ["+convID+"]."))
	}
	if len(in.ActionSignatures) == 0 {
		return fail(chatInvalid("action_signatures", "The `action_signatures` field is required: every state-changing chat call is signed."))
	}
	// Every signature must be whole (X validates them at its boundary); a
	// 1:1 key change has one, whose detail is the change.
	for _, a := range in.ActionSignatures[1:] {
		if _, xe := s.checkActionSignature(c.user, a); xe != nil {
			return fail(xe)
		}
	}
	sig := in.ActionSignatures[0]
	detail, xe := s.checkActionSignature(c.user, sig)
	if xe != nil {
		return fail(xe)
	}
	// The signed description must be this change (what X checks of a key
	// change: it cannot see the key). MessageEventDetail{3:
	// ConversationKeyChangeEvent{1: version, ...}}.
	var signedVersion string
	if fs, err := readStruct(detail); err == nil {
		if kc, ok := field(fs, 3); ok && kc.Type == tStruct {
			if kfs, _, err := readFields(kc.Raw, 0); err == nil {
				signedVersion = stringField(kfs, 1)
			}
		}
	}
	if signedVersion != in.ConversationKeyVersion {
		return fail(chatInvalid("action_signatures", "The action signature's `encoded_message_event_detail` is not a conversation key change to version ["+in.ConversationKeyVersion+"]."))
	}
	conv := s.st.chats[convID]
	posted := string(c.body)
	if conv != nil {
		if e := conv.byMessageID(sig.MessageID); e != nil {
			if e.KeyChange && e.KeyVersion == in.ConversationKeyVersion {
				// A retry of the same change: the same answer, nothing new.
				return http.StatusOK, map[string]any{"data": map[string]string{"conversation_id": conv.ID, "sequence_id": e.Seq}}
			}
			return fail(duplicateMessageID(sig.MessageID))
		}
		if latest := conv.latestKeyVersion(); latest != "" && compareVersions(in.ConversationKeyVersion, latest) <= 0 {
			return fail(chatProblem(http.StatusConflict, chatTypeConflict, "Conflict",
				"The conversation key version ["+in.ConversationKeyVersion+"] is not newer than the conversation's current one ["+latest+"].",
				map[string]any{"parameter": "conversation_key_version", "value": in.ConversationKeyVersion}))
		}
	}
	now := s.stamp()
	if conv == nil {
		a, b, _ := strings.Cut(convID, "-")
		conv = &chatConv{ID: convID, Participants: []string{a, b}, CreatedAt: now}
		s.st.chats[convID] = conv
	}
	ms := sig.MessageEventSignature
	sigBody := thriftWriter{}
	sigBody.String(1, ms.Signature)
	sigBody.String(2, ms.PublicKeyVersion)
	sigBody.String(3, ms.SignatureVersion)
	if k := c.user.keyVersion(ms.PublicKeyVersion); k != nil {
		sigBody.String(4, k.SigningPublicKey) // hydrated with the signer's key, as X does
	}
	e := &chatEvent{Seq: s.ids.next(now), MessageID: sig.MessageID, SenderID: c.user.ID, KeyChange: true,
		KeyVersion: in.ConversationKeyVersion, CreatedAt: now, Posted: posted}
	e.Encoded = chatEnvelope(e, conv, detail, sigBody.End())
	conv.Events = append(conv.Events, e)
	return http.StatusOK, map[string]any{"data": map[string]string{"conversation_id": conv.ID, "sequence_id": e.Seq}}
}

// checkActionSignature checks what X checks of an action signature: its
// fields, and that it is signed with one of the signer's registered key
// versions. It returns the decoded MessageEventDetail.
func (s *Sim) checkActionSignature(signer *user, sig actionSignatureIn) ([]byte, *xError) {
	ms := sig.MessageEventSignature
	switch {
	case sig.MessageID == "":
		return nil, chatInvalid("action_signatures.message_id", "Each action signature needs its `message_id`.")
	case ms == nil || ms.Signature == "" || !digits.MatchString(ms.PublicKeyVersion) || !digits.MatchString(ms.SignatureVersion):
		return nil, chatInvalid("action_signatures.message_event_signature",
			"Each action signature needs a `message_event_signature` with `signature`, `public_key_version` and `signature_version`.")
	case signer.keyVersion(ms.PublicKeyVersion) == nil:
		return nil, chatInvalid("action_signatures.message_event_signature.public_key_version",
			"The signer has no registered public key version ["+ms.PublicKeyVersion+"].")
	}
	detail, ok := decodeB64(sig.EncodedMessageEventDetail)
	if !ok || len(detail) == 0 {
		return nil, chatInvalid("action_signatures.encoded_message_event_detail", "Each action signature needs its base64 `encoded_message_event_detail`.")
	}
	if _, err := readStruct(detail); err != nil {
		return nil, chatInvalid("action_signatures.encoded_message_event_detail", "The `encoded_message_event_detail` is not a Thrift MessageEventDetail.")
	}
	return detail, nil
}

func duplicateMessageID(id string) *xError {
	return chatProblem(http.StatusConflict, chatTypeConflict, "Conflict",
		"A different event with message_id ["+id+"] exists in this conversation; a retry must post the same payload.",
		map[string]any{"parameter": "message_id", "value": id})
}

func noPublicKeys(u *user) *xError {
	return chatProblem(http.StatusForbidden, chatTypeUnavailable, "Forbidden",
		"@"+u.Username+" has no X Chat public keys yet: nothing can be encrypted to them until they register keys.",
		map[string]any{"resource_type": "public_key", "resource_id": u.ID})
}

func dmsNotAccepted(u *user) *xError {
	return chatProblem(http.StatusForbidden, chatTypeNotAuthorized, "Forbidden",
		"You cannot send messages to @"+u.Username+": they do not accept Direct Messages from you (receives_your_dm is false).",
		map[string]any{"resource_type": "user", "resource_id": u.ID, "section": "data"})
}

// chatEnvelope is X's MessageEvent for e: 1 sequence_id, 2 message_id,
// 3 sender_id, 4 conversation_id (min:max), 6 created_at_msec,
// 7 detail (a serialized MessageEventDetail), 9 message_event_signature.
func chatEnvelope(e *chatEvent, conv *chatConv, detail, signature []byte) []byte {
	w := thriftWriter{}
	w.String(1, e.Seq)
	w.String(2, e.MessageID)
	w.String(3, e.SenderID)
	w.String(4, conv.envelopeID())
	w.String(6, strconv.FormatInt(e.CreatedAt.UnixMilli(), 10))
	w.Struct(7, detail)
	w.Struct(9, signature)
	return w.End()
}

// hydrateSignature adds the signer's signing public key (field 4) to a
// posted MessageEventSignature that lacks it, as X hydrates it; the engine
// never trusts a key carried in an event, so this only informs.
func hydrateSignature(sig []thriftField, raw []byte, signingKey string) []byte {
	if _, ok := field(sig, 4); ok || signingKey == "" {
		return raw
	}
	w := thriftWriter{b: append([]byte(nil), raw[:len(raw)-1]...)}
	w.String(4, signingKey)
	return w.End()
}

// --- messages ---------------------------------------------------------------

// POST /2/chat/conversations/:id/messages {message_id,
// encoded_message_create_event, encoded_message_event_signature,
// conversation_token?} → 201 {data: {encoded_message_event}}.
func (s *Sim) sendChatMessageAPI(c *call) (int, any) {
	convID, other, xe := s.resolveConversation(c)
	if xe != nil {
		return fail(xe)
	}
	var in struct {
		MessageID                    string `json:"message_id"`
		EncodedMessageCreateEvent    string `json:"encoded_message_create_event"`
		EncodedMessageEventSignature string `json:"encoded_message_event_signature"`
		ConversationToken            string `json:"conversation_token"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	e, xe := s.sendChatMessage(c.user, other, convID, in.MessageID, in.EncodedMessageCreateEvent, in.EncodedMessageEventSignature)
	if xe != nil {
		return fail(xe)
	}
	return http.StatusCreated, map[string]any{"data": map[string]string{"encoded_message_event": e.encodedB64()}}
}

// sendChatMessage applies X's rules to a posted message, stores the
// MessageEvent X assembles and delivers it. A retry with the same
// message_id and payload answers the stored event and makes nothing new.
// Called with s.mu held.
func (s *Sim) sendChatMessage(from, to *user, convID, messageID, createB64, signatureB64 string) (*chatEvent, *xError) {
	if messageID == "" {
		return nil, chatInvalid("message_id", "The `message_id` field is required: the id the SDK generated and signed.")
	}
	create, ok := decodeB64(createB64)
	if !ok || len(create) == 0 {
		return nil, chatInvalid("encoded_message_create_event", "The `encoded_message_create_event` field is required: the base64 Thrift MessageCreateEvent.")
	}
	createFields, err := readStruct(create)
	if err != nil {
		return nil, chatInvalid("encoded_message_create_event", "The `encoded_message_create_event` is not a Thrift MessageCreateEvent.")
	}
	sig, ok := decodeB64(signatureB64)
	if !ok || len(sig) == 0 {
		return nil, chatInvalid("encoded_message_event_signature", "The `encoded_message_event_signature` field is required: X Chat refuses unsigned messages.")
	}
	sigFields, err := readStruct(sig)
	if err != nil || stringField(sigFields, 1) == "" {
		return nil, chatInvalid("encoded_message_event_signature", "The `encoded_message_event_signature` is not a Thrift MessageEventSignature.")
	}
	signingKey := from.keyVersion(stringField(sigFields, 2))
	if signingKey == nil {
		return nil, chatInvalid("encoded_message_event_signature",
			"The message is signed with public key version ["+stringField(sigFields, 2)+"], which the sender has not registered.")
	}
	conv := s.st.chats[convID]
	posted := createB64 + "\x00" + signatureB64
	if conv != nil {
		if e := conv.byMessageID(messageID); e != nil {
			if e.Posted == posted && !e.KeyChange {
				return e, nil // a retry: the same message, delivered once
			}
			return nil, duplicateMessageID(messageID)
		}
	}
	if conv == nil || conv.latestKeyVersion() == "" {
		return nil, chatProblem(http.StatusNotFound, chatTypeNotFound, "Not Found Error",
			"Conversation ["+convID+"] has no conversation key: add one first (POST /2/chat/conversations/"+convID+"/keys).",
			map[string]any{"resource_type": "conversation", "resource_id": convID, "parameter": "id", "value": convID})
	}
	version := stringField(createFields, 101)
	if conv.keyChangeFor(version) == nil {
		return nil, chatInvalid("encoded_message_create_event",
			"The message is encrypted with conversation key version ["+version+"], which conversation ["+convID+"] does not have.")
	}
	if !s.receivesDMFrom(to, from) {
		return nil, dmsNotAccepted(to)
	}
	if len(to.PublicKeys) == 0 {
		return nil, noPublicKeys(to)
	}
	now := s.stamp()
	e := &chatEvent{Seq: s.ids.next(now), MessageID: messageID, SenderID: from.ID, KeyVersion: version, CreatedAt: now, Posted: posted}
	detail := thriftWriter{}
	detail.Struct(1, create)
	e.Encoded = chatEnvelope(e, conv, detail.End(), hydrateSignature(sigFields, sig, signingKey.SigningPublicKey))
	conv.Events = append(conv.Events, e)
	s.deliverChat(conv, e)
	return e, nil
}

// deliverChat sends a new message as chat.received to the recipient and
// chat.sent to the sender, each when subscribed, as X Activity events
// whatever the delivery format (Account Activity has no X Chat). Each
// carries the key change of the message's key version.
func (s *Sim) deliverChat(conv *chatConv, e *chatEvent) {
	payload := map[string]any{"conversation_id": conv.ID, "sender_id": e.SenderID, "encoded_event": e.encodedB64(),
		"conversation_key_version": e.KeyVersion}
	if kc := conv.keyChangeFor(e.KeyVersion); kc != nil {
		payload["conversation_key_change_event"] = kc.encodedB64()
	}
	from, to := s.st.users[e.SenderID], s.st.users[conv.other(e.SenderID)]
	if s.wants(to, xaaChatReceived) {
		s.enqueueXAA(to, xaaChatReceived, payload, nil)
	}
	if s.wants(from, xaaChatSent) {
		s.enqueueXAA(from, xaaChatSent, payload, nil)
	}
}

// --- reading ----------------------------------------------------------------

type chatEventJSON struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	SenderID       string `json:"sender_id"`
	EncodedEvent   string `json:"encoded_event"`
	CreatedAt      string `json:"created_at"`
}

// GET /2/chat/conversations/:id/events[?max_results=&pagination_token=]:
// messages and key changes, newest first (max_results 1 to 100, default
// 10); meta.conversation_key_events holds the key changes the page's
// messages need that the page does not hold.
func (s *Sim) chatEventsAPI(c *call) (int, any) {
	convID, _, xe := s.resolveConversation(c)
	if xe != nil {
		return fail(xe)
	}
	q := c.r.URL.Query()
	limit := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fail(invalidRequest("max_results", v, "The `max_results` query parameter value ["+v+"] is not between 1 and 100"))
		}
		limit = n
	}
	conv := s.st.chats[convID]
	if conv == nil {
		return fail(conversationNotFound(c.r.PathValue("id")))
	}
	start := len(conv.Events) - 1
	if tok := q.Get("pagination_token"); tok != "" {
		start = -2
		for i, e := range conv.Events {
			if e.Seq == tok {
				start = i
			}
		}
		if start == -2 {
			return fail(invalidRequest("pagination_token", tok, "The `pagination_token` query parameter value ["+tok+"] is not valid"))
		}
	}
	data := []chatEventJSON{}
	inPage := map[string]bool{}
	needs := map[string]bool{}
	i := start
	for ; i >= 0 && len(data) < limit; i-- {
		e := conv.Events[i]
		data = append(data, chatEventJSON{ID: e.Seq, ConversationID: conv.ID, SenderID: e.SenderID, EncodedEvent: e.encodedB64(),
			CreatedAt: e.CreatedAt.UTC().Format(v2TimeLayout)})
		if e.KeyChange {
			inPage[e.KeyVersion] = true
		} else {
			needs[e.KeyVersion] = true
		}
	}
	keyEvents := []string{}
	for _, e := range conv.Events {
		if e.KeyChange && needs[e.KeyVersion] && !inPage[e.KeyVersion] {
			keyEvents = append(keyEvents, e.encodedB64())
		}
	}
	meta := map[string]any{"result_count": len(data), "has_more": i >= 0, "conversation_key_events": keyEvents}
	if i >= 0 {
		meta["next_token"] = conv.Events[i].Seq
	}
	return http.StatusOK, map[string]any{"data": data, "meta": meta}
}

type chatConversationJSON struct {
	ID             string   `json:"id"`
	Type           string   `json:"type,omitempty"`
	CreatedAt      string   `json:"created_at,omitempty"`
	UpdatedAt      string   `json:"updated_at,omitempty"`
	ParticipantIDs []string `json:"participant_ids,omitempty"`
}

func chatConversation(conv *chatConv, fields, expansions map[string]bool) chatConversationJSON {
	out := chatConversationJSON{ID: conv.ID}
	if fields["type"] {
		out.Type = "one_to_one"
	}
	if fields["created_at"] {
		out.CreatedAt = conv.CreatedAt.UTC().Format(v2TimeLayout)
	}
	if fields["updated_at"] && len(conv.Events) > 0 {
		out.UpdatedAt = conv.Events[len(conv.Events)-1].CreatedAt.UTC().Format(v2TimeLayout)
	}
	if expansions["participant_ids"] {
		out.ParticipantIDs = slices.Clone(conv.Participants)
	}
	return out
}

// GET /2/chat/conversations/:id
func (s *Sim) chatConversationAPI(c *call) (int, any) {
	convID, _, xe := s.resolveConversation(c)
	if xe != nil {
		return fail(xe)
	}
	conv := s.st.chats[convID]
	if conv == nil {
		return fail(conversationNotFound(c.r.PathValue("id")))
	}
	q := c.r.URL.Query()
	return http.StatusOK, map[string]any{"data": chatConversation(conv, fieldSet(q.Get("chat_conversation.fields")), fieldSet(q.Get("expansions")))}
}

// GET /2/chat/conversations: the user's conversations, most recently
// active first (max_results 1 to 100, default 10).
func (s *Sim) chatConversationsAPI(c *call) (int, any) {
	q := c.r.URL.Query()
	limit := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fail(invalidRequest("max_results", v, "The `max_results` query parameter value ["+v+"] is not between 1 and 100"))
		}
		limit = n
	}
	var convs []*chatConv
	for _, conv := range s.st.chats {
		if slices.Contains(conv.Participants, c.user.ID) {
			convs = append(convs, conv)
		}
	}
	last := func(cv *chatConv) string { return cv.Events[len(cv.Events)-1].Seq }
	slices.SortFunc(convs, func(a, b *chatConv) int { return compareVersions(last(b), last(a)) })
	if tok := q.Get("pagination_token"); tok != "" {
		i := slices.IndexFunc(convs, func(cv *chatConv) bool { return cv.ID == tok })
		if i < 0 {
			return fail(invalidRequest("pagination_token", tok, "The `pagination_token` query parameter value ["+tok+"] is not valid"))
		}
		convs = convs[i:]
	}
	meta := map[string]any{"has_message_requests": false}
	if len(convs) > limit {
		meta["next_token"] = convs[limit].ID
		convs = convs[:limit]
	}
	meta["has_more"] = meta["next_token"] != nil
	meta["result_count"] = len(convs)
	fields, exp := fieldSet(q.Get("chat_conversation.fields")), fieldSet(q.Get("expansions"))
	data := []chatConversationJSON{}
	for _, conv := range convs {
		data = append(data, chatConversation(conv, fields, exp))
	}
	return http.StatusOK, map[string]any{"data": data, "meta": meta}
}

// chatEventsOf is what X holds of the conversation of a and b, for the
// control routes: its events, oldest first (nil when there is none).
func (s *Sim) chatEventsOf(a, b string) []*chatEvent {
	if conv := s.st.chats[conversationID(a, b)]; conv != nil {
		return conv.Events
	}
	return nil
}
