package casework

import (
	"context"
	"errors"
	"fmt"
)

// The rules for X Chat events (chat.received, chat.sent), the only way
// Direct Messages arrive from 9 December 2026. An event is opened (its key
// change applied first, then decrypted and its signature verified; see
// ChatReader) and its message then follows the rules of a DM:
//   - A customer's message joins the customer's DM case with the brand
//     handle, as a DM did before the cutover (the same case: one open DM
//     case per customer and brand handle, a resolved one reopens, a closed
//     one is followed by a new case); an unknown sender becomes a customer,
//     named from X (WithX), as X Chat gives only their id.
//   - The brand's own message (chat.sent) confirms the outgoing message
//     whose XID is its message_id (it becomes sent); one that matches none
//     was sent from another client (the brand's phone) and is added to the
//     customer's DM case as an outgoing message, sent, without reopening it.
//   - Deliveries are deduplicated on event_uuid (the event's id) and
//     messages on the signed message_id (the message's XID, and its id is
//     derived from it): a second delivery of one message changes nothing.
//   - An event whose conversation key is not known yet, even after the
//     reader asked X, is never dropped: its ciphertext is kept (ChatWait)
//     and its message is shown at once, in its case, with status
//     waiting_for_key and no text. When a later event of the conversation
//     brings a key (KeysChanged), every waiting event of the conversation
//     is opened again; one that opens fills its message (received, or sent
//     for the brand's), one still without a key keeps waiting.
//   - An event whose signature does not verify is refused: logged as a
//     security event (ids and key versions only, never content or keys),
//     never stored as a message. A waiting message whose event turns out
//     not to verify becomes failed (x_chat_unverified), without text.
//   - Conversations between two brand handles, groups, and events that are
//     no message (typing, read marks, ...) make no message; a key change
//     among them is still applied.

// WithChat gives Inbound what reading X Chat events takes, and returns it.
// Without it an X Chat event is an error (retried, then the dead-letter
// queue), never dropped.
func (in *Inbound) WithChat(d ChatDeps) *Inbound {
	in.chat = d
	return in
}

// chatEventID is the id of the event of an X Chat delivery: its event_uuid.
func chatEventID(uuid string) string { return "chat:" + uuid }

// ChatEventID is the id Inbound records an X Chat delivery under: its
// event_uuid, which X keeps across redeliveries.
func ChatEventID(uuid string) string { return chatEventID(uuid) }

// chatParties finds the brand handle and the customer of a 1:1 X Chat
// event, and whether the brand sent it; ok is false when it is not between
// a brand handle and someone else.
func chatParties(brands brands, ch *ChatEvent) (brand *BrandHandle, customerXID string, out, ok bool) {
	peer := ch.Peer(ch.SenderID)
	if peer == "" {
		return nil, "", false, false
	}
	if b := brands.of(ch.SenderID); b != nil {
		if brands.of(peer) != nil {
			return nil, "", false, false
		}
		return b, peer, true, true
	}
	if b := brands.of(peer); b != nil {
		return b, ch.SenderID, false, true
	}
	return nil, "", false, false
}

// chatRecall adds to r what applying an X Chat event asks first: the
// message of its message_id and its customer.
func chatRecall(r *Recall, ch *ChatEvent, brands brands) {
	if ch.Kind == ChatKindMessage && ch.MessageID != "" {
		r.MessageKind, r.MessageXID = KindDM, ch.MessageID
	}
	if _, cust, _, ok := chatParties(brands, ch); ok {
		r.XUserID = cust
	}
}

