package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// An outgoing X Chat DM's payload comes back as written, and its signed
// message_id (its X id) finds it and is claimed for it alone.
func testMessageChatPayload(t *testing.T, f *fixture) {
	s := f.store
	caseID := idAt(2000)
	const msgID = "0b6e4c8e-1f4a-4a57-9d5e-0c2f3d1b7a10"
	m := newMessage(1, caseID, casework.KindDM, "")
	m.Direction, m.Status = casework.DirectionOut, casework.StatusQueued
	must(t, s.PutMessage(f.ctx, m))
	// The payload is recorded before the first call to X, and claims the id.
	m.Status, m.XID, m.AttemptedAt = casework.StatusSending, msgID, base.Add(time.Second)
	m.Chat = &casework.ChatPayload{ConversationID: "100-200", MessageID: msgID, ConversationKeyVersion: "1765000000000",
		EncodedMessageCreateEvent: "CwABAAAAJGNpcGhlcnRleHQ=", EncodedMessageEventSignature: "CwABAAAAA3NpZw=="}
	must(t, s.PutMessage(f.ctx, m))
	got, err := s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v (chat %+v)\nwant %+v (chat %+v)", got, got.Chat, m, m.Chat)
	}
	byX, err := s.MessageByXID(f.ctx, casework.KindDM, msgID)
	must(t, err)
	if byX.ID != m.ID || byX.Chat == nil || byX.Chat.MessageID != msgID {
		t.Fatalf("message_id finds %+v", byX)
	}
	// The caller's copy is not the store's.
	got.Chat.EncodedMessageCreateEvent = "changed"
	again, err := s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if again.Chat.EncodedMessageCreateEvent != m.Chat.EncodedMessageCreateEvent {
		t.Fatal("changing a returned payload changed the stored one")
	}
	// Another message cannot take the same message_id.
	other := newMessage(2, idAt(2001), casework.KindDM, msgID)
	WantCode(t, s.PutMessage(f.ctx, other), casework.EConflict)
	// Sent: the payload may be dropped, the id stays.
	m.Status, m.SentAt, m.Chat = casework.StatusSent, base.Add(time.Minute), &casework.ChatPayload{ConversationID: "100-200", MessageID: msgID}
	must(t, s.PutMessage(f.ctx, m))
	got, err = s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v (chat %+v)\nwant %+v (chat %+v)", got, got.Chat, m, m.Chat)
	}
}

func chatKey(version string) *casework.ChatKey {
	return &casework.ChatKey{
		BrandXUserID: "100", ConversationID: "100-200", KeyVersion: version, BrandKeyVersion: "1764000000000",
		Change: &casework.ChatKeyChange{
			ParticipantKeys: []casework.ChatParticipantKey{
				{UserID: "100", EncryptedKey: "wrapped-to-100", PublicKeyVersion: "1764000000000"},
				{UserID: "200", EncryptedKey: "wrapped-to-200", PublicKeyVersion: "1763000000000"},
			},
			ActionSignatures: []casework.ChatActionSignature{{MessageID: "sig-1", EncodedMessageEventDetail: "ZGV0YWls",
				Signature: "c2ln", SignatureVersion: "1", PublicKeyVersion: "1764000000000"}},
		},
		CreatedAt: base, UpdatedAt: base,
	}
}

// A conversation's key versions are kept per brand identity and
// conversation, listed newest version first as numbers (not as strings),
// and written on their version as every record.
func testChatKeys(t *testing.T, f *fixture) {
	s := f.store
	none, err := s.ChatKeys(f.ctx, "100", "100-200")
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("an unknown conversation has keys %+v", none)
	}
	k1 := chatKey("999999999999") // 12 digits: a string compare would put it last
	must(t, s.PutChatKey(f.ctx, k1))
	if k1.Version != 1 {
		t.Fatalf("version after create = %d", k1.Version)
	}
	dup := chatKey("999999999999")
	WantCode(t, s.PutChatKey(f.ctx, dup), casework.EConflict)

	k2 := chatKey("1765000000000")
	must(t, s.PutChatKey(f.ctx, k2))
	// X accepted the change: its sequence id and X's event are added.
	k2.SequenceID, k2.KeyChangeEvent, k2.UpdatedAt = "42", "CwABAAAAAkV2", base.Add(time.Minute)
	must(t, s.PutChatKey(f.ctx, k2))
	stale := *k2
	stale.Version = 1
	WantCode(t, s.PutChatKey(f.ctx, &stale), casework.EConflict)

	// One the customer made: X's event only.
	k3 := &casework.ChatKey{BrandXUserID: "100", ConversationID: "100-200", KeyVersion: "1766000000000", KeyChangeEvent: "CwABAAAAAkV3",
		SequenceID: "50", CreatedAt: base}
	must(t, s.PutChatKey(f.ctx, k3))
	// Another brand's and another conversation's keys are apart.
	must(t, s.PutChatKey(f.ctx, &casework.ChatKey{BrandXUserID: "300", ConversationID: "200-300", KeyVersion: "1", KeyChangeEvent: "e"}))
	must(t, s.PutChatKey(f.ctx, &casework.ChatKey{BrandXUserID: "100", ConversationID: "100-300", KeyVersion: "1", KeyChangeEvent: "e"}))

	got, err := s.ChatKeys(f.ctx, "100", "100-200")
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("got %d versions, want 3: %+v", len(got), got)
	}
	for i, want := range []*casework.ChatKey{k3, k2, k1} {
		if !reflect.DeepEqual(&got[i], want) {
			t.Errorf("version %d: got %+v (change %+v)\nwant %+v (change %+v)", i, got[i], got[i].Change, want, want.Change)
		}
	}
	if !got[1].Accepted() || got[2].Accepted() {
		t.Errorf("accepted: %v %v, want true false", got[1].Accepted(), got[2].Accepted())
	}
	// A conversation id that is not canonical, or a record without a key
	// change, is refused.
	bad := chatKey("1")
	bad.ConversationID = "200-100"
	WantCode(t, s.PutChatKey(f.ctx, bad), casework.EValidation)
	bad = chatKey("1")
	bad.Change = nil
	WantCode(t, s.PutChatKey(f.ctx, bad), casework.EValidation)
}
