package xsetup

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/xapi"
)

// ReachX is what asking X about reaching a user by DM takes of X's client.
type ReachX interface {
	UserByID(ctx context.Context, auth xapi.BrandAuth, id string) (xapi.UserState, error)
	ChatPublicKeys(ctx context.Context, auth xapi.BrandAuth, userID string) ([]xapi.ChatPublicKey, error)
}

// DMReach asks X, as a brand handle, whether a user accepts its Direct
// Messages (GET /2/users/:id, user.fields receives_your_dm) and has X Chat
// keys (GET /2/users/:id/public_keys): casework.XReach. It decides nothing.
type DMReach struct{ X ReachX }

// DMReach implements casework.XReach.
func (d DMReach) DMReach(ctx context.Context, as *casework.BrandHandle, xUserID string) (casework.DMReach, error) {
	auth := xapi.BrandAuth{XUserID: as.XUserID, CredentialsSecret: as.CredentialsSecret}
	u, err := d.X.UserByID(ctx, auth, xUserID)
	if err != nil {
		return casework.DMReach{}, fmt.Errorf("xsetup: receives_your_dm of %s: %w", xUserID, err)
	}
	keys, err := d.X.ChatPublicKeys(ctx, auth, xUserID)
	if err != nil {
		return casework.DMReach{}, fmt.Errorf("xsetup: X Chat keys of %s: %w", xUserID, err)
	}
	return casework.DMReach{ReceivesDM: u.ReceivesYourDM, ChatKeys: len(keys) > 0}, nil
}

// Reach returns the DM reach look-up of a function, or nil when no X app
// secret is configured (the reply options then use what events recorded).
// It fits consoleapi's needs (Reach).
func Reach(awsCfg aws.Config, cfg config.Config) (casework.XReach, error) {
	if cfg.XAppSecret == "" {
		return nil, nil
	}
	x, err := X(awsCfg, Secrets(awsCfg), cfg, dynamo.Open(awsCfg, cfg))
	if err != nil {
		return nil, err
	}
	return DMReach{X: x}, nil
}
