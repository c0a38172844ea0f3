// Package localrun runs the whole product on one machine: local DynamoDB and
// SQS servers, the table and queues, every function's HTTP routes on one
// server, the two workers fed by pollers that behave like Lambda's SQS event
// source mapping, the reconciler on a ticker, and the X simulator
// delivering signed webhook events to that server. On start the run finds
// its webhook on the simulated app (GET /2/webhooks; registered with X's
// CRC check when missing) and asks, through the product's own path (the
// outbound worker's subscribe command), for every connected brand handle's
// X Activity API subscriptions, as a deployment does after make x-webhook.
// `make dev` starts it through shared/dev/cmd/dev.
package localrun

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/compliance"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/connect"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dev/xsim/xsimchat"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/outbound"
	"github.com/acme/twitter-cases/shared/phone"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/reconcile"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/table"
	"github.com/acme/twitter-cases/shared/webhook"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xauth"
	"github.com/acme/twitter-cases/shared/xsetup"
)

// Options configure a local run.
type Options struct {
	// Addr is where the API listens, e.g. 127.0.0.1:8080 (port 0 picks one).
	Addr string
	// DataDir keeps the local DynamoDB's data, the local SQS's queued
	// messages, the X simulator's state (SimStateFile) and the servers'
	// logs; removing it forgets them all.
	DataDir string
	// Config is the functions' configuration; the local run fills in the
	// endpoints, table and queues it creates.
	Config config.Config
	// Logger receives structured logs.
	Logger *slog.Logger
	// Banner receives the human-readable start message (URLs, token, curl).
	Banner io.Writer
	// Ready, if set, is called once /healthz answers 200, with the API's
	// base URL and the configuration the functions run with.
	Ready func(baseURL string, cfg config.Config)
	// XSimAddr is where the X simulator listens, e.g. 127.0.0.1:8081
	// ("" picks a free port).
	XSimAddr string
	// ConsoleDir holds the built agent console (`make console`: build/web),
	// served at /; "" serves no console.
	ConsoleDir string
	// XSimFormat is the simulator's delivery format: X Activity envelopes
	// (xsim.FormatXAA, the default) or Account Activity payloads
	// (xsim.FormatAAA); X_SIM_FORMAT in `make dev`.
	XSimFormat xsim.Format
	// XSimLegacyDMs makes the simulator X as it was before it retired
	// legacy Direct Messages on 9 December 2026 (xsim.Options.LegacyDMs);
	// X_SIM_LEGACY_DMS=1 in `make dev`.
	XSimLegacyDMs bool
	// ConsumerKey and ConsumerSecret are the simulated X app's (default
	// sample.ConsumerKey and sample.ConsumerSecret): the simulator checks
	// OAuth with them and signs webhook deliveries, the webhook verifies.
	ConsumerKey, ConsumerSecret string
	// ReconcileEvery is how often the reconciler looks for outgoing work a
	// crash left unfinished (default a minute), and StaleAfter how long
	// past its due time such work is handed back (default
	// reconcile.StaleAfter).
	ReconcileEvery, StaleAfter time.Duration
	// ComplianceTick is how often the X compliance sweep runs (make dev: a
	// minute; functions.ComplianceTick in AWS; 0: never, so that tests see
	// only the calls they make), and ComplianceEvery how often a new sweep
	// starts (default 5 minutes, so that a demo sees a deletion applied
	// soon; daily in AWS).
	ComplianceTick, ComplianceEvery time.Duration
}

// SimStateFile is the file in Options.DataDir where the X simulator keeps
// its state between runs.
const SimStateFile = "xsim.json"

