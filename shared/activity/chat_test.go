package activity

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// thriftWriter writes the Thrift binary protocol, for envelopes built as
// X's backend builds them (chat-xdk's thrift/event.thrift).
type thriftWriter struct{ bytes.Buffer }

func (w *thriftWriter) field(typ byte, id int16) {
	w.WriteByte(typ)
	_ = binary.Write(w, binary.BigEndian, id)
}

func (w *thriftWriter) str(id int16, s string) {
	w.field(thriftString, id)
	_ = binary.Write(w, binary.BigEndian, int32(len(s)))
	w.WriteString(s)
}

func (w *thriftWriter) stop() { w.WriteByte(thriftStop) }

// messageEvent is a MessageEvent of a message: 1 sequence_id, 2
// message_id, 3 sender_id, 4 conversation_id, 6 created_at_msec, 7 detail
// {1: MessageCreateEvent{100 contents, 101 key version, 105
// is_pending_public_key, 107 a list}}, 9 a signature.
func messageEvent(messageID, senderID, conv, atMsec string) string {
	var w thriftWriter
	w.str(1, "1001")
	w.str(2, messageID)
	w.str(3, senderID)
	w.str(4, conv)
	w.str(6, atMsec)
	w.field(thriftStruct, 7)
	w.field(thriftStruct, 1)
	w.str(100, "\x00\x01ciphertext")
	w.str(101, "1782945126642")
	w.field(thriftBool, 105)
	w.WriteByte(0)
	w.field(thriftList, 107)
	w.WriteByte(thriftI32)
	_ = binary.Write(&w, binary.BigEndian, int32(1))
	_ = binary.Write(&w, binary.BigEndian, int32(0))
	w.stop() // MessageCreateEvent
	w.stop() // detail
	w.field(thriftStruct, 9)
	w.str(1, "c2lnbmF0dXJl")
	w.str(2, "1765382634817")
	w.stop()
	w.field(thriftI64, 8) // an unknown field of another type: skipped
	_ = binary.Write(&w, binary.BigEndian, int64(1))
	w.stop()
	return base64.StdEncoding.EncodeToString(w.Bytes())
}

// keyChangeEvent is a MessageEvent whose detail is a ConversationKeyChangeEvent.
func keyChangeEvent(senderID, conv string) string {
	var w thriftWriter
	w.str(2, "kc-1")
	w.str(3, senderID)
	w.str(4, conv)
	w.field(thriftStruct, 7)
	w.field(thriftStruct, 3)
	w.str(1, "1782945126642")
	w.stop()
	w.stop()
	w.stop()
	return base64.StdEncoding.EncodeToString(w.Bytes())
}

