package stack

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/compliance"
	"github.com/acme/twitter-cases/shared/emf"
	"github.com/acme/twitter-cases/shared/queues"
)

// Alarm thresholds.
const (
	// alarmPeriod is the period every alarm evaluates.
	alarmPeriod = 5 * time.Minute
	// APIServerErrorThreshold is how many 5xx answers in a period raise the
	// API alarm: a few can be a DynamoDB blip the console retries, more
	// are an outage.
	APIServerErrorThreshold = 5
	// WebhookFailuresMetric counts webhook requests answered 4xx or 5xx:
	// a delivery X could not hand over (bad signature, queue down, secret
	// missing) or a failed CRC check, after which X disables the webhook.
	WebhookFailuresMetric = "WebhookFailures"
	// XCreditsExhaustedMetric counts the outbound worker's log lines
	// saying X answered that the app's pay-per-use credits are spent (it
	// then pauses calls to X): someone must add credits.
	XCreditsExhaustedMetric = "XCreditsExhausted"
	// XCreditsExhaustedID is the alarm on it.
	XCreditsExhaustedID = "XCreditsExhausted"
)

// XCreditsExhaustedPattern matches the outbound worker's log line that
// pauses calls to X because X said the app's credits are spent
// (casework.ECreditsExhausted, with the pause's end).
const XCreditsExhaustedPattern = `{ ($.code = "x_credits_exhausted") && ($.paused_until = *) }`

// QueueAgeThreshold is how old the oldest message of a queue may get
// before its alarm rings: the outbound queue holds commands back on
// purpose for X's 15-minute rate-limit windows, the inbound queue should
// drain within minutes.
var QueueAgeThreshold = map[string]time.Duration{
	queues.Outbound.Name: 30 * time.Minute,
	queues.Inbound.Name:  15 * time.Minute,
}

// MetricNamespace is the CloudWatch namespace of the stage's own metrics.
func MetricNamespace(stage string) string { return MetricNamespacePrefix + stage }

// alarmSources are what the alarms watch.
type alarmSources struct {
	functions  map[string]awslambda.Function
	queues     map[string]awssqs.Queue
	dlqs       map[string]awssqs.Queue
	api        awsapigatewayv2.HttpApi
	accessLogs awslogs.LogGroup
}

// newAlarms creates the alarm topic (TLS-only, CloudWatch may publish,
// optional e-mail subscription) and the alarms, each notifying the topic
// when it goes into ALARM and back to OK: every dead-letter queue not
// empty, every queue's oldest message too old, every function's errors
// and throttles, the API's 5xx answers and the webhook's failures.
func newAlarms(st awscdk.Stack, stage string, s Settings, src alarmSources) {
	topic := awssns.NewTopic(st, jsii.String(AlarmTopicID), &awssns.TopicProps{
		DisplayName: jsii.String(fmt.Sprintf("twitter-cases %s alarms", stage)),
		EnforceSSL:  jsii.Bool(true),
	})
	// The TLS-only policy replaces the topic's default policy: let
	// CloudWatch alarms of this account publish explicitly.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": st.Account()},
			"ArnLike":      map[string]any{"aws:SourceArn": st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})},
		},
	}))
	if s.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.AlarmEmail), nil))
	}
	awscdk.NewCfnOutput(st, jsii.String(AlarmTopicOutputID), &awscdk.CfnOutputProps{
		Description: jsii.String("SNS topic of the alarms: subscribe on-call tools to it"),
		Value:       topic.TopicArn(),
	})
	action := awscloudwatchactions.NewSnsAction(topic)
	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64) {
		a := awscloudwatch.NewAlarm(st, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("twitter-cases %s: %s", stage, description)),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	sum := &awscloudwatch.MetricOptions{Period: minutes(alarmPeriod), Statistic: jsii.String("Sum")}
	max := &awscloudwatch.MetricOptions{Period: minutes(time.Minute), Statistic: jsii.String("Maximum")}

	for _, q := range queues.Definitions {
		alarm(DeadLetterQueueID(q)+"NotEmpty",
			fmt.Sprintf("messages of the %s queue were given up on and wait in its dead-letter queue; look at them and redrive or delete them", q.Name),
			src.dlqs[q.Name].MetricApproximateNumberOfMessagesVisible(max), 1)
		age := QueueAgeThreshold[q.Name]
		alarm(QueueID(q)+"Backlog",
			fmt.Sprintf("the oldest message of the %s queue is older than %v minutes: its consumer is failing or too slow", q.Name, age.Minutes()),
			src.queues[q.Name].MetricApproximateAgeOfOldestMessage(max), age.Seconds())
	}
	for _, f := range functions.All {
		fn := src.functions[f.Name]
		alarm(FunctionID(f.Name)+"Errors", fmt.Sprintf("the %s function failed (crash, timeout or returned error)", f.Name), fn.MetricErrors(sum), 1)
		alarm(FunctionID(f.Name)+"Throttles", fmt.Sprintf("invocations of the %s function were throttled", f.Name), fn.MetricThrottles(sum), 1)
	}
	complianceAlarms(st, stage, action)
	alarm("ApiServerErrors", fmt.Sprintf("the HTTP API answered %d or more 5xx in %v minutes", APIServerErrorThreshold, alarmPeriod.Minutes()),
		src.api.MetricServerError(sum), APIServerErrorThreshold)

	filter := awslogs.NewMetricFilter(st, jsii.String(WebhookFailuresID+"Filter"), &awslogs.MetricFilterProps{
		LogGroup:        src.accessLogs,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(WebhookFailuresPattern())),
		MetricNamespace: jsii.String(MetricNamespace(stage)),
		MetricName:      jsii.String(WebhookFailuresMetric),
		MetricValue:     jsii.String("1"),
	})
	alarm(WebhookFailuresID, "X's webhook calls were answered 4xx or 5xx: deliveries lost until X retries, or a failed CRC check (X then disables the webhook)",
		filter.Metric(sum), 1)

	credits := awslogs.NewMetricFilter(st, jsii.String(XCreditsExhaustedID+"Filter"), &awslogs.MetricFilterProps{
		LogGroup:        src.functions[functions.OutboundWorker.Name].LogGroup(),
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(XCreditsExhaustedPattern)),
		MetricNamespace: jsii.String(MetricNamespace(stage)),
		MetricName:      jsii.String(XCreditsExhaustedMetric),
		MetricValue:     jsii.String("1"),
	})
	alarm(XCreditsExhaustedID, "X says the app's pay-per-use credits are spent: nothing reaches X (the outbound worker pauses its calls) until someone adds credits in X's Developer Console",
		credits.Metric(sum), 1)
}

