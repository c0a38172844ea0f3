package xsetup

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
)

// handles is a HandleStore that only lists.
type handles struct {
	casework.HandleStore
	list []casework.BrandHandle
}

func (h handles) ListHandles(context.Context) ([]casework.BrandHandle, error) { return h.list, nil }

// TestLookupTriesTheNextHandle: one brand handle with a missing secret and
// one whose token X refuses do not stop a look-up that a third can make.
func TestLookupTriesTheNextHandle(t *testing.T) {
	sim := xsim.New(xsim.Options{Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	src := sample.Secrets()
	src.Set("revoked", []byte(`{"access_token":"revoked-token","access_token_secret":"nope"}`))
	x, err := xapi.New(xapi.Config{Secrets: secrets.NewCache(src), AppSecret: sample.AppSecret, BaseURL: srv.URL,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	good := sample.Brands[0]
	list := []casework.BrandHandle{
		{ID: "a", ScreenName: "AcmeAlpha", XUserID: "1", CredentialsSecret: "no/such/secret", Status: casework.HandleConnected},
		{ID: "b", ScreenName: "AcmeBeta", XUserID: "2", CredentialsSecret: "revoked", Status: casework.HandleConnected},
		{ID: "c", ScreenName: "AcmeGamma", XUserID: "3", CredentialsSecret: good.Secret, Status: casework.HandleDisconnected},
		{ID: good.HandleID, ScreenName: good.ScreenName, XUserID: good.XUserID, CredentialsSecret: good.Secret, Status: casework.HandleConnected},
	}
	l := Lookup{X: x, Handles: handles{list: list}}
	u, err := l.LookupUser(context.Background(), "bob_stranger")
	if err != nil || u.Username != "bob_stranger" {
		t.Fatalf("lookup: %+v %v", u, err)
	}
	// X's own "no such account" is the answer, not a reason to try on.
	if _, err := l.LookupUser(context.Background(), "nobody_here"); casework.ErrorCode(err) != casework.ETwitterUserNotFound {
		t.Errorf("unknown account: %v", err)
	}
	// Every handle failing: the last failure.
	l = Lookup{X: x, Handles: handles{list: list[:2]}}
	if _, err := l.LookupUser(context.Background(), "bob_stranger"); !xapi.IsUnauthorized(err) {
		t.Errorf("all failing: %v", err)
	}
}

func TestCredentialsCheck(t *testing.T) {
	src := secrets.NewStatic(map[string][]byte{
		"ok":       []byte(`{"access_token":"t","access_token_secret":"s"}`),
		"half":     []byte(`{"access_token":"t"}`),
		"not-json": []byte(`access_token=t`),
	})
	c := CredentialsCheck{Secrets: secrets.NewCache(src)}
	for name, wantOK := range map[string]bool{"ok": true, "half": false, "not-json": false, "missing": false} {
		err := c.CheckCredentials(context.Background(), name)
		var appErr *casework.Error
		if wantOK != (err == nil) || (err != nil && (!errors.As(err, &appErr) || appErr.Code != casework.EValidation)) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
