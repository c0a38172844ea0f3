package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/acme/twitter-cases/shared/sqsqueue"
)

// DefaultMaxMessageBytes is the largest message the webhook queues: SQS's
// limit less 4 KiB of headroom for message attributes (trace headers, say)
// that a later change may add.
const DefaultMaxMessageBytes = sqsqueue.MaxMessageBytes - 4<<10

var (
	// ErrNotObject: the payload is not one JSON object in UTF-8.
	ErrNotObject = errors.New("webhook: the payload is not one JSON object")
	// ErrEventTooLarge: one event alone is larger than an SQS message.
	ErrEventTooLarge = errors.New("webhook: an event is larger than one queue message")
)

// member is one top-level member of a payload, its value byte for byte.
type member struct {
	key   string
	value json.RawMessage
}

// payload is an Account Activity payload's top level, in order.
type payload []member

// Members that are neither events nor copied into every split part.
const (
	usersKey     = "users"
	appsKey      = "apps"
	userEventKey = "user_event"
	forUserKey   = "for_user_id"
)

// parsePayload reads body as one JSON object in UTF-8, keeping its members'
// values byte for byte. Any other body is an ErrNotObject error.
func parsePayload(body []byte) (payload, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: it is not UTF-8", ErrNotObject)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, ErrNotObject
	}
	var p payload
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotObject, err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, ErrNotObject
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotObject, err)
		}
		p = append(p, member{key, v})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the object", ErrNotObject)
	}
	return p, nil
}

// isEventArray reports whether a member holds an array of events
// (tweet_create_events, direct_message_events, ...).
func (m member) isEventArray() bool {
	return strings.HasSuffix(m.key, "_events") && firstByte(m.value) == '['
}

