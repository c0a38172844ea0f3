package xchat

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Chat is one X Chat identity's engine: X's Chat in a wasm instance of its
// own. Its methods mirror X's (index.d.ts of chat-xdk 0.4.3). A Chat is safe
// for concurrent use: calls are serialized on it (the engine is one
// single-threaded instance), so give each brand handle its own Chat when
// calls must run in parallel.
//
// If the engine traps (a Rust panic) or the host fails mid-call, the Chat
// returns ErrBroken from then on: Close it and make a new one.
type Chat struct {
	mu      sync.Mutex
	h       *host
	ptr     uint64
	broken  error
	closed  bool
	closers []func(context.Context) error
}

func (c *Chat) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, hostKey{}, c.h)
}

// Close frees the Chat's instance and its key material. Further calls return
// ErrClosed.
func (c *Chat) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.broken == nil && c.ptr != 0 {
		// lock() clears the keys from the instance's memory before it goes.
		if f := c.h.mod.ExportedFunction("chat_lock"); f != nil {
			_, _ = f.Call(c.ctx(ctx), c.ptr)
		}
	}
	var errs []error
	for _, f := range c.closers {
		errs = append(errs, f(ctx))
	}
	c.h.vals = nil
	return errors.Join(errs...)
}

// call runs one export of the engine on this Chat. Its result layout is the
// export's; the caller interprets it. Every export call goes through here.
func (c *Chat) call(ctx context.Context, name string, args ...uint64) ([]uint64, error) {
	if c.closed {
		return nil, ErrClosed
	}
	if c.broken != nil {
		return nil, c.broken
	}
	// A call runs to its end once started (stopping the engine midway would
	// break the instance), so a done ctx is honoured only before it starts.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := c.h.mod.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("xchat: the module exports no %s", name)
	}
	c.h.panicText = ""
	res, err := f.Call(c.ctx(ctx), args...)
	if err != nil {
		c.broken = c.trapError(name, err)
		return nil, c.broken
	}
	return res, nil
}

func (c *Chat) trapError(name string, err error) error {
	var t jsThrow
	msg := err.Error()
	switch {
	case c.h.panicText != "":
		msg = c.h.panicText
	case errors.As(err, &t):
		msg = errorText(t.value)
	}
	return &Error{Op: name, Message: msg, broken: true, cause: err}
}

// done runs after each public method: it frees unreachable values.
func (c *Chat) done(ctx context.Context) {
	if c.broken != nil || c.closed {
		return
	}
	if err := c.h.sweep(c.ctx(ctx)); err != nil {
		c.broken = c.trapError("sweep", err)
	}
}

// takeValue interprets an export's (value, error, is_error) triple.
func (c *Chat) takeValue(ctx context.Context, op string, res []uint64) (any, error) {
	cctx := c.ctx(ctx)
	if res[2] != 0 {
		return nil, c.takeError(cctx, op, res[1])
	}
	v, err := c.h.takeFromTable(cctx, res[0])
	if err != nil {
		c.broken = c.trapError(op, err)
		return nil, c.broken
	}
	return v, nil
}

// takeBytes interprets an export's (ptr, len, error, is_error) quadruple.
func (c *Chat) takeBytes(ctx context.Context, op string, res []uint64) ([]byte, error) {
	cctx := c.ctx(ctx)
	if res[3] != 0 {
		return nil, c.takeError(cctx, op, res[2])
	}
	ptr, n := uint32(res[0]), uint32(res[1])
	b := c.h.copyAt(ptr, n)
	if _, err := c.h.free.Call(cctx, uint64(ptr), uint64(n), 1); err != nil {
		c.broken = c.trapError(op, err)
		return nil, c.broken
	}
	return b, nil
}

// takeUnit interprets an export's (error, is_error) pair.
func (c *Chat) takeUnit(ctx context.Context, op string, res []uint64) error {
	if res[1] != 0 {
		return c.takeError(c.ctx(ctx), op, res[0])
	}
	return nil
}

func (c *Chat) takeError(ctx context.Context, op string, idx uint64) error {
	v, err := c.h.takeFromTable(ctx, idx)
	if err != nil {
		c.broken = c.trapError(op, err)
		return c.broken
	}
	return newError(op, errorText(v))
}

// passString copies s into the module's memory (the callee owns and frees it).
func (c *Chat) passString(ctx context.Context, s string) (uint64, uint64, error) {
	return c.passBytes(ctx, []byte(s))
}

func (c *Chat) passBytes(ctx context.Context, b []byte) (uint64, uint64, error) {
	res, err := c.h.malloc.Call(c.ctx(ctx), uint64(len(b)), 1)
	if err != nil {
		c.broken = c.trapError("malloc", err)
		return 0, 0, c.broken
	}
	if !c.h.mod.Memory().Write(uint32(res[0]), b) {
		return 0, 0, fmt.Errorf("xchat: write %d bytes at %d: out of range", len(b), res[0])
	}
	return uint64(uint32(res[0])), uint64(len(b)), nil
}

// passStrings is passArrayJsValueToWasm0 for strings: an array of externref
// table slots in the module's memory.
func (c *Chat) passStrings(ctx context.Context, ss []string) (uint64, uint64, error) {
	cctx := c.ctx(ctx)
	res, err := c.h.malloc.Call(cctx, uint64(4*len(ss)), 4)
	if err != nil {
		c.broken = c.trapError("malloc", err)
		return 0, 0, c.broken
	}
	ptr := uint32(res[0])
	for i, s := range ss {
		idx, err := c.h.tableAlloc.Call(cctx)
		if err == nil {
			_, err = c.h.tset.Call(cctx, idx[0], c.h.ref(s))
		}
		if err != nil {
			c.broken = c.trapError("passStrings", err)
			return 0, 0, c.broken
		}
		if !c.h.mod.Memory().WriteUint32Le(ptr+uint32(4*i), uint32(idx[0])) {
			return 0, 0, fmt.Errorf("xchat: write at %d: out of range", ptr)
		}
	}
	return uint64(ptr), uint64(len(ss)), nil
}

// lock serializes the Chat's calls and runs the sweep after each.
func (c *Chat) lock(ctx context.Context) func() {
	c.mu.Lock()
	return func() {
		c.done(ctx)
		c.mu.Unlock()
	}
}

// callValue calls an export taking (chat, args...) and returning a value.
func (c *Chat) callValue(ctx context.Context, op string, args ...uint64) (any, error) {
	res, err := c.call(ctx, op, append([]uint64{c.ptr}, args...)...)
	if err != nil {
		return nil, err
	}
	return c.takeValue(ctx, op, res)
}

// --- JavaScript values for the engine's parameters -------------------------

// obj builds a JavaScript object from key/value pairs, leaving out nil values
// (an omitted optional, as JSON.stringify would).
func obj(kv ...any) *jsObject {
	o := newObject()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] != nil {
			o.set(kv[i].(string), kv[i+1])
		}
	}
	return o
}

// optString is s, or nil (omitted) when empty.
func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (c *Chat) arg(v any) uint64 { return c.h.ref(v) }
