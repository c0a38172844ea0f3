package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/acme/twitter-cases/shared/casework"
)

// chatKeyItem is one version of a conversation's key as a brand identity
// keeps it (casework.ChatKey): key changes only, each key wrapped to the
// participants' identity keys; never a raw conversation key.
type chatKeyItem struct {
	PK              string              `dynamodbav:"PK"`
	SK              string              `dynamodbav:"SK"`
	BrandXUserID    string              `dynamodbav:"brand_x_user_id"`
	ConversationID  string              `dynamodbav:"conversation_id"`
	KeyVersion      string              `dynamodbav:"key_version"`
	BrandKeyVersion string              `dynamodbav:"brand_key_version,omitempty"`
	KeyChangeEvent  string              `dynamodbav:"key_change_event,omitempty"`
	ParticipantKeys []chatParticipantIt `dynamodbav:"participant_keys,omitempty"`
	ActionSigs      []chatActionSigItem `dynamodbav:"action_signatures,omitempty"`
	Prepared        bool                `dynamodbav:"prepared,omitempty"`
	SequenceID      string              `dynamodbav:"sequence_id,omitempty"`
	Version         int64               `dynamodbav:"version"`
	CreatedAt       string              `dynamodbav:"created_at,omitempty"`
	UpdatedAt       string              `dynamodbav:"updated_at,omitempty"`
}

type chatParticipantIt struct {
	UserID           string `dynamodbav:"user_id"`
	EncryptedKey     string `dynamodbav:"encrypted_key"`
	PublicKeyVersion string `dynamodbav:"public_key_version,omitempty"`
}

type chatActionSigItem struct {
	MessageID                 string `dynamodbav:"message_id"`
	EncodedMessageEventDetail string `dynamodbav:"encoded_message_event_detail"`
	Signature                 string `dynamodbav:"signature"`
	SignatureVersion          string `dynamodbav:"signature_version,omitempty"`
	PublicKeyVersion          string `dynamodbav:"public_key_version,omitempty"`
}

func chatKeyPK(brandXUserID, conversationID string) string {
	return "CHATKEY#" + brandXUserID + "#" + conversationID
}

// chatKeySK sorts the versions as numbers: zero-padded to 20 digits.
func chatKeySK(version string) string {
	if len(version) < 20 {
		version = strings.Repeat("0", 20-len(version)) + version
	}
	return "V#" + version
}

func toChatKeyItem(k *casework.ChatKey, version int64) chatKeyItem {
	it := chatKeyItem{
		PK: chatKeyPK(k.BrandXUserID, k.ConversationID), SK: chatKeySK(k.KeyVersion),
		BrandXUserID: k.BrandXUserID, ConversationID: k.ConversationID, KeyVersion: k.KeyVersion,
		BrandKeyVersion: k.BrandKeyVersion, KeyChangeEvent: k.KeyChangeEvent, SequenceID: k.SequenceID,
		Version: version, CreatedAt: fmtTime(k.CreatedAt), UpdatedAt: fmtTime(k.UpdatedAt),
	}
	if ch := k.Change; ch != nil {
		it.Prepared = true
		for _, p := range ch.ParticipantKeys {
			it.ParticipantKeys = append(it.ParticipantKeys, chatParticipantIt{UserID: p.UserID, EncryptedKey: p.EncryptedKey, PublicKeyVersion: p.PublicKeyVersion})
		}
		for _, a := range ch.ActionSignatures {
			it.ActionSigs = append(it.ActionSigs, chatActionSigItem{MessageID: a.MessageID, EncodedMessageEventDetail: a.EncodedMessageEventDetail,
				Signature: a.Signature, SignatureVersion: a.SignatureVersion, PublicKeyVersion: a.PublicKeyVersion})
		}
	}
	return it
}

func (it *chatKeyItem) chatKey() (*casework.ChatKey, error) {
	k := &casework.ChatKey{
		BrandXUserID: it.BrandXUserID, ConversationID: it.ConversationID, KeyVersion: it.KeyVersion,
		BrandKeyVersion: it.BrandKeyVersion, KeyChangeEvent: it.KeyChangeEvent, SequenceID: it.SequenceID, Version: it.Version,
	}
	if it.Prepared {
		k.Change = &casework.ChatKeyChange{}
		for _, p := range it.ParticipantKeys {
			k.Change.ParticipantKeys = append(k.Change.ParticipantKeys, casework.ChatParticipantKey{UserID: p.UserID, EncryptedKey: p.EncryptedKey, PublicKeyVersion: p.PublicKeyVersion})
		}
		for _, a := range it.ActionSigs {
			k.Change.ActionSignatures = append(k.Change.ActionSignatures, casework.ChatActionSignature{MessageID: a.MessageID,
				EncodedMessageEventDetail: a.EncodedMessageEventDetail, Signature: a.Signature, SignatureVersion: a.SignatureVersion,
				PublicKeyVersion: a.PublicKeyVersion})
		}
	}
	if err := parseTimes(it.CreatedAt, &k.CreatedAt, it.UpdatedAt, &k.UpdatedAt); err != nil {
		return nil, fmt.Errorf("conversation key %s of %s: %w", it.KeyVersion, it.ConversationID, err)
	}
	return k, nil
}

// PutChatKey creates or updates one version of a conversation's key on its
// Version. Calls: 1 PutItem.
func (s *Store) PutChatKey(ctx context.Context, k *casework.ChatKey) error {
	if k == nil {
		return fmt.Errorf("dynamo: put chat key: %w", invalid("key_version", "A conversation key is needed."))
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("dynamo: put chat key: %w", err)
	}
	version := k.Version + 1
	if _, err := s.putVersioned(ctx, toChatKeyItem(k, version), k.Version, "conversation key"); err != nil {
		return fmt.Errorf("dynamo: put chat key %s of %s: %w", k.KeyVersion, k.ConversationID, err)
	}
	k.Version = version
	return nil
}

// ChatKeys lists the versions of a conversation's key, newest first.
// Calls: 1 Query (a conversation has a handful of versions).
func (s *Store) ChatKeys(ctx context.Context, brandXUserID, conversationID string) ([]casework.ChatKey, error) {
	in := s.partitionQuery(chatKeyPK(brandXUserID, conversationID))
	in.ScanIndexForward = aws.Bool(false)
	items, err := s.queryAll(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("dynamo: chat keys of %s: %w", conversationID, err)
	}
	out := make([]casework.ChatKey, 0, len(items))
	for _, av := range items {
		var it chatKeyItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, fmt.Errorf("dynamo: chat keys of %s: %w", conversationID, err)
		}
		k, err := it.chatKey()
		if err != nil {
			return nil, fmt.Errorf("dynamo: chat keys of %s: %w", conversationID, err)
		}
		out = append(out, *k)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
