package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

// followItem is the follow state of one customer and one brand handle.
// Each direction keeps the time of the event that set it, in unix
// nanoseconds, so a conditional write can refuse an older event.
type followItem struct {
	PK                string `dynamodbav:"PK"`
	SK                string `dynamodbav:"SK"`
	CustomerID        string `dynamodbav:"customer_id"`
	HandleID          string `dynamodbav:"handle_id"`
	CustomerFollows   bool   `dynamodbav:"customer_follows"`
	CustomerFollowsAt int64  `dynamodbav:"customer_follows_at,omitempty"`
	BrandFollows      bool   `dynamodbav:"brand_follows"`
	BrandFollowsAt    int64  `dynamodbav:"brand_follows_at,omitempty"`
	Pending           string `dynamodbav:"pending,omitempty"`
	// Who last asked for a follow or unfollow, what, and when.
	RequestedBy     *agentItem `dynamodbav:"requested_by,omitempty"`
	RequestedAction string     `dynamodbav:"requested_action,omitempty"`
	RequestedAt     int64      `dynamodbav:"requested_at,omitempty"`
	// CustomerDMAt: the customer's latest DM to the brand handle.
	CustomerDMAt int64 `dynamodbav:"customer_dm_at,omitempty"`
	// X's answer on reaching the customer by DM (casework.DMReach), and
	// when (0: never asked).
	ReachAt         int64 `dynamodbav:"reach_at,omitempty"`
	ReachReceivesDM bool  `dynamodbav:"reach_receives_dm,omitempty"`
	ReachChatKeys   bool  `dynamodbav:"reach_chat_keys,omitempty"`
}

func followSK(handleID string) string { return "FOLLOW#" + handleID }

func unixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func (it *followItem) state() casework.FollowState {
	f := casework.FollowState{
		CustomerID: it.CustomerID, HandleID: it.HandleID,
		BrandFollowsCustomer: it.BrandFollows, CustomerFollowsBrand: it.CustomerFollows,
		Pending:        casework.FollowAction(it.Pending),
		BrandFollowsAt: unixNanos(it.BrandFollowsAt), CustomerFollowsAt: unixNanos(it.CustomerFollowsAt),
		RequestedBy: it.RequestedBy.agent(), RequestedAction: casework.FollowAction(it.RequestedAction),
		RequestedAt:  unixNanos(it.RequestedAt),
		CustomerDMAt: unixNanos(it.CustomerDMAt),
	}
	if it.ReachAt != 0 {
		f.Reach = &casework.DMReach{ReceivesDM: it.ReachReceivesDM, ChatKeys: it.ReachChatKeys, CheckedAt: unixNanos(it.ReachAt)}
	}
	return f
}

// FollowsOf returns the follow state of a customer with every brand handle
// there is a record for, by handle id. Calls: 1 Query.
func (s *Store) FollowsOf(ctx context.Context, customerID string) ([]casework.FollowState, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("#PK = :pk AND begins_with(#SK, :follow)"),
		ExpressionAttributeNames:  names(table.PK, table.SK),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(customerPK(customerID)), ":follow": str(followSK(""))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: follows of customer %s: %w", customerID, err)
	}
	out := make([]casework.FollowState, 0, len(items))
	for _, av := range items {
		var it followItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, fmt.Errorf("dynamo: follows of customer %s: %w", customerID, err)
		}
		out = append(out, it.state())
	}
	return out, nil
}

// Follow returns the follow state of one pair; with no record, the zero
// state (nobody follows anybody). Calls: 1 GetItem.
func (s *Store) Follow(ctx context.Context, customerID, handleID string) (casework.FollowState, error) {
	var it followItem
	ok, err := s.getItem(ctx, customerPK(customerID), followSK(handleID), &it)
	if err != nil {
		return casework.FollowState{}, fmt.Errorf("dynamo: follow of customer %s and brand handle %s: %w", customerID, handleID, err)
	}
	if !ok {
		return casework.FollowState{CustomerID: customerID, HandleID: handleID}, nil
	}
	return it.state(), nil
}

