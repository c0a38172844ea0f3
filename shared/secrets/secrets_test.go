package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// The test source's secrets: an X app's and one brand handle's.
const (
	appSecret   = "test/x/app"
	brandSecret = "test/x/brand"
)

var (
	testApp   = AppCredentials{ConsumerKey: "test-consumer-key", ConsumerSecret: "test-consumer-secret"}
	testBrand = UserCredentials{AccessToken: "1-test-token", AccessTokenSecret: "test-token-secret"}
)

// testSource returns a fresh source holding testApp and testBrand.
func testSource() *Static {
	s := NewStatic(nil)
	if err := s.SetJSON(appSecret, testApp); err != nil {
		panic(err)
	}
	if err := s.SetJSON(brandSecret, testBrand); err != nil {
		panic(err)
	}
	return s
}

// countingSource counts reads per name and can block them until released.
type countingSource struct {
	src   Source
	mu    sync.Mutex
	reads map[string]int
	gate  chan struct{} // when not nil, every read waits for it to close
}

func newCounting(src Source) *countingSource {
	return &countingSource{src: src, reads: map[string]int{}}
}

func (c *countingSource) GetSecret(ctx context.Context, name string) ([]byte, error) {
	c.mu.Lock()
	c.reads[name]++
	gate := c.gate
	c.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.src.GetSecret(ctx, name)
}

func (c *countingSource) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads[name]
}

func TestCacheFetchesOnFirstUseAndKeeps(t *testing.T) {
	src := newCounting(testSource())
	c := NewCache(src)
	if n := src.count(appSecret); n != 0 {
		t.Fatalf("NewCache read %d secrets, want none before first use", n)
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		app, err := c.App(ctx, appSecret)
		if err != nil {
			t.Fatal(err)
		}
		if app.ConsumerKey != testApp.ConsumerKey || app.ConsumerSecret != testApp.ConsumerSecret {
			t.Fatalf("app = %+v", app)
		}
	}
	if n := src.count(appSecret); n != 1 {
		t.Errorf("reads = %d, want 1", n)
	}
	user, err := c.User(ctx, brandSecret)
	if err != nil {
		t.Fatal(err)
	}
	if user != testBrand {
		t.Errorf("user = %+v", user)
	}
}

func TestCacheInvalidateRereadsOnce(t *testing.T) {
	static := testSource()
	src := newCounting(static)
	c := NewCache(src)
	ctx := context.Background()
	name := brandSecret
	if _, err := c.User(ctx, name); err != nil {
		t.Fatal(err)
	}
	// Rotate the secret: the cache keeps the old value until invalidated.
	rotated := UserCredentials{AccessToken: "new-token", AccessTokenSecret: "new-secret"}
	if err := static.SetJSON(name, rotated); err != nil {
		t.Fatal(err)
	}
	if u, _ := c.User(ctx, name); u.AccessToken == rotated.AccessToken {
		t.Fatal("the cache re-read a secret nobody invalidated")
	}
	c.Invalidate(name)
	for i := 0; i < 3; i++ {
		u, err := c.User(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if u != rotated {
			t.Fatalf("after Invalidate: %+v", u)
		}
	}
	if n := src.count(name); n != 2 {
		t.Errorf("reads = %d, want 2 (first use, then one after Invalidate)", n)
	}
}

func TestCacheConcurrentFirstUseSharesOneFetch(t *testing.T) {
	src := newCounting(testSource())
	src.gate = make(chan struct{})
	c := NewCache(src)
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.App(context.Background(), appSecret); err != nil {
				failures.Add(1)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // let them pile up behind the first fetch
	close(src.gate)
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d Gets failed", failures.Load())
	}
	if n := src.count(appSecret); n != 1 {
		t.Errorf("reads = %d, want 1", n)
	}
}

func TestCacheDoesNotKeepFailures(t *testing.T) {
	static := NewStatic(nil)
	src := newCounting(static)
	c := NewCache(src)
	ctx := context.Background()
	_, err := c.Get(ctx, "missing")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	static.Set("missing", []byte(`{"access_token":"a","access_token_secret":"b"}`))
	if _, err := c.User(ctx, "missing"); err != nil {
		t.Fatalf("after the secret appeared: %v", err)
	}
	if n := src.count("missing"); n != 2 {
		t.Errorf("reads = %d, want 2", n)
	}
}

func TestCacheWaiterHonoursItsContext(t *testing.T) {
	src := newCounting(testSource())
	src.gate = make(chan struct{})
	defer close(src.gate)
	c := NewCache(src)
	go func() { _, _ = c.Get(context.Background(), appSecret) }()
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, appSecret); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the waiter's deadline", err)
	}
}

