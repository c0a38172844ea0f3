package dynamo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/table"
)

// fakeSends stands in for DynamoDB behind a coalescer: it records the
// keys of every call, answers a read with the keys that do not start
// with "missing", and holds the first call until release is closed.
type fakeSends struct {
	mu      sync.Mutex
	calls   [][]string
	release chan struct{}
	err     error
}

func (f *fakeSends) send(ctx context.Context, calls []*batchCall, avs []map[string]types.AttributeValue) {
	f.mu.Lock()
	first := len(f.calls) == 0
	var keys []string
	for _, av := range avs {
		keys = append(keys, strAttr(av, table.PK))
	}
	f.calls = append(f.calls, keys)
	f.mu.Unlock()
	if first {
		<-f.release
	}
	for _, c := range calls {
		c.err = f.err
		if err := ctx.Err(); err != nil { // the call was sent under an ended context
			c.err = err
			continue
		}
		for _, av := range c.avs {
			if !strings.HasPrefix(strAttr(av, table.PK), "missing") {
				c.items = append(c.items, av)
			}
		}
	}
}

func keyCall(pks ...string) *batchCall {
	c := &batchCall{}
	for _, pk := range pks {
		av := itemKey(pk, "S")
		c.avs, c.keys = append(c.avs, av), append(c.keys, itemID(av))
	}
	return c
}

// runCoalesced sends first alone, then the others (in order) while
// first's call is held, and returns every call's keys once all are answered.
func runCoalesced(t *testing.T, co *coalescer, f *fakeSends, first *batchCall, others ...*batchCall) [][]string {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Go(func() { co.do(ctx, first) })
	waitFor(t, "the first call", func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.calls) == 1 })
	for i, c := range others { // one by one, so they wait in this order
		wg.Go(func() { co.do(ctx, c) })
		waitFor(t, "a caller waiting", func() bool { co.mu.Lock(); defer co.mu.Unlock(); return len(co.pending) == i+1 })
	}
	close(f.release)
	wg.Wait()
	return f.calls
}

// waitFor waits (up to 10 s) until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func pksOf(items []map[string]types.AttributeValue) []string {
	var pks []string
	for _, it := range items {
		pks = append(pks, strAttr(it, table.PK))
	}
	return pks
}

// TestCoalescedReadsShareOneCall: reads asked while a read is under way go
// out in one call, a key asked twice once, and each caller gets exactly
// its own keys' answer.
func TestCoalescedReadsShareOneCall(t *testing.T) {
	f := &fakeSends{release: make(chan struct{})}
	co := &coalescer{limit: batchGetLimit, send: f.send}
	a, b, c, d := keyCall("a1", "a2"), keyCall("b1", "shared"), keyCall("shared", "missing-c"), keyCall("d1")
	calls := runCoalesced(t, co, f, a, b, c, d)
	if want := [][]string{{"a1", "a2"}, {"b1", "shared", "missing-c", "d1"}}; !slices.EqualFunc(calls, want, slices.Equal) {
		t.Fatalf("calls %q, want %q", calls, want)
	}
	for _, tc := range []struct {
		call *batchCall
		want []string
	}{{a, []string{"a1", "a2"}}, {b, []string{"b1", "shared"}}, {c, []string{"shared"}}, {d, []string{"d1"}}} {
		if got := pksOf(tc.call.items); !slices.Equal(got, tc.want) || tc.call.err != nil {
			t.Errorf("caller of %q got %q (%v), want %q", tc.call.keys, got, tc.call.err, tc.want)
		}
	}
	if co.running || len(co.pending) > 0 {
		t.Errorf("after the calls: running %v, %d pending", co.running, len(co.pending))
	}
}

// TestCoalescedWritesKeepItemsApart: two writes of one item never share
// a call (DynamoDB refuses a batch that names an item twice), and a call
// carries at most limit items; each caller gets its call's error.
func TestCoalescedWritesKeepItemsApart(t *testing.T) {
	f := &fakeSends{release: make(chan struct{}), err: errors.New("throttled")}
	co := &coalescer{limit: 4, exclusive: true, send: f.send}
	a, b, c, d, e := keyCall("a1"), keyCall("b1", "x"), keyCall("x", "c1"), keyCall("d1", "d2"), keyCall("e1", "e2")
	calls := runCoalesced(t, co, f, a, b, c, d, e)
	want := [][]string{{"a1"}, {"b1", "x", "d1", "d2"}, {"x", "c1", "e1", "e2"}}
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Fatalf("calls %q, want %q", calls, want)
	}
	for _, call := range []*batchCall{a, b, c, d, e} {
		if call.err == nil {
			t.Errorf("caller of %q got no error", call.keys)
		}
	}
}

// TestCoalescerSendsALoneCallAtOnce: with nothing under way, a call goes
// out as it comes, one after another.
func TestCoalescerSendsALoneCallAtOnce(t *testing.T) {
	f := &fakeSends{release: make(chan struct{})}
	close(f.release)
	co := &coalescer{limit: batchGetLimit, send: f.send}
	for _, pk := range []string{"one", "two"} {
		c := keyCall(pk)
		co.do(context.Background(), c)
		if got := pksOf(c.items); !slices.Equal(got, []string{pk}) {
			t.Errorf("got %q, want %q", got, pk)
		}
	}
	if want := [][]string{{"one"}, {"two"}}; !slices.EqualFunc(f.calls, want, slices.Equal) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
}

// TestCoalescedCallOutlivesACallerThatGaveUp: a shared call is sent under
// a context that ends only when every caller in it has ended its own, so
// one request's cancellation (in a process serving several at once, as
// the local run does) fails its own keys' call only when nobody else
// waits on that call.
func TestCoalescedCallOutlivesACallerThatGaveUp(t *testing.T) {
	for _, tc := range []struct {
		name             string
		cancelB, cancelC bool
		wantErr          bool
	}{
		{"the sender of the shared call gave up", true, false, false},
		{"another caller gave up", false, true, false},
		{"every caller gave up", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSends{release: make(chan struct{})}
			co := &coalescer{limit: batchGetLimit, send: f.send}
			a, b, c := keyCall("a1"), keyCall("b1"), keyCall("c1")
			ctxB, cancelB := context.WithCancel(context.Background())
			ctxC, cancelC := context.WithCancel(context.Background())
			defer cancelB()
			defer cancelC()
			var wg sync.WaitGroup
			wg.Go(func() { co.do(context.Background(), a) })
			waitFor(t, "the first call", func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.calls) == 1 })
			wg.Go(func() { co.do(ctxB, b) }) // b waits first, so b sends the next call
			waitFor(t, "b waiting", func() bool { co.mu.Lock(); defer co.mu.Unlock(); return len(co.pending) == 1 })
			wg.Go(func() { co.do(ctxC, c) })
			waitFor(t, "c waiting", func() bool { co.mu.Lock(); defer co.mu.Unlock(); return len(co.pending) == 2 })
			if tc.cancelB {
				cancelB()
			}
			if tc.cancelC {
				cancelC()
			}
			close(f.release)
			wg.Wait()
			if want := [][]string{{"a1"}, {"b1", "c1"}}; !slices.EqualFunc(f.calls, want, slices.Equal) {
				t.Fatalf("calls %q, want %q", f.calls, want)
			}
			for _, call := range []*batchCall{b, c} {
				if gotErr := call.err != nil; gotErr != tc.wantErr {
					t.Errorf("caller of %q: err %v, want an error: %v", call.keys, call.err, tc.wantErr)
				}
			}
		})
	}
}
