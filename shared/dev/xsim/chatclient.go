package xsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

// A simulated customer's X Chat client stands for the X app on the
// customer's phone: its private keys live in it (made by X's engine), never
// in what the simulated X holds. The simulator drives it for the control
// routes: POST /sim/users/{username}/dms encrypts with it and posts through
// the same code as the chat endpoints; GET /sim/users/{username}/chat
// decrypts with it what the user received. Package xchat's engine is
// plugged in through ChatClientFactory.

// ChatClientFactory makes simulated users' X Chat clients.
type ChatClientFactory interface {
	// NewClient returns a new client with no keys.
	NewClient(ctx context.Context) (ChatClient, error)
	// RestoreClient returns a client holding the keys of an exported blob
	// (ChatClient.ExportKeys), registered as keyVersion, signing as userID.
	RestoreClient(ctx context.Context, blob []byte, userID, keyVersion string) (ChatClient, error)
}

// ChatClient is one simulated user's X Chat client, after X's engine
// (chat-xdk's Chat): it keeps its private keys and the conversation keys
// it made or received.
type ChatClient interface {
	// GenerateKeys makes new identity and signing keypairs and returns
	// their public halves, as POST /2/users/{id}/public_keys takes them.
	GenerateKeys(ctx context.Context) (KeyRegistration, error)
	// ExportKeys returns the client's private keys as X's key blob, which
	// the simulator keeps for the device across restarts (Persist).
	ExportKeys(ctx context.Context) ([]byte, error)
	// SetIdentity makes the client sign as the user with the key version
	// X registered.
	SetIdentity(ctx context.Context, userID, keyVersion string) error
	// PrepareKeyChange makes a new key for the conversation (any id form),
	// wraps it to each participant's identity key and signs the change.
	PrepareKeyChange(ctx context.Context, conversationID string, participants []ParticipantKey) (KeyChange, error)
	// EncryptMessage encrypts and signs text with the newest key the client
	// holds for the conversation (one DecryptEvents gave it).
	EncryptMessage(ctx context.Context, conversationID, text string) (OutgoingMessage, error)
	// DecryptEvents applies the key changes among events (base64
	// MessageEvents) and decrypts and verifies the messages, with the
	// participants' registered signing keys; an event it cannot read or
	// verify is reported in its Err.
	DecryptEvents(ctx context.Context, events []string, signingKeys []SigningKey) ([]ReceivedEvent, error)
}

// KeyRegistration is the public half of a new identity, as registration
// uploads it (base64 SPKI DER keys).
type KeyRegistration struct {
	PublicKey                  string `json:"public_key"`
	SigningPublicKey           string `json:"signing_public_key"`
	IdentityPublicKeySignature string `json:"identity_public_key_signature"`
	PublicKeyFingerprint       string `json:"public_key_fingerprint,omitempty"`
	RegistrationMethod         string `json:"registration_method,omitempty"`
	SigningPublicKeySignature  string `json:"signing_public_key_signature,omitempty"`
}

// ParticipantKey is a participant's registered identity key.
type ParticipantKey struct {
	UserID, PublicKey, KeyVersion string
}

// KeyChange is a prepared conversation-key change, ready to post.
type KeyChange struct {
	ConversationKeyVersion string
	ParticipantKeys        []WrappedKey
	ActionSignatures       []ActionSignature
}

// WrappedKey is the conversation key wrapped to one participant.
type WrappedKey struct {
	UserID, EncryptedKey, PublicKeyVersion string
}

// ActionSignature signs a state change, as the engine makes it.
type ActionSignature struct {
	MessageID, EncodedMessageEventDetail, Signature, SignatureVersion, PublicKeyVersion string
}

// OutgoingMessage is an encrypted, signed message, ready to post.
type OutgoingMessage struct {
	MessageID, EncryptedContent, EncodedEventSignature, ConversationKeyVersion string
}

// SigningKey is one registered key of a participant, as the engine
// verifies with it (the SPKI forms X's public-key endpoints return).
type SigningKey struct {
	UserID, PublicKeyVersion, SigningPublicKey, IdentityPublicKey, IdentityPublicKeySignature string
}

