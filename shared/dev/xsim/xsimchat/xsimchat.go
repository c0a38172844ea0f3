// Package xsimchat gives the X simulator's users X Chat clients of their
// own on X's engine (package xchat): the keys of a simulated customer live
// in its client, as on the customer's phone, never in what the simulated X
// holds. It is dev-only and kept out of package xsim so that the many tests
// that use the simulator without X Chat do not load the engine.
package xsimchat

import (
	"context"
	"fmt"
	"strconv"

	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/xchat"
)

// Factory makes clients on one loaded engine.
type Factory struct{ engine *xchat.Engine }

// New loads X's engine (once per process) and returns a factory of clients.
func New(ctx context.Context) (*Factory, error) {
	e, err := xchat.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("xsimchat: %w", err)
	}
	return &Factory{engine: e}, nil
}

// NewClient returns a client with no keys, caching the conversation keys it
// makes or receives (the X app's way).
func (f *Factory) NewClient(ctx context.Context) (xsim.ChatClient, error) {
	c, err := f.engine.NewChat(ctx)
	if err != nil {
		return nil, fmt.Errorf("xsimchat: new chat: %w", err)
	}
	if err := c.SetCacheKeys(ctx, true); err != nil {
		return nil, fmt.Errorf("xsimchat: key cache: %w", err)
	}
	return &client{c: c}, nil
}

// RestoreClient returns a client holding an exported key blob's keys.
func (f *Factory) RestoreClient(ctx context.Context, blob []byte, userID, keyVersion string) (xsim.ChatClient, error) {
	cl, err := f.NewClient(ctx)
	if err != nil {
		return nil, err
	}
	c := cl.(*client).c
	if err := c.ImportKeys(ctx, blob, keyVersion); err != nil {
		return nil, fmt.Errorf("xsimchat: import keys: %w", err)
	}
	if err := c.SetIdentity(ctx, userID, keyVersion); err != nil {
		return nil, fmt.Errorf("xsimchat: identity: %w", err)
	}
	return cl, nil
}

func (cl *client) ExportKeys(ctx context.Context) ([]byte, error) { return cl.c.ExportKeys(ctx) }

// client is one simulated user's X Chat client.
type client struct{ c *xchat.Chat }

func (cl *client) GenerateKeys(ctx context.Context) (xsim.KeyRegistration, error) {
	reg, err := cl.c.GenerateKeypairs(ctx)
	if err != nil {
		return xsim.KeyRegistration{}, fmt.Errorf("xsimchat: generate keys: %w", err)
	}
	pk := reg.PublicKey
	return xsim.KeyRegistration{PublicKey: pk.PublicKey, SigningPublicKey: pk.SigningPublicKey,
		IdentityPublicKeySignature: pk.IdentityPublicKeySignature, PublicKeyFingerprint: pk.PublicKeyFingerprint,
		RegistrationMethod: pk.RegistrationMethod, SigningPublicKeySignature: pk.SigningPublicKeySignature}, nil
}

func (cl *client) SetIdentity(ctx context.Context, userID, keyVersion string) error {
	return cl.c.SetIdentity(ctx, userID, keyVersion)
}

func (cl *client) PrepareKeyChange(ctx context.Context, conversationID string, participants []xsim.ParticipantKey) (xsim.KeyChange, error) {
	var keys []xchat.PublicKeyInput
	for _, p := range participants {
		keys = append(keys, xchat.PublicKeyInput{UserID: p.UserID, PublicKey: p.PublicKey, KeyVersion: p.KeyVersion})
	}
	prep, err := cl.c.PrepareConversationKeyChange(ctx, xchat.KeyChangeParams{PublicKeys: keys})
	if err != nil {
		return xsim.KeyChange{}, fmt.Errorf("xsimchat: prepare key change of %s: %w", conversationID, err)
	}
	out := xsim.KeyChange{ConversationKeyVersion: prep.ConversationKeyVersion}
	for _, pk := range prep.ParticipantKeys {
		out.ParticipantKeys = append(out.ParticipantKeys, xsim.WrappedKey{UserID: pk.UserID, EncryptedKey: pk.EncryptedKey, PublicKeyVersion: pk.PublicKeyVersion})
	}
	for _, a := range prep.ActionSignatures {
		out.ActionSignatures = append(out.ActionSignatures, xsim.ActionSignature{MessageID: a.MessageID,
			EncodedMessageEventDetail: a.EncodedMessageEventDetail, Signature: a.Signature, SignatureVersion: a.SignatureVersion,
			PublicKeyVersion: a.PublicKeyVersion})
	}
	return out, nil
}

func (cl *client) EncryptMessage(ctx context.Context, conversationID, text string) (xsim.OutgoingMessage, error) {
	// The key comes from the engine's cache, which holds a conversation's
	// newest key once DecryptEvents verified its change (the simulator has
	// the client read it, as the X app reads what X stored).
	m, err := cl.c.EncryptMessage(ctx, xchat.EncryptParams{ConversationID: conversationID, Text: text})
	if err != nil {
		return xsim.OutgoingMessage{}, fmt.Errorf("xsimchat: encrypt: %w", err)
	}
	return xsim.OutgoingMessage{MessageID: m.MessageID, EncryptedContent: m.EncryptedContent,
		EncodedEventSignature: m.EncodedEventSignature, ConversationKeyVersion: m.ConversationKeyVersion}, nil
}

func (cl *client) DecryptEvents(ctx context.Context, events []string, signingKeys []xsim.SigningKey) ([]xsim.ReceivedEvent, error) {
	var keys []xchat.SigningKey
	for _, k := range signingKeys {
		keys = append(keys, xchat.SigningKey{UserID: k.UserID, PublicKeyVersion: k.PublicKeyVersion, PublicKey: k.SigningPublicKey,
			IdentityPublicKey: k.IdentityPublicKey, IdentityPublicKeySignature: k.IdentityPublicKeySignature})
	}
	res, err := cl.c.DecryptEvents(ctx, events, keys)
	if err != nil {
		return nil, fmt.Errorf("xsimchat: decrypt: %w", err)
	}
	byEvent := map[string]xchat.Event{}
	for _, m := range res.Messages {
		byEvent[m.OriginalB64] = m.Event
	}
	out := make([]xsim.ReceivedEvent, 0, len(events))
	for i, b64 := range events {
		if msg, failed := res.Errors[strconv.Itoa(i)]; failed {
			out = append(out, xsim.ReceivedEvent{Type: "error", Err: msg})
			continue
		}
		e, ok := byEvent[b64]
		if !ok {
			out = append(out, xsim.ReceivedEvent{Type: "error", Err: "the engine returned nothing for this event"})
			continue
		}
		r := xsim.ReceivedEvent{Type: e.Type, SequenceID: e.SequenceID, MessageID: e.ID, SenderID: e.SenderID, Verified: e.Verified}
		if e.Content != nil {
			r.Text = e.Content.Text
		}
		out = append(out, r)
	}
	return out, nil
}
