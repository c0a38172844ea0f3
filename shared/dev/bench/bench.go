// Package bench is `make bench` (issue 13): it builds the product's
// functions beside three anchors (a hello-world aws-lambda-go function, an
// api-proxy handler, and the same with config.LoadDefaultConfig and a
// DynamoDB client) and measures, in one run, every figure of the issue as
// a ratio to its anchor, each interleaved with its anchor so that drift on
// a shared machine reaches both alike:
//
//   - cold init under aws-lambda-rie (the emulator's INIT REPORT), fresh
//     starts of every binary round by round, each function with the
//     environment the stack gives it;
//   - the zip -9 size of each arm64 bootstrap, built as `make build` builds it;
//   - the webhook's acknowledgement against its floor (an HMAC check and
//     one SendMessage), in process, on local SQS;
//   - the DynamoDB calls of the console's busiest requests, counted at the
//     client, on local DynamoDB;
//   - one inbound worker instance's events/s against raw conditional
//     PutItem/s on the same local DynamoDB, with its calls per event;
//   - reads on a large data set against a small one (a case's messages,
//     the customer search);
//   - X's chat engine hosted in Go (issue 20): its cold load and one
//     message's encrypt and decrypt under wazero's compiler, each against
//     the interpreter, and a Chat's memory.
//
// It starts and always stops its own local servers (shared/localaws) and
// emulators. It is development code: no function links it.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Options configure a run.
type Options struct {
	// ModuleRoot is the project's module root.
	ModuleRoot string
	// RIE is the aws-lambda-rie binary.
	RIE string
	// Quick is the smoke run (BENCH_QUICK=1): every row, few samples,
	// small data sets, in about a minute.
	Quick bool
	// BuildDir, when set, holds the functions' linux/arm64 bootstraps as
	// `make build` has just built them (<name>/bootstrap): their zips are
	// measured there and only the anchors are built for arm64. Empty: the
	// bench builds the functions too, the same way.
	BuildDir string
	// HostBuildDir, when set, holds the functions built for this machine
	// as `make build-host` builds them (<name>/bootstrap; infra/rie's
	// HostBuildDirEnv): cold init starts those and only the anchors are
	// built for this machine. Empty: the bench builds the functions too.
	HostBuildDir string
	// Only limits the run to some rows (BENCH_ONLY); its zero value
	// measures the whole table.
	Only Only
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
}

// BuildDirEnv names the variable `make bench` and `make test` set to the
// folder `make build` builds into.
const BuildDirEnv = "LAMBDA_BUILD_DIR"

// Plan is how much a run measures.
type Plan struct {
	// ColdRounds is how many fresh starts each binary gets.
	ColdRounds int
	// WebhookPairs are the webhook and floor requests, each.
	WebhookPairs int
	// Blocks is how many blocks paired latencies are split into for the
	// spread.
	Blocks int
	// InboundRounds are batches of ten events, each interleaved with
	// InboundPuts raw PutItems; they are recorded after as many unrecorded
	// warm-up rounds (at most 50).
	InboundRounds, InboundPuts int
	// Messages in the small and large case; customers in the small and
	// large search tables; ScalePairs requests of each.
	CaseSmall, CaseLarge     int
	SearchSmall, SearchLarge int
	ScalePairs               int
	// XChatRounds are cold loads of X's chat engine of each kind;
	// XChatMessages and XChatInterpMessages the messages timed under the
	// compiler and the interpreter.
	XChatRounds, XChatMessages, XChatInterpMessages int
}

// FullPlan is `make bench`: under ten minutes on two cores.
var FullPlan = Plan{ColdRounds: 30, WebhookPairs: 2000, Blocks: 10, InboundRounds: 100, InboundPuts: 20,
	CaseSmall: 10, CaseLarge: 10000, SearchSmall: 100, SearchLarge: 100000, ScalePairs: 300,
	XChatRounds: 5, XChatMessages: 200, XChatInterpMessages: 5}

// QuickPlan is BENCH_QUICK=1: every row, little of each.
var QuickPlan = Plan{ColdRounds: 3, WebhookPairs: 100, Blocks: 5, InboundRounds: 4, InboundPuts: 20,
	CaseSmall: 10, CaseLarge: 100, SearchSmall: 100, SearchLarge: 200, ScalePairs: 30,
	XChatRounds: 1, XChatMessages: 10, XChatInterpMessages: 1}

// Report is a run's measurements.
type Report struct {
	Plan  Plan
	Quick bool
	// Only is the rows measured; the table prints only those.
	Only    Only
	Started time.Time
	Took    time.Duration
	// Machine describes where it ran: OS, architecture, CPUs, Go, the load
	// average when it started.
	Machine string
	// InitMS are each binary's cold init times in ms, by name, in round order.
	InitMS map[string][]float64
	// ZipBytes are each binary's zipped arm64 bootstrap sizes, by name.
	ZipBytes map[string]int64
	Calls    []CallCount
	Webhook  WebhookResult
	Inbound  InboundResult
	Case     ScaleResult
	Search   ScaleResult
	XChat    XChatResult
}