// Deps are the running parts that routes, workers and pollers are built from.
type Deps struct {
	Config config.Config
	Store  *dynamo.Store
	SQS    *sqs.Client
	Queues localaws.QueueURLs
	Logger *slog.Logger
	// XUsers looks accounts up on X; nil makes the routes that need a
	// lookup (a customer's Twitter handle) answer 503.
	XUsers casework.XUsers
	// X is the X adapter the outbound worker sends with.
	X *xapi.Client
	// Credentials checks brand handles' credentials secrets.
	Credentials casework.Credentials
	// ConsumerSecret is the X app's, for the webhook's checks.
	ConsumerSecret string
	// ConsoleDir holds the built agent console; "" serves none.
	ConsoleDir string
	// Phones reads customers' phone numbers; nil keeps them as their digits.
	Phones casework.Phones
	// Pricing is X's price list (X_PRICES over casework.DefaultPricing).
	Pricing casework.Pricing
	// ChatKeys are the brand handles' X Chat identities the outbound
	// worker sends DMs with; nil fails every DM.
	ChatKeys *outbound.Keyring
	// Connect is Connect with X (POST /v1/handles/connect and its
	// callback); nil serves neither.
	Connect *connect.Connector
}

// Run starts everything, serves until ctx is done, then stops every process
// it started, whatever happened in between.
func Run(ctx context.Context, opts Options) error {
	log := cmp.Or(opts.Logger, slog.Default())
	servers, err := startServers(ctx, opts.DataDir, log)
	if err != nil {
		return err
	}
	defer servers.stop()
	cfg, err := settings(opts.Config)
	if err != nil {
		return err
	}
	phones, err := phone.New(cmp.Or(cfg.PhoneRegion, config.DefaultPhoneRegion))
	if err != nil {
		return fmt.Errorf("localrun: %w", err)
	}
	pricing, err := casework.ParsePricing(cfg.XPrices)
	if err != nil {
		return fmt.Errorf("localrun: X_PRICES: %w", err)
	}
	store, sqsClient, urls, err := servers.provision(ctx, &cfg, phones)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("localrun: listen on %s: %w", opts.Addr, err)
	}
	defer ln.Close() // a no-op once the server has taken it
	base := "http://" + ln.Addr().String()

	app := secrets.AppCredentials{ConsumerKey: cmp.Or(opts.ConsumerKey, sample.ConsumerKey), ConsumerSecret: cmp.Or(opts.ConsumerSecret, sample.ConsumerSecret),
		ClientID: xsim.DefaultOAuth2ClientID, ClientSecret: xsim.DefaultOAuth2ClientSecret}
	simURL, stopSim, err := startSimulator(ctx, opts, app, cfg.XAccess, log)
	if err != nil {
		return err
	}
	defer stopSim()
	cfg.XChatKeyPrefix = cmp.Or(cfg.XChatKeyPrefix, DefaultChatKeyPrefix)
	vault := newChatVault(opts.DataDir)
	tokens := newTokenVault(opts.DataDir)
	x, cache, err := xAdapter(simURL, app, vault, cfg.XChatKeyPrefix, tokens, store, log)
	if err != nil {
		return err
	}
	if err := provisionChatKeys(ctx, store, x, vault, cfg.XChatKeyPrefix, log.With("part", "xchat-keys")); err != nil {
		return err
	}
	cfg.XAPIBaseURL, cfg.XAppSecret = simURL, sample.AppSecret
	deps := Deps{Config: cfg, Store: store, SQS: sqsClient, Queues: urls, Logger: log,
		XUsers: xsetup.Lookup{X: x, Handles: store}, X: x, Credentials: xsetup.CredentialsCheck{Secrets: cache},
		ConsumerSecret: app.ConsumerSecret, ConsoleDir: opts.ConsoleDir, Phones: phones, Pricing: pricing,
		ChatKeys: outbound.NewKeyring(cache, cfg.XChatKeyPrefix, log.With("part", "xchat"))}
	// Connect with X: the simulator's consent page sends the browser back
	// to the console, which posts the code to the callback route.
	deps.Connect = &connect.Connector{Client: xauth.AppClient(cache, sample.AppSecret, simURL, nil),
		AuthorizeURL: simURL + "/i/oauth2/authorize", APIBaseURL: simURL, RedirectURI: base + "/",
		SecretPrefix: TokenSecretPrefix, Writer: tokens, Invalidate: cache.Invalidate,
		States: store, Store: store}
	deps.Connect.Handles = Service(deps)

	srv, serveErr, err := serve(ln, deps)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := waitHealthy(ctx, base); err != nil {
		return err
	}
	// The webhook, registered with the simulated X as make x-webhook does.
	if deps.Config.XWebhookID, err = registerWebhook(ctx, x, base+webhook.Path); err != nil {
		return fmt.Errorf("localrun: %w", err)
	}
	stopWorkers := startWorkers(ctx, deps, opts)
	defer stopWorkers()
	subscribeHandles(ctx, Service(deps), store, log)
	// Ready means subscribed: X delivers nothing for a handle before its
	// subscriptions exist, so a Tweet made earlier would never arrive.
	if err := waitSubscribed(ctx, store, log, 30*time.Second); err != nil {
		return fmt.Errorf("localrun: %w", err)
	}
	if opts.Banner != nil {
		printBanner(opts.Banner, base, simURL, deps.Config, cmp.Or(opts.XSimFormat, xsim.FormatXAA))
	}
	if opts.Ready != nil {
		opts.Ready(base, deps.Config)
	}

	err = servers.wait(ctx, serveErr)
	log.Info("stopping")
	stopSim()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	return err
}

