package activity

import "encoding/json"

// readDeliveryFast is ReadDelivery's answer for the deliveries X sends, in
// one validating pass of encoding/json (json.Valid) and one walk of the
// valid text, instead of decoding the body and then its data member again
// (four passes). done is false whenever its answer could differ from
// encoding/json's, and ReadDelivery then decodes: a body that is not valid
// JSON or not an object, a member name with an escape or a non-ASCII byte
// (encoding/json unescapes names and folds Unicode), a member the envelope
// needs that repeats, is null or has another type, and every answer that
// is an error. So where done is true the answer is exactly what decoding
// gives: names matched as encoding/json matches them (ASCII letters in
// either case), values unescaped as it unescapes them.
func readDeliveryFast(body []byte) (env Envelope, isXAA, done bool) {
	if !json.Valid(body) {
		return Envelope{}, false, false
	}
	top, ok := objectAt(body)
	if !ok {
		return Envelope{}, false, false
	}
	var data []byte
	for key, value := range top.members {
		switch {
		case !plainName(key):
			return Envelope{}, false, false
		case equalFold(key, "for_user_id"):
			return Envelope{}, false, true // Account Activity, whatever else it holds
		case equalFold(key, "data"):
			if data != nil {
				return Envelope{}, false, false
			}
			data = value
		}
	}
	if data == nil {
		return Envelope{}, false, true
	}
	d, ok := objectAt(data)
	if !ok {
		return Envelope{}, false, false
	}
	var eventType, filter, payload []byte
	for key, value := range d.members {
		var into *[]byte
		switch {
		case !plainName(key):
			return Envelope{}, false, false
		case equalFold(key, "event_type"):
			into = &eventType
		case equalFold(key, "filter"):
			into = &filter
		case equalFold(key, "payload"):
			into = &payload
		default:
			continue
		}
		if *into != nil {
			return Envelope{}, false, false
		}
		*into = value
	}
	if _, ok := objectAt(payload); !ok {
		return Envelope{}, false, false
	}
	if env.EventType, ok = plainString(eventType); !ok || env.EventType == "" {
		return Envelope{}, false, false
	}
	if filter != nil {
		f, ok := objectAt(filter)
		if !ok {
			return Envelope{}, false, false
		}
		var userID []byte
		for key, value := range f.members {
			switch {
			case !plainName(key):
				return Envelope{}, false, false
			case equalFold(key, "user_id"):
				if userID != nil {
					return Envelope{}, false, false
				}
				userID = value
			}
		}
		if userID != nil {
			if env.UserID, ok = plainString(userID); !ok {
				return Envelope{}, false, false
			}
		}
	}
	return env, true, true
}

// object is a JSON object in text that json.Valid accepted.
type object []byte

// objectAt returns v as an object when it is one (its first byte is '{';
// the walk trims no space, since the values it returns have none around
// them, and the whole body is trimmed here).
func objectAt(v []byte) (object, bool) {
	v = v[skipSpace(v, 0):]
	if len(v) == 0 || v[0] != '{' {
		return nil, false
	}
	return object(v), true
}

// members yields the object's members in order: each name as written
// between its quotes (escapes left as they are) and each value's text.
func (o object) members(yield func(name, value []byte) bool) {
	i := 1 // after '{'
	for {
		i = skipSpace(o, i)
		if i >= len(o) || o[i] == '}' {
			return
		}
		if o[i] == ',' {
			i = skipSpace(o, i+1)
		}
		end := skipString(o, i)
		name := o[i+1 : end-1]
		i = skipSpace(o, end) + 1 // past ':'
		i = skipSpace(o, i)
		end = skipValue(o, i)
		if !yield(name, o[i:end]) {
			return
		}
		i = end
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] ('"').
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // a number, true, false or null
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
		}
		return len(b)
	}
}

// plainName reports whether a member's name, as written, is printable
// ASCII without escapes: encoding/json then matches it to a field by ASCII
// case folding alone.
func plainName(name []byte) bool {
	for _, c := range name {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// equalFold reports whether a plain name equals field in ASCII letters of
// either case, as encoding/json matches names.
func equalFold(name []byte, field string) bool {
	if len(name) != len(field) {
		return false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != field[i] { // field is lower case
			return false
		}
	}
	return true
}

// plainString returns a JSON string value without escapes or non-ASCII
// bytes as its text, which is what decoding it gives.
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || !plainName(v[1:len(v)-1]) {
		return "", false
	}
	return string(v[1 : len(v)-1]), true
}
