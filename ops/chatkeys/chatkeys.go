// Package chatkeys provisions and rotates the brand handles' X Chat
// identities (make x-chat-keys, and the local run for its sample handles):
// keys made by X's engine, their public half registered on X
// (POST /2/users/{id}/public_keys, signed as the handle), the exported
// private keys and the version X registered them under written to the
// handle's key secret (secrets.ChatKeys). A key blob the brand already
// holds can be imported instead, once X's record shows it is the one
// registered. It is never linked by a function: only the operators' tools
// and the local run write key secrets.
//
// What registering a new key version does (X's pages: xchat-xdk.mdx,
// "the SDK needs the version the X API reports for your registered public
// key, so key-change entries targeting other versions are skipped";
// index.d.ts PublicKeyInput, "the SDK groups by userId and picks the
// latest version per user"): from then on every client that starts or
// rotates a conversation with the brand wraps the key to the newest
// version only, so a device holding only an older identity (the brand's
// phone, whose X app keeps its keys in X's secure key backup) cannot read
// conversations keyed after that. So provisioning never registers a new
// identity over one X already has for the handle unless told to (Rotate,
// or Force): it stops and says to import the existing blob or rotate on
// purpose. A rotation keeps the replaced identities in the secret
// (ChatKeys.Previous) so conversation keys wrapped to them still open,
// and the product's next DM in each conversation makes a new conversation
// key wrapped to the new identity.
package chatkeys

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

// X is X's public-key endpoints, signed as the brand handle
// (*xapi.Client implements it).
type X interface {
	ChatPublicKeys(ctx context.Context, auth xapi.BrandAuth, userID string) ([]xapi.ChatPublicKey, error)
	AddChatPublicKey(ctx context.Context, auth xapi.BrandAuth, reg xapi.ChatKeyRegistration) (string, error)
}

// Vault reads and writes key secrets: Secrets Manager for a deployment,
// a file for the local run. GetSecret answers secrets.ErrNotFound for one
// it does not hold.
type Vault interface {
	GetSecret(ctx context.Context, name string) ([]byte, error)
	PutSecret(ctx context.Context, name string, value []byte) error
}

// Provisioner gives brand handles X Chat identities.
type Provisioner struct {
	X      X
	Vault  Vault
	Prefix string
	// Engine is X's engine (xchat.Load).
	Engine *xchat.Engine
	// Handles, when set, records each handle's X Chat identity state
	// (ready, with its key version), which GET /v1/handles shows.
	Handles casework.HandleStore
	Now     func() time.Time
	Log     *slog.Logger
}

// Action says what provisioning did.
type Action string

// What provisioning did.
const (
	Kept       Action = "kept"       // the secret's keys are the ones X holds
	Registered Action = "registered" // the secret's keys were registered again (X had lost them)
	Generated  Action = "generated"  // new keys, registered, the first of the handle
	Rotated    Action = "rotated"    // new keys replace the secret's, which are kept as previous
	Imported   Action = "imported"   // a key blob the brand held, checked against X's record
)

// Outcome is what provisioning did for a handle.
type Outcome struct {
	Action     Action
	KeyVersion string
	// Fingerprint is the identity key's fingerprint, for checking it out of
	// band against the brand's other devices.
	Fingerprint string
}

// ErrExistingIdentity: X holds X Chat keys for the handle that its secret
// does not: registering new ones would cut the brand's other devices off
// new conversations (see the package documentation).
var ErrExistingIdentity = errors.New("chatkeys: the handle already has X Chat keys on X that its secret does not hold")

func (p *Provisioner) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

func auth(h *casework.BrandHandle) xapi.BrandAuth {
	return xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}
}

// secretName is the handle's key secret.
func (p *Provisioner) secretName(h *casework.BrandHandle) string {
	return secrets.ChatKeysSecretName(p.Prefix, h.XUserID)
}

// current reads the handle's key secret; ok is false when there is none.
func (p *Provisioner) current(ctx context.Context, h *casework.BrandHandle) (secrets.ChatKeys, bool, error) {
	raw, err := p.Vault.GetSecret(ctx, p.secretName(h))
	if errors.Is(err, secrets.ErrNotFound) {
		return secrets.ChatKeys{}, false, nil
	}
	if err != nil {
		return secrets.ChatKeys{}, false, fmt.Errorf("chatkeys: read %s: %w", p.secretName(h), err)
	}
	k, err := secrets.ParseChatKeys(raw)
	if err != nil {
		return secrets.ChatKeys{}, false, fmt.Errorf("chatkeys: %s: %w", p.secretName(h), err)
	}
	if k.XUserID != h.XUserID {
		return secrets.ChatKeys{}, false, fmt.Errorf("chatkeys: %s holds the keys of X account %s, not @%s's (%s)", p.secretName(h), k.XUserID, h.ScreenName, h.XUserID)
	}
	return k, true, nil
}

