package stack

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

// TableActions are the DynamoDB calls the store (shared/dynamo) makes, and
// all a function that uses the table may call: no Scan, no table
// management.
var TableActions = []string{
	"dynamodb:BatchGetItem",
	"dynamodb:BatchWriteItem",
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"dynamodb:UpdateItem",
}

// SweepTableActions are the calls the compliance sweep's store adds
// (shared/dynamo/sweep.go: a paginated Scan of the claim items), granted to
// a function whose Access has SweepsTable alone.
var SweepTableActions = []string{"dynamodb:Scan"}

// IndexActions are the calls allowed on the table's indexes.
var IndexActions = []string{"dynamodb:Query"}

// KeepDeliveryActions are the calls of a function that keeps large
// webhook deliveries (functions.Access.KeepsDeliveries), on the table's
// items under table.DeliveryPrefix alone (KeepDeliveryCondition).
var KeepDeliveryActions = []string{"dynamodb:PutItem"}

// KeepDeliveryCondition limits KeepDeliveryActions to the items whose
// partition key starts with table.DeliveryPrefix.
func KeepDeliveryCondition() map[string]any {
	return map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{table.DeliveryPrefix + "*"}}}
}

// SecretActions are the calls allowed on the secrets a function reads.
var SecretActions = []string{"secretsmanager:GetSecretValue"}

// SecretWriteActions are the calls shared/secrets makes to write a secret:
// a brand handle's OAuth 2.0 tokens, by the functions that connect a handle
// (both) or refresh its tokens (RefreshActions only) (issue 24).
var SecretWriteActions = []string{"secretsmanager:CreateSecret", "secretsmanager:PutSecretValue"}

// RefreshActions are the calls allowed on the OAuth 2.0 token secrets to a
// function that acts as brand handles: a refresh replaces the pair.
var RefreshActions = []string{"secretsmanager:PutSecretValue"}

// FunctionID returns the construct id of a function: "CreateCaseFunction"
// for "create-case". Its role, log group and alarms are named after it.
func FunctionID(name string) string { return pascal(name) + "Function" }

// functionDeps are the resources newFunction wires a function to.
type functionDeps struct {
	stage     string
	settings  Settings
	buildDir  string
	resources functions.Resources
	table     awsdynamodb.Table
	queues    map[string]awssqs.Queue
	xApp      xAppSecret
}

