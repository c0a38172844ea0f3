package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/acme/twitter-cases/shared/brandchat"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

// ChatX is what the X Chat adapter needs of X's chat endpoints;
// *xapi.Client implements it.
type ChatX interface {
	ChatPublicKeys(ctx context.Context, auth xapi.BrandAuth, userID string) ([]xapi.ChatPublicKey, error)
	AddChatConversationKeys(ctx context.Context, auth xapi.BrandAuth, conversationID string, req xapi.ChatKeysRequest) (xapi.ChatKeysResult, error)
	SendChatMessage(ctx context.Context, auth xapi.BrandAuth, conversationID string, req xapi.ChatMessageRequest) (string, error)
}

// Keyring is the brand identities of a process in X's engine.
type Keyring = brandchat.Keyring[*xchat.Chat]

// NewKeyring returns the brand identities read from the secrets named with
// prefix (config.XChatKeyPrefix), in sessions of X's engine. Neither the
// engine nor a secret is loaded before a DM needs them.
func NewKeyring(cache *secrets.Cache, prefix string, log *slog.Logger) *Keyring {
	return brandchat.New(cache, prefix, openChat, log)
}

// openChat opens a session of X's engine, compiling the engine on the
// process's first DM.
func openChat(ctx context.Context) (*xchat.Chat, error) {
	eng, err := xchat.Load(ctx)
	if err != nil {
		return nil, err
	}
	return eng.NewChat(ctx)
}

// chatAdapter is casework.XChat on X's chat endpoints and the brand
// identities: it moves ciphertext to X and keeps the conversation keys it
// opens in this process's memory only.
type chatAdapter struct {
	x    ChatX
	keys *Keyring
	log  *slog.Logger

	mu  sync.Mutex
	raw map[rawKey][]byte
}

// rawKey names one version of one brand identity's conversation key.
type rawKey struct{ brand, conversation, version string }

var _ casework.XChat = (*chatAdapter)(nil)

// chatErr reads an error of the chat calls: X's answers as
// casework.XFailure (forgetting the brand identity when X refused its
// keys, so the next attempt reads the secret again), the engine's broken
// instance by dropping the identity.
func (a *chatAdapter) chatErr(ctx context.Context, as *casework.BrandHandle, err error) error {
	if err == nil {
		return nil
	}
	if xapi.IsChatKeysRejected(err) || errors.Is(err, xchat.ErrBroken) || errors.Is(err, xchat.ErrClosed) {
		a.keys.Forget(ctx, as.XUserID)
	}
	return failure(err)
}

func (a *chatAdapter) RecipientKeys(ctx context.Context, as *casework.BrandHandle, userXID string) ([]casework.ChatPublicKey, error) {
	rows, err := a.x.ChatPublicKeys(ctx, auth(as), userXID)
	if err != nil {
		return nil, a.chatErr(ctx, as, err)
	}
	slices.SortFunc(rows, func(p, q xapi.ChatPublicKey) int { return casework.CompareDecimal(q.Version, p.Version) })
	if len(rows) == 0 {
		return nil, nil
	}
	newest := rows[0]
	var ok bool
	err = a.keys.Use(ctx, as.XUserID, func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error {
		var err error
		ok, err = id.Chat.VerifyKeyBinding(ctx, newest.PublicKey, newest.SigningPublicKey, newest.IdentityPublicKeySignature)
		return err
	})
	if err != nil {
		return nil, a.engineErr(ctx, as, "verify a key binding", err)
	}
	if !ok {
		a.log.WarnContext(ctx, "a recipient's X Chat key binding did not verify", "x_user_id", userXID, "key_version", newest.Version)
		return nil, casework.Errorf(casework.EChatKeysUnverified,
			"The customer's X Chat keys (version %s) failed their key binding check, so nothing is encrypted to them.", newest.Version)
	}
	out := make([]casework.ChatPublicKey, 0, len(rows))
	for _, r := range rows {
		out = append(out, casework.ChatPublicKey{UserID: userXID, Version: r.Version, PublicKey: r.PublicKey,
			SigningPublicKey: r.SigningPublicKey, IdentityPublicKeySignature: r.IdentityPublicKeySignature})
	}
	return out, nil
}

func (a *chatAdapter) BrandKeyVersion(ctx context.Context, as *casework.BrandHandle) (string, error) {
	var v string
	err := a.keys.Use(ctx, as.XUserID, func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error {
		v = id.KeyVersion
		return nil
	})
	return v, err
}