func (in *Inbound) applyChat(ctx context.Context, brand *BrandHandle, brands brands, ch *ChatEvent, rec Recalled) error {
	if ch == nil {
		return errors.New("an X Chat event without its content")
	}
	canon := *ch
	canon.ConversationID = CanonicalChatConversationID(ch.ConversationID)
	ch = &canon
	if in.chat.Reader == nil || in.chat.Waits == nil {
		return errors.New("X Chat events need a ChatReader and a ChatWaitStore (Inbound.WithChat)")
	}
	convBrand, custXID, out, ok := chatParties(brands, ch)
	if !ok || convBrand.ID != brand.ID {
		in.log.InfoContext(ctx, "X Chat event skipped", "rule", "not a 1:1 conversation between this brand handle and a customer",
			"handle", brand.ID, "conversation_id", ch.ConversationID, "event_uuid", ch.UUID)
		return nil
	}
	if ch.Kind != ChatKindMessage {
		if ch.Kind != ChatKindKeyChange && ch.KeyChangeEvent == "" {
			in.log.InfoContext(ctx, "X Chat event skipped", "rule", "not a message", "handle", brand.ID,
				"conversation_id", ch.ConversationID, "event_uuid", ch.UUID)
			return nil
		}
	}
	opened, err := in.chat.Reader.Open(ctx, brand, ch)
	switch {
	case errors.Is(err, ErrChatKeyMissing):
		if ch.Kind != ChatKindMessage {
			in.log.WarnContext(ctx, "X Chat key change not readable with the brand handle's keys", "handle", brand.ID,
				"conversation_id", ch.ConversationID, "event_uuid", ch.UUID, "key_version", ch.KeyVersion)
			return nil
		}
		return in.waitForKey(ctx, brand, custXID, out, ch, rec)
	case errors.Is(err, ErrChatUnverified):
		in.refuseChat(ctx, brand, ch, err)
		if m := rec.Message; m != nil && m.Status == StatusWaitingForKey {
			return in.refuseWaiting(ctx, brand, m, ch)
		}
		return nil
	case err != nil:
		return err
	}
	if ch.Kind == ChatKindMessage {
		if opened.MessageID != ch.MessageID || opened.SenderID != ch.SenderID {
			// X's envelope and what the sender signed disagree.
			in.refuseChat(ctx, brand, ch, fmt.Errorf("%w: the envelope's message or sender id is not the signed one", ErrChatUnverified))
			return nil
		}
		if err := in.applyChatMessage(ctx, brand, custXID, out, ch, opened.Text, rec); err != nil {
			return err
		}
	}
	if opened.KeysChanged {
		return in.openWaiting(ctx, brand, ch.ConversationID)
	}
	return nil
}

// refuseChat logs a refused X Chat event as a security event: ids and key
// versions, never its content or any key.
func (in *Inbound) refuseChat(ctx context.Context, brand *BrandHandle, ch *ChatEvent, err error) {
	in.log.WarnContext(ctx, "security: X Chat event refused: its signature does not verify", "security_event", "x_chat_unverified",
		"handle", brand.ID, "conversation_id", ch.ConversationID, "sender_id", ch.SenderID, "message_id", ch.MessageID,
		"event_uuid", ch.UUID, "key_version", ch.KeyVersion, "err", err)
}

// chatCustomer returns the customer with the X account, making one when
// there is none: X Chat names a sender by id only, so one not known with a
// handle is asked of X first (askX, as the brand handle; while X cannot
// answer the event is retried).
func (in *Inbound) chatCustomer(ctx context.Context, brand *BrandHandle, xid string, rec Recalled) (*Customer, error) {
	u := XAccount{ID: xid}
	if c := rec.Customer; c != nil && c.Twitter != nil && c.Twitter.XUserID == xid && c.Twitter.Handle != "" {
		u.ScreenName, u.Name = c.Twitter.Handle, c.Name
	} else {
		st, ok, err := in.askX(ctx, brand, xid)
		if err != nil {
			return nil, err
		}
		if ok {
			u.ScreenName, u.Name = st.Account.ScreenName, st.Account.Name
		}
	}
	return in.customerFor(ctx, u, rec, true)
}

// chatMessage is the message of an X Chat event in case c; its id is
// derived from the signed message_id, so every delivery of the message
// writes the same one.
func chatMessage(c *Case, cust *Customer, brand *BrandHandle, out bool, ch *ChatEvent) *Message {
	m := &Message{
		ID: DerivedID(ch.CreatedAt, "msg:dm:"+ch.MessageID), CaseID: c.ID, Direction: DirectionIn, Kind: KindDM,
		XID: ch.MessageID, CreatedAt: ch.CreatedAt,
		Chat: &ChatPayload{ConversationID: ch.ConversationID, MessageID: ch.MessageID,
			ConversationKeyVersion: ch.KeyVersion},
		Author: Author{CustomerID: cust.ID},
	}
	if cust.Twitter != nil {
		m.Author.ScreenName = cust.Twitter.Handle
	}
	if out {
		m.Direction, m.Author = DirectionOut, Author{HandleID: brand.ID, ScreenName: brand.ScreenName}
	}
	return m
}

