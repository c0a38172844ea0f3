package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/handlecache"
	"github.com/acme/twitter-cases/shared/inbound"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/table"
	"github.com/acme/twitter-cases/shared/webhook"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xsetup"
)

// devToken is the bearer token the bench's console API accepts.
const devToken = "bench"

// writeOps are the DynamoDB operations that write.
var writeOps = []string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

// writes counts the writes among ops.
func writes(ops []string) int {
	n := 0
	for _, op := range ops {
		if slices.Contains(writeOps, op) {
			n++
		}
	}
	return n
}

// summary lists ops as "GetItem×2, PutItem", in first-seen order.
func summary(ops []string) string { return summaryPer(ops, 1) }

// summaryPer lists ops as summary does, each count divided by per (the
// events they were made for), with one decimal when per is not 1.
func summaryPer(ops []string, per int) string {
	var order []string
	n := map[string]int{}
	for _, op := range ops {
		if n[op] == 0 {
			order = append(order, op)
		}
		n[op]++
	}
	parts := make([]string, len(order))
	for i, op := range order {
		switch {
		case per > 1:
			parts[i] = fmt.Sprintf("%s×%.1f", op, float64(n[op])/float64(per))
		case n[op] > 1:
			parts[i] = fmt.Sprintf("%s×%d", op, n[op])
		default:
			parts[i] = op
		}
	}
	return strings.Join(parts, ", ")
}

// local is the bench's in-process deployment: local DynamoDB and SQS
// servers, a counting DynamoDB client, the queues, the X simulator and
// the X adapter.
type local struct {
	ddb, sqsSrv *localaws.Server
	calls       *localaws.CallLog
	ddbClient   *dynamodb.Client
	sqsClient   *sqs.Client
	urls        localaws.QueueURLs
	sim         *xsim.Sim
	x           *xapi.Client
	// logger is what the functions log to: JSON at info level, as in
	// Lambda, written nowhere.
	logger *slog.Logger
	stops  []func()
}

// startLocal starts the local servers and the X simulator; close stops
// them, whatever happened.
func startLocal(ctx context.Context, logDir string) (l *local, err error) {
	l = &local{calls: &localaws.CallLog{}, logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	var ddbErr, sqsErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		l.ddb, ddbErr = localaws.StartDynamoDB(ctx, localaws.Options{LogDir: logDir})
	}()
	go func() {
		defer wg.Done()
		l.sqsSrv, sqsErr = localaws.StartSQS(ctx, localaws.Options{LogDir: logDir})
	}()
	wg.Wait()
	if l.ddb != nil {
		l.stops = append(l.stops, l.ddb.Stop)
	}
	if l.sqsSrv != nil {
		l.stops = append(l.stops, l.sqsSrv.Stop)
	}
	if ddbErr != nil {
		return l, ddbErr
	}
	if sqsErr != nil {
		return l, sqsErr
	}
	l.ddbClient = localaws.CountingDynamoDBClient(l.ddb.Endpoint, l.calls)
	l.sqsClient = localaws.SQSClient(l.sqsSrv.Endpoint)
	if l.urls, err = localaws.EnsureQueues(ctx, l.sqsClient, "bench-", queues.Definitions); err != nil {
		return l, err
	}

	simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
	l.sim = xsim.New(xsim.Options{Logger: slog.New(slog.DiscardHandler)})
	l.stops = append(l.stops, func() { stopSim(); l.sim.Close() })
	simURL, err := l.sim.Start(simCtx, "127.0.0.1:0")
	if err != nil {
		return l, err
	}
	cache := secrets.NewCache(sample.Secrets())
	if l.x, err = xapi.New(xapi.Config{Secrets: cache, AppSecret: sample.AppSecret, BaseURL: simURL, Logger: l.logger}); err != nil {
		return l, err
	}
	return l, nil
}

// close stops everything startLocal started, last first.
func (l *local) close() {
	for i := len(l.stops) - 1; i >= 0; i-- {
		l.stops[i]()
	}
	l.stops = nil
}

