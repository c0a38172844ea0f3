package xchat

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

// The JavaScript semantics the glue's imports rely on, as V8 gives them.

func TestObjectKeysInJavaScriptOrder(t *testing.T) {
	o := newObject()
	for _, k := range []string{"b", "1796697756362", "10", "a", "2", "01", "4294967295", "4294967294"} {
		o.set(k, true)
	}
	// Array indices (up to 2^32-2) ascending first, then the rest as inserted;
	// a key version (a millisecond timestamp) is not an index.
	want := []string{"2", "10", "4294967294", "b", "1796697756362", "a", "01", "4294967295"}
	if !slices.Equal(o.keys, want) {
		t.Fatalf("keys %q, want %q", o.keys, want)
	}
}

func TestToNumberAndString(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want float64
	}{
		{"42", 42}, {" 1.5 ", 1.5}, {"", 0}, {"0x10", 16}, {"abc", math.NaN()}, {true, 1}, {nil, 0},
		{undefined, math.NaN()}, {big.NewInt(7), 7}, {&jsArray{elems: []any{"3"}}, 3}, {"Infinity", math.Inf(1)},
	} {
		got := toNumber(tc.in)
		if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("Number(%#v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   any
		want string
	}{
		{1.0, "1"}, {-0.5, "-0.5"}, {1e21, "1e+21"}, {1.5e-7, "1.5e-7"}, {1796697756362.0, "1796697756362"},
		{math.NaN(), "NaN"}, {nil, "null"}, {undefined, "undefined"}, {&jsArray{elems: []any{1.0, nil, "x"}}, "1,,x"},
		{newObject(), "[object Object]"}, {&jsError{name: "Error", message: "boom"}, "Error: boom"},
		{new(big.Int).SetUint64(math.MaxUint64), "18446744073709551615"},
	} {
		if got := toString(tc.in); got != tc.want {
			t.Errorf("String(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEquality(t *testing.T) {
	o := newObject()
	for _, tc := range []struct {
		a, b          any
		strict, loose bool
	}{
		{nil, undefined, false, true},
		{nil, nil, true, true},
		{1.0, "1", false, true},
		{big.NewInt(5), big.NewInt(5), true, true},
		{big.NewInt(5), 5.0, false, true},
		{math.NaN(), math.NaN(), false, false},
		{o, o, true, true},
		{o, newObject(), false, false},
		{true, 1.0, false, true},
		{"a", "a", true, true},
		{undefined, 0.0, false, false},
	} {
		if got := strictEquals(tc.a, tc.b); got != tc.strict {
			t.Errorf("%#v === %#v is %v", tc.a, tc.b, got)
		}
		if got := looseEquals(tc.a, tc.b); got != tc.loose {
			t.Errorf("%#v == %#v is %v", tc.a, tc.b, got)
		}
	}
}

func TestPropertiesAndIteration(t *testing.T) {
	h := newHost()
	arr := &jsArray{elems: []any{"x", 2.0}}
	if v, _ := h.getProperty(arr, "length"); v != 2.0 {
		t.Errorf("array length %v", v)
	}
	if v, _ := h.getProperty(arr, 1.0); v != 2.0 {
		t.Errorf("arr[1] = %v", v)
	}
	if v, _ := h.getProperty(arr, 5.0); v != undefined {
		t.Errorf("arr[5] = %v", v)
	}
	if v, _ := h.getProperty("héllo🙂", "length"); v != 7.0 {
		t.Errorf("string length %v, want 7 UTF-16 units", v)
	}
	if _, thrown := h.getProperty(nil, "x"); thrown == nil {
		t.Error("null.x did not throw")
	}
	if thrown := setProperty(arr, 3.0, "y"); thrown != nil || len(arr.elems) != 4 || arr.elems[2] != undefined {
		t.Errorf("arr[3] = y: %v %#v", thrown, arr.elems)
	}

	m := &jsMap{}
	m.set("k1", 1.0)
	m.set("k2", 2.0)
	m.set("k1", 3.0)
	entries, thrown := arrayFrom(m)
	if thrown != nil || len(entries.elems) != 2 {
		t.Fatalf("Array.from(map) = %v, %v", entries, thrown)
	}
	if first := entries.elems[0].(*jsArray).elems; first[0] != "k1" || first[1] != 3.0 {
		t.Errorf("first entry %#v", first)
	}
	if in, _ := h.hasProperty("k", obj("k", 1.0)); !in {
		t.Error(`"k" in {k: 1} is false`)
	}
	if _, thrown := h.hasProperty("k", "str"); thrown == nil {
		t.Error(`"k" in "str" did not throw`)
	}
}

func TestRandomValuesFillAndRefuseOversize(t *testing.T) {
	b := &jsBytes{b: make([]byte, 64)}
	if thrown := getRandomValues(b); thrown != nil {
		t.Fatal(thrown.value)
	}
	if slices.Equal(b.b, make([]byte, 64)) {
		t.Fatal("64 random bytes are all zero")
	}
	if thrown := getRandomValues(&jsBytes{b: make([]byte, 65537)}); thrown == nil {
		t.Error("65537 bytes accepted: Web Crypto refuses more than 65536")
	}
	if thrown := getRandomValues(1.0); thrown == nil {
		t.Error("a number accepted")
	}
}