// newFunction creates f with its own role (only what f.Access allows, no
// managed policies), its own log group, X-Ray tracing and, for a queue
// consumer, its event source mapping, for a scheduled one its EventBridge
// schedule.
func newFunction(st awscdk.Stack, f functions.Function, d functionDeps) awslambda.Function {
	id := FunctionID(f.Name)
	role := awsiam.NewRole(st, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("Runs the %s function of twitter-cases %s", f.Name, d.stage)),
	})
	logs := awslogs.NewLogGroup(st, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     retention(d.settings.LogRetentionDays),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	logs.GrantWrite(role)

	env := map[string]*string{}
	fc := d.settings.FunctionConfig()
	fc.Stage = d.stage
	for k, v := range f.Env(d.resources, fc) {
		env[k] = jsii.String(v)
	}
	props := &awslambda.FunctionProps{
		Description:   jsii.String(f.Description),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(filepath.Join(d.buildDir, f.Name)), nil),
		MemorySize:    jsii.Number(f.MemoryMB),
		Timeout:       seconds(f.FunctionTimeout()),
		Environment:   &env,
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Tracing:       awslambda.Tracing_ACTIVE,
	}
	if f.CallsX {
		props.ReservedConcurrentExecutions = jsii.Number(d.settings.OutboundConcurrency)
	}
	fn := awslambda.NewFunction(st, jsii.String(id), props)

	allow := func(actions []string, resources ...*string) {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: &resources,
		}))
	}
	a := f.Access
	if a.Table {
		allow(TableActions, d.table.TableArn())
		var indexes []*string
		for _, ix := range table.Definition.Indexes {
			indexes = append(indexes, awscdk.Fn_Join(jsii.String(""), &[]*string{d.table.TableArn(), jsii.String("/index/" + ix.Name)}))
		}
		allow(IndexActions, indexes...)
	}
	if a.SweepsTable {
		allow(SweepTableActions, d.table.TableArn())
	}
	if a.KeepsDeliveries && !a.Table {
		cond := KeepDeliveryCondition()
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings(KeepDeliveryActions...),
			Resources:  &[]*string{d.table.TableArn()},
			Conditions: &cond,
		}))
	}
	if a.SendOutbound {
		d.queues[queues.Outbound.Name].GrantSendMessages(role)
	}
	if a.SendInbound {
		d.queues[queues.Inbound.Name].GrantSendMessages(role)
	}
	if a.XApp {
		allow(SecretActions, d.xApp.arn)
	}
	suppressions := []*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Active tracing lets the function send traces to X-Ray: xray:PutTraceSegments and " +
			"xray:PutTelemetryRecords support no resource-level permissions, so their resource is *."),
		AppliesTo: &[]any{"Resource::*"},
	}}
	if a.BrandHandles {
		arn := handleSecretsARN(st, d.stage)
		allow(SecretActions, arn)
		// It refreshes OAuth 2.0 handles' tokens (shared/xauth).
		allow(RefreshActions, tokenSecretsARN(st, d.stage))
		suppressions = append(suppressions, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Brand handles are registered at run time (POST /v1/handles names the secret), so their " +
				"credentials secrets cannot be listed here; the function may read only secrets under the stage's " +
				"documented prefix " + HandleSecretPrefix(d.stage) + ", and only GetSecretValue."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:" + HandleSecretPrefix(d.stage) + "*"},
		}, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Brand handles connected with X (OAuth 2.0) get their token secret at run time, named after the " +
				"handle's X user id; a function acting as a handle refreshes its tokens and may replace (PutSecretValue) only " +
				"secrets under " + OAuth2TokenSecretPrefix(d.stage) + "."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:" + OAuth2TokenSecretPrefix(d.stage) + "*"},
		})
	}
	if a.XChatKeys {
		allow(SecretActions, xChatKeySecretsARN(st, d.stage))
		suppressions = append(suppressions, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Brand handles' X Chat keys are provisioned at run time (make x-chat-keys names the secret after " +
				"the handle's X user id), so their secrets cannot be listed here; only the functions that encrypt or decrypt DMs may " +
				"read secrets under the stage's documented prefix " + XChatKeySecretPrefix(d.stage) + ", and only GetSecretValue."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:" + XChatKeySecretPrefix(d.stage) + "*"},
		})
	}
	if q := f.Consumes; q != nil {
		esp := &awslambdaeventsources.SqsEventSourceProps{
			BatchSize:               jsii.Number(f.BatchSize),
			ReportBatchItemFailures: jsii.Bool(true),
		}
		if f.BatchWindow > 0 {
			esp.MaxBatchingWindow = seconds(f.BatchWindow)
		}
		if f.CallsX {
			esp.MaxConcurrency = jsii.Number(d.settings.OutboundConcurrency)
		}
		fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(d.queues[q.Name], esp))
	}
	if f.Schedule > 0 {
		// EventBridge invokes it on a rate; the target grants itself the
		// right to (a resource policy on the function, nothing on the role).
		// No retries: the next run comes soon and does the same.
		awsevents.NewRule(st, jsii.String(id+"Schedule"), &awsevents.RuleProps{
			Description: jsii.String(fmt.Sprintf("Runs the %s function of twitter-cases %s", f.Name, d.stage)),
			Schedule:    awsevents.Schedule_Rate(minutes(f.Schedule)),
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
				RetryAttempts: jsii.Number(0),
			})},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &suppressions, jsii.Bool(true))
	return fn
}

// retention converts a number of days CloudWatch Logs accepts (see
// retentionPeriods) into the CDK's name for it.
func retention(days int) awslogs.RetentionDays {
	r, ok := map[int]awslogs.RetentionDays{
		1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
		7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
		60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
		150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
		400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
		1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
		2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
		3653: awslogs.RetentionDays_TEN_YEARS,
	}[days]
	if !ok {
		panic(fmt.Sprintf("stack: %d days is not a CloudWatch Logs retention period", days))
	}
	return r
}

// pascal turns a name into PascalCase: "outbound.fifo" → "OutboundFifo",
// "create-case" → "CreateCase".
func pascal(name string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(word)
		b.WriteString(strings.ToUpper(string(rs[0])) + string(rs[1:]))
	}
	return b.String()
}

// minutes is a CDK duration of d, in whole minutes.
func minutes(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Minutes(jsii.Number(d.Minutes()))
}
