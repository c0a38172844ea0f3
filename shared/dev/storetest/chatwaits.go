package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// testChatWaits: X Chat events waiting for their conversation key are
// listed per brand handle and conversation, oldest first, kept whole
// (ciphertext), written twice as once, and forgotten one by one; an X Chat
// message keeps its encryption mark and waiting status.
func testChatWaits(t *testing.T, f *fixture) {
	s, ok := f.store.(casework.ChatWaitStore)
	if !ok {
		t.Skip("the store keeps no waiting X Chat events")
	}
	ev := func(msgID string, at time.Time) casework.ChatEvent {
		return casework.ChatEvent{UUID: "u-" + msgID, Sent: msgID == "m0", ConversationID: "2:1", SenderID: "2", MessageID: msgID,
			SequenceID: "7", Kind: casework.ChatKindMessage, KeyVersion: "1782945126642", EncodedEvent: "CwABAAAAEzIw" + msgID,
			KeyChangeEvent: "kc", CreatedAt: at}
	}
	waits := []casework.ChatWait{
		{HandleID: "h1", Event: ev("m2", base.Add(2*time.Second)), CaseID: "c1", MessageID: "msg2"},
		{HandleID: "h1", Event: ev("m0", base), CaseID: "c1", MessageID: "msg0"},
		{HandleID: "h1", Event: ev("m1", base.Add(time.Second)), CaseID: "c1", MessageID: "msg1"},
	}
	for _, w := range append(waits, waits[0]) {
		must(t, s.PutChatWait(f.ctx, &w))
	}
	other := casework.ChatWait{HandleID: "h2", Event: ev("m9", base), CaseID: "c2", MessageID: "msg9"}
	must(t, s.PutChatWait(f.ctx, &other))
	got, err := s.ChatWaits(f.ctx, "h1", "2:1")
	must(t, err)
	want := []casework.ChatWait{waits[1], waits[2], waits[0]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChatWaits = %+v\nwant %+v", got, want)
	}
	must(t, s.DeleteChatWait(f.ctx, "h1", "2:1", "m1"))
	must(t, s.DeleteChatWait(f.ctx, "h1", "2:1", "m1"))
	if got, _ := s.ChatWaits(f.ctx, "h1", "2:1"); len(got) != 2 || got[0].Event.MessageID != "m0" || got[1].Event.MessageID != "m2" {
		t.Errorf("after a deletion: %+v", got)
	}
	if got, _ := s.ChatWaits(f.ctx, "h1", "3:1"); len(got) != 0 {
		t.Errorf("another conversation: %+v", got)
	}

	m := newMessage(1, idAt(500), casework.KindDM, "m-chat")
	m.Text, m.Status = "", casework.StatusWaitingForKey
	m.Chat = &casework.ChatPayload{ConversationID: "1-2", MessageID: "m-chat", ConversationKeyVersion: "1"}
	must(t, f.store.PutMessage(f.ctx, m))
	back, err := f.store.MessageByXID(f.ctx, casework.KindDM, "m-chat")
	must(t, err)
	if back.Chat == nil || back.Status != casework.StatusWaitingForKey || back.Text != "" {
		t.Errorf("message back: %+v", back)
	}
}
