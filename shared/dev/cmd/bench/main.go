// Command bench is `make bench` (issue 13): it builds the functions beside
// the anchors, measures every figure of the issue in one run and prints
// one table, each figure a ratio to its anchor with its spread and whether
// it meets the goal (see shared/dev/bench). BENCH_QUICK=1 makes it
// a smoke run of about a minute; BENCH_ONLY=cold,zip,webhook (row groups
// and function names, see bench.ParseOnly) measures only those rows. It needs aws-lambda-rie in LAMBDA_RIE
// (`make bench` installs it) and Node packages (dynalite, fauxqs) in
// node_modules; Ctrl-C stops it and everything it started.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/acme/twitter-cases/infra/rie"
	"github.com/acme/twitter-cases/shared/dev/bench"
	"github.com/acme/twitter-cases/shared/dev/localaws"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rieBin := os.Getenv(rie.EnvVar)
	if rieBin == "" {
		return fmt.Errorf("%s is not set: `make bench` installs aws-lambda-rie and sets it", rie.EnvVar)
	}
	root, err := localaws.ModuleRoot()
	if err != nil {
		return err
	}
	only, err := bench.ParseOnly(os.Getenv(bench.OnlyEnv))
	if err != nil {
		return err
	}
	rep, err := bench.Run(ctx, bench.Options{ModuleRoot: root, RIE: rieBin, Quick: os.Getenv("BENCH_QUICK") == "1",
		BuildDir: os.Getenv(bench.BuildDirEnv), HostBuildDir: os.Getenv(rie.HostBuildDirEnv), Only: only, Progress: os.Stderr})
	if err != nil {
		return err
	}
	return rep.WriteTable(os.Stdout)
}
