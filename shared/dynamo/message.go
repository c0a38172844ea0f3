package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

type messageItem struct {
	PK                 string            `dynamodbav:"PK"`
	SK                 string            `dynamodbav:"SK"`
	ID                 string            `dynamodbav:"id"`
	CaseID             string            `dynamodbav:"case_id"`
	Direction          string            `dynamodbav:"direction"`
	Kind               string            `dynamodbav:"kind"`
	Text               string            `dynamodbav:"text,omitempty"`
	Status             string            `dynamodbav:"status"`
	XID                string            `dynamodbav:"x_id,omitempty"`
	InReplyToMessageID string            `dynamodbav:"in_reply_to_message_id,omitempty"`
	InReplyToXID       string            `dynamodbav:"in_reply_to_x_id,omitempty"`
	QuotedXID          string            `dynamodbav:"quoted_x_id,omitempty"`
	PriceKind          string            `dynamodbav:"price_kind,omitempty"`
	PriceMicros        int64             `dynamodbav:"price_micros,omitempty"`
	AuthorHandleID     string            `dynamodbav:"author_handle_id,omitempty"`
	AuthorCustomerID   string            `dynamodbav:"author_customer_id,omitempty"`
	AuthorScreenName   string            `dynamodbav:"author_screen_name,omitempty"`
	SentBy             *agentItem        `dynamodbav:"sent_by,omitempty"`
	RetweetedBy        []string          `dynamodbav:"retweeted_by,stringset,omitempty"`
	RetweetLog         []retweetItem     `dynamodbav:"retweet_log,omitempty"`
	FavoritedBy        []string          `dynamodbav:"favorited_by,stringset,omitempty"`
	URLs               []linkItem        `dynamodbav:"urls,omitempty"`
	Media              []mediaItem       `dynamodbav:"media,omitempty"`
	Error              *messageErrorItem `dynamodbav:"error,omitempty"`
	Chat               *chatPayloadItem  `dynamodbav:"chat,omitempty"`
	Deleted            bool              `dynamodbav:"deleted,omitempty"`
	Version            int64             `dynamodbav:"version"`
	CreatedAt          string            `dynamodbav:"created_at,omitempty"`
	SentAt             string            `dynamodbav:"sent_at,omitempty"`
	AttemptedAt        string            `dynamodbav:"attempted_at,omitempty"`
	DeletedAt          string            `dynamodbav:"deleted_at,omitempty"`
	RemovedReason      string            `dynamodbav:"removed_reason,omitempty"`
	RedactedAt         string            `dynamodbav:"redacted_at,omitempty"`
	LatestXID          string            `dynamodbav:"latest_x_id,omitempty"`
	Edits              []editItem        `dynamodbav:"edits,omitempty"`
}

// editItem is an earlier version of an edited Post.
type editItem struct {
	XID  string `dynamodbav:"x_id"`
	Text string `dynamodbav:"text"`
}

// retweetItem is one entry of a message's Retweet log: a Retweet asked
// for, appended by AddRetweet. The latest entry of a handle says who asked
// for its current Retweet.
type retweetItem struct {
	HandleID string `dynamodbav:"handle_id"`
	Sub      string `dynamodbav:"sub,omitempty"`
	Email    string `dynamodbav:"email,omitempty"`
	At       string `dynamodbav:"at,omitempty"`
	// Code and Detail are X's refusal (RefuseRetweet), when it refused.
	Code   string `dynamodbav:"code,omitempty"`
	Detail string `dynamodbav:"detail,omitempty"`
}

type linkItem struct {
	URL         string `dynamodbav:"url"`
	ExpandedURL string `dynamodbav:"expanded_url,omitempty"`
}

type mediaItem struct {
	Key  string `dynamodbav:"key,omitempty"`
	Type string `dynamodbav:"type,omitempty"`
	URL  string `dynamodbav:"url,omitempty"`
}

// chatPayloadItem is an X Chat DM's payload (casework.ChatPayload):
// ciphertext and public metadata only.
type chatPayloadItem struct {
	ConversationID               string `dynamodbav:"conversation_id,omitempty"`
	MessageID                    string `dynamodbav:"message_id,omitempty"`
	ConversationKeyVersion       string `dynamodbav:"conversation_key_version,omitempty"`
	EncodedMessageCreateEvent    string `dynamodbav:"encoded_message_create_event,omitempty"`
	EncodedMessageEventSignature string `dynamodbav:"encoded_message_event_signature,omitempty"`
}