// SetCustomerFollowsBrand records a follow or unfollow by the customer at
// at, unless an event as new or newer is already recorded; it reports
// whether it changed the record. Calls: 1 UpdateItem.
func (s *Store) SetCustomerFollowsBrand(ctx context.Context, customerID, handleID string, follows bool, at time.Time) (bool, error) {
	return s.setFollows(ctx, "customer_follows", "", customerID, handleID, follows, at)
}

// SetBrandFollowsCustomer records a follow or unfollow by the brand handle
// at at, unless an event as new or newer is already recorded, and clears
// the pending action; it reports whether it changed the record.
// Calls: 1 UpdateItem.
func (s *Store) SetBrandFollowsCustomer(ctx context.Context, customerID, handleID string, follows bool, at time.Time) (bool, error) {
	return s.setFollows(ctx, "brand_follows", " REMOVE #pending", customerID, handleID, follows, at)
}

// SetCustomerWroteByDM records the time of the customer's DM to the brand
// handle unless a later one is recorded. Calls: 1 UpdateItem.
func (s *Store) SetCustomerWroteByDM(ctx context.Context, customerID, handleID string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("dynamo: set customer_dm_at of customer %s and brand handle %s: %w", customerID, handleID, invalid("at", "A DM needs its time."))
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      itemKey(customerPK(customerID), followSK(handleID)),
		UpdateExpression:         aws.String("SET #customer_id = :c, #handle_id = :h, #customer_dm_at = :at"),
		ConditionExpression:      aws.String("attribute_not_exists(#customer_dm_at) OR #customer_dm_at < :at"),
		ExpressionAttributeNames: names("customer_id", "handle_id", "customer_dm_at"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": str(customerID), ":h": str(handleID), ":at": num(at.UnixNano()),
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dynamo: set customer_dm_at of customer %s and brand handle %s: %w", customerID, handleID, err)
	}
	return nil
}