// localServers are the run's local DynamoDB and SQS servers.
type localServers struct {
	ddb, sqs *localaws.Server
}

// startServers starts local DynamoDB and SQS, both keeping their data
// under dataDir, their logs in dataDir/logs.
func startServers(ctx context.Context, dataDir string, log *slog.Logger) (*localServers, error) {
	logDir := filepath.Join(dataDir, "logs")
	ddb, err := localaws.StartDynamoDB(ctx, localaws.Options{DataDir: filepath.Join(dataDir, "dynamodb"), LogDir: logDir})
	if err != nil {
		return nil, fmt.Errorf("localrun: %w", err)
	}
	// The queued messages are kept too (a journal): what the webhook
	// acknowledged outlives a crash of the run, as it does in SQS.
	sqsSrv, err := localaws.StartSQS(ctx, localaws.Options{DataDir: filepath.Join(dataDir, "sqs"), LogDir: logDir})
	if err != nil {
		ddb.Stop()
		return nil, fmt.Errorf("localrun: %w", err)
	}
	log.Info("local servers started", "dynamodb", ddb.Endpoint, "sqs", sqsSrv.Endpoint, "logs", logDir)
	return &localServers{ddb: ddb, sqs: sqsSrv}, nil
}

// stop stops both servers.
func (s *localServers) stop() {
	s.sqs.Stop()
	s.ddb.Stop()
}

// provision creates the table and the queues, seeds the store with the
// sample data (the customers' phones indexed by phones), and points cfg at
// them.
func (s *localServers) provision(ctx context.Context, cfg *config.Config, phones casework.Phones) (*dynamo.Store, *sqs.Client, localaws.QueueURLs, error) {
	cfg.DynamoDBEndpoint, cfg.SQSEndpoint = s.ddb.Endpoint, s.sqs.Endpoint
	ddbClient := localaws.DynamoDBClient(s.ddb.Endpoint)
	if err := localaws.EnsureTable(ctx, ddbClient, cfg.TableName, table.Definition); err != nil {
		return nil, nil, nil, fmt.Errorf("localrun: %w", err)
	}
	sqsClient := localaws.SQSClient(s.sqs.Endpoint)
	urls, err := localaws.EnsureQueues(ctx, sqsClient, "local-", queues.Definitions)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("localrun: %w", err)
	}
	cfg.OutboundQueueURL, cfg.InboundQueueURL = urls[queues.Outbound.Name], urls[queues.Inbound.Name]
	store := dynamo.New(ddbClient, cfg.TableName)
	if err := sample.SeedWithPhones(ctx, store, phones); err != nil {
		return nil, nil, nil, fmt.Errorf("localrun: %w", err)
	}
	// Data an earlier run wrote may hold search keys in an older form.
	if _, err := store.EnsureSearchKeys(ctx); err != nil {
		return nil, nil, nil, fmt.Errorf("localrun: %w", err)
	}
	return store, sqsClient, urls, nil
}

