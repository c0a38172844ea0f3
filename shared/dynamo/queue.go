package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

// Work folded into the item it acts on. A message's send, a Retweet of a
// message or its undoing, and a follow or unfollow keep their work in the
// attribute work of the message or follow state item (their home), written
// in the same UpdateItem as what the request shows, so one write records
// both. While the work is unresolved the item also carries GSI1PK "WORK"
// and GSI1SK its due time (sortable), which no other item of those kinds
// uses: the reconciler finds every folded work with one Query of that
// sparse partition of GSI1. An item has one work slot: a second Retweet of
// one message by another brand handle while the first is unresolved keeps
// its work as a separate work item (PK WORK), as do the commands that have
// no home (subscriptions) and the work recorded before this layout.

// workIndexPK is the GSI1 partition of the items with folded work.
const workIndexPK = "WORK"

const workAttr = "work"

// workSlot is one casework.Work folded into its home item (the map
// attribute work); Key is its casework.Command.WorkKey.
type workSlot struct {
	Key              string `dynamodbav:"key"`
	Command          string `dynamodbav:"command"`
	CommandID        string `dynamodbav:"command_id"`
	DueAt            string `dynamodbav:"due_at"`
	Faults           int    `dynamodbav:"faults,omitempty"`
	RateLimitedSince string `dynamodbav:"rate_limited_since,omitempty"`
	Requeues         int    `dynamodbav:"requeues,omitempty"`
}

func (sl *workSlot) work() (casework.Work, error) {
	it := workItem{SK: sl.Key, Command: sl.Command, CommandID: sl.CommandID, DueAt: sl.DueAt,
		Faults: sl.Faults, RateLimitedSince: sl.RateLimitedSince, Requeues: sl.Requeues}
	return it.work()
}

// slotOf returns the work slot of a raw item; nil when it has none.
func slotOf(av map[string]types.AttributeValue) (*workSlot, error) {
	v, ok := av[workAttr]
	if !ok {
		return nil, nil
	}
	var sl workSlot
	if err := attributevalue.Unmarshal(v, &sl); err != nil {
		return nil, err
	}
	return &sl, nil
}

// workHome returns the key of the item a command's work is folded into;
// false for a command that has none.
func workHome(cmd casework.Command) (pk, sk string, ok bool) {
	switch cmd.Kind {
	case casework.CmdTweet, casework.CmdDM, casework.CmdRetweet, casework.CmdUnretweet:
		return casePK(cmd.CaseID), messageSK(cmd.MessageID), cmd.CaseID != "" && cmd.MessageID != ""
	case casework.CmdFollow, casework.CmdUnfollow:
		return customerPK(cmd.CustomerID), followSK(cmd.HandleID), cmd.CustomerID != "" && cmd.HandleID != ""
	}
	return "", "", false
}

// workWrite is the part of an UpdateItem that folds a work into its home:
// a SET clause (without "SET") and its names and values, all prefixed
// with w so they collide with nothing of the item's own update.
type workWrite struct {
	key    string
	set    string
	names  map[string]string
	values map[string]types.AttributeValue
}

func newWorkWrite(w casework.Work) (workWrite, error) {
	b, err := json.Marshal(w.Command)
	if err != nil {
		return workWrite{}, err
	}
	slot, err := attributevalue.Marshal(workSlot{
		Key: w.Command.WorkKey(), Command: string(b), CommandID: w.Command.ID, DueAt: sortTime(w.DueAt),
		Faults: w.Faults, RateLimitedSince: fmtTime(w.RateLimitedSince), Requeues: w.Requeues,
	})
	if err != nil {
		return workWrite{}, err
	}
	return workWrite{
		set:   "#wslot = :wslot, #wgpk = :wgpk, #wgsk = :wgsk",
		names: map[string]string{"#wslot": workAttr, "#wgpk": table.GSI1PK, "#wgsk": table.GSI1SK},
		values: map[string]types.AttributeValue{
			":wslot": slot, ":wgpk": str(workIndexPK), ":wgsk": str(sortTime(w.DueAt)),
		},
		key: w.Command.WorkKey(),
	}, nil
}

// requireFree adds to in (after addTo) the condition that the item's
// work slot is empty or holds the same work (a later command replaces it:
// the latest request counts).
func (ww workWrite) requireFree(in *dynamodb.UpdateItemInput) {
	in.ExpressionAttributeNames["#wkey"] = "key"
	in.ExpressionAttributeValues[":wkey"] = str(ww.key)
	*in.ConditionExpression += " AND (attribute_not_exists(#wslot) OR #wslot.#wkey = :wkey)"
}

