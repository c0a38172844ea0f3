package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/acme/twitter-cases/shared/casework"
)

// chatConv names one conversation of one brand identity.
type chatConv struct{ brandXUserID, conversationID string }

// PutChatKey creates or updates one version of a conversation's key on its
// Version; a version already recorded is an EConflict for a new record.
func (s *Store) PutChatKey(ctx context.Context, k *casework.ChatKey) error {
	if k == nil {
		return fmt.Errorf("memstore: put chat key: %w", invalid("key_version", "A conversation key is needed."))
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("memstore: put chat key: %w", err)
	}
	defer s.lock()()
	conv := chatConv{k.BrandXUserID, k.ConversationID}
	versions := s.chatKeys[conv]
	if versions == nil {
		versions = map[string]*casework.ChatKey{}
		s.chatKeys[conv] = versions
	}
	old, ok := versions[k.KeyVersion]
	var stored int64
	if ok {
		stored = old.Version
	}
	if err := checkVersion(ok, stored, k.Version, "conversation key"); err != nil {
		return fmt.Errorf("memstore: put chat key %s of %s: %w", k.KeyVersion, k.ConversationID, err)
	}
	k.Version++
	versions[k.KeyVersion] = copyChatKey(k)
	return nil
}

// ChatKeys lists the versions of a conversation's key, newest first.
func (s *Store) ChatKeys(ctx context.Context, brandXUserID, conversationID string) ([]casework.ChatKey, error) {
	defer s.lock()()
	var out []casework.ChatKey
	for _, k := range s.chatKeys[chatConv{brandXUserID, conversationID}] {
		out = append(out, *copyChatKey(k))
	}
	slices.SortFunc(out, func(a, b casework.ChatKey) int { return casework.CompareDecimal(b.KeyVersion, a.KeyVersion) })
	return out, nil
}

func copyChatKey(k *casework.ChatKey) *casework.ChatKey {
	out := *k
	out.CreatedAt, out.UpdatedAt = utc(k.CreatedAt), utc(k.UpdatedAt)
	if k.Change != nil {
		ch := casework.ChatKeyChange{}
		if len(k.Change.ParticipantKeys) > 0 {
			ch.ParticipantKeys = slices.Clone(k.Change.ParticipantKeys)
		}
		if len(k.Change.ActionSignatures) > 0 {
			ch.ActionSignatures = slices.Clone(k.Change.ActionSignatures)
		}
		out.Change = &ch
	}
	return &out
}

// copyChatPayload copies a message's X Chat payload.
func copyChatPayload(p *casework.ChatPayload) *casework.ChatPayload {
	if p == nil {
		return nil
	}
	out := *p
	return &out
}
