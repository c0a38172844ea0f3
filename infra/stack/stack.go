// Package stack defines the product's CloudFormation stack, one per stage:
// the DynamoDB table and the SQS queues, built from the shared definitions
// in shared/table and shared/queues so that AWS, the local run and the tests
// cannot drift apart; the X app's credentials secret; every Lambda function
// of functions.All with its own least-privilege role, log group and trigger;
// the HTTP API with a JWT authorizer (the stack's Cognito user pool, or an
// external issuer); and CloudWatch alarms on an SNS topic.
//
// The stack is environment-agnostic (no account or region) and lets
// CloudFormation name its resources, except the X app secret, whose name
// ops need to know; its outputs show the names and URLs. NewApp adds the
// cdk-nag AwsSolutions checks; every suppression sits next to the resource
// it is about, with its reason.
package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

// Context keys read by the app.
const (
	// ContextStage names the stage ("dev", "prod", ...) the stack is for.
	ContextStage = "stage"
)

// DefaultStage is the stage when the context names none.
const DefaultStage = "dev"

// stagePattern keeps stack names valid for CloudFormation
// ([A-Za-z][A-Za-z0-9-]*, at most 128 characters) and short enough for the
// names CloudFormation derives from them.
var stagePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// Construct and output ids. The ids of the queues are derived from their
// names by QueueID and DeadLetterQueueID, those of the functions from
// theirs by FunctionID.
const (
	TableID                = "Table"
	XAppSecretID           = "XAppSecret"
	UserPoolID             = "UserPool"
	UserPoolClientID       = "ConsoleClient"
	APIID                  = "Api"
	APIAccessLogsID        = "ApiAccessLogs"
	AlarmTopicID           = "AlarmTopic"
	WebhookFailuresID      = "WebhookFailures"
	TableNameOutputID      = "TableName"
	APIURLOutputID         = "ApiUrl"
	WebhookURLOutputID     = "WebhookUrl"
	UserPoolIDOutputID     = "UserPoolId"
	UserPoolClientOutput   = "UserPoolClientId"
	JWTIssuerOutputID      = "JwtIssuer"
	AlarmTopicOutputID     = "AlarmTopicArn"
	XAppSecretOutputID     = "XAppSecretName"
	HandlePrefixOutputID   = "BrandHandleSecretPrefix"
	XChatKeyPrefixOutputID = "XChatKeySecretPrefix"
	// XChatKeyProvisionerOutputID is the ARN of the policy that may write them.
	XChatKeyProvisionerOutputID = "XChatKeyProvisionerPolicyArn"
	MetricNamespacePrefix       = "TwitterCases/"
)

// Props configures the stack.
type Props struct {
	// Stage is the stage the stack is for; see Stage.
	Stage string
	// Settings are the deployment's choices (see SettingsFrom); none
	// means DefaultSettings.
	Settings Settings
	// BuildDir holds each function's Lambda build, <BuildDir>/<name>/bootstrap
	// (`make build` writes them to build/).
	BuildDir string
}

// Name returns the stack name of a stage: "TwitterCases-<stage>".
func Name(stage string) string {
	return "TwitterCases-" + stage
}

// Stage returns the stage named by the context key "stage" of scope, or
// DefaultStage when there is none. It fails on a stage that would not make
// a valid stack name.
func Stage(scope constructs.Construct) (string, error) {
	v := scope.Node().TryGetContext(jsii.String(ContextStage))
	if v == nil {
		return DefaultStage, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("context %q: want a string, got %T", ContextStage, v)
	}
	if s == "" {
		return DefaultStage, nil
	}
	if !stagePattern.MatchString(s) {
		return "", fmt.Errorf("context %q: %q is not a stage name (lower-case letters, digits and hyphens, starting with a letter, at most 32)", ContextStage, s)
	}
	return s, nil
}

