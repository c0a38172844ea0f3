// Package functions is the registry of the product's Lambda functions, one
// declaration each: what starts it (HTTP routes, a queue or a schedule),
// what it may use (which decides its IAM policy, its environment and the
// dependencies its main builds) and its size. Everything else derives from
// it: each functions/<name>/main.go serves its declaration (a console API
// function's routes and dependencies through consoleapi.Function), the local
// run mounts every declared route, the CDK stack (infra/stack) builds every
// function of All, and the emulator tests (infra/rie) run each built
// function with the environment Env gives it.
//
// The functions link it, so it imports no AWS, CDK or dev code.
package functions

import (
	"strconv"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/queues"
)

// Function describes one Lambda function of functions/<Name>: what starts
// it, what it may touch and how much it gets. The stack's tests check the
// list against the code (the functions in functions/, the routes each one
// serves, the environment variables shared/config reads).
//
// A function whose Access has ConsoleAPI serves console API routes:
// consoleapi has a handler for each route it lists. The only other routes
// are the webhook's (shared/webhook).
type Function struct {
	// Name is the folder under functions/ and under build/ (build/<Name>/bootstrap).
	Name        string
	Description string
	// MemoryMB and Timeout size the function. A queue consumer's timeout is
	// its queue's ConsumerTimeout (see shared/queues), not set here.
	MemoryMB int
	Timeout  time.Duration
	// Routes are the HTTP API routes ("METHOD /path") the function serves.
	// Routes under /v1/ need a JWT; the others (the webhook, the health
	// check) are public.
	Routes []string
	// Consumes is the queue whose event source mapping invokes the
	// function, if any, with BatchSize messages at most per invocation,
	// gathered for up to BatchWindow (standard queues only: FIFO queues
	// take no window).
	Consumes    *queues.Queue
	BatchSize   int
	BatchWindow time.Duration
	// Schedule is how often an EventBridge schedule invokes the function
	// (0: never).
	Schedule time.Duration
	// CallsX marks a function that acts on X for every message it handles:
	// the stack caps its concurrency (the outboundConcurrency setting: reserved
	// concurrency, and the same maximum on its event source so the poller
	// never runs into the cap), so a burst of commands cannot exhaust the
	// brand handles' X rate limits.
	CallsX bool
	// Access says what the function reads and writes; it decides both the
	// function's IAM policy and its environment.
	Access Access
	// GOGC, when not 0, is the garbage collector's target percentage the
	// function runs with (GOGC in its environment, read by the Go runtime):
	// for a function whose package init allocates more than Go's first
	// heap goal (4 MB at the default of 100, scaled by GOGC), which
	// otherwise runs a collection during its cold start.
	GOGC int
}

// Access is what a function is allowed to use.
type Access struct {
	// Table: read and write items of the DynamoDB table (TABLE_NAME).
	Table bool
	// SendOutbound, SendInbound: send to the outbound or inbound queue
	// (OUTBOUND_QUEUE_URL, INBOUND_QUEUE_URL).
	SendOutbound bool
	SendInbound  bool
	// DelaysMessages: a queue consumer that holds received messages back
	// (ChangeMessageVisibility, until X's rate-limit reset or a backoff)
	// needs its queue's URL. The right to call it comes, with receive and
	// delete, with the event source mapping.
	DelaysMessages bool
	// KeepsDeliveries: put items into the table (TABLE_NAME), only those
	// whose partition key starts with table.DeliveryPrefix: the webhook
	// keeps a delivery too large for a queue message (shared/claimcheck).
	KeepsDeliveries bool
	// XApp: read the X app's credentials secret (X_APP_SECRET).
	XApp bool
	// BrandHandles: read the brand handles' credentials secrets, every
	// secret under the stage's prefix (stack.HandleSecretPrefix).
	BrandHandles bool
	// ConsoleAPI: the console API's settings (TWEET_MAX_LENGTH, ALLOWED_ORIGINS).
	ConsoleAPI bool
	// XActivity: the deployment's stage and its webhook on X (STAGE,
	// X_WEBHOOK_ID when set), which the brand handles' X Activity API
	// subscriptions name.
	XActivity bool
	// Phones: writes customers' phone numbers, read into search keys in
	// the deployment's default region (DEFAULT_PHONE_REGION).
	Phones bool
	// XChatKeys: read the brand handles' X Chat key secrets (their
	// exported private keys), every secret under the stage's prefix
	// (X_CHAT_KEY_PREFIX, stack.XChatKeySecretPrefix): only the functions
	// that encrypt or decrypt Direct Messages.
	XChatKeys bool
	// SweepsTable: read every id the table keeps by a paginated Scan (the
	// compliance sweep alone; infra/stack's SweepTableActions), and the
	// sweep's interval (X_COMPLIANCE_EVERY).
	SweepsTable bool
}

