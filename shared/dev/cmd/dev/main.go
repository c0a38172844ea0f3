// Command dev runs the whole product locally; `make dev` starts it.
//
// Settings come from the environment (see shared/config) plus PORT (default
// 8080), X_SIM_PORT (default 8081), DEV_TOKEN (default "dev") and the
// simulated X app's X_CONSUMER_KEY and X_CONSUMER_SECRET (defaults in
// shared/dev/sample), and X_SIM_FORMAT, the simulator's delivery format ("xaa",
// the default, or "aaa"). Data is kept in .data/ at the module
// root (DATA_DIR names another folder); `make dev-reset` forgets it.
package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localrun"
	"github.com/acme/twitter-cases/shared/dev/xsim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if os.Getenv("DEV_TOKEN") == "" {
		os.Setenv("DEV_TOKEN", config.DefaultDevToken)
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.Level()}))
	slog.SetDefault(logger)
	root, err := localaws.ModuleRoot()
	if err != nil {
		return err
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	simPort := os.Getenv("X_SIM_PORT")
	if simPort == "" {
		simPort = "8081"
	}
	format, err := xsim.ParseFormat(os.Getenv("X_SIM_FORMAT"))
	if err != nil {
		return err
	}
	return localrun.Run(ctx, localrun.Options{
		XSimFormat:     format,
		XSimLegacyDMs:  os.Getenv("X_SIM_LEGACY_DMS") == "1",
		Addr:           net.JoinHostPort("127.0.0.1", port),
		XSimAddr:       net.JoinHostPort("127.0.0.1", simPort),
		ConsumerKey:    os.Getenv("X_CONSUMER_KEY"),
		ConsumerSecret: os.Getenv("X_CONSUMER_SECRET"),
		DataDir:        cmp.Or(os.Getenv("DATA_DIR"), filepath.Join(root, ".data")),
		ConsoleDir:     filepath.Join(root, "build", "web"),
		// X's batch compliance sweep every minute, a new sweep every 5.
		ComplianceTick:  time.Minute,
		ComplianceEvery: 5 * time.Minute,
		Config:          cfg,
		Logger:          logger,
		Banner:          os.Stdout,
	})
}
