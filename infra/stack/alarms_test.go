package stack_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/stack"
	"github.com/acme/twitter-cases/shared/compliance"
	"github.com/acme/twitter-cases/shared/emf"
	"github.com/acme/twitter-cases/shared/queues"
)

// alarmOn finds the alarm of a metric, by namespace, name and the value of
// its one dimension (nil: no dimension).
func alarmOn(c *cfnTemplate, namespace, metric string, dimension any) (string, bool) {
	for _, id := range c.ofType("AWS::CloudWatch::Alarm") {
		p := c.Resources[id].Properties
		if p["Namespace"] != namespace || p["MetricName"] != metric {
			continue
		}
		dims := list(p["Dimensions"])
		if dimension == nil && len(dims) == 0 ||
			len(dims) == 1 && same(dims[0].(map[string]any)["Value"], dimension) {
			return id, true
		}
	}
	return "", false
}

func TestAlarms(t *testing.T) {
	c := tmpl(t)
	topic := ref(c.at(t, stack.AlarmTopicID))
	type want struct {
		what, namespace, metric string
		dimension               any
		threshold               float64
		statistic               string
		missing                 string // TreatMissingData; "" is notBreaching
	}
	var wants []want
	for _, q := range queues.Definitions {
		dlq := c.at(t, stack.DeadLetterQueueID(q))
		wants = append(wants,
			want{q.Name + " DLQ not empty", "AWS/SQS", "ApproximateNumberOfMessagesVisible", getAtt(dlq, "QueueName"), 1, "Maximum", ""},
			want{q.Name + " backlog", "AWS/SQS", "ApproximateAgeOfOldestMessage", getAtt(c.at(t, stack.QueueID(q)), "QueueName"),
				stack.QueueAgeThreshold[q.Name].Seconds(), "Maximum", ""})
	}
	for _, f := range functions.All {
		fn := ref(c.at(t, stack.FunctionID(f.Name)))
		wants = append(wants,
			want{f.Name + " errors", "AWS/Lambda", "Errors", fn, 1, "Sum", ""},
			want{f.Name + " throttles", "AWS/Lambda", "Throttles", fn, 1, "Sum", ""})
	}
	wants = append(wants,
		want{"API 5xx", "AWS/ApiGateway", "5xx", ref(c.at(t, stack.APIID)), stack.APIServerErrorThreshold, "Sum", ""},
		want{"webhook failures", stack.MetricNamespace("dev"), stack.WebhookFailuresMetric, nil, 1, "Sum", ""},
		want{"X credits exhausted", stack.MetricNamespace("dev"), stack.XCreditsExhaustedMetric, nil, 1, "Sum", ""},
		// X's 24-hour promise (issue 23): a result applied late, no sweep
		// completed for 36 hours (or none reporting), a job given up.
		want{"compliance apply lag", emf.Namespace, compliance.MetricApplyLag, nil, compliance.ApplyLagLimit.Seconds(), "Maximum", ""},
		want{"compliance sweep stale", emf.Namespace, compliance.MetricSinceCompleted, nil, compliance.SinceCompletedLimit.Seconds(), "Maximum", "breaching"},
		want{"compliance job given up", emf.Namespace, compliance.MetricGaveUp, nil, 1, "Sum", ""})

	for _, w := range wants {
		id, ok := alarmOn(c, w.namespace, w.metric, w.dimension)
		if !ok {
			t.Errorf("no alarm on %s (%s %s %s)", w.what, w.namespace, w.metric, js(w.dimension))
			continue
		}
		p := c.Resources[id].Properties
		got := fmt.Sprint(p["Threshold"], " ", p["ComparisonOperator"], " ", p["Statistic"], " ", p["EvaluationPeriods"], " ", p["TreatMissingData"])
		missing := w.missing
		if missing == "" {
			missing = "notBreaching"
		}
		exp := fmt.Sprint(w.threshold, " GreaterThanOrEqualToThreshold ", w.statistic, " 1 ", missing)
		if got != exp {
			t.Errorf("%s: %s, want %s", w.what, got, exp)
		}
		if !same(p["AlarmActions"], arr(topic)) || !same(p["OKActions"], arr(topic)) {
			t.Errorf("%s: actions %s / %s, want the alarm topic", w.what, js(p["AlarmActions"]), js(p["OKActions"]))
		}
		if d, _ := p["AlarmDescription"].(string); !strings.HasPrefix(d, "twitter-cases dev: ") {
			t.Errorf("%s: description %q", w.what, d)
		}
	}
	if n := len(c.ofType("AWS::CloudWatch::Alarm")); n != len(wants) {
		t.Errorf("%d alarms, want %d", n, len(wants))
	}

	// Webhook failures are counted from the access logs, X's spent
	// credits from the outbound worker's log.
	filters := c.ofType("AWS::Logs::MetricFilter")
	if len(filters) != 2 {
		t.Fatalf("metric filters = %v", filters)
	}
	byMetric := map[string]map[string]any{}
	for _, id := range filters {
		p := c.Resources[id].Properties
		m, _ := p["MetricTransformations"].([]any)
		if len(m) == 1 {
			name, _ := m[0].(map[string]any)["MetricName"].(string)
			byMetric[name] = p
		}
	}
	cf := byMetric[stack.XCreditsExhaustedMetric]
	if cf == nil || !same(cf["LogGroupName"], ref(c.at(t, stack.FunctionID(functions.OutboundWorker.Name)+"Logs"))) ||
		cf["FilterPattern"] != stack.XCreditsExhaustedPattern {
		t.Errorf("credits filter = %s", js(cf))
	}
	f := byMetric[stack.WebhookFailuresMetric]
	if !same(f["LogGroupName"], ref(c.at(t, stack.APIAccessLogsID))) ||
		f["FilterPattern"] != `{ (($.routeKey = "GET /webhooks/twitter") || ($.routeKey = "POST /webhooks/twitter")) && ($.status >= 400) }` ||
		!same(f["MetricTransformations"], arr(obj{"MetricName": stack.WebhookFailuresMetric, "MetricNamespace": "TwitterCases/dev", "MetricValue": "1"})) {
		t.Errorf("webhook failure filter = %s", js(f))
	}
}