// Sizes shared by the functions.
const (
	// httpMemoryMB: Go needs little memory, but Lambda's CPU share grows
	// with it; 256 MB keeps cold starts and TLS handshakes short.
	httpMemoryMB = 256
	// httpTimeout bounds a console API request: a few DynamoDB calls and
	// one SQS send.
	httpTimeout = 10 * time.Second
	// lookupTimeout is for functions that may look a user up on X during
	// the request: X calls time out after 15 s (shared/xapi), and API
	// Gateway gives up after 30 s.
	lookupTimeout = 25 * time.Second
	// reconcilerTimeout bounds one run of the reconciler, far below its
	// period.
	reconcilerTimeout = time.Minute
)

// Console is the console function.
var Console = Function{
	Name:        "console",
	Description: "Console API: brand handles (and their X subscriptions), customer search and reads, case lists and reads, case status, health check",
	MemoryMB:    httpMemoryMB,
	Timeout:     lookupTimeout,
	Routes: []string{
		"GET /healthz",
		"GET /v1/handles", "POST /v1/handles",
		"PATCH /v1/handles/{id}", "DELETE /v1/handles/{id}",
		"GET /v1/customers",
		"GET /v1/customers/{id}",
		"GET /v1/cases",
		"GET /v1/cases/{id}", "PATCH /v1/cases/{id}",
		"GET /v1/cases/{id}/messages",
		"GET /v1/usage",
	},
	// It queues the brand handles' subscribe and unsubscribe commands and
	// reads their credentials secrets to check them.
	Access: Access{Table: true, SendOutbound: true, XApp: true, BrandHandles: true, ConsoleAPI: true},
}

// Customers is the customers function: the routes that write a customer's
// phones (and look a new customer's Twitter handle up on X). It alone links the phone library, whose init parses every
// region's metadata (about 2 MB of zip and tens of milliseconds of cold
// start), so that the console's reads never pay for it.
var Customers = Function{
	Name:        "customers",
	Description: "Console API: create, edit and merge customers (their phones read into search keys)",
	MemoryMB:    httpMemoryMB,
	Timeout:     lookupTimeout,
	Routes: []string{
		"POST /v1/customers",
		"PATCH /v1/customers/{id}",
		"POST /v1/customers/{id}/merge",
	},
	// A customer created with a Twitter handle is looked up on X, signed
	// as a connected brand handle.
	Access: Access{Table: true, XApp: true, BrandHandles: true, ConsoleAPI: true, Phones: true},
	// The phone library's init allocates about 3.8 MB in all: an 8 MB
	// first heap goal keeps a collection out of the cold start (make
	// bench's cold row, issue 13), and the live heap stays small.
	GOGC: 200,
}

// CreateCase is the create-case function.
var CreateCase = Function{
	Name:        "create-case",
	Description: "Console API: create a Twitter case and queue its first Tweet",
	MemoryMB:    httpMemoryMB,
	Timeout:     httpTimeout,
	Routes:      []string{"POST /v1/cases"},
	Access:      Access{Table: true, SendOutbound: true, ConsoleAPI: true},
}

// Reply is the reply function.
var Reply = Function{
	Name:        "reply",
	Description: "Console API: reply options, replies (mention or Direct Message) and the character counter",
	MemoryMB:    httpMemoryMB,
	Timeout:     lookupTimeout,
	Routes: []string{
		"GET /v1/cases/{id}/reply-options",
		"POST /v1/cases/{id}/replies",
		"POST /v1/text/count",
	},
	// The reply options ask X, as each brand handle, whether the customer
	// accepts its DMs and has X Chat keys (kept an hour: casework.DMReachTTL).
	Access: Access{Table: true, SendOutbound: true, XApp: true, BrandHandles: true, ConsoleAPI: true},
}

// Retweet is the retweet function.
var Retweet = Function{
	Name:        "retweet",
	Description: "Console API: Retweet a customer's Tweet with a brand handle, and undo it",
	MemoryMB:    httpMemoryMB,
	Timeout:     httpTimeout,
	Routes: []string{
		"PUT /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}",
		"DELETE /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}",
	},
	Access: Access{Table: true, SendOutbound: true, ConsoleAPI: true},
}