// Ensure makes sure the handle has an X Chat identity: the secret's keys
// when X holds them (registering them again under their version when X has
// lost them), else new keys, unless X holds keys the secret does not
// (ErrExistingIdentity; force registers new ones all the same).
func (p *Provisioner) Ensure(ctx context.Context, h *casework.BrandHandle, force bool) (Outcome, error) {
	return p.record(ctx, h)(p.ensure(ctx, h, force))
}

func (p *Provisioner) ensure(ctx context.Context, h *casework.BrandHandle, force bool) (Outcome, error) {
	held, err := p.X.ChatPublicKeys(ctx, auth(h), h.XUserID)
	if err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: @%s's public keys on X: %w", h.ScreenName, err)
	}
	k, ok, err := p.current(ctx, h)
	if err != nil {
		return Outcome{}, err
	}
	if ok {
		for _, r := range held {
			if r.Version == k.KeyVersion && (k.PublicKey == "" || r.PublicKey == k.PublicKey) {
				return p.outcome(ctx, Kept, k)
			}
		}
		if k.PublicKey == "" || k.SigningPublicKey == "" || k.IdentityPublicKeySignature == "" {
			return Outcome{}, fmt.Errorf("chatkeys: X does not hold @%s's key version %s and the secret lacks the public keys to register it again; rotate", h.ScreenName, k.KeyVersion)
		}
		v, err := p.X.AddChatPublicKey(ctx, auth(h), xapi.ChatKeyRegistration{Version: k.KeyVersion, PublicKey: xapi.ChatRegisteredKey{
			PublicKey: k.PublicKey, SigningPublicKey: k.SigningPublicKey, IdentityPublicKeySignature: k.IdentityPublicKeySignature}})
		if err != nil {
			return Outcome{}, fmt.Errorf("chatkeys: register @%s's keys again: %w", h.ScreenName, err)
		}
		if v != k.KeyVersion {
			return Outcome{}, fmt.Errorf("chatkeys: X registered @%s's keys again as version %s, not %s", h.ScreenName, v, k.KeyVersion)
		}
		return p.outcome(ctx, Registered, k)
	}
	if len(held) > 0 && !force {
		return Outcome{}, fmt.Errorf("%w (@%s, version %s): import the brand's key blob, or rotate on purpose", ErrExistingIdentity, h.ScreenName, newest(held))
	}
	return p.generate(ctx, h, secrets.ChatKeys{}, Generated)
}

// Rotate gives the handle new keys: registered on X as a new version, the
// secret's identity kept as previous (see the package documentation for
// what a new version does to the brand's other devices).
func (p *Provisioner) Rotate(ctx context.Context, h *casework.BrandHandle) (Outcome, error) {
	return p.record(ctx, h)(p.rotate(ctx, h))
}

func (p *Provisioner) rotate(ctx context.Context, h *casework.BrandHandle) (Outcome, error) {
	k, ok, err := p.current(ctx, h)
	if err != nil {
		return Outcome{}, err
	}
	if !ok {
		return p.generate(ctx, h, secrets.ChatKeys{}, Generated)
	}
	return p.generate(ctx, h, k, Rotated)
}

// generate makes keys, exports them, registers their public half and
// writes the secret (old's identities kept as previous). The blob is
// written only after X registered the keys, and the version is X's.
func (p *Provisioner) generate(ctx context.Context, h *casework.BrandHandle, old secrets.ChatKeys, action Action) (Outcome, error) {
	chat, err := p.Engine.NewChat(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: %w", err)
	}
	defer chat.Close(context.WithoutCancel(ctx))
	reg, err := chat.GenerateKeypairs(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: generate keys: %w", err)
	}
	blob, err := chat.ExportKeys(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: export keys: %w", err)
	}
	defer clear(blob)
	pk := reg.PublicKey
	version, err := p.X.AddChatPublicKey(ctx, auth(h), xapi.ChatKeyRegistration{Version: reg.Version, GenerateVersion: reg.GenerateVersion,
		PublicKey: xapi.ChatRegisteredKey{PublicKey: pk.PublicKey, SigningPublicKey: pk.SigningPublicKey, IdentityPublicKeySignature: pk.IdentityPublicKeySignature,
			PublicKeyFingerprint: pk.PublicKeyFingerprint, RegistrationMethod: pk.RegistrationMethod, SigningPublicKeySignature: pk.SigningPublicKeySignature}})
	if err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: register @%s's keys: %w", h.ScreenName, err)
	}
	k := secrets.ChatKeys{XUserID: h.XUserID, KeyVersion: version, PrivateKeys: base64.StdEncoding.EncodeToString(blob),
		PublicKey: pk.PublicKey, SigningPublicKey: pk.SigningPublicKey, IdentityPublicKeySignature: pk.IdentityPublicKeySignature}
	if old.PrivateKeys != "" {
		k.Previous = append([]secrets.ChatKeyBlob{{KeyVersion: old.KeyVersion, PrivateKeys: old.PrivateKeys}}, old.Previous...)
	}
	if err := p.write(ctx, h, k); err != nil {
		return Outcome{}, err
	}
	p.log().InfoContext(ctx, "X Chat keys provisioned", "handle", h.ScreenName, "x_user_id", h.XUserID, "action", action, "key_version", version)
	return Outcome{Action: action, KeyVersion: version, Fingerprint: pk.PublicKeyFingerprint}, nil
}