// wait returns when ctx is done (nil), the HTTP server fails or a local
// server exits (an error saying which).
func (s *localServers) wait(ctx context.Context, serveErr <-chan error) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-serveErr:
		return fmt.Errorf("localrun: serve: %w", err)
	case <-s.ddb.Done():
		return errors.New("localrun: the local DynamoDB server exited; see " + s.ddb.LogPath)
	case <-s.sqs.Done():
		return errors.New("localrun: the local SQS server exited; see " + s.sqs.LogPath)
	}
}

// settings completes the functions' configuration: the development token
// and the stack's CORS origins unless the configuration has its own.
func settings(cfg config.Config) (config.Config, error) {
	if cfg.DevToken == "" {
		cfg.DevToken = config.DefaultDevToken
	}
	cfg.XAccess = cmp.Or(cfg.XAccess, config.DefaultXAccess)
	if len(cfg.AllowedOrigins) == 0 {
		origins, err := StackOrigins()
		if err != nil {
			return cfg, err
		}
		cfg.AllowedOrigins = origins
	}
	return cfg, nil
}

// startSimulator starts the X simulator for the app, with no webhook and no
// subscription of its own (the run makes them through X's API, as a
// deployment does), keeping its state in opts.DataDir when set. stop ends
// it and is safe to call twice.
func startSimulator(ctx context.Context, opts Options, app secrets.AppCredentials, access string, log *slog.Logger) (url string, stop func(), err error) {
	simCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	// The simulated customers chat with X Chat clients of their own, on X's
	// engine (none when the run is X before the cutover).
	var clients xsim.ChatClientFactory
	if !opts.XSimLegacyDMs {
		f, err := xsimchat.New(ctx)
		if err != nil {
			stop()
			return "", nil, fmt.Errorf("localrun: the simulated customers' X Chat clients: %w", err)
		}
		clients = f
	}
	// The simulated X enforces the rules of the run's X access (X_ACCESS).
	sim := xsim.New(xsim.Options{ConsumerKey: app.ConsumerKey, ConsumerSecret: app.ConsumerSecret,
		Format: opts.XSimFormat, Access: access, LegacyDMs: opts.XSimLegacyDMs, ChatClients: clients, Logger: log.With("part", "xsim")})
	if opts.DataDir != "" {
		// The simulated X keeps its Tweets, DMs and users beside the store,
		// so that cases from an earlier run still point at what X holds.
		if err := sim.Persist(filepath.Join(opts.DataDir, SimStateFile)); err != nil {
			stop()
			return "", nil, fmt.Errorf("localrun: %w (make dev-reset forgets the local data)", err)
		}
	}
	url, err = sim.Start(simCtx, cmp.Or(opts.XSimAddr, "127.0.0.1:0"))
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("localrun: %w", err)
	}
	return url, stop, nil
}

// xAdapter builds the run's X adapter on the simulator and the credentials
// cache under it: the sample credentials, with the app's under
// sample.AppSecret, handed in as a test hands in its own.
//
// Brand handles connected with OAuth 2.0 keep their tokens under
// TokenSecretPrefix in tokens, which their refreshes write (leases in the
// run's table).
func xAdapter(simURL string, app secrets.AppCredentials, vault secrets.Source, chatPrefix string, tokens tokenVault, leases xauth.Leases, log *slog.Logger) (*xapi.Client, *secrets.Cache, error) {
	source := sample.Secrets()
	if err := source.SetJSON(sample.AppSecret, app); err != nil {
		return nil, nil, fmt.Errorf("localrun: %w", err)
	}
	cache := secrets.NewCache(layered{base: layered{base: source, vault: vault, prefix: chatPrefix}, vault: tokens, prefix: TokenSecretPrefix})
	refresher := &xauth.Refresher{Secrets: cache, Writer: tokens, Leases: leases, Logger: log.With("part", "xauth"),
		ClientFrom: xauth.AppClient(cache, sample.AppSecret, simURL, nil)}
	x, err := xapi.New(xapi.Config{Secrets: cache, AppSecret: sample.AppSecret, BaseURL: simURL, Logger: log, OAuth2: refresher})
	if err != nil {
		return nil, nil, fmt.Errorf("localrun: %w", err)
	}
	return x, cache, nil
}

