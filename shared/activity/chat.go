package activity

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// chatEvents reads chat.received and chat.sent (docs.x.com, "Real-Time
// Events" and "Event payloads"): {conversation_id, sender_id,
// encoded_event, conversation_key_version, conversation_key_change_event?}
// and, in X's samples, id, created_at_msec, conversation_token and
// message_event_signature. The content is ciphertext; what X's server set
// in the clear (message_id, sender_id, conversation_id, created_at_msec,
// and whether the event is a message) is read from the envelope
// encoded_event holds, a Thrift MessageEvent in the binary protocol
// (chat-xdk's thrift/event.thrift), and trusted only once the event is
// opened and its signature verified. The event's id is its event_uuid.
func (d *xaaData) chatEvents(receivedAt time.Time) ([]casework.Event, error) {
	var p struct {
		ConversationID string      `json:"conversation_id"`
		SenderID       string      `json:"sender_id"`
		EncodedEvent   string      `json:"encoded_event"`
		KeyVersion     json.Number `json:"conversation_key_version"`
		KeyChangeEvent string      `json:"conversation_key_change_event"`
		ID             string      `json:"id"`
		CreatedAtMsec  json.Number `json:"created_at_msec"`
	}
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return nil, fmt.Errorf("activity: %s: %w", d.EventType, err)
	}
	if p.EncodedEvent == "" || p.SenderID == "" || p.ConversationID == "" {
		return nil, fmt.Errorf("activity: a %s lacks its encoded_event, sender_id or conversation_id", d.EventType)
	}
	env, err := readChatEnvelope(p.EncodedEvent)
	if err != nil {
		return nil, fmt.Errorf("activity: %s: encoded_event: %w", d.EventType, err)
	}
	if env.SenderID != "" && env.SenderID != p.SenderID {
		return nil, fmt.Errorf("activity: a %s names sender %s, its encoded_event %s", d.EventType, p.SenderID, env.SenderID)
	}
	if env.ConversationID != "" && !sameConversation(env.ConversationID, p.ConversationID) {
		return nil, fmt.Errorf("activity: a %s names conversation %s, its encoded_event %s", d.EventType, p.ConversationID, env.ConversationID)
	}
	ch := &casework.ChatEvent{
		UUID: d.uuid(), Sent: d.EventType == XAAChatSent, ConversationID: casework.CanonicalChatConversationID(p.ConversationID), SenderID: p.SenderID,
		MessageID: env.MessageID, SequenceID: env.SequenceID, Kind: env.Kind, KeyVersion: env.KeyVersion,
		EncodedEvent: p.EncodedEvent, KeyChangeEvent: p.KeyChangeEvent, CreatedAt: receivedAt,
	}
	if ch.KeyVersion == "" { // the signed one, else what the payload says
		ch.KeyVersion = p.KeyVersion.String()
	}
	if ch.Kind == casework.ChatKindMessage && ch.MessageID == "" {
		return nil, fmt.Errorf("activity: a %s message has no message_id in its encoded_event", d.EventType)
	}
	if t, err := millis(env.CreatedAtMsec); err == nil {
		ch.CreatedAt = t
	} else if t, err := millis(p.CreatedAtMsec.String()); err == nil {
		ch.CreatedAt = t
	}
	id := ch.UUID
	if id == "" {
		id = "message:" + p.SenderID + ":" + ch.MessageID + ":" + p.ID
	}
	return []casework.Event{{ID: casework.ChatEventID(id), Type: casework.EventChat, ForUserID: d.Filter.UserID, At: ch.CreatedAt, Chat: ch}}, nil
}

// sameConversation reports whether two spellings of a conversation id name
// the same conversation: X writes a 1:1 as "A:B" in its envelope and as
// "A-B" (either order) in REST paths and some payloads.
func sameConversation(a, b string) bool {
	return casework.CanonicalChatConversationID(a) == casework.CanonicalChatConversationID(b)
}

// chatEnvelope is what X's MessageEvent says in the clear.
type chatEnvelope struct {
	SequenceID, MessageID, SenderID, ConversationID, CreatedAtMsec string
	Kind                                                           casework.ChatEventKind
	// KeyVersion is the MessageCreateEvent's conversation_key_version.
	KeyVersion string
}

