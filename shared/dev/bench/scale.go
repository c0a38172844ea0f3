package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dynamo"
)

// ScaleResult is one read's latency on a large data set against a small one.
type ScaleResult struct {
	// Small and Large are the data sets' sizes (messages or customers).
	Small, Large int
	// Ratio is the large one's p50 over the small one's, per block.
	Ratio Spread
	// SmallP50 and LargeP50 are in ms over every pair.
	SmallP50, LargeP50 float64
}

// fill runs put(i) for i in [0, n) on a few goroutines (the local DynamoDB
// is one process: more would only queue), stopping at the first error.
func fill(ctx context.Context, n int, put func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := put(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first == context.Canceled {
		first = nil
	}
	return first
}

// caseWith writes a case of the sample customer alice with n messages
// from her, oldest first, and returns its id.
func caseWith(ctx context.Context, store *dynamo.Store, n int, seq int64) (string, error) {
	alice, brand := sample.Customers[0], sample.Brands[0]
	start := time.Now().UTC().Add(-time.Duration(n+1) * time.Second)
	c := &casework.Case{ID: casework.NewID(start), CustomerID: alice.ID, HandleID: brand.HandleID, Channel: casework.ChannelTweet,
		Status: casework.CaseOpen, CreatedAt: start, UpdatedAt: start, LastActivityAt: start}
	if err := store.PutCase(ctx, c); err != nil {
		return "", err
	}
	err := fill(ctx, n, func(ctx context.Context, i int) error {
		at := start.Add(time.Duration(i+1) * time.Second)
		m := &casework.Message{ID: casework.NewID(at), CaseID: c.ID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
			Status: casework.StatusReceived, XID: strconv.FormatInt(seq+int64(i), 10), CreatedAt: at,
			Text:   "@" + brand.ScreenName + " still waiting on order B-" + strconv.Itoa(i),
			Author: casework.Author{CustomerID: alice.ID, ScreenName: alice.Handle}}
		return store.PutMessage(ctx, m)
	})
	return c.ID, err
}

// measureCaseScale writes a case with small messages and one with large,
// then times GET /v1/cases/{id}?limit=<small> (the case and its first
// page of messages) of each, interleaved. Both answers hold the same
// number of messages, so the ratio is what the case's length costs: with
// the default page (50) the large case's answer held five times the
// messages of the small one's, and most of the difference was that.
func measureCaseScale(ctx context.Context, l *local, small, large, pairs, blocks int, progress func(string)) (ScaleResult, error) {
	store, err := l.newStore(ctx, "bench-scale-cases", true)
	if err != nil {
		return ScaleResult{}, err
	}
	smallID, err := caseWith(ctx, store, small, 1_950_000_000_000_000_000)
	if err != nil {
		return ScaleResult{}, err
	}
	start := time.Now()
	largeID, err := caseWith(ctx, store, large, 1_960_000_000_000_000_000)
	if err != nil {
		return ScaleResult{}, err
	}
	progress(fmt.Sprintf("scale: %d messages written in %.0f s", small+large, time.Since(start).Seconds()))
	api, err := l.routes(store)
	if err != nil {
		return ScaleResult{}, err
	}
	get := func(id string) func() (float64, error) {
		return func() (float64, error) {
			t := time.Now()
			_, err := call(api, http.MethodGet, "/v1/cases/"+id+"?limit="+strconv.Itoa(small), nil, http.StatusOK)
			return since(t), err
		}
	}
	a, b, err := interleave(pairs, get(largeID), get(smallID))
	if err != nil {
		return ScaleResult{}, err
	}
	l.calls.Take()
	return ScaleResult{Small: small, Large: large, Ratio: spreadOf(blockRatios(a, b, blocks)), SmallP50: median(b), LargeP50: median(a)}, nil
}

// searchTarget is the name the search looks for: searchMatches customers
// bear it in every data set, among customers of other names.
const (
	searchTarget  = "Zoltan"
	searchMatches = 5
)

var firstNames = []string{"Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kira", "Luca",
	"Maya", "Nils", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wen", "Xavi", "Yara", "Zoe"}
var lastNames = []string{"Abbott", "Baker", "Cruz", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
	"Khan", "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Ueda", "Varga",
	"Weber", "Xu", "Young", "Zhang"}

// customers writes n customers into the table tableName, as the store
// writes them but in bulk (fillBulk), searchMatches of them named
// searchTarget, the others from a few hundred common name pairs, each with
// an e-mail of its own.
func customers(ctx context.Context, l *local, tableName string, n int) error {
	now := time.Now().UTC()
	return fillBulk(ctx, l.ddbClient, tableName, n, func(ctx context.Context, store *dynamo.Store, i int) error {
		name := firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)]
		if i%(n/searchMatches) == 0 && i/(n/searchMatches) < searchMatches {
			name = searchTarget + " " + lastNames[i%len(lastNames)]
		}
		c := &casework.Customer{ID: casework.NewID(now), Name: name, Emails: []string{"customer" + strconv.Itoa(i) + "@example.com"},
			CreatedAt: now, UpdatedAt: now}
		return store.PutCustomer(ctx, c)
	})
}

// measureSearchScale writes small customers into one table and large into
// another, then times the console's customer search by a name prefix that
// finds the same searchMatches customers in each, interleaved.
func measureSearchScale(ctx context.Context, l *local, small, large, pairs, blocks int, progress func(string)) (ScaleResult, error) {
	const smallTable, largeTable = "bench-scale-search-small", "bench-scale-search-large"
	smallStore, err := l.newStore(ctx, smallTable, false)
	if err != nil {
		return ScaleResult{}, err
	}
	largeStore, err := l.newStore(ctx, largeTable, false)
	if err != nil {
		return ScaleResult{}, err
	}
	start := time.Now()
	if err := customers(ctx, l, smallTable, small); err != nil {
		return ScaleResult{}, err
	}
	if err := customers(ctx, l, largeTable, large); err != nil {
		return ScaleResult{}, err
	}
	progress(fmt.Sprintf("scale: %d customers written in %.0f s", small+large, time.Since(start).Seconds()))
	l.calls.Take()
	search := func(api http.Handler) func() (float64, error) {
		return func() (float64, error) {
			t := time.Now()
			body, err := call(api, http.MethodGet, "/v1/customers?q="+searchTarget, nil, http.StatusOK)
			if err == nil && countItems(body) != searchMatches {
				err = fmt.Errorf("bench: the search for %s found %d customers, want %d", searchTarget, countItems(body), searchMatches)
			}
			return since(t), err
		}
	}
	largeAPI, err := l.routes(largeStore)
	if err != nil {
		return ScaleResult{}, err
	}
	smallAPI, err := l.routes(smallStore)
	if err != nil {
		return ScaleResult{}, err
	}
	a, b, err := interleave(pairs, search(largeAPI), search(smallAPI))
	if err != nil {
		return ScaleResult{}, err
	}
	l.calls.Take()
	return ScaleResult{Small: small, Large: large, Ratio: spreadOf(blockRatios(a, b, blocks)), SmallP50: median(b), LargeP50: median(a)}, nil
}
