package brandchat_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acme/twitter-cases/shared/brandchat"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/secrets"
)

const prefix = "test/xchat-keys/"

// fakeChat records what was imported into it and whether calls overlap.
type fakeChat struct {
	keys, version, userID string
	closed                bool
	refuse                bool
}

func (c *fakeChat) ImportKeys(ctx context.Context, keys []byte, version string) error {
	if c.refuse {
		return errors.New("engine: invalid key blob")
	}
	c.keys, c.version = string(keys), version
	return nil
}

func (c *fakeChat) SetIdentity(ctx context.Context, userID, version string) error {
	c.userID = userID
	return nil
}

func (c *fakeChat) Close(ctx context.Context) error { c.closed = true; return nil }

// counting is a secrets source that counts reads.
type counting struct {
	secrets.Source
	reads atomic.Int32
}

func (c *counting) GetSecret(ctx context.Context, name string) ([]byte, error) {
	c.reads.Add(1)
	return c.Source.GetSecret(ctx, name)
}

type env struct {
	src    *secrets.Static
	reads  *counting
	opened atomic.Int32
	chats  []*fakeChat
	mu     sync.Mutex
	refuse bool
	ring   *brandchat.Keyring[*fakeChat]
}

func newEnv(t *testing.T) *env {
	e := &env{src: secrets.NewStatic(nil)}
	e.reads = &counting{Source: e.src}
	e.ring = brandchat.New(secrets.NewCache(e.reads), prefix, func(ctx context.Context) (*fakeChat, error) {
		e.opened.Add(1)
		e.mu.Lock()
		defer e.mu.Unlock()
		c := &fakeChat{refuse: e.refuse}
		e.chats = append(e.chats, c)
		return c, nil
	}, nil)
	return e
}

