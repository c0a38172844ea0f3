package dynamo

// This file holds the compliance sweep's store (casework.ComplianceStore):
// its state item, read and written by GetItem and a versioned PutItem, and
// the stream of the X ids the product keeps, read by a paginated Scan of
// the table's claim items (a page in memory at a time). The Scan is a
// maintenance read that only the compliance sweep's role is granted
// (infra/stack's SweepTableActions; its grant test reads this file apart):
// the ids live in claim items under many partitions, and a sparse index of
// them would cost a write on every message for a read made once a day.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

const (
	sweepPK = "COMPLIANCE#SWEEP"
	sweepSK = "STATE"
)

// sweepItem is the compliance sweep's state.
type sweepItem struct {
	PK              string `dynamodbav:"PK"`
	SK              string `dynamodbav:"SK"`
	StartedAt       string `dynamodbav:"started_at,omitempty"`
	CompletedAt     string `dynamodbav:"completed_at,omitempty"`
	LastCompletedAt string `dynamodbav:"last_completed_at,omitempty"`
	// Jobs is the jobs' progress as JSON (a few hundred bytes).
	Jobs    string `dynamodbav:"jobs"`
	Version int64  `dynamodbav:"version"`
}

// ComplianceSweep returns the compliance sweep's state. Calls: 1 GetItem.
func (s *Store) ComplianceSweep(ctx context.Context) (*casework.ComplianceSweep, error) {
	var it sweepItem
	found, err := s.getItem(ctx, sweepPK, sweepSK, &it)
	if err == nil && !found {
		err = notFound("No compliance sweep yet.")
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: compliance sweep: %w", err)
	}
	sw := &casework.ComplianceSweep{Version: it.Version}
	if err := json.Unmarshal([]byte(it.Jobs), &sw.Jobs); err != nil {
		return nil, fmt.Errorf("dynamo: compliance sweep: jobs: %w", err)
	}
	if err := parseTimes(it.StartedAt, &sw.StartedAt, it.CompletedAt, &sw.CompletedAt, it.LastCompletedAt, &sw.LastCompletedAt); err != nil {
		return nil, fmt.Errorf("dynamo: compliance sweep: %w", err)
	}
	return sw, nil
}

// PutComplianceSweep writes the sweep's state if still at its Version.
// Calls: 1 PutItem.
func (s *Store) PutComplianceSweep(ctx context.Context, sw *casework.ComplianceSweep) error {
	jobs, err := json.Marshal(sw.Jobs)
	if err != nil {
		return fmt.Errorf("dynamo: put compliance sweep: %w", err)
	}
	version := sw.Version + 1
	it := sweepItem{PK: sweepPK, SK: sweepSK, StartedAt: fmtTime(sw.StartedAt), CompletedAt: fmtTime(sw.CompletedAt),
		LastCompletedAt: fmtTime(sw.LastCompletedAt), Jobs: string(jobs), Version: version}
	if _, err := s.putVersioned(ctx, it, sw.Version, "compliance sweep"); err != nil {
		return fmt.Errorf("dynamo: put compliance sweep: %w", err)
	}
	sw.Version = version
	return nil
}

// ComplianceIDs calls each with every id of typ the product keeps, each
// once: for tweets every Post's id (its message's claim, XMSG#tweet#id),
// for users every customer's X user id (its claim XUSER#id, SK CUST) and
// every former one no customer holds now (CXFORMER#id). Calls: 1 Scan per
// page (1 MB), plus 1 GetItem per former X user id.
func (s *Store) ComplianceIDs(ctx context.Context, typ string, each func(id string) error) error {
	switch typ {
	case casework.ComplianceTweets:
		return s.scanIDs(ctx, xMessageClaimPK(casework.KindTweet, ""), xMessageSK, each)
	case casework.ComplianceUsers:
		if err := s.scanIDs(ctx, xUserClaimPK(""), customerSK, each); err != nil {
			return err
		}
		prev := ""
		return s.scanIDs(ctx, formerXUserPK(""), "", func(id string) error {
			if id == prev {
				return nil // another customer's item of the same former id
			}
			prev = id
			var claim struct {
				PK string `dynamodbav:"PK"`
			}
			held, err := s.getItem(ctx, xUserClaimPK(id), customerSK, &claim)
			if err != nil || held {
				return err // uploaded as some customer's current id already
			}
			return each(id)
		})
	}
	return fmt.Errorf("dynamo: compliance ids: unknown type %q", typ)
}

// scanIDs scans the items whose PK starts with prefix (and whose SK is sk,
// when not ""), calling each with the rest of the PK, a page at a time.
func (s *Store) scanIDs(ctx context.Context, prefix, sk string, each func(id string) error) error {
	in := &dynamodb.ScanInput{
		TableName:                 s.table,
		FilterExpression:          aws.String("begins_with(#PK, :prefix)"),
		ExpressionAttributeNames:  names(table.PK),
		ExpressionAttributeValues: map[string]types.AttributeValue{":prefix": str(prefix)},
		ProjectionExpression:      aws.String("#PK"),
	}
	if sk != "" {
		in.FilterExpression = aws.String("begins_with(#PK, :prefix) AND #SK = :sk")
		in.ExpressionAttributeNames = names(table.PK, table.SK)
		in.ExpressionAttributeValues[":sk"] = str(sk)
	}
	if s.scanLimit > 0 {
		in.Limit = aws.Int32(s.scanLimit)
	}
	for {
		out, err := s.client.Scan(ctx, in)
		if err != nil {
			return fmt.Errorf("dynamo: compliance ids %s: %w", prefix, err)
		}
		for _, item := range out.Items {
			pk := strAttr(item, table.PK)
			if len(pk) <= len(prefix) {
				continue
			}
			if err := each(pk[len(prefix):]); err != nil {
				return err
			}
		}
		if out.LastEvaluatedKey == nil {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