// New adds the stack of props.Stage to scope under id (use Name(stage)):
// the table, the queues, the X app secret, every function of functions.All
// with its least-privilege role, log group and triggers, the HTTP API with
// its JWT authorizer, and the alarms. It fails when a function's build is
// missing.
func New(scope constructs.Construct, id string, props Props) (awscdk.Stack, error) {
	for _, f := range functions.All {
		bootstrap := filepath.Join(props.BuildDir, f.Name, "bootstrap")
		if info, err := os.Stat(bootstrap); err != nil || !info.Mode().IsRegular() {
			return nil, fmt.Errorf("stack: no Lambda build of %s at %s: run `make build` first", f.Name, bootstrap)
		}
	}
	if err := checkConsoleBuild(props.BuildDir); err != nil {
		return nil, err
	}
	st := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description: jsii.String(fmt.Sprintf("Twitter channel of the support console (stage %s)", props.Stage)),
	})
	s := props.Settings
	if reflect.ValueOf(s).IsZero() {
		s = DefaultSettings
	}
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(st, jsii.String(id), &awscdk.CfnOutputProps{Description: jsii.String(description), Value: value})
	}

	// The console first: its origin is one the API and the functions let in.
	console := newConsoleHosting(st, props.Stage, s)
	out(ConsoleURLOutputID, "URL of the agent console", console.url)
	if !slices.Contains(s.AllowedOrigins, "*") {
		s.AllowedOrigins = append(slices.Clone(s.AllowedOrigins), *console.url)
	}

	tbl := newTable(st, TableID, table.Definition)
	out(TableNameOutputID, "Name of the DynamoDB table", tbl.TableName())

	queueOf := map[string]awssqs.Queue{}
	dlqOf := map[string]awssqs.Queue{}
	for _, q := range queues.Definitions {
		queue, dlq := newQueue(st, q)
		queueOf[q.Name], dlqOf[q.Name] = queue, dlq
		out(QueueURLOutputID(q), fmt.Sprintf("URL of the %s queue", q.Name), queue.QueueUrl())
		out(DeadLetterQueueURLOutputID(q), fmt.Sprintf("URL of the %s queue's dead-letter queue", q.Name), dlq.QueueUrl())
	}

	app := newXAppSecret(st, props.Stage, s)
	out(XAppSecretOutputID, "Name of the Secrets Manager secret with the X app's consumer key and secret (JSON: consumer_key, consumer_secret)", jsii.String(app.name))
	out(HandlePrefixOutputID, "Brand handles' credentials secrets must be named with this prefix (JSON: access_token, access_token_secret)", jsii.String(HandleSecretPrefix(props.Stage)))
	out(XChatKeyPrefixOutputID, "Brand handles' X Chat key secrets are named with this prefix and the handle's X user id (make x-chat-keys writes them)", jsii.String(XChatKeySecretPrefix(props.Stage)))
	out(XChatKeyProvisionerOutputID, "Managed policy to attach to the operators' role that runs make x-chat-keys (the only grant to write X Chat key secrets)",
		newXChatKeyProvisioner(st, props.Stage).ManagedPolicyArn())

	res := functions.Resources{
		TableName:        *tbl.TableName(),
		OutboundQueueURL: *queueOf[queues.Outbound.Name].QueueUrl(),
		InboundQueueURL:  *queueOf[queues.Inbound.Name].QueueUrl(),
		XAppSecret:       app.name,
		XChatKeyPrefix:   XChatKeySecretPrefix(props.Stage),
	}
	fns := map[string]awslambda.Function{}
	for _, f := range functions.All {
		fns[f.Name] = newFunction(st, f, functionDeps{
			stage: props.Stage, settings: s, buildDir: props.BuildDir, resources: res,
			table: tbl, queues: queueOf, xApp: app,
		})
	}

	api, accessLogs, signIn := newAPI(st, props.Stage, s, fns, console.url)
	deployConsole(st, console, props.BuildDir, s.LogRetentionDays, api.ApiEndpoint(), signIn)
	out(APIURLOutputID, "Base URL of the HTTP API (console routes under /v1/, GET /healthz)", api.ApiEndpoint())
	out(WebhookURLOutputID, "URL to register as the X Account Activity webhook", webhookURL(api))

	newAlarms(st, props.Stage, s, alarmSources{
		functions: fns, queues: queueOf, dlqs: dlqOf, api: api, accessLogs: accessLogs,
	})
	return st, nil
}

