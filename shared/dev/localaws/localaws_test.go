package localaws

import (
	"context"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

func TestDynamoDBTableFromDefinition(t *testing.T) {
	ctx := context.Background()
	srv, err := StartDynamoDB(ctx, Options{DataDir: t.TempDir(), LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	client := DynamoDBClient(srv.Endpoint)
	for range 2 { // the second call finds the table and leaves it alone
		if err := EnsureTable(ctx, client, "cases-test", table.Definition); err != nil {
			t.Fatal(err)
		}
	}
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("cases-test")})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(out.Table.GlobalSecondaryIndexes); got != len(table.Definition.Indexes) {
		t.Errorf("table has %d indexes, definition %d", got, len(table.Definition.Indexes))
	}
	if got := aws.ToString(out.Table.KeySchema[0].AttributeName); got != table.PK {
		t.Errorf("partition key = %s, want %s", got, table.PK)
	}
}

func TestSQSQueuesFromDefinition(t *testing.T) {
	ctx := context.Background()
	srv, err := StartSQS(ctx, Options{LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	client := SQSClient(srv.Endpoint)
	var urls QueueURLs
	for range 2 {
		if urls, err = EnsureQueues(ctx, client, "test-", queues.Definitions); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range queues.Definitions {
		if urls[q.Name] == "" || urls[q.DLQName()] == "" {
			t.Fatalf("no URL for %s or its DLQ: %v", q.Name, urls)
		}
	}
	// FIFO deduplication works as the outbound queue relies on it.
	url := urls[queues.Outbound.Name]
	for range 2 {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"),
			MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("same")})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Errorf("received %d messages after a duplicate send, want 1", len(got.Messages))
	}
}

func TestStopEndsTheProcess(t *testing.T) {
	srv, err := StartDynamoDB(context.Background(), Options{LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pid := srv.cmd.Process.Pid
	srv.Stop()
	select {
	case <-srv.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server still running after Stop")
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d still exists", pid)
	}
	srv.Stop() // a second Stop does nothing
}

func TestMissingInstallIsAClearError(t *testing.T) {
	_, err := StartDynamoDB(context.Background(), Options{ModuleRoot: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("err = %v, want a hint to run npm ci", err)
	}
}

// TestServersListenOnLoopbackOnly: fauxqs and dynalite take unsigned calls,
// so nothing but this machine may reach them: their port answers on
// 127.0.0.1 and refuses on every other address of the machine.
func TestServersListenOnLoopbackOnly(t *testing.T) {
	var others []net.IP
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			others = append(others, n.IP)
		}
	}
	if len(others) == 0 {
		t.Skip("this machine has no IPv4 address but loopback to try")
	}
	ctx := context.Background()
	for _, start := range []func(context.Context, Options) (*Server, error){StartSQS, StartDynamoDB} {
		srv, err := start(ctx, Options{LogDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		port := strings.TrimPrefix(srv.Endpoint, "http://127.0.0.1:")
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 2*time.Second); err != nil {
			t.Errorf("%s: loopback: %v", srv.Name, err)
		} else {
			c.Close()
		}
		for _, ip := range others {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), port), 2*time.Second); err == nil {
				c.Close()
				t.Errorf("%s answers on %s:%s, not only on loopback", srv.Name, ip, port)
			}
		}
	}
}
