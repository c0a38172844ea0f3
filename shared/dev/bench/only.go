package bench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/acme/twitter-cases/functions"
)

// The table's row groups, as BENCH_ONLY names them.
const (
	GroupCold    = "cold"    // cold init of every binary
	GroupZip     = "zip"     // zip -9 of every arm64 bootstrap
	GroupWebhook = "webhook" // the webhook's acknowledgement against its floor
	GroupCalls   = "calls"   // DynamoDB calls per console request
	GroupInbound = "inbound" // the inbound worker's events/s and calls per event
	GroupScale   = "scale"   // the large data sets against the small ones
	GroupXChat   = "xchat"   // X's chat engine in Go: cold load, per-message cost, memory
)

// Groups are every row group, in the table's order.
var Groups = []string{GroupCold, GroupZip, GroupWebhook, GroupCalls, GroupInbound, GroupScale, GroupXChat}

// OnlyEnv names the variable that limits a run to some rows (see ParseOnly).
const OnlyEnv = "BENCH_ONLY"

// Only limits a run to some of the table's rows. Its zero value is the
// whole table.
type Only struct {
	// Groups are the row groups measured; empty: all of them.
	Groups []string
	// Functions limit the cold init and zip rows to these functions (the
	// anchors are always measured, since every ratio needs them); empty:
	// every function.
	Functions []string
}

// ParseOnly reads BENCH_ONLY: a comma-separated list of row groups
// (cold, zip, webhook, calls, inbound, scale, xchat) and function names (as
// package functions names them), e.g. "cold,zip,customers". A function
// name alone implies the cold and zip rows. It is an error to name
// anything else.
func ParseOnly(s string) (Only, error) {
	var o Only
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		switch {
		case w == "":
		case slices.Contains(Groups, w):
			if !slices.Contains(o.Groups, w) {
				o.Groups = append(o.Groups, w)
			}
		default:
			if _, ok := functions.ByName(w); !ok {
				return Only{}, fmt.Errorf("bench: %s=%q: %q is neither a row group (%s) nor a function", OnlyEnv, s, w, strings.Join(Groups, ", "))
			}
			o.Functions = append(o.Functions, w)
		}
	}
	if len(o.Functions) > 0 && len(o.Groups) == 0 {
		o.Groups = []string{GroupCold, GroupZip}
	}
	return o, nil
}

// Has reports whether the run measures the row group.
func (o Only) Has(group string) bool {
	return len(o.Groups) == 0 || slices.Contains(o.Groups, group)
}

// needsLocal reports whether a measured group runs on the local servers.
func (o Only) needsLocal() bool {
	return o.Has(GroupWebhook) || o.Has(GroupCalls) || o.Has(GroupInbound) || o.Has(GroupScale)
}

// binaries are the anchors and the functions the run measures.
func (o Only) binaries() []Binary {
	var out []Binary
	for _, b := range Binaries() {
		if b.Anchor || len(o.Functions) == 0 || slices.Contains(o.Functions, b.Name) {
			out = append(out, b)
		}
	}
	return out
}

// String is the selection as BENCH_ONLY would name it ("" for all).
func (o Only) String() string {
	return strings.Join(append(append([]string(nil), o.Groups...), o.Functions...), ",")
}
