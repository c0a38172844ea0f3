// Package sample defines the local run's sample data once: the brand
// handles, the customers and their X accounts and follow relations. The
// local run seeds the store from it and the X simulator starts with the same
// users and credentials, so the two always agree.
package sample

// Credentials are an X user's OAuth 1.0a access token and secret.
type Credentials struct {
	AccessToken       string `json:"access_token"`
	AccessTokenSecret string `json:"access_token_secret"`
}

// Brand is a sample brand handle: its id in the store, its X account and the
// credentials its Secrets Manager secret would hold.
type Brand struct {
	HandleID    string
	ScreenName  string
	XUserID     string
	Name        string
	Credentials Credentials
	// Secret is the name of its credentials secret.
	Secret string
}

// Customer is a sample customer, with an X account or without.
type Customer struct {
	ID     string
	Name   string
	Email  string
	Phone  string
	Handle string // "" when the customer has no Twitter handle
	XUser  string // the customer's X user id, "" without a handle
	// Follows lists the screen names of the brand handles the customer follows on X.
	Follows []string
}

// The app's consumer key and secret in the local run (LOCAL.md).
const (
	ConsumerKey    = "local-consumer-key"
	ConsumerSecret = "local-consumer-secret"
)

// Brands are the local run's brand handles.
var Brands = []Brand{
	{
		HandleID: "01JDSAMPLEHANDLE0000000001", ScreenName: "AcmeSupport", XUserID: "1000000000000000001", Name: "Acme Support",
		Credentials: Credentials{AccessToken: "1000000000000000001-acmesupport-token", AccessTokenSecret: "acmesupport-token-secret"},
		Secret:      "local/x/brand/AcmeSupport",
	},
	{
		HandleID: "01JDSAMPLEHANDLE0000000002", ScreenName: "AcmeDeals", XUserID: "1000000000000000002", Name: "Acme Deals",
		Credentials: Credentials{AccessToken: "1000000000000000002-acmedeals-token", AccessTokenSecret: "acmedeals-token-secret"},
		Secret:      "local/x/brand/AcmeDeals",
	},
}

// Customers are the local run's customers: one who follows @AcmeSupport,
// one with a handle who follows nobody, and one without a handle.
var Customers = []Customer{
	{
		ID: "01JDSAMPLECUSTOMER00000001", Name: "Alice Follower", Email: "alice@example.com", Phone: "+1 555 010 0001",
		Handle: "alice_follows", XUser: "2000000000000000001", Follows: []string{"AcmeSupport"},
	},
	{
		ID: "01JDSAMPLECUSTOMER00000002", Name: "Bob Stranger", Email: "bob@example.com", Phone: "+1 555 010 0002",
		Handle: "bob_stranger", XUser: "2000000000000000002",
	},
	{
		ID: "01JDSAMPLECUSTOMER00000003", Name: "Carol Offline", Email: "carol@example.com", Phone: "+1 555 010 0003",
	},
}