// ReceivedEvent is one event as the client read it.
type ReceivedEvent struct {
	// Type is "message", "keyChange" or another engine event type.
	Type       string `json:"type"`
	SequenceID string `json:"sequence_id,omitempty"`
	MessageID  string `json:"message_id,omitempty"`
	SenderID   string `json:"sender_id,omitempty"`
	Text       string `json:"text,omitempty"`
	Verified   bool   `json:"verified"`
	Err        string `json:"error,omitempty"`
}

// errNoChatClients answers the customer-client routes of a simulator run
// without X's engine.
var errNoChatClients = errors.New("this simulator has no X Chat clients (Options.ChatClients)")

// chatClient returns u's X Chat client, making it on first use: new keys,
// registered through X's public-key endpoint as the user. Called with s.mu
// held.
func (s *Sim) chatClient(ctx context.Context, u *user) (ChatClient, error) {
	if cl := s.clients[u.ID]; cl != nil {
		return cl, nil
	}
	if s.opts.ChatClients == nil {
		return nil, errNoChatClients
	}
	cl, err := s.opts.ChatClients.NewClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("xsim: new X Chat client for @%s: %w", u.Username, err)
	}
	reg, err := cl.GenerateKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("xsim: X Chat keys for @%s: %w", u.Username, err)
	}
	body, _ := json.Marshal(map[string]any{"public_key": reg, "generate_version": true, "version": ""})
	status, out := s.addPublicKeyAPI(s.selfCall(u, http.MethodPost, "/2/users/"+u.ID+"/public_keys", body, map[string]string{"id": u.ID}))
	if status != http.StatusOK {
		return nil, fmt.Errorf("xsim: register @%s's X Chat keys: %d %v", u.Username, status, out)
	}
	version := out.(map[string]any)["data"].(map[string]string)["public_key_version"]
	if err := cl.SetIdentity(ctx, u.ID, version); err != nil {
		return nil, fmt.Errorf("xsim: X Chat identity of @%s: %w", u.Username, err)
	}
	blob, err := cl.ExportKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("xsim: export @%s's X Chat keys: %w", u.Username, err)
	}
	s.clients[u.ID] = cl
	s.devices[u.ID] = device{KeyBlob: blob, KeyVersion: version}
	return cl, nil
}

// device is a simulated user's X Chat client as Persist keeps it: the
// user's own phone, not what X holds (its private keys, in a file of its
// own beside the state).
type device struct {
	KeyBlob    []byte `json:"key_blob"`
	KeyVersion string `json:"key_version"`
}

// restoreClients brings back the clients of devices whose key version
// their user still has registered. Called with s.mu held.
func (s *Sim) restoreClients(ctx context.Context, devices map[string]device) {
	if s.opts.ChatClients == nil {
		return
	}
	for id, d := range devices {
		u := s.st.users[id]
		if u == nil || u.keyVersion(d.KeyVersion) == nil {
			continue
		}
		cl, err := s.opts.ChatClients.RestoreClient(ctx, d.KeyBlob, id, d.KeyVersion)
		if err != nil {
			s.log.Error("xsim: restore a simulated user's X Chat client", "user", u.Username, "err", err)
			continue
		}
		s.clients[id], s.devices[id] = cl, d
	}
}

// selfCall is a request a simulated user's own client makes to the
// simulated API: it runs the endpoint's code as the user, without the
// recording, faults and rate limits that stand for the product's calls.
func (s *Sim) selfCall(u *user, method, path string, body []byte, pathValues map[string]string) *call {
	r, _ := http.NewRequest(method, CanonicalBaseURL+path, bytes.NewReader(body))
	for k, v := range pathValues {
		r.SetPathValue(k, v)
	}
	return &call{r: r, body: body, user: u}
}

