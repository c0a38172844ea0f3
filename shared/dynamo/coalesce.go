package dynamo

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/table"
)

// Requests for the same batch operation made at the same moment (the
// inbound worker applies up to ten events at once, each starting with a
// BatchGetItem recall and a new customer's look-up items written with a
// BatchWriteItem) share calls: the first caller sends its request alone,
// and whatever others ask while it is under way goes out together in the
// next call (group commit). Nothing waits on a timer, so a lone request
// is sent at once, as before. Each caller gets exactly its own keys'
// answer, or the shared call's error.

// batchCall is one caller's keys or items, and its answer.
type batchCall struct {
	ctx   context.Context                   // the caller's
	keys  []string                          // itemID of every key or item, in order
	avs   []map[string]types.AttributeValue // the keys (get) or items (put)
	items []map[string]types.AttributeValue // what a get found of its keys
	err   error
	done  chan struct{} // closed once items and err are set
	turn  chan struct{} // tells a waiting caller to send the next call
}

// coalescer sends the batchCalls made while a call is under way together.
type coalescer struct {
	// limit is how many distinct keys or items one call may carry.
	limit int
	// send makes one call of the calls' keys or items (distinct), and sets
	// each call's answer.
	send func(ctx context.Context, calls []*batchCall, avs []map[string]types.AttributeValue)
	// exclusive keeps calls with a key in common out of one call (two
	// writes of one item; reads of one key share it).
	exclusive bool

	mu      sync.Mutex
	pending []*batchCall
	running bool
}

// itemID is an item's key as one string (PK, SK).
func itemID(av map[string]types.AttributeValue) string {
	return strAttr(av, table.PK) + "\x00" + strAttr(av, table.SK)
}

// do sends c's keys or items, sharing the call with others made meanwhile,
// and returns when c is answered. A caller that finds no call under way
// sends one; one that waits may be told to send the next.
func (co *coalescer) do(ctx context.Context, c *batchCall) {
	c.ctx, c.done, c.turn = ctx, make(chan struct{}), make(chan struct{}, 1)
	co.mu.Lock()
	co.pending = append(co.pending, c)
	lead := !co.running
	co.running = true
	co.mu.Unlock()
	if !lead {
		select {
		case <-c.done:
			return
		case <-c.turn:
		}
	}
	for {
		co.mu.Lock()
		round, avs := co.take()
		co.mu.Unlock()
		sctx, stop := roundContext(ctx, round)
		co.send(sctx, round, avs)
		stop()
		for _, r := range round {
			close(r.done)
		}
		select {
		case <-c.done:
		default:
			continue // c's items collided with an earlier caller's: send again
		}
		co.mu.Lock()
		if len(co.pending) == 0 {
			co.running = false
			co.mu.Unlock()
			return
		}
		next := co.pending[0]
		co.mu.Unlock()
		next.turn <- struct{}{} // it waits: it is pending, so not done
		return
	}
}

// take removes from pending the calls the next call carries, in order:
// always the first, then every other whose keys fit under limit (and,
// when exclusive, share none with the call). Its caller holds mu.
func (co *coalescer) take() ([]*batchCall, []map[string]types.AttributeValue) {
	seen := map[string]bool{}
	var round, rest []*batchCall
	var avs []map[string]types.AttributeValue
	for i, c := range co.pending {
		fresh := 0
		clash := false
		for _, k := range c.keys {
			if !seen[k] {
				fresh++
			} else if co.exclusive {
				clash = true
			}
		}
		if i > 0 && (clash || len(seen)+fresh > co.limit) {
			rest = append(rest, c)
			continue
		}
		for j, k := range c.keys {
			if !seen[k] {
				seen[k] = true
				avs = append(avs, c.avs[j])
			}
		}
		round = append(round, c)
	}
	co.pending = rest
	return round, avs
}

// roundContext is the context a call carrying round's keys is sent under:
// it has ctx's values (the sending caller's) and ends only once every
// caller in round has ended its own (cancelled, or past its deadline), so
// one caller giving up does not fail the others' keys. stop releases it.
func roundContext(ctx context.Context, round []*batchCall) (sctx context.Context, stop func()) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	live := make([]context.Context, 0, len(round))
	for _, c := range round {
		if c.ctx.Err() == nil { // one that ended already keeps nothing alive
			live = append(live, c.ctx)
		}
	}
	if len(live) == 0 {
		cancel()
	}
	var left atomic.Int32
	left.Store(int32(len(live))) // before any AfterFunc can count down
	stops := make([]func() bool, 0, len(live))
	for _, lc := range live {
		stops = append(stops, context.AfterFunc(lc, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		}))
	}
	return sctx, func() {
		for _, s := range stops {
			s()
		}
		cancel()
	}
}
