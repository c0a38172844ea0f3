package sample

import "github.com/acme/twitter-cases/shared/secrets"

// AppSecret names the X app's credentials secret in the local run and the
// tests (their X_APP_SECRET).
const AppSecret = "local/x/app"

// Secrets returns a fresh in-memory source of the sample credentials: the
// app's consumer key and secret under AppSecret, and each brand handle's
// access token and secret under its Brand.Secret name. These are the
// credentials the X simulator accepts. The local run and the tests hand it to
// what they build (xapi.Config.Secrets, or a Secrets Manager stand-in);
// no function links it.
func Secrets() *secrets.Static {
	s := secrets.NewStatic(nil)
	// Encoding plain string structs cannot fail.
	_ = s.SetJSON(AppSecret, secrets.AppCredentials{ConsumerKey: ConsumerKey, ConsumerSecret: ConsumerSecret})
	for _, b := range Brands {
		_ = s.SetJSON(b.Secret, secrets.UserCredentials{AccessToken: b.Credentials.AccessToken, AccessTokenSecret: b.Credentials.AccessTokenSecret})
	}
	return s
}