// decodeBase64 reads base64 with or without padding, standard or URL-safe.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// readChatEnvelope reads X's MessageEvent (Thrift binary protocol): 1
// sequence_id, 2 message_id, 3 sender_id, 4 conversation_id, 6
// created_at_msec, 7 detail (a union: 1 MessageCreateEvent, whose 101 is
// its conversation_key_version; 3 ConversationKeyChangeEvent; others).
// Everything else is skipped.
func readChatEnvelope(b64 string) (chatEnvelope, error) {
	raw, err := decodeBase64(b64)
	if err != nil {
		return chatEnvelope{}, err
	}
	env := chatEnvelope{Kind: casework.ChatKindOther}
	r := &thriftReader{b: raw}
	r.fields(0, func(id int16, typ byte) bool {
		switch {
		case typ == thriftString && id >= 1 && id <= 6:
			s := r.string()
			switch id {
			case 1:
				env.SequenceID = s
			case 2:
				env.MessageID = s
			case 3:
				env.SenderID = s
			case 4:
				env.ConversationID = s
			case 6:
				env.CreatedAtMsec = s
			}
			return true
		case typ == thriftStruct && id == 7:
			r.fields(1, func(id int16, typ byte) bool {
				if typ != thriftStruct {
					return false
				}
				switch id {
				case 1:
					env.Kind = casework.ChatKindMessage
					r.fields(2, func(id int16, typ byte) bool {
						if id == 101 && typ == thriftString {
							env.KeyVersion = r.string()
							return true
						}
						return false
					})
					return true
				case 3:
					env.Kind = casework.ChatKindKeyChange
				}
				return false
			})
			return true
		}
		return false
	})
	if r.err != nil {
		return chatEnvelope{}, fmt.Errorf("not X's MessageEvent: %w", r.err)
	}
	return env, nil
}

// Thrift binary protocol type ids.
const (
	thriftStop   = 0
	thriftBool   = 2
	thriftByte   = 3
	thriftDouble = 4
	thriftI16    = 6
	thriftI32    = 8
	thriftI64    = 10
	thriftString = 11
	thriftStruct = 12
	thriftMap    = 13
	thriftSet    = 14
	thriftList   = 15
)

// maxThriftDepth bounds nesting, so a hostile envelope cannot exhaust the stack.
const maxThriftDepth = 32

// thriftReader reads Thrift's binary protocol; the first error sticks and
// every later read returns zero values.
type thriftReader struct {
	b   []byte
	i   int
	err error
}

func (r *thriftReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, a...)
	}
}

func (r *thriftReader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.i {
		r.fail("truncated at byte %d", r.i)
		return nil
	}
	out := r.b[r.i : r.i+n]
	r.i += n
	return out
}

func (r *thriftReader) u8() byte {
	b := r.next(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *thriftReader) i32() int32 {
	b := r.next(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

func (r *thriftReader) string() string {
	n := r.i32()
	return string(r.next(int(n)))
}

// fields walks a struct's fields until its stop byte, calling fn with each
// field's id and type; fn reads the value and returns true, or returns
// false to have it skipped.
func (r *thriftReader) fields(depth int, fn func(id int16, typ byte) bool) {
	if depth > maxThriftDepth {
		r.fail("nested too deeply")
		return
	}
	for r.err == nil {
		typ := r.u8()
		if r.err != nil || typ == thriftStop {
			return
		}
		b := r.next(2)
		if b == nil {
			return
		}
		id := int16(binary.BigEndian.Uint16(b))
		if !fn(id, typ) {
			r.skip(typ, depth+1)
		}
	}
}

// skip passes over one value of the type.
func (r *thriftReader) skip(typ byte, depth int) {
	if depth > maxThriftDepth {
		r.fail("nested too deeply")
		return
	}
	switch typ {
	case thriftBool, thriftByte:
		r.next(1)
	case thriftI16:
		r.next(2)
	case thriftI32:
		r.next(4)
	case thriftDouble, thriftI64:
		r.next(8)
	case thriftString:
		r.next(int(r.i32()))
	case thriftStruct:
		r.fields(depth, func(int16, byte) bool { return false })
	case thriftMap:
		kt, vt, n := r.u8(), r.u8(), r.i32()
		r.count(n)
		for k := int32(0); k < n && r.err == nil; k++ {
			r.skip(kt, depth+1)
			r.skip(vt, depth+1)
		}
	case thriftSet, thriftList:
		et, n := r.u8(), r.i32()
		r.count(n)
		for k := int32(0); k < n && r.err == nil; k++ {
			r.skip(et, depth+1)
		}
	default:
		r.fail("unknown type %d at byte %d", typ, r.i)
	}
}

// count refuses a negative or impossible element count (each element
// takes at least a byte, but bools and bytes: one).
func (r *thriftReader) count(n int32) {
	if n < 0 || int(n) > len(r.b)-r.i {
		r.fail("impossible element count %d at byte %d", n, r.i)
	}
}