type messageErrorItem struct {
	Code   string `dynamodbav:"code,omitempty"`
	Detail string `dynamodbav:"detail,omitempty"`
}

// The string-set attributes of a message, and the Retweet log, changed
// only by AddRetweet, RemoveRetweet and AddFavorite once the message exists.
const (
	retweetedByAttr = "retweeted_by"
	favoritedByAttr = "favorited_by"
	retweetLogAttr  = "retweet_log"
)

func messageSK(id string) string { return "MSG#" + id }

const xMessageSK = "XMSG"

func xMessageClaimPK(kind casework.MessageKind, xid string) string {
	return "XMSG#" + string(kind) + "#" + xid
}

func toMessageItem(m *casework.Message, version int64) messageItem {
	it := messageItem{
		PK: casePK(m.CaseID), SK: messageSK(m.ID), ID: m.ID, CaseID: m.CaseID,
		Direction: string(m.Direction), Kind: string(m.Kind), Text: m.Text, Status: string(m.Status),
		XID: m.XID, InReplyToMessageID: m.InReplyToMessageID, InReplyToXID: m.InReplyToXID, QuotedXID: m.QuotedXID,
		PriceKind: string(m.Price.Kind), PriceMicros: int64(m.Price.Amount),
		AuthorHandleID: m.Author.HandleID, AuthorCustomerID: m.Author.CustomerID, AuthorScreenName: m.Author.ScreenName,
		RetweetedBy: nilIfEmpty(m.RetweetedBy), FavoritedBy: nilIfEmpty(m.FavoritedBy),
		Deleted: m.Deleted, Version: version, SentBy: toAgentItem(m.SentBy),
		CreatedAt: fmtTime(m.CreatedAt), SentAt: fmtTime(m.SentAt), DeletedAt: fmtTime(m.DeletedAt),
		AttemptedAt: fmtTime(m.AttemptedAt), RemovedReason: m.RemovedReason, RedactedAt: fmtTime(m.RedactedAt),
		LatestXID: m.LatestXID,
	}
	for _, e := range m.Edits {
		it.Edits = append(it.Edits, editItem{XID: e.XID, Text: e.Text})
	}
	for _, l := range m.URLs {
		it.URLs = append(it.URLs, linkItem{URL: l.URL, ExpandedURL: l.ExpandedURL})
	}
	for _, md := range m.Media {
		it.Media = append(it.Media, mediaItem{Key: md.Key, Type: md.Type, URL: md.URL})
	}
	if m.Error != nil {
		it.Error = &messageErrorItem{Code: m.Error.Code, Detail: m.Error.Detail}
	}
	if c := m.Chat; c != nil {
		it.Chat = &chatPayloadItem{ConversationID: c.ConversationID, MessageID: c.MessageID, ConversationKeyVersion: c.ConversationKeyVersion,
			EncodedMessageCreateEvent: c.EncodedMessageCreateEvent, EncodedMessageEventSignature: c.EncodedMessageEventSignature}
	}
	return it
}

