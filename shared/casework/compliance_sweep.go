package casework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// ComplianceJob is an X batch compliance job as X answers it.
type ComplianceJob struct {
	ID, Type, Status string
	UploadURL        string
	DownloadURL      string
}

// ComplianceX is what a sweep needs of X: its batch compliance endpoints
// (app bearer token) and the job's upload and download URLs.
type ComplianceX interface {
	CreateComplianceJob(ctx context.Context, typ, name string) (ComplianceJob, error)
	GetComplianceJob(ctx context.Context, id string) (ComplianceJob, error)
	// UploadComplianceIDs PUTs the ids (one per line) read from body.
	UploadComplianceIDs(ctx context.Context, uploadURL string, body io.Reader) error
	// DownloadComplianceResults reads a job's results one at a time.
	DownloadComplianceResults(ctx context.Context, downloadURL string, each func(ComplianceResult) error) error
}

// ComplianceStore keeps the sweep's state and streams the X ids the
// product stores.
type ComplianceStore interface {
	// ComplianceSweep returns the sweep state (ENotFound: none yet).
	ComplianceSweep(ctx context.Context) (*ComplianceSweep, error)
	// PutComplianceSweep writes it, versioned as every Put (EConflict
	// when another run wrote it first).
	PutComplianceSweep(ctx context.Context, s *ComplianceSweep) error
	// ComplianceIDs calls each with every id of typ the product stores,
	// each once, a page at a time: every customer Post's id in messages
	// (ComplianceTweets), every customer's current and former X user id
	// (ComplianceUsers).
	ComplianceIDs(ctx context.Context, typ string, each func(id string) error) error
}

// Sweep job steps, in order.
const (
	SweepPending  = "pending"  // no X job yet (or a new one to make)
	SweepCreated  = "created"  // X job made, ids not uploaded yet
	SweepUploaded = "uploaded" // ids uploaded, X processing
	SweepApplying = "applying" // results being applied (Applied so far)
	SweepDone     = "done"     // every result applied
	SweepGaveUp   = "gave_up"  // X failed or expired it MaxJobAttempts times
)

// MaxJobAttempts is how many X jobs a sweep makes per type before it gives up.
const MaxJobAttempts = 3

// SweepJob is one job type's progress in a sweep.
type SweepJob struct {
	Type  string
	Step  string
	JobID string
	// DownloadURL and UploadURL are the X job's.
	UploadURL, DownloadURL string
	Attempts               int
	// Uploaded counts the ids uploaded; Applied the results applied (the
	// resume point of an interrupted apply); Changed what they changed.
	Uploaded, Applied, Changed int
	// MaxLag is the longest time between X's redacted_at and the product
	// applying a result that changed something.
	MaxLag time.Duration
	// LastStatus is X's last answer (failed, expired...), for operators.
	LastStatus string
}

// ComplianceSweep is the state of the current (or last) compliance sweep,
// kept in the table so that each run advances it and returns.
type ComplianceSweep struct {
	StartedAt   time.Time
	CompletedAt time.Time
	// LastCompletedAt is when a sweep last completed with every job done.
	LastCompletedAt time.Time
	Jobs            []SweepJob
	Version         int64
}

// Active reports whether the sweep is under way.
func (s *ComplianceSweep) Active() bool { return !s.StartedAt.IsZero() && s.CompletedAt.IsZero() }

// Sweeper advances the compliance sweep one step per job and run: it never
// waits for X, so a scheduled run returns at once while a job processes.
type Sweeper struct {
	Store   ComplianceStore
	X       ComplianceX
	Applier *ComplianceApplier
	// Every is how often a sweep starts (the deployment's setting; daily
	// by default).
	Every time.Duration
	// SaveEvery is how many results are applied between two saves of the
	// resume point (default 500).
	SaveEvery int
	Now       func() time.Time
	Log       *slog.Logger
}

