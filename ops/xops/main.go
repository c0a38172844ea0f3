// Command xops is the operators' tool for the deployment's side of X's
// webhooks and X Activity API; the make targets x-webhook, x-subscriptions
// and x-replay run it. It never ships to Lambda: no function links
// anything under ops/.
//
//	xops webhook [--url URL]            register the webhook URL if X does not have it, run the CRC check, print id and validity
//	xops subscriptions [--prune]        every brand handle's subscriptions against what it should have; create the missing, --prune deletes extras
//	xops replay --from T --to T         ask X to redeliver a window (yyyymmddhhmm, UTC) to the webhook
//	xops compliance [--wait]            run X's batch compliance sweep now (start one unless one is under way); --wait until it completes
//	xops reindex-customers              write every customer's search look-ups again in the current key form (needs only TABLE_NAME)
//	xops chat-keys --handle NAME [--rotate | --import FILE --version V] [--force]
//	                                    provision a brand handle's X Chat keys (ops/chatkeys): keep, generate and register, rotate, or import a blob
//
// Settings come from the environment, as the functions read them
// (shared/config): TABLE_NAME, X_APP_SECRET, X_WEBHOOK_ID, STAGE,
// X_CHAT_KEY_PREFIX (the stack's XChatKeySecretPrefix output), and for
// local use DYNAMODB_ENDPOINT and X_API_BASE_URL; WEBHOOK_URL is the
// deployment's webhook URL (the stack's WebhookUrl output). Credentials are
// read from Secrets Manager as the functions read them (the SDK's
// AWS_ENDPOINT_URL_SECRETS_MANAGER points it at a stand-in, as the tests do).
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme/twitter-cases/ops/chatkeys"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/compliance"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/outbound"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
	"github.com/acme/twitter-cases/shared/xsetup"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "xops:", err)
		os.Exit(1)
	}
}

const usage = `usage: xops webhook [--url URL] | subscriptions [--prune] | replay --from yyyymmddhhmm --to yyyymmddhhmm | compliance [--wait] | reindex-customers | chat-keys --handle NAME [--rotate | --import FILE --version V] [--force]`

// run runs one subcommand with the settings getenv gives, writing its
// report to out.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	if args[0] == "reindex-customers" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return err
		}
		store := dynamo.Open(awsCfg, cfg)
		n, err := store.ReindexCustomers(ctx)
		if err == nil {
			// Record the form, so that EnsureSearchKeys (the local run's
			// start) finds nothing left to do.
			err = store.RecordSearchKeyForm(ctx)
		}
		fmt.Fprintf(out, "reindexed %d customers\n", n)
		return err
	}
	if cfg.XAppSecret == "" {
		return errors.New("X_APP_SECRET is not set: name the X app's secret (the stack's XAppSecretName output)")
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	x, err := xsetup.X(awsCfg, xsetup.Secrets(awsCfg), cfg, dynamo.Open(awsCfg, cfg))
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("xops "+args[0], flag.ContinueOnError)
	fs.SetOutput(out)
	switch args[0] {
	case "webhook":
		url := fs.String("url", getenv("WEBHOOK_URL"), "the deployment's webhook URL (the stack's WebhookUrl output)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		_, err := Webhook(ctx, x, *url, out)
		return err
	case "subscriptions":
		prune := fs.Bool("prune", false, "delete the deployment's subscriptions the product does not use")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		webhookID, err := webhookID(ctx, x, cfg, getenv)
		if err != nil {
			return err
		}
		return Subscriptions(ctx, x, dynamo.Open(awsCfg, cfg), webhookID, casework.SubscriptionTag(cfg.Stage), *prune, out)
	case "compliance":
		wait := fs.Bool("wait", false, "run again every 10 seconds until the sweep completes")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return Compliance(ctx, dynamo.Open(awsCfg, cfg), x, *wait, 10*time.Second, out)
	case "replay":
		from := fs.String("from", "", "the window's start, yyyymmddhhmm UTC (inclusive)")
		to := fs.String("to", "", "the window's end, yyyymmddhhmm UTC (inclusive)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		webhookID, err := webhookID(ctx, x, cfg, getenv)
		if err != nil {
			return err
		}
		return Replay(ctx, x, webhookID, *from, *to, out)
	case "chat-keys":
		handle := fs.String("handle", "", "the brand handle's screen name")
		rotate := fs.Bool("rotate", false, "register new keys as a new version, keeping the old identity in the secret as previous")
		force := fs.Bool("force", false, "register new keys even though X holds keys for the handle that its secret does not")
		importFile := fs.String("import", "", "a file holding the brand's exported key blob (base64), to keep instead of new keys")
		version := fs.String("version", "", "the key version X registered the imported blob under")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		var blob []byte
		if *importFile != "" {
			raw, err := os.ReadFile(*importFile)
			if err != nil {
				return err
			}
			if blob, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw))); err != nil {
				return fmt.Errorf("%s does not hold a base64 key blob", *importFile)
			}
			defer clear(blob)
		}
		vault := chatkeys.SecretsManagerVault{Client: secretsmanager.NewFromConfig(awsCfg)}
		return ChatKeys(ctx, x, dynamo.Open(awsCfg, cfg), vault, cfg.XChatKeyPrefix, ChatKeysRequest{Handle: *handle, Rotate: *rotate,
			Force: *force, Blob: blob, Version: *version}, out)
	}
	return errors.New(usage)
}