// sendChatAs sends text from u to `to` as u's X Chat client does: a new
// conversation key first when u's client holds none for the conversation,
// then the message. Called with s.mu held.
func (s *Sim) sendChatAs(ctx context.Context, u, to *user, text string) (*chatEvent, *xError, error) {
	cl, err := s.chatClient(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	convID := conversationID(u.ID, to.ID)
	if !s.clientHoldsKey(ctx, cl, convID) {
		var parts []ParticipantKey
		for _, p := range []*user{u, to} {
			rows := keyRows(p, false)
			if len(rows) == 0 {
				return nil, noPublicKeys(p), nil
			}
			parts = append(parts, ParticipantKey{UserID: p.ID, PublicKey: rows[0].PublicKey, KeyVersion: rows[0].PublicKeyVersion})
		}
		kc, err := cl.PrepareKeyChange(ctx, convID, parts)
		if err != nil {
			return nil, nil, fmt.Errorf("xsim: prepare @%s's conversation key: %w", u.Username, err)
		}
		pks := []map[string]string{}
		for _, pk := range kc.ParticipantKeys {
			pks = append(pks, map[string]string{"user_id": pk.UserID, "encrypted_conversation_key": pk.EncryptedKey, "public_key_version": pk.PublicKeyVersion})
		}
		sigs := []map[string]any{}
		for _, a := range kc.ActionSignatures {
			sigs = append(sigs, map[string]any{"message_id": a.MessageID, "encoded_message_event_detail": a.EncodedMessageEventDetail,
				"message_event_signature": map[string]string{"signature": a.Signature, "public_key_version": a.PublicKeyVersion, "signature_version": a.SignatureVersion}})
		}
		body, _ := json.Marshal(map[string]any{"conversation_key_version": kc.ConversationKeyVersion, "conversation_participant_keys": pks, "action_signatures": sigs})
		status, out := s.addConversationKeysAPI(s.selfCall(u, http.MethodPost, "/2/chat/conversations/"+to.ID+"/keys", body, map[string]string{"id": to.ID}))
		if status != http.StatusOK {
			return nil, &xError{status: status, body: out}, nil
		}
		if !s.clientHoldsKey(ctx, cl, convID) {
			return nil, nil, fmt.Errorf("xsim: @%s's client cannot read its own key change of %s", u.Username, convID)
		}
	}
	msg, err := cl.EncryptMessage(ctx, convID, text)
	if err != nil {
		return nil, nil, fmt.Errorf("xsim: encrypt @%s's message: %w", u.Username, err)
	}
	e, xe := s.sendChatMessage(u, to, convID, msg.MessageID, msg.EncryptedContent, msg.EncodedEventSignature)
	return e, xe, nil
}

// clientHoldsKey has the client read the conversation's newest key change,
// as the X app does before sending: it reports whether the client holds
// that key (the change was wrapped to its identity). Called with s.mu held.
func (s *Sim) clientHoldsKey(ctx context.Context, cl ChatClient, convID string) bool {
	conv := s.st.chats[convID]
	if conv == nil {
		return false
	}
	kc := conv.keyChangeFor(conv.latestKeyVersion())
	if kc == nil {
		return false
	}
	got, err := cl.DecryptEvents(ctx, []string{kc.encodedB64()}, s.signingKeys(conv.Participants...))
	return err == nil && len(got) == 1 && got[0].Err == ""
}

// signingKeys are the registered keys of the users, every version.
func (s *Sim) signingKeys(ids ...string) []SigningKey {
	var out []SigningKey
	for _, id := range ids {
		if u := s.st.users[id]; u != nil {
			for _, k := range u.PublicKeys {
				out = append(out, SigningKey{UserID: id, PublicKeyVersion: k.Version, SigningPublicKey: k.SigningPublicKey,
					IdentityPublicKey: k.PublicKey, IdentityPublicKeySignature: k.IdentityPublicKeySignature})
			}
		}
	}
	return out
}

// chatView is one conversation as a user's own client reads it.
type chatView struct {
	ConversationID string          `json:"conversation_id"`
	With           timelineUser    `json:"with"`
	Events         []ReceivedEvent `json:"events"`
}

// readChats decrypts every conversation of u with u's client. Called with
// s.mu held.
func (s *Sim) readChats(ctx context.Context, u *user) ([]chatView, error) {
	cl, err := s.chatClient(ctx, u)
	if err != nil {
		return nil, err
	}
	var ids []string
	for id, conv := range s.st.chats {
		if slices.Contains(conv.Participants, u.ID) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	views := []chatView{}
	for _, id := range ids {
		conv := s.st.chats[id]
		var events []string
		for _, e := range conv.Events {
			events = append(events, e.encodedB64())
		}
		got, err := cl.DecryptEvents(ctx, events, s.signingKeys(conv.Participants...))
		if err != nil {
			return nil, fmt.Errorf("xsim: @%s reads %s: %w", u.Username, id, err)
		}
		v := chatView{ConversationID: id, With: tlUser(s.st.users[conv.other(u.ID)]), Events: []ReceivedEvent{}}
		for _, e := range got {
			if e.Type != "keyChange" {
				v.Events = append(v.Events, e)
			}
		}
		views = append(views, v)
	}
	return views, nil
}

// POST /sim/users/{username}/dms in X Chat: ctlDM's chat half.
func (s *Sim) ctlChatDM(ctx context.Context, w http.ResponseWriter, u, to *user, text string) {
	if strings.TrimSpace(text) == "" {
		ctlError(w, http.StatusBadRequest, "A message needs a text.")
		return
	}
	e, xe, err := s.sendChatAs(ctx, u, to, text)
	switch {
	case errors.Is(err, errNoChatClients):
		ctlError(w, http.StatusNotImplemented, err.Error())
	case err != nil:
		s.log.Error("xsim: simulated chat message", "user", u.Username, "err", err)
		ctlError(w, http.StatusInternalServerError, err.Error())
	case xe != nil:
		writeJSON(w, xe.status, xe.body)
	default:
		conv := s.st.chats[conversationID(u.ID, to.ID)]
		writeJSON(w, http.StatusCreated, map[string]string{"id": e.Seq, "message_id": e.MessageID, "conversation_id": conv.ID})
	}
}

// GET /sim/users/{username}/chat → {conversations: [{conversation_id, with,
// events: [{type, sequence_id, message_id, sender_id, text, verified,
// error?}]}]}: what the user's own X Chat client reads.
func (s *Sim) ctlChat(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	views, err := s.readChats(r.Context(), u)
	switch {
	case errors.Is(err, errNoChatClients):
		ctlError(w, http.StatusNotImplemented, err.Error())
	case err != nil:
		ctlError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, map[string]any{"user": tlUser(u), "conversations": views})
	}
}

// GET /sim/users/{username}/credentials → the user's OAuth 1.0a token and
// secret (with the app's consumer key and secret) and OAuth 2.0 user
// access token, which the simulator's user-context endpoints take.
func (s *Sim) ctlCredentials(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"user_id": u.ID, "username": u.Username,
		"oauth1": map[string]string{"consumer_key": s.opts.ConsumerKey, "consumer_secret": s.opts.ConsumerSecret,
			"access_token": u.Token, "access_token_secret": u.TokenSecret},
		"oauth2": map[string]string{"access_token": u.BearerToken, "token_type": "bearer",
			"scope": "tweet.read tweet.write users.read follows.read follows.write dm.read dm.write offline.access"},
	})
}

