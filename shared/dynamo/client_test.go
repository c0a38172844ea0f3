package dynamo_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dynamo"
)

// TestClientReusesConnectionsUnderLoad: twenty requests at once, three
// times over, open about twenty connections and reuse them (the SDK's
// default pool kept ten, and opened ten more for every later round).
func TestClientReusesConnectionsUnderLoad(t *testing.T) {
	var dials atomic.Int64
	hc := dynamo.NewHTTPClient().WithDialerOptions(func(d *net.Dialer) {
		d.Control = func(string, string, syscall.RawConn) error { dials.Add(1); return nil }
	})
	client := dynamodb.NewFromConfig(localaws.AWSConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint, o.HTTPClient = aws.String(local.DynamoDBEndpoint), hc
	})
	const inFlight = 20
	for range 3 {
		var wg sync.WaitGroup
		for range inFlight {
			wg.Go(func() {
				if _, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	// A connection may come back to the pool a moment after its answer
	// was read, so a later round may open a few more; the default pool
	// opened about ten more every round (about 40).
	if n := dials.Load(); n > inFlight*3/2 {
		t.Errorf("%d connections opened for three rounds of %d requests at a time", n, inFlight)
	}
}
