package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/twitter-cases/infra/cdkjson"
	"github.com/acme/twitter-cases/infra/stack"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

// The tests share one synthesis of one app holding two stacks: the stack
// of cdk.json's stage with cdk.json's settings, exactly as `cdk synth`
// builds it (TestTemplateEqualsCDKSynth checks that), and a variant stack
// with every other choice the settings offer (an external JWT issuer, an
// existing X app secret, an alarm e-mail, ...). Starting jsii and
// synthesising cost seconds; looking at the result, milliseconds.
var synthesized struct {
	once sync.Once
	err  error
	// outdir receives the cloud assembly; TestMain removes it.
	outdir  string
	root    string // the module root (cdk.json's folder)
	stack   awscdk.Stack
	variant awscdk.Stack
	// template and variantTemplate are the stacks' templates for the
	// assertions package; tpl and variantTpl the same, decoded.
	template, variantTemplate assertions.Template
	tpl, variantTpl           *cfnTemplate
}

// The variant stack's stage and settings: each differs from cdk.json's.
const variantStage = "prod"

var variantSettings = stack.Settings{
	TweetMaxLength:      280,
	AllowedOrigins:      []string{"https://console.example.com", "https://admin.example.com"},
	AlarmEmail:          "oncall@example.com",
	JWTIssuer:           "https://login.example.com/",
	JWTAudience:         []string{"console", "console-admin"},
	XAppSecretName:      "acme/x-app",
	OutboundConcurrency: 3,
	LogRetentionDays:    365,
	LogLevel:            "debug",
	APIRateLimit:        20,
	APIBurstLimit:       40,
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "infra-stack-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	synthesized.outdir = filepath.Join(dir, "test.out")
	// `cdk synth` runs in the background while the tests synthesise their own.
	startCDKSynth(filepath.Join(dir, "cli.out"))
	code := m.Run()
	stopCDKSynth()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// projectConfig returns the project's cdk.json.
func projectConfig(t testing.TB) cdkjson.Config {
	t.Helper()
	cfg, err := cdkjson.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// synth returns the stack of cdk.json's stage and its template.
func synth(t *testing.T) (awscdk.Stack, assertions.Template) {
	t.Helper()
	s := &synthesized
	s.once.Do(func() { s.err = synthesize(projectConfig(t)) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.stack, s.template
}

// tmpl returns the decoded template of cdk.json's stage.
func tmpl(t *testing.T) *cfnTemplate {
	t.Helper()
	synth(t)
	return synthesized.tpl
}

// variant returns the variant stack, its template and its decoded template.
func variant(t *testing.T) (awscdk.Stack, assertions.Template, *cfnTemplate) {
	t.Helper()
	synth(t)
	return synthesized.variant, synthesized.variantTemplate, synthesized.variantTpl
}

func synthesize(cfg cdkjson.Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis panicked: %v", r)
		}
	}()
	s := &synthesized
	s.root = cfg.Dir
	buildDir := filepath.Join(cfg.Dir, stack.BuildDir)
	app, st, err := stack.NewApp(stack.AppProps{Context: cfg.AppContext(), Outdir: s.outdir, BuildDir: buildDir})
	if err != nil {
		return err
	}
	s.stack = st
	s.variant, err = stack.New(app, stack.Name(variantStage), stack.Props{Stage: variantStage, Settings: variantSettings, BuildDir: buildDir})
	if err != nil {
		return err
	}
	assembly := app.Synth(nil)
	load := func(st awscdk.Stack) (assertions.Template, *cfnTemplate, error) {
		path := *assembly.GetStackArtifact(st.ArtifactId()).TemplateFullPath()
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		var decoded cfnTemplate
		if err := json.Unmarshal(raw, &decoded); err != nil {
			return nil, nil, err
		}
		decoded.stack = *st.StackName()
		return assertions.Template_FromString(jsii.String(string(raw)), nil), &decoded, nil
	}
	if s.template, s.tpl, err = load(s.stack); err != nil {
		return err
	}
	s.variantTemplate, s.variantTpl, err = load(s.variant)
	return err
}

// reporter is the part of testing.T that check uses.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// check runs one assertion and reports its failure as a test error:
// assertions fail by panicking with "AssertionError: ..." instead of
// calling t.Error, which would stop the test at the first failure.
func check(t reporter, what string, assertion func()) {
	t.Helper()
	if failed, why := panics(assertion); failed {
		t.Errorf("%s: %v", what, why)
	}
}

// panics runs f and returns what it panicked with, if it did. (Reporting
// from check rather than from a deferred function keeps t.Helper working:
// the error names the line of the failed check.)
func panics(f func()) (failed bool, why any) {
	defer func() {
		if why = recover(); why != nil {
			failed = true
		}
	}()
	f()
	return false, nil
}

// logicalID returns the logical id of the CloudFormation resource behind the
// construct with the given id directly under st.
func logicalID(t *testing.T, st awscdk.Stack, id string) string {
	t.Helper()
	c := st.Node().TryFindChild(jsii.String(id))
	if c == nil {
		t.Fatalf("stack has no construct %q", id)
	}
	var res constructs.IConstruct = c
	if def := c.Node().DefaultChild(); def != nil {
		res = def
	}
	el, ok := res.(awscdk.CfnElement)
	if !ok {
		t.Fatalf("construct %q is a %T, not a CloudFormation element", id, res)
	}
	return *st.GetLogicalId(el)
}

// Shorthands for patterns.
type obj = map[string]any

func arr(items ...any) []any { return items }

func ref(id string) obj { return obj{"Ref": id} }

func arn(id string) obj { return obj{"Fn::GetAtt": arr(id, "Arn")} }

func secs(d time.Duration) float64 { return d.Seconds() }

// keySchema is the CloudFormation KeySchema of k.
func keySchema(k table.Key) []any {
	ks := arr(obj{"AttributeName": k.Partition, "KeyType": "HASH"})
	if k.Sort != "" {
		ks = append(ks, obj{"AttributeName": k.Sort, "KeyType": "RANGE"})
	}
	return ks
}

// attributeDefinitions lists every key attribute of s once, as a string, in
// the order CDK registers them: the table's key, then each index's.
func attributeDefinitions(s table.Schema) []any {
	var defs []any
	seen := map[string]bool{}
	for _, name := range s.AttributeNames() {
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		defs = append(defs, obj{"AttributeName": name, "AttributeType": "S"})
	}
	return defs
}

func TestStackIsEnvironmentAgnosticAndNamedAfterStage(t *testing.T) {
	st, _ := synth(t)
	if got, want := *st.StackName(), "TwitterCases-dev"; got != want {
		t.Errorf("stack name = %q, want %q", got, want)
	}
	if got, want := *st.Environment(), "aws://unknown-account/unknown-region"; got != want {
		t.Errorf("environment = %q, want %q (no account or region)", got, want)
	}
	for _, m := range synthesisMessages(t, *st.StackName()) {
		t.Error(m)
	}
}

func TestTableFollowsDefinition(t *testing.T) {
	st, tmpl := synth(t)
	def := table.Definition
	typ := jsii.String("AWS::DynamoDB::Table")

	gsis := []any{}
	for _, ix := range def.Indexes {
		gsis = append(gsis, obj{
			"IndexName":  ix.Name,
			"KeySchema":  keySchema(ix.Key),
			"Projection": obj{"ProjectionType": "ALL"},
		})
	}
	ttl := any(assertions.Match_Absent())
	if def.TTLAttribute != "" {
		ttl = obj{"AttributeName": def.TTLAttribute, "Enabled": true}
	}

	check(t, "one table", func() { tmpl.ResourceCountIs(typ, jsii.Number(1)) })
	props := map[string]any{
		"KeySchema":                        keySchema(def.Key),
		"AttributeDefinitions":             attributeDefinitions(def),
		"GlobalSecondaryIndexes":           gsis,
		"TimeToLiveSpecification":          ttl,
		"BillingMode":                      "PAY_PER_REQUEST",
		"PointInTimeRecoverySpecification": obj{"PointInTimeRecoveryEnabled": true},
		"DeletionProtectionEnabled":        true,
		"SSESpecification":                 obj{"SSEEnabled": true},
		"ProvisionedThroughput":            assertions.Match_Absent(),
	}
	for name, want := range props {
		check(t, name, func() { tmpl.HasResourceProperties(typ, obj{name: want}) })
	}
	check(t, "retained on delete and replace", func() {
		tmpl.HasResource(typ, obj{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	})
	check(t, "table name output", func() {
		tmpl.HasOutput(jsii.String(stack.TableNameOutputID), obj{"Value": ref(logicalID(t, st, stack.TableID))})
	})
}

func TestQueuesFollowDefinitions(t *testing.T) {
	st, tmpl := synth(t)
	queueType := jsii.String("AWS::SQS::Queue")
	policyType := jsii.String("AWS::SQS::QueuePolicy")

	check(t, "queue count", func() { tmpl.ResourceCountIs(queueType, jsii.Number(2*len(queues.Definitions))) })
	check(t, "queue policy count", func() { tmpl.ResourceCountIs(policyType, jsii.Number(2*len(queues.Definitions))) })

	for _, q := range queues.Definitions {
		t.Run(q.Name, func(t *testing.T) {
			id := logicalID(t, st, stack.QueueID(q))
			dlqID := logicalID(t, st, stack.DeadLetterQueueID(q))
			resources := tmpl.FindResources(queueType, nil)

			fifo := func(props obj) obj {
				if q.FIFO {
					props["FifoQueue"] = true
					props["ContentBasedDeduplication"] = false
				} else {
					props["FifoQueue"] = assertions.Match_Absent()
					props["ContentBasedDeduplication"] = assertions.Match_Absent()
				}
				return props
			}
			want := map[string]obj{
				id: fifo(obj{
					"VisibilityTimeout":      secs(q.VisibilityTimeout),
					"MessageRetentionPeriod": secs(q.Retention),
					"RedrivePolicy": obj{
						"deadLetterTargetArn": arn(dlqID),
						"maxReceiveCount":     q.MaxReceiveCount,
					},
					"SqsManagedSseEnabled": true,
					"QueueName":            assertions.Match_Absent(),
				}),
				dlqID: fifo(obj{
					"MessageRetentionPeriod": secs(queues.DLQRetention),
					"SqsManagedSseEnabled":   true,
					"QueueName":              assertions.Match_Absent(),
				}),
			}
			for logical, props := range want {
				if _, ok := (*resources)[logical]; !ok {
					t.Errorf("no queue %s in the template", logical)
					continue
				}
				check(t, logical, func() {
					matches := tmpl.FindResources(queueType, obj{"Properties": props})
					if _, ok := (*matches)[logical]; !ok {
						// Let the assertion explain what differs.
						tmpl.TemplateMatches(obj{"Resources": obj{logical: obj{"Properties": props}}})
					}
				})
				check(t, logical+" SSL-only policy", func() {
					tmpl.HasResourceProperties(policyType, obj{
						"Queues": arr(ref(logical)),
						"PolicyDocument": obj{"Statement": assertions.Match_ArrayWith(&[]any{obj{
							"Effect":    "Deny",
							"Action":    "sqs:*",
							"Principal": obj{"AWS": "*"},
							"Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}},
							"Resource":  arn(logical),
						}})},
					})
				})
			}
			check(t, "URL output", func() {
				tmpl.HasOutput(jsii.String(stack.QueueURLOutputID(q)), obj{"Value": ref(id)})
			})
			check(t, "dead-letter queue URL output", func() {
				tmpl.HasOutput(jsii.String(stack.DeadLetterQueueURLOutputID(q)), obj{"Value": ref(dlqID)})
			})
		})
	}
}

func TestStage(t *testing.T) {
	for _, tc := range []struct {
		context any // nil: no "stage" in context
		want    string
		wantErr bool
	}{
		{context: nil, want: "dev"},
		{context: "", want: "dev"},
		{context: "prod", want: "prod"},
		{context: "pr-42", want: "pr-42"},
		{context: "Prod", wantErr: true},
		{context: "dev/x", wantErr: true},
		{context: "1st", wantErr: true},
		{context: strings.Repeat("a", 33), wantErr: true},
		{context: 7.0, wantErr: true},
	} {
		t.Run(fmt.Sprint(tc.context), func(t *testing.T) {
			ctx := map[string]any{}
			if tc.context != nil {
				ctx[stack.ContextStage] = tc.context
			}
			got, err := stack.Stage(awscdk.NewApp(&awscdk.AppProps{Context: &ctx}))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("Stage = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestQueueIDs(t *testing.T) {
	for _, tc := range []struct{ name, queue, dlq, output string }{
		{"outbound.fifo", "OutboundQueue", "OutboundDeadLetterQueue", "OutboundQueueUrl"},
		{"inbound", "InboundQueue", "InboundDeadLetterQueue", "InboundQueueUrl"},
		{"x-events", "XEventsQueue", "XEventsDeadLetterQueue", "XEventsQueueUrl"},
	} {
		q := queues.Queue{Name: tc.name}
		if got := stack.QueueID(q); got != tc.queue {
			t.Errorf("QueueID(%q) = %q, want %q", tc.name, got, tc.queue)
		}
		if got := stack.DeadLetterQueueID(q); got != tc.dlq {
			t.Errorf("DeadLetterQueueID(%q) = %q, want %q", tc.name, got, tc.dlq)
		}
		if got := stack.QueueURLOutputID(q); got != tc.output {
			t.Errorf("QueueURLOutputID(%q) = %q, want %q", tc.name, got, tc.output)
		}
	}
}

// recorder is a reporter that keeps what it is told.
type recorder struct{ errors []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestCheckTurnsAssertionPanicIntoError(t *testing.T) {
	_, tmpl := synth(t)
	var r recorder
	check(&r, "impossible count", func() { tmpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(999)) })
	check(&r, "true count", func() { tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
	if len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], "impossible count: ") {
		t.Fatalf("errors = %q, want one for the impossible count", r.errors)
	}
}
