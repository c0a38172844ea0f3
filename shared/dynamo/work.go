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

// workPK is the one partition of the work items: only work not yet
// resolved is there (each item lives from a request until the outbound
// worker finishes its command), so it stays small, and the outbound
// traffic X's rate limits allow is far below a partition's write limit.
const workPK = "WORK"

// workItem is one casework.Work; the command is kept as its JSON.
type workItem struct {
	PK               string `dynamodbav:"PK"`
	SK               string `dynamodbav:"SK"`
	Command          string `dynamodbav:"command"`
	CommandID        string `dynamodbav:"command_id"`
	DueAt            string `dynamodbav:"due_at"`
	Faults           int    `dynamodbav:"faults,omitempty"`
	RateLimitedSince string `dynamodbav:"rate_limited_since,omitempty"`
	Requeues         int    `dynamodbav:"requeues,omitempty"`
}

func (it *workItem) work() (casework.Work, error) {
	var w casework.Work
	if err := json.Unmarshal([]byte(it.Command), &w.Command); err != nil {
		return w, fmt.Errorf("work %s: command: %w", it.SK, err)
	}
	due, err := time.Parse(sortableTime, it.DueAt)
	if err != nil {
		return w, fmt.Errorf("work %s: due_at: %w", it.SK, err)
	}
	w.DueAt, w.Faults, w.Requeues = due, it.Faults, it.Requeues
	if err := parseTimes(it.RateLimitedSince, &w.RateLimitedSince); err != nil {
		return w, fmt.Errorf("work %s: %w", it.SK, err)
	}
	return w, nil
}

func commandJSON(c casework.Command) (types.AttributeValue, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return str(string(b)), nil
}

// PutWork records work as accepted, replacing earlier work with its key.
// Calls: 1 PutItem.
func (s *Store) PutWork(ctx context.Context, w casework.Work) error {
	b, err := json.Marshal(w.Command)
	if err == nil {
		var av map[string]types.AttributeValue
		av, err = attributevalue.MarshalMap(workItem{
			PK: workPK, SK: w.Command.WorkKey(), Command: string(b), CommandID: w.Command.ID,
			DueAt: sortTime(w.DueAt), Faults: w.Faults, RateLimitedSince: fmtTime(w.RateLimitedSince), Requeues: w.Requeues,
		})
		if err == nil {
			_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: av})
		}
	}
	if err != nil {
		return fmt.Errorf("dynamo: put work %s: %w", w.Command.WorkKey(), err)
	}
	return nil
}

// NoteRetry records a retry of the work's command: when it comes back,
// and a fault counted or the start of a run of rate limits. It records the
// work when there is none (as a work item); when another command carries
// it, it fails with EConflict. Calls: 1 UpdateItem for work folded into its
// home item; else 1 GetItem and 1 UpdateItem more.
func (s *Store) NoteRetry(ctx context.Context, cmd casework.Command, due time.Time, fault bool, now time.Time) (casework.Work, error) {
	what := fmt.Sprintf("dynamo: note retry of %s", cmd.WorkKey())
	if w, found, err := s.noteFoldedRetry(ctx, cmd, due, fault, now); err != nil || found {
		if err != nil {
			return casework.Work{}, fmt.Errorf("%s: %w", what, err)
		}
		return w, nil
	}
	cj, err := commandJSON(cmd)
	if err != nil {
		return casework.Work{}, fmt.Errorf("%s: %w", what, err)
	}
	expr := "SET #due_at = :due, #command_id = :id, #command = if_not_exists(#command, :cmd)"
	exprNames := names(table.PK, "due_at", "command_id", "command")
	values := map[string]types.AttributeValue{":due": str(sortTime(due)), ":id": str(cmd.ID), ":cmd": cj}
	expr = setRetry(expr, "", fault, now, exprNames, values)
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       itemKey(workPK, cmd.WorkKey()),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("attribute_not_exists(#PK) OR #command_id = :id"),
		ExpressionAttributeNames:  exprNames,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		err = conflict("Another command carries the work %s now.", cmd.WorkKey())
	}
	if err != nil {
		return casework.Work{}, fmt.Errorf("%s: %w", what, err)
	}
	var it workItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return casework.Work{}, fmt.Errorf("%s: %w", what, err)
	}
	w, err := it.work()
	if err != nil {
		return casework.Work{}, fmt.Errorf("%s: %w", what, err)
	}
	return w, nil
}

// ResolveWork forgets the work of cmd unless another command carries it.
// Calls: 1 UpdateItem for work folded into its home item; else 1
// DeleteItem more (a work item).
func (s *Store) ResolveWork(ctx context.Context, cmd casework.Command) error {
	_, found, err := s.slotUpdate(ctx, cmd, cmd.ID, "REMOVE #wslot, #wgpk, #wgsk",
		map[string]string{"#wgpk": table.GSI1PK, "#wgsk": table.GSI1SK}, map[string]types.AttributeValue{}, types.ReturnValueNone)
	if err != nil || found {
		if err != nil {
			return fmt.Errorf("dynamo: resolve work %s: %w", cmd.WorkKey(), err)
		}
		return nil
	}
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       itemKey(workPK, cmd.WorkKey()),
		ConditionExpression:       aws.String("#command_id = :id"),
		ExpressionAttributeNames:  names("command_id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(cmd.ID)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: resolve work %s: %w", cmd.WorkKey(), err)
	}
	return nil
}