func firstByte(v json.RawMessage) byte {
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

// events splits an event array into its elements, byte for byte.
func (m member) events() []json.RawMessage {
	var out []json.RawMessage
	if err := json.Unmarshal(m.value, &out); err != nil {
		return nil // cannot happen: the value parsed as an array
	}
	return out
}

// whole returns an X Activity delivery as its one queue message (X sends
// one event per delivery), made SQS-safe; ErrEventTooLarge beyond max.
func whole(body []byte, max int) ([][]byte, error) {
	body = sqsSafe(body)
	if len(body) > max {
		return nil, fmt.Errorf("%w: a delivery of %d bytes (limit %d)", ErrEventTooLarge, len(body), max)
	}
	return [][]byte{body}, nil
}

// eventCount is how many events the payload holds.
func (p payload) eventCount() int {
	n := 0
	for _, m := range p {
		switch {
		case m.isEventArray():
			n += len(m.events())
		case m.key == userEventKey:
			n++
		}
	}
	return n
}

// forUserID returns the payload's for_user_id, or "".
func (p payload) forUserID() string {
	for _, m := range p {
		if m.key == forUserKey {
			var s string
			if json.Unmarshal(m.value, &s) == nil {
				return s
			}
		}
	}
	return ""
}

// eventCounts says how many events of each kind the payload holds, for the
// log: "direct_message_events=2 users=2".
func (p payload) eventCounts() string {
	counts := map[string]int{}
	for _, m := range p {
		switch {
		case m.isEventArray():
			counts[m.key] += len(m.events())
		case m.key == userEventKey:
			counts[m.key]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", k, counts[k])
	}
	return b.String()
}

// Split returns the queue messages for one payload: the payload itself,
// byte for byte, when it holds at most one event and is at most max bytes;
// otherwise one payload per event, each with the payload's other top-level
// members and the users and apps entries its event refers to. One event
// per message keeps a malformed event from holding its siblings back: it
// alone fails and reaches the dead-letter queue (X Activity deliveries
// hold one event each anyway). Raw U+FFFE and U+FFFF, which SQS
// refuses, are escaped first. It fails with ErrNotObject for a body that is
// not a JSON object, and with ErrEventTooLarge when the payload cannot be
// split into messages of at most max bytes.
func Split(body []byte, max int) ([][]byte, error) {
	p, err := parsePayload(body)
	if err != nil {
		return nil, err
	}
	return split(p, body, max)
}

func split(p payload, body []byte, max int) ([][]byte, error) {
	body = sqsSafe(body)
	if len(body) <= max && p.eventCount() <= 1 {
		return [][]byte{body}, nil
	}
	if safe := sqsSafeMembers(p); safe != nil {
		p = safe
	}
	users, apps := lookup(p, usersKey), lookup(p, appsKey)
	var parts [][]byte
	for i, m := range p {
		var evs []json.RawMessage
		switch {
		case m.isEventArray():
			evs = m.events()
		case m.key == userEventKey:
			evs = []json.RawMessage{m.value}
		default:
			continue
		}
		for _, ev := range evs {
			part := p.part(i, ev, users, apps)
			if len(part) > max {
				return nil, fmt.Errorf("%w: a %s element of %d bytes (limit %d)", ErrEventTooLarge, m.key, len(part), max)
			}
			parts = append(parts, part)
		}
	}
	if len(parts) == 0 {
		if len(body) <= max {
			return [][]byte{body}, nil // cannot happen: a payload of several events has parts
		}
		return nil, fmt.Errorf("%w: %d bytes and no events to split it by", ErrEventTooLarge, len(body))
	}
	return parts, nil
}

// part builds the payload for event ev of member p[at]: the members in
// their order, the event member holding just ev, no other events, and users
// and apps cut down to the entries ev refers to.
func (p payload) part(at int, ev json.RawMessage, users, apps []member) []byte {
	refs := scalars(ev)
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	add := func(key string, write func()) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		writeKey(&b, key)
		write()
	}
	for i, m := range p {
		switch {
		case i == at && m.key == userEventKey:
			add(m.key, func() { b.Write(ev) })
		case i == at:
			add(m.key, func() { b.WriteByte('['); b.Write(ev); b.WriteByte(']') })
		case m.isEventArray() || m.key == userEventKey:
			// another event's member
		case m.key == usersKey && users != nil:
			writeLookup(&b, add, m.key, users, refs)
		case m.key == appsKey && apps != nil:
			writeLookup(&b, add, m.key, apps, refs)
		default:
			add(m.key, func() { b.Write(m.value) })
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeLookup(b *bytes.Buffer, add func(string, func()), key string, entries []member, refs map[string]bool) {
	var keep []member
	for _, e := range entries {
		if refs[e.key] {
			keep = append(keep, e)
		}
	}
	if len(keep) == 0 {
		return
	}
	add(key, func() {
		b.WriteByte('{')
		for i, e := range keep {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(b, e.key)
			b.Write(e.value)
		}
		b.WriteByte('}')
	})
}

// writeKey writes a member's key and the colon after it.
func writeKey(b *bytes.Buffer, key string) {
	k, _ := json.Marshal(key) // a string always marshals
	b.Write(sqsSafe(k))
	b.WriteByte(':')
}

// lookup returns the entries of the users or apps map, in order, or nil
// when the payload has none (or it is not an object).
func lookup(p payload, key string) []member {
	for _, m := range p {
		if m.key == key && firstByte(m.value) == '{' {
			entries, err := parsePayload(m.value)
			if err != nil {
				return nil
			}
			return entries
		}
	}
	return nil
}

// scalars returns every string and number in a JSON value (ids, mostly):
// an event refers to a user or an app by its id (sender_id, recipient_id,
// source_app_id), so the users and apps entries it needs are those whose
// keys appear among them.
func scalars(v json.RawMessage) map[string]bool {
	out := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case string:
			out[t] = true
		case json.Number:
			out[t.String()] = true
		}
	}
}

// sqsSafe escapes the runes SQS refuses in a message body and valid JSON
// can hold raw (inside strings): U+FFFE and U+FFFF. It returns body itself
// when there are none.
func sqsSafe(body []byte) []byte {
	if !bytes.Contains(body, []byte("\uFFFE")) && !bytes.Contains(body, []byte("\uFFFF")) {
		return body
	}
	body = bytes.ReplaceAll(body, []byte("\uFFFE"), []byte(`\ufffe`))
	return bytes.ReplaceAll(body, []byte("\uFFFF"), []byte(`\uffff`))
}

// sqsSafeMembers applies sqsSafe to every member's value, or returns nil
// when no value needs it.
func sqsSafeMembers(p payload) payload {
	changed := false
	out := make(payload, len(p))
	for i, m := range p {
		v := sqsSafe(m.value)
		changed = changed || len(v) != len(m.value)
		out[i] = member{m.key, v}
	}
	if !changed {
		return nil
	}
	return out
}
