package bench_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/rie"
	"github.com/acme/twitter-cases/shared/dev/bench"
	"github.com/acme/twitter-cases/shared/dev/localaws"
)

// The quick run (BENCH_QUICK=1) measures every row of issue 13's table:
// each function and anchor started and zipped, every counted request, the
// webhook, the inbound worker, both scale reads and X's chat engine. Figures on a shared
// machine are noise, so nothing here checks a time: only that each row was
// measured and prints.
func TestQuickRun(t *testing.T) {
	rieBin := os.Getenv(rie.EnvVar)
	if rieBin == "" {
		t.Skip(rie.EnvVar + " is not set: the bench runs the functions under aws-lambda-rie (`make test` sets it)")
	}
	root, err := localaws.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	rep, err := bench.Run(context.Background(), bench.Options{ModuleRoot: root, RIE: rieBin, Quick: true,
		BuildDir: os.Getenv(bench.BuildDirEnv), HostBuildDir: os.Getenv(rie.HostBuildDirEnv), Progress: &progress})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}

	for _, b := range bench.Binaries() {
		if got := rep.InitMS[b.Name]; len(got) != bench.QuickPlan.ColdRounds || got[0] <= 0 {
			t.Errorf("%s: cold inits %v, want %d positive ones", b.Name, got, bench.QuickPlan.ColdRounds)
		}
		if rep.ZipBytes[b.Name] < 1e6 {
			t.Errorf("%s: zip of %d bytes: no Go binary is that small", b.Name, rep.ZipBytes[b.Name])
		}
	}
	if len(rep.Calls) != 6 {
		t.Errorf("%d counted requests, want 6", len(rep.Calls))
	}
	for _, c := range rep.Calls {
		if len(c.Ops) == 0 {
			t.Errorf("%s: no DynamoDB call counted", c.Name)
		}
		// A fresh instance reads its brand handles once more, never fewer.
		if len(c.ColdOps) < len(c.Ops) {
			t.Errorf("%s: %d calls on a cold cache, fewer than the %d on a warm one", c.Name, len(c.ColdOps), len(c.Ops))
		}
	}
	if rep.Webhook.Pairs != bench.QuickPlan.WebhookPairs || rep.Webhook.Ratio.Median <= 0 {
		t.Errorf("webhook = %+v", rep.Webhook)
	}
	if in := rep.Inbound; in.Events != 10*bench.QuickPlan.InboundRounds || in.CallsPerEvent < 1 || in.WritesPerEvent < 1 || in.EventsPerSec <= 0 {
		t.Errorf("inbound = %+v", in)
	}
	for _, s := range []bench.ScaleResult{rep.Case, rep.Search} {
		if s.Ratio.Median <= 0 || s.Large <= s.Small {
			t.Errorf("scale = %+v", s)
		}
	}
	if x, p := rep.XChat, bench.QuickPlan; len(x.LoadMS) != p.XChatRounds || len(x.LoadInterpMS) != p.XChatRounds ||
		len(x.EncryptMS) != p.XChatMessages || len(x.DecryptMS) != p.XChatMessages ||
		len(x.EncryptInterpMS) != p.XChatInterpMessages || len(x.DecryptInterpMS) != p.XChatInterpMessages ||
		x.ChatWasmBytes <= 0 || x.ChatHeapBytes <= 0 {
		t.Errorf("xchat = %+v", x)
	}

	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	want := []string{"webhook acknowledgement p50", "inbound events/s per worker instance", "inbound DynamoDB calls per event",
		"scale: GET case", "scale: customer search", "make test, warm",
		"X Chat engine cold load", "X Chat encrypt + sign one message", "X Chat decrypt + verify one message", "X Chat memory per Chat"}
	for _, c := range rep.Calls {
		want = append(want, "DynamoDB calls: "+c.Name)
	}
	for _, f := range functions.All {
		want = append(want, "cold init: "+f.Name+" ", "zip -9 of arm64 bootstrap: "+f.Name+" ")
	}
	for _, a := range bench.Anchors {
		want = append(want, "cold init: "+a.Label, "zip -9 of arm64 bootstrap: "+a.Label)
	}
	for _, w := range want {
		if !strings.Contains(table, "| "+w) {
			t.Errorf("the table has no row %q:\n%s", w, table)
		}
	}
	for _, row := range rep.Rows() {
		if row.Goal != "" && row.Verdict == "" && row.Metric != "make test, warm" {
			t.Errorf("%s has a goal but no verdict", row.Metric)
		}
		if strings.Contains(row.Value, "NaN") || strings.Contains(row.Value, "Inf") {
			t.Errorf("%s: %s", row.Metric, row.Value)
		}
	}
	t.Logf("\n%s", table)
}