func (a *chatAdapter) PrepareKeyChange(ctx context.Context, as *casework.BrandHandle, r casework.ChatPublicKey) (*casework.ChatKey, error) {
	brandPub, err := a.brandPublicKey(ctx, as)
	if err != nil {
		return nil, err
	}
	var k *casework.ChatKey
	err = a.keys.Use(ctx, as.XUserID, func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error {
		p, err := id.Chat.PrepareConversationKeyChange(ctx, xchat.KeyChangeParams{PublicKeys: []xchat.PublicKeyInput{
			{UserID: as.XUserID, PublicKey: brandPub, KeyVersion: id.KeyVersion},
			{UserID: r.UserID, PublicKey: r.PublicKey, KeyVersion: r.Version},
		}})
		if err != nil {
			return err
		}
		conv := casework.CanonicalChatConversationID(p.ConversationID)
		a.keep(rawKey{as.XUserID, conv, p.ConversationKeyVersion}, p.ConversationKey)
		clear(p.ConversationKey)
		k = &casework.ChatKey{BrandXUserID: as.XUserID, ConversationID: conv, KeyVersion: p.ConversationKeyVersion,
			BrandKeyVersion: id.KeyVersion, Change: &casework.ChatKeyChange{}}
		for _, pk := range p.ParticipantKeys {
			k.Change.ParticipantKeys = append(k.Change.ParticipantKeys, casework.ChatParticipantKey{
				UserID: pk.UserID, EncryptedKey: pk.EncryptedKey, PublicKeyVersion: pk.PublicKeyVersion})
		}
		for _, s := range p.ActionSignatures {
			// Never SignaturePayload: a key change's embeds the plain key.
			k.Change.ActionSignatures = append(k.Change.ActionSignatures, casework.ChatActionSignature{
				MessageID: s.MessageID, EncodedMessageEventDetail: s.EncodedMessageEventDetail, Signature: s.Signature,
				SignatureVersion: s.SignatureVersion, PublicKeyVersion: s.PublicKeyVersion})
		}
		return nil
	})
	if err != nil {
		return nil, a.engineErr(ctx, as, "prepare a conversation key", err)
	}
	return k, nil
}

// brandPublicKey is the brand identity's public key as registered (SPKI):
// the secret's record of it, else X's record of the identity's version.
func (a *chatAdapter) brandPublicKey(ctx context.Context, as *casework.BrandHandle) (string, error) {
	var pub, version string
	err := a.keys.Use(ctx, as.XUserID, func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error {
		pub, version = id.PublicKey, id.KeyVersion
		return nil
	})
	if err != nil || pub != "" {
		return pub, err
	}
	rows, err := a.x.ChatPublicKeys(ctx, auth(as), as.XUserID)
	if err != nil {
		return "", a.chatErr(ctx, as, err)
	}
	for _, r := range rows {
		if r.Version == version {
			return r.PublicKey, nil
		}
	}
	return "", casework.Errorf(casework.EHandleChatKeysRevoked,
		"X holds no public key of version %s for the brand handle: its X Chat keys were replaced or revoked; provision them again with make x-chat-keys.", version)
}

func (a *chatAdapter) PostKeyChange(ctx context.Context, as *casework.BrandHandle, k *casework.ChatKey) (string, error) {
	if k.Change == nil {
		return "", fmt.Errorf("outbound: conversation key %s of %s is not the brand's own change", k.KeyVersion, k.ConversationID)
	}
	req := xapi.ChatKeysRequest{ConversationKeyVersion: k.KeyVersion}
	for _, p := range k.Change.ParticipantKeys {
		req.ConversationParticipantKeys = append(req.ConversationParticipantKeys, xapi.ChatParticipantKey{
			UserID: p.UserID, EncryptedConversationKey: p.EncryptedKey, PublicKeyVersion: p.PublicKeyVersion})
	}
	for _, s := range k.Change.ActionSignatures {
		req.ActionSignatures = append(req.ActionSignatures, xapi.ChatActionSignatureReq{MessageID: s.MessageID,
			EncodedMessageEventDetail: s.EncodedMessageEventDetail,
			MessageEventSignature:     xapi.ChatMessageEventSigIn{Signature: s.Signature, PublicKeyVersion: s.PublicKeyVersion, SignatureVersion: s.SignatureVersion}})
	}
	res, err := a.x.AddChatConversationKeys(ctx, auth(as), k.ConversationID, req)
	if err != nil {
		return "", a.chatErr(ctx, as, err)
	}
	seq := res.SequenceID
	if seq == "" {
		seq = "accepted" // X answered without one: accepted all the same
	}
	return seq, nil
}

func (a *chatAdapter) Encrypt(ctx context.Context, as *casework.BrandHandle, k *casework.ChatKey, text string) (*casework.ChatPayload, error) {
	var p xchat.SendPayload
	err := a.keys.Use(ctx, as.XUserID, func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error {
		key, err := a.open(ctx, as, id, k)
		if err != nil {
			return err
		}
		p, err = id.Chat.EncryptMessage(ctx, xchat.EncryptParams{ConversationID: k.ConversationID, Text: text,
			ConversationKey: key, ConversationKeyVersion: k.KeyVersion})
		clear(key)
		return err
	})
	if err != nil {
		return nil, a.engineErr(ctx, as, "encrypt", err)
	}
	return &casework.ChatPayload{ConversationID: k.ConversationID, MessageID: p.MessageID, ConversationKeyVersion: p.ConversationKeyVersion,
		EncodedMessageCreateEvent: p.EncryptedContent, EncodedMessageEventSignature: p.EncodedEventSignature}, nil
}

