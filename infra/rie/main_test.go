package rie_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/rie"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/table"
)

// The test binary's shared setup: the emulator, the functions built once,
// the local DynamoDB and SQS, and the Secrets Manager stand-in.
var setup struct {
	skip     string // why the tests skip; "" when they run
	rie      string
	root     string
	bins     string
	ddb, sqs *localaws.Server
	secrets  *secretsStandIn
}

// appSecretName is the X app secret's name in these tests, as
// twitter-cases/<stage>/x-app is in AWS.
const appSecretName = "twitter-cases/rie/x-app"

// consoleOrigin is the origin of the sample API Gateway events.
const consoleOrigin = "https://console.example.com"

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	setup.rie = os.Getenv(rie.EnvVar)
	if setup.rie == "" {
		setup.skip = rie.EnvVar + " is not set: these tests run the built functions under aws-lambda-rie; " +
			"`make test` installs it into .cache/bin and sets " + rie.EnvVar
		return m.Run()
	}
	ctx := context.Background()
	root, err := localaws.ModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	setup.root = root
	dir, err := os.MkdirTemp("", "rie-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	setup.bins = filepath.Join(dir, "functions")
	var names []string
	for _, f := range functions.All {
		names = append(names, f.Name)
	}
	built := os.Getenv(rie.HostBuildDirEnv)
	if built != "" {
		setup.bins = built
	}

	var wg sync.WaitGroup
	var buildErr, ddbErr, sqsErr error
	wg.Add(3)
	go func() {
		defer wg.Done()
		if built != "" {
			buildErr = rie.Built(built, names)
			return
		}
		buildErr = rie.Build(ctx, root, setup.bins, names)
	}()
	go func() {
		defer wg.Done()
		setup.ddb, ddbErr = localaws.StartDynamoDB(ctx, localaws.Options{LogDir: dir})
	}()
	go func() { defer wg.Done(); setup.sqs, sqsErr = localaws.StartSQS(ctx, localaws.Options{LogDir: dir}) }()
	wg.Wait()
	if setup.ddb != nil {
		defer setup.ddb.Stop()
	}
	if setup.sqs != nil {
		defer setup.sqs.Stop()
	}
	for _, err := range []error{buildErr, ddbErr, sqsErr} {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	setup.secrets = newSecretsStandIn()
	defer setup.secrets.Close()
	return m.Run()
}

// secretsStandIn answers Secrets Manager's GetSecretValue (the one call the
// functions make) from the local run's sample credentials, with the X
// app's under appSecretName, and remembers which secrets were read.
type secretsStandIn struct {
	*httptest.Server
	sm *localaws.SecretsManager
}

func newSecretsStandIn() *secretsStandIn {
	src := sample.Secrets()
	_ = src.SetJSON(appSecretName, secrets.AppCredentials{ConsumerKey: sample.ConsumerKey, ConsumerSecret: sample.ConsumerSecret})
	sm := localaws.NewSecretsManager(src)
	return &secretsStandIn{Server: httptest.NewServer(sm), sm: sm}
}

// reads returns how often a secret has been read.
func (s *secretsStandIn) reads(name string) int { return s.sm.Reads(name) }

// deployment is one test's own table and queues, seeded with the local
// run's sample data, as a stage of the stack would have them.
type deployment struct {
	t        *testing.T
	table    string
	urls     localaws.QueueURLs
	store    *dynamo.Store
	sqs      *sqs.Client
	xBaseURL string // the X simulator, when the test has one
}

var deployments atomic.Int64

var notName = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// deploy skips the test unless the emulator is there, and makes the test
// its deployment.
func deploy(t *testing.T) *deployment {
	t.Helper()
	if setup.skip != "" {
		t.Skip(setup.skip)
	}
	t.Parallel()
	ctx := context.Background()
	n := deployments.Add(1)
	name := fmt.Sprintf("rie%d-%s", n, notName.ReplaceAllString(t.Name(), "-"))
	ddb := localaws.DynamoDBClient(setup.ddb.Endpoint)
	if err := localaws.EnsureTable(ctx, ddb, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	client := localaws.SQSClient(setup.sqs.Endpoint)
	urls, err := localaws.EnsureQueues(ctx, client, fmt.Sprintf("rie%d-", n), queues.Definitions)
	if err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(ddb, name)
	if err := sample.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	return &deployment{t: t, table: name, urls: urls, store: store, sqs: client}
}

// withX gives the deployment an X simulator of its own.
func (d *deployment) withX() *xsim.Sim {
	d.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sim := xsim.New(xsim.Options{Logger: slog.New(slog.DiscardHandler)})
	url, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { cancel(); sim.Close() })
	d.xBaseURL = url
	return sim
}

// env is the environment of a function: what the stack gives it in AWS
// (functions.Function.Env), with this deployment's names and URLs, plus
// what Lambda itself provides (region, credentials, the function's
// settings) and the local endpoints. DEV_TOKEN is not set: the agent comes
// from the JWT claims, as behind API Gateway's authorizer.
func (d *deployment) env(f functions.Function) map[string]string {
	env := f.Env(functions.Resources{
		TableName:        d.table,
		OutboundQueueURL: d.urls[queues.Outbound.Name],
		InboundQueueURL:  d.urls[queues.Inbound.Name],
		XAppSecret:       appSecretName,
	}, functions.Config{LogLevel: "info", TweetMaxLength: 140, AllowedOrigins: []string{consoleOrigin}, PhoneRegion: "US",
		// The functions are run as on Enterprise access, where X allows every
		// action they take (follows included); self-serve refusals are
		// tested in shared/consoleapi.
		XAccess: "enterprise"})
	for k, v := range map[string]string{
		"AWS_REGION":                       localaws.Region,
		"AWS_DEFAULT_REGION":               localaws.Region,
		"AWS_ACCESS_KEY_ID":                "local",
		"AWS_SECRET_ACCESS_KEY":            "local",
		"AWS_LAMBDA_FUNCTION_NAME":         f.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE":  strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":      strconv.Itoa(int(f.FunctionTimeout().Seconds())),
		"DYNAMODB_ENDPOINT":                setup.ddb.Endpoint,
		"SQS_ENDPOINT":                     setup.sqs.Endpoint,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": setup.secrets.URL,
	} {
		env[k] = v
	}
	if d.xBaseURL != "" && f.Access.XApp {
		env["X_API_BASE_URL"] = d.xBaseURL
	}
	return env
}

// start runs the named function under the emulator with its environment,
// changed by edit when given, until the test ends.
func (d *deployment) start(name string, edit ...func(map[string]string)) *rie.Emulator {
	d.t.Helper()
	f, ok := functions.ByName(name)
	if !ok {
		d.t.Fatalf("no function %s", name)
	}
	env := d.env(f)
	for _, e := range edit {
		e(env)
	}
	e, err := rie.Start(context.Background(), setup.rie, name, filepath.Join(setup.bins, name), env)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() {
		if d.t.Failed() {
			d.t.Logf("%s's logs:\n%s", name, e.Logs())
		} else if init := e.InitDuration(); init > 0 {
			d.t.Logf("%s: init %v", name, init)
		}
		e.Stop()
	})
	return e
}