func chatDelivery(t *testing.T, eventType, uuid string, payload map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"data": map[string]any{
		"event_uuid": uuid, "event_type": eventType, "filter": map[string]string{"user_id": "1111111111111111111"},
		"tag": "chat", "payload": payload,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	chatBrand    = "1111111111111111111"
	chatCustomer = "2222222222222222222"
	chatConv     = "2222222222222222222:1111111111111111111"
)

// TestChatEvents reads chat.received and chat.sent as X's pages show them
// (docs.x.com "Real-Time Events", "Event payloads"), the clear fields
// from the envelope.
func TestChatEvents(t *testing.T) {
	enc := messageEvent("m-1", chatCustomer, chatConv, "1784841183370")
	kc := keyChangeEvent(chatCustomer, chatConv)
	body := chatDelivery(t, "chat.received", "8511582263942905822", map[string]any{
		"conversation_token": "eyJ", "id": "e4f4d3fc", "created_at_msec": "1784841183999",
		"sender_id": chatCustomer, "conversation_id": "1111111111111111111-2222222222222222222",
		"conversation_key_version": "1768236281331", "encoded_event": enc, "conversation_key_change_event": kc,
		"message_event_signature": map[string]string{"public_key_version": "1", "signature": "x", "signature_version": "7"},
	})
	if env, isXAA, err := ReadDelivery(body); err != nil || !isXAA || env.EventType != "chat.received" || env.UserID != chatBrand {
		t.Fatalf("ReadDelivery = %+v, %v, %v", env, isXAA, err)
	}
	if _, _, done := readDeliveryFast(body); !done {
		t.Error("a chat delivery is left to decoding; the webhook's fast walk should serve it")
	}
	compareDelivery(t, body)
	p, err := ParseMessage(body, received)
	if err != nil || len(p.Bad) != 0 || len(p.Events) != 1 {
		t.Fatalf("ParseMessage = %+v, %v", p, err)
	}
	ev := p.Events[0]
	at := time.UnixMilli(1784841183370).UTC()
	want := casework.ChatEvent{UUID: "8511582263942905822", ConversationID: "1111111111111111111-2222222222222222222", // canonical
		SenderID: chatCustomer, MessageID: "m-1", SequenceID: "1001", Kind: casework.ChatKindMessage, KeyVersion: "1782945126642",
		EncodedEvent: enc, KeyChangeEvent: kc, CreatedAt: at}
	if ev.Type != casework.EventChat || ev.ID != "chat:8511582263942905822" || ev.ForUserID != chatBrand || !ev.At.Equal(at) || *ev.Chat != want {
		t.Errorf("event = %+v %+v\nwant chat %+v", ev, ev.Chat, want)
	}

	sent := chatDelivery(t, "chat.sent", "3723060601307155846", map[string]any{
		"sender_id": chatBrand, "conversation_id": chatConv, "encoded_event": messageEvent("m-2", chatBrand, chatConv, "1784841233939"),
	})
	p, err = ParseMessage(sent, received)
	if err != nil || len(p.Events) != 1 || !p.Events[0].Chat.Sent || p.Events[0].Chat.KeyVersion != "1782945126642" {
		t.Fatalf("chat.sent: %+v, %v (the key version is the MessageCreateEvent's)", p, err)
	}

	// A key change alone is an event of its own kind.
	p, err = ParseMessage(chatDelivery(t, "chat.received", "7", map[string]any{
		"sender_id": chatCustomer, "conversation_id": chatConv, "encoded_event": kc,
	}), received)
	if err != nil || len(p.Events) != 1 || p.Events[0].Chat.Kind != casework.ChatKindKeyChange || !p.Events[0].At.Equal(received) {
		t.Fatalf("key change: %+v, %v", p, err)
	}
}

// TestChatEventsMalformed: what cannot be a chat event X sends is a bad
// event (kept for the dead-letter queue), never a message.
func TestChatEventsMalformed(t *testing.T) {
	good := messageEvent("m-1", chatCustomer, chatConv, "1784841183370")
	raw, _ := base64.StdEncoding.DecodeString(good)
	for name, payload := range map[string]map[string]any{
		"no encoded_event":  {"sender_id": chatCustomer, "conversation_id": chatConv},
		"no sender":         {"conversation_id": chatConv, "encoded_event": good},
		"not base64":        {"sender_id": chatCustomer, "conversation_id": chatConv, "encoded_event": "%%%"},
		"truncated":         {"sender_id": chatCustomer, "conversation_id": chatConv, "encoded_event": base64.StdEncoding.EncodeToString(raw[:len(raw)-9])},
		"another sender":    {"sender_id": "3", "conversation_id": chatConv, "encoded_event": good},
		"another chat":      {"sender_id": chatCustomer, "conversation_id": "3:4", "encoded_event": good},
		"no message_id":     {"sender_id": chatCustomer, "conversation_id": chatConv, "encoded_event": messageEvent("", chatCustomer, chatConv, "1")},
		"huge string":       {"sender_id": chatCustomer, "conversation_id": chatConv, "encoded_event": base64.StdEncoding.EncodeToString([]byte("\x0b\x00\x01\x7f\xff\xff\xff"))},
		"unknown type":      {"sender_id": chatCustomer, "conversation_id": chatConv, "encoded_event": base64.StdEncoding.EncodeToString([]byte("\x09\x00\x01"))},
		"nested too deeply": {"sender_id": chatCustomer, "conversation_id": chatConv, "encoded_event": base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x0c\x00\x07", 40)))},
	} {
		p, err := ParseMessage(chatDelivery(t, "chat.received", "1", payload), received)
		if err != nil || len(p.Events) != 0 || len(p.Bad) != 1 {
			t.Errorf("%s: %+v, %v; want one bad event", name, p, err)
		}
	}
}

func TestChatEventsAreUsedAndStable(t *testing.T) {
	for _, typ := range []string{"chat.received", "chat.sent", "dm.received", "dm.sent"} {
		if !XAAUsed(typ) {
			t.Errorf("%s is not used", typ)
		}
	}
	if XAAUsed("chat.conversation_join") {
		t.Error("chat.conversation_join is used")
	}
	// A redelivery (same event_uuid) is the same event; another delivery of
	// the same message is another event with the same message id.
	payload := map[string]any{"sender_id": chatCustomer, "conversation_id": chatConv,
		"encoded_event": messageEvent("m-1", chatCustomer, chatConv, "1784841183370")}
	a, _ := ParseMessage(chatDelivery(t, "chat.received", "1", payload), received)
	b, _ := ParseMessage(chatDelivery(t, "chat.received", "1", payload), received.Add(time.Hour))
	c, _ := ParseMessage(chatDelivery(t, "chat.received", "2", payload), received)
	if a.Events[0].ID != b.Events[0].ID || a.Events[0].ID == c.Events[0].ID || a.Events[0].Chat.MessageID != c.Events[0].Chat.MessageID {
		t.Errorf("ids: %s %s %s", a.Events[0].ID, b.Events[0].ID, c.Events[0].ID)
	}
}

func FuzzReadChatEnvelope(f *testing.F) {
	raw, _ := base64.StdEncoding.DecodeString(messageEvent("m-1", chatCustomer, chatConv, "1"))
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = readChatEnvelope(base64.StdEncoding.EncodeToString(b)) // never panics nor loops
	})
}
