package secrets

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const chatSecret = "test/xchat-keys/100"

var testChatKeys = ChatKeys{
	XUserID: "100", KeyVersion: "1765000000000",
	PrivateKeys:      base64.StdEncoding.EncodeToString([]byte("the-private-key-blob")),
	PublicKey:        "cHVibGlj",
	SigningPublicKey: "c2lnbmluZw==",
	Previous:         []ChatKeyBlob{{KeyVersion: "1760000000000", PrivateKeys: base64.StdEncoding.EncodeToString([]byte("older-blob"))}},
}

func TestChatKeysRoundTripAndBlobs(t *testing.T) {
	src := NewStatic(nil)
	if err := src.SetJSON(chatSecret, testChatKeys); err != nil {
		t.Fatal(err)
	}
	c := NewCache(src)
	k, err := c.ChatKeys(context.Background(), ChatKeysSecretName("test/xchat-keys/", "100"))
	if err != nil {
		t.Fatal(err)
	}
	if k.XUserID != "100" || k.KeyVersion != testChatKeys.KeyVersion || len(k.Previous) != 1 {
		t.Fatalf("keys = %v", k)
	}
	for _, tt := range []struct {
		version string
		want    string
		ok      bool
	}{
		{"", "the-private-key-blob", true},
		{"1765000000000", "the-private-key-blob", true},
		{"1760000000000", "older-blob", true},
		{"1", "", false},
	} {
		b, ok := k.Blob(tt.version)
		if ok != tt.ok || string(b) != tt.want {
			t.Errorf("Blob(%q) = %q, %v; want %q, %v", tt.version, b, ok, tt.want, tt.ok)
		}
	}
}

func TestParseChatKeysRefusesIncompleteSecrets(t *testing.T) {
	for _, tt := range []struct{ raw, want string }{
		{`not json`, "not a JSON object"},
		{`{}`, "need key_version, private_keys, x_user_id"},
		{`{"x_user_id":"1","key_version":"2","private_keys":"***"}`, "not base64"},
		{`{"x_user_id":"1","key_version":"2","private_keys":"YQ==","previous":[{"key_version":"1"}]}`, "previous needs"},
	} {
		_, err := ParseChatKeys([]byte(tt.raw))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseChatKeys(%s) = %v, want an error saying %q", tt.raw, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "***") {
			t.Errorf("the error quotes the value: %v", err)
		}
	}
}

// The private keys never appear when the keys are printed or logged.
func TestChatKeysPrintRedacted(t *testing.T) {
	blob := testChatKeys.PrivateKeys
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("keys", "keys", testChatKeys, "blob", testChatKeys.Previous[0])
	for _, s := range []string{fmt.Sprint(testChatKeys), fmt.Sprintf("%+v", testChatKeys), fmt.Sprintf("%#v", testChatKeys),
		fmt.Sprint(testChatKeys.Previous[0]), logs.String()} {
		if strings.Contains(s, blob) || strings.Contains(s, testChatKeys.Previous[0].PrivateKeys) {
			t.Errorf("printed keys hold the private keys: %s", s)
		}
	}
	_, err := NewCache(NewStatic(nil)).ChatKeys(context.Background(), chatSecret)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("a missing secret: %v, want ErrNotFound", err)
	}
}
