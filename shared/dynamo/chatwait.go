package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/acme/twitter-cases/shared/casework"
)

var _ casework.ChatWaitStore = (*Store)(nil)

// chatWaitItem is an X Chat event waiting for its conversation key: under
// its brand handle and conversation (one Query lists a conversation's),
// keyed by its message id. It holds ciphertext only: the event as X
// delivered it, which only the brand handle's keys open.
type chatWaitItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	HandleID       string `dynamodbav:"handle_id"`
	UUID           string `dynamodbav:"event_uuid,omitempty"`
	Sent           bool   `dynamodbav:"sent,omitempty"`
	ConversationID string `dynamodbav:"conversation_id"`
	SenderID       string `dynamodbav:"sender_id"`
	MessageID      string `dynamodbav:"message_id"`
	SequenceID     string `dynamodbav:"sequence_id,omitempty"`
	Kind           string `dynamodbav:"kind"`
	KeyVersion     string `dynamodbav:"key_version,omitempty"`
	EncodedEvent   string `dynamodbav:"encoded_event"`
	KeyChangeEvent string `dynamodbav:"key_change_event,omitempty"`
	CreatedAt      string `dynamodbav:"created_at"`
	CaseID         string `dynamodbav:"case_id"`
	MsgID          string `dynamodbav:"msg_id"`
}

func chatWaitPK(handleID, conversationID string) string {
	return "CHATWAIT#" + handleID + "#" + conversationID
}

func chatWaitSK(messageID string) string { return "MSG#" + messageID }

// PutChatWait records a waiting X Chat event; writing it again changes
// nothing (its key is made of what it is). Calls: 1 PutItem.
func (s *Store) PutChatWait(ctx context.Context, w *casework.ChatWait) error {
	ev := &w.Event
	if w.HandleID == "" || ev.ConversationID == "" || ev.MessageID == "" {
		return fmt.Errorf("dynamo: put chat wait: %w", casework.Errorf(casework.EValidation, "A waiting X Chat event needs its brand handle, conversation and message id."))
	}
	it := chatWaitItem{
		PK: chatWaitPK(w.HandleID, ev.ConversationID), SK: chatWaitSK(ev.MessageID), HandleID: w.HandleID,
		UUID: ev.UUID, Sent: ev.Sent, ConversationID: ev.ConversationID, SenderID: ev.SenderID, MessageID: ev.MessageID,
		SequenceID: ev.SequenceID, Kind: string(ev.Kind), KeyVersion: ev.KeyVersion, EncodedEvent: ev.EncodedEvent,
		KeyChangeEvent: ev.KeyChangeEvent, CreatedAt: fmtTime(ev.CreatedAt), CaseID: w.CaseID, MsgID: w.MessageID,
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("dynamo: put chat wait: %w", err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: av}); err != nil {
		return fmt.Errorf("dynamo: put chat wait %s: %w", ev.MessageID, err)
	}
	return nil
}

// ChatWaits lists the conversation's waiting events for the brand handle,
// oldest first (by their time on X). Calls: 1 Query (more for over 1 MB).
func (s *Store) ChatWaits(ctx context.Context, handleID, conversationID string) ([]casework.ChatWait, error) {
	items, err := s.queryAll(ctx, s.partitionQuery(chatWaitPK(handleID, conversationID)))
	if err != nil {
		return nil, fmt.Errorf("dynamo: chat waits of %s: %w", conversationID, err)
	}
	out := make([]casework.ChatWait, 0, len(items))
	for _, av := range items {
		var it chatWaitItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, fmt.Errorf("dynamo: chat waits of %s: %w", conversationID, err)
		}
		w := casework.ChatWait{HandleID: it.HandleID, CaseID: it.CaseID, MessageID: it.MsgID, Event: casework.ChatEvent{
			UUID: it.UUID, Sent: it.Sent, ConversationID: it.ConversationID, SenderID: it.SenderID, MessageID: it.MessageID,
			SequenceID: it.SequenceID, Kind: casework.ChatEventKind(it.Kind), KeyVersion: it.KeyVersion,
			EncodedEvent: it.EncodedEvent, KeyChangeEvent: it.KeyChangeEvent,
		}}
		if err := parseTimes(it.CreatedAt, &w.Event.CreatedAt); err != nil {
			return nil, fmt.Errorf("dynamo: chat waits of %s: %w", conversationID, err)
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b casework.ChatWait) int {
		if c := a.Event.CreatedAt.Compare(b.Event.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Event.MessageID, b.Event.MessageID)
	})
	return out, nil
}

// DeleteChatWait forgets a waiting event; none is not an error. Calls: 1
// DeleteItem.
func (s *Store) DeleteChatWait(ctx context.Context, handleID, conversationID, messageID string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table,
		Key: itemKey(chatWaitPK(handleID, conversationID), chatWaitSK(messageID))})
	if err != nil {
		return fmt.Errorf("dynamo: delete chat wait %s: %w", messageID, err)
	}
	return nil
}
