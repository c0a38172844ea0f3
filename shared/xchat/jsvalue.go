package xchat

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The JavaScript values the engine's glue passes across the boundary, held in
// Go. wasm-bindgen's module sees them only as opaque externrefs: a handle
// (see heap) naming one of these.
//
//	undefined      jsUndefined{}
//	null           nil
//	boolean        bool
//	number         float64
//	bigint         *big.Int (compared by value)
//	string         string (UTF-8; lengths and indices count UTF-16 units as JS does)
//	object         *jsObject (own string keys, in JavaScript's order)
//	Array          *jsArray
//	Map            *jsMap
//	Uint8Array     *jsBytes (a view: subarray shares the bytes)
//	Error          *jsError
//	Symbol         *jsSymbol
//	function       *jsFunc
type jsUndefined struct{}

type jsObject struct {
	keys  []string
	props map[string]any
}

type jsArray struct{ elems []any }

type jsMap struct{ keys, vals []any }

type jsBytes struct{ b []byte }

type jsError struct{ name, message string }

type jsSymbol struct{ description string }

// jsFunc is a host function value; call receives `this` and the arguments and
// returns the result or a thrown value (a non-nil *thrown).
type jsFunc struct {
	name string
	call func(this any, args []any) (any, *thrown)
}

// thrown is a JavaScript exception in flight.
type thrown struct{ value any }

func throwTypeError(format string, args ...any) *thrown {
	return &thrown{&jsError{name: "TypeError", message: fmt.Sprintf(format, args...)}}
}

var (
	undefined      = jsUndefined{}
	symbolIterator = &jsSymbol{description: "Symbol.iterator"}
)

func newObject() *jsObject { return &jsObject{props: map[string]any{}} }

// set assigns a property, keeping JavaScript's key order: integer-like keys
// ascending, then the others in insertion order (Object.entries' order).
func (o *jsObject) set(k string, v any) {
	if _, ok := o.props[k]; !ok {
		o.keys = append(o.keys, k)
		if _, isIndex := arrayIndex(k); isIndex {
			sort.SliceStable(o.keys, func(i, j int) bool {
				a, ai := arrayIndex(o.keys[i])
				b, bi := arrayIndex(o.keys[j])
				return ai && (!bi || a < b)
			})
		}
	}
	o.props[k] = v
}

func (o *jsObject) get(k string) any {
	if v, ok := o.props[k]; ok {
		return v
	}
	return undefined
}

// arrayIndex reports whether k is a canonical array index ("0".."4294967294").
func arrayIndex(k string) (uint32, bool) {
	if k == "" || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 32)
	if err != nil || n == math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

func (m *jsMap) set(k, v any) {
	for i, have := range m.keys {
		if sameValueZero(have, k) {
			m.vals[i] = v
			return
		}
	}
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

// strictEquals is JavaScript's ===.
func strictEquals(a, b any) bool {
	switch x := a.(type) {
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	}
	return a == b
}

func sameValueZero(a, b any) bool {
	if x, ok := a.(float64); ok {
		if y, ok := b.(float64); ok && math.IsNaN(x) && math.IsNaN(y) {
			return true
		}
	}
	return strictEquals(a, b)
}

// looseEquals is JavaScript's == for the values the glue can hold.
func looseEquals(a, b any) bool {
	if strictEquals(a, b) {
		return true
	}
	aNullish, bNullish := isNullish(a), isNullish(b)
	if aNullish || bNullish {
		return aNullish && bNullish
	}
	if isPrimitive(a) && isPrimitive(b) {
		switch a.(type) {
		case string:
			if s, ok := b.(string); ok {
				return a.(string) == s
			}
		}
		x, y := toNumber(a), toNumber(b)
		if bx, ok := a.(*big.Int); ok {
			return bigEqualsNumber(bx, y)
		}
		if by, ok := b.(*big.Int); ok {
			return bigEqualsNumber(by, x)
		}
		return x == y
	}
	return false
}

func bigEqualsNumber(b *big.Int, f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
		return false
	}
	bf, _ := new(big.Float).SetInt(b).Float64()
	return bf == f
}

func isNullish(v any) bool { return v == nil || v == undefined }

func isPrimitive(v any) bool {
	switch v.(type) {
	case nil, jsUndefined, bool, float64, string, *big.Int, *jsSymbol:
		return true
	}
	return false
}

// typeOf is JavaScript's typeof.
func typeOf(v any) string {
	switch v.(type) {
	case jsUndefined:
		return "undefined"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case *big.Int:
		return "bigint"
	case string:
		return "string"
	case *jsSymbol:
		return "symbol"
	case *jsFunc:
		return "function"
	}
	return "object"
}

