package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
)

// ConnectState is a "Connect with X" under way: the OAuth 2.0 state, the
// PKCE verifier, the admin who started it and the handle it reconnects
// ("" for a new one). It is kept until it is used or expires.
type ConnectState struct {
	State     string    `dynamodbav:"-"`
	AgentID   string    `dynamodbav:"agent_id"`
	Verifier  string    `dynamodbav:"verifier"`
	HandleID  string    `dynamodbav:"handle_id,omitempty"`
	ExpiresAt time.Time `dynamodbav:"-"`
}

func connectKey(state string) map[string]types.AttributeValue {
	return itemKey("CONNECT#"+state, "STATE")
}

// PutConnectState keeps a connect state until its expiry. Calls: 1 PutItem.
func (s *Store) PutConnectState(ctx context.Context, st ConnectState) error {
	av, err := attributevalue.MarshalMap(st)
	if err != nil {
		return fmt.Errorf("dynamo: put connect state: %w", err)
	}
	for k, v := range connectKey(st.State) {
		av[k] = v
	}
	av["until_ms"] = num(st.ExpiresAt.UnixMilli())
	av["expires_at"] = num(st.ExpiresAt.Add(time.Hour).Unix())
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: av}); err != nil {
		return fmt.Errorf("dynamo: put connect state: %w", err)
	}
	return nil
}

// TakeConnectState returns the state and removes it, so it is used once;
// an unknown or used state is ENotFound. Calls: 1 DeleteItem.
func (s *Store) TakeConnectState(ctx context.Context, state string) (ConnectState, error) {
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: connectKey(state), ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		return ConnectState{}, fmt.Errorf("dynamo: take connect state: %w", err)
	}
	if len(out.Attributes) == 0 {
		return ConnectState{}, casework.Errorf(casework.ENotFound, "This Connect with X is unknown or was used already; start again.")
	}
	var st ConnectState
	if err := attributevalue.UnmarshalMap(out.Attributes, &st); err != nil {
		return ConnectState{}, fmt.Errorf("dynamo: connect state: %w", err)
	}
	st.State = state
	if n, ok := out.Attributes["until_ms"].(*types.AttributeValueMemberN); ok {
		var ms int64
		fmt.Sscan(n.Value, &ms)
		st.ExpiresAt = time.UnixMilli(ms)
	}
	return st, nil
}
