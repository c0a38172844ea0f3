package xchat

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// host is one instance of the engine's module with the JavaScript world its
// glue expects: the values behind the externrefs it holds, and the exports
// the imports call back into (malloc, the externref table, exception store).
type host struct {
	mod    api.Module
	helper api.Module

	malloc, free, tableAlloc, tableDealloc, exnStore api.Function
	tget, tset, tgrow, tsize                         api.Function

	// vals holds the values behind the externrefs handed to the module: a
	// handle is a key here (0 is ref.null, JavaScript's null). A value lives
	// while the module's externref table holds its handle; sweep frees the
	// rest between calls.
	vals      map[uint64]any
	next      uint64
	sweepAt   int
	panicText string // what the engine's panic hook printed last
	global    *jsObject
}

// hostKey carries the *host an export call is for to the imports it makes.
type hostKey struct{}

// handleUndefined is the permanent handle of undefined.
const handleUndefined = 1

// minSweep is the number of live handles below which sweep does not run.
const minSweep = 512

func newHost() *host {
	h := &host{vals: map[uint64]any{handleUndefined: undefined}, next: handleUndefined + 1, sweepAt: minSweep}
	h.global = h.newGlobal()
	return h
}

// newGlobal is the module's globalThis: only what the engine reads from it,
// crypto.getRandomValues backed by crypto/rand (getrandom's Web Crypto
// path). There is no `process`, so the engine never takes Node's path.
func (h *host) newGlobal() *jsObject {
	cryptoObj := newObject()
	cryptoObj.set("getRandomValues", &jsFunc{name: "getRandomValues", call: func(_ any, args []any) (any, *thrown) {
		if len(args) != 1 {
			return nil, throwTypeError("getRandomValues takes one argument")
		}
		return args[0], getRandomValues(args[0])
	}})
	g := newObject()
	g.set("crypto", cryptoObj)
	return g
}

func getRandomValues(v any) *thrown {
	b, ok := v.(*jsBytes)
	if !ok {
		return throwTypeError("getRandomValues: argument is not a Uint8Array")
	}
	if len(b.b) > 65536 {
		return &thrown{&jsError{name: "QuotaExceededError", message: "getRandomValues: more than 65536 bytes"}}
	}
	if _, err := rand.Read(b.b); err != nil {
		return &thrown{&jsError{name: "Error", message: "crypto/rand: " + err.Error()}}
	}
	return nil
}

// ref returns a new handle for v (null is always 0, undefined always 1).
func (h *host) ref(v any) uint64 {
	switch v.(type) {
	case nil:
		return 0
	case jsUndefined:
		return handleUndefined
	}
	id := h.next
	h.next++
	h.vals[id] = v
	return id
}

// val is the value behind a handle.
func (h *host) val(id uint64) any {
	if id == 0 {
		return nil
	}
	v, ok := h.vals[id]
	if !ok {
		panic(fmt.Errorf("xchat: the engine used externref %d, which this host never issued or already freed", id))
	}
	return v
}

// sweep frees the values whose handles the module's externref table no
// longer holds. It runs between export calls only: during a call the module
// may hold handles in locals. It runs once the handles outnumber twice those
// live after the previous sweep, so its cost (one table read per slot) is
// spread over many calls.
func (h *host) sweep(ctx context.Context) error {
	if len(h.vals) < h.sweepAt {
		return nil
	}
	size, err := h.call1(ctx, h.tsize)
	if err != nil {
		return err
	}
	live := make(map[uint64]bool, len(h.vals)/2)
	for i := uint64(0); i < size; i++ {
		id, err := h.call1(ctx, h.tget, i)
		if err != nil {
			return err
		}
		live[id] = true
	}
	for id := range h.vals {
		if id != handleUndefined && !live[id] {
			delete(h.vals, id)
		}
	}
	h.sweepAt = max(minSweep, 2*len(h.vals))
	return nil
}