// toNumber is JavaScript's Number(v) (a bigint converts, as Number() does).
func toNumber(v any) float64 {
	switch x := v.(type) {
	case nil:
		return 0
	case jsUndefined:
		return math.NaN()
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0
		}
		if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
			n, err := strconv.ParseUint(s[2:], 16, 64)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}
		switch s {
		case "Infinity", "+Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return math.NaN()
		}
		return f
	case *jsArray:
		switch len(x.elems) {
		case 0:
			return 0
		case 1:
			return toNumber(toString(x.elems[0]))
		}
	}
	return math.NaN()
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	if e, ok := err.(*strconv.NumError); ok {
		ne = e
	}
	return ne != nil && ne.Err == strconv.ErrRange
}

// formatNumber is JavaScript's Number.prototype.toString() for the values
// that occur here.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e+21 / e-07; JavaScript writes e+21 / e-7.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// toString is JavaScript's String(v).
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case jsUndefined:
		return "undefined"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return formatNumber(x)
	case *big.Int:
		return x.String()
	case string:
		return x
	case *jsSymbol:
		return "Symbol(" + x.description + ")"
	case *jsArray:
		parts := make([]string, len(x.elems))
		for i, e := range x.elems {
			if !isNullish(e) {
				parts[i] = toString(e)
			}
		}
		return strings.Join(parts, ",")
	case *jsBytes:
		parts := make([]string, len(x.b))
		for i, b := range x.b {
			parts[i] = strconv.Itoa(int(b))
		}
		return strings.Join(parts, ",")
	case *jsError:
		if x.message == "" {
			return x.name
		}
		return x.name + ": " + x.message
	case *jsFunc:
		return "function " + x.name + "() { [native code] }"
	case *jsMap:
		return "[object Map]"
	}
	return "[object Object]"
}

// propertyKey is JavaScript's ToPropertyKey: a symbol stays itself, anything
// else becomes its string.
func propertyKey(k any) any {
	if s, ok := k.(*jsSymbol); ok {
		return s
	}
	return toString(k)
}

// utf16Len is a string's JavaScript length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// getProperty is obj[key] (Reflect.get) for the values the host holds.
func (h *host) getProperty(obj, key any) (any, *thrown) {
	if isNullish(obj) {
		return nil, throwTypeError("Cannot read properties of %s (reading '%s')", toString(obj), toString(key))
	}
	k := propertyKey(key)
	if k == symbolIterator {
		switch obj.(type) {
		case *jsArray, *jsMap, *jsBytes, string:
			return iteratorFunc, nil
		}
		return undefined, nil
	}
	name, _ := k.(string)
	switch x := obj.(type) {
	case *jsObject:
		return x.get(name), nil
	case *jsArray:
		if name == "length" {
			return float64(len(x.elems)), nil
		}
		if i, ok := arrayIndex(name); ok && int(i) < len(x.elems) {
			return x.elems[i], nil
		}
	case *jsBytes:
		switch name {
		case "length", "byteLength":
			return float64(len(x.b)), nil
		}
		if i, ok := arrayIndex(name); ok && int(i) < len(x.b) {
			return float64(x.b[i]), nil
		}
	case *jsMap:
		if name == "size" {
			return float64(len(x.keys)), nil
		}
	case string:
		if name == "length" {
			return float64(utf16Len(x)), nil
		}
		if i, ok := arrayIndex(name); ok {
			u := utf16.Encode([]rune(x))
			if int(i) < len(u) {
				return string(utf16.Decode(u[i : i+1])), nil
			}
		}
	case *jsError:
		switch name {
		case "message":
			return x.message, nil
		case "name":
			return x.name, nil
		case "stack":
			return toString(x) + "\n    at <wasm>", nil
		}
	case *jsFunc:
		if name == "name" {
			return x.name, nil
		}
	}
	return undefined, nil
}

// setProperty is obj[key] = v.
func setProperty(obj, key, v any) *thrown {
	k := propertyKey(key)
	name, ok := k.(string)
	if !ok {
		return throwTypeError("symbol keys are not supported on this host")
	}
	switch x := obj.(type) {
	case *jsObject:
		x.set(name, v)
		return nil
	case *jsArray:
		if i, ok := arrayIndex(name); ok {
			for len(x.elems) <= int(i) {
				x.elems = append(x.elems, undefined)
			}
			x.elems[i] = v
			return nil
		}
	case *jsBytes:
		if i, ok := arrayIndex(name); ok {
			if int(i) < len(x.b) {
				x.b[i] = byte(int64(toNumber(v)))
			}
			return nil
		}
	}
	if isNullish(obj) {
		return throwTypeError("Cannot set properties of %s", toString(obj))
	}
	return throwTypeError("cannot set property %q on %s in this host", name, typeOf(obj))
}

// hasProperty is `key in obj`.
func (h *host) hasProperty(key, obj any) (bool, *thrown) {
	switch x := obj.(type) {
	case *jsObject:
		_, ok := x.props[toString(propertyKey(key))]
		return ok, nil
	case *jsArray, *jsBytes, *jsMap, *jsError, *jsFunc:
		v, err := h.getProperty(obj, key)
		return err == nil && v != undefined, nil
	}
	return false, throwTypeError("Cannot use 'in' operator to search for '%s' in %s", toString(key), toString(obj))
}

