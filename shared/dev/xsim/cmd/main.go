// Command cmd runs the X simulator on its own (go run ./shared/dev/xsim/cmd),
// configured like the local run (LOCAL.md):
//
//	X_SIM_PORT          port on 127.0.0.1 (default 8081)
//	X_CONSUMER_KEY      the simulated app's consumer key (default local-consumer-key)
//	X_CONSUMER_SECRET   its consumer secret (default local-consumer-secret)
//	X_SIM_WEBHOOK_URL   where events go (default http://127.0.0.1:${PORT:-8080}/webhooks/twitter;
//	                    "none" delivers nothing)
//	X_SIM_FORMAT        how events are delivered: xaa (X Activity, the default) or aaa (Account Activity)
//	X_SIM_LEGACY_DMS    1: X before it retired legacy DMs on 9 December 2026 (default: after, X Chat only,
//	                    the simulated customers with X Chat clients on X's engine)
//	LOG_LEVEL           debug, info, warn or error (default info)
//
// Ctrl-C (SIGINT or SIGTERM) stops it.
package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dev/xsim/xsimchat"
)

func main() {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	webhook := env("X_SIM_WEBHOOK_URL", "http://127.0.0.1:"+env("PORT", "8080")+"/webhooks/twitter")
	if webhook == "none" {
		webhook = ""
	}
	format, err := xsim.ParseFormat(os.Getenv("X_SIM_FORMAT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	legacy := os.Getenv("X_SIM_LEGACY_DMS") == "1"
	var clients xsim.ChatClientFactory
	if !legacy {
		f, err := xsimchat.New(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		clients = f
	}
	sim := xsim.New(xsim.Options{
		LegacyDMs:      legacy,
		ChatClients:    clients,
		Format:         format,
		ConsumerKey:    env("X_CONSUMER_KEY", sample.ConsumerKey),
		ConsumerSecret: env("X_CONSUMER_SECRET", sample.ConsumerSecret),
		WebhookURL:     webhook,
		Logger:         log,
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	base, err := sim.Start(ctx, "127.0.0.1:"+env("X_SIM_PORT", "8081"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("X simulator on %s (webhook: %s, %s deliveries)\n  curl -s %s/sim/timeline/AcmeSupport\n", base, cmp.Or(webhook, "none"), format, base)
	<-ctx.Done()
	sim.Close()
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