// serve serves every declared route on ln; the server's end arrives on the
// returned channel.
func serve(ln net.Listener, deps Deps) (*http.Server, <-chan error, error) {
	routes, err := Routes(deps)
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{
		Handler:           routes,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(deps.Logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	return srv, serveErr, nil
}

// startWorkers runs the two workers, fed as Lambda's event source mappings
// feed them, and the reconciler on a ticker as the schedule runs it in
// AWS, until stop (which waits for them), whatever becomes of ctx.
func startWorkers(ctx context.Context, deps Deps, opts Options) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, p := range Pollers(deps) {
		wg.Go(func() { p.Run(ctx) })
	}
	rec := reconcile.New(reconcile.Deps{Store: deps.Store, Outbox: sqsqueue.New(deps.SQS, deps.Config.OutboundQueueURL),
		Logger: deps.Logger.With("part", "reconciler"), StaleAfter: opts.StaleAfter})
	wg.Go(func() { rec.Tick(ctx, cmp.Or(opts.ReconcileEvery, time.Minute)) })
	if deps.X != nil && opts.ComplianceTick > 0 {
		sweep := compliance.New(compliance.Deps{Store: deps.Store, X: deps.X, Every: cmp.Or(opts.ComplianceEvery, 5*time.Minute),
			Log: deps.Logger.With("part", "x-compliance")})
		wg.Go(func() { tick(ctx, opts.ComplianceTick, sweep) })
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// tick runs run every d until ctx is done, as an EventBridge schedule
// would; a failed run is logged by run's metrics line and tried next tick.
func tick(ctx context.Context, d time.Duration, run func(context.Context) (casework.SweepReport, error)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = run(ctx)
		}
	}
}

// registerWebhook returns the id of the app's webhook for url, registering
// it (X runs its CRC check against it) when X does not have it yet. The
// simulated app is the local run's own, so a webhook an earlier run left on
// another address is deleted first, with its subscriptions (X allows one
// webhook per self-serve app); the handles' subscriptions are then made
// again on the new one.
func registerWebhook(ctx context.Context, x *xapi.Client, url string) (string, error) {
	hooks, err := x.Webhooks(ctx)
	if err != nil {
		return "", fmt.Errorf("list webhooks: %w", err)
	}
	for _, h := range hooks {
		if h.URL == url {
			return h.ID, nil
		}
	}
	if err := deleteWebhooks(ctx, x, hooks); err != nil {
		return "", err
	}
	h, err := x.CreateWebhook(ctx, url)
	if err != nil {
		return "", fmt.Errorf("register the webhook: %w", err)
	}
	return h.ID, nil
}

// deleteWebhooks deletes the webhooks and every subscription on them.
func deleteWebhooks(ctx context.Context, x *xapi.Client, hooks []xapi.Webhook) error {
	if len(hooks) == 0 {
		return nil
	}
	subs, err := x.AppSubscriptions(ctx)
	if err != nil {
		return fmt.Errorf("list subscriptions: %w", err)
	}
	for _, h := range hooks {
		for _, sub := range subs {
			if sub.WebhookID != h.ID {
				continue
			}
			if err := x.DeleteSubscription(ctx, sub.ID); err != nil && !xapi.IsNotFound(err) {
				return fmt.Errorf("delete subscription %s of the old webhook: %w", sub.ID, err)
			}
		}
		if err := x.DeleteWebhook(ctx, h.ID); err != nil && !xapi.IsNotFound(err) {
			return fmt.Errorf("delete the old webhook %s (%s): %w", h.ID, h.URL, err)
		}
	}
	return nil
}

// waitSubscribed waits until no connected brand handle's subscriptions are
// pending any more (the outbound worker has made them, or X refused them:
// a refusal is logged, and shows on GET /v1/handles), or fails after
// timeout.
func waitSubscribed(ctx context.Context, store casework.HandleStore, log *slog.Logger, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		handles, err := store.ListHandles(ctx)
		if err != nil {
			return fmt.Errorf("wait for the subscriptions: %w", err)
		}
		pending, failed := "", []casework.BrandHandle(nil)
		for _, h := range handles {
			if h.Status != casework.HandleConnected || h.Subscriptions == nil {
				continue
			}
			switch h.Subscriptions.Status {
			case casework.SubsPending:
				pending = h.ScreenName
			case casework.SubsFailed:
				failed = append(failed, h)
			}
		}
		if pending == "" {
			for _, h := range failed {
				log.Warn("a brand handle's X Activity subscriptions failed: it receives nothing from X",
					"handle_id", h.ID, "detail", h.Subscriptions.Detail)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the X Activity subscriptions of @%s were still pending after %s: %w", pending, timeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// subscribeHandles asks for every connected brand handle's subscriptions,
// through the outbound queue as a registration does; the worker lists first,
// so a handle X already holds them for becomes active without new ones.
func subscribeHandles(ctx context.Context, svc *casework.Service, store casework.HandleStore, log *slog.Logger) {
	handles, err := store.ListHandles(ctx)
	if err != nil {
		log.Warn("brand handles not subscribed", "err", err)
		return
	}
	for _, h := range handles {
		if h.Status != casework.HandleConnected {
			continue
		}
		if _, err := svc.SubscribeHandle(ctx, h.ID); err != nil {
			log.Warn("brand handle not subscribed", "handle_id", h.ID, "err", err)
		}
	}
}

// waitHealthy polls /healthz until it answers 200.
func waitHealthy(ctx context.Context, base string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("localrun: %s/healthz did not answer 200 within 30s (last error: %v)", base, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func printBanner(w io.Writer, base, simURL string, cfg config.Config, format xsim.Format) {
	fmt.Fprintf(w, `
Twitter cases, local run
  agent console     %[1]s/
  API and webhook   %[1]s
  DynamoDB (local)  %[2]s   table %[3]s
  SQS (local)       %[4]s
  X simulator       %[10]s   (control routes under /sim, see LOCAL.md; %[12]s deliveries, X_SIM_FORMAT=xaa|aaa)
  console token     Authorization: Bearer %[5]s
  Tweet limit       %[6]d
  X access          %[14]s   (X_ACCESS=self-serve|enterprise: what X allows, in the product and the simulator)
  CORS origins      %[13]s   (ALLOWED_ORIGINS; default cdk.json's allowedOrigins)

Try:
  curl -s %[1]s/healthz
  curl -s -H 'Authorization: Bearer %[5]s' '%[1]s/v1/customers?q=alice'
  curl -s -H 'Authorization: Bearer %[5]s' -H 'Content-Type: application/json' \
    -d '{"customer_id":"%[7]s","handle_id":"%[8]s","text":"@%[9]s Hello from Acme"}' %[1]s/v1/cases
  curl -s %[10]s/sim/timeline/%[11]s
  curl -s -H 'Content-Type: application/json' -d '{"text":"@%[11]s my order is late"}' %[10]s/sim/users/%[9]s/tweets

Ctrl-C stops everything.
`, base, cfg.DynamoDBEndpoint, cfg.TableName, cfg.SQSEndpoint, cfg.DevToken, cfg.TweetMaxLength,
		sample.Customers[0].ID, sample.Brands[0].HandleID, sample.Customers[0].Handle, simURL, sample.Brands[0].ScreenName, format,
		cmp.Or(strings.Join(cfg.AllowedOrigins, ", "), "none"), cfg.XAccess)
}