// Import keeps a key blob the brand already holds (X's export_keys, base64
// decoded) as the handle's identity, once X's record of version is its
// public key.
func (p *Provisioner) Import(ctx context.Context, h *casework.BrandHandle, blob []byte, version string) (Outcome, error) {
	return p.record(ctx, h)(p.importBlob(ctx, h, blob, version))
}

func (p *Provisioner) importBlob(ctx context.Context, h *casework.BrandHandle, blob []byte, version string) (Outcome, error) {
	held, err := p.X.ChatPublicKeys(ctx, auth(h), h.XUserID)
	if err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: @%s's public keys on X: %w", h.ScreenName, err)
	}
	i := slices.IndexFunc(held, func(r xapi.ChatPublicKey) bool { return r.Version == version })
	if i < 0 {
		return Outcome{}, fmt.Errorf("chatkeys: X holds no key version %s for @%s", version, h.ScreenName)
	}
	chat, err := p.Engine.NewChat(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: %w", err)
	}
	defer chat.Close(context.WithoutCancel(ctx))
	if err := chat.ImportKeys(ctx, blob, version); err != nil {
		return Outcome{}, fmt.Errorf("chatkeys: X's engine refused the key blob: %w", err)
	}
	match, err := chat.MatchesRegisteredKey(ctx, held[i].PublicKey)
	if err != nil || !match {
		return Outcome{}, fmt.Errorf("chatkeys: the key blob is not the identity X registered as version %s for @%s (%v)", version, h.ScreenName, err)
	}
	old, _, err := p.current(ctx, h)
	if err != nil {
		return Outcome{}, err
	}
	k := secrets.ChatKeys{XUserID: h.XUserID, KeyVersion: version, PrivateKeys: base64.StdEncoding.EncodeToString(blob),
		PublicKey: held[i].PublicKey, SigningPublicKey: held[i].SigningPublicKey, IdentityPublicKeySignature: held[i].IdentityPublicKeySignature}
	if old.PrivateKeys != "" && old.KeyVersion != version {
		k.Previous = append([]secrets.ChatKeyBlob{{KeyVersion: old.KeyVersion, PrivateKeys: old.PrivateKeys}}, old.Previous...)
	}
	if err := p.write(ctx, h, k); err != nil {
		return Outcome{}, err
	}
	fp, _ := chat.PublicKeyFingerprint(ctx)
	return Outcome{Action: Imported, KeyVersion: version, Fingerprint: fp}, nil
}

func (p *Provisioner) write(ctx context.Context, h *casework.BrandHandle, k secrets.ChatKeys) error {
	b, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("chatkeys: encode: %w", err)
	}
	defer clear(b)
	if err := p.Vault.PutSecret(ctx, p.secretName(h), b); err != nil {
		return fmt.Errorf("chatkeys: write %s: %w", p.secretName(h), err)
	}
	return nil
}

// outcome describes keys kept as they are.
func (p *Provisioner) outcome(ctx context.Context, a Action, k secrets.ChatKeys) (Outcome, error) {
	return Outcome{Action: a, KeyVersion: k.KeyVersion}, nil
}

// newest is the newest version among X's records.
func newest(held []xapi.ChatPublicKey) string {
	v := ""
	for _, r := range held {
		if casework.CompareDecimal(r.Version, v) > 0 {
			v = r.Version
		}
	}
	return v
}

// record returns what records a successful outcome on the handle (when
// Provisioner.Handles is set) and passes the outcome on.
func (p *Provisioner) record(ctx context.Context, h *casework.BrandHandle) func(Outcome, error) (Outcome, error) {
	return func(out Outcome, err error) (Outcome, error) {
		if err != nil || p.Handles == nil || h.ID == "" {
			return out, err
		}
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		if _, err := casework.SetHandleChatIdentity(ctx, p.Handles, h.ID, casework.ChatIdentity{Status: casework.ChatReady,
			KeyVersion: out.KeyVersion, UpdatedAt: now()}); err != nil {
			return out, fmt.Errorf("chatkeys: record @%s's X Chat identity: %w", h.ScreenName, err)
		}
		return out, nil
	}
}
