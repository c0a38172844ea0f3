package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/acme/twitter-cases/infra/cdkjson"
)

// cdkSynth is `cdk synth` run by the CDK CLI (node_modules/aws-cdk) the
// way ops run it, started by TestMain so that it overlaps the tests' own
// synthesis.
var cdkSynth struct {
	outdir string
	cancel context.CancelFunc
	done   chan struct{}
	output bytes.Buffer
	err    error
}

func startCDKSynth(outdir string) {
	s := &cdkSynth
	s.outdir = outdir
	s.done = make(chan struct{})
	cfg, err := cdkjson.Find(".")
	if err != nil {
		s.err = err
		close(s.done)
		return
	}
	// make test builds the CDK app first; run alone on a fresh clone, the
	// synth compiles it (about 4 minutes on 2 quiet cores, far more on a
	// busy machine).
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	s.cancel = cancel
	cmd := exec.CommandContext(ctx, "node", filepath.Join(cfg.Dir, "node_modules", "aws-cdk", "bin", "cdk"),
		"synth", "--quiet", "--no-notices", "--output", outdir)
	cmd.Dir = cfg.Dir
	// CDK_VALIDATION=false: synthesis validates every template against
	// CloudFormation's rules (cdk.json's validateAgainstDefaultRules), and
	// starting that validator is about 8 CPU-seconds, half of a synthesis.
	// The tests' own synthesis validates both of its stacks (a failure
	// fails it), and TestTemplateEqualsCDKSynth requires this template to
	// be the same as the tests', so validating it again here would check
	// nothing more.
	cmd.Env = append(os.Environ(), "CDK_VALIDATION=false",
		"CDK_DISABLE_VERSION_CHECK=1", "CDK_DISABLE_CLI_TELEMETRY=true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	cmd.Stdout, cmd.Stderr = &s.output, &s.output
	cmd.WaitDelay = 5 * time.Second
	ownGroup(cmd)
	go func() {
		defer close(s.done)
		if err := cmd.Run(); err != nil {
			s.err = fmt.Errorf("cdk synth: %v\n%s", err, s.output.String())
		}
	}()
}

func stopCDKSynth() {
	if cdkSynth.cancel != nil {
		cdkSynth.cancel()
		<-cdkSynth.done
	}
}

// The template the tests check is the one ops deploy: `cdk synth` (the
// CLI, running the app with cdk.json's context) makes the same template
// and the same cdk-nag report as the tests' app.
func TestTemplateEqualsCDKSynth(t *testing.T) {
	st, _ := synth(t)
	<-cdkSynth.done
	if cdkSynth.err != nil {
		t.Fatal(cdkSynth.err)
	}
	for _, name := range []string{
		*st.StackName() + ".template.json",
		"AwsSolutions-*" + *st.StackName() + "-NagReport.csv",
	} {
		cli := readOne(t, cdkSynth.outdir, name)
		ours := readOne(t, synthesized.outdir, name)
		if filepath.Ext(name) == ".json" {
			var a, b any
			if err := json.Unmarshal(cli, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ours, &b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: `cdk synth` and the tests differ:\n%s", name, firstDifference(a, b, ""))
			}
		} else if !bytes.Equal(cli, ours) {
			t.Errorf("%s: `cdk synth` and the tests differ", name)
		}
	}
}

// readOne reads the one file of a cloud assembly that matches pattern.
func readOne(t *testing.T, dir, pattern string) []byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, pattern))
	if len(paths) != 1 {
		t.Fatalf("%s: %d files %s", dir, len(paths), pattern)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDifference describes where two decoded JSON values first differ.
func firstDifference(a, b any, at string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		for k := range x {
			if _, ok := y[k]; !ok {
				return at + "/" + k + ": only in `cdk synth`"
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				return at + "/" + k + ": only in the tests"
			}
			if !reflect.DeepEqual(x[k], y[k]) {
				return firstDifference(x[k], y[k], at+"/"+k)
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		for i := range x {
			if !reflect.DeepEqual(x[i], y[i]) {
				return firstDifference(x[i], y[i], fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	return fmt.Sprintf("%s: `cdk synth` %s, tests %s", at, js(a), js(b))
}
