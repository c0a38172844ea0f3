package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/table"
)

// InboundResult is one worker instance's throughput against raw writes.
type InboundResult struct {
	// Ratio is events/s over PutItem/s, per round.
	Ratio Spread
	// EventsPerSec and PutsPerSec are the medians over the rounds.
	EventsPerSec, PutsPerSec float64
	// CallsPerEvent and WritesPerEvent are DynamoDB operations per event,
	// over every measured round.
	CallsPerEvent, WritesPerEvent float64
	// Ops are every measured round's DynamoDB operations, for the
	// breakdown per event.
	Ops    []string
	Events int
	// ColdOps are the DynamoDB operations of the first batch of a fresh
	// instance, its brand-handle cache empty (not recorded in the rest).
	ColdOps []string
}

// inboundBatch is what Lambda hands the inbound worker at most (package functions).
const inboundBatch = 10

// measureInbound runs batches of ten mentions, each from a user no store
// knows (a new customer and a new case each), through the inbound
// worker's handler, one batch at a time as one instance takes them;
// interleaved round by round with puts sequential conditional PutItems of
// new items (attribute_not_exists) on the same table of the same local
// DynamoDB, the most one caller gets out of it. The first warmRounds
// are not recorded: they warm both (a local DynamoDB's JavaScript engine
// compiles its hot paths over the first few thousand calls; measured on
// dynalite, raw PutItem/s rose from about 950 over the first 40 rounds to
// about 1,300 after 100), so the ratio is the steady state of a busy
// instance, as the issue's own anchor (1,454 PutItem/s) was.
// inboundWarmRounds is how many rounds measureInbound runs before it
// records any (fewer when the plan has fewer rounds than this).
const inboundWarmRounds = 50

func measureInbound(ctx context.Context, l *local, rounds, puts int) (InboundResult, error) {
	store, err := l.newStore(ctx, "bench-inbound", true)
	if err != nil {
		return InboundResult{}, err
	}
	worker := l.inboundWorker(store)
	brand := sample.Brands[0]
	var seq int64 = 1000
	batch := func() (float64, []string, error) {
		bodies := make([][]byte, inboundBatch)
		for i := range bodies {
			seq++
			bodies[i] = mention(seq, newUser(seq), brand, time.Now())
		}
		ev := sqsBatch(seq, bodies, time.Now())
		l.calls.Take()
		start := time.Now()
		resp, err := worker.Handle(ctx, ev)
		d := since(start)
		ops := l.calls.Take()
		if err != nil || len(resp.BatchItemFailures) > 0 {
			return 0, nil, fmt.Errorf("bench: the inbound worker failed %d of %d events: %v", len(resp.BatchItemFailures), inboundBatch, err)
		}
		return d, ops, nil
	}
	var putSeq int
	putItems := func() (float64, error) {
		start := time.Now()
		for range puts {
			putSeq++
			_, err := l.ddbClient.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String("bench-inbound"),
				Item: map[string]types.AttributeValue{
					table.PK: &types.AttributeValueMemberS{Value: "BENCHPUT#" + strconv.Itoa(putSeq)},
					table.SK: &types.AttributeValueMemberS{Value: "ITEM"},
					"n":      &types.AttributeValueMemberN{Value: strconv.Itoa(putSeq)},
				},
				ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
				ExpressionAttributeNames: map[string]string{"#pk": table.PK},
			})
			if err != nil {
				return 0, fmt.Errorf("bench: raw PutItem: %w", err)
			}
		}
		d := since(start)
		l.calls.Take()
		return d, nil
	}

	var ratios, eventRates, putRates []float64
	var all, cold []string
	var events int
	warm := min(inboundWarmRounds, rounds)
	for r := 0; r < warm+rounds; r++ {
		var bd, pd float64
		var ops []string
		if r%2 == 0 {
			if bd, ops, err = batch(); err == nil {
				pd, err = putItems()
			}
		} else {
			if pd, err = putItems(); err == nil {
				bd, ops, err = batch()
			}
		}
		if err != nil {
			return InboundResult{}, err
		}
		if r == 0 {
			cold = ops
		}
		if r < warm {
			continue
		}
		er, pr := inboundBatch/(bd/1000), float64(puts)/(pd/1000)
		eventRates, putRates, ratios = append(eventRates, er), append(putRates, pr), append(ratios, er/pr)
		all, events = append(all, ops...), events+inboundBatch
	}
	return InboundResult{
		Ratio: spreadOf(ratios), EventsPerSec: median(eventRates), PutsPerSec: median(putRates),
		CallsPerEvent: float64(len(all)) / float64(events), WritesPerEvent: float64(writes(all)) / float64(events),
		Ops: all, Events: events, ColdOps: cold,
	}, nil
}
