package dynamo_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dynamo/deliveryput"
)

// A delivery too large for a queue message is kept in the table and read
// back whole: a long post (compressed into one item), and a body that does
// not compress, split over several items under DynamoDB's item limit. A
// pointer to a body that is not kept, or has expired, is ErrMissing.
func TestKeptDeliveries(t *testing.T) {
	f := newFixture(t)
	longPost := []byte(`{"data":{"event_type":"post.mention.create","payload":{"text":"` + strings.Repeat("a long story, ", 22_000) + `"}}}`)
	noise := make([]byte, 900_000)
	_, _ = rand.Read(noise)
	for _, tc := range []struct {
		name  string
		body  []byte
		parts int
	}{
		{"a 311 KB long post", longPost, 1},
		{"900 KB that do not compress", noise, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := claimcheck.Keep(f.ctx, f.store, tc.body, f.clock.Now())
			must(t, err)
			if len(msg) > 200 {
				t.Errorf("the pointer is %d bytes", len(msg))
			}
			p, ok := claimcheck.Read(msg)
			if !ok || p.Parts != tc.parts || p.Bytes != len(tc.body) {
				t.Fatalf("pointer %s = %+v, %v; want %d parts", msg, p, ok, tc.parts)
			}
			got, err := claimcheck.Fetch(f.ctx, f.store, p)
			must(t, err)
			if !bytes.Equal(got, tc.body) {
				t.Fatalf("read back %d bytes, kept %d", len(got), len(tc.body))
			}
		})
	}
	p, _ := claimcheck.Read([]byte(`{"` + claimcheck.PointerMember + `":{"id":"00ff","bytes":10,"parts":1}}`))
	if _, err := claimcheck.Fetch(f.ctx, f.store, p); !errors.Is(err, claimcheck.ErrMissing) {
		t.Errorf("a body never kept: %v, want ErrMissing", err)
	}
	msg, err := claimcheck.Keep(f.ctx, f.store, longPost, f.clock.Now())
	must(t, err)
	f.clock.Advance(claimcheck.Retention + time.Minute)
	p, _ = claimcheck.Read(msg)
	if _, err := claimcheck.Fetch(f.ctx, f.store, p); !errors.Is(err, claimcheck.ErrMissing) {
		t.Errorf("a body past its TTL: %v, want ErrMissing (the local DynamoDB keeps what TTL removes)", err)
	}
}

// The webhook keeps deliveries with deliveryput (signed PutItem calls,
// without the SDK's DynamoDB client): what it writes, the store reads,
// through the real local DynamoDB; a table that does not exist is an
// error, not retried.
func TestDeliveryPutWritesWhatTheStoreReads(t *testing.T) {
	f := newFixture(t)
	put := deliveryput.New(localaws.AWSConfig(), local.DynamoDBEndpoint, f.table)
	noise := make([]byte, 800_000)
	_, _ = rand.Read(noise)
	for _, body := range [][]byte{[]byte(`{"data":{"text":"` + strings.Repeat("a long story 🙂 ", 20_000) + `"}}`), noise} {
		msg, err := claimcheck.Keep(f.ctx, put, body, f.clock.Now())
		must(t, err)
		p, _ := claimcheck.Read(msg)
		got, err := claimcheck.Fetch(f.ctx, f.store, p)
		must(t, err)
		if !bytes.Equal(got, body) {
			t.Fatalf("read back %d bytes, kept %d in %d parts", len(got), len(body), p.Parts)
		}
	}
	missing := deliveryput.New(localaws.AWSConfig(), local.DynamoDBEndpoint, "no-such-table")
	if _, err := claimcheck.Keep(f.ctx, missing, []byte("x"), f.clock.Now()); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("keeping into a missing table: %v, want DynamoDB's ResourceNotFoundException", err)
	}
}
