// Package chatread opens X Chat events as brand handles: it implements
// casework.ChatReader with X's engine (shared/xchat), the brand identities
// (shared/brandchat), the conversation-key store (casework.ChatKeyStore:
// key changes, never raw keys) and X's public-key and conversation-event
// endpoints. It decides nothing; the rules are casework's.
//
// Opening an event, as X's pages say (xchat/real-time-events.mdx,
// getting-started.mdx, troubleshooting.mdx):
//   - The signing keys of both participants come from X's public-key
//     endpoint (GET /2/users/{id}/public_keys, as the brand handle), each
//     record's key binding verified with the engine (a record that fails
//     it is dropped and logged as a security event); they are kept in the
//     process for SigningKeyTTL, and fetched again at once when a signature
//     does not verify (the sender may have registered a new key version).
//   - A key change delivered with the event (or the event itself, when it
//     is one) is verified first (DecryptEvents, which refuses a key change
//     whose signature fails) and kept in the conversation-key store if its
//     version is new there.
//   - The conversation's keys are unwrapped from the kept key changes with
//     the brand identity (raw keys live in memory for the one call only),
//     and the event is decrypted and its signature verified (the engine's
//     default, never turned off).
//   - A key the store does not have is asked of X once per event: the
//     conversation's latest events page (GET
//     /2/chat/conversations/{id}/events) carries meta.conversation_key_events
//     (X's FETCH_CONV_IF_MISSING_CKEY instruction to clients says the
//     same); the key changes found there are verified and kept like a
//     delivered one. Still missing: casework.ErrChatKeyMissing.
//   - A signature that fails after the fresh keys, or an event the engine
//     cannot read at all, is casework.ErrChatUnverified: such an event
//     never verifies (X: "treat these events as tombstones").
package chatread

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/acme/twitter-cases/shared/brandchat"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

// SigningKeyTTL is how long a user's signing keys, read from X, are used
// before they are read again. A signature that does not verify reads them
// again at once, so a rotation costs one failed verification, not an hour.
const SigningKeyTTL = time.Hour

// X is what opening events asks of X's client, as a brand handle.
type X interface {
	// ChatPublicKeys lists a user's registered X Chat public keys.
	ChatPublicKeys(ctx context.Context, auth xapi.BrandAuth, userID string) ([]xapi.ChatPublicKey, error)
	// ChatConversationEvents reads a page of a conversation's events, with
	// the key changes they need.
	ChatConversationEvents(ctx context.Context, auth xapi.BrandAuth, conversationID string, maxResults int, token string) (xapi.ChatEventsPage, error)
}

// Identities runs fn with a brand handle's X Chat identity loaded in an
// engine session (*brandchat.Keyring implements it).
type Identities interface {
	Use(ctx context.Context, xUserID string, fn func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error) error
}

// NewKeyring returns the brand identities read from the secrets named with
// prefix (config.XChatKeyPrefix), each loaded into a session of X's engine
// by the first event that needs it (the engine is compiled then, not when
// the function starts).
func NewKeyring(cache *secrets.Cache, prefix string, log *slog.Logger) *brandchat.Keyring[*xchat.Chat] {
	return brandchat.New(cache, prefix, func(ctx context.Context) (*xchat.Chat, error) {
		eng, err := xchat.Load(ctx)
		if err != nil {
			return nil, err
		}
		return eng.NewChat(ctx)
	}, log)
}

// Reader opens X Chat events; it is safe for concurrent use.
type Reader struct {
	ids  Identities
	keys casework.ChatKeyStore
	x    X
	now  func() time.Time
	log  *slog.Logger

	mu      sync.Mutex
	signing map[string]signingEntry // by user id
}

type signingEntry struct {
	keys    []xchat.SigningKey
	fetched time.Time
}

var _ casework.ChatReader = (*Reader)(nil)

// New returns a Reader; now and log may be nil. It does no I/O.
func New(ids Identities, keys casework.ChatKeyStore, x X, now func() time.Time, log *slog.Logger) *Reader {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Reader{ids: ids, keys: keys, x: x, now: now, log: log, signing: map[string]signingEntry{}}
}

