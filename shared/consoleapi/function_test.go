package consoleapi

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
)

// TestFunctionNeedsMatchTheRegistry: a console API function's main builds
// exactly what its declared access calls for; a main that builds less (a
// route would fail at run time) or more (it links clients it never uses)
// fails at init, saying what differs.
func TestFunctionNeedsMatchTheRegistry(t *testing.T) {
	outbox := func(aws.Config, config.Config) (casework.Outbox, error) { return nil, nil }
	xusers := func(aws.Config, config.Config, casework.HandleStore) (casework.XUsers, error) { return nil, nil }
	creds := func(aws.Config, config.Config) (casework.Credentials, error) { return nil, nil }
	reach := func(aws.Config, config.Config) (casework.XReach, error) { return nil, nil }
	tests := []struct {
		name    string
		f       functions.Function
		needs   Needs
		wantErr string
	}{
		{"reply builds its queue and X's DM reach", functions.Reply, Needs{Outbox: outbox, XUsers: xusers, Credentials: creds, Reach: reach}, ""},
		{"retweet asks X nothing about DMs", functions.Retweet, Needs{Outbox: outbox, Reach: reach}, "builds Reach"},
		{"follow builds queue, look-up, check", functions.Follow, Needs{Outbox: outbox, XUsers: xusers, Credentials: creds}, ""},
		{"reply without its queue", functions.Reply, Needs{}, "needs Outbox"},
		{"retweet with a look-up it never uses", functions.Retweet, Needs{Outbox: outbox, XUsers: xusers}, "builds XUsers"},
		{"console without the credentials check", functions.Console, Needs{Outbox: outbox, XUsers: xusers}, "needs Credentials"},
		{"not a console API function", functions.TwitterWebhook, Needs{}, "not a console API function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr == "" {
				if err := tt.needs.match(tt.f.Access); err != nil {
					t.Errorf("needs refused: %v", err)
				}
				return
			}
			_, err := Function(tt.f, tt.needs, RouteReplyOptions, RouteReply, RouteTextCount)(context.Background(), config.Config{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

// TestFunctionRoutesMatchTheRegistry: a console API function's main serves
// exactly the routes its declaration lists; one that serves fewer (a
// declared route would answer 404), more, or one twice fails at init,
// saying what differs.
func TestFunctionRoutesMatchTheRegistry(t *testing.T) {
	outbox := func(aws.Config, config.Config) (casework.Outbox, error) { return nil, nil }
	tests := []struct {
		name    string
		routes  []Route
		wantErr []string
	}{
		{"the declared routes", []Route{RouteReply, RouteTextCount, RouteReplyOptions}, nil},
		{"one missing", []Route{RouteReply, RouteTextCount}, []string{`declares "GET /v1/cases/{id}/reply-options", which its main does not serve`}},
		{"one more", []Route{RouteReplyOptions, RouteReply, RouteTextCount, RouteRetweet},
			[]string{`serves "PUT /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}", which the registry does not declare`}},
		{"one twice", []Route{RouteReplyOptions, RouteReply, RouteTextCount, RouteReply}, []string{`names the route "POST /v1/cases/{id}/replies" twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := matchRoutes(tt.routes, functions.Reply.Routes)
			if tt.wantErr == nil {
				if err != nil {
					t.Errorf("routes refused: %v", err)
				}
				return
			}
			_, err = Function(functions.Reply, Needs{Outbox: outbox}, tt.routes...)(context.Background(), config.Config{})
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want one saying %q", err, w)
				}
			}
		})
	}
}