// The alarm topic takes TLS only, lets this account's CloudWatch alarms
// publish, and has no subscription unless the context names an e-mail.
func TestAlarmTopic(t *testing.T) {
	c := tmpl(t)
	topic := c.at(t, stack.AlarmTopicID)
	policies := c.ofType("AWS::SNS::TopicPolicy")
	if len(policies) != 1 || !same(c.prop(policies[0], "Topics"), arr(ref(topic))) {
		t.Fatalf("topic policies = %v", policies)
	}
	doc := js(c.prop(policies[0], "PolicyDocument.Statement"))
	for _, want := range []string{
		`"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny","Principal":"*"`,
		`"Principal":{"Service":"cloudwatch.amazonaws.com"}`,
		`"StringEquals":{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("topic policy lacks %s: %s", want, doc)
		}
	}
	if subs := c.ofType("AWS::SNS::Subscription"); len(subs) != 0 {
		t.Errorf("subscriptions without an alarm e-mail: %v", subs)
	}
	_, _, v := variant(t)
	subs := v.ofType("AWS::SNS::Subscription")
	if len(subs) != 1 || v.prop(subs[0], "Protocol") != "email" || v.prop(subs[0], "Endpoint") != "oncall@example.com" ||
		!same(v.prop(subs[0], "TopicArn"), ref(v.at(t, stack.AlarmTopicID))) {
		t.Errorf("variant subscriptions = %v", subs)
	}
}

// The X app secret is created with a placeholder, never a value; it is
// kept when the stack goes. Nothing in the template is a secret value.
func TestXAppSecret(t *testing.T) {
	c := tmpl(t)
	id := c.at(t, stack.XAppSecretID)
	r := c.Resources[id]
	want := obj{
		"SecretStringTemplate": stack.XAppPlaceholder,
		"GenerateStringKey":    "placeholder",
		"ExcludePunctuation":   true,
	}
	if r.Properties["Name"] != "twitter-cases/dev/x-app" || !same(r.Properties["GenerateSecretString"], want) {
		t.Errorf("secret = %s", js(r.Properties))
	}
	if r.DeletionPolicy != "Retain" || r.UpdateReplacePolicy != "Retain" {
		t.Errorf("secret policies %q %q", r.DeletionPolicy, r.UpdateReplacePolicy)
	}
	for _, tpl := range []*cfnTemplate{c, synthesized.variantTpl} {
		for id, r := range tpl.Resources {
			if _, ok := r.Properties["SecretString"]; ok {
				t.Errorf("%s: %s has a SecretString", tpl.stack, id)
			}
		}
	}
}

// With xAppSecretName the stack creates no secret and grants reading the
// named one (any of its versions' ARN suffixes).
func TestExistingXAppSecret(t *testing.T) {
	_, _, v := variant(t)
	if ids := v.ofType("AWS::SecretsManager::Secret"); len(ids) != 0 {
		t.Errorf("secret created although the context names one: %v", ids)
	}
	arn := join("arn:", pseudo("Partition"), ":secretsmanager:", pseudo("Region"), ":", pseudo("AccountId"), ":secret:acme/x-app-??????")
	for _, f := range functions.All {
		if !f.Access.XApp {
			continue
		}
		role := v.at(t, stack.FunctionID(f.Name)+"Role")
		if g := v.grants(t, role); !slices.Contains(g, grant("secretsmanager:GetSecretValue", arn)) {
			t.Errorf("%s cannot read acme/x-app: %v", f.Name, g)
		}
		if got := v.prop(v.at(t, stack.FunctionID(f.Name)), "Environment.Variables.X_APP_SECRET"); got != "acme/x-app" {
			t.Errorf("%s: X_APP_SECRET = %v", f.Name, got)
		}
	}
	if got := v.Outputs[stack.XAppSecretOutputID].Value; got != "acme/x-app" {
		t.Errorf("secret name output = %v", got)
	}
}

// The variant's remaining choices reach the template.
func TestVariantSettings(t *testing.T) {
	_, _, v := variant(t)
	out := v.at(t, stack.FunctionID("outbound-worker"))
	if got := v.prop(out, "ReservedConcurrentExecutions"); got != 3.0 {
		t.Errorf("outbound reserved concurrency = %v", got)
	}
	for _, id := range v.ofType("AWS::Lambda::EventSourceMapping") {
		if same(v.prop(id, "FunctionName"), ref(out)) && v.prop(id, "ScalingConfig.MaximumConcurrency") != 3.0 {
			t.Errorf("outbound maximum concurrency = %v", v.prop(id, "ScalingConfig.MaximumConcurrency"))
		}
	}
	for _, id := range v.ofType("AWS::Logs::LogGroup") {
		if got := v.prop(id, "RetentionInDays"); got != 365.0 {
			t.Errorf("%s retention = %v", id, got)
		}
	}
	env := v.prop(v.at(t, stack.FunctionID("reply")), "Environment.Variables").(map[string]any)
	origins := join("https://console.example.com,https://admin.example.com,https://", getAtt(v.at(t, stack.ConsoleDistributionID), "DomainName"))
	if env["TWEET_MAX_LENGTH"] != "280" || env["LOG_LEVEL"] != "debug" || !same(env["ALLOWED_ORIGINS"], origins) {
		t.Errorf("reply environment = %v", env)
	}
	st := v.ofType("AWS::ApiGatewayV2::Stage")[0]
	if got := v.prop(st, "DefaultRouteSettings"); !same(got, obj{"ThrottlingRateLimit": 20.0, "ThrottlingBurstLimit": 40.0}) {
		t.Errorf("throttling = %s", js(got))
	}
	for _, id := range v.ofType("AWS::IAM::Policy") {
		if strings.Contains(js(v.Resources[id].Properties), "twitter-cases/dev/") {
			t.Errorf("%s grants on the dev stage's secrets", id)
		}
	}
}
