package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/table"
)

type caseItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	GSI1PK         string `dynamodbav:"GSI1PK"`
	GSI1SK         string `dynamodbav:"GSI1SK"`
	GSI2PK         string `dynamodbav:"GSI2PK"`
	GSI2SK         string `dynamodbav:"GSI2SK"`
	ID             string `dynamodbav:"id"`
	CustomerID     string `dynamodbav:"customer_id"`
	HandleID       string `dynamodbav:"handle_id"`
	Channel        string `dynamodbav:"channel"`
	Status         string `dynamodbav:"status"`
	Version        int64  `dynamodbav:"version"`
	CreatedAt      string `dynamodbav:"created_at,omitempty"`
	UpdatedAt      string `dynamodbav:"updated_at,omitempty"`
	LastActivityAt string `dynamodbav:"last_activity_at,omitempty"`
}

// dmCaseItem points the DMs between a customer and a brand handle at a case.
type dmCaseItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	CustomerID string `dynamodbav:"customer_id"`
	HandleID   string `dynamodbav:"handle_id"`
	CaseID     string `dynamodbav:"case_id"`
}

func casePK(id string) string { return "CASE#" + id }

const (
	caseSK   = "CASE"
	dmCaseSK = "DMCASE"
)

func casesByStatusPK(status support.CaseStatus) string { return "CASES#" + string(status) }

func dmCasePK(customerID, handleID string) string { return "DMCASE#" + customerID + "#" + handleID }

// activityKey is the index sort key of a case: its last activity time,
// fixed-width, then its id. The lists read it in descending order.
func activityKey(t time.Time, id string) string {
	return sortTime(t) + "#" + id
}

func toCaseItem(c *support.Case, version int64) caseItem {
	activity := activityKey(c.LastActivityAt, c.ID)
	return caseItem{
		PK: casePK(c.ID), SK: caseSK,
		GSI1PK: customerPK(c.CustomerID), GSI1SK: activity,
		GSI2PK: casesByStatusPK(c.Status), GSI2SK: activity,
		ID: c.ID, CustomerID: c.CustomerID, HandleID: c.HandleID, Channel: string(c.Channel),
		Status: string(c.Status), Version: version,
		CreatedAt: fmtTime(c.CreatedAt), UpdatedAt: fmtTime(c.UpdatedAt), LastActivityAt: fmtTime(c.LastActivityAt),
	}
}

func (it *caseItem) toCase() (*support.Case, error) {
	c := &support.Case{
		ID: it.ID, CustomerID: it.CustomerID, HandleID: it.HandleID, Channel: support.Channel(it.Channel),
		Status: support.CaseStatus(it.Status), Version: it.Version,
	}
	err := parseTimes(it.CreatedAt, &c.CreatedAt, it.UpdatedAt, &c.UpdatedAt, it.LastActivityAt, &c.LastActivityAt)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", it.ID, err)
	}
	return c, nil
}

func decodeCases(items []map[string]types.AttributeValue) ([]support.Case, error) {
	out := make([]support.Case, 0, len(items))
	for _, av := range items {
		var it caseItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, err
		}
		c, err := it.toCase()
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// PutCase creates or updates a case on its version condition; the case
// item also carries its keys in GSI1 (by customer) and GSI2 (by status).
// Calls: 1 PutItem.
func (s *Store) PutCase(ctx context.Context, c *support.Case) error {
	if c == nil || c.ID == "" {
		return fmt.Errorf("dynamo: put case: %w", invalid("id", "A case needs an id."))
	}
	version := c.Version + 1
	if _, err := s.putVersioned(ctx, toCaseItem(c, version), c.Version, "case"); err != nil {
		return fmt.Errorf("dynamo: put case %s: %w", c.ID, err)
	}
	c.Version = version
	return nil
}

func (s *Store) getCase(ctx context.Context, id string) (*support.Case, error) {
	var it caseItem
	ok, err := s.getItem(ctx, casePK(id), caseSK, &it)
	if err != nil || !ok {
		return nil, err
	}
	return it.toCase()
}

// GetCase reads a case. Calls: 1 GetItem.
func (s *Store) GetCase(ctx context.Context, id string) (*support.Case, error) {
	c, err := s.getCase(ctx, id)
	if err == nil && c == nil {
		err = notFound("No case has the id %s.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: get case %s: %w", id, err)
	}
	return c, nil
}

// casesPage reads one page of an index of cases, newest activity first.
func (s *Store) casesPage(ctx context.Context, index, pkAttr, skAttr, pk string, status support.CaseStatus, page support.PageRequest) (support.Page[support.Case], error) {
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(fmt.Sprintf("#%s = :pk", pkAttr)),
		ExpressionAttributeNames:  names(pkAttr),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(false), // newest activity first (a Query's key order, not a table scan)
	}
	q := pageQuery{
		in: in,
		cursor: cursorSpec{attrs: []string{table.PK, table.SK, pkAttr, skAttr}, valid: func(k map[string]string) bool {
			return k[pkAttr] == pk && k[table.SK] == caseSK && strings.HasPrefix(k[table.PK], casePK(""))
		}},
	}
	if status != "" {
		// Limit counts the items evaluated before the filter: evaluate a
		// good chunk per call, and let queryPage loop until the page is full.
		in.FilterExpression = aws.String("#status = :status")
		in.ExpressionAttributeNames["#status"] = "status"
		in.ExpressionAttributeValues[":status"] = str(string(status))
		q.chunk = func(need int) int32 { return max(int32(need+1), s.filterChunk) }
	}
	items, next, err := s.queryPage(ctx, q, page)
	if err != nil {
		return support.Page[support.Case]{}, err
	}
	cases, err := decodeCases(items)
	if err != nil {
		return support.Page[support.Case]{}, err
	}
	return support.Page[support.Case]{Items: cases, NextCursor: next}, nil
}