// open returns a copy of the raw conversation key of k: from this
// process's memory, or opened with the brand's identity from the key
// change (the brand's own wrapped copy, or X's key-change event).
func (a *chatAdapter) open(ctx context.Context, as *casework.BrandHandle, id *brandchat.Identity[*xchat.Chat], k *casework.ChatKey) ([]byte, error) {
	rk := rawKey{k.BrandXUserID, k.ConversationID, k.KeyVersion}
	a.mu.Lock()
	key, ok := a.raw[rk]
	a.mu.Unlock()
	if ok {
		return slices.Clone(key), nil
	}
	var err error
	switch {
	case k.Change != nil:
		wrapped := ""
		for _, p := range k.Change.ParticipantKeys {
			if p.UserID == id.XUserID && (p.PublicKeyVersion == "" || p.PublicKeyVersion == id.KeyVersion) {
				wrapped = p.EncryptedKey
			}
		}
		if wrapped == "" {
			return nil, fmt.Errorf("outbound: conversation key %s is not wrapped to the brand's identity %s", k.KeyVersion, id.KeyVersion)
		}
		key, err = id.Chat.DecryptConversationKey(ctx, wrapped)
	case k.KeyChangeEvent != "":
		// X's event: its signature is verified (against both participants'
		// registered signing keys) before its key encrypts anything.
		var signing []xchat.SigningKey
		if signing, err = a.signingKeys(ctx, as, k.ConversationID); err != nil {
			return nil, err
		}
		var res xchat.DecryptEventsResult
		res, err = id.Chat.DecryptEvents(ctx, []string{k.KeyChangeEvent}, signing)
		verified := res.VerifiedConversationKeys()
		key = verified[k.KeyVersion]
		for v, other := range verified {
			if v != k.KeyVersion {
				clear(other)
			}
		}
		if err == nil && len(key) == 0 {
			err = fmt.Errorf("outbound: the key change of %s holds no verified key of version %s for the brand", k.ConversationID, k.KeyVersion)
		}
	default:
		err = fmt.Errorf("outbound: conversation key %s of %s has no key change", k.KeyVersion, k.ConversationID)
	}
	if err != nil {
		return nil, err
	}
	a.keep(rk, key)
	return key, nil
}

// signingKeys are both participants' registered signing keys, as X's
// public-key endpoint answers them (the engine checks each entry's key
// binding when it verifies).
func (a *chatAdapter) signingKeys(ctx context.Context, as *casework.BrandHandle, conversationID string) ([]xchat.SigningKey, error) {
	first, second, ok := strings.Cut(conversationID, "-")
	if !ok {
		return nil, fmt.Errorf("outbound: %s is not a 1:1 conversation", conversationID)
	}
	var out []xchat.SigningKey
	for _, u := range []string{first, second} {
		rows, err := a.x.ChatPublicKeys(ctx, auth(as), u)
		if err != nil {
			return nil, failure(err)
		}
		for _, r := range rows {
			out = append(out, xchat.SigningKey{UserID: u, PublicKeyVersion: r.Version, PublicKey: r.SigningPublicKey,
				IdentityPublicKey: r.PublicKey, IdentityPublicKeySignature: r.IdentityPublicKeySignature})
		}
	}
	return out, nil
}

// keep remembers a copy of a raw conversation key in this process.
func (a *chatAdapter) keep(rk rawKey, key []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.raw == nil {
		a.raw = map[rawKey][]byte{}
	}
	a.raw[rk] = slices.Clone(key)
}

// engineErr reads an error of X's engine or the identity: an application
// error (keys missing) as it is, a broken session by dropping the identity
// (the retry opens a new one), anything else as a fault to retry.
func (a *chatAdapter) engineErr(ctx context.Context, as *casework.BrandHandle, op string, err error) error {
	var appErr *casework.Error
	if errors.As(err, &appErr) {
		return err
	}
	if errors.Is(err, xchat.ErrBroken) || errors.Is(err, xchat.ErrClosed) {
		a.keys.Forget(ctx, as.XUserID)
	}
	a.log.WarnContext(ctx, "X's engine failed", "op", op, "x_user_id", as.XUserID, "err", err)
	return fmt.Errorf("outbound: X Chat %s: %w", op, err)
}

func (a *chatAdapter) Send(ctx context.Context, as *casework.BrandHandle, p *casework.ChatPayload) error {
	_, err := a.x.SendChatMessage(ctx, auth(as), p.ConversationID, xapi.ChatMessageRequest{MessageID: p.MessageID,
		EncodedMessageCreateEvent: p.EncodedMessageCreateEvent, EncodedMessageEventSignature: p.EncodedMessageEventSignature})
	return a.chatErr(ctx, as, err)
}
