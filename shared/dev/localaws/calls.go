package localaws

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
)

// CallLog records the DynamoDB operations a client sends, in order, once
// per operation however often the SDK retries it. It is safe for
// concurrent use.
type CallLog struct {
	mu  sync.Mutex
	ops []string
}

// Take returns the operation names ("GetItem", "Query", …) recorded since
// the last Take.
func (l *CallLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := l.ops
	l.ops = nil
	return ops
}

func (l *CallLog) add(op string) {
	l.mu.Lock()
	l.ops = append(l.ops, op)
	l.mu.Unlock()
}

// CountingDynamoDBClient is DynamoDBClient(endpoint) recording every
// operation it sends in l, at the client (an Initialize middleware), as
// the call-count tests and the bench count DynamoDB calls.
func CountingDynamoDBClient(endpoint string, l *CallLog) *dynamodb.Client {
	count := middleware.InitializeMiddlewareFunc("countCalls", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		l.add(awsmiddleware.GetOperationName(ctx))
		return next.HandleInitialize(ctx, in)
	})
	return DynamoDBClient(endpoint, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(count, middleware.Before)
		})
	})
}