func (it *messageItem) message() (*casework.Message, error) {
	m := &casework.Message{
		ID: it.ID, CaseID: it.CaseID, Direction: casework.Direction(it.Direction), Kind: casework.MessageKind(it.Kind),
		Text: it.Text, Status: casework.DeliveryStatus(it.Status), XID: it.XID,
		InReplyToMessageID: it.InReplyToMessageID, InReplyToXID: it.InReplyToXID, QuotedXID: it.QuotedXID,
		Price:       casework.Price{Kind: casework.PriceKind(it.PriceKind), Amount: casework.Micros(it.PriceMicros)},
		Author:      casework.Author{HandleID: it.AuthorHandleID, CustomerID: it.AuthorCustomerID, ScreenName: it.AuthorScreenName},
		RetweetedBy: it.RetweetedBy, FavoritedBy: it.FavoritedBy, Deleted: it.Deleted, Version: it.Version,
		SentBy: it.SentBy.agent(), RemovedReason: it.RemovedReason, LatestXID: it.LatestXID,
	}
	// The latest log entry of each brand handle: who asked for its current
	// Retweet, or why X refused the last one.
	var seen []string
	for i := len(it.RetweetLog) - 1; i >= 0; i-- {
		e := it.RetweetLog[i]
		if slices.Contains(seen, e.HandleID) {
			continue
		}
		seen = append(seen, e.HandleID)
		var at time.Time
		if err := parseTimes(e.At, &at); err != nil {
			return nil, fmt.Errorf("message %s: %w", it.ID, err)
		}
		switch retweeted := slices.Contains(it.RetweetedBy, e.HandleID); {
		case retweeted && e.Code == "":
			m.Retweets = append(m.Retweets, casework.Retweet{HandleID: e.HandleID, By: casework.Agent{ID: e.Sub, Email: e.Email}, At: at})
		case !retweeted && e.Code != "":
			m.RetweetRefusals = append(m.RetweetRefusals, casework.RetweetRefusal{HandleID: e.HandleID,
				Error: casework.MessageError{Code: e.Code, Detail: e.Detail}, At: at})
		}
	}
	slices.Reverse(m.Retweets)
	slices.Reverse(m.RetweetRefusals)
	for _, e := range it.Edits {
		m.Edits = append(m.Edits, casework.MessageEdit{XID: e.XID, Text: e.Text})
	}
	for _, l := range it.URLs {
		m.URLs = append(m.URLs, casework.Link{URL: l.URL, ExpandedURL: l.ExpandedURL})
	}
	for _, md := range it.Media {
		m.Media = append(m.Media, casework.Media{Key: md.Key, Type: md.Type, URL: md.URL})
	}
	if it.Error != nil {
		m.Error = &casework.MessageError{Code: it.Error.Code, Detail: it.Error.Detail}
	}
	if c := it.Chat; c != nil {
		m.Chat = &casework.ChatPayload{ConversationID: c.ConversationID, MessageID: c.MessageID, ConversationKeyVersion: c.ConversationKeyVersion,
			EncodedMessageCreateEvent: c.EncodedMessageCreateEvent, EncodedMessageEventSignature: c.EncodedMessageEventSignature}
	}
	if err := parseTimes(it.CreatedAt, &m.CreatedAt, it.SentAt, &m.SentAt, it.DeletedAt, &m.DeletedAt, it.AttemptedAt, &m.AttemptedAt, it.RedactedAt, &m.RedactedAt); err != nil {
		return nil, fmt.Errorf("message %s: %w", it.ID, err)
	}
	return m, nil
}

func decodeMessage(av map[string]types.AttributeValue) (*casework.Message, error) {
	var it messageItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, err
	}
	return it.message()
}

func (s *Store) messageClaim(m *casework.Message, version int64, token string) *claim {
	kind, xid := m.Kind, m.XID
	return &claim{
		pk: xMessageClaimPK(kind, xid), sk: xMessageSK,
		owner:   map[string]string{"case_id": m.CaseID, "message_id": m.ID},
		version: version, token: token,
		taken: fmt.Sprintf("The X id %s belongs to another message.", xid),
		holds: func(ctx context.Context, owner map[string]string) (bool, error) {
			other, err := s.getMessage(ctx, owner["case_id"], owner["message_id"])
			return other != nil && other.XID == xid && other.Kind == kind, err
		},
	}
}

// PutMessage creates or updates a message on its version condition. Once
// the message has an XID, it first claims it (EConflict when another message
// holds it). An update never changes RetweetedBy and FavoritedBy, which only
// AddRetweet, RemoveRetweet and AddFavorite change; m gets the stored ones.
// Calls: 1 PutItem to create (1 UpdateItem to update), plus 1 PutItem to
// claim an XID and 1 DeleteItem when an XID was replaced.
func (s *Store) PutMessage(ctx context.Context, m *casework.Message) error {
	return s.putMessage(ctx, m, nil)
}

