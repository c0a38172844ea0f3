package xchat

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"testing"
)

// This file wraps what a client posts into the envelope X delivers, as
// ../shared/spec/XCHAT.md's last section describes: a Thrift MessageEvent
// (binary protocol, chat-xdk thrift/event.thrift). Test code only: the
// product's builder is the X simulator's (shared/dev/xsim).

const (
	thriftString = 11
	thriftStruct = 12
)

type thriftWriter struct{ b []byte }

func (w *thriftWriter) field(typ byte, id int16) {
	w.b = append(w.b, typ)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(id))
}

func (w *thriftWriter) str(id int16, s string) {
	w.field(thriftString, id)
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(len(s)))
	w.b = append(w.b, s...)
}

// rawStruct writes a field holding an already serialized struct.
func (w *thriftWriter) rawStruct(id int16, serialized []byte) {
	w.field(thriftStruct, id)
	w.b = append(w.b, serialized...)
}

func (w *thriftWriter) stop() []byte { return append(w.b, 0) }

// envelope is X's server-set part of a MessageEvent.
type envelope struct {
	seq            int64
	messageID      string
	senderID       string
	conversationID string // canonical min:max
	createdAtMsec  int64
}

func (e envelope) wrap(t *testing.T, detail, signature []byte) string {
	t.Helper()
	var w thriftWriter
	w.str(1, strconv.FormatInt(e.seq, 10))
	w.str(2, e.messageID)
	w.str(3, e.senderID)
	w.str(4, e.conversationID)
	w.str(6, strconv.FormatInt(e.createdAtMsec, 10))
	w.rawStruct(7, detail)
	w.rawStruct(9, signature)
	return base64.StdEncoding.EncodeToString(w.stop())
}

// b64 is standard base64 with padding, the engine's encoding.
var b64 = base64.StdEncoding

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	t.Fatalf("not base64: %q", s)
	return nil
}

// messageEvent is a posted message as X delivers it: MessageEventDetail{1:
// the MessageCreateEvent}, and the posted MessageEventSignature as is.
func messageEvent(t *testing.T, e envelope, encryptedContent, encodedEventSignature string) string {
	t.Helper()
	var d thriftWriter
	d.rawStruct(1, unb64(t, encryptedContent))
	return e.wrap(t, d.stop(), unb64(t, encodedEventSignature))
}

// keyChangeEvent is a posted conversation key change as X delivers it: the
// action signature's detail, and a MessageEventSignature built from it.
func keyChangeEvent(t *testing.T, e envelope, sig ActionSignature) string {
	t.Helper()
	var s thriftWriter
	s.str(1, sig.Signature)
	s.str(2, sig.PublicKeyVersion)
	s.str(3, sig.SignatureVersion)
	e.messageID = sig.MessageID
	return e.wrap(t, unb64(t, sig.EncodedMessageEventDetail), s.stop())
}
