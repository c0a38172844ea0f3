package casework_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// crashingStore is a store that stops at its n-th write (counting from 1):
// that write fails without happening, as if the worker's instance died
// just before it. Before each write it runs before (when set).
type crashingStore struct {
	casework.Store
	mu     sync.Mutex
	writes int
	n      int
	before func(op string)
}

var errCrash = errors.New("the worker stopped here")

func (s *crashingStore) write(op string) error {
	s.mu.Lock()
	s.writes++
	crash := s.writes == s.n
	before := s.before
	s.mu.Unlock()
	if before != nil {
		before(op)
	}
	if crash {
		return fmt.Errorf("%s: %w", op, errCrash)
	}
	return nil
}

func (s *crashingStore) PutCustomer(ctx context.Context, c *casework.Customer) error {
	if err := s.write("PutCustomer"); err != nil {
		return err
	}
	return s.Store.PutCustomer(ctx, c)
}

func (s *crashingStore) PutCase(ctx context.Context, c *casework.Case) error {
	if err := s.write("PutCase"); err != nil {
		return err
	}
	return s.Store.PutCase(ctx, c)
}

func (s *crashingStore) PutMessage(ctx context.Context, m *casework.Message) error {
	if err := s.write("PutMessage"); err != nil {
		return err
	}
	return s.Store.PutMessage(ctx, m)
}

func (s *crashingStore) SetDMCase(ctx context.Context, customerID, handleID, caseID, prevCaseID string) error {
	if err := s.write("SetDMCase"); err != nil {
		return err
	}
	return s.Store.SetDMCase(ctx, customerID, handleID, caseID, prevCaseID)
}

func (s *crashingStore) SetCustomerWroteByDM(ctx context.Context, customerID, handleID string, at time.Time) error {
	if err := s.write("SetCustomerWroteByDM"); err != nil {
		return err
	}
	return s.Store.SetCustomerWroteByDM(ctx, customerID, handleID, at)
}

func (s *crashingStore) MarkEventProcessed(ctx context.Context, id string, expiresAt time.Time) (casework.EventMark, error) {
	if err := s.write("MarkEventProcessed"); err != nil {
		return casework.EventMark{}, err
	}
	return s.Store.MarkEventProcessed(ctx, id, expiresAt)
}

func (s *crashingStore) MarkEventDeleted(ctx context.Context, id string, expiresAt time.Time) (casework.EventMark, error) {
	if err := s.write("MarkEventDeleted"); err != nil {
		return casework.EventMark{}, err
	}
	return s.Store.MarkEventDeleted(ctx, id, expiresAt)
}

// crashEnv is env with the inbound rules writing through a crashingStore.
func crashEnv(t *testing.T, n int) (*env, *crashingStore) {
	e := newEnv(t)
	cs := &crashingStore{Store: e.store, n: n}
	e.in = casework.NewInbound(cs, nil, slog.New(slog.DiscardHandler))
	return e, cs
}

