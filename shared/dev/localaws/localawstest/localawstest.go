// Package localawstest starts the local DynamoDB and SQS servers a test
// binary shares, from its TestMain, and stops them when the tests end.
package localawstest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/localaws"
)

// Servers say which servers to start and, once started, where they are.
type Servers struct {
	// DynamoDB and SQS ask for a server each.
	DynamoDB, SQS bool
	// DynamoDBEndpoint and SQSEndpoint are set by Main.
	DynamoDBEndpoint, SQSEndpoint string
	// Setup, if set, runs once the servers are up and before the tests,
	// e.g. to make the clients the tests share.
	Setup func(s *Servers)
}

// Main starts the servers s asks for, runs the tests, stops the servers
// and exits with the tests' code. Use it as a package's TestMain:
//
//	var local = &localawstest.Servers{DynamoDB: true}
//	func TestMain(m *testing.M) { localawstest.Main(m, local) }
func Main(m *testing.M, s *Servers) {
	os.Exit(run(m, s))
}

func run(m *testing.M, s *Servers) int {
	ctx := context.Background()
	if s.DynamoDB {
		srv, err := localaws.StartDynamoDB(ctx, localaws.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer srv.Stop()
		s.DynamoDBEndpoint = srv.Endpoint
	}
	if s.SQS {
		srv, err := localaws.StartSQS(ctx, localaws.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer srv.Stop()
		s.SQSEndpoint = srv.Endpoint
	}
	if s.Setup != nil {
		s.Setup(s)
	}
	return m.Run()
}
