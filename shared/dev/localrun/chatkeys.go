package localrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"

	"github.com/acme/twitter-cases/ops/chatkeys"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

// ChatKeysFile is the file in Options.DataDir where the local run keeps
// the brand handles' X Chat key secrets (the local run has no Secrets
// Manager), so their identities survive a restart as X's record of them
// does in the simulator's state.
const ChatKeysFile = "xchat-keys.json"

// DefaultChatKeyPrefix names the local run's X Chat key secrets.
const DefaultChatKeyPrefix = "local/xchat-keys/"

// chatVault is where the run keeps X Chat key secrets.
type chatVault interface {
	chatkeys.Vault
	secrets.Source
}

// newChatVault is the file under dataDir, or memory when there is none.
func newChatVault(dataDir string) chatVault {
	if dataDir == "" {
		return &memVault{s: secrets.NewStatic(nil)}
	}
	return chatkeys.NewFileVault(filepath.Join(dataDir, ChatKeysFile))
}

// TokensFile is the file in Options.DataDir where the local run keeps the
// OAuth 2.0 tokens of brand handles connected with X (its Secrets
// Manager's), so a connection survives a restart as the simulator's grant
// does.
const TokensFile = "x-oauth2-tokens.json"

// TokenSecretPrefix names the local run's OAuth 2.0 token secrets.
const TokenSecretPrefix = "local/x-oauth2/"

// tokenVault is where the run keeps OAuth 2.0 token secrets.
type tokenVault interface {
	secrets.Writer
	secrets.Source
}

// newTokenVault is the file under dataDir, or memory when there is none.
func newTokenVault(dataDir string) tokenVault {
	if dataDir == "" {
		return secrets.NewStatic(nil)
	}
	return chatkeys.NewFileVault(filepath.Join(dataDir, TokensFile))
}

// memVault is a vault in memory.
type memVault struct {
	mu sync.Mutex
	s  *secrets.Static
}

func (m *memVault) GetSecret(ctx context.Context, name string) ([]byte, error) {
	return m.s.GetSecret(ctx, name)
}

func (m *memVault) PutSecret(ctx context.Context, name string, value []byte) error {
	m.s.Set(name, value)
	return nil
}

// layered reads X Chat key secrets (names under prefix) from the vault and
// every other secret from base.
type layered struct {
	base   secrets.Source
	vault  secrets.Source
	prefix string
}

func (l layered) GetSecret(ctx context.Context, name string) ([]byte, error) {
	if strings.HasPrefix(name, l.prefix) {
		return l.vault.GetSecret(ctx, name)
	}
	return l.base.GetSecret(ctx, name)
}

// provisionChatKeys gives every connected brand handle an X Chat identity
// as make x-chat-keys does (registering a handle in the local run
// provisions its keys): the run's kept keys when X (the simulator) holds
// them, else new ones registered on X. A handle that X holds other keys
// for is left alone and logged: registering new keys over them would cut
// the brand's other devices off.
func provisionChatKeys(ctx context.Context, store casework.HandleStore, x *xapi.Client, vault chatkeys.Vault, prefix string, log *slog.Logger) error {
	handles, err := store.ListHandles(ctx)
	if err != nil {
		return fmt.Errorf("localrun: brand handles: %w", err)
	}
	var engine *xchat.Engine
	for _, h := range handles {
		if h.Status != casework.HandleConnected {
			continue
		}
		if engine == nil {
			if engine, err = xchat.Load(ctx); err != nil {
				return fmt.Errorf("localrun: X's chat engine: %w", err)
			}
		}
		p := chatkeys.Provisioner{X: x, Vault: vault, Prefix: prefix, Engine: engine, Handles: store, Log: log}
		out, err := p.Ensure(ctx, &h, false)
		if errors.Is(err, chatkeys.ErrExistingIdentity) {
			log.Warn("brand handle's X Chat keys not provisioned", "handle", h.ScreenName, "err", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("localrun: X Chat keys of @%s: %w", h.ScreenName, err)
		}
		log.Info("brand handle's X Chat keys", "handle", h.ScreenName, "action", out.Action, "key_version", out.KeyVersion)
	}
	return nil
}
