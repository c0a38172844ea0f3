// Package lambdatest helps the HTTP functions' tests run a function's
// wiring as Lambda does: configuration from the environment, the SDK's
// default configuration, aws-lambda-go-api-proxy, and a sample API Gateway
// event from events/apigw, against local DynamoDB and SQS servers holding
// the local run's sample data. Only tests import it.
package lambdatest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

// Local is a test binary's local DynamoDB and SQS.
type Local struct {
	ddb, sqs *localaws.Server
	DynamoDB *dynamodb.Client
	SQS      *sqs.Client
}

// Start starts dynalite and fauxqs; call it from TestMain and Stop them after m.Run.
func Start() (*Local, error) {
	ctx := context.Background()
	ddb, err := localaws.StartDynamoDB(ctx, localaws.Options{})
	if err != nil {
		return nil, err
	}
	q, err := localaws.StartSQS(ctx, localaws.Options{})
	if err != nil {
		ddb.Stop()
		return nil, err
	}
	return &Local{ddb: ddb, sqs: q, DynamoDB: localaws.DynamoDBClient(ddb.Endpoint), SQS: localaws.SQSClient(q.Endpoint)}, nil
}

// Stop stops both servers.
func (l *Local) Stop() {
	l.sqs.Stop()
	l.ddb.Stop()
}

// Run is TestMain's body: start the servers, run the tests, stop the servers.
func Run(m *testing.M, local **Local) int {
	l, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lambdatest:", err)
		return 1
	}
	*local = l
	defer l.Stop()
	return m.Run()
}

// Deployment is one test's table and queues, as a function's environment names them.
type Deployment struct {
	Store       *dynamo.Store
	OutboundURL string
	local       *Local
}

var seq atomic.Int64

var notName = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// Deploy creates a table and queues of the test's own, seeds the local
// run's sample data (package sample) and sets the environment a function
// reads (t.Setenv, so the test must not be parallel): dummy AWS
// credentials and region, TABLE_NAME, DYNAMODB_ENDPOINT, SQS_ENDPOINT,
// OUTBOUND_QUEUE_URL, DEV_TOKEN unset.
func (l *Local) Deploy(t *testing.T) *Deployment {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	name := fmt.Sprintf("fn%d-%s", n, notName.ReplaceAllString(t.Name(), "-"))
	if len(name) > 200 {
		name = name[:200]
	}
	if err := localaws.EnsureTable(ctx, l.DynamoDB, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	urls, err := localaws.EnsureQueues(ctx, l.SQS, fmt.Sprintf("fn%d-", n), queues.Definitions)
	if err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(l.DynamoDB, name)
	if err := sample.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": localaws.Region,
		"TABLE_NAME": name, "DYNAMODB_ENDPOINT": l.ddb.Endpoint, "SQS_ENDPOINT": l.sqs.Endpoint,
		"OUTBOUND_QUEUE_URL": urls[queues.Outbound.Name], "DEV_TOKEN": "", "TWEET_MAX_LENGTH": "",
	} {
		t.Setenv(k, v)
	}
	return &Deployment{Store: store, OutboundURL: urls[queues.Outbound.Name], local: l}
}

// The case and the customer's Tweet that the sample events reply in and Retweet.
const (
	SampleCaseID    = "01JDSAMPLECASE000000000001"
	SampleMessageID = "01JDSAMPLEMESSAGE000000001"
)

// SampleCase writes the case the sample events name: sample customer 0
// (who follows brand 0) Tweeted at brand 0, as the inbound worker records it.
func (d *Deployment) SampleCase(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Minute)
	cust, brand := sample.Customers[0], sample.Brands[0]
	c := &casework.Case{ID: SampleCaseID, CustomerID: cust.ID, HandleID: brand.HandleID, Channel: casework.ChannelTweet,
		Status: casework.CaseNew, CreatedAt: at, UpdatedAt: at, LastActivityAt: at}
	if err := d.Store.PutCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	m := &casework.Message{ID: SampleMessageID, CaseID: SampleCaseID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
		Text: "@" + brand.ScreenName + " my order is late", Status: casework.StatusReceived, XID: "3000000000000000001",
		Author: casework.Author{CustomerID: cust.ID, ScreenName: cust.Handle}, CreatedAt: at}
	if err := d.Store.PutMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
}

// Event reads a sample API Gateway HTTP API event from events/apigw.
func Event(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	root, err := localaws.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "events", "apigw", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

// Invoke hands the event to the handler the way Lambda and api-proxy do.
func Invoke(t *testing.T, h http.Handler, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := httpadapter.NewV2(h).ProxyWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// WithoutAuthorizer returns the event as it would be with no JWT claims.
func WithoutAuthorizer(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
	ev.RequestContext.Authorizer = nil
	return ev
}

// Commands receives and deletes every command waiting in the outbound queue.
func (d *Deployment) Commands(t *testing.T) []casework.Command {
	t.Helper()
	var out []casework.Command
	for {
		res, err := d.local.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(d.OutboundURL), MaxNumberOfMessages: 10, VisibilityTimeout: 30,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			var cmd casework.Command
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &cmd); err != nil {
				t.Fatal(err)
			}
			out = append(out, cmd)
			if _, err := d.local.SQS.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{
				QueueUrl: aws.String(d.OutboundURL), ReceiptHandle: m.ReceiptHandle,
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// WantStatus fails the test unless the response has the status.
func WantStatus(t *testing.T, resp events.APIGatewayV2HTTPResponse, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; status != http.StatusNoContent && !strings.HasPrefix(ct, "application/") {
		t.Errorf("Content-Type = %q", ct)
	}
}

// Build builds a function's handler as its main does: configuration from
// the environment (which Deploy set), then the function's own build.
func Build(t *testing.T, build func(ctx context.Context, cfg config.Config) (http.Handler, error)) http.Handler {
	t.Helper()
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	h, err := build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