// Follow is the follow function.
var Follow = Function{
	Name:        "follow",
	Description: "Console API: a customer's Twitter handle (looked up on X) and the brand handles' follows",
	MemoryMB:    httpMemoryMB,
	Timeout:     lookupTimeout,
	Routes: []string{
		"PUT /v1/customers/{id}/twitter", "DELETE /v1/customers/{id}/twitter",
		"PUT /v1/customers/{id}/follows/{handle_id}", "DELETE /v1/customers/{id}/follows/{handle_id}",
	},
	Access: Access{Table: true, SendOutbound: true, XApp: true, BrandHandles: true, ConsoleAPI: true},
}

// TwitterWebhook is the twitter-webhook function.
var TwitterWebhook = Function{
	Name:        "twitter-webhook",
	Description: "X Account Activity webhook: CRC checks, signature verification, payloads onto the inbound queue",
	MemoryMB:    httpMemoryMB,
	Timeout:     httpTimeout,
	Routes:      []string{"GET /webhooks/twitter", "POST /webhooks/twitter"},
	// KeepsDeliveries: a delivery larger than a queue message is kept in
	// the table (shared/claimcheck).
	Access: Access{SendInbound: true, XApp: true, KeepsDeliveries: true},
}

// InboundWorker is the inbound-worker function.
var InboundWorker = Function{
	Name:        "inbound-worker",
	Description: "Inbound queue consumer: X events into cases, customers and follow state",
	MemoryMB:    httpMemoryMB,
	Consumes:    &queues.Inbound,
	// Payloads are independent and the worker is idempotent: up to ten
	// per invocation, waiting at most a second to fill a batch.
	BatchSize:   10,
	BatchWindow: time.Second,
	// It asks X, as a brand handle, what a delivery leaves out (the
	// author of a Post without includes.users) and who follows whom.
	Access: Access{Table: true, XApp: true, BrandHandles: true, XChatKeys: true},
}

// OutboundWorker is the outbound-worker function.
var OutboundWorker = Function{
	Name:        "outbound-worker",
	Description: "Outbound queue consumer: Tweets, replies, Direct Messages, Retweets, follows and the brand handles' subscriptions on X",
	MemoryMB:    httpMemoryMB,
	Consumes:    &queues.Outbound,
	// A FIFO batch is handled in order and stops at the first failure;
	// five commands keep a batch well inside the timeout even when X
	// is slow.
	BatchSize: 5,
	CallsX:    true,
	// SendOutbound: a command waiting out a long run of X's rate limits
	// is queued again (shared/outbound).
	Access: Access{Table: true, SendOutbound: true, XApp: true, BrandHandles: true, DelaysMessages: true, XActivity: true, XChatKeys: true},
}

// Reconciler is the reconciler function.
var Reconciler = Function{
	Name:        "reconciler",
	Description: "Scheduled: hands outgoing work a crash left unfinished back to the outbound queue",
	MemoryMB:    httpMemoryMB,
	// A Query of the work in flight and a conditional write and an
	// SQS send per stale piece of it.
	Timeout: reconcilerTimeout,
	// Work is stale after reconcile.StaleAfter (5 minutes): a run as
	// often finds it within one period.
	Schedule: 5 * time.Minute,
	Access:   Access{Table: true, SendOutbound: true},
}

// All is every function of the product, in the order the stack creates them.
// XCompliance is X's batch compliance sweep (issue 23): every
// ComplianceTick it moves the sweep one step on (create X's jobs, upload
// the stored Post and user ids, look at the jobs, apply their results) and
// returns, never waiting for X; a new sweep starts every X_COMPLIANCE_EVERY
// (the deployment's xComplianceEvery, daily by default).
var XCompliance = Function{
	Name:        "x-compliance",
	Description: "Scheduled: X batch compliance sweep (deleted, protected, suspended, deactivated Posts and accounts applied within 24 hours)",
	MemoryMB:    httpMemoryMB,
	// Uploading a large store's ids and applying a day's results take
	// minutes; the Lambda maximum leaves room, and an interrupted run
	// resumes where it stopped.
	Timeout:  15 * time.Minute,
	Schedule: ComplianceTick,
	Access:   Access{Table: true, XApp: true, SweepsTable: true},
}

// ComplianceTick is how often the compliance sweep function runs.
const ComplianceTick = 15 * time.Minute

var All = []Function{Console, Customers, CreateCase, Reply, Retweet, Follow, TwitterWebhook, InboundWorker, OutboundWorker, Reconciler, XCompliance}