func (h *host) call1(ctx context.Context, f api.Function, args ...uint64) (uint64, error) {
	res, err := f.Call(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res[0], nil
}

// must calls an export from inside an import; a failure there aborts the
// whole export call the import is part of.
func (h *host) must(ctx context.Context, f api.Function, args ...uint64) []uint64 {
	res, err := f.Call(ctx, args...)
	if err != nil {
		panic(err)
	}
	return res
}

// addToTable is the glue's addToExternrefTable0: a fresh table slot holding v.
func (h *host) addToTable(ctx context.Context, v any) uint32 {
	idx := h.must(ctx, h.tableAlloc)[0]
	h.must(ctx, h.tset, idx, h.ref(v))
	return uint32(idx)
}

// takeFromTable is the glue's takeFromExternrefTable0.
func (h *host) takeFromTable(ctx context.Context, idx uint64) (any, error) {
	id, err := h.call1(ctx, h.tget, uint64(uint32(idx)))
	if err != nil {
		return nil, err
	}
	v := h.val(id)
	if _, err := h.tableDealloc.Call(ctx, uint64(uint32(idx))); err != nil {
		return nil, err
	}
	return v, nil
}

// Memory access. The module's memory can grow during any call into it, so
// nothing read here is kept past the import that reads it.

func (h *host) bytesAt(ptr, n uint32) []byte {
	b, ok := h.mod.Memory().Read(ptr, n)
	if !ok {
		panic(fmt.Errorf("xchat: engine memory read [%d,+%d) out of range", ptr, n))
	}
	return b
}

func (h *host) copyAt(ptr, n uint32) []byte { return append([]byte(nil), h.bytesAt(ptr, n)...) }

func (h *host) stringAt(ptr, n uint32) string { return string(h.bytesAt(ptr, n)) }

func (h *host) write(ptr uint32, b []byte) {
	if !h.mod.Memory().Write(ptr, b) {
		panic(fmt.Errorf("xchat: engine memory write [%d,+%d) out of range", ptr, len(b)))
	}
}

func (h *host) writeI32(ptr uint32, v int32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(v))
	h.write(ptr, b[:])
}

// passBytes copies b into memory the module allocates (passArray8ToWasm0).
func (h *host) passBytes(ctx context.Context, b []byte, align uint64) (ptr, n uint32) {
	p := uint32(h.must(ctx, h.malloc, uint64(len(b)), align)[0])
	h.write(p, b)
	return p, uint32(len(b))
}

// writeString is what the glue does for a string an import returns through
// a return pointer: pass it to the module and store (ptr, len) at retptr.
func (h *host) writeString(ctx context.Context, retptr uint32, s string) {
	p, n := h.passBytes(ctx, []byte(s), 1)
	h.writeI32(retptr, int32(p))
	h.writeI32(retptr+4, int32(n))
}

// jsThrow is a JavaScript exception escaping an import not wrapped in the
// glue's handleError: it unwinds the whole export call.
type jsThrow struct{ value any }

func (t jsThrow) Error() string { return "engine threw " + errorText(t.value) }

// errorText is the message of a thrown value.
func errorText(v any) string {
	if e, ok := v.(*jsError); ok {
		return e.message
	}
	if s, ok := v.(string); ok {
		return s
	}
	return debugString(v)
}

// importFunc is one of the glue's imports, in Go.
type importFunc struct {
	params, results []api.ValueType
	fn              func(ctx context.Context, h *host, stack []uint64)
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
	f64 = api.ValueTypeF64
	ext = api.ValueTypeExternref
)

func sig(params ...api.ValueType) []api.ValueType { return params }