// event reads a sample API Gateway request from events/apigw.
func event(t *testing.T, file string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(setup.root, "events", "apigw", file))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return ev
}

// request returns ev for another method, path and body, as API Gateway
// would send it.
func request(ev events.APIGatewayV2HTTPRequest, method, path, body string) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for k, v := range ev.Headers {
		headers[k] = v
	}
	ev.Headers = headers
	ev.RequestContext.HTTP.Method = method
	ev.RawPath, ev.RequestContext.HTTP.Path = path, path
	ev.RouteKey = method + " " + path
	ev.RequestContext.RouteKey = ev.RouteKey
	ev.RawQueryString, ev.QueryStringParameters = "", nil
	ev.Body = body
	if body != "" {
		ev.Headers["content-type"] = "application/json"
	}
	return ev
}

// withoutJWT is ev as it would be without the authorizer's claims.
func withoutJWT(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
	ev.RequestContext.Authorizer = nil
	return ev
}

// call invokes an HTTP function and checks the status.
func call(t *testing.T, e *rie.Emulator, ev events.APIGatewayV2HTTPRequest, status int) events.APIGatewayV2HTTPResponse {
	t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	if err := e.Invoke(context.Background(), ev, &resp); err != nil {
		t.Fatalf("%s %s: %v", ev.RequestContext.HTTP.Method, ev.RawPath, err)
	}
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", ev.RequestContext.HTTP.Method, ev.RawPath, resp.StatusCode, status, resp.Body)
	}
	return resp
}

// commands receives and deletes what waits on the outbound queue.
func (d *deployment) commands() []casework.Command {
	d.t.Helper()
	var out []casework.Command
	for _, m := range d.receive(queues.Outbound.Name, true) {
		var cmd casework.Command
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &cmd); err != nil {
			d.t.Fatal(err)
		}
		out = append(out, cmd)
	}
	return out
}

// receive takes every visible message off a queue, deleting them when del.
func (d *deployment) receive(queue string, del bool) []sqstypes.Message {
	d.t.Helper()
	ctx := context.Background()
	url := d.urls[queue]
	var out []sqstypes.Message
	for {
		res, err := d.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 30,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		})
		if err != nil {
			d.t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		out = append(out, res.Messages...)
		if del {
			for _, m := range res.Messages {
				if _, err := d.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
					d.t.Fatal(err)
				}
			}
		}
	}
}

// sqsEvent is the batch Lambda's event source mapping would hand over for
// messages received from a queue.
func (d *deployment) sqsEvent(queue string, msgs []sqstypes.Message) events.SQSEvent {
	var ev events.SQSEvent
	for _, m := range msgs {
		attrs := map[string]string{}
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Attributes: attrs, EventSource: "aws:sqs", AWSRegion: localaws.Region,
			EventSourceARN: "arn:aws:sqs:" + localaws.Region + ":000000000000:" + queue,
		})
	}
	return ev
}

// The sample case the reply and Retweet samples refer to: sample customer 0
// (who follows brand 0) Tweeted at brand 0, as the inbound worker records it.
const (
	sampleCaseID    = "01JDSAMPLECASE000000000001"
	sampleMessageID = "01JDSAMPLEMESSAGE000000001"
)

func (d *deployment) sampleCase() {
	d.t.Helper()
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Minute)
	cust, brand := sample.Customers[0], sample.Brands[0]
	c := &casework.Case{ID: sampleCaseID, CustomerID: cust.ID, HandleID: brand.HandleID, Channel: casework.ChannelTweet,
		Status: casework.CaseNew, CreatedAt: at, UpdatedAt: at, LastActivityAt: at}
	if err := d.store.PutCase(ctx, c); err != nil {
		d.t.Fatal(err)
	}
	m := &casework.Message{ID: sampleMessageID, CaseID: sampleCaseID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
		Text: "@" + brand.ScreenName + " my order is late", Status: casework.StatusReceived, XID: "3000000000000000001",
		Author: casework.Author{CustomerID: cust.ID, ScreenName: cust.Handle}, CreatedAt: at}
	if err := d.store.PutMessage(ctx, m); err != nil {
		d.t.Fatal(err)
	}
}