// putMessage is PutMessage, with work folded into the same UpdateItem when ww is not nil.
func (s *Store) putMessage(ctx context.Context, m *casework.Message, ww *workWrite) error {
	if m == nil || m.ID == "" || m.CaseID == "" {
		return fmt.Errorf("dynamo: put message: %w", invalid("id", "A message needs an id and a case id."))
	}
	version := m.Version + 1
	token := newToken()
	var claims []*claim
	if m.XID != "" {
		claims = append(claims, s.messageClaim(m, version, token))
	}
	taken, err := s.acquireAll(ctx, claims)
	if err != nil {
		return fmt.Errorf("dynamo: put message %s: %w", m.ID, err)
	}
	if m.Version == 0 && ww == nil {
		// A new message with no work to fold in is one plain conditional
		// put: cheaper to build, send and evaluate than the update below,
		// which keeps the sets.
		if _, err = s.putVersioned(ctx, toMessageItem(m, version), 0, "message"); err == nil {
			m.Version = version
		}
	} else {
		var in *dynamodb.UpdateItemInput
		in, err = s.messageUpdate(m, version)
		if err == nil && ww != nil {
			ww.addTo(in, func(set string) {
				*in.UpdateExpression = "SET " + set + ", " + strings.TrimPrefix(*in.UpdateExpression, "SET ")
			})
		}
		if err == nil {
			var out *dynamodb.UpdateItemOutput
			out, err = s.client.UpdateItem(ctx, in)
			if isConditionFailed(err) {
				err = staleVersion("message")
			}
			if err == nil {
				err = s.afterMessagePut(ctx, m, version, token, out.Attributes)
			}
		}
	}
	if err != nil {
		s.rollback(ctx, claims, taken)
		return fmt.Errorf("dynamo: put message %s: %w", m.ID, err)
	}
	return nil
}

// messageUpdate builds the UpdateItem that writes every attribute of m but
// the sets (those too when creating), and removes the ones m leaves empty.
func (s *Store) messageUpdate(m *casework.Message, version int64) (*dynamodb.UpdateItemInput, error) {
	av, err := attributevalue.MarshalMap(toMessageItem(m, version))
	if err != nil {
		return nil, err
	}
	creating := m.Version == 0
	exprNames := map[string]string{}
	values := map[string]types.AttributeValue{}
	var set, remove []string
	for _, a := range attrNames(messageItem{}) { // every attribute a message can have
		if a == table.PK || a == table.SK || !creating && (a == retweetedByAttr || a == favoritedByAttr || a == retweetLogAttr) {
			continue
		}
		if v, ok := av[a]; ok {
			exprNames["#"+a] = a
			values[":"+a] = v
			set = append(set, fmt.Sprintf("#%s = :%s", a, a))
		} else if !creating {
			exprNames["#"+a] = a
			remove = append(remove, "#"+a)
		}
	}
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       itemKey(casePK(m.CaseID), messageSK(m.ID)),
		UpdateExpression:          aws.String(expr),
		ExpressionAttributeNames:  exprNames,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	}
	if creating {
		in.ConditionExpression = aws.String("attribute_not_exists(#PK)")
		exprNames["#"+table.PK] = table.PK
	} else {
		in.ConditionExpression = aws.String("#version = :expected")
		values[":expected"] = num(m.Version)
	}
	return in, nil
}

// afterMessagePut updates m from the write and releases a replaced XID.
func (s *Store) afterMessagePut(ctx context.Context, m *casework.Message, version int64, token string, oldAV map[string]types.AttributeValue) error {
	m.Version = version
	if oldAV == nil {
		return nil
	}
	old, err := decodeMessage(oldAV)
	if err != nil {
		return nil // written; only the sets in m may be out of date
	}
	m.RetweetedBy, m.FavoritedBy, m.Retweets, m.RetweetRefusals = old.RetweetedBy, old.FavoritedBy, old.Retweets, old.RetweetRefusals
	if old.XID != "" && (old.XID != m.XID || old.Kind != m.Kind) {
		_ = s.releaseFn(s.messageClaim(old, version, token))(context.WithoutCancel(ctx)) // best effort
	}
	return nil
}

func (s *Store) getMessage(ctx context.Context, caseID, id string) (*casework.Message, error) {
	var it messageItem
	ok, err := s.getItem(ctx, casePK(caseID), messageSK(id), &it)
	if err != nil || !ok {
		return nil, err
	}
	return it.message()
}

// GetMessage reads a message of a case. Calls: 1 GetItem.
func (s *Store) GetMessage(ctx context.Context, caseID, id string) (*casework.Message, error) {
	m, err := s.getMessage(ctx, caseID, id)
	if err == nil && m == nil {
		err = notFound("Case %s has no message %s.", caseID, id)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: get message %s of case %s: %w", id, caseID, err)
	}
	return m, nil
}

// MessagesOfCase lists a case's messages, oldest first (message ids are
// ULIDs, so key order is creation order). Calls per page: 1 Query.
func (s *Store) MessagesOfCase(ctx context.Context, caseID string, page casework.PageRequest) (casework.Page[casework.Message], error) {
	return s.messagesOfCase(ctx, caseID, page, true)
}