// SweepReport is what one run did, for metrics.
type SweepReport struct {
	Started, Completed bool
	Uploaded           int
	Applied, Changed   int
	// MaxLag is the longest redacted_at → applied gap of this run's changes.
	MaxLag time.Duration
	// GaveUp counts job types given up this run; Retried the X jobs made again.
	GaveUp, Retried int
	// SinceCompleted is the time since a sweep last completed (from the
	// first sweep's start when none has).
	SinceCompleted time.Duration
}

// Run advances the sweep: it starts one when the last started Every ago,
// and moves each job one step on (create, upload, poll, apply).
func (sw *Sweeper) Run(ctx context.Context) (SweepReport, error) {
	now := sw.now()
	var rep SweepReport
	s, err := sw.Store.ComplianceSweep(ctx)
	if ErrorCode(err) == ENotFound {
		s, err = &ComplianceSweep{}, nil
	}
	if err != nil {
		return rep, fmt.Errorf("compliance sweep: %w", err)
	}
	if !s.Active() && (s.StartedAt.IsZero() || now.Sub(s.StartedAt) >= sw.Every) {
		s.StartedAt, s.CompletedAt = now, time.Time{}
		s.Jobs = []SweepJob{{Type: ComplianceTweets, Step: SweepPending}, {Type: ComplianceUsers, Step: SweepPending}}
		if err := sw.Store.PutComplianceSweep(ctx, s); err != nil {
			return rep, fmt.Errorf("compliance sweep: start: %w", err)
		}
		rep.Started = true
		sw.log().Info("compliance sweep started")
	}
	var errs []error
	if s.Active() {
		for i := range s.Jobs {
			if err := sw.advance(ctx, s, &s.Jobs[i], &rep); err != nil {
				errs = append(errs, fmt.Errorf("%s job: %w", s.Jobs[i].Type, err))
			}
		}
		finished, allDone := true, true
		for _, j := range s.Jobs {
			finished = finished && (j.Step == SweepDone || j.Step == SweepGaveUp)
			allDone = allDone && j.Step == SweepDone
		}
		if finished {
			s.CompletedAt = sw.now()
			if allDone {
				s.LastCompletedAt = s.CompletedAt
				rep.Completed = true
			}
			if err := sw.Store.PutComplianceSweep(ctx, s); err != nil {
				errs = append(errs, err)
			}
			sw.log().Info("compliance sweep finished", "complete", allDone)
		}
	}
	since := s.LastCompletedAt
	if since.IsZero() {
		since = s.StartedAt
	}
	rep.SinceCompleted = sw.now().Sub(since)
	return rep, errors.Join(errs...)
}

// advance moves one job one step on, saving the sweep after each step.
func (sw *Sweeper) advance(ctx context.Context, s *ComplianceSweep, j *SweepJob, rep *SweepReport) error {
	save := func() error { return sw.Store.PutComplianceSweep(ctx, s) }
	switch j.Step {
	case SweepPending:
		job, err := sw.X.CreateComplianceJob(ctx, j.Type, "sweep-"+s.StartedAt.UTC().Format("20060102T150405Z"))
		if err != nil {
			return fmt.Errorf("create: %w", err) // e.g. X's one concurrent job per type: next run
		}
		j.Step, j.JobID, j.UploadURL, j.DownloadURL, j.Attempts = SweepCreated, job.ID, job.UploadURL, job.DownloadURL, j.Attempts+1
		j.Uploaded, j.Applied = 0, 0
		if err := save(); err != nil {
			return err
		}
		fallthrough
	case SweepCreated:
		n, err := sw.upload(ctx, j)
		if err != nil {
			return sw.poll(ctx, s, j, rep, fmt.Errorf("upload: %w", err))
		}
		j.Step, j.Uploaded = SweepUploaded, n
		rep.Uploaded += n
		sw.log().Info("compliance ids uploaded", "type", j.Type, "job", j.JobID, "ids", n)
		return save()
	case SweepUploaded:
		return sw.poll(ctx, s, j, rep, nil)
	case SweepApplying:
		return sw.apply(ctx, s, j, rep)
	}
	return nil
}