// SetDMReach records X's answer on reaching the customer by DM as the
// brand handle unless a later one is recorded. Calls: 1 UpdateItem.
func (s *Store) SetDMReach(ctx context.Context, customerID, handleID string, r casework.DMReach) error {
	what := fmt.Sprintf("dynamo: set dm reach of customer %s and brand handle %s", customerID, handleID)
	if r.CheckedAt.IsZero() {
		return fmt.Errorf("%s: %w", what, invalid("checked_at", "X's answer needs its time."))
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      itemKey(customerPK(customerID), followSK(handleID)),
		UpdateExpression:         aws.String("SET #customer_id = :c, #handle_id = :h, #reach_at = :at, #reach_receives_dm = :dm, #reach_chat_keys = :keys"),
		ConditionExpression:      aws.String("attribute_not_exists(#reach_at) OR #reach_at < :at"),
		ExpressionAttributeNames: names("customer_id", "handle_id", "reach_at", "reach_receives_dm", "reach_chat_keys"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": str(customerID), ":h": str(handleID), ":at": num(r.CheckedAt.UnixNano()),
			":dm": &types.AttributeValueMemberBOOL{Value: r.ReceivesDM}, ":keys": &types.AttributeValueMemberBOOL{Value: r.ChatKeys},
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// setFollows sets one direction (attr and attr_at) if at is newer than the
// event recorded there; a lost condition is no change, not an error.
func (s *Store) setFollows(ctx context.Context, attr, extra, customerID, handleID string, follows bool, at time.Time) (bool, error) {
	what := fmt.Sprintf("dynamo: set %s of customer %s and brand handle %s", attr, customerID, handleID)
	if at.IsZero() {
		return false, fmt.Errorf("%s: %w", what, invalid("at", "A follow event needs its time."))
	}
	exprNames := names("customer_id", "handle_id")
	exprNames["#f"], exprNames["#at"] = attr, attr+"_at"
	if extra != "" {
		exprNames["#pending"] = "pending"
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      itemKey(customerPK(customerID), followSK(handleID)),
		UpdateExpression:         aws.String("SET #customer_id = :c, #handle_id = :h, #f = :f, #at = :at" + extra),
		ConditionExpression:      aws.String("attribute_not_exists(#at) OR #at < :at"),
		ExpressionAttributeNames: exprNames,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": str(customerID), ":h": str(handleID), ":f": boolean(follows), ":at": num(at.UnixNano()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return true, nil
}

// SetFollowPending records a follow or unfollow asked of X by the agent
// by, and when (the store's clock); "" clears the pending action only.
// Calls: 1 UpdateItem.
func (s *Store) SetFollowPending(ctx context.Context, customerID, handleID string, action casework.FollowAction, by casework.Agent) error {
	what := fmt.Sprintf("dynamo: set pending follow of customer %s and brand handle %s", customerID, handleID)
	in := &dynamodb.UpdateItemInput{
		TableName: s.table,
		Key:       itemKey(customerPK(customerID), followSK(handleID)),
	}
	switch action {
	case "":
		// Clearing needs no record; don't create one for it.
		in.UpdateExpression = aws.String("REMOVE #pending")
		in.ConditionExpression = aws.String("attribute_exists(#PK)")
		in.ExpressionAttributeNames = names("pending", table.PK)
	case casework.ActionFollow, casework.ActionUnfollow:
		var err error
		if in, err = s.followPendingUpdate(customerID, handleID, action, by); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	default:
		return fmt.Errorf("%s: %w", what, invalid("action", "A follow action is follow or unfollow."))
	}
	_, err := s.client.UpdateItem(ctx, in)
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CustomerFollows reads a customer and its follow states in one Query of
// the customer's partition, which holds the customer item (SK CUST) and
// its follow states (SK FOLLOW#<handle id>) only. Calls: 1 Query.
func (s *Store) CustomerFollows(ctx context.Context, customerID string) (*casework.Customer, []casework.FollowState, error) {
	what := "dynamo: customer " + customerID + " and its follows"
	items, err := s.queryAll(ctx, s.partitionQuery(customerPK(customerID)))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	var c *casework.Customer
	follows := make([]casework.FollowState, 0, len(items))
	for _, av := range items {
		sk, _ := av[table.SK].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == customerSK:
			if c, err = decodeCustomer(av); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", what, err)
			}
		case strings.HasPrefix(sk.Value, followSK("")):
			var it followItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", what, err)
			}
			follows = append(follows, it.state())
		}
	}
	if c == nil {
		return nil, nil, fmt.Errorf("%s: %w", what, notFound("No customer has the id %s.", customerID))
	}
	return c, follows, nil
}

// followPendingUpdate is the UpdateItem that records a pending follow or
// unfollow asked by the agent by, now (the store's clock).
func (s *Store) followPendingUpdate(customerID, handleID string, action casework.FollowAction, by casework.Agent) (*dynamodb.UpdateItemInput, error) {
	byAV, err := attributevalue.Marshal(agentItem{Sub: by.ID, Email: by.Email})
	if err != nil {
		return nil, err
	}
	return &dynamodb.UpdateItemInput{
		TableName: s.table,
		Key:       itemKey(customerPK(customerID), followSK(handleID)),
		UpdateExpression: aws.String("SET #customer_id = :c, #handle_id = :h, #pending = :p, " +
			"#requested_action = :p, #requested_at = :at, #requested_by = :by"),
		ExpressionAttributeNames: names("customer_id", "handle_id", "pending", "requested_action", "requested_at", "requested_by"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": str(customerID), ":h": str(handleID), ":p": str(string(action)),
			":at": num(s.now().UnixNano()), ":by": byAV,
		},
	}, nil
}