// ChatKeysRequest is what make x-chat-keys asks for one brand handle.
type ChatKeysRequest struct {
	Handle        string
	Rotate, Force bool
	// Blob and Version import a key blob the brand holds.
	Blob    []byte
	Version string
}

// ChatKeys provisions a brand handle's X Chat keys (ops/chatkeys): keeps
// the secret's keys when X holds them, generates and registers new ones
// for a handle that has none, rotates, or imports the brand's blob, and
// records the handle's state. It prints what it did, never a key.
func ChatKeys(ctx context.Context, x *xapi.Client, store casework.HandleStore, vault chatkeys.Vault, prefix string, req ChatKeysRequest, out io.Writer) error {
	name := strings.TrimPrefix(strings.TrimSpace(req.Handle), "@")
	if name == "" {
		return errors.New("name the brand handle: HANDLE=AcmeSupport")
	}
	if req.Rotate && req.Blob != nil {
		return errors.New("rotate or import, not both")
	}
	if req.Blob != nil && req.Version == "" {
		return errors.New("an imported key blob needs the VERSION X registered it under")
	}
	handles, err := store.ListHandles(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(handles, func(h casework.BrandHandle) bool { return strings.EqualFold(h.ScreenName, name) })
	if i < 0 {
		return fmt.Errorf("no brand handle @%s is registered", name)
	}
	h := &handles[i]
	engine, err := xchat.Load(ctx)
	if err != nil {
		return err
	}
	p := chatkeys.Provisioner{X: x, Vault: vault, Prefix: prefix, Engine: engine, Handles: store}
	var res chatkeys.Outcome
	switch {
	case req.Blob != nil:
		res, err = p.Import(ctx, h, req.Blob, req.Version)
	case req.Rotate:
		fmt.Fprintf(out, "note: a new key version makes every client wrap @%s's new conversation keys to it only: a device holding only the old keys (the brand's phone) stops reading conversations keyed from now on\n", h.ScreenName)
		res, err = p.Rotate(ctx, h)
	default:
		res, err = p.Ensure(ctx, h, req.Force)
	}
	if errors.Is(err, chatkeys.ErrExistingIdentity) {
		return fmt.Errorf("%w\n  import the blob the brand holds: make x-chat-keys HANDLE=%s IMPORT=blob.b64 VERSION=<its version>\n  or register new keys all the same (its other devices stop reading new conversations): make x-chat-keys HANDLE=%s FORCE=1", err, h.ScreenName, h.ScreenName)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "@%s (%s): X Chat keys %s, version %s, secret %s\n", h.ScreenName, h.XUserID, res.Action, res.KeyVersion, secrets.ChatKeysSecretName(prefix, h.XUserID))
	if res.Fingerprint != "" {
		fmt.Fprintf(out, "identity fingerprint: %s\n", res.Fingerprint)
	}
	return nil
}

// webhookID is X_WEBHOOK_ID, or else the id of the webhook X has for
// WEBHOOK_URL.
func webhookID(ctx context.Context, x *xapi.Client, cfg config.Config, getenv func(string) string) (string, error) {
	if cfg.XWebhookID != "" {
		return cfg.XWebhookID, nil
	}
	url := getenv("WEBHOOK_URL")
	if url == "" {
		return "", errors.New("set X_WEBHOOK_ID (make x-webhook prints it) or WEBHOOK_URL")
	}
	hooks, err := x.Webhooks(ctx)
	if err != nil {
		return "", err
	}
	for _, h := range hooks {
		if h.URL == url {
			return h.ID, nil
		}
	}
	return "", fmt.Errorf("X has no webhook for %s: run make x-webhook", url)
}

// Webhook registers url as the app's webhook unless X has it already, has
// X run the CRC check on it, and prints its id and validity.
func Webhook(ctx context.Context, x *xapi.Client, url string, out io.Writer) (xapi.Webhook, error) {
	if url == "" {
		return xapi.Webhook{}, errors.New("no webhook URL: set WEBHOOK_URL to the stack's WebhookUrl output (or --url)")
	}
	hooks, err := x.Webhooks(ctx)
	if err != nil {
		return xapi.Webhook{}, fmt.Errorf("list webhooks: %w", err)
	}
	i := slices.IndexFunc(hooks, func(h xapi.Webhook) bool { return h.URL == url })
	var hook xapi.Webhook
	if i >= 0 {
		hook = hooks[i]
		fmt.Fprintf(out, "webhook %s is registered already for %s\n", hook.ID, url)
	} else {
		for _, h := range hooks {
			fmt.Fprintf(out, "note: the app also has webhook %s for %s (valid: %t)\n", h.ID, h.URL, h.Valid)
		}
		if hook, err = x.CreateWebhook(ctx, url); err != nil {
			return xapi.Webhook{}, fmt.Errorf("register %s: %w", url, err)
		}
		fmt.Fprintf(out, "webhook %s registered for %s\n", hook.ID, url)
	}
	if hook.Valid, err = x.ValidateWebhook(ctx, hook.ID); err != nil {
		return hook, fmt.Errorf("CRC check of webhook %s: %w", hook.ID, err)
	}
	fmt.Fprintf(out, "id: %s\nvalid: %t\n", hook.ID, hook.Valid)
	if !hook.Valid {
		return hook, fmt.Errorf("webhook %s failed X's CRC check: is the X app secret's consumer_secret the app's?", hook.ID)
	}
	fmt.Fprintf(out, "set the stage's xWebhookId to %s (cdk.json or -c xWebhookId=%s) and deploy, then run make x-subscriptions\n", hook.ID, hook.ID)
	return hook, nil
}

// Subscriptions compares every brand handle's subscriptions on the
// deployment's webhook with what the product uses, creates the missing
// ones (signed as the handle, as the outbound worker does) and records the
// result on the handle; with prune it deletes the deployment's
// subscriptions the product does not use, those of users that are no
// longer brand handles included.
func Subscriptions(ctx context.Context, x *xapi.Client, store casework.HandleStore, webhookID, tag string, prune bool, out io.Writer) error {
	handles, err := store.ListHandles(ctx)
	if err != nil {
		return err
	}
	have, err := x.AppSubscriptions(ctx)
	if err != nil {
		return fmt.Errorf("list subscriptions: %w", err)
	}
	fmt.Fprintf(out, "webhook %s: the app has %d subscriptions\n", webhookID, len(have))
	var failures []string
	known := map[string]bool{}
	for _, h := range handles {
		known[h.XUserID] = true
		missing, extra := casework.SubscriptionPlan(have, h.XUserID, webhookID)
		fmt.Fprintf(out, "@%s (%s, %s): %d of %d subscribed", h.ScreenName, h.XUserID, h.Status, len(casework.SubscribedEventTypes)-len(missing), len(casework.SubscribedEventTypes))
		if len(missing) > 0 {
			fmt.Fprintf(out, "; missing %s", strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			fmt.Fprintf(out, "; extra %s", describe(extra))
		}
		fmt.Fprintln(out)
		if h.Status != casework.HandleConnected {
			fmt.Fprintf(out, "  skipped: disconnected (reconnect it with PATCH /v1/handles/%s)\n", h.ID)
			continue
		}
		if len(missing) == 0 && (len(extra) == 0 || !prune) && h.Subscriptions != nil && h.Subscriptions.Status == casework.SubsActive {
			continue
		}
		auth := xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}
		st := casework.Subscriptions{Status: casework.SubsActive, UpdatedAt: time.Now().UTC()}
		var pruned []casework.XSubscription
		st.EventTypes, pruned, err = outbound.SyncSubscriptions(ctx, x, auth, webhookID, tag, prune)
		if err != nil {
			st = casework.Subscriptions{Status: casework.SubsFailed, Detail: errorReason(err), UpdatedAt: st.UpdatedAt}
			failures = append(failures, "@"+h.ScreenName)
			fmt.Fprintf(out, "  failed: %s\n", st.Detail)
		} else {
			fmt.Fprintf(out, "  now %d of %d subscribed", len(st.EventTypes), len(casework.SubscribedEventTypes))
			if len(pruned) > 0 {
				fmt.Fprintf(out, "; deleted %s", describe(pruned))
			}
			fmt.Fprintln(out)
		}
		if _, err := casework.SetHandleSubscriptions(ctx, store, h.ID, st); err != nil {
			return fmt.Errorf("record @%s's subscriptions: %w", h.ScreenName, err)
		}
	}
	for _, s := range have {
		if s.WebhookID != webhookID || known[s.UserID] {
			continue
		}
		if !prune {
			fmt.Fprintf(out, "user %s is no brand handle but has %s (%s): --prune deletes it\n", s.UserID, s.EventType, s.ID)
			continue
		}
		if err := x.DeleteSubscription(ctx, s.ID); err != nil && !xapi.IsNotFound(err) {
			return fmt.Errorf("delete subscription %s: %w", s.ID, err)
		}
		fmt.Fprintf(out, "deleted %s of user %s (%s): no brand handle\n", s.EventType, s.UserID, s.ID)
	}
	if len(failures) > 0 {
		return fmt.Errorf("subscriptions failed for %s", strings.Join(failures, ", "))
	}
	return nil
}

func describe(subs []casework.XSubscription) string {
	parts := make([]string, len(subs))
	for i, s := range subs {
		parts[i] = s.EventType + " (" + s.ID + ")"
	}
	return strings.Join(parts, ", ")
}

func errorReason(err error) string {
	var appErr *casework.Error
	if errors.As(err, &appErr) {
		return appErr.Message
	}
	if xe, ok := xapi.AsError(err); ok {
		return xe.Reason()
	}
	return err.Error()
}

// Replay asks X to redeliver the window [from, to] (yyyymmddhhmm, UTC) to
// the webhook; the product applies every event once, so duplicates are safe.
func Replay(ctx context.Context, x *xapi.Client, webhookID, from, to string, out io.Writer) error {
	start, err := time.Parse(xapi.ReplayLayout, from)
	if err != nil {
		return fmt.Errorf("FROM=%q: want yyyymmddhhmm (UTC)", from)
	}
	end, err := time.Parse(xapi.ReplayLayout, to)
	if err != nil {
		return fmt.Errorf("TO=%q: want yyyymmddhhmm (UTC)", to)
	}
	if end.Before(start) {
		return fmt.Errorf("TO=%s is before FROM=%s", to, from)
	}
	job, err := x.Replay(ctx, webhookID, start, end)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	fmt.Fprintf(out, "replay job %s: X redelivers %s to %s UTC to webhook %s\n", job, start.Format("2006-01-02 15:04"), end.Format("2006-01-02 15:04"), webhookID)
	return nil
}

// Compliance runs X's batch compliance sweep now: a new sweep unless one is
// under way, moved one step on (and with wait, again every poll until it
// completes), printing each run's report.
func Compliance(ctx context.Context, store *dynamo.Store, x *xapi.Client, wait bool, poll time.Duration, out io.Writer) error {
	// Every of a nanosecond: any finished sweep is old enough to start again.
	run := compliance.New(compliance.Deps{Store: store, X: x, Every: time.Nanosecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for {
		rep, err := run(ctx)
		fmt.Fprintf(out, "started=%t uploaded=%d applied=%d changed=%d retried=%d gave_up=%d completed=%t\n",
			rep.Started, rep.Uploaded, rep.Applied, rep.Changed, rep.Retried, rep.GaveUp, rep.Completed)
		if err != nil || !wait || rep.Completed || rep.GaveUp > 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}
