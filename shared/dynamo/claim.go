package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/table"
)

// A claim item makes a value unique (an X user id, a customer's handle, a
// message's X id): its key is the value, and it names the one record that
// holds it. A claim is written before its record, so a record never shows a
// value it does not hold. A claim whose owner does not (or no longer) show
// the value is stale, left by a write that failed half-way; it is taken over
// once older than Store.claimGrace (younger, its owner's write may still be
// under way, so the newcomer gets EConflict and retries later).

// claim is one claim item a write needs.
type claim struct {
	pk, sk string
	// owner names the record: attribute name to value (customer_id, or
	// case_id and message_id).
	owner map[string]string
	// version is the owner's version this write creates.
	version int64
	// token tells this write's claims from any other write's.
	token string
	// taken is the EConflict message when someone else holds the value.
	taken string
	// holds reports whether the owner named by a stored claim still shows the value.
	holds func(ctx context.Context, owner map[string]string) (bool, error)
}

func (c *claim) ownerAttrs() []string {
	attrs := make([]string, 0, len(c.owner))
	for a := range c.owner {
		attrs = append(attrs, a)
	}
	slices.Sort(attrs)
	return attrs
}

// ownerCondition is "#a = :own_a AND ..." over the owner attributes.
func (c *claim) ownerCondition(values map[string]types.AttributeValue) string {
	var conds []string
	for _, a := range c.ownerAttrs() {
		conds = append(conds, fmt.Sprintf("#%s = :own_%s", a, a))
		values[":own_"+a] = str(c.owner[a])
	}
	return strings.Join(conds, " AND ")
}

func (c *claim) ownedBy(stored map[string]types.AttributeValue) bool {
	for a, v := range c.owner {
		s, ok := stored[a].(*types.AttributeValueMemberS)
		if !ok || s.Value != v {
			return false
		}
	}
	return true
}

// acquire writes the claim and reports whether this write newly took it
// (rather than finding it already held by the same owner). A value whose
// holder still shows it is EConflict. Calls: 1 PutItem; when another owner
// holds it, also 1 GetItem, the owner check (1 GetItem) and, to take over a
// stale claim, 1 more PutItem.
func (s *Store) acquire(ctx context.Context, c *claim) (bool, error) {
	item := map[string]types.AttributeValue{
		table.PK:     str(c.pk),
		table.SK:     str(c.sk),
		"token":      str(c.token),
		"claimed_at": num(s.now().UnixNano()),
		"version":    num(c.version),
	}
	for a, v := range c.owner {
		item[a] = str(v)
	}
	for range 3 {
		values := map[string]types.AttributeValue{}
		out, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 s.table,
			Item:                      item,
			ConditionExpression:       aws.String("attribute_not_exists(#PK) OR (" + c.ownerCondition(values) + ")"),
			ExpressionAttributeNames:  names(append(c.ownerAttrs(), table.PK)...),
			ExpressionAttributeValues: values,
			ReturnValues:              types.ReturnValueAllOld,
		})
		if err == nil {
			return out.Attributes == nil || !c.ownedBy(out.Attributes), nil
		}
		if !isConditionFailed(err) {
			return false, err
		}
		// Someone else holds it: is that still true?
		res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: s.table, Key: itemKey(c.pk, c.sk), ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return false, err
		}
		if res.Item == nil || c.ownedBy(res.Item) {
			continue // released or taken by our owner meanwhile: try again
		}
		if claimed := time.Unix(0, intAttr(res.Item, "claimed_at")); s.now().Sub(claimed) < s.claimGrace {
			return false, conflict("%s", c.taken)
		}
		owner := map[string]string{}
		for a := range c.owner {
			owner[a] = strAttr(res.Item, a)
		}
		holds, err := c.holds(ctx, owner)
		if err != nil {
			return false, err
		}
		if holds {
			return false, conflict("%s", c.taken)
		}
		// A stale claim: take it over, unless it changed since we read it.
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 s.table,
			Item:                      item,
			ConditionExpression:       aws.String("#token = :old_token"),
			ExpressionAttributeNames:  names("token"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":old_token": str(strAttr(res.Item, "token"))},
		})
		if err == nil {
			return true, nil
		}
		if !isConditionFailed(err) {
			return false, err
		}
	}
	return false, conflict("%s", c.taken)
}

// acquireAll acquires several claims at once and reports which ones this
// write newly took; if any fails, it gives those back and returns the error.
func (s *Store) acquireAll(ctx context.Context, claims []*claim) ([]bool, error) {
	if len(claims) == 0 {
		return nil, nil
	}
	taken := make([]bool, len(claims))
	fns := make([]func(context.Context) error, len(claims))
	for i, c := range claims {
		fns[i] = func(ctx context.Context) (err error) {
			taken[i], err = s.acquire(ctx, c)
			return err
		}
	}
	err := parallel(ctx, fns)
	if err != nil {
		s.rollback(ctx, claims, taken)
		return nil, err
	}
	return taken, nil
}

// rollback gives back the claims this write newly took (the ones marked in
// taken), each only if it still carries this write's token. It is best
// effort: a claim left behind is stale, and taken over later.
func (s *Store) rollback(ctx context.Context, claims []*claim, taken []bool) {
	var fns []func(context.Context) error
	for i, c := range claims {
		if i >= len(taken) || !taken[i] {
			continue
		}
		fns = append(fns, func(ctx context.Context) error {
			_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName:                 s.table,
				Key:                       itemKey(c.pk, c.sk),
				ConditionExpression:       aws.String("#token = :token"),
				ExpressionAttributeNames:  names("token"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":token": str(c.token)},
			})
			return err
		})
	}
	if len(fns) > 0 {
		_ = parallel(context.WithoutCancel(ctx), fns)
	}
}

// releaseFn returns the conditional delete of a claim the owner no longer
// needs after its write of c.version succeeded: only if the owner still holds
// it and no newer write of the owner claimed it again.
func (s *Store) releaseFn(c *claim) func(context.Context) error {
	return func(ctx context.Context) error {
		values := map[string]types.AttributeValue{":version": num(c.version)}
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 s.table,
			Key:                       itemKey(c.pk, c.sk),
			ConditionExpression:       aws.String(c.ownerCondition(values) + " AND #version < :version"),
			ExpressionAttributeNames:  names(append(c.ownerAttrs(), "version")...),
			ExpressionAttributeValues: values,
		})
		if isConditionFailed(err) {
			return nil
		}
		return err
	}
}

func strAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func intAttr(item map[string]types.AttributeValue, name string) int64 {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	var n int64
	_, _ = fmt.Sscan(v.Value, &n)
	return n
}
