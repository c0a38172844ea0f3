package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/acme/twitter-cases/shared/casework"
)

var _ casework.ChatWaitStore = (*Store)(nil)

// chatWaitKey is a waiting X Chat event's key: brand handle, conversation, message.
type chatWaitKey struct{ handleID, conversationID, messageID string }

// PutChatWait records a waiting X Chat event; writing it again changes nothing.
func (s *Store) PutChatWait(ctx context.Context, w *casework.ChatWait) error {
	if w.HandleID == "" || w.Event.ConversationID == "" || w.Event.MessageID == "" {
		return invalid("chat_wait", "A waiting X Chat event needs its brand handle, conversation and message id.")
	}
	defer s.lock()()
	if s.chatWaits == nil {
		s.chatWaits = map[chatWaitKey]casework.ChatWait{}
	}
	k := chatWaitKey{w.HandleID, w.Event.ConversationID, w.Event.MessageID}
	if _, ok := s.chatWaits[k]; !ok {
		c := *w
		c.Event.CreatedAt = utc(c.Event.CreatedAt)
		c.ExpiresAt = utc(c.ExpiresAt)
		s.chatWaits[k] = c
	}
	return nil
}

// ChatWaits lists the conversation's waiting events for the brand handle,
// oldest first (by their time on X, then message id).
func (s *Store) ChatWaits(ctx context.Context, handleID, conversationID string) ([]casework.ChatWait, error) {
	defer s.lock()()
	var out []casework.ChatWait
	for k, w := range s.chatWaits {
		if k.handleID == handleID && k.conversationID == conversationID {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b casework.ChatWait) int {
		if c := a.Event.CreatedAt.Compare(b.Event.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Event.MessageID, b.Event.MessageID)
	})
	return out, nil
}

// DeleteChatWait forgets a waiting event; none is not an error.
func (s *Store) DeleteChatWait(ctx context.Context, handleID, conversationID, messageID string) error {
	defer s.lock()()
	delete(s.chatWaits, chatWaitKey{handleID, conversationID, messageID})
	return nil
}