// Open applies the event's key change and decrypts and verifies the event
// as the brand handle (see the package documentation).
func (r *Reader) Open(ctx context.Context, as *casework.BrandHandle, ev *casework.ChatEvent) (*casework.OpenedChat, error) {
	var out *casework.OpenedChat
	err := r.ids.Use(ctx, as.XUserID, func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error {
		var err error
		out, err = r.open(ctx, as, id.Chat, ev)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("chatread: %s: %w", ev.ConversationID, err)
	}
	return out, nil
}

func (r *Reader) open(ctx context.Context, as *casework.BrandHandle, chat *xchat.Chat, ev *casework.ChatEvent) (*casework.OpenedChat, error) {
	conv := casework.CanonicalChatConversationID(ev.ConversationID)
	a, b, ok := ev.Participants()
	if !ok {
		return nil, fmt.Errorf("%w: not a 1:1 conversation", casework.ErrChatUnverified)
	}
	auth := xapi.BrandAuth{XUserID: as.XUserID, CredentialsSecret: as.CredentialsSecret}
	signing, err := r.signingKeys(ctx, auth, chat, false, a, b)
	if err != nil {
		return nil, err
	}
	out := &casework.OpenedChat{}
	var changes []string
	if ev.KeyChangeEvent != "" {
		changes = append(changes, ev.KeyChangeEvent)
	}
	if ev.Kind == casework.ChatKindKeyChange {
		changes = append(changes, ev.EncodedEvent)
	}
	if len(changes) > 0 {
		added, err := r.keepKeyChanges(ctx, as, chat, conv, changes, signing)
		if errors.Is(err, xchat.ErrUnverified) {
			// The sender may have rotated its keys: read them again, once.
			if signing, err = r.signingKeys(ctx, auth, chat, true, a, b); err != nil {
				return nil, err
			}
			added, err = r.keepKeyChanges(ctx, as, chat, conv, changes, signing)
		}
		if err != nil {
			return nil, classify(err)
		}
		out.KeysChanged = added > 0
	}
	if ev.Kind != casework.ChatKindMessage {
		return out, nil
	}
	keys, err := r.conversationKeys(ctx, as, chat, conv)
	if err != nil {
		return nil, err
	}
	dec, err := chat.DecryptEvent(ctx, ev.EncodedEvent, keys, signing)
	if errors.Is(err, xchat.ErrNoConversationKey) {
		added, ferr := r.fetchKeyChanges(ctx, as, auth, chat, conv, signing)
		if ferr != nil {
			return nil, ferr
		}
		if added > 0 {
			out.KeysChanged = true
			if keys, err = r.conversationKeys(ctx, as, chat, conv); err != nil {
				return nil, err
			}
			dec, err = chat.DecryptEvent(ctx, ev.EncodedEvent, keys, signing)
		}
	}
	if errors.Is(err, xchat.ErrUnverified) {
		if signing, err = r.signingKeys(ctx, auth, chat, true, a, b); err != nil {
			return nil, err
		}
		dec, err = chat.DecryptEvent(ctx, ev.EncodedEvent, keys, signing)
	}
	if err != nil {
		return nil, classify(err)
	}
	if !dec.Verified {
		return nil, fmt.Errorf("%w: the engine returned it unverified", casework.ErrChatUnverified)
	}
	out.MessageID, out.SenderID = dec.ID, dec.SenderID
	if dec.Content != nil {
		out.Text = dec.Content.Text
		if out.Text == "" {
			out.Text = dec.Content.NewText
		}
	}
	return out, nil
}

// classify reads the engine's failures as the rules' kinds: a missing key
// waits, a signature that fails or an event the engine cannot read is
// refused; anything else (the host, X, the store) is worth a retry.
func classify(err error) error {
	switch {
	case errors.Is(err, xchat.ErrNoConversationKey):
		return fmt.Errorf("%w: %v", casework.ErrChatKeyMissing, err)
	case errors.Is(err, xchat.ErrUnverified), errors.Is(err, xchat.ErrMalformed):
		return fmt.Errorf("%w: %v", casework.ErrChatUnverified, err)
	}
	return err
}

// signingKeys returns the participants' signing keys, from the process's
// cache unless fresh (or expired), else from X; records whose key binding
// fails are dropped and logged as a security event.
func (r *Reader) signingKeys(ctx context.Context, auth xapi.BrandAuth, chat *xchat.Chat, fresh bool, users ...string) ([]xchat.SigningKey, error) {
	var out []xchat.SigningKey
	for _, u := range users {
		r.mu.Lock()
		e, ok := r.signing[u]
		r.mu.Unlock()
		if ok && !fresh && r.now().Sub(e.fetched) < SigningKeyTTL {
			out = append(out, e.keys...)
			continue
		}
		recs, err := r.x.ChatPublicKeys(ctx, auth, u)
		if err != nil {
			return nil, fmt.Errorf("public keys of %s: %w", u, err)
		}
		var keys []xchat.SigningKey
		for _, rec := range recs {
			ok, err := chat.VerifyKeyBinding(ctx, rec.PublicKey, rec.SigningPublicKey, rec.IdentityPublicKeySignature)
			if err != nil && errors.Is(err, xchat.ErrBroken) {
				return nil, err
			}
			if !ok || err != nil {
				r.log.WarnContext(ctx, "security: an X Chat public key record fails its key binding; not used", "security_event", "x_chat_key_binding",
					"x_user_id", u, "public_key_version", rec.Version, "err", err)
				continue
			}
			keys = append(keys, xchat.SigningKey{UserID: u, PublicKeyVersion: rec.Version, PublicKey: rec.SigningPublicKey,
				IdentityPublicKey: rec.PublicKey, IdentityPublicKeySignature: rec.IdentityPublicKeySignature})
		}
		r.mu.Lock()
		r.signing[u] = signingEntry{keys: keys, fetched: r.now()}
		r.mu.Unlock()
		out = append(out, keys...)
	}
	return out, nil
}

// keepKeyChanges verifies key-change events (their signatures, with the
// participants' signing keys) and keeps each whose version the store does
// not have; it returns how many it kept. A change whose key is not wrapped
// to this identity is skipped; one that fails its signature is an error
// of kind xchat.ErrUnverified.
func (r *Reader) keepKeyChanges(ctx context.Context, as *casework.BrandHandle, chat *xchat.Chat, conv string, changes []string, signing []xchat.SigningKey) (int, error) {
	stored, err := r.keys.ChatKeys(ctx, as.XUserID, conv)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, k := range stored {
		if k.KeyChangeEvent != "" {
			have[k.KeyChangeEvent] = true
		}
	}
	added := 0
	for _, change := range changes {
		if have[change] {
			continue
		}
		res, err := chat.DecryptEvents(ctx, []string{change}, signing)
		if err != nil {
			return added, err
		}
		if ferr := res.Failures()[0]; ferr != nil {
			if errors.Is(ferr, xchat.ErrUnverified) {
				return added, ferr
			}
			r.log.InfoContext(ctx, "X Chat key change not usable by the brand identity; skipped", "handle", as.ID,
				"conversation_id", conv, "err", ferr)
			continue
		}
		version := res.ConversationKeys.LatestVersion
		if version == "" {
			continue // no key for this identity in it
		}
		now := r.now()
		k := &casework.ChatKey{BrandXUserID: as.XUserID, ConversationID: conv, KeyVersion: version, KeyChangeEvent: change,
			CreatedAt: now, UpdatedAt: now}
		// The participants' wrapped keys and their key versions, so that a
		// reply after a participant registered new keys makes a new
		// conversation key rather than one they cannot open.
		for _, m := range res.Messages {
			if m.Event.Type == "keyChange" && m.Event.KeyVersion == version && len(m.Event.ParticipantKeys) > 0 {
				k.Change = &casework.ChatKeyChange{}
				for _, p := range m.Event.ParticipantKeys {
					k.Change.ParticipantKeys = append(k.Change.ParticipantKeys, casework.ChatParticipantKey{UserID: p.UserID,
						EncryptedKey: p.EncryptedKey, PublicKeyVersion: p.PublicKeyVersion})
				}
			}
		}
		for _, s := range stored {
			if s.KeyVersion == version {
				k = &s // the brand's own change, now with X's event
				k.KeyChangeEvent, k.UpdatedAt = change, now
			}
		}
		isNew := k.Version == 0
		if err := r.keys.PutChatKey(ctx, k); err != nil && casework.ErrorCode(err) != casework.EConflict {
			return added, err
		}
		have[change] = true
		if isNew {
			added++
		}
	}
	return added, nil
}

// conversationKeys unwraps every kept key of the conversation with the
// brand identity: X's key-change events, and the brand's own prepared
// changes not yet delivered back. The raw keys are for this call only.
func (r *Reader) conversationKeys(ctx context.Context, as *casework.BrandHandle, chat *xchat.Chat, conv string) (xchat.ConversationKeys, error) {
	stored, err := r.keys.ChatKeys(ctx, as.XUserID, conv)
	if err != nil {
		return nil, err
	}
	keys := xchat.ConversationKeys{}
	for _, k := range stored {
		if k.KeyChangeEvent != "" {
			got, err := chat.ExtractConversationKeys(ctx, []string{k.KeyChangeEvent})
			if err == nil {
				for v, key := range got.Keys {
					keys[v] = key
				}
				continue
			}
			if errors.Is(err, xchat.ErrBroken) {
				return nil, err
			}
		}
		if k.Change != nil {
			for _, p := range k.Change.ParticipantKeys {
				if p.UserID != as.XUserID {
					continue
				}
				key, err := chat.DecryptConversationKey(ctx, p.EncryptedKey)
				if errors.Is(err, xchat.ErrBroken) {
					return nil, err
				}
				if err == nil {
					keys[k.KeyVersion] = key
				}
			}
		}
	}
	return keys, nil
}

// fetchKeyChanges asks X for the conversation's latest events page and
// keeps the key changes it carries; it returns how many were new.
func (r *Reader) fetchKeyChanges(ctx context.Context, as *casework.BrandHandle, auth xapi.BrandAuth, chat *xchat.Chat, conv string, signing []xchat.SigningKey) (int, error) {
	page, err := r.x.ChatConversationEvents(ctx, auth, conv, 100, "")
	if xapi.IsNotFound(err) {
		return 0, nil // X lists no such conversation (yet): nothing to add
	}
	if err != nil {
		return 0, fmt.Errorf("events of %s: %w", conv, err)
	}
	if len(page.KeyEvents) == 0 {
		return 0, nil
	}
	added, err := r.keepKeyChanges(ctx, as, chat, conv, page.KeyEvents, signing)
	if errors.Is(err, xchat.ErrUnverified) {
		// A key change X lists that does not verify is never used; the
		// event keeps waiting for one that does.
		r.log.WarnContext(ctx, "security: an X Chat key change listed by X does not verify; not used", "security_event", "x_chat_unverified",
			"handle", as.ID, "conversation_id", conv, "err", err)
		return added, nil
	}
	return added, err
}