// addTo adds the work's SET clause, names and values to an UpdateItem.
func (ww workWrite) addTo(in *dynamodb.UpdateItemInput, setClause func(string)) {
	setClause(ww.set)
	if in.ExpressionAttributeNames == nil {
		in.ExpressionAttributeNames = map[string]string{}
	}
	if in.ExpressionAttributeValues == nil {
		in.ExpressionAttributeValues = map[string]types.AttributeValue{}
	}
	for k, v := range ww.names {
		in.ExpressionAttributeNames[k] = v
	}
	for k, v := range ww.values {
		in.ExpressionAttributeValues[k] = v
	}
}

// QueueMessage puts the message (as PutMessage) with w folded into its
// item. Calls: 1 UpdateItem (plus PutMessage's claims when m has an XID).
func (s *Store) QueueMessage(ctx context.Context, m *casework.Message, w casework.Work) error {
	if k := w.Command.Kind; k != casework.CmdTweet && k != casework.CmdDM || w.Command.CaseID != m.CaseID || w.Command.MessageID != m.ID {
		return fmt.Errorf("dynamo: queue message %s: %w", m.ID, invalid("command", "The work must be the sending of this message."))
	}
	ww, err := newWorkWrite(w)
	if err != nil {
		return fmt.Errorf("dynamo: queue message %s: %w", m.ID, err)
	}
	return s.putMessage(ctx, m, &ww)
}

// QueueRetweet records the Retweet (as AddRetweet) with w folded into the
// message. Calls: 1 UpdateItem; when it changes nothing, 1 GetItem more;
// when the message's work slot holds another brand handle's Retweet, 1
// GetItem, 1 PutItem (w as a separate work item) and 1 UpdateItem.
func (s *Store) QueueRetweet(ctx context.Context, caseID, id string, rt casework.Retweet, w casework.Work) (bool, error) {
	entry, err := attributevalue.Marshal([]retweetItem{{HandleID: rt.HandleID, Sub: rt.By.ID, Email: rt.By.Email, At: fmtTime(rt.At)}})
	if err != nil {
		return false, fmt.Errorf("dynamo: queue retweet on message %s of case %s: %w", id, caseID, err)
	}
	return s.queueSetChange(ctx, "queue retweet", caseID, id, rt.HandleID, true, entry, w)
}

// QueueUnretweet forgets the Retweet (as RemoveRetweet) with w folded into
// the message. Calls: as QueueRetweet.
func (s *Store) QueueUnretweet(ctx context.Context, caseID, id, handleID string, w casework.Work) (bool, error) {
	return s.queueSetChange(ctx, "queue unretweet", caseID, id, handleID, false, nil, w)
}

// queueSetChange is changeSet on retweeted_by with w folded in; when the
// work slot holds other work it records w as a separate work item and
// changes the set alone (the work item is forgotten if that changed nothing).
func (s *Store) queueSetChange(ctx context.Context, op, caseID, id, handleID string, add bool, logEntry types.AttributeValue, w casework.Work) (bool, error) {
	if k := w.Command.Kind; k != casework.CmdRetweet && k != casework.CmdUnretweet || w.Command.CaseID != caseID || w.Command.MessageID != id || w.Command.HandleID != handleID {
		return false, fmt.Errorf("dynamo: %s: %w", op, invalid("command", "The work must be this Retweet's."))
	}
	ww, err := newWorkWrite(w)
	if err != nil {
		return false, fmt.Errorf("dynamo: %s on message %s of case %s: %w", op, id, caseID, err)
	}
	changed, busy, err := s.changeSetWith(ctx, op, caseID, id, retweetedByAttr, handleID, add, logEntry, &ww)
	if err != nil || !busy {
		return changed, err
	}
	// Another brand handle's Retweet work holds the slot: the work goes
	// into a work item of its own, before the Retweet is recorded.
	if err := s.PutWork(ctx, w); err != nil {
		return false, err
	}
	changed, _, err = s.changeSetWith(ctx, op, caseID, id, retweetedByAttr, handleID, add, logEntry, nil)
	if err != nil || !changed {
		if rerr := s.ResolveWork(context.WithoutCancel(ctx), w.Command); rerr != nil {
			return false, fmt.Errorf("dynamo: %s on message %s of case %s: %w", op, id, caseID, rerr)
		}
	}
	return changed, err
}