func boolU64(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// guarded is the glue's handleError: an exception becomes the module's
// pending exception (__wbindgen_exn_store) instead of unwinding.
func guarded(fn func(ctx context.Context, h *host, stack []uint64) *thrown) func(context.Context, *host, []uint64) {
	return func(ctx context.Context, h *host, stack []uint64) {
		if t := fn(ctx, h, stack); t != nil {
			idx := h.addToTable(ctx, t.value)
			h.must(ctx, h.exnStore, uint64(idx))
			// The module reads no result once an exception is stored.
			for i := range stack {
				stack[i] = 0
			}
		}
	}
}

// throwing makes an import's exception unwind the export call, as it does
// in JavaScript for an import the glue does not wrap.
func throwing(t *thrown) {
	if t != nil {
		panic(jsThrow{t.value})
	}
}

// imports are the glue's imports (module "./chat_xdk_wasm_bg.js" of
// chat-xdk 0.4.3's pkg/chat_xdk_wasm.js), each named as there and doing what
// its JavaScript body does. The hashed suffixes are the package version's.
func imports() map[string]importFunc {
	m := map[string]importFunc{}
	add := func(name string, params, results []api.ValueType, fn func(context.Context, *host, []uint64)) {
		m[name] = importFunc{params, results, fn}
	}
	v := func(h *host, s uint64) any { return h.val(s) }

	// Values from the module.
	add("__wbg_Error_83742b46f01ce22d", sig(i32, i32), sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(&jsError{name: "Error", message: h.stringAt(uint32(s[0]), uint32(s[1]))})
	})
	add("__wbg_new_227d7c05414eb861", nil, sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(&jsError{name: "Error"})
	})
	add("__wbg_new_49d5571bd3f0c4d4", nil, sig(ext), func(_ context.Context, h *host, s []uint64) { s[0] = h.ref(&jsMap{}) })
	add("__wbg_new_a70fbab9066b301f", nil, sig(ext), func(_ context.Context, h *host, s []uint64) { s[0] = h.ref(&jsArray{}) })
	add("__wbg_new_ab79df5bd7c26067", nil, sig(ext), func(_ context.Context, h *host, s []uint64) { s[0] = h.ref(newObject()) })
	add("__wbg_new_5f486cdf45a04d78", sig(ext), sig(ext), func(_ context.Context, h *host, s []uint64) {
		// new Uint8Array(x): a copy of a Uint8Array or an array, or zeros.
		switch x := v(h, s[0]).(type) {
		case *jsBytes:
			s[0] = h.ref(&jsBytes{b: append([]byte{}, x.b...)})
		case *jsArray:
			b := make([]byte, len(x.elems))
			for i, e := range x.elems {
				b[i] = byte(int64(toNumber(e)))
			}
			s[0] = h.ref(&jsBytes{b: b})
		case float64:
			if x < 0 || x != math.Trunc(x) || x > 1<<31 {
				throwing(&thrown{&jsError{name: "RangeError", message: "Invalid typed array length: " + formatNumber(x)}})
			}
			s[0] = h.ref(&jsBytes{b: make([]byte, int(x))})
		default:
			s[0] = h.ref(&jsBytes{})
		}
	})
	add("__wbg_new_from_slice_22da9388ac046e50", sig(i32, i32), sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(&jsBytes{b: h.copyAt(uint32(s[0]), uint32(s[1]))})
	})
	add("__wbg_new_with_length_825018a1616e9e55", sig(i32), sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(&jsBytes{b: make([]byte, uint32(s[0]))})
	})
	add("__wbindgen_cast_0000000000000001", sig(f64), sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(api.DecodeF64(s[0]))
	})
	add("__wbindgen_cast_0000000000000002", sig(i64), sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(big.NewInt(int64(s[0])))
	})
	add("__wbindgen_cast_0000000000000003", sig(i32, i32), sig(ext), func(_ context.Context, h *host, s []uint64) {
		// A view of the module's memory in the glue; a copy here, which is
		// the same for every use the engine makes of it (it is copied into a
		// new Uint8Array at once).
		s[0] = h.ref(&jsBytes{b: h.copyAt(uint32(s[0]), uint32(s[1]))})
	})
	add("__wbindgen_cast_0000000000000004", sig(i32, i32), sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(h.stringAt(uint32(s[0]), uint32(s[1])))
	})
	add("__wbindgen_cast_0000000000000005", sig(i64), sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(new(big.Int).SetUint64(s[0]))
	})

	// Values to the module.
	add("__wbg_String_8564e559799eccda", sig(i32, ext), nil, func(ctx context.Context, h *host, s []uint64) {
		h.writeString(ctx, uint32(s[0]), toString(v(h, s[1])))
	})
	add("__wbg___wbindgen_debug_string_5398f5bb970e0daa", sig(i32, ext), nil, func(ctx context.Context, h *host, s []uint64) {
		h.writeString(ctx, uint32(s[0]), debugString(v(h, s[1])))
	})
	add("__wbg___wbindgen_string_get_395e606bd0ee4427", sig(i32, ext), nil, func(ctx context.Context, h *host, s []uint64) {
		if str, ok := v(h, s[1]).(string); ok {
			h.writeString(ctx, uint32(s[0]), str)
			return
		}
		h.writeI32(uint32(s[0]), 0)
		h.writeI32(uint32(s[0])+4, 0)
	})
	add("__wbg___wbindgen_number_get_34bb9d9dcfa21373", sig(i32, ext), nil, func(_ context.Context, h *host, s []uint64) {
		n, ok := v(h, s[1]).(float64)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(n))
		h.write(uint32(s[0])+8, b[:])
		h.writeI32(uint32(s[0]), int32(boolU64(ok)))
	})
	add("__wbg___wbindgen_bigint_get_as_i64_447a76b5c6ef7bda", sig(i32, ext), nil, func(_ context.Context, h *host, s []uint64) {
		n, ok := v(h, s[1]).(*big.Int)
		var b [8]byte
		if ok {
			// setBigInt64 wraps to 64 bits.
			binary.LittleEndian.PutUint64(b[:], new(big.Int).And(n, new(big.Int).SetUint64(math.MaxUint64)).Uint64())
		}
		h.write(uint32(s[0])+8, b[:])
		h.writeI32(uint32(s[0]), int32(boolU64(ok)))
	})
	add("__wbg___wbindgen_boolean_get_c0f3f60bac5a78d1", sig(ext), sig(i32), func(_ context.Context, h *host, s []uint64) {
		switch b := v(h, s[0]).(type) {
		case bool:
			s[0] = boolU64(b)
		default:
			s[0] = 0xFFFFFF
		}
	})
	add("__wbg_Number_a5a435bd7bbec835", sig(ext), sig(f64), func(_ context.Context, h *host, s []uint64) {
		s[0] = api.EncodeF64(toNumber(v(h, s[0])))
	})

	// Type tests.
	is := func(name string, test func(any) bool) {
		add(name, sig(ext), sig(i32), func(_ context.Context, h *host, s []uint64) { s[0] = boolU64(test(v(h, s[0]))) })
	}
	is("__wbg___wbindgen_is_bigint_e2141d4f045b7eda", func(x any) bool { return typeOf(x) == "bigint" })
	is("__wbg___wbindgen_is_function_3c846841762788c1", func(x any) bool { return typeOf(x) == "function" })
	is("__wbg___wbindgen_is_null_0b605fc6b167c56f", func(x any) bool { return x == nil })
	is("__wbg___wbindgen_is_object_781bc9f159099513", func(x any) bool { return x != nil && typeOf(x) == "object" })
	is("__wbg___wbindgen_is_string_7ef6b97b02428fae", func(x any) bool { return typeOf(x) == "string" })
	is("__wbg___wbindgen_is_undefined_52709e72fb9f179c", func(x any) bool { return x == undefined })
	is("__wbg_instanceof_ArrayBuffer_101e2bf31071a9f6", func(any) bool { return false })
	is("__wbg_instanceof_Map_f194b366846aca0c", func(x any) bool { _, ok := x.(*jsMap); return ok })
	is("__wbg_instanceof_Uint8Array_740438561a5b956d", func(x any) bool { _, ok := x.(*jsBytes); return ok })
	is("__wbg_isArray_33b91feb269ff46e", func(x any) bool { _, ok := x.(*jsArray); return ok })
	is("__wbg_isSafeInteger_ecd6a7f9c3e053cd", func(x any) bool {
		f, ok := x.(float64)
		return ok && f == math.Trunc(f) && math.Abs(f) <= 1<<53-1
	})
	add("__wbg___wbindgen_jsval_eq_ee31bfad3e536463", sig(ext, ext), sig(i32), func(_ context.Context, h *host, s []uint64) {
		s[0] = boolU64(strictEquals(v(h, s[0]), v(h, s[1])))
	})
	add("__wbg___wbindgen_jsval_loose_eq_5bcc3bed3c69e72b", sig(ext, ext), sig(i32), func(_ context.Context, h *host, s []uint64) {
		s[0] = boolU64(looseEquals(v(h, s[0]), v(h, s[1])))
	})
	add("__wbg___wbindgen_in_41dbb8413020e076", sig(ext, ext), sig(i32), func(_ context.Context, h *host, s []uint64) {
		ok, t := h.hasProperty(v(h, s[0]), v(h, s[1]))
		throwing(t)
		s[0] = boolU64(ok)
	})

	// Properties, arrays, Maps, iteration.
	getter := func(name string, f func(h *host, obj any) (any, *thrown)) {
		add(name, sig(ext), sig(ext), func(_ context.Context, h *host, s []uint64) {
			r, t := f(h, v(h, s[0]))
			throwing(t)
			s[0] = h.ref(r)
		})
	}
	prop := func(key string) func(h *host, obj any) (any, *thrown) {
		return func(h *host, obj any) (any, *thrown) { return h.getProperty(obj, key) }
	}
	getter("__wbg_crypto_38df2bab126b63dc", prop("crypto"))
	getter("__wbg_msCrypto_bd5a034af96bcba6", prop("msCrypto"))
	getter("__wbg_process_44c7a14e11e9f69e", prop("process"))
	getter("__wbg_versions_276b2795b1c6a219", prop("versions"))
	getter("__wbg_node_84ea875411254db1", prop("node"))
	getter("__wbg_value_21fc78aab0322612", prop("value"))
	getter("__wbg_next_e01a967809d1aa68", prop("next"))
	getter("__wbg_from_4bdf88943703fd48", func(_ *host, x any) (any, *thrown) { return arrayFrom(x) })
	getter("__wbg_entries_e8a20ff8c9757101", func(_ *host, x any) (any, *thrown) {
		o, ok := x.(*jsObject)
		if !ok {
			if isNullish(x) {
				return nil, throwTypeError("Cannot convert undefined or null to object")
			}
			return &jsArray{}, nil
		}
		out := &jsArray{}
		for _, k := range o.keys {
			out.elems = append(out.elems, &jsArray{elems: []any{k, o.props[k]}})
		}
		return out, nil
	})
	add("__wbg_done_08ce71ee07e3bd17", sig(ext), sig(i32), func(_ context.Context, h *host, s []uint64) {
		r, t := h.getProperty(v(h, s[0]), "done")
		throwing(t)
		// The glue returns arg0.done as a JavaScript value converted to i32.
		s[0] = boolU64(r == true)
	})
	length := func(_ context.Context, h *host, s []uint64) {
		r, t := h.getProperty(v(h, s[0]), "length")
		throwing(t)
		s[0] = uint64(uint32(int64(toNumber(r))))
	}
	add("__wbg_length_b3416cf66a5452c8", sig(ext), sig(i32), length)
	add("__wbg_length_ea16607d7b61445b", sig(ext), sig(i32), length)
	index := func(_ context.Context, h *host, s []uint64) {
		r, t := h.getProperty(v(h, s[0]), float64(uint32(s[1])))
		throwing(t)
		s[0] = h.ref(r)
	}
	add("__wbg_get_a8ee5c45dabc1b3b", sig(ext, i32), sig(ext), index)
	add("__wbg_get_unchecked_329cfe50afab7352", sig(ext, i32), sig(ext), index)
	add("__wbg_get_with_ref_key_6412cf3094599694", sig(ext, ext), sig(ext), func(_ context.Context, h *host, s []uint64) {
		r, t := h.getProperty(v(h, s[0]), v(h, s[1]))
		throwing(t)
		s[0] = h.ref(r)
	})
	add("__wbg_get_326e41e095fb2575", sig(ext, ext), sig(ext), guarded(func(_ context.Context, h *host, s []uint64) *thrown {
		if typeOf(v(h, s[0])) != "object" && typeOf(v(h, s[0])) != "function" || v(h, s[0]) == nil {
			return throwTypeError("Reflect.get called on non-object")
		}
		r, t := h.getProperty(v(h, s[0]), v(h, s[1]))
		if t == nil {
			s[0] = h.ref(r)
		}
		return t
	}))
	add("__wbg_set_282384002438957f", sig(ext, i32, ext), nil, func(_ context.Context, h *host, s []uint64) {
		throwing(setProperty(v(h, s[0]), float64(uint32(s[1])), v(h, s[2])))
	})
	add("__wbg_set_6be42768c690e380", sig(ext, ext, ext), nil, func(_ context.Context, h *host, s []uint64) {
		throwing(setProperty(v(h, s[0]), v(h, s[1]), v(h, s[2])))
	})
	add("__wbg_set_7eaa4f96924fd6b3", sig(ext, ext, ext), sig(i32), guarded(func(_ context.Context, h *host, s []uint64) *thrown {
		if t := setProperty(v(h, s[0]), v(h, s[1]), v(h, s[2])); t != nil {
			return t
		}
		s[0] = 1
		return nil
	}))
	add("__wbg_set_bf7251625df30a02", sig(ext, ext, ext), sig(ext), func(_ context.Context, h *host, s []uint64) {
		mp, ok := v(h, s[0]).(*jsMap)
		if !ok {
			throwing(throwTypeError("Map.prototype.set called on %s", typeOf(v(h, s[0]))))
		}
		mp.set(v(h, s[1]), v(h, s[2]))
		s[0] = h.ref(mp)
	})
	add("__wbg_push_e87b0e732085a946", sig(ext, ext), sig(i32), func(_ context.Context, h *host, s []uint64) {
		arr, ok := v(h, s[0]).(*jsArray)
		if !ok {
			throwing(throwTypeError("push called on %s", typeOf(v(h, s[0]))))
		}
		arr.elems = append(arr.elems, v(h, s[1]))
		s[0] = uint64(len(arr.elems))
	})
	add("__wbg_iterator_d8f549ec8fb061b1", nil, sig(ext), func(_ context.Context, h *host, s []uint64) {
		s[0] = h.ref(symbolIterator)
	})
	add("__wbg_next_11b99ee6237339e3", sig(ext), sig(ext), guarded(func(_ context.Context, h *host, s []uint64) *thrown {
		it := v(h, s[0])
		next, t := h.getProperty(it, "next")
		if t != nil {
			return t
		}
		r, t := callFunc(next, it, nil)
		if t == nil {
			s[0] = h.ref(r)
		}
		return t
	}))
	add("__wbg_call_e133b57c9155d22c", sig(ext, ext), sig(ext), guarded(func(_ context.Context, h *host, s []uint64) *thrown {
		r, t := callFunc(v(h, s[0]), v(h, s[1]), nil)
		if t == nil {
			s[0] = h.ref(r)
		}
		return t
	}))
	add("__wbg_call_2d781c1f4d5c0ef8", sig(ext, ext, ext), sig(ext), guarded(func(_ context.Context, h *host, s []uint64) *thrown {
		r, t := callFunc(v(h, s[0]), v(h, s[1]), []any{v(h, s[2])})
		if t == nil {
			s[0] = h.ref(r)
		}
		return t
	}))

	// Uint8Array and the module's memory.
	add("__wbg_subarray_a068d24e39478a8a", sig(ext, i32, i32), sig(ext), func(_ context.Context, h *host, s []uint64) {
		b, ok := v(h, s[0]).(*jsBytes)
		if !ok {
			throwing(throwTypeError("subarray called on %s", typeOf(v(h, s[0]))))
		}
		lo, hi := min(int(uint32(s[1])), len(b.b)), min(int(uint32(s[2])), len(b.b))
		hi = max(lo, hi)
		s[0] = h.ref(&jsBytes{b: b.b[lo:hi:hi]})
	})
	add("__wbg_prototypesetcall_d62e5099504357e6", sig(i32, i32, ext), nil, func(_ context.Context, h *host, s []uint64) {
		// Uint8Array.prototype.set.call(memory[ptr, ptr+len), src).
		src, ok := v(h, s[2]).(*jsBytes)
		if !ok {
			throwing(throwTypeError("set: source is not a Uint8Array"))
		}
		if len(src.b) > int(uint32(s[1])) {
			throwing(&thrown{&jsError{name: "RangeError", message: "offset is out of bounds"}})
		}
		h.write(uint32(s[0]), src.b)
	})

	// The global object and randomness.
	global := func(present bool) func(context.Context, *host, []uint64) {
		return func(ctx context.Context, h *host, s []uint64) {
			if !present {
				s[0] = 0
				return
			}
			s[0] = uint64(h.addToTable(ctx, h.global))
		}
	}
	add("__wbg_static_accessor_GLOBAL_THIS_ad356e0db91c7913", nil, sig(i32), global(true))
	add("__wbg_static_accessor_GLOBAL_8adb955bd33fac2f", nil, sig(i32), global(true))
	add("__wbg_static_accessor_SELF_f207c857566db248", nil, sig(i32), global(false))
	add("__wbg_static_accessor_WINDOW_bb9f1ba69d61b386", nil, sig(i32), global(false))
	add("__wbg_getRandomValues_c44a50d8cfdaebeb", sig(ext, ext), nil, guarded(func(_ context.Context, h *host, s []uint64) *thrown {
		fn, t := h.getProperty(v(h, s[0]), "getRandomValues")
		if t != nil {
			return t
		}
		_, t = callFunc(fn, v(h, s[0]), []any{v(h, s[1])})
		return t
	}))
	add("__wbg_randomFillSync_6c25eac9869eb53c", sig(ext, ext), nil, guarded(func(context.Context, *host, []uint64) *thrown {
		return throwTypeError("randomFillSync is not available: this host is not Node.js")
	}))
	add("__wbg_require_b4edbdcf3e2a1ef0", nil, sig(ext), guarded(func(context.Context, *host, []uint64) *thrown {
		return &thrown{&jsError{name: "ReferenceError", message: "module is not defined"}}
	}))
	add("__wbg_now_16f0c993d5dd6c27", nil, sig(f64), func(_ context.Context, _ *host, s []uint64) {
		s[0] = api.EncodeF64(float64(time.Now().UnixMilli()))
	})

	// Errors and panics.
	add("__wbg_stack_3b0d974bbf31e44f", sig(i32, ext), nil, func(ctx context.Context, h *host, s []uint64) {
		r, t := h.getProperty(v(h, s[1]), "stack")
		throwing(t)
		h.writeString(ctx, uint32(s[0]), toString(r))
	})
	add("__wbg_error_a6fa202b58aa1cd3", sig(i32, i32), nil, func(ctx context.Context, h *host, s []uint64) {
		// console.error(msg), then free msg: the engine's panic hook.
		h.panicText = h.stringAt(uint32(s[0]), uint32(s[1]))
		h.must(ctx, h.free, s[0], s[1], 1)
	})
	add("__wbg___wbindgen_throw_6ddd609b62940d55", sig(i32, i32), nil, func(_ context.Context, h *host, s []uint64) {
		panic(jsThrow{&jsError{name: "Error", message: h.stringAt(uint32(s[0]), uint32(s[1]))}})
	})
	add("__wbindgen_init_externref_table", nil, nil, func(ctx context.Context, h *host, _ []uint64) {
		off := h.must(ctx, h.tgrow, handleUndefined, 4)[0]
		if int32(off) < 0 {
			panic(fmt.Errorf("xchat: cannot grow the engine's externref table"))
		}
		h.must(ctx, h.tset, 0, handleUndefined)
		h.must(ctx, h.tset, off+0, handleUndefined)
		h.must(ctx, h.tset, off+1, 0)
		h.must(ctx, h.tset, off+2, h.ref(true))
		h.must(ctx, h.tset, off+3, h.ref(false))
	})
	return m
}

// callFunc is f.call(this, ...args).
func callFunc(f, this any, args []any) (any, *thrown) {
	fn, ok := f.(*jsFunc)
	if !ok {
		return nil, throwTypeError("%s is not a function", debugString(f))
	}
	return fn.call(this, args)
}
