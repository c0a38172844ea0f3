package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Verdicts of a row against issue 13's goal.
const (
	Met    = "met"
	NotMet = "not met"
)

// Row is one line of the table.
type Row struct {
	// Metric names what is measured, Anchor what it is compared with.
	Metric, Anchor string
	// Value is the figure: a ratio with its spread, or a count.
	Value string
	// Absolute are the figures behind a ratio.
	Absolute string
	// Goal is issue 13's, and Verdict whether the figure meets it ("" for
	// rows without a goal, such as the anchors).
	Goal, Verdict string
}

// The issue's goals.
const (
	goalColdInit   = 1.5   // × hello-world
	goalZipBytes   = 3.2e6 // bytes
	goalWebhook    = 1.1   // × floor
	goalInboundX   = 3.0   // × the issue's events/s per PutItem/s
	issueEvents    = 84.0  // events/s when the issue was filed
	issuePuts      = 1454.0
	goalInboundOps = 9.0 // DynamoDB calls per event
	goalScale      = 1.3 // × the small data set
	mb             = 1e6
)

func verdict(ok bool) string {
	if ok {
		return Met
	}
	return NotMet
}

func ratio(s Spread) string {
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", s.Median, s.P25, s.P75)
}

// perRound is a[i]/b[i] for each round.
func perRound(a, b []float64) []float64 {
	out := make([]float64, 0, len(a))
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

// Rows is the report as the table's lines, in the issue's order: only
// the rows the run measured (Report.Only).
func (r *Report) Rows() []Row {
	var rows []Row
	if r.Only.Has(GroupCold) {
		rows = append(rows, r.coldRows()...)
	}
	if r.Only.Has(GroupZip) {
		rows = append(rows, r.zipRows()...)
	}
	if r.Only.Has(GroupWebhook) {
		rows = append(rows, r.webhookRow())
	}
	if r.Only.Has(GroupCalls) {
		rows = append(rows, r.callRows()...)
	}
	if r.Only.Has(GroupInbound) {
		rows = append(rows, r.inboundRows()...)
	}
	if r.Only.Has(GroupScale) {
		rows = append(rows, r.scaleRows()...)
	}
	if r.Only.Has(GroupXChat) {
		rows = append(rows, r.xchatRows()...)
	}
	if len(r.Only.Groups) == 0 {
		rows = append(rows, Row{Metric: "make test, warm", Anchor: "—", Value: "not measured here", Absolute: "time `make test` twice", Goal: "≤ 40 s"})
	}
	return rows
}

// helloLabel names the hello-world anchor in the Against column.
const helloLabel = "hello-world"

// coldRows are each binary's cold init against hello-world's.
func (r *Report) coldRows() []Row {
	var rows []Row
	hello := r.InitMS[AnchorHello]
	for _, b := range r.Only.binaries() {
		if b.Name == AnchorHello {
			rows = append(rows, Row{Metric: "cold init: " + b.Label + " (anchor)", Anchor: "itself",
				Value: "1.00×", Absolute: fmt.Sprintf("%.2f ms", median(hello))})
			continue
		}
		s := spreadOf(perRound(r.InitMS[b.Name], hello))
		row := Row{Metric: "cold init: " + b.Name, Anchor: helloLabel, Value: ratio(s),
			Absolute: fmt.Sprintf("%.2f vs %.2f ms", median(r.InitMS[b.Name]), median(hello))}
		if b.Anchor {
			row.Metric = "cold init: " + b.Label + " (anchor)"
		} else {
			row.Goal, row.Verdict = fmt.Sprintf("≤ %.1f×", goalColdInit), verdict(s.Median <= goalColdInit)
		}
		rows = append(rows, row)
	}
	return rows
}

// zipRows are each binary's zipped arm64 bootstrap against hello-world's.
func (r *Report) zipRows() []Row {
	var rows []Row
	helloZip := float64(r.ZipBytes[AnchorHello])
	for _, b := range r.Only.binaries() {
		n := float64(r.ZipBytes[b.Name])
		row := Row{Metric: "zip -9 of arm64 bootstrap: " + b.Name, Anchor: fmt.Sprintf("%s %.2f MB", helloLabel, helloZip/mb),
			Value: fmt.Sprintf("%.2f×", n/helloZip), Absolute: fmt.Sprintf("%.2f MB", n/mb)}
		if b.Anchor {
			row.Metric = "zip -9 of arm64 bootstrap: " + b.Label + " (anchor)"
		} else {
			row.Goal, row.Verdict = fmt.Sprintf("≤ %.1f MB", goalZipBytes/mb), verdict(n <= goalZipBytes)
		}
		rows = append(rows, row)
	}
	return rows
}

// webhookRow is the webhook's acknowledgement against its floor.
func (r *Report) webhookRow() Row {
	w := r.Webhook
	return Row{Metric: "webhook acknowledgement p50", Anchor: "floor: HMAC check + one SendMessage, same queue",
		Value: ratio(w.Ratio), Absolute: fmt.Sprintf("%.3f vs %.3f ms, %d pairs", w.Webhook, w.Floor, w.Pairs),
		Goal: fmt.Sprintf("≤ %.1f×", goalWebhook), Verdict: verdict(w.Ratio.Median <= goalWebhook)}
}

// callRows are the DynamoDB calls of each counted console request.
func (r *Report) callRows() []Row {
	var rows []Row
	for _, c := range r.Calls {
		rows = append(rows, Row{Metric: "DynamoDB calls: " + c.Name, Anchor: "—",
			Value:    fmt.Sprintf("%d (cold cache: %d)", len(c.Ops), len(c.ColdOps)),
			Absolute: summary(c.Ops) + "; cold: " + summary(c.ColdOps),
			Goal:     fmt.Sprintf("≤ %d (issue: %d)", c.Goal, c.Today), Verdict: verdict(len(c.Ops) <= c.Goal)})
	}
	return rows
}

// inboundRows are the inbound worker's events/s and calls per event.
func (r *Report) inboundRows() []Row {
	in := r.Inbound
	goal := goalInboundX * issueEvents / issuePuts
	return []Row{{Metric: "inbound events/s per worker instance (new users, batches of 10)", Anchor: "raw conditional PutItem/s, same DynamoDB",
		Value:    fmt.Sprintf("%.3f× (%.3f–%.3f)", in.Ratio.Median, in.Ratio.P25, in.Ratio.P75),
		Absolute: fmt.Sprintf("%.0f events/s vs %.0f PutItem/s", in.EventsPerSec, in.PutsPerSec),
		Goal:     fmt.Sprintf("≥ %.3f× (3× the issue's 84/1454)", goal), Verdict: verdict(in.Ratio.Median >= goal)},
		{Metric: "inbound DynamoDB calls per event", Anchor: "—",
			Value: fmt.Sprintf("%.1f (cold cache: %.1f)", in.CallsPerEvent, float64(len(in.ColdOps))/inboundBatch),
			Absolute: fmt.Sprintf("%.1f writes; per event: %s; %d events; a fresh instance's first batch: %s", in.WritesPerEvent,
				summaryPer(in.Ops, in.Events), in.Events, summary(in.ColdOps)),
			Goal: fmt.Sprintf("≤ %.0f (issue: 16, 9 writes)", goalInboundOps), Verdict: verdict(in.CallsPerEvent <= goalInboundOps)}}
}

// scaleRows are the reads on the large data sets against the small ones.
func (r *Report) scaleRows() []Row {
	var rows []Row
	for _, s := range []struct {
		what, unit, note string
		res              ScaleResult
	}{
		{"scale: GET case", "messages", fmt.Sprintf(" (first page of %d in each, ?limit=%d)", r.Case.Small, r.Case.Small), r.Case},
		{"scale: customer search", "customers", fmt.Sprintf(" (%d found in each)", searchMatches), r.Search},
	} {
		rows = append(rows, Row{Metric: fmt.Sprintf("%s, %d vs %d %s%s", s.what, s.res.Large, s.res.Small, s.unit, s.note),
			Anchor: fmt.Sprintf("%d %s", s.res.Small, s.unit), Value: ratio(s.res.Ratio),
			Absolute: fmt.Sprintf("%.2f vs %.2f ms p50", s.res.LargeP50, s.res.SmallP50),
			Goal:     fmt.Sprintf("≤ %.1f×", goalScale), Verdict: verdict(s.res.Ratio.Median <= goalScale)})
	}
	return rows
}

// WriteTable writes the report as one Markdown table, with a heading that
// says where and how it was measured.
func (r *Report) WriteTable(w io.Writer) error {
	mode := "full run"
	if r.Quick {
		mode = "quick run (BENCH_QUICK=1: few samples, small data sets; figures are indicative only)"
	}
	if o := r.Only.String(); o != "" {
		mode += ", only " + o + " (" + OnlyEnv + ")"
	}
	fmt.Fprintf(w, "make bench, %s: %s, %s, took %s\n", mode, r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Machine, r.Took.Round(time.Second))
	fmt.Fprintf(w, "Ratios are medians over interleaved rounds (p25–p75 of the rounds in brackets): cold init %d fresh starts per binary; latencies in %d blocks of pairs. Zip: archive/zip, deflate level 9; MB = 10^6 bytes.\n\n",
		r.Plan.ColdRounds, r.Plan.Blocks)
	header := []string{"metric", "against", "median (p25–p75)", "absolute", "goal", "verdict"}
	lines := [][]string{header}
	for _, row := range r.Rows() {
		lines = append(lines, []string{row.Metric, row.Anchor, row.Value, row.Absolute, row.Goal, row.Verdict})
	}
	widths := make([]int, len(header))
	for _, l := range lines {
		for i, c := range l {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for n, l := range lines {
		b.WriteString("|")
		for i, c := range l {
			b.WriteString(" " + c + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)) + " |")
		}
		b.WriteString("\n")
		if n == 0 {
			b.WriteString("|")
			for _, wd := range widths {
				b.WriteString(" " + strings.Repeat("-", wd) + " |")
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// xchatRows are X's chat engine's costs under the compiler Load uses, each
// against the interpreter (issue 20 sets no goal: they are what the DM
// workers pay).
func (r *Report) xchatRows() []Row {
	x := r.XChat
	const interp = "wazero interpreter, same work"
	row := func(metric string, a, b []float64) Row {
		return Row{Metric: metric, Anchor: interp, Value: ratio(spreadOf(perRound(a, b))),
			Absolute: fmt.Sprintf("%.1f vs %.1f ms", median(a), median(b))}
	}
	return []Row{
		row("X Chat engine cold load: compile + instantiate + import keys (compiler)", x.LoadMS, x.LoadInterpMS),
		{Metric: "X Chat encrypt + sign one message (compiler)", Anchor: interp,
			Value:    fmt.Sprintf("%.2f ms (%.2f–%.2f)", median(x.EncryptMS), quantile(x.EncryptMS, 0.25), quantile(x.EncryptMS, 0.75)),
			Absolute: fmt.Sprintf("%d messages; interpreter %.0f ms (%d)", len(x.EncryptMS), median(x.EncryptInterpMS), len(x.EncryptInterpMS))},
		{Metric: "X Chat decrypt + verify one message (compiler)", Anchor: interp,
			Value:    fmt.Sprintf("%.2f ms (%.2f–%.2f)", median(x.DecryptMS), quantile(x.DecryptMS, 0.25), quantile(x.DecryptMS, 0.75)),
			Absolute: fmt.Sprintf("%d messages; interpreter %.0f ms (%d)", len(x.DecryptMS), median(x.DecryptInterpMS), len(x.DecryptInterpMS))},
		{Metric: "X Chat memory per Chat (one brand handle's engine instance)", Anchor: "—",
			Value:    fmt.Sprintf("%.2f MB wasm", x.ChatWasmBytes/mb),
			Absolute: fmt.Sprintf("%.2f MB Go heap per Chat, wasm memory included, keys imported", x.ChatHeapBytes/mb)},
	}
}