// TestCrashBetweenWritesConverges: an event applied by a worker that stops
// before any one of its writes, then delivered again (as SQS does), ends
// exactly as if nothing had happened: one customer, one case that shows
// the message on its summary, the message once; a third delivery changes
// nothing. Every write of each path is tried as the crash point.
func TestCrashBetweenWritesConverges(t *testing.T) {
	bob := xUser{"2000000000000000031", "bob_stranger"}
	tweet := xTweet{id: "8501", text: "@AcmeSupport my parcel is lost", author: bob, mentions: []xUser{acmeSupport}, at: ts(1)}
	tests := []struct {
		name     string
		setup    []map[string]any // applied before, without crashes
		payload  map[string]any
		xid      string
		kind     casework.MessageKind
		wantCase int // cases bob has in the end
	}{
		{"mention from a new user", nil, tweet.payload(brandX), "8501", casework.KindTweet, 1},
		{"mention from a known customer", []map[string]any{tweet.payload(brandX)},
			xTweet{id: "8502", text: "@AcmeSupport still lost", author: bob, mentions: []xUser{acmeSupport}, at: ts(2)}.payload(brandX),
			"8502", casework.KindTweet, 2},
		{"reply joining the customer's case", []map[string]any{tweet.payload(brandX)},
			xTweet{id: "8503", text: "@AcmeSupport any news?", author: bob, mentions: []xUser{acmeSupport}, inReplyTo: "8501", at: ts(3)}.payload(brandX),
			"8503", casework.KindTweet, 1},
		{"DM from a new user", nil, directMessage(brandX, "8504", bob, acmeSupport, "my parcel is lost", ts(4)), "8504", casework.KindDM, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for n := 1; ; n++ {
				e, cs := crashEnv(t, 0)
				for _, p := range tt.setup {
					e.mustDeliver(p)
				}
				cs.mu.Lock()
				cs.writes, cs.n = 0, n
				cs.mu.Unlock()
				crashed := e.deliver(tt.payload) != 0
				if !crashed {
					if n == 1 {
						t.Fatal("the event made no write")
					}
					t.Logf("%d writes, each tried as the crash point", n-1)
					return
				}
				e.mustDeliver(tt.payload)
				e.mustDeliver(tt.payload)
				ctx := context.Background()
				cust := e.customer(bob.id)
				m, err := e.store.MessageByXID(ctx, tt.kind, tt.xid)
				if err != nil {
					t.Fatalf("crash before write %d: the message: %v", n, err)
				}
				cases := e.cases(cust.ID)
				if len(cases) != tt.wantCase {
					t.Errorf("crash before write %d: %d cases, want %d", n, len(cases), tt.wantCase)
				}
				c, err := e.store.GetCase(ctx, m.CaseID)
				if err != nil {
					t.Fatalf("crash before write %d: the message's case: %v", n, err)
				}
				if lm := c.Summary.LastMessage; lm == nil || lm.ID != m.ID || c.Summary.CustomerHandle != bob.name ||
					c.Account == nil || c.Account.XUserID != bob.id || !c.LastActivityAt.Equal(m.CreatedAt) {
					t.Errorf("crash before write %d: the case was not told of the message: %+v", n, c)
				}
				if got := e.messages(c.ID); len(got) != map[bool]int{true: 2, false: 1}[tt.name == "reply joining the customer's case"] {
					t.Errorf("crash before write %d: the case has %d messages", n, len(got))
				}
			}
		})
	}
}

// TestDeletionBetweenTweetAndItsMark: a deletion recorded after a Tweet's
// recall and before its message is written finds no message; the Tweet's
// final mark says so and its text is removed. If that removal fails, the
// redelivery removes it.
func TestDeletionBetweenTweetAndItsMark(t *testing.T) {
	for _, failRemoval := range []bool{false, true} {
		t.Run(fmt.Sprint("removal fails: ", failRemoval), func(t *testing.T) {
			e, cs := crashEnv(t, 0)
			del := tweetDeletion("8601", aliceX, ts(2))
			cs.before = func(op string) {
				if op != "PutMessage" {
					return
				}
				cs.before = nil
				e.mustDeliver(del)
				if failRemoval {
					// Stop at the removal's last write, the case's summary:
					// this PutMessage, PutCase, MarkEventProcessed, the
					// message's removal, then the summary's.
					cs.mu.Lock()
					cs.n = cs.writes + 4
					cs.mu.Unlock()
				}
			}
			p := xTweet{id: "8601", text: "@AcmeSupport my card is 4111 1111 1111 1111", author: alice, mentions: []xUser{acmeSupport}, at: ts(1)}.payload(brandX)
			failed := e.deliver(p)
			if failed != map[bool]int{false: 0, true: 1}[failRemoval] {
				t.Fatalf("%d failed", failed)
			}
			if failRemoval {
				e.mustDeliver(p)
			}
			m, err := e.store.MessageByXID(context.Background(), casework.KindTweet, "8601")
			if err != nil {
				t.Fatal(err)
			}
			if !m.Deleted || m.Text != "" {
				t.Errorf("the deleted Tweet's message is %+v", m)
			}
			c, err := e.store.GetCase(context.Background(), m.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			if lm := c.Summary.LastMessage; lm == nil || lm.FirstLine != "" {
				t.Errorf("the case's summary shows the deleted text: %+v", lm)
			}
		})
	}
}