// upload streams the stored ids of the job's type to X, page by page
// through a pipe: memory stays one page, whatever the store holds.
func (sw *Sweeper) upload(ctx context.Context, j *SweepJob) (int, error) {
	pr, pw := io.Pipe()
	n := 0
	go func() {
		err := sw.Store.ComplianceIDs(ctx, j.Type, func(id string) error {
			n++
			_, err := io.WriteString(pw, id+"\n")
			return err
		})
		pw.CloseWithError(err)
	}()
	err := sw.X.UploadComplianceIDs(ctx, j.UploadURL, pr)
	pr.CloseWithError(io.ErrClosedPipe) // stops the reader if X stopped early
	return n, err
}

// poll asks X for the job's status: complete → apply now; failed or
// expired → a new job next (up to MaxJobAttempts); otherwise next run.
func (sw *Sweeper) poll(ctx context.Context, s *ComplianceSweep, j *SweepJob, rep *SweepReport, uploadErr error) error {
	job, err := sw.X.GetComplianceJob(ctx, j.JobID)
	if err != nil {
		return errors.Join(uploadErr, fmt.Errorf("poll %s: %w", j.JobID, err))
	}
	j.LastStatus = job.Status
	switch job.Status {
	case "complete":
		if uploadErr != nil {
			return uploadErr
		}
		j.Step = SweepApplying
		if err := sw.Store.PutComplianceSweep(ctx, s); err != nil {
			return err
		}
		return sw.apply(ctx, s, j, rep)
	case "failed", "expired":
		sw.log().Warn("compliance job ended without results", "type", j.Type, "job", j.JobID, "status", job.Status, "attempt", j.Attempts)
		if j.Attempts >= MaxJobAttempts {
			j.Step = SweepGaveUp
			rep.GaveUp++
		} else {
			j.Step = SweepPending
			rep.Retried++
		}
		return errors.Join(uploadErr, sw.Store.PutComplianceSweep(ctx, s))
	}
	return uploadErr // created or in_progress: the next run looks again
}

// apply downloads the results and applies those after the resume point,
// saving it every SaveEvery results.
func (sw *Sweeper) apply(ctx context.Context, s *ComplianceSweep, j *SweepJob, rep *SweepReport) error {
	every := sw.SaveEvery
	if every <= 0 {
		every = 500
	}
	line := 0
	err := sw.X.DownloadComplianceResults(ctx, j.DownloadURL, func(r ComplianceResult) error {
		line++
		if line <= j.Applied {
			return nil // applied by an earlier run
		}
		out, err := sw.Applier.Apply(ctx, j.Type, r)
		if err != nil {
			return fmt.Errorf("apply %s %s: %w", j.Type, r.ID, err)
		}
		j.Applied = line
		rep.Applied++
		if out.Changed > 0 {
			j.Changed += out.Changed
			rep.Changed += out.Changed
			if !r.RedactedAt.IsZero() {
				lag := sw.now().Sub(r.RedactedAt)
				j.MaxLag, rep.MaxLag = max(j.MaxLag, lag), max(rep.MaxLag, lag)
			}
		} else {
			sw.log().Debug("compliance result changed nothing", "type", j.Type, "rule", out.Rule)
		}
		if j.Applied%every == 0 {
			return sw.Store.PutComplianceSweep(ctx, s)
		}
		return nil
	})
	if err != nil {
		_ = sw.Store.PutComplianceSweep(ctx, s) // keep the resume point
		return fmt.Errorf("results of %s: %w", j.JobID, err)
	}
	j.Step = SweepDone
	sw.log().Info("compliance results applied", "type", j.Type, "job", j.JobID, "results", j.Applied, "changed", j.Changed)
	return sw.Store.PutComplianceSweep(ctx, s)
}

func (sw *Sweeper) now() time.Time {
	if sw.Now != nil {
		return sw.Now()
	}
	return time.Now()
}

func (sw *Sweeper) log() *slog.Logger {
	if sw.Log != nil {
		return sw.Log
	}
	return slog.Default()
}