// newTable translates a table.Schema into a DynamoDB table: every key a
// string, every index projecting all attributes, on-demand billing, point-in
// time recovery, deletion protection, AWS-managed encryption, and kept when
// the stack lets go of it.
func newTable(scope constructs.Construct, id string, s table.Schema) awsdynamodb.Table {
	partition, sort := keyAttributes(s.Key)
	props := &awsdynamodb.TableProps{
		PartitionKey: partition,
		SortKey:      sort,
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	}
	if s.TTLAttribute != "" {
		props.TimeToLiveAttribute = jsii.String(s.TTLAttribute)
	}
	t := awsdynamodb.NewTable(scope, jsii.String(id), props)
	for _, ix := range s.Indexes {
		partition, sort := keyAttributes(ix.Key)
		t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   partition,
			SortKey:        sort,
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return t
}

// keyAttributes returns the string attributes of a key; sort is nil for a
// key without a sort key.
func keyAttributes(k table.Key) (partition, sort *awsdynamodb.Attribute) {
	partition = &awsdynamodb.Attribute{Name: jsii.String(k.Partition), Type: awsdynamodb.AttributeType_STRING}
	if k.Sort != "" {
		sort = &awsdynamodb.Attribute{Name: jsii.String(k.Sort), Type: awsdynamodb.AttributeType_STRING}
	}
	return partition, sort
}

// newQueue translates a queues.Queue into a queue and its dead-letter queue,
// both SQS-encrypted and refusing requests that do not use TLS. CloudFormation
// names them (a FIFO queue's generated name ends in ".fifo"); FIFO queues
// leave deduplication to the sender's deduplication ids.
func newQueue(scope constructs.Construct, q queues.Queue) (queue, dlq awssqs.Queue) {
	dlq = awssqs.NewQueue(scope, jsii.String(DeadLetterQueueID(q)), fifo(q.FIFO, &awssqs.QueueProps{
		RetentionPeriod: seconds(queues.DLQRetention),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	}))
	queue = awssqs.NewQueue(scope, jsii.String(QueueID(q)), fifo(q.FIFO, &awssqs.QueueProps{
		VisibilityTimeout: seconds(q.VisibilityTimeout),
		RetentionPeriod:   seconds(q.Retention),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: jsii.Number(q.MaxReceiveCount),
		},
		Encryption: awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL: jsii.Bool(true),
	}))
	return queue, dlq
}

// fifo makes props a FIFO queue's, without content-based deduplication, when
// isFIFO; a standard queue's props are left alone.
func fifo(isFIFO bool, props *awssqs.QueueProps) *awssqs.QueueProps {
	if isFIFO {
		props.Fifo = jsii.Bool(true)
		props.ContentBasedDeduplication = jsii.Bool(false)
	}
	return props
}

// seconds converts d to a CDK duration in whole seconds, the unit SQS counts in.
func seconds(d time.Duration) awscdk.Duration {
	if d%time.Second != 0 {
		panic(fmt.Sprintf("stack: %v is not a whole number of seconds", d))
	}
	return awscdk.Duration_Seconds(jsii.Number(int64(d / time.Second)))
}

// QueueID returns the construct id of q's queue: "OutboundQueue" for
// "outbound.fifo".
func QueueID(q queues.Queue) string { return baseID(q) + "Queue" }

// DeadLetterQueueID returns the construct id of q's dead-letter queue.
func DeadLetterQueueID(q queues.Queue) string { return baseID(q) + "DeadLetterQueue" }

// QueueURLOutputID returns the id of the stack output holding q's URL:
// "OutboundQueueUrl" for "outbound.fifo".
func QueueURLOutputID(q queues.Queue) string { return QueueID(q) + "Url" }

// DeadLetterQueueURLOutputID returns the id of the stack output holding the
// URL of q's dead-letter queue: "OutboundDeadLetterQueueUrl".
func DeadLetterQueueURLOutputID(q queues.Queue) string { return DeadLetterQueueID(q) + "Url" }

// baseID turns a queue name into PascalCase, without the ".fifo" suffix:
// "outbound.fifo" → "Outbound", "x-events" → "XEvents".
func baseID(q queues.Queue) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(strings.TrimSuffix(q.Name, ".fifo"), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(word)
		b.WriteString(strings.ToUpper(string(rs[0])) + string(rs[1:]))
	}
	return b.String()
}