// StaleWork lists the work due before t, oldest first: the work items and
// the work folded into the items it acts on. Calls: 1 Query a page of the
// work partition (filtered on due_at), 1 Query a page of GSI1's.
func (s *Store) StaleWork(ctx context.Context, before time.Time) ([]casework.Work, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("#PK = :pk"),
		FilterExpression:          aws.String("#due_at < :before"),
		ExpressionAttributeNames:  names(table.PK, "due_at"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(workPK), ":before": str(sortTime(before))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: stale work: %w", err)
	}
	out, err := s.staleFoldedWork(ctx, before)
	if err != nil {
		return nil, fmt.Errorf("dynamo: stale work: %w", err)
	}
	for _, av := range items {
		var it workItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, fmt.Errorf("dynamo: stale work: %w", err)
		}
		w, err := it.work()
		if err != nil {
			return nil, fmt.Errorf("dynamo: stale work: %w", err)
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b casework.Work) int { return a.DueAt.Compare(b.DueAt) })
	return out, nil
}

// RequeueWork hands the work to the command next if prev still carries it:
// one more requeue, due at due, faults and rate limits counted afresh.
// Calls: 1 UpdateItem for work folded into its home item; else 1
// UpdateItem more (a work item).
func (s *Store) RequeueWork(ctx context.Context, prev string, next casework.Command, due time.Time) error {
	cj, err := commandJSON(next)
	if err == nil {
		var found bool
		_, found, err = s.slotUpdate(ctx, next, prev,
			"SET #wslot.#wcmd = :cmd, #wslot.#wcid = :id, #wslot.#wdue = :due, #wgsk = :due, "+
				"#wslot.#wreq = if_not_exists(#wslot.#wreq, :zero) + :one REMOVE #wslot.#wfaults, #wslot.#wsince",
			map[string]string{"#wcmd": "command", "#wdue": "due_at", "#wgsk": table.GSI1SK, "#wreq": "requeues", "#wfaults": "faults", "#wsince": "rate_limited_since"},
			map[string]types.AttributeValue{":cmd": cj, ":id": str(next.ID), ":due": str(sortTime(due)), ":zero": num(0), ":one": num(1)},
			types.ReturnValueNone)
		if err == nil && found {
			return nil
		}
		if err == nil {
			// A work item whose work a later request folded into the
			// home item (work recorded before the fold) is obsolete.
			var other bool
			if other, err = s.slotHeldByOther(ctx, next); err == nil && other {
				_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
					TableName:                 s.table,
					Key:                       itemKey(workPK, next.WorkKey()),
					ConditionExpression:       aws.String("#command_id = :prev"),
					ExpressionAttributeNames:  names("command_id"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":prev": str(prev)},
				})
				if err == nil || isConditionFailed(err) {
					err = conflict("The work %s was taken over by a later request.", next.WorkKey())
				}
			}
		}
	}
	if err == nil {
		exprNames := names("command", "command_id", "due_at", "requeues", "faults")
		exprNames["#since"] = "rate_limited_since"
		_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: s.table,
			Key:       itemKey(workPK, next.WorkKey()),
			UpdateExpression: aws.String("SET #command = :cmd, #command_id = :id, #due_at = :due, " +
				"#requeues = if_not_exists(#requeues, :zero) + :one REMOVE #faults, #since"),
			ConditionExpression:      aws.String("#command_id = :prev"),
			ExpressionAttributeNames: exprNames,
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":cmd": cj, ":id": str(next.ID), ":due": str(sortTime(due)), ":zero": num(0), ":one": num(1), ":prev": str(prev),
			},
		})
		if isConditionFailed(err) {
			err = conflict("The work %s was resolved or taken over meanwhile.", next.WorkKey())
		}
	}
	if err != nil {
		return fmt.Errorf("dynamo: requeue work %s: %w", next.WorkKey(), err)
	}
	return nil
}

// noteFoldedRetry is NoteRetry of work folded into its home item; found
// false when the work is not there (then NoteRetry looks for a work item),
// an EConflict when another command carries it there.
func (s *Store) noteFoldedRetry(ctx context.Context, cmd casework.Command, due time.Time, fault bool, now time.Time) (casework.Work, bool, error) {
	expr := "SET #wslot.#wdue = :due, #wgsk = :due"
	exprNames := map[string]string{"#wdue": "due_at", "#wgsk": table.GSI1SK}
	values := map[string]types.AttributeValue{":due": str(sortTime(due))}
	expr = setRetry(expr, "#wslot.", fault, now, exprNames, values)
	out, found, err := s.slotUpdate(ctx, cmd, cmd.ID, expr, exprNames, values, types.ReturnValueAllNew)
	if err != nil {
		return casework.Work{}, false, err
	}
	if !found {
		other, err := s.slotHeldByOther(ctx, cmd)
		if err == nil && other {
			err = conflict("Another command carries the work %s now.", cmd.WorkKey())
		}
		return casework.Work{}, false, err
	}
	sl, err := slotOf(out)
	if err != nil || sl == nil {
		return casework.Work{}, false, fmt.Errorf("work slot of %s: %v", cmd.WorkKey(), err)
	}
	w, err := sl.work()
	return w, err == nil, err
}

// setRetry adds to a retry's SET expression what the retry records beside
// its due time, at the attribute path prefix ("" on a work item, "#wslot."
// in a slot folded into the item it acts on): one more fault, or when rate
// limiting began (kept if already set).
func setRetry(expr, prefix string, fault bool, now time.Time, exprNames map[string]string, values map[string]types.AttributeValue) string {
	if fault {
		exprNames["#faults"] = "faults"
		values[":zero"], values[":one"] = num(0), num(1)
		return expr + ", " + prefix + "#faults = if_not_exists(" + prefix + "#faults, :zero) + :one"
	}
	exprNames["#since"] = "rate_limited_since"
	values[":now"] = str(fmtTime(now))
	return expr + ", " + prefix + "#since = if_not_exists(" + prefix + "#since, :now)"
}