// QueueFollow records the pending follow or unfollow (as SetFollowPending)
// with w folded into the follow state item, and returns the state as
// stored. Calls: 1 UpdateItem.
func (s *Store) QueueFollow(ctx context.Context, customerID, handleID string, action casework.FollowAction, by casework.Agent, w casework.Work) (casework.FollowState, error) {
	what := fmt.Sprintf("dynamo: queue %s of customer %s by brand handle %s", action, customerID, handleID)
	if k := w.Command.Kind; k != casework.CmdFollow && k != casework.CmdUnfollow || w.Command.CustomerID != customerID || w.Command.HandleID != handleID {
		return casework.FollowState{}, fmt.Errorf("%s: %w", what, invalid("command", "The work must be this follow's."))
	}
	if action != casework.ActionFollow && action != casework.ActionUnfollow {
		return casework.FollowState{}, fmt.Errorf("%s: %w", what, invalid("action", "A follow action is follow or unfollow."))
	}
	in, err := s.followPendingUpdate(customerID, handleID, action, by)
	if err != nil {
		return casework.FollowState{}, fmt.Errorf("%s: %w", what, err)
	}
	ww, err := newWorkWrite(w)
	if err != nil {
		return casework.FollowState{}, fmt.Errorf("%s: %w", what, err)
	}
	ww.addTo(in, func(set string) { *in.UpdateExpression += ", " + set })
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.client.UpdateItem(ctx, in)
	if err != nil {
		return casework.FollowState{}, fmt.Errorf("%s: %w", what, err)
	}
	var it followItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return casework.FollowState{}, fmt.Errorf("%s: %w", what, err)
	}
	return it.state(), nil
}

// ---- the worker's and the reconciler's side ----

// slotUpdate runs an UpdateItem of cmd's folded work on its home item,
// on the condition that the slot holds cmd's work carried by the command
// carrier; it reports false when the condition failed (the work is not
// there, or another command carries it) or cmd has no home.
func (s *Store) slotUpdate(ctx context.Context, cmd casework.Command, carrier, expr string, exprNames map[string]string, values map[string]types.AttributeValue, rv types.ReturnValue) (map[string]types.AttributeValue, bool, error) {
	pk, sk, ok := workHome(cmd)
	if !ok {
		return nil, false, nil
	}
	exprNames["#wslot"], exprNames["#wkey"], exprNames["#wcid"] = workAttr, "key", "command_id"
	values[":wkey"], values[":wcarrier"] = str(cmd.WorkKey()), str(carrier)
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       itemKey(pk, sk),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#wslot.#wkey = :wkey AND #wslot.#wcid = :wcarrier"),
		ExpressionAttributeNames:  exprNames,
		ExpressionAttributeValues: values,
		ReturnValues:              rv,
	})
	if isConditionFailed(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return out.Attributes, true, nil
}

// slotHeldByOther reports whether cmd's home item holds cmd's work under
// another command (cmd is superseded). Calls: 1 GetItem.
func (s *Store) slotHeldByOther(ctx context.Context, cmd casework.Command) (bool, error) {
	pk, sk, ok := workHome(cmd)
	if !ok {
		return false, nil
	}
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: itemKey(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, err
	}
	sl, err := slotOf(res.Item)
	if err != nil {
		return false, err
	}
	return sl != nil && sl.Key == cmd.WorkKey() && sl.CommandID != cmd.ID, nil
}

// staleFoldedWork lists the folded work due before t. Calls: 1 Query a
// page, on GSI1 (eventually consistent: the reconciler looks for work
// minutes old, and every change it makes is conditional on the item).
func (s *Store) staleFoldedWork(ctx context.Context, before time.Time) ([]casework.Work, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 s.table,
		IndexName:                 aws.String(table.GSI1),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk < :before"),
		ExpressionAttributeNames:  map[string]string{"#pk": table.GSI1PK, "#sk": table.GSI1SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(workIndexPK), ":before": str(sortTime(before))},
	})
	if err != nil {
		return nil, err
	}
	out := make([]casework.Work, 0, len(items))
	for _, av := range items {
		sl, err := slotOf(av)
		if err != nil {
			return nil, err
		}
		if sl == nil {
			continue // resolved; the index has not caught up
		}
		w, err := sl.work()
		if err != nil {
			return nil, err
		}
		if w.DueAt.Before(before) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b casework.Work) int { return a.DueAt.Compare(b.DueAt) })
	return out, nil
}
