package secrets

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// ChatKeys are a brand handle's X Chat identity as X's engine exports it
// for a server (XCHAT.md: "servers and bots keep the private keys as an
// exported key blob in a secret manager"). The secret, one per brand
// handle and named ChatKeysSecretName(prefix, x user id), holds them as
// JSON:
//
//	{"x_user_id": "...", "key_version": "...", "private_keys": "<base64 export_keys blob>",
//	 "public_key": "<base64 SPKI>", "signing_public_key": "<base64 SPKI>",
//	 "identity_public_key_signature": "<base64>",
//	 "previous": [{"key_version": "...", "private_keys": "..."}]}
//
// key_version is the public_key_version X registered the keys under (the
// engine's import_keys and set_identity need it); the public keys are what
// was registered, kept to check X's record against; previous holds the
// identities a rotation replaced, so conversation keys wrapped to them can
// still be opened. Only the functions that handle DMs read the secret; it
// never reaches the table, a log or an answer.
type ChatKeys struct {
	XUserID          string `json:"x_user_id"`
	KeyVersion       string `json:"key_version"`
	PrivateKeys      string `json:"private_keys"`
	PublicKey        string `json:"public_key,omitempty"`
	SigningPublicKey string `json:"signing_public_key,omitempty"`
	// IdentityPublicKeySignature binds the two public keys (as registered),
	// so the same keys can be registered again where X lost them.
	IdentityPublicKeySignature string        `json:"identity_public_key_signature,omitempty"`
	Previous                   []ChatKeyBlob `json:"previous,omitempty"`
}

// ChatKeyBlob is one earlier identity of a brand handle: its exported
// private keys and the version X registered them under.
type ChatKeyBlob struct {
	KeyVersion  string `json:"key_version"`
	PrivateKeys string `json:"private_keys"`
}

// ChatKeysSecretName is the name of a brand handle's X Chat key secret:
// the deployment's prefix (config.XChatKeyPrefix; the stack's
// XChatKeySecretPrefix) and the handle's X user id. The keys belong to the
// X account, so re-registering a handle finds them again.
func ChatKeysSecretName(prefix, xUserID string) string { return prefix + xUserID }

// ParseChatKeys decodes and checks an X Chat key secret.
func ParseChatKeys(raw []byte) (ChatKeys, error) {
	var k ChatKeys
	if err := json.Unmarshal(raw, &k); err != nil {
		return ChatKeys{}, errors.New("secrets: X Chat keys are not a JSON object")
	}
	var missing []string
	for name, v := range map[string]string{"x_user_id": k.XUserID, "key_version": k.KeyVersion, "private_keys": k.PrivateKeys} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return ChatKeys{}, fmt.Errorf("secrets: X Chat keys need %s", strings.Join(sorted(missing), ", "))
	}
	if _, err := base64.StdEncoding.DecodeString(k.PrivateKeys); err != nil {
		return ChatKeys{}, errors.New("secrets: X Chat keys: private_keys is not base64")
	}
	for _, p := range k.Previous {
		if p.KeyVersion == "" || p.PrivateKeys == "" {
			return ChatKeys{}, errors.New("secrets: X Chat keys: an entry of previous needs key_version and private_keys")
		}
	}
	return k, nil
}

// Blob returns the exported private keys of the key version (the current
// one, or one a rotation kept), decoded; false when the secret holds no
// such version.
func (k ChatKeys) Blob(version string) ([]byte, bool) {
	enc := ""
	if version == "" || version == k.KeyVersion {
		enc = k.PrivateKeys
	}
	for _, p := range k.Previous {
		if enc == "" && p.KeyVersion == version {
			enc = p.PrivateKeys
		}
	}
	if enc == "" {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	return b, err == nil
}

// ChatKeys returns the X Chat keys held in the named secret.
func (c *Cache) ChatKeys(ctx context.Context, name string) (ChatKeys, error) {
	raw, err := c.Get(ctx, name)
	if err != nil {
		return ChatKeys{}, err
	}
	keys, err := ParseChatKeys(raw)
	if err != nil {
		return ChatKeys{}, wrapName(name, err)
	}
	return keys, nil
}

// String keeps the private keys out of logs and error messages.
func (k ChatKeys) String() string {
	return fmt.Sprintf("ChatKeys{XUserID:%s KeyVersion:%s PrivateKeys:%s Previous:%d}", k.XUserID, k.KeyVersion, redact(k.PrivateKeys), len(k.Previous))
}

// GoString is String, so %#v redacts too.
func (k ChatKeys) GoString() string { return k.String() }

// LogValue keeps the private keys out of slog output.
func (k ChatKeys) LogValue() slog.Value { return slog.StringValue(k.String()) }

// String keeps the private keys out of logs.
func (b ChatKeyBlob) String() string {
	return fmt.Sprintf("ChatKeyBlob{KeyVersion:%s PrivateKeys:%s}", b.KeyVersion, redact(b.PrivateKeys))
}

// GoString is String.
func (b ChatKeyBlob) GoString() string { return b.String() }

// LogValue keeps the private keys out of slog output.
func (b ChatKeyBlob) LogValue() slog.Value { return slog.StringValue(b.String()) }

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
