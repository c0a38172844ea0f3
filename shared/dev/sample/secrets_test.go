package sample

import (
	"context"
	"testing"

	"github.com/acme/twitter-cases/shared/secrets"
)

func TestSecretsHoldTheAppAndEveryBrand(t *testing.T) {
	c := secrets.NewCache(Secrets())
	ctx := context.Background()
	app, err := c.App(ctx, AppSecret)
	if err != nil {
		t.Fatal(err)
	}
	if app.ConsumerKey != ConsumerKey || app.ConsumerSecret != ConsumerSecret {
		t.Errorf("app = %+v", app)
	}
	for _, b := range Brands {
		u, err := c.User(ctx, b.Secret)
		if err != nil {
			t.Fatalf("%s: %v", b.ScreenName, err)
		}
		if u.AccessToken != b.Credentials.AccessToken || u.AccessTokenSecret != b.Credentials.AccessTokenSecret {
			t.Errorf("%s: credentials differ: %+v", b.ScreenName, u)
		}
	}
}