// open gives a message its decrypted text: received, or sent for the
// brand's own. It reports whether that changed it.
func open(m *Message, text string) bool {
	status := StatusReceived
	if m.Direction == DirectionOut {
		status = StatusSent
	}
	if m.Status == status && m.Text == text {
		return false
	}
	m.Text, m.Status, m.Error = text, status, nil
	if m.Direction == DirectionOut && m.SentAt.IsZero() {
		m.SentAt = m.CreatedAt
	}
	return true
}

// applyChatMessage applies an opened message: it fills its waiting
// message, confirms the brand's outgoing one, or adds it to the
// customer's DM case.
func (in *Inbound) applyChatMessage(ctx context.Context, brand *BrandHandle, custXID string, out bool, ch *ChatEvent, text string, rec Recalled) error {
	if known := rec.Message; known != nil {
		return in.completeChatMessage(ctx, brand, known, text)
	}
	cust, err := in.chatCustomer(ctx, brand, custXID, rec)
	if err != nil {
		return err
	}
	c, err := in.dmCase(ctx, cust.ID, brand.ID, &DM{ID: ch.MessageID, Sender: XAccount{ID: custXID}, CreatedAt: ch.CreatedAt})
	if err != nil {
		return err
	}
	if !out {
		if err := in.store.SetCustomerWroteByDM(ctx, cust.ID, brand.ID, ch.CreatedAt); err != nil {
			return err
		}
	}
	m := chatMessage(c, cust, brand, out, ch)
	open(m, text)
	if err := in.store.PutMessage(ctx, m); ErrorCode(err) == EConflict {
		// Written at the same moment by another delivery, maybe waiting.
		known, err := in.store.MessageByXID(ctx, KindDM, ch.MessageID)
		if err != nil {
			return err
		}
		return in.completeChatMessage(ctx, brand, known, text)
	} else if err != nil {
		return err
	}
	return in.noteChat(ctx, c, m, cust, brand, custXID)
}

// completeChatMessage applies an opened message to the message that
// already has its message_id: a waiting one gets its text, the brand's
// outgoing one becomes sent; any other is a duplicate and stays as it is
// (its case is told of it again, in case an earlier attempt stopped short).
func (in *Inbound) completeChatMessage(ctx context.Context, brand *BrandHandle, m *Message, text string) error {
	switch {
	case m.Status == StatusWaitingForKey:
		var err error
		if m, err = UpdateMessage(ctx, in.store, m, func(m *Message) bool { return open(m, text) }); err != nil {
			return err
		}
	case m.Direction == DirectionOut:
		// An agent's reply that X now confirms (text as the agent wrote it).
		return in.confirmOutgoing(ctx, KindDM, m.XID, m.CreatedAt)
	}
	c, err := in.store.GetCase(ctx, m.CaseID)
	if err != nil {
		return err
	}
	if m.Direction == DirectionOut {
		return in.noteChat(ctx, c, m, nil, brand, "")
	}
	cust, err := in.store.GetCustomer(ctx, c.CustomerID)
	if err != nil {
		return err
	}
	return in.noteChat(ctx, c, m, cust, brand, "")
}

// noteChat notes a message on its case: a customer's as any customer
// message (activity, reopening); the brand's own as its last message and
// activity only.
func (in *Inbound) noteChat(ctx context.Context, c *Case, m *Message, cust *Customer, brand *BrandHandle, custXID string) error {
	if m.Direction == DirectionIn {
		var from *TwitterAccount
		if custXID != "" {
			from = &TwitterAccount{XUserID: custXID}
			if cust.Twitter != nil && cust.Twitter.XUserID == custXID {
				from.Handle = cust.Twitter.Handle
			}
		}
		return in.noteOnCase(ctx, c, m, cust, brand, from)
	}
	_, err := UpdateCase(ctx, in.store, c, func(c *Case) (bool, error) {
		before := c.LastActivityAt
		c.Touch(m.CreatedAt)
		return c.NoteMessage(m) || !c.LastActivityAt.Equal(before), nil
	})
	return err
}