// WebhookFailuresPattern matches the access log lines of webhook requests
// (any of the twitter-webhook function's routes) answered with an error.
func WebhookFailuresPattern() string {
	var routes []string
	for _, r := range functions.TwitterWebhook.Routes {
		routes = append(routes, fmt.Sprintf(`($.routeKey = "%s")`, r))
	}
	return fmt.Sprintf(`{ (%s) && ($.status >= 400) }`, strings.Join(routes, " || "))
}

// The compliance sweep's alarms (shared/compliance's metrics).
const (
	ComplianceLagAlarmID    = "ComplianceApplyLag"
	ComplianceStaleAlarmID  = "ComplianceSweepStale"
	ComplianceGaveUpAlarmID = "ComplianceJobsGivenUp"
)

// complianceAlarms watch X's 24-hour promise: a result applied more than
// 24 hours after X redacted it, no sweep completed for 36 hours (or no
// sweep run reporting at all for as long: missing data breaches), and a
// job given up after X failed or expired it MaxJobAttempts times.
func complianceAlarms(st awscdk.Stack, stage string, action awscloudwatch.IAlarmAction) {
	metric := func(name, stat string, period time.Duration) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(emf.Namespace), MetricName: jsii.String(name),
			Statistic: jsii.String(stat), Period: minutes(period),
		})
	}
	add := func(id, description string, m awscloudwatch.Metric, threshold float64, missing awscloudwatch.TreatMissingData) {
		a := awscloudwatch.NewAlarm(st, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("twitter-cases %s: %s", stage, description)),
			Metric:             m,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   missing,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	add(ComplianceLagAlarmID, "X compliance: content deleted or hidden on X was applied more than 24 hours after X redacted it (X's Developer Policy)",
		metric(compliance.MetricApplyLag, "Maximum", time.Hour), compliance.ApplyLagLimit.Seconds(), awscloudwatch.TreatMissingData_NOT_BREACHING)
	add(ComplianceStaleAlarmID, "X compliance: no batch compliance sweep has completed for 36 hours (or the sweep reports nothing)",
		metric(compliance.MetricSinceCompleted, "Maximum", time.Hour), compliance.SinceCompletedLimit.Seconds(), awscloudwatch.TreatMissingData_BREACHING)
	add(ComplianceGaveUpAlarmID, "X compliance: a batch compliance job failed or expired on X three times and the sweep gave it up",
		metric(compliance.MetricGaveUp, "Sum", time.Hour), 1, awscloudwatch.TreatMissingData_NOT_BREACHING)
}
