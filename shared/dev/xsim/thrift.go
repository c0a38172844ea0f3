package xsim

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The X Chat envelope is Thrift's binary protocol (X's engine writes and
// reads it so: thrift/event.thrift in xdevplatform/chat-xdk). The simulator
// assembles X's MessageEvent around what a client posts, and reads the few
// fields it checks from what the client posts: this file is that much of the
// protocol, encoding only (no cryptography).

// Thrift binary protocol type ids.
const (
	tStop   byte = 0
	tBool   byte = 2
	tByte   byte = 3
	tDouble byte = 4
	tI16    byte = 6
	tI32    byte = 8
	tI64    byte = 10
	tString byte = 11 // also binary
	tStruct byte = 12
	tMap    byte = 13
	tSet    byte = 14
	tList   byte = 15
)

// thriftWriter appends Thrift binary protocol fields to a buffer.
type thriftWriter struct{ b []byte }

func (w *thriftWriter) fieldHeader(typ byte, id int16) {
	w.b = append(w.b, typ)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(id))
}

// String writes a string (or binary) field.
func (w *thriftWriter) String(id int16, s string) {
	w.fieldHeader(tString, id)
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(len(s)))
	w.b = append(w.b, s...)
}

// Struct writes a struct field whose encoded body (fields and the stop
// byte) is body.
func (w *thriftWriter) Struct(id int16, body []byte) {
	w.fieldHeader(tStruct, id)
	w.b = append(w.b, body...)
}

// End writes the stop byte and returns the struct's encoding.
func (w *thriftWriter) End() []byte { return append(w.b, tStop) }

// thriftField is one field of a struct as read: its id, its type, and its
// raw encoded value (for a string, the bytes without the length; for a
// struct, its fields and stop byte).
type thriftField struct {
	ID   int16
	Type byte
	Raw  []byte
}

var errThrift = errors.New("not a Thrift binary struct")

// readStruct reads the top-level fields of a Thrift binary struct that
// fills all of b.
func readStruct(b []byte) ([]thriftField, error) {
	fields, n, err := readFields(b, 0)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the struct", errThrift, len(b)-n)
	}
	return fields, nil
}

func readFields(b []byte, depth int) ([]thriftField, int, error) {
	if depth > 32 {
		return nil, 0, fmt.Errorf("%w: nested too deep", errThrift)
	}
	var out []thriftField
	i := 0
	for {
		if i >= len(b) {
			return nil, 0, fmt.Errorf("%w: no stop byte", errThrift)
		}
		typ := b[i]
		i++
		if typ == tStop {
			return out, i, nil
		}
		if i+2 > len(b) {
			return nil, 0, fmt.Errorf("%w: truncated field header", errThrift)
		}
		id := int16(binary.BigEndian.Uint16(b[i:]))
		i += 2
		n, err := skipValue(b[i:], typ, depth)
		if err != nil {
			return nil, 0, err
		}
		raw := b[i : i+n]
		if typ == tString {
			raw = raw[4:]
		}
		out = append(out, thriftField{ID: id, Type: typ, Raw: raw})
		i += n
	}
}

// skipValue returns the length of the encoded value of type typ at b's start.
func skipValue(b []byte, typ byte, depth int) (int, error) {
	fixed := map[byte]int{tBool: 1, tByte: 1, tI16: 2, tI32: 4, tI64: 8, tDouble: 8}
	if n, ok := fixed[typ]; ok {
		if len(b) < n {
			return 0, fmt.Errorf("%w: truncated value", errThrift)
		}
		return n, nil
	}
	switch typ {
	case tString:
		if len(b) < 4 {
			return 0, fmt.Errorf("%w: truncated string", errThrift)
		}
		n := int(binary.BigEndian.Uint32(b))
		if n < 0 || 4+n > len(b) {
			return 0, fmt.Errorf("%w: truncated string", errThrift)
		}
		return 4 + n, nil
	case tStruct:
		_, n, err := readFields(b, depth+1)
		return n, err
	case tList, tSet:
		if len(b) < 5 {
			return 0, fmt.Errorf("%w: truncated list", errThrift)
		}
		elem, count := b[0], int(binary.BigEndian.Uint32(b[1:]))
		if count < 0 || count > len(b) {
			return 0, fmt.Errorf("%w: bad list size", errThrift)
		}
		i := 5
		for range count {
			n, err := skipValue(b[i:], elem, depth+1)
			if err != nil {
				return 0, err
			}
			i += n
		}
		return i, nil
	case tMap:
		if len(b) < 6 {
			return 0, fmt.Errorf("%w: truncated map", errThrift)
		}
		kt, vt, count := b[0], b[1], int(binary.BigEndian.Uint32(b[2:]))
		if count < 0 || count > len(b) {
			return 0, fmt.Errorf("%w: bad map size", errThrift)
		}
		i := 6
		for range count {
			for _, t := range []byte{kt, vt} {
				n, err := skipValue(b[i:], t, depth+1)
				if err != nil {
					return 0, err
				}
				i += n
			}
		}
		return i, nil
	}
	return 0, fmt.Errorf("%w: unknown type %d", errThrift, typ)
}

// field returns the field with that id, if any.
func field(fs []thriftField, id int16) (thriftField, bool) {
	for _, f := range fs {
		if f.ID == id {
			return f, true
		}
	}
	return thriftField{}, false
}

// stringField returns a string field's value ("" when absent or not a string).
func stringField(fs []thriftField, id int16) string {
	if f, ok := field(fs, id); ok && f.Type == tString {
		return string(f.Raw)
	}
	return ""
}
