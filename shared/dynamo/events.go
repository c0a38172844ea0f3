package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

// eventItem is the record of an X event, until expires_at (unix seconds,
// the TTL): processed once it was applied, deleted once what it brought
// was deleted on X (the tombstone). A record written before the marks
// existed has neither attribute and means processed.
type eventItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	ID        string `dynamodbav:"id"`
	Processed *bool  `dynamodbav:"processed,omitempty"`
	Deleted   bool   `dynamodbav:"deleted,omitempty"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
	Expires   string `dynamodbav:"expires"`
}

func eventPK(id string) string { return "EVENT#" + id }

const eventSK = "EVENT"

// mark is what an unexpired record says (the zero mark for an expired one).
func (s *Store) mark(it *eventItem) casework.EventMark {
	if it == nil || it.PK == "" || s.expired(it.ExpiresAt) {
		return casework.EventMark{}
	}
	return casework.EventMark{Processed: it.Processed == nil || *it.Processed, Deleted: it.Deleted}
}

// markFromAV decodes a record (nil: none) into its mark.
func (s *Store) markFromAV(av map[string]types.AttributeValue) (casework.EventMark, error) {
	if av == nil {
		return casework.EventMark{}, nil
	}
	var it eventItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return casework.EventMark{}, err
	}
	return s.mark(&it), nil
}

// MarkEventProcessed marks the event applied until expiresAt and returns
// its unexpired record as it was before. Calls: 1 PutItem; when the record
// holds a deletion, 1 UpdateItem more (2 when it had expired meanwhile).
//
// The PutItem replaces a record that has nothing to keep (none, an expired
// one, or one without a deletion mark): an UpdateItem would write the same
// item, but costs a local DynamoDB about twice the work of a conditional
// put (its update expression is parsed on every call), and this is the
// last write of every inbound event. A record with a deletion fails the
// put's condition and is marked by markEvent, which keeps that mark.
func (s *Store) MarkEventProcessed(ctx context.Context, id string, expiresAt time.Time) (casework.EventMark, error) {
	m, err := s.putProcessed(ctx, id, expiresAt)
	if errors.Is(err, errKeepDeletion) {
		m, err = s.markEvent(ctx, id, "processed", expiresAt)
	}
	if err != nil {
		return m, fmt.Errorf("dynamo: mark event %s processed: %w", id, err)
	}
	return m, nil
}

// errKeepDeletion says the event's record holds a deletion mark that a put
// would lose.
var errKeepDeletion = errors.New("the record holds a deletion")

// putProcessed writes a fresh processed record unless an unexpired record
// with a deletion mark is there (errKeepDeletion), and returns the mark
// the record it replaced had.
func (s *Store) putProcessed(ctx context.Context, id string, expiresAt time.Time) (casework.EventMark, error) {
	if id == "" || expiresAt.IsZero() {
		return casework.EventMark{}, invalid("id", "An event record needs an id and an expiry.")
	}
	processed := true
	av, err := attributevalue.MarshalMap(eventItem{PK: eventPK(id), SK: eventSK, ID: id, Processed: &processed,
		ExpiresAt: ttlSeconds(expiresAt), Expires: fmtTime(expiresAt)})
	if err != nil {
		return casework.EventMark{}, err
	}
	out, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 s.table,
		Item:                      av,
		ConditionExpression:       aws.String("attribute_not_exists(#deleted) OR #expires_at <= :now"),
		ExpressionAttributeNames:  names("deleted", table.TTL),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(s.now().Unix())},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return casework.EventMark{}, errKeepDeletion
	}
	if err != nil {
		return casework.EventMark{}, err
	}
	return s.markFromAV(out.Attributes)
}

// MarkEventDeleted marks what the event brought deleted on X until
// expiresAt and returns its unexpired record as it was before. Calls: 1
// UpdateItem (2 when the record had expired).
func (s *Store) MarkEventDeleted(ctx context.Context, id string, expiresAt time.Time) (casework.EventMark, error) {
	m, err := s.markEvent(ctx, id, "deleted", expiresAt)
	if err != nil {
		return m, fmt.Errorf("dynamo: mark event %s deleted: %w", id, err)
	}
	return m, nil
}

// markEvent sets one mark (attr) of the event's record, keeping the other,
// unless the record has expired: then it starts the record afresh, so an
// expired mark is never revived. The record's expiry is the later write's.
func (s *Store) markEvent(ctx context.Context, id, attr string, expiresAt time.Time) (casework.EventMark, error) {
	if id == "" || expiresAt.IsZero() {
		return casework.EventMark{}, invalid("id", "An event record needs an id and an expiry.")
	}
	values := map[string]types.AttributeValue{
		":id": str(id), ":t": boolean(true), ":now": num(s.now().Unix()),
		":exp": num(ttlSeconds(expiresAt)), ":expires": str(fmtTime(expiresAt)),
	}
	set := "#id = :id, #expires_at = :exp, #expires = :expires, #" + attr + " = :t"
	if attr == "deleted" {
		// A tombstone alone is not an applied event.
		set += ", #processed = if_not_exists(#processed, :f)"
		values[":f"] = boolean(false)
	}
	for range 3 {
		out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 s.table,
			Key:                       itemKey(eventPK(id), eventSK),
			UpdateExpression:          aws.String("SET " + set),
			ConditionExpression:       aws.String("attribute_not_exists(#PK) OR #expires_at > :now"),
			ExpressionAttributeNames:  names(table.PK, "id", "expires_at", "expires", "processed", attr),
			ExpressionAttributeValues: values,
			ReturnValues:              types.ReturnValueAllOld,
		})
		if err == nil {
			return s.markFromAV(out.Attributes)
		}
		if !isConditionFailed(err) {
			return casework.EventMark{}, err
		}
		// Expired: replace it, unless someone renewed it meanwhile.
		it := eventItem{PK: eventPK(id), SK: eventSK, ID: id, ExpiresAt: ttlSeconds(expiresAt), Expires: fmtTime(expiresAt)}
		processed := attr == "processed"
		it.Processed, it.Deleted = &processed, attr == "deleted"
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			return casework.EventMark{}, err
		}
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 s.table,
			Item:                      av,
			ConditionExpression:       aws.String("#expires_at <= :now"),
			ExpressionAttributeNames:  names(table.TTL),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(s.now().Unix())},
		})
		if err == nil {
			return casework.EventMark{}, nil
		}
		if !isConditionFailed(err) {
			return casework.EventMark{}, err
		}
	}
	return casework.EventMark{}, conflict("The record of event %s kept changing.", id)
}

// EventRecord returns the event's unexpired record. Calls: 1 GetItem.
func (s *Store) EventRecord(ctx context.Context, id string) (casework.EventMark, error) {
	var it eventItem
	ok, err := s.getItem(ctx, eventPK(id), eventSK, &it)
	if err != nil {
		return casework.EventMark{}, fmt.Errorf("dynamo: event %s: %w", id, err)
	}
	if !ok {
		return casework.EventMark{}, nil
	}
	return s.mark(&it), nil
}

// RecallEvent answers r (see casework.EventStore). Calls: 1 BatchGetItem
// (the event's record, the claims of the X id and X user id and the X user
// id's former-account marker: customers written before markers existed
// have none until they are written again), plus 1
// BatchGetItem for the message and the customer those claims name, when
// the event is not processed and any claim exists.
func (s *Store) RecallEvent(ctx context.Context, r casework.Recall) (casework.Recalled, error) {
	var out casework.Recalled
	wrap := func(err error) (casework.Recalled, error) {
		return casework.Recalled{}, fmt.Errorf("dynamo: recall event %s: %w", r.EventID, err)
	}
	if r.EventID == "" {
		return wrap(invalid("id", "An event record needs an id."))
	}
	msgClaim, custClaim := "", ""
	keys := []map[string]types.AttributeValue{itemKey(eventPK(r.EventID), eventSK)}
	if r.MessageXID != "" {
		msgClaim = xMessageClaimPK(r.MessageKind, r.MessageXID)
		keys = append(keys, itemKey(msgClaim, xMessageSK))
	}
	if r.XUserID != "" {
		custClaim = xUserClaimPK(r.XUserID)
		keys = append(keys, itemKey(custClaim, customerSK), itemKey(custClaim, formerMarkerSK))
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return wrap(err)
	}
	var next []map[string]types.AttributeValue
	var caseID, messageID, customerID string
	for _, it := range items {
		switch strAttr(it, table.PK) {
		case eventPK(r.EventID):
			if out.Event, err = s.markFromAV(it); err != nil {
				return wrap(err)
			}
		case msgClaim:
			caseID, messageID = strAttr(it, "case_id"), strAttr(it, "message_id")
			next = append(next, itemKey(casePK(caseID), messageSK(messageID)))
		case custClaim:
			if strAttr(it, table.SK) == formerMarkerSK {
				out.MayBeFormer = true
				continue
			}
			customerID = strAttr(it, "customer_id")
			next = append(next, itemKey(customerPK(customerID), customerSK))
		}
	}
	if out.Event.Processed {
		return casework.Recalled{Event: out.Event}, nil
	}
	if len(next) == 0 {
		return out, nil
	}
	if items, err = s.batchGet(ctx, next); err != nil {
		return wrap(err)
	}
	for _, it := range items {
		switch strAttr(it, table.PK) {
		case casePK(caseID):
			m, err := decodeMessage(it)
			if err != nil {
				return wrap(err)
			}
			if m.XID == r.MessageXID && m.Kind == r.MessageKind { // else a stale claim
				out.Message = m
			}
		case customerPK(customerID):
			c, err := decodeCustomer(it)
			if err != nil {
				return wrap(err)
			}
			if xid, _ := twitterOf(c); xid == r.XUserID { // else a stale claim
				out.Customer = c
			}
		}
	}
	return out, nil
}