// PUT /sim/users/{username}/dm-settings {allow_dms_from: "everyone" |
// "following"} → 200 {allow_dms_from}: who may send the user Direct
// Messages (X's user setting behind receives_your_dm).
func (s *Sim) ctlDMSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AllowDMsFrom string `json:"allow_dms_from"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.AllowDMsFrom != "everyone" && in.AllowDMsFrom != "following" {
		ctlError(w, http.StatusBadRequest, `allow_dms_from is "everyone" or "following".`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	u.OpenDMs = in.AllowDMsFrom == "everyone"
	writeJSON(w, http.StatusOK, map[string]string{"allow_dms_from": in.AllowDMsFrom})
}

// provisionChatClients gives every sample customer with an X account an X
// Chat client with registered keys, as `make dev` starts (nothing without
// Options.ChatClients). The brand handles' keys are the product's own.
func (s *Sim) provisionChatClients() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.provisionChatClientsLocked()
}

func (s *Sim) provisionChatClientsLocked() {
	if s.opts.ChatClients == nil {
		return
	}
	for _, c := range sample.Customers {
		if u := s.st.users[c.XUser]; u != nil && c.Handle != "" {
			if _, err := s.chatClient(context.Background(), u); err != nil {
				s.log.Error("xsim: sample customer's X Chat client", "user", u.Username, "err", err)
			}
		}
	}
}
