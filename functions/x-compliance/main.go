// Command x-compliance is the Lambda function an EventBridge schedule runs
// every functions.ComplianceTick: it moves X's batch compliance sweep one
// step on and returns (see shared/compliance and casework.Sweeper).
package main

import (
	"context"
	"log/slog"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/compliance"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/wire"
	"github.com/acme/twitter-cases/shared/xsetup"
)

func main() { wire.ServeScheduled(sweep) }

// sweep builds the function's run from its configuration; it does no
// network I/O.
func sweep(ctx context.Context, cfg config.Config, logger *slog.Logger) (func(context.Context) (casework.SweepReport, error), error) {
	awsCfg, err := wire.AWSConfig()
	if err != nil {
		return nil, err
	}
	// Batch compliance takes the app's bearer token only: no brand handle
	// tokens to refresh (no leases).
	x, err := xsetup.X(awsCfg, xsetup.Secrets(awsCfg), cfg, nil)
	if err != nil {
		return nil, err
	}
	return compliance.New(compliance.Deps{Store: dynamo.Open(awsCfg, cfg), X: x, Every: cfg.ComplianceEvery, Log: logger}), nil
}
