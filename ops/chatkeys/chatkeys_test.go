package chatkeys_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/ops/chatkeys"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

const prefix = "test/xchat-keys/"

type fixture struct {
	sim   *xsim.Sim
	x     *xapi.Client
	vault *chatkeys.FileVault
	path  string
	p     chatkeys.Provisioner
	h     *casework.BrandHandle
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sim := xsim.New(xsim.Options{Logger: quiet})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	x, err := xapi.New(xapi.Config{Secrets: secrets.NewCache(sample.Secrets()), AppSecret: sample.AppSecret, BaseURL: srv.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := xchat.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	vault := chatkeys.NewFileVault(path)
	b := sample.Brands[0]
	return &fixture{sim: sim, x: x, vault: vault, path: path, p: chatkeys.Provisioner{X: x, Vault: vault, Prefix: prefix, Engine: eng, Log: quiet},
		h: &casework.BrandHandle{ID: b.HandleID, ScreenName: b.ScreenName, XUserID: b.XUserID, CredentialsSecret: b.Secret, Status: casework.HandleConnected}}
}

func (f *fixture) keys(t *testing.T) secrets.ChatKeys {
	t.Helper()
	raw, err := f.vault.GetSecret(context.Background(), prefix+f.h.XUserID)
	if err != nil {
		t.Fatal(err)
	}
	k, err := secrets.ParseChatKeys(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (f *fixture) onX(t *testing.T) []xapi.ChatPublicKey {
	t.Helper()
	held, err := f.x.ChatPublicKeys(context.Background(), xapi.BrandAuth{XUserID: f.h.XUserID, CredentialsSecret: f.h.CredentialsSecret}, f.h.XUserID)
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// Provisioning generates keys once, registers their public half on X and
// keeps the blob in the secret; running it again keeps them; a rotation
// registers a new version and keeps the old identity as previous.
func TestEnsureKeepsAndRotateKeepsPrevious(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	store := memstore.New()
	if err := store.PutHandle(ctx, f.h); err != nil {
		t.Fatal(err)
	}
	f.p.Handles = store
	out, err := f.p.Ensure(ctx, f.h, false)
	if err != nil || out.Action != chatkeys.Generated || out.KeyVersion == "" {
		t.Fatalf("first: %+v, %v", out, err)
	}
	if h, _ := store.GetHandle(ctx, f.h.ID); h.XChat == nil || h.XChat.Status != casework.ChatReady || h.XChat.KeyVersion != out.KeyVersion {
		t.Errorf("the handle records %+v, want ready with %s", h.XChat, out.KeyVersion)
	}
	k := f.keys(t)
	held := f.onX(t)
	if len(held) != 1 || held[0].Version != k.KeyVersion || held[0].PublicKey != k.PublicKey || k.IdentityPublicKeySignature == "" {
		t.Fatalf("X holds %+v, the secret %v", held, k)
	}
	if info, err := os.Stat(f.path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v %v, want mode 0600", info.Mode(), err)
	}
	again, err := f.p.Ensure(ctx, f.h, false)
	if err != nil || again.Action != chatkeys.Kept || again.KeyVersion != k.KeyVersion || len(f.onX(t)) != 1 {
		t.Fatalf("second: %+v, %v; X holds %d versions", again, err, len(f.onX(t)))
	}
	rot, err := f.p.Rotate(ctx, f.h)
	if err != nil || rot.Action != chatkeys.Rotated || rot.KeyVersion == k.KeyVersion {
		t.Fatalf("rotate: %+v, %v", rot, err)
	}
	r := f.keys(t)
	if len(r.Previous) != 1 || r.Previous[0].KeyVersion != k.KeyVersion || r.Previous[0].PrivateKeys != k.PrivateKeys || r.KeyVersion != rot.KeyVersion {
		t.Errorf("after the rotation the secret holds %v", r)
	}
	if len(f.onX(t)) != 2 {
		t.Errorf("X holds %d versions, want 2", len(f.onX(t)))
	}
	// The private keys are in the secret only: never in what X holds.
	for _, c := range f.sim.Calls() {
		if strings.Contains(string(c.Body), r.PrivateKeys) || strings.Contains(string(c.Body), k.PrivateKeys) {
			t.Errorf("X was sent the private keys: %s %s", c.Method, c.Path)
		}
	}
}

// X holding keys the secret does not (the brand's phone registered them)
// stops provisioning: a new version would cut that device off. The blob
// the brand holds can be imported instead, once X's record is its key; a
// blob X did not register is refused.
func TestExistingIdentityIsImportedNotReplaced(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The brand's phone: its own keys, registered on X.
	phone, err := f.p.Engine.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close(ctx)
	reg, err := phone.GenerateKeypairs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := phone.ExportKeys(ctx)
	v, err := f.x.AddChatPublicKey(ctx, xapi.BrandAuth{XUserID: f.h.XUserID, CredentialsSecret: f.h.CredentialsSecret},
		xapi.ChatKeyRegistration{Version: reg.Version, GenerateVersion: reg.GenerateVersion, PublicKey: xapi.ChatRegisteredKey{
			PublicKey: reg.PublicKey.PublicKey, SigningPublicKey: reg.PublicKey.SigningPublicKey, IdentityPublicKeySignature: reg.PublicKey.IdentityPublicKeySignature}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Ensure(ctx, f.h, false); !errors.Is(err, chatkeys.ErrExistingIdentity) {
		t.Fatalf("Ensure over the phone's keys: %v, want ErrExistingIdentity", err)
	}
	if _, err := f.vault.GetSecret(ctx, prefix+f.h.XUserID); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("a secret was written: %v", err)
	}
	// Another identity's blob is refused.
	other, _ := f.p.Engine.NewChat(ctx)
	defer other.Close(ctx)
	other.GenerateKeypairs(ctx)
	otherBlob, _ := other.ExportKeys(ctx)
	if _, err := f.p.Import(ctx, f.h, otherBlob, v); err == nil {
		t.Fatal("a blob X did not register was imported")
	}
	out, err := f.p.Import(ctx, f.h, blob, v)
	if err != nil || out.Action != chatkeys.Imported || out.KeyVersion != v {
		t.Fatalf("import: %+v, %v", out, err)
	}
	if k := f.keys(t); k.KeyVersion != v || k.PrivateKeys != base64.StdEncoding.EncodeToString(blob) {
		t.Errorf("secret after import %v", k)
	}
	if again, err := f.p.Ensure(ctx, f.h, false); err != nil || again.Action != chatkeys.Kept {
		t.Errorf("Ensure after import: %+v, %v", again, err)
	}
}