// CasesOfCustomer lists a customer's cases, newest activity first, only
// those in status when it is not "". Calls per page: 1 Query on GSI1, more
// when a status filter leaves the first call's page short.
func (s *Store) CasesOfCustomer(ctx context.Context, customerID string, status support.CaseStatus, page support.PageRequest) (support.Page[support.Case], error) {
	p, err := s.casesPage(ctx, table.GSI1, table.GSI1PK, table.GSI1SK, customerPK(customerID), status, page)
	if err != nil {
		return p, fmt.Errorf("dynamo: cases of customer %s: %w", customerID, err)
	}
	return p, nil
}

// CasesByStatus lists every case in a status, newest activity first.
// Calls per page: 1 Query on GSI2.
func (s *Store) CasesByStatus(ctx context.Context, status support.CaseStatus, page support.PageRequest) (support.Page[support.Case], error) {
	if !status.Valid() {
		return support.Page[support.Case]{}, fmt.Errorf("dynamo: cases by status: %w",
			invalid("status", "A status is one of new, open, pending, resolved, closed."))
	}
	p, err := s.casesPage(ctx, table.GSI2, table.GSI2PK, table.GSI2SK, casesByStatusPK(status), "", page)
	if err != nil {
		return p, fmt.Errorf("dynamo: cases by status %s: %w", status, err)
	}
	return p, nil
}

// DMCase returns the case that DMs between the customer and the brand
// handle go to. Calls: 2 GetItem.
func (s *Store) DMCase(ctx context.Context, customerID, handleID string) (*support.Case, error) {
	var ptr dmCaseItem
	ok, err := s.getItem(ctx, dmCasePK(customerID, handleID), dmCaseSK, &ptr)
	var c *support.Case
	if err == nil && ok {
		c, err = s.getCase(ctx, ptr.CaseID)
	}
	if err == nil && c == nil {
		err = notFound("There is no DM case between customer %s and brand handle %s.", customerID, handleID)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: DM case of customer %s and brand handle %s: %w", customerID, handleID, err)
	}
	return c, nil
}

// SetDMCase points the DMs between the customer and the brand handle at
// caseID if they still point at prevCaseID ("" for nowhere); otherwise
// EConflict. Calls: 1 PutItem.
func (s *Store) SetDMCase(ctx context.Context, customerID, handleID, caseID, prevCaseID string) error {
	if caseID == "" {
		return fmt.Errorf("dynamo: set DM case: %w", invalid("case_id", "A DM case pointer needs a case id."))
	}
	av, err := attributevalue.MarshalMap(dmCaseItem{
		PK: dmCasePK(customerID, handleID), SK: dmCaseSK, CustomerID: customerID, HandleID: handleID, CaseID: caseID,
	})
	if err != nil {
		return fmt.Errorf("dynamo: set DM case %s: %w", caseID, err)
	}
	in := &dynamodb.PutItemInput{TableName: s.table, Item: av}
	if prevCaseID == "" {
		in.ConditionExpression = aws.String("attribute_not_exists(#PK)")
		in.ExpressionAttributeNames = names(table.PK)
	} else {
		in.ConditionExpression = aws.String("#case_id = :prev")
		in.ExpressionAttributeNames = names("case_id")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": str(prevCaseID)}
	}
	_, err = s.client.PutItem(ctx, in)
	if isConditionFailed(err) {
		err = conflict("The DM case of this customer and brand handle changed; load it again.")
	}
	if err != nil {
		return fmt.Errorf("dynamo: set DM case of customer %s and brand handle %s to %s: %w", customerID, handleID, caseID, err)
	}
	return nil
}

// DeleteCase removes a case that is still at version, such as a case just
// created that lost a race and holds no messages; a changed case is an
// EConflict. Calls: 1 DeleteItem.
func (s *Store) DeleteCase(ctx context.Context, id string, version int64) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       map[string]types.AttributeValue{table.PK: str(casePK(id)), table.SK: str(caseSK)},
		ConditionExpression:       aws.String("#version = :v"),
		ExpressionAttributeNames:  names("version"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(version, 10)}},
	})
	if isConditionFailed(err) {
		err = conflict("The case %s changed or is gone.", id)
	}
	if err != nil {
		return fmt.Errorf("dynamo: delete case %s: %w", id, err)
	}
	return nil
}