// iteratorFunc is the [Symbol.iterator] method of arrays, Maps (entries),
// Uint8Arrays and strings.
var iteratorFunc = &jsFunc{name: "[Symbol.iterator]", call: func(this any, _ []any) (any, *thrown) {
	var items []any
	switch x := this.(type) {
	case *jsArray:
		items = x.elems
	case *jsMap:
		items = make([]any, len(x.keys))
		for i := range x.keys {
			items[i] = &jsArray{elems: []any{x.keys[i], x.vals[i]}}
		}
	case *jsBytes:
		items = make([]any, len(x.b))
		for i, b := range x.b {
			items[i] = float64(b)
		}
	case string:
		for _, r := range x {
			items = append(items, string(r))
		}
	default:
		return nil, throwTypeError("%s is not iterable", toString(this))
	}
	return newIterator(items), nil
}}

// newIterator returns an iterator object over a snapshot of items.
func newIterator(items []any) *jsObject {
	it := newObject()
	i := 0
	it.set("next", &jsFunc{name: "next", call: func(any, []any) (any, *thrown) {
		res := newObject()
		if i < len(items) {
			res.set("value", items[i])
			res.set("done", false)
			i++
		} else {
			res.set("value", undefined)
			res.set("done", true)
		}
		return res, nil
	}})
	return it
}

// arrayFrom is Array.from(v) for the iterables the host holds.
func arrayFrom(v any) (*jsArray, *thrown) {
	switch x := v.(type) {
	case *jsArray, *jsMap, *jsBytes, string:
		it, err := iteratorFunc.call(x, nil)
		if err != nil {
			return nil, err
		}
		var out []any
		next := it.(*jsObject).get("next").(*jsFunc)
		for {
			r, _ := next.call(it, nil)
			ro := r.(*jsObject)
			if ro.get("done") == true {
				break
			}
			out = append(out, ro.get("value"))
		}
		return &jsArray{elems: out}, nil
	case *jsObject:
		// An array-like (length + indices) or nothing.
		n := toNumber(x.get("length"))
		if math.IsNaN(n) || n <= 0 {
			return &jsArray{}, nil
		}
		out := make([]any, int(n))
		for i := range out {
			out[i] = x.get(strconv.Itoa(i))
		}
		return &jsArray{elems: out}, nil
	}
	if isNullish(v) {
		return nil, throwTypeError("%s is not iterable", toString(v))
	}
	return &jsArray{}, nil
}

// debugString is wasm-bindgen's debugString, used in the engine's messages
// about values of the wrong type.
func debugString(v any) string {
	switch x := v.(type) {
	case nil, jsUndefined, bool, float64:
		return toString(v)
	case string:
		return strconv.Quote(x)
	case *jsSymbol:
		return "Symbol(" + x.description + ")"
	case *jsFunc:
		return "Function(" + x.name + ")"
	case *jsArray:
		parts := make([]string, len(x.elems))
		for i, e := range x.elems {
			parts[i] = debugString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *jsObject:
		b, err := json.Marshal(toPlain(x))
		if err != nil {
			return "Object"
		}
		return "Object(" + string(b) + ")"
	case *jsError:
		return x.name + ": " + x.message
	case *jsBytes:
		return "Uint8Array"
	case *jsMap:
		return "Map"
	case *big.Int:
		return x.String()
	}
	return "Object"
}

// toPlain converts a JavaScript value into plain Go values that encoding/json
// marshals as JSON.stringify would, except that a Uint8Array becomes []byte
// (base64 in JSON, which decodes back into a []byte field), a bigint a
// json.Number and a Map an object keyed by String(key).
func toPlain(v any) any {
	switch x := v.(type) {
	case nil, jsUndefined, *jsFunc, *jsSymbol:
		return nil
	case bool, string:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case *big.Int:
		return json.Number(x.String())
	case *jsBytes:
		return append([]byte{}, x.b...)
	case *jsArray:
		out := make([]any, len(x.elems))
		for i, e := range x.elems {
			out[i] = toPlain(e)
		}
		return out
	case *jsObject:
		out := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			if e := x.props[k]; e != undefined {
				out[k] = toPlain(e)
			}
		}
		return out
	case *jsMap:
		out := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			out[toString(k)] = toPlain(x.vals[i])
		}
		return out
	case *jsError:
		return map[string]any{"name": x.name, "message": x.message}
	}
	return nil
}

// decodeInto converts an engine result into a Go value of type T through its
// JSON form (the shapes follow index.d.ts).
func decodeInto[T any](v any) (T, error) {
	var out T
	b, err := json.Marshal(toPlain(v))
	if err != nil {
		return out, fmt.Errorf("xchat: encode engine result: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("xchat: decode engine result %T: %w", out, err)
	}
	return out, nil
}