func (e *env) setKeys(t *testing.T, k secrets.ChatKeys) {
	t.Helper()
	if err := e.src.SetJSON(prefix+k.XUserID, k); err != nil {
		t.Fatal(err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

var keys100 = secrets.ChatKeys{XUserID: "100", KeyVersion: "2000", PrivateKeys: b64("blob-2000"), PublicKey: "pub",
	Previous: []secrets.ChatKeyBlob{{KeyVersion: "1000", PrivateKeys: b64("blob-1000")}}}

func TestUseLoadsLazilyOnceAndImportsTheRegisteredVersion(t *testing.T) {
	e := newEnv(t)
	e.setKeys(t, keys100)
	if e.reads.reads.Load() != 0 || e.opened.Load() != 0 {
		t.Fatal("New read a secret or opened a session")
	}
	ctx := context.Background()
	for range 3 {
		err := e.ring.Use(ctx, "100", func(ctx context.Context, id *brandchat.Identity[*fakeChat]) error {
			if id.XUserID != "100" || id.KeyVersion != "2000" || id.PublicKey != "pub" {
				t.Errorf("identity %+v", id)
			}
			if id.Chat.keys != "blob-2000" || id.Chat.version != "2000" || id.Chat.userID != "100" {
				t.Errorf("session holds %+v", id.Chat)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if e.reads.reads.Load() != 1 || e.opened.Load() != 1 {
		t.Errorf("reads %d, sessions %d; want 1, 1", e.reads.reads.Load(), e.opened.Load())
	}
	// An older identity kept by a rotation is a session of its own.
	err := e.ring.UseVersion(ctx, "100", "1000", func(ctx context.Context, id *brandchat.Identity[*fakeChat]) error {
		if id.Chat.keys != "blob-1000" || id.KeyVersion != "1000" {
			t.Errorf("old identity %+v / %+v", id, id.Chat)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.ring.UseVersion(ctx, "100", "999", func(context.Context, *brandchat.Identity[*fakeChat]) error { return nil })
	if casework.ErrorCode(err) != casework.EHandleChatKeysMissing {
		t.Errorf("a version not kept: %v", err)
	}
}

func TestUsesOfOneIdentityTakeTurns(t *testing.T) {
	e := newEnv(t)
	e.setKeys(t, keys100)
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := e.ring.Use(context.Background(), "100", func(ctx context.Context, id *brandchat.Identity[*fakeChat]) error {
				n := inside.Add(1)
				defer inside.Add(-1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d callers used the identity at once", most.Load())
	}
	if e.opened.Load() != 1 {
		t.Errorf("%d sessions opened, want 1", e.opened.Load())
	}
}

func TestAWaitingCallerGivesUpWithItsContext(t *testing.T) {
	e := newEnv(t)
	e.setKeys(t, keys100)
	hold := make(chan struct{})
	held := make(chan struct{})
	go e.ring.Use(context.Background(), "100", func(context.Context, *brandchat.Identity[*fakeChat]) error {
		close(held)
		<-hold
		return nil
	})
	<-held
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.ring.Use(ctx, "100", func(context.Context, *brandchat.Identity[*fakeChat]) error { return nil })
	close(hold)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestMissingOrUnusableKeysAreHandleChatKeysMissing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	run := func(xUserID string) error {
		return e.ring.Use(ctx, xUserID, func(context.Context, *brandchat.Identity[*fakeChat]) error {
			t.Error("fn ran without keys")
			return nil
		})
	}
	for _, tt := range []struct {
		name  string
		setup func()
		want  string
	}{
		{"no secret", func() {}, "no secret " + prefix + "100"},
		{"not keys", func() { e.src.Set(prefix+"100", []byte(`{"x_user_id":"100"}`)) }, "need key_version, private_keys"},
		{"another account's", func() {
			other := keys100
			other.XUserID = "999"
			e.src.SetJSON(prefix+"100", other)
		}, "another X account"},
		{"refused by the engine", func() { e.setKeys(t, keys100); e.refuse = true }, "refused"},
	} {
		tt.setup()
		e.ring.Forget(ctx, "100")
		err := run("100")
		if casework.ErrorCode(err) != casework.EHandleChatKeysMissing || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want handle_chat_keys_missing saying %q", tt.name, err, tt.want)
		}
		if strings.Contains(err.Error(), keys100.PrivateKeys) {
			t.Errorf("%s: the error holds the private keys", tt.name)
		}
	}
	// The refused session was closed, never kept.
	for _, c := range e.chats {
		if c.refuse && !c.closed {
			t.Error("a session the engine refused keys in was left open")
		}
	}
	// Keys put in later are found: a failed load is not kept.
	e.refuse = false
	e.ring.Forget(ctx, "100")
	if err := e.ring.Use(ctx, "100", func(context.Context, *brandchat.Identity[*fakeChat]) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestForgetReadsTheRotatedSecretAndClosesTheOldSession(t *testing.T) {
	e := newEnv(t)
	e.setKeys(t, keys100)
	ctx := context.Background()
	var first *fakeChat
	e.ring.Use(ctx, "100", func(ctx context.Context, id *brandchat.Identity[*fakeChat]) error { first = id.Chat; return nil })
	rotated := secrets.ChatKeys{XUserID: "100", KeyVersion: "3000", PrivateKeys: b64("blob-3000"),
		Previous: []secrets.ChatKeyBlob{{KeyVersion: "2000", PrivateKeys: keys100.PrivateKeys}}}
	e.setKeys(t, rotated)
	e.ring.Use(ctx, "100", func(ctx context.Context, id *brandchat.Identity[*fakeChat]) error {
		if id.KeyVersion != "2000" {
			t.Errorf("before Forget the process keeps its identity; got %s", id.KeyVersion)
		}
		return nil
	})
	e.ring.Forget(ctx, "100")
	if !first.closed {
		t.Error("Forget left the old session open")
	}
	e.ring.Use(ctx, "100", func(ctx context.Context, id *brandchat.Identity[*fakeChat]) error {
		if id.KeyVersion != "3000" || id.Chat.keys != "blob-3000" {
			t.Errorf("after Forget: %+v %+v", id, id.Chat)
		}
		return nil
	})
}