// Run builds, measures and returns the report; every server and emulator
// it started is stopped when it returns, whatever happened.
func Run(ctx context.Context, opts Options) (*Report, error) {
	plan := FullPlan
	if opts.Quick {
		plan = QuickPlan
	}
	started := time.Now()
	progress := func(s string) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "bench: %5.1fs %s\n", time.Since(started).Seconds(), s)
		}
	}
	only := opts.Only
	rep := &Report{Plan: plan, Quick: opts.Quick, Only: only, Started: started, Machine: machine(), ZipBytes: map[string]int64{}, InitMS: map[string][]float64{}}
	work, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	bins := only.binaries()

	if only.Has(GroupZip) {
		if err := zipBootstraps(ctx, opts, bins, filepath.Join(work, "arm64"), rep, progress); err != nil {
			return nil, err
		}
	}
	if only.Has(GroupCold) {
		hostDir := filepath.Join(work, "host")
		if err := hostBinaries(ctx, opts, bins, hostDir, progress); err != nil {
			return nil, err
		}
		progress(fmt.Sprintf("cold init: %d fresh starts of each of %d binaries under aws-lambda-rie", plan.ColdRounds, len(bins)))
		inits, err := ColdInits(ctx, opts.RIE, hostDir, bins, plan.ColdRounds, progress)
		if err != nil {
			return nil, err
		}
		for name, ds := range inits {
			rep.InitMS[name] = ms(ds)
		}
	}
	if only.needsLocal() {
		if err := measureLocal(ctx, only, plan, filepath.Join(work, "logs"), rep, progress); err != nil {
			return nil, err
		}
	}
	if only.Has(GroupXChat) {
		progress(fmt.Sprintf("xchat: %d cold loads of each kind, %d messages (interpreter: %d)", plan.XChatRounds, plan.XChatMessages, plan.XChatInterpMessages))
		if rep.XChat, err = measureXChat(ctx, plan.XChatRounds, plan.XChatMessages, plan.XChatInterpMessages, progress); err != nil {
			return nil, err
		}
	}
	rep.Took = time.Since(rep.Started)
	return rep, nil
}

// zipBootstraps measures the zip of every binary's linux/arm64 bootstrap:
// the functions' as `make build` built them when opts.BuildDir is set
// (only the anchors are built, into armDir), otherwise all built here.
func zipBootstraps(ctx context.Context, opts Options, bins []Binary, armDir string, rep *Report, progress func(string)) error {
	armBins, armDirOf := bins, func(Binary) string { return armDir }
	if opts.BuildDir != "" {
		armBins = nil
		for _, b := range bins {
			if b.Anchor {
				armBins = append(armBins, b)
			}
		}
		armDirOf = func(b Binary) string {
			if b.Anchor {
				return armDir
			}
			return opts.BuildDir
		}
	}
	progress(fmt.Sprintf("building %d binaries for linux/arm64 (the functions' from %q when set)", len(armBins), opts.BuildDir))
	if err := Build(ctx, opts.ModuleRoot, armDir, "linux", "arm64", armBins); err != nil {
		return err
	}
	for _, b := range bins {
		n, err := CachedZipSize(filepath.Join(opts.ModuleRoot, ".cache", "bench", "zip"), filepath.Join(armDirOf(b), b.Name, "bootstrap"))
		if err != nil {
			return err
		}
		rep.ZipBytes[b.Name] = n
	}
	return nil
}

// hostBinaries puts every binary built for this machine into
// hostDir/<name>/bootstrap: the functions from opts.HostBuildDir when set
// (only the anchors are built), otherwise all built here.
func hostBinaries(ctx context.Context, opts Options, bins []Binary, hostDir string, progress func(string)) error {
	build := bins
	if opts.HostBuildDir != "" {
		build = nil
		for _, b := range bins {
			if b.Anchor {
				build = append(build, b)
			} else if err := place(filepath.Join(opts.HostBuildDir, b.Name, "bootstrap"), hostDir, b.Name); err != nil {
				return fmt.Errorf("%w (run `make build-host`)", err)
			}
		}
	}
	progress(fmt.Sprintf("building %d binaries for this machine (the functions' from %q when set)", len(build), opts.HostBuildDir))
	return HostBuild(ctx, opts.ModuleRoot, hostDir, build)
}

// measureLocal measures the rows that run on local DynamoDB, SQS and the
// X simulator, which it starts and stops.
func measureLocal(ctx context.Context, only Only, plan Plan, logs string, rep *Report, progress func(string)) error {
	progress("starting local DynamoDB, SQS and the X simulator")
	l, err := startLocal(ctx, logs)
	if err != nil {
		return err
	}
	defer l.close()

	if only.Has(GroupCalls) {
		progress("DynamoDB calls per request")
		if rep.Calls, err = measureCalls(ctx, l); err != nil {
			return err
		}
	}
	if only.Has(GroupWebhook) {
		progress(fmt.Sprintf("webhook: %d acknowledgements interleaved with the floor", plan.WebhookPairs))
		if rep.Webhook, err = measureWebhook(ctx, l, plan.WebhookPairs, plan.Blocks); err != nil {
			return err
		}
	}
	if only.Has(GroupInbound) {
		progress(fmt.Sprintf("inbound: %d batches of %d new-user mentions, interleaved with raw PutItems", plan.InboundRounds, inboundBatch))
		if rep.Inbound, err = measureInbound(ctx, l, plan.InboundRounds, plan.InboundPuts); err != nil {
			return err
		}
	}
	if only.Has(GroupScale) {
		progress(fmt.Sprintf("scale: a case of %d messages against one of %d", plan.CaseLarge, plan.CaseSmall))
		if rep.Case, err = measureCaseScale(ctx, l, plan.CaseSmall, plan.CaseLarge, plan.ScalePairs, plan.Blocks, progress); err != nil {
			return err
		}
		progress(fmt.Sprintf("scale: the customer search among %d customers against %d", plan.SearchLarge, plan.SearchSmall))
		if rep.Search, err = measureSearchScale(ctx, l, plan.SearchSmall, plan.SearchLarge, plan.ScalePairs, plan.Blocks, progress); err != nil {
			return err
		}
	}
	return nil
}

// machine describes this machine and how busy it was.
func machine() string {
	s := fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(raw)); len(f) >= 3 {
			s += ", load average " + strings.Join(f[:3], " ")
		}
	}
	return s
}