func TestCacheReturnsCopies(t *testing.T) {
	c := NewCache(NewStatic(map[string][]byte{"s": []byte("value")}))
	v, _ := c.Get(context.Background(), "s")
	v[0] = 'X'
	if w, _ := c.Get(context.Background(), "s"); string(w) != "value" {
		t.Errorf("a caller changed the cached value: %q", w)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		app     bool
		wantErr bool
	}{
		{"app", `{"consumer_key":"k","consumer_secret":"s"}`, true, false},
		{"app missing secret", `{"consumer_key":"k"}`, true, true},
		{"app not json", `consumer_key=k`, true, true},
		{"user", `{"access_token":"t","access_token_secret":"s"}`, false, false},
		{"user missing token", `{"access_token_secret":"s"}`, false, true},
		{"user array", `[]`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.app {
				_, err = ParseApp([]byte(tt.raw))
			} else {
				_, err = ParseUser([]byte(tt.raw))
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
		})
	}
	// A bad secret's error names the secret but never shows its value.
	c := NewCache(NewStatic(map[string][]byte{"bad": []byte(`{"access_token":"sekrit-token"}`)}))
	_, err := c.User(context.Background(), "bad")
	if err == nil || !strings.Contains(err.Error(), "bad") || strings.Contains(err.Error(), "sekrit") {
		t.Errorf("err = %v", err)
	}
}

func TestCredentialsDoNotPrintTheirValues(t *testing.T) {
	u := UserCredentials{AccessToken: "tok-123", AccessTokenSecret: "sec-456"}
	a := AppCredentials{ConsumerKey: "key-789", ConsumerSecret: "csec-000"}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("creds", "user", u, "app", a)
	for _, s := range []string{fmt.Sprint(u), fmt.Sprintf("%+v", u), fmt.Sprintf("%#v", u), fmt.Sprint(a), fmt.Sprintf("%#v", a), logs.String()} {
		for _, secret := range []string{"tok-123", "sec-456", "key-789", "csec-000"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %q", s, secret)
			}
		}
	}
}

type fakeSM struct {
	out *secretsmanager.GetSecretValueOutput
	err error
	got string
}

func (f *fakeSM) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.got = aws.ToString(in.SecretId)
	return f.out, f.err
}

func TestSecretsManager(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fake    *fakeSM
		want    string
		wantErr error
	}{
		{"string", &fakeSM{out: &secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"a":1}`)}}, `{"a":1}`, nil},
		{"binary", &fakeSM{out: &secretsmanager.GetSecretValueOutput{SecretBinary: []byte("bin")}}, "bin", nil},
		{"not found", &fakeSM{err: &types.ResourceNotFoundException{Message: aws.String("nope")}}, "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewSecretsManager(tt.fake).GetSecret(ctx, "prod/x/app")
			if tt.fake.got != "prod/x/app" {
				t.Errorf("asked for %q", tt.fake.got)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(v) != tt.want {
				t.Errorf("GetSecret = %q, %v", v, err)
			}
		})
	}
	if _, err := NewSecretsManager(&fakeSM{out: &secretsmanager.GetSecretValueOutput{}}).GetSecret(ctx, "empty"); err == nil {
		t.Error("a secret without a value gave no error")
	}
}

func TestConsumerSecret(t *testing.T) {
	src := NewStatic(nil)
	if err := src.SetJSON("stage/x-app", AppCredentials{ConsumerKey: "ck", ConsumerSecret: "from-secret"}); err != nil {
		t.Fatal(err)
	}
	cache := NewCache(src)
	tests := []struct {
		name, appSecret, fallback, want, wantErr string
	}{
		{name: "the app's secret when one is named", appSecret: "stage/x-app", fallback: "from-env", want: "from-secret"},
		{name: "the fallback when none is", fallback: "from-env", want: "from-env"},
		{name: "empty when neither is", want: ""},
		{name: "a named secret that is missing is an error", appSecret: "stage/nope", fallback: "from-env", wantErr: "X app secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConsumerSecret(cache, tt.appSecret, tt.fallback)(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("= %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