// RecentMessagesOfCase lists a case's messages, newest first, so the
// latest ones cost the same however long the case. Calls per page: 1 Query.
func (s *Store) RecentMessagesOfCase(ctx context.Context, caseID string, page casework.PageRequest) (casework.Page[casework.Message], error) {
	return s.messagesOfCase(ctx, caseID, page, false)
}

func (s *Store) messagesOfCase(ctx context.Context, caseID string, page casework.PageRequest, oldestFirst bool) (casework.Page[casework.Message], error) {
	pk := casePK(caseID)
	q := pageQuery{
		in: &dynamodb.QueryInput{
			TableName:                 s.table,
			KeyConditionExpression:    aws.String("#PK = :pk AND begins_with(#SK, :msg)"),
			ExpressionAttributeNames:  names(table.PK, table.SK),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":msg": str(messageSK(""))},
			ConsistentRead:            aws.Bool(true),
			ScanIndexForward:          aws.Bool(oldestFirst), // a Query's key order, not a table scan
		},
		cursor: cursorSpec{attrs: []string{table.PK, table.SK}, valid: func(k map[string]string) bool {
			return k[table.PK] == pk && strings.HasPrefix(k[table.SK], messageSK(""))
		}},
	}
	items, next, err := s.queryPage(ctx, q, page)
	if err != nil {
		return casework.Page[casework.Message]{}, fmt.Errorf("dynamo: messages of case %s: %w", caseID, err)
	}
	out := casework.Page[casework.Message]{Items: make([]casework.Message, 0, len(items)), NextCursor: next}
	for _, av := range items {
		m, err := decodeMessage(av)
		if err != nil {
			return casework.Page[casework.Message]{}, fmt.Errorf("dynamo: messages of case %s: %w", caseID, err)
		}
		out.Items = append(out.Items, *m)
	}
	return out, nil
}

// MessageByXID finds the message of a Tweet or Direct Message by its X id.
// Calls: 2 GetItem.
func (s *Store) MessageByXID(ctx context.Context, kind casework.MessageKind, xid string) (*casework.Message, error) {
	var m *casework.Message
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.table, Key: itemKey(xMessageClaimPK(kind, xid), xMessageSK), ConsistentRead: aws.Bool(true),
	})
	if err == nil && res.Item != nil {
		m, err = s.getMessage(ctx, strAttr(res.Item, "case_id"), strAttr(res.Item, "message_id"))
		if m != nil && (m.XID != xid || m.Kind != kind) {
			m = nil // a stale claim
		}
	}
	if err == nil && m == nil {
		err = notFound("No %s has the X id %s.", kind, xid)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: message by X id %s %s: %w", kind, xid, err)
	}
	return m, nil
}

// AddRetweet records that the brand handle rt.HandleID Retweeted the
// message, appending rt to its Retweet log, and reports whether it was
// new, leaving the message's Version alone. Calls: 1 UpdateItem (plus 1
// GetItem when it changed nothing).
func (s *Store) AddRetweet(ctx context.Context, caseID, id string, rt casework.Retweet) (bool, error) {
	entry, err := attributevalue.Marshal([]retweetItem{{HandleID: rt.HandleID, Sub: rt.By.ID, Email: rt.By.Email, At: fmtTime(rt.At)}})
	if err != nil {
		return false, fmt.Errorf("dynamo: add retweet on message %s of case %s: %w", id, caseID, err)
	}
	return s.changeSet(ctx, "add retweet", caseID, id, retweetedByAttr, rt.HandleID, true, entry)
}

// RemoveRetweet forgets a Retweet and reports whether there was one.
// Calls: 1 UpdateItem (plus 1 GetItem when it changed nothing).
func (s *Store) RemoveRetweet(ctx context.Context, caseID, id, handleID string) (bool, error) {
	return s.changeSet(ctx, "remove retweet", caseID, id, retweetedByAttr, handleID, false, nil)
}

