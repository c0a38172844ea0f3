// Package brandchat holds the brand handles' X Chat identities in a
// process. A brand handle's identity is X's exported key blob and the key
// version X registered it under, kept in its own Secrets Manager secret
// (secrets.ChatKeys, named secrets.ChatKeysSecretName(prefix, x user id))
// beside the handle's OAuth credentials; a Keyring reads that secret and
// imports the keys into a session of X's engine only when a DM needs them,
// never when a function starts, keeps the session for the life of the
// process, and lets one caller at a time use it, so a key change and the
// message encrypted under it are prepared by one hand.
//
// The private keys never leave the secret and the engine's memory: not in
// an error, a log line, the table or an answer.
package brandchat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/secrets"
)

// Chat is the engine session an identity lives in: a fresh one holds no
// keys. *xchat.Chat implements it.
type Chat interface {
	// ImportKeys loads an exported key blob registered under version.
	ImportKeys(ctx context.Context, keys []byte, version string) error
	// SetIdentity makes the session sign as the user with that key version.
	SetIdentity(ctx context.Context, userID, signingKeyVersion string) error
	// Close frees the session and clears its keys.
	Close(ctx context.Context) error
}

// Opener opens a fresh engine session (for xchat: xchat.Load, then the
// engine's NewChat).
type Opener[C Chat] func(ctx context.Context) (C, error)

// Identity is a brand handle's X Chat identity loaded in an engine session.
type Identity[C Chat] struct {
	// XUserID is the brand handle's X account; KeyVersion the public-key
	// version its keys are registered under (what it signs with).
	XUserID    string
	KeyVersion string
	// PublicKey and SigningPublicKey are the public keys as registered
	// (base64 SPKI), when the secret records them.
	PublicKey        string
	SigningPublicKey string
	// Chat is the engine session holding the keys.
	Chat C
}

// Keyring loads and keeps the brand identities of a process. It is safe
// for concurrent use; each identity serves one caller at a time.
type Keyring[C Chat] struct {
	secrets *secrets.Cache
	prefix  string
	open    Opener[C]
	log     *slog.Logger

	mu      sync.Mutex
	entries map[slot]*entry[C]
}

// slot names one identity: an X account and a key version ("" for the
// current one).
type slot struct{ xUserID, version string }

// entry is one identity: turn is its one-caller-at-a-time token, id the
// loaded identity (nil until loaded, or after a failed load).
type entry[C Chat] struct {
	turn chan struct{}
	id   *Identity[C]
}

// New returns a keyring reading the secrets named with prefix
// (config.XChatKeyPrefix) through cache, opening engine sessions with
// open. It does no I/O.
func New[C Chat](cache *secrets.Cache, prefix string, open Opener[C], log *slog.Logger) *Keyring[C] {
	if log == nil {
		log = slog.Default()
	}
	return &Keyring[C]{secrets: cache, prefix: prefix, open: open, log: log, entries: map[slot]*entry[C]{}}
}

// SecretName is the name of the X account's key secret.
func (k *Keyring[C]) SecretName(xUserID string) string {
	return secrets.ChatKeysSecretName(k.prefix, xUserID)
}

// Use runs fn with the X account's current identity, loading it first if
// this process has not: reading the secret and importing the keys into a
// new engine session. Callers of one identity take turns; a caller whose
// ctx ends while waiting gets ctx's error. A brand handle without usable
// keys is an EHandleChatKeysMissing error.
func (k *Keyring[C]) Use(ctx context.Context, xUserID string, fn func(ctx context.Context, id *Identity[C]) error) error {
	return k.use(ctx, slot{xUserID, ""}, fn)
}

// UseVersion is Use with an earlier identity of the X account that a
// rotation kept in the secret (to open conversation keys wrapped to it);
// the current version is the current identity.
func (k *Keyring[C]) UseVersion(ctx context.Context, xUserID, keyVersion string, fn func(ctx context.Context, id *Identity[C]) error) error {
	return k.use(ctx, slot{xUserID, keyVersion}, fn)
}