// Environment variable names Env sets (see shared/config).
const (
	EnvTableName        = "TABLE_NAME"
	EnvOutboundQueueURL = "OUTBOUND_QUEUE_URL"
	EnvInboundQueueURL  = "INBOUND_QUEUE_URL"
	EnvXAppSecret       = "X_APP_SECRET"
	EnvTweetMaxLength   = "TWEET_MAX_LENGTH"
	EnvAllowedOrigins   = "ALLOWED_ORIGINS"
	EnvLogLevel         = "LOG_LEVEL"
	EnvStage            = "STAGE"
	EnvXWebhookID       = "X_WEBHOOK_ID"
	EnvPhoneRegion      = "DEFAULT_PHONE_REGION"
	EnvXChatKeyPrefix   = "X_CHAT_KEY_PREFIX"
	EnvXAccess          = "X_ACCESS"
	EnvXPrices          = "X_PRICES"
	EnvXComplianceEvery = "X_COMPLIANCE_EVERY"
	// EnvGOGC is read by the Go runtime, not shared/config (Function.GOGC).
	EnvGOGC = "GOGC"
)

// Resources are the values a function's environment is made of: names
// and URLs in AWS (CloudFormation tokens), or a test's local stand-ins.
type Resources struct {
	TableName        string
	OutboundQueueURL string
	InboundQueueURL  string
	XAppSecret       string
	// XChatKeyPrefix starts the names of the brand handles' X Chat key
	// secrets.
	XChatKeyPrefix string
}

// Config is the part of a deployment's settings that reaches the
// functions' environment.
type Config struct {
	LogLevel       string
	TweetMaxLength int
	AllowedOrigins []string
	// Stage names the deployment; XWebhookID is its webhook on X ("" until
	// make x-webhook has registered it and the stage's settings name it).
	Stage      string
	XWebhookID string
	// PhoneRegion is the region national phone numbers are read in.
	PhoneRegion string
	// XAccess is the X access of the deployment's app (self-serve or
	// enterprise), which decides what X allows.
	XAccess string
	// XPrices overrides X's published prices (JSON, casework.ParsePricing).
	XPrices string
	// ComplianceEvery is how often a compliance sweep starts (0: the
	// function's default, daily).
	ComplianceEvery time.Duration
}

// Env returns the function's environment: exactly the variables its
// Access calls for, so the emulator tests can run a function with the
// same environment the stack gives it.
func (f Function) Env(r Resources, s Config) map[string]string {
	env := map[string]string{EnvLogLevel: s.LogLevel}
	a := f.Access
	if a.Table || a.KeepsDeliveries {
		env[EnvTableName] = r.TableName
	}
	delays := func(q queues.Queue) bool { return a.DelaysMessages && f.Consumes != nil && f.Consumes.Name == q.Name }
	if a.SendOutbound || delays(queues.Outbound) {
		env[EnvOutboundQueueURL] = r.OutboundQueueURL
	}
	if a.SendInbound || delays(queues.Inbound) {
		env[EnvInboundQueueURL] = r.InboundQueueURL
	}
	if a.XApp {
		env[EnvXAppSecret] = r.XAppSecret
	}
	if a.ConsoleAPI {
		env[EnvTweetMaxLength] = strconv.Itoa(s.TweetMaxLength)
		env[EnvAllowedOrigins] = strings.Join(s.AllowedOrigins, ",")
	}
	if (a.ConsoleAPI || a.BrandHandles) && s.XAccess != "" {
		env[EnvXAccess] = s.XAccess
	}
	if (a.ConsoleAPI || a.BrandHandles) && s.XPrices != "" {
		env[EnvXPrices] = s.XPrices
	}
	if a.XActivity {
		env[EnvStage] = s.Stage
		if s.XWebhookID != "" {
			env[EnvXWebhookID] = s.XWebhookID
		}
	}
	if a.Phones {
		env[EnvPhoneRegion] = s.PhoneRegion
	}
	if a.XChatKeys && r.XChatKeyPrefix != "" {
		env[EnvXChatKeyPrefix] = r.XChatKeyPrefix
	}
	if a.SweepsTable && s.ComplianceEvery > 0 {
		env[EnvXComplianceEvery] = s.ComplianceEvery.String()
	}
	if f.GOGC != 0 {
		env[EnvGOGC] = strconv.Itoa(f.GOGC)
	}
	return env
}

// FunctionTimeout returns how long f may run: its own Timeout, or its
// queue's ConsumerTimeout for a queue consumer.
func (f Function) FunctionTimeout() time.Duration {
	if f.Consumes != nil {
		return f.Consumes.ConsumerTimeout
	}
	return f.Timeout
}

// Route splits "METHOD /path" into its parts.
func Route(r string) (method, path string) {
	method, path, _ = strings.Cut(r, " ")
	return method, path
}

// NeedsJWT reports whether a route's path is a console API route, which
// only agents with a valid JWT may call.
func NeedsJWT(path string) bool { return strings.HasPrefix(path, "/v1/") }

// ByName returns the function called name.
func ByName(name string) (Function, bool) {
	for _, f := range All {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}