// newStore makes a table and returns the store on it, through the counting
// client, seeded with the local run's sample data when seed is set.
func (l *local) newStore(ctx context.Context, name string, seed bool) (*dynamo.Store, error) {
	if err := localaws.EnsureTable(ctx, l.ddbClient, name, table.Definition); err != nil {
		return nil, err
	}
	store := dynamo.New(l.ddbClient, name)
	if seed {
		if err := sample.Seed(ctx, store); err != nil {
			return nil, err
		}
	}
	l.calls.Take()
	return store, nil
}

// routes are every declared HTTP route (package functions) on store: the
// console API's, with the bench's token standing for the agent, and the
// webhook's, composed as the functions compose them (consoleapi.Function
// and the mains in functions/): the store behind a brand-handle cache
// (handlecache), the outbound queue, the X lookup signing as a brand
// handle. The bench composes them itself to count DynamoDB calls at its
// own client.
func (l *local) routes(store *dynamo.Store) (http.Handler, error) {
	cached := handlecache.New(store, 0, nil)
	svc := casework.NewService(casework.Deps{
		Store: cached, Outbox: sqsqueue.New(l.sqsClient, l.urls[queues.Outbound.Name]),
		XUsers: xsetup.Lookup{X: l.x, Handles: cached}, TweetMaxLength: 280,
		// The bench measures follows, which X allows on Enterprise access only.
		XAccess: casework.AccessEnterprise,
	})
	var apiRoutes []string
	for _, f := range functions.All {
		if f.Access.ConsoleAPI {
			apiRoutes = append(apiRoutes, f.Routes...)
		}
	}
	api, err := consoleapi.Routes(svc, store, consoleapi.Options{DevToken: devToken}, apiRoutes)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	hook := l.webhook()
	mux := http.NewServeMux()
	mux.Handle("/", api)
	for _, r := range functions.TwitterWebhook.Routes {
		mux.Handle(r, hook)
	}
	return mux, nil
}

// webhook is the webhook's handler as its function (functions/twitter-webhook)
// builds it, on the local inbound queue, with the sample app's consumer
// secret.
func (l *local) webhook() http.Handler {
	return webhook.Handler(webhook.StaticSecret(sample.ConsumerSecret),
		sqsqueue.New(l.sqsClient, l.urls[queues.Inbound.Name]), webhook.Options{Logger: l.logger})
}

// inboundWorker is the inbound worker's handler on store, as its function
// (functions/inbound-worker) builds it: the store behind a brand-handle
// cache.
func (l *local) inboundWorker(store *dynamo.Store) *inbound.Worker {
	return inbound.New(casework.NewInbound(handlecache.New(store, 0, nil), nil, l.logger), l.logger)
}

// addXUser creates an account on the X simulator and returns its id.
func (l *local) addXUser(username string) (string, error) {
	rec := httptest.NewRecorder()
	l.sim.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/sim/users", strings.NewReader(`{"username":"`+username+`"}`)))
	if rec.Code != http.StatusCreated {
		return "", fmt.Errorf("bench: xsim: create @%s: %d %s", username, rec.Code, rec.Body)
	}
	return l.sim.UserID(username), nil
}

// call sends one console API request with the bench's token and returns
// the answer, failing unless its status is want.
func call(h http.Handler, method, path string, body any, want int) ([]byte, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = strings.NewReader(string(raw))
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+devToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		return nil, fmt.Errorf("bench: %s %s: %d, want %d: %s", method, path, rec.Code, want, rec.Body)
	}
	return rec.Body.Bytes(), nil
}

// since returns the time from start in float milliseconds.
func since(start time.Time) float64 { return float64(time.Since(start)) / float64(time.Millisecond) }

// countItems is the length of a list answer's items; -1 when it is not one.
func countItems(body []byte) int {
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(body, &page) != nil || page.Items == nil {
		return -1
	}
	return len(page.Items)
}
