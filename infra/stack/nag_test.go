package stack_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/stack"
)

// nagRow is one line of cdk-nag's report: a rule applied to a resource.
type nagRow struct{ rule, resource, compliance, reason, level string }

// nagReport reads the AwsSolutions report of a stack from the test's
// cloud assembly.
func nagReport(t *testing.T, stackName string) []nagRow {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(synthesized.outdir, "AwsSolutions-*"+stackName+"-NagReport.csv"))
	if err != nil || len(paths) != 1 {
		t.Fatalf("cdk-nag report of %s: %v %v (is the AwsSolutions pack applied?)", stackName, paths, err)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []nagRow
	for _, r := range records[1:] {
		rows = append(rows, nagRow{rule: r[0], resource: r[1], compliance: r[2], reason: r[3], level: r[4]})
	}
	return rows
}

// The AwsSolutions pack finds nothing unsuppressed in either stack, and
// synthesis records no error or warning.
func TestNagClean(t *testing.T) {
	st, _ := synth(t)
	v, _, _ := variant(t)
	for _, s := range []struct {
		name string
		id   string
	}{{*st.StackName(), *st.StackName()}, {*v.StackName(), *v.StackName()}} {
		rows := nagReport(t, s.name)
		rules := map[string]bool{}
		for _, r := range rows {
			rules[r.rule] = true
			if r.compliance != "Compliant" && r.compliance != "Suppressed" {
				t.Errorf("%s: %s %s on %s: %s", s.name, r.level, r.rule, r.resource, r.compliance)
			}
		}
		// The report covers the resources the stack is made of.
		for _, rule := range []string{"AwsSolutions-DDB3", "AwsSolutions-SQS3", "AwsSolutions-SQS4", "AwsSolutions-APIG1",
			"AwsSolutions-APIG4", "AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-SNS3"} {
			if !rules[rule] {
				t.Errorf("%s: the report has no %s", s.name, rule)
			}
		}
	}
	for _, name := range []string{*st.StackName(), *v.StackName()} {
		for _, m := range synthesisMessages(t, name) {
			t.Errorf("%s: %s", name, m)
		}
	}
}

// The suppressions are exactly the reviewed ones: the X app secret's
// rotation, the public routes, and per function role X-Ray's "*" and (where
// it reads brand handle secrets) the documented secret prefix. Each has a
// reason worth reading.
func TestNagSuppressions(t *testing.T) {
	st, _ := synth(t)
	name := *st.StackName()
	var want []string
	want = append(want, "AwsSolutions-SMG4 "+name+"/"+stack.XAppSecretID+"/Resource")
	want = append(want, "AwsSolutions-IAM5 "+name+"/"+stack.XChatKeyProvisionerID+"/Resource [Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:twitter-cases/dev/xchat-keys/*]")
	// The console's hosting: CloudFront's default certificate, geo and
	// WAF, and CDK's BucketDeployment handler.
	for _, rule := range []string{"CFR1", "CFR2", "CFR4"} {
		want = append(want, "AwsSolutions-"+rule+" "+name+"/"+stack.ConsoleDistributionID+"/Resource")
	}
	deployer := name + "/" + stack.BucketDeploymentHandlerPrefix // its derived suffix is cut below
	want = append(want,
		"AwsSolutions-IAM4 "+deployer+"/ServiceRole/Resource",
		"AwsSolutions-L1 "+deployer+"/Resource")
	for _, applies := range []string{"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*",
		"Action::s3:DeleteObject*", "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
		"Resource::<" + stack.ConsoleBucketID + ".Arn>/*", "Resource::*"} {
		want = append(want, "AwsSolutions-IAM5 "+deployer+"/ServiceRole/DefaultPolicy/Resource ["+applies+"]")
	}
	for _, f := range functions.All {
		policy := name + "/" + stack.FunctionID(f.Name) + "Role/DefaultPolicy/Resource"
		want = append(want, "AwsSolutions-IAM5 "+policy+" [Resource::*]")
		if f.Access.BrandHandles {
			want = append(want, "AwsSolutions-IAM5 "+policy+" [Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:twitter-cases/dev/handles/*]",
				"AwsSolutions-IAM5 "+policy+" [Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:twitter-cases/dev/handles/x-oauth2/*]")
		}
		if f.Access.XChatKeys {
			want = append(want, "AwsSolutions-IAM5 "+policy+" [Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:twitter-cases/dev/xchat-keys/*]")
		}
		for _, r := range f.Routes {
			if method, path := functions.Route(r); !functions.NeedsJWT(path) {
				want = append(want, "AwsSolutions-APIG4 "+name+"/"+stack.APIID+"/"+method+strings.ReplaceAll(path, "/", "--")+"/Resource")
			}
		}
	}
	var got []string
	for _, r := range nagReport(t, name) {
		if r.compliance != "Suppressed" {
			continue
		}
		key := r.rule + " " + deploymentSuffix.ReplaceAllString(r.resource, stack.BucketDeploymentHandlerPrefix)
		reason := r.reason
		if strings.HasPrefix(reason, "[") {
			applies, rest, _ := strings.Cut(reason[1:], "] ")
			key += " [" + bucketHash.ReplaceAllString(applies, stack.ConsoleBucketID) + "]"
			reason = rest
		}
		got = append(got, key)
		if len(reason) < 80 {
			t.Errorf("%s: reason too thin to review: %q", key, reason)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if d := diffStrings(got, want); d != "" {
		t.Errorf("suppressions:%s", d)
	}
}

// deploymentSuffix is the id CDK derives for its BucketDeployment handler.
var deploymentSuffix = regexp.MustCompile(regexp.QuoteMeta(stack.BucketDeploymentHandlerPrefix) + `[^/]*`)

// bucketHash is the hash CDK appends to the console bucket's logical id.
var bucketHash = regexp.MustCompile(stack.ConsoleBucketID + `[0-9A-F]{8}\b`)

// synthesisMessages returns the warnings and errors synthesis recorded for
// a stack in the cloud assembly's manifest (read from the file: asking
// the assertions package would synthesise the app once more).
func synthesisMessages(t *testing.T, stackName string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(synthesized.outdir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Metadata map[string][]struct {
				Type string `json:"type"`
				Data any    `json:"data"`
			} `json:"metadata"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	art, ok := manifest.Artifacts[stackName]
	if !ok {
		t.Fatalf("no artifact %s in the manifest", stackName)
	}
	var out []string
	for path, entries := range art.Metadata {
		for _, e := range entries {
			if e.Type == "aws:cdk:warning" || e.Type == "aws:cdk:error" {
				out = append(out, e.Type+" at "+path+": "+js(e.Data))
			}
		}
	}
	sort.Strings(out)
	return out
}