// RefuseRetweet forgets a Retweet X refused, appending the refusal to the
// Retweet log, and reports whether there was one. Calls: 1 UpdateItem
// (plus 1 GetItem when it changed nothing).
func (s *Store) RefuseRetweet(ctx context.Context, caseID, id string, r casework.RetweetRefusal) (bool, error) {
	entry, err := attributevalue.Marshal([]retweetItem{{HandleID: r.HandleID, At: fmtTime(r.At), Code: r.Error.Code, Detail: r.Error.Detail}})
	if err != nil {
		return false, fmt.Errorf("dynamo: refuse retweet on message %s of case %s: %w", id, caseID, err)
	}
	return s.changeSet(ctx, "refuse retweet", caseID, id, retweetedByAttr, r.HandleID, false, entry)
}

// AddFavorite records that the brand handle liked the message and reports
// whether it was new. Calls: 1 UpdateItem (plus 1 GetItem when it changed nothing).
func (s *Store) AddFavorite(ctx context.Context, caseID, id, handleID string) (bool, error) {
	return s.changeSet(ctx, "add favorite", caseID, id, favoritedByAttr, handleID, true, nil)
}

// changeSet adds member to, or deletes it from, a string set of a message
// in one conditional UpdateItem that fails when there is nothing to change;
// only then a GetItem tells a missing message (ENotFound) from no change.
// A log entry (a list of one), when given, is appended to the Retweet log.
func (s *Store) changeSet(ctx context.Context, op, caseID, id, attr, member string, add bool, logEntry types.AttributeValue) (bool, error) {
	changed, _, err := s.changeSetWith(ctx, op, caseID, id, attr, member, add, logEntry, nil)
	return changed, err
}

// changeSetWith is changeSet with work folded in when ww is not nil, on
// the condition that the message's work slot is free or holds the same
// work; busy reports that it held other work (then nothing was written).
func (s *Store) changeSetWith(ctx context.Context, op, caseID, id, attr, member string, add bool, logEntry types.AttributeValue, ww *workWrite) (changed, busy bool, err error) {
	if member == "" {
		return false, false, fmt.Errorf("dynamo: %s: %w", op, invalid("handle_id", "A brand handle id is needed."))
	}
	in := &dynamodb.UpdateItemInput{
		TableName: s.table,
		Key:       itemKey(casePK(caseID), messageSK(id)),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":m": strSet(member),
			":h": str(member),
		},
	}
	if add {
		in.UpdateExpression = aws.String("ADD #set :m")
		in.ConditionExpression = aws.String("attribute_exists(#PK) AND NOT contains(#set, :h)")
		in.ExpressionAttributeNames = map[string]string{"#set": attr, "#PK": table.PK}
	} else {
		in.UpdateExpression = aws.String("DELETE #set :m")
		in.ConditionExpression = aws.String("contains(#set, :h)")
		in.ExpressionAttributeNames = map[string]string{"#set": attr}
	}
	var sets []string
	if logEntry != nil {
		sets = append(sets, "#log = list_append(if_not_exists(#log, :empty), :entry)")
		in.ExpressionAttributeNames["#log"] = retweetLogAttr
		in.ExpressionAttributeValues[":entry"] = logEntry
		in.ExpressionAttributeValues[":empty"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
	}
	if ww != nil {
		ww.addTo(in, func(set string) { sets = append(sets, set) })
		ww.requireFree(in)
	}
	if len(sets) > 0 {
		*in.UpdateExpression += " SET " + strings.Join(sets, ", ")
	}
	_, err = s.client.UpdateItem(ctx, in)
	if err == nil {
		return true, false, nil
	}
	if isConditionFailed(err) {
		var res *dynamodb.GetItemOutput
		res, err = s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: itemKey(casePK(caseID), messageSK(id)), ConsistentRead: aws.Bool(true)})
		if err == nil && res.Item == nil {
			err = notFound("Case %s has no message %s.", caseID, id)
		}
		if err == nil {
			var m *casework.Message
			var sl *workSlot
			if m, err = decodeMessage(res.Item); err == nil {
				sl, err = slotOf(res.Item)
			}
			if err == nil {
				has := slices.Contains(m.RetweetedBy, member)
				if attr == favoritedByAttr {
					has = slices.Contains(m.FavoritedBy, member)
				}
				if has == add {
					return false, false, nil // nothing to change
				}
				if ww != nil && sl != nil && sl.Key != ww.key {
					return false, true, nil
				}
				// Changed between the write and the read: the caller's
				// request raced another; report it as no change.
				return false, false, nil
			}
		}
	}
	return false, false, fmt.Errorf("dynamo: %s on message %s of case %s: %w", op, id, caseID, err)
}
