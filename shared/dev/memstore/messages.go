package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// storedMessage is a message as the store keeps it: its Retweets and
// refusals are not kept as given but derived from the Retweet log, which
// only AddRetweet and RefuseRetweet append to.
type storedMessage struct {
	m   casework.Message
	log []logEntry
}

// logEntry is one Retweet asked for, or refused by X (refusal.Code set).
type logEntry struct {
	handleID string
	by       casework.Agent
	at       time.Time
	refusal  casework.MessageError
}

// message returns a copy of the stored message, with its current Retweets
// (who asked, from each brand handle's latest log entry) and the refusals
// X gave the Retweets it no longer has.
func (sm *storedMessage) message() *casework.Message {
	out := sm.m
	out.RetweetedBy, out.FavoritedBy = strs(sm.m.RetweetedBy), strs(sm.m.FavoritedBy)
	out.URLs, out.Media = slices.Clone(sm.m.URLs), slices.Clone(sm.m.Media)
	out.Chat = copyChatPayload(sm.m.Chat)
	if sm.m.Error != nil {
		e := *sm.m.Error
		out.Error = &e
	}
	out.Retweets, out.RetweetRefusals = nil, nil
	var seen []string
	for i := len(sm.log) - 1; i >= 0; i-- {
		e := sm.log[i]
		if slices.Contains(seen, e.handleID) {
			continue
		}
		seen = append(seen, e.handleID)
		switch retweeted := slices.Contains(sm.m.RetweetedBy, e.handleID); {
		case retweeted && e.refusal.Code == "":
			out.Retweets = append(out.Retweets, casework.Retweet{HandleID: e.handleID, By: e.by, At: e.at})
		case !retweeted && e.refusal.Code != "":
			out.RetweetRefusals = append(out.RetweetRefusals, casework.RetweetRefusal{HandleID: e.handleID, Error: e.refusal, At: e.at})
		}
	}
	slices.Reverse(out.Retweets)
	slices.Reverse(out.RetweetRefusals)
	return &out
}

// normalMessage is m as the store keeps its own fields.
func normalMessage(m *casework.Message) casework.Message {
	out := *m
	out.RetweetedBy, out.FavoritedBy = strs(m.RetweetedBy), strs(m.FavoritedBy)
	out.Retweets, out.RetweetRefusals = nil, nil
	out.URLs, out.Media = nil, nil
	out.Chat = copyChatPayload(m.Chat)
	if len(m.URLs) > 0 {
		out.URLs = slices.Clone(m.URLs)
	}
	if len(m.Media) > 0 {
		out.Media = slices.Clone(m.Media)
	}
	if m.Error != nil {
		e := *m.Error
		out.Error = &e
	}
	out.CreatedAt, out.SentAt, out.DeletedAt, out.AttemptedAt = utc(m.CreatedAt), utc(m.SentAt), utc(m.DeletedAt), utc(m.AttemptedAt)
	return out
}

// PutMessage creates or updates a message on its version. An XID another
// message of the kind holds is an EConflict. An update leaves RetweetedBy,
// FavoritedBy and the Retweet log as stored, and hands them back in m.
func (s *Store) PutMessage(ctx context.Context, m *casework.Message) error {
	if m == nil || m.ID == "" || m.CaseID == "" {
		return fmt.Errorf("memstore: put message: %w", invalid("id", "A message needs an id and a case id."))
	}
	defer s.lock()()
	if m.XID != "" {
		for _, msgs := range s.messages {
			for _, o := range msgs {
				if o.m.Kind == m.Kind && o.m.XID == m.XID && (o.m.ID != m.ID || o.m.CaseID != m.CaseID) {
					return fmt.Errorf("memstore: put message %s: %w", m.ID, conflict("The X id %s belongs to another message.", m.XID))
				}
			}
		}
	}
	old, ok := s.messages[m.CaseID][m.ID]
	var stored int64
	if ok {
		stored = old.m.Version
	}
	if err := checkVersion(ok, stored, m.Version, "message"); err != nil {
		return fmt.Errorf("memstore: put message %s: %w", m.ID, err)
	}
	m.Version++
	sm := &storedMessage{m: normalMessage(m)}
	if ok {
		sm.m.RetweetedBy, sm.m.FavoritedBy, sm.log = old.m.RetweetedBy, old.m.FavoritedBy, old.log
		was := old.message()
		m.RetweetedBy, m.FavoritedBy, m.Retweets, m.RetweetRefusals = was.RetweetedBy, was.FavoritedBy, was.Retweets, was.RetweetRefusals
	}
	if s.messages[m.CaseID] == nil {
		s.messages[m.CaseID] = map[string]*storedMessage{}
	}
	s.messages[m.CaseID][m.ID] = sm
	return nil
}

