package stack_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/stack"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

// functionIDs are the logical ids of one function's resources.
type functionIDs struct{ fn, role, logs string }

func idsOf(t *testing.T, c *cfnTemplate, f functions.Function) functionIDs {
	t.Helper()
	id := stack.FunctionID(f.Name)
	return functionIDs{fn: c.at(t, id), role: c.at(t, id+"Role"), logs: c.at(t, id+"Logs")}
}

// The stack has exactly the functions of functions/ (a main.go each), and
// the spec list names each once.
func TestFunctionsAreTheProjectsFunctions(t *testing.T) {
	root := projectConfig(t).Dir
	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var inCode, inStack []string
	for _, m := range mains {
		inCode = append(inCode, filepath.Base(filepath.Dir(m)))
	}
	for _, f := range functions.All {
		inStack = append(inStack, f.Name)
	}
	sort.Strings(inCode)
	sort.Strings(inStack)
	if d := diffStrings(inStack, inCode); d != "" {
		t.Errorf("functions.All against functions/*/main.go:%s", d)
	}
	// Beside them only CDK's BucketDeployment handler, which copies the
	// console into its bucket during deploys.
	fns := tmpl(t).ofType("AWS::Lambda::Function")
	fns = slices.DeleteFunc(fns, func(id string) bool { return strings.HasPrefix(id, "CustomCDKBucketDeployment") })
	if got := len(fns); got != len(functions.All) {
		t.Errorf("%d functions in the template besides the console's deployment, %d specs", got, len(functions.All))
	}
}