// waitForKey keeps an event whose conversation key is not known: its
// ciphertext first (so a message that exists always has its wait), then
// its message, waiting, in the customer's DM case.
func (in *Inbound) waitForKey(ctx context.Context, brand *BrandHandle, custXID string, out bool, ch *ChatEvent, rec Recalled) error {
	if known := rec.Message; known != nil {
		if known.Status != StatusWaitingForKey {
			return nil // opened already, from another delivery
		}
		return in.chat.Waits.PutChatWait(ctx, &ChatWait{HandleID: brand.ID, Event: *ch, CaseID: known.CaseID, MessageID: known.ID})
	}
	cust, err := in.chatCustomer(ctx, brand, custXID, rec)
	if err != nil {
		return err
	}
	c, err := in.dmCase(ctx, cust.ID, brand.ID, &DM{ID: ch.MessageID, Sender: XAccount{ID: custXID}, CreatedAt: ch.CreatedAt})
	if err != nil {
		return err
	}
	m := chatMessage(c, cust, brand, out, ch)
	m.Status = StatusWaitingForKey
	if err := in.chat.Waits.PutChatWait(ctx, &ChatWait{HandleID: brand.ID, Event: *ch, CaseID: c.ID, MessageID: m.ID}); err != nil {
		return err
	}
	if !out {
		if err := in.store.SetCustomerWroteByDM(ctx, cust.ID, brand.ID, ch.CreatedAt); err != nil {
			return err
		}
	}
	if err := in.store.PutMessage(ctx, m); ErrorCode(err) == EConflict {
		return nil // written at the same moment by another delivery, which notes it
	} else if err != nil {
		return err
	}
	in.log.InfoContext(ctx, "X Chat message waits for its conversation key", "handle", brand.ID, "conversation_id", ch.ConversationID,
		"message_id", ch.MessageID, "event_uuid", ch.UUID, "key_version", ch.KeyVersion)
	return in.noteChat(ctx, c, m, cust, brand, custXID)
}

// openWaiting opens again the events of the conversation waiting for a
// key, now that one arrived: each that opens fills its message and stops
// waiting; one that does not verify is refused; the others keep waiting.
func (in *Inbound) openWaiting(ctx context.Context, brand *BrandHandle, conversationID string) error {
	waits, err := in.chat.Waits.ChatWaits(ctx, brand.ID, conversationID)
	if err != nil {
		return err
	}
	for _, w := range waits {
		ch := w.Event
		opened, err := in.chat.Reader.Open(ctx, brand, &ch)
		if errors.Is(err, ErrChatKeyMissing) {
			continue
		}
		m, gerr := in.store.GetMessage(ctx, w.CaseID, w.MessageID)
		if gerr != nil && ErrorCode(gerr) != ENotFound {
			return gerr
		}
		switch {
		case errors.Is(err, ErrChatUnverified) || err == nil && (opened.MessageID != ch.MessageID || opened.SenderID != ch.SenderID):
			if err == nil {
				err = fmt.Errorf("%w: the envelope's message or sender id is not the signed one", ErrChatUnverified)
			}
			in.refuseChat(ctx, brand, &ch, err)
			if m != nil {
				if err := in.refuseWaiting(ctx, brand, m, &ch); err != nil {
					return err
				}
			}
		case err != nil:
			return err
		case m != nil:
			if err := in.completeChatMessage(ctx, brand, m, opened.Text); err != nil {
				return err
			}
			in.log.InfoContext(ctx, "X Chat message opened after its key arrived", "handle", brand.ID,
				"conversation_id", ch.ConversationID, "message_id", ch.MessageID, "key_version", ch.KeyVersion)
		}
		if err := in.chat.Waits.DeleteChatWait(ctx, brand.ID, ch.ConversationID, ch.MessageID); err != nil {
			return err
		}
	}
	return nil
}

// refuseWaiting marks a waiting message whose event does not verify
// failed, without text, and forgets its wait.
func (in *Inbound) refuseWaiting(ctx context.Context, brand *BrandHandle, m *Message, ch *ChatEvent) error {
	_, err := UpdateMessage(ctx, in.store, m, func(m *Message) bool {
		if m.Status != StatusWaitingForKey {
			return false
		}
		m.Text, m.Status = "", StatusFailed
		m.Error = &MessageError{Code: "x_chat_unverified",
			Detail: "X Chat could not verify who sent this message, so it was refused and is not shown."}
		return true
	})
	if err != nil {
		return err
	}
	return in.chat.Waits.DeleteChatWait(ctx, brand.ID, ch.ConversationID, ch.MessageID)
}