func (k *Keyring[C]) use(ctx context.Context, s slot, fn func(ctx context.Context, id *Identity[C]) error) error {
	if s.xUserID == "" {
		return errors.New("brandchat: no X user id")
	}
	k.mu.Lock()
	e := k.entries[s]
	if e == nil {
		e = &entry[C]{turn: make(chan struct{}, 1)}
		k.entries[s] = e
	}
	k.mu.Unlock()
	select {
	case e.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.turn }()
	if e.id == nil {
		id, err := k.load(ctx, s)
		if err != nil {
			return err
		}
		e.id = id
	}
	return fn(ctx, e.id)
}

// load reads the secret and imports the keys of the slot's version into a
// new session.
func (k *Keyring[C]) load(ctx context.Context, s slot) (*Identity[C], error) {
	name := k.SecretName(s.xUserID)
	keys, err := k.secrets.ChatKeys(ctx, name)
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		return nil, casework.Errorf(casework.EHandleChatKeysMissing,
			"The brand handle has no X Chat keys (no secret %s): provision them with make x-chat-keys.", name)
	case err != nil && ctx.Err() != nil:
		return nil, err
	case err != nil:
		k.log.WarnContext(ctx, "X Chat keys unreadable", "x_user_id", s.xUserID, "secret", name, "err", err)
		return nil, casework.Errorf(casework.EHandleChatKeysMissing, "The brand handle's X Chat keys cannot be used: %s.", err)
	}
	if keys.XUserID != s.xUserID {
		return nil, casework.Errorf(casework.EHandleChatKeysMissing,
			"The secret %s holds the X Chat keys of another X account (%s).", name, keys.XUserID)
	}
	version := s.version
	if version == "" {
		version = keys.KeyVersion
	}
	blob, ok := keys.Blob(version)
	if !ok {
		return nil, casework.Errorf(casework.EHandleChatKeysMissing,
			"The brand handle's X Chat keys of version %s are not kept any more.", version)
	}
	chat, err := k.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("brandchat: open an engine session: %w", err)
	}
	if err = chat.ImportKeys(ctx, blob, version); err == nil {
		err = chat.SetIdentity(ctx, s.xUserID, version)
	}
	clear(blob)
	if err != nil {
		_ = chat.Close(context.WithoutCancel(ctx))
		k.log.WarnContext(ctx, "X's engine refused the brand's X Chat keys", "x_user_id", s.xUserID, "key_version", version, "err", err)
		return nil, casework.Errorf(casework.EHandleChatKeysMissing, "X's engine refused the brand handle's X Chat keys (version %s).", version)
	}
	k.log.InfoContext(ctx, "X Chat identity loaded", "x_user_id", s.xUserID, "key_version", version)
	id := &Identity[C]{XUserID: s.xUserID, KeyVersion: version, Chat: chat}
	if version == keys.KeyVersion {
		id.PublicKey, id.SigningPublicKey = keys.PublicKey, keys.SigningPublicKey
	}
	return id, nil
}

// Forget drops the X account's identities from this process (closing
// their sessions) and its secret from the cache, so the next use reads
// the secret again: after a rotation, or when X refused the keys.
func (k *Keyring[C]) Forget(ctx context.Context, xUserID string) {
	k.mu.Lock()
	var drop []*entry[C]
	for s, e := range k.entries {
		if s.xUserID == xUserID {
			drop = append(drop, e)
			delete(k.entries, s)
		}
	}
	k.mu.Unlock()
	k.secrets.Invalidate(k.SecretName(xUserID))
	for _, e := range drop {
		// Wait for the current user of the identity to finish with it.
		select {
		case e.turn <- struct{}{}:
			if e.id != nil {
				_ = e.id.Chat.Close(context.WithoutCancel(ctx))
				e.id = nil
			}
			<-e.turn
		case <-ctx.Done():
		}
	}
}
