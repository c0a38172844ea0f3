// Package compliance runs X's batch compliance sweep (casework.Sweeper)
// with the product's adapters and reports each run as CloudWatch metrics,
// which the stack's alarms watch (the 24-hour promise of X's Developer
// Policy, a sweep not completed for 36 hours, a job given up).
package compliance

import (
	"context"
	"log/slog"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/emf"
)

// The sweep's metrics (namespace emf.Namespace, no dimensions).
const (
	// MetricApplyLag is the longest time, in a run, between X redacting
	// something (redacted_at) and the product applying it: the 24-hour
	// promise (alarm at ApplyLagLimit).
	MetricApplyLag = "ComplianceApplyLagSeconds"
	// MetricSinceCompleted is the time since a sweep last completed
	// (alarm at SinceCompletedLimit).
	MetricSinceCompleted = "ComplianceSinceCompletedSeconds"
	// MetricGaveUp counts the jobs a sweep gave up after X failed or
	// expired them MaxJobAttempts times.
	MetricGaveUp = "ComplianceJobsGivenUp"
	// MetricApplied and MetricChanged count results applied and what they
	// changed; MetricUploaded the ids uploaded.
	MetricApplied  = "ComplianceResultsApplied"
	MetricChanged  = "ComplianceRecordsChanged"
	MetricUploaded = "ComplianceIDsUploaded"
)

// The alarms' limits.
const (
	ApplyLagLimit       = 24 * time.Hour
	SinceCompletedLimit = 36 * time.Hour
)

// Deps are what a sweep run needs.
type Deps struct {
	Store interface {
		casework.Store
		casework.ComplianceStore
	}
	X     casework.ComplianceX
	Every time.Duration
	Now   func() time.Time
	Log   *slog.Logger
}

// New returns the run of one sweep step, which logs its report as metrics.
func New(d Deps) func(context.Context) (casework.SweepReport, error) {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	sw := &casework.Sweeper{Store: d.Store, X: d.X, Applier: casework.NewComplianceApplier(d.Store, d.Now),
		Every: d.Every, Now: d.Now, Log: log}
	return func(ctx context.Context) (casework.SweepReport, error) {
		rep, err := sw.Run(ctx)
		emf.Values(ctx, log, "compliance sweep run", []emf.Value{
			{Name: MetricApplyLag, Value: rep.MaxLag.Seconds(), Unit: "Seconds"},
			{Name: MetricSinceCompleted, Value: rep.SinceCompleted.Seconds(), Unit: "Seconds"},
			{Name: MetricGaveUp, Value: float64(rep.GaveUp), Unit: "Count"},
			{Name: MetricApplied, Value: float64(rep.Applied), Unit: "Count"},
			{Name: MetricChanged, Value: float64(rep.Changed), Unit: "Count"},
			{Name: MetricUploaded, Value: float64(rep.Uploaded), Unit: "Count"},
		}, "started", rep.Started, "completed", rep.Completed, "ok", err == nil)
		return rep, err
	}
}