func TestFunctionsAreBuiltForLambdaOnARM(t *testing.T) {
	c := tmpl(t)
	settings := stack.DefaultSettings
	settings.AllowedOrigins = []string{"http://localhost:3000"}
	for _, f := range functions.All {
		t.Run(f.Name, func(t *testing.T) {
			ids := idsOf(t, c, f)
			r := c.Resources[ids.fn]
			want := map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": arr("arm64"),
				"Handler":       "bootstrap",
				"MemorySize":    float64(f.MemoryMB),
				"Timeout":       f.FunctionTimeout().Seconds(),
				"TracingConfig": obj{"Mode": "Active"},
				"LoggingConfig": obj{"LogFormat": "JSON", "LogGroup": ref(ids.logs)},
				"Role":          getAtt(ids.role, "Arn"),
				"Description":   f.Description,
			}
			for k, v := range want {
				if !same(r.Properties[k], v) {
					t.Errorf("%s = %s, want %s", k, js(r.Properties[k]), js(v))
				}
			}
			if f.MemoryMB < 128 || f.FunctionTimeout() <= 0 {
				t.Errorf("spec: memory %d MB, timeout %v", f.MemoryMB, f.FunctionTimeout())
			}
			if _, ok := r.Properties["FunctionName"]; ok {
				t.Error("function has a fixed name; CloudFormation should name it")
			}
			// Reserved concurrency only where it protects X's rate limits.
			rc, has := r.Properties["ReservedConcurrentExecutions"]
			if f.CallsX != has || has && rc != float64(settings.OutboundConcurrency) {
				t.Errorf("ReservedConcurrentExecutions = %v (set %v), CallsX %v", rc, has, f.CallsX)
			}
			// Log group of its own, with the retention of the settings.
			if got := c.prop(ids.logs, "RetentionInDays"); got != float64(settings.LogRetentionDays) {
				t.Errorf("log retention = %v days", got)
			}
			// The code is build/<name>, byte for byte.
			assetDir, _ := r.Metadata["aws:asset:path"].(string)
			staged, err := os.ReadFile(filepath.Join(synthesized.outdir, assetDir, "bootstrap"))
			if err != nil {
				t.Fatalf("asset %q: %v", assetDir, err)
			}
			built, err := os.ReadFile(filepath.Join(synthesized.root, stack.BuildDir, f.Name, "bootstrap"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(staged, built) {
				t.Errorf("the asset of %s is not build/%s/bootstrap", f.Name, f.Name)
			}
		})
	}
}

// The environment is exactly what the function's access calls for, with
// names and URLs from the stack's resources, and never DEV_TOKEN (which
// would let a fixed token stand in for an agent's JWT).
func TestFunctionEnvironments(t *testing.T) {
	c := tmpl(t)
	tableRef := ref(c.at(t, stack.TableID))
	outboundRef := ref(c.at(t, stack.QueueID(queues.Outbound)))
	inboundRef := ref(c.at(t, stack.QueueID(queues.Inbound)))
	for _, f := range functions.All {
		t.Run(f.Name, func(t *testing.T) {
			got, _ := c.prop(idsOf(t, c, f).fn, "Environment.Variables").(map[string]any)
			want := map[string]any{"LOG_LEVEL": "info"}
			a := f.Access
			if a.Table || a.KeepsDeliveries {
				want["TABLE_NAME"] = tableRef
			}
			delays := func(q queues.Queue) bool { return a.DelaysMessages && f.Consumes != nil && f.Consumes.Name == q.Name }
			if a.SendOutbound || delays(queues.Outbound) {
				want["OUTBOUND_QUEUE_URL"] = outboundRef
			}
			if a.SendInbound || delays(queues.Inbound) {
				want["INBOUND_QUEUE_URL"] = inboundRef
			}
			if a.XApp {
				want["X_APP_SECRET"] = stack.XAppSecretName("dev")
			}
			if a.ConsoleAPI {
				want["TWEET_MAX_LENGTH"] = "140"
				want["ALLOWED_ORIGINS"] = join("http://localhost:3000,https://", getAtt(c.at(t, stack.ConsoleDistributionID), "DomainName"))
			}
			if a.ConsoleAPI || a.BrandHandles {
				want["X_ACCESS"] = "self-serve"
			}
			if a.XActivity {
				want["STAGE"] = "dev"
			}
			if a.Phones {
				want["DEFAULT_PHONE_REGION"] = "US"
			}
			if a.XChatKeys {
				want["X_CHAT_KEY_PREFIX"] = stack.XChatKeySecretPrefix("dev")
			}
			if a.SweepsTable {
				want["X_COMPLIANCE_EVERY"] = stack.DefaultSettings.XComplianceEvery.String()
			}
			if f.GOGC != 0 {
				want["GOGC"] = strconv.Itoa(f.GOGC)
			}
			if !same(got, want) {
				t.Errorf("environment = %s\nwant          %s", js(got), js(want))
			}
			for _, forbidden := range []string{"DEV_TOKEN", "DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "X_API_BASE_URL", "X_CONSUMER_SECRET", "SECRETS_SOURCE"} {
				if _, ok := got[forbidden]; ok {
					t.Errorf("%s is set in AWS", forbidden)
				}
			}
		})
	}
}

// Every variable the stack sets is one shared/config reads (a typo would
// silently leave the default in place), or GOGC, which the Go runtime reads.
func TestEnvironmentIsWhatConfigReads(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(projectConfig(t).Dir, "shared", "config", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	for _, m := range regexp.MustCompile(`getenv\("([A-Z_]+)"\)`).FindAllStringSubmatch(string(src), -1) {
		read[m[1]] = true
	}
	for _, f := range functions.All {
		for k := range f.Env(functions.Resources{}, stack.DefaultSettings.FunctionConfig()) {
			if !read[k] && k != functions.EnvGOGC {
				t.Errorf("%s: %s is not read by shared/config", f.Name, k)
			}
		}
	}
}

func TestQueueConsumers(t *testing.T) {
	c := tmpl(t)
	var consumers int
	for _, f := range functions.All {
		if f.Consumes == nil {
			continue
		}
		consumers++
		q := *f.Consumes
		t.Run(f.Name, func(t *testing.T) {
			fnID := idsOf(t, c, f).fn
			queueID := c.at(t, stack.QueueID(q))
			var esm string
			for _, id := range c.ofType("AWS::Lambda::EventSourceMapping") {
				if same(c.prop(id, "FunctionName"), ref(fnID)) {
					esm = id
				}
			}
			if esm == "" {
				t.Fatal("no event source mapping")
			}
			if got := c.prop(esm, "EventSourceArn"); !same(got, getAtt(queueID, "Arn")) {
				t.Errorf("event source = %s", js(got))
			}
			if got := c.prop(esm, "FunctionResponseTypes"); !same(got, arr("ReportBatchItemFailures")) {
				t.Errorf("FunctionResponseTypes = %s", js(got))
			}
			batch, _ := c.prop(esm, "BatchSize").(float64)
			if batch != float64(f.BatchSize) || batch < 1 || batch > 10 {
				t.Errorf("BatchSize = %v, spec %d (1 to 10: no window needed, FIFO's maximum)", batch, f.BatchSize)
			}
			window := c.prop(esm, "MaximumBatchingWindowInSeconds")
			switch {
			case q.FIFO && window != nil:
				t.Errorf("FIFO queue with a batching window %v", window)
			case !q.FIFO && window != f.BatchWindow.Seconds():
				t.Errorf("batching window = %v, spec %v", window, f.BatchWindow)
			}
			maxConc := c.prop(esm, "ScalingConfig.MaximumConcurrency")
			if f.CallsX != (maxConc != nil) || f.CallsX && maxConc != float64(stack.DefaultSettings.OutboundConcurrency) {
				t.Errorf("maximum concurrency = %v, CallsX %v", maxConc, f.CallsX)
			}
			if f.CallsX && !same(maxConc, c.prop(fnID, "ReservedConcurrentExecutions")) {
				t.Errorf("maximum concurrency %v differs from the reserved concurrency %v: the poller would be throttled",
					maxConc, c.prop(fnID, "ReservedConcurrentExecutions"))
			}
			// The queue hides a message for six times the function's
			// timeout, as AWS recommends.
			timeout, _ := c.prop(fnID, "Timeout").(float64)
			visibility, _ := c.prop(queueID, "VisibilityTimeout").(float64)
			if timeout != q.ConsumerTimeout.Seconds() || visibility < queues.VisibilityFactor*timeout {
				t.Errorf("function timeout %v s, queue visibility %v s: want the queue's consumer timeout %v and at least %d times it",
					timeout, visibility, q.ConsumerTimeout, queues.VisibilityFactor)
			}
		})
	}
	if n := len(c.ofType("AWS::Lambda::EventSourceMapping")); n != consumers || consumers != len(queues.Definitions) {
		t.Errorf("%d event source mappings, %d consumers, %d queues", n, consumers, len(queues.Definitions))
	}
}

// Each function's role allows exactly what its Access says, on exactly the
// stack's resources, and uses no managed policy.
func TestLeastPrivilege(t *testing.T) {
	c := tmpl(t)
	tableID := c.at(t, stack.TableID)
	secretID := c.at(t, stack.XAppSecretID)
	queueArn := func(q queues.Queue) obj { return getAtt(c.at(t, stack.QueueID(q)), "Arn") }
	handles := join("arn:", pseudo("Partition"), ":secretsmanager:", pseudo("Region"), ":", pseudo("AccountId"),
		":secret:"+stack.HandleSecretPrefix("dev")+"*")
	chatKeys := join("arn:", pseudo("Partition"), ":secretsmanager:", pseudo("Region"), ":", pseudo("AccountId"),
		":secret:"+stack.XChatKeySecretPrefix("dev")+"*")
	tokens := join("arn:", pseudo("Partition"), ":secretsmanager:", pseudo("Region"), ":", pseudo("AccountId"),
		":secret:"+stack.OAuth2TokenSecretPrefix("dev")+"*")
	for _, f := range functions.All {
		t.Run(f.Name, func(t *testing.T) {
			ids := idsOf(t, c, f)
			var want []string
			add := func(actions []string, resources ...any) {
				for _, a := range actions {
					for _, r := range resources {
						want = append(want, grant(a, r))
					}
				}
			}
			add([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(ids.logs, "Arn"))
			add([]string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "*")
			a := f.Access
			if a.Table {
				add(stack.TableActions, getAtt(tableID, "Arn"))
				for _, ix := range table.Definition.Indexes {
					add(stack.IndexActions, join(getAtt(tableID, "Arn"), "/index/"+ix.Name))
				}
			}
			if a.SweepsTable {
				add(stack.SweepTableActions, getAtt(tableID, "Arn"))
			}
			if a.KeepsDeliveries && !a.Table {
				// Only items under the delivery prefix.
				for _, action := range stack.KeepDeliveryActions {
					want = append(want, grantIf(action, getAtt(tableID, "Arn"), stack.KeepDeliveryCondition()))
				}
			}
			send := []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}
			if a.SendOutbound {
				add(send, queueArn(queues.Outbound))
			}
			if a.SendInbound {
				add(send, queueArn(queues.Inbound))
			}
			if f.Consumes != nil {
				add([]string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"},
					queueArn(*f.Consumes))
			}
			if a.XApp {
				add(stack.SecretActions, ref(secretID))
			}
			if a.BrandHandles {
				add(stack.SecretActions, handles)
				add(stack.RefreshActions, tokens)
			}
			if a.XChatKeys {
				add(stack.SecretActions, chatKeys)
			}
			sort.Strings(want)
			want = slices.Compact(want)
			got := slices.Compact(c.grants(t, ids.role))
			if d := diffStrings(got, want); d != "" {
				t.Errorf("grants of %s:%s", f.Name, d)
			}
			role := c.Resources[ids.role].Properties
			if _, ok := role["ManagedPolicyArns"]; ok {
				t.Errorf("role uses managed policies: %v", role["ManagedPolicyArns"])
			}
			if _, ok := role["Policies"]; ok {
				t.Errorf("role has inline policies outside the checked ones: %v", role["Policies"])
			}
			if got := js(c.prop(ids.role, "AssumeRolePolicyDocument.Statement")); !strings.Contains(got, `"Service":"lambda.amazonaws.com"`) ||
				strings.Count(got, `"Effect"`) != 1 {
				t.Errorf("trust policy = %s", got)
			}
		})
	}
}

// The DynamoDB and Secrets Manager calls the adapters make are the ones the
// roles allow, no more and no fewer: a new call in shared/dynamo must show
// up here, not as AccessDenied in AWS.
func TestGrantedActionsAreTheAdaptersCalls(t *testing.T) {
	root := projectConfig(t).Dir
	call := regexp.MustCompile(`\.client\.([A-Z][A-Za-z]+)\(`)
	calls := func(dir, service string, only ...string) []string {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range files {
			// maintenance.go holds the calls only operators' tools make
			// (a table Scan), which no function's role grants.
			// sweep.go holds the compliance sweep's Scan, which only its
			// function's role is granted (SweepTableActions).
			base := filepath.Base(f)
			if strings.HasSuffix(f, "_test.go") || base == "maintenance.go" || (len(only) == 0) == (base == "sweep.go") {
				continue
			}
			if len(only) > 0 && !slices.Contains(only, base) {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range call.FindAllStringSubmatch(string(src), -1) {
				out = append(out, service+":"+m[1])
			}
		}
		sort.Strings(out)
		return slices.Compact(out)
	}
	sorted := func(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }
	if d := diffStrings(sorted(stack.TableActions), calls("shared/dynamo", "dynamodb")); d != "" {
		t.Errorf("stack.TableActions against shared/dynamo's calls:%s", d)
	}
	sweep := slices.DeleteFunc(calls("shared/dynamo", "dynamodb", "sweep.go"), func(a string) bool { return slices.Contains(stack.TableActions, a) })
	if d := diffStrings(sorted(stack.SweepTableActions), sweep); d != "" {
		t.Errorf("stack.SweepTableActions against shared/dynamo/sweep.go's calls beyond TableActions:%s", d)
	}
	if d := diffStrings(sorted(append(slices.Clone(stack.SecretActions), stack.SecretWriteActions...)), calls("shared/secrets", "secretsmanager")); d != "" {
		t.Errorf("stack.SecretActions and SecretWriteActions against shared/secrets' calls:%s", d)
	}
}