// GetMessage reads a message of a case.
func (s *Store) GetMessage(ctx context.Context, caseID, id string) (*casework.Message, error) {
	defer s.lock()()
	sm, ok := s.messages[caseID][id]
	if !ok {
		return nil, fmt.Errorf("memstore: get message %s of case %s: %w", id, caseID, notFound("Case %s has no message %s.", caseID, id))
	}
	return sm.message(), nil
}

// MessagesOfCase lists a case's messages, oldest first (by id).
func (s *Store) MessagesOfCase(ctx context.Context, caseID string, req casework.PageRequest) (casework.Page[casework.Message], error) {
	return s.messagesOfCase(caseID, req, false)
}

// RecentMessagesOfCase lists a case's messages, newest first.
func (s *Store) RecentMessagesOfCase(ctx context.Context, caseID string, req casework.PageRequest) (casework.Page[casework.Message], error) {
	return s.messagesOfCase(caseID, req, true)
}

func (s *Store) messagesOfCase(caseID string, req casework.PageRequest, newestFirst bool) (casework.Page[casework.Message], error) {
	var items []keyed[casework.Message]
	func() {
		defer s.lock()()
		for id, sm := range s.messages[caseID] {
			items = append(items, keyed[casework.Message]{key: id, item: *sm.message()})
		}
	}()
	p, err := page("messages:"+caseID, items, req, newestFirst)
	if err != nil {
		return p, fmt.Errorf("memstore: messages of case %s: %w", caseID, err)
	}
	return p, nil
}

// MessageByXID finds the message of a Tweet or Direct Message by its X id.
func (s *Store) MessageByXID(ctx context.Context, kind casework.MessageKind, xid string) (*casework.Message, error) {
	defer s.lock()()
	for _, msgs := range s.messages {
		for _, sm := range msgs {
			if xid != "" && sm.m.Kind == kind && sm.m.XID == xid {
				return sm.message(), nil
			}
		}
	}
	return nil, fmt.Errorf("memstore: message by X id %s %s: %w", kind, xid, notFound("No %s has the X id %s.", kind, xid))
}

// AddRetweet records that the brand handle rt.HandleID Retweeted the
// message, appending rt to its Retweet log, and reports whether it was
// new; the message's Version stays.
func (s *Store) AddRetweet(ctx context.Context, caseID, id string, rt casework.Retweet) (bool, error) {
	e := logEntry{handleID: rt.HandleID, by: rt.By, at: utc(rt.At)}
	return s.changeSet(caseID, id, "add retweet", rt.HandleID, true, true, &e)
}

// RemoveRetweet forgets a Retweet and reports whether there was one.
func (s *Store) RemoveRetweet(ctx context.Context, caseID, id, handleID string) (bool, error) {
	return s.changeSet(caseID, id, "remove retweet", handleID, true, false, nil)
}

// RefuseRetweet forgets a Retweet X refused, appending the refusal to the
// Retweet log, and reports whether there was one.
func (s *Store) RefuseRetweet(ctx context.Context, caseID, id string, r casework.RetweetRefusal) (bool, error) {
	e := logEntry{handleID: r.HandleID, at: utc(r.At), refusal: r.Error}
	return s.changeSet(caseID, id, "refuse retweet", r.HandleID, true, false, &e)
}

// AddFavorite records that the brand handle liked the message and reports whether it was new.
func (s *Store) AddFavorite(ctx context.Context, caseID, id, handleID string) (bool, error) {
	return s.changeSet(caseID, id, "add favorite", handleID, false, true, nil)
}

// changeSet adds member to, or removes it from, the message's Retweets
// (retweets) or likes, and appends entry to the Retweet log when it
// changed something; a missing message is ENotFound.
func (s *Store) changeSet(caseID, id, op, member string, retweets, add bool, entry *logEntry) (bool, error) {
	if member == "" {
		return false, fmt.Errorf("memstore: %s: %w", op, invalid("handle_id", "A brand handle id is needed."))
	}
	defer s.lock()()
	sm, ok := s.messages[caseID][id]
	if !ok {
		return false, fmt.Errorf("memstore: %s on message %s of case %s: %w", op, id, caseID, notFound("Case %s has no message %s.", caseID, id))
	}
	set := &sm.m.FavoritedBy
	if retweets {
		set = &sm.m.RetweetedBy
	}
	if slices.Contains(*set, member) == add {
		return false, nil
	}
	if add {
		*set = append(slices.Clone(*set), member)
		slices.Sort(*set)
	} else {
		*set = strs(slices.DeleteFunc(slices.Clone(*set), func(h string) bool { return h == member }))
	}
	if entry != nil {
		sm.log = append(slices.Clone(sm.log), *entry)
	}
	return true, nil
}
