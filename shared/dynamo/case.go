package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
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
	// Who last set the status, and when.
	StatusChangedBy *agentItem `dynamodbav:"status_changed_by,omitempty"`
	StatusChangedAt string     `dynamodbav:"status_changed_at,omitempty"`
	// The summary a case list shows (casework.CaseSummary).
	CustomerName    string           `dynamodbav:"customer_name,omitempty"`
	CustomerHandle  string           `dynamodbav:"customer_handle,omitempty"`
	BrandScreenName string           `dynamodbav:"brand_screen_name,omitempty"`
	LastMessage     *lastMessageItem `dynamodbav:"last_message,omitempty"`
	// Account is the customer's X account the case talks to.
	Account *twitterItem `dynamodbav:"x_account,omitempty"`
	// The customer's newest Tweet on X in the case (casework.Case.CustomerTweet).
	CustomerTweet      *tweetRefItem `dynamodbav:"customer_tweet,omitempty"`
	CustomerTweetKnown bool          `dynamodbav:"customer_tweet_known,omitempty"`
}

// tweetRefItem is a casework.TweetRef.
type tweetRefItem struct {
	MessageID string `dynamodbav:"message_id"`
	XID       string `dynamodbav:"x_id"`
}

// agentItem is a casework.Agent.
type agentItem struct {
	Sub   string `dynamodbav:"sub,omitempty"`
	Email string `dynamodbav:"email,omitempty"`
}

func toAgentItem(a casework.Agent) *agentItem {
	if a.IsZero() {
		return nil
	}
	return &agentItem{Sub: a.ID, Email: a.Email}
}

func (a *agentItem) agent() casework.Agent {
	if a == nil {
		return casework.Agent{}
	}
	return casework.Agent{ID: a.Sub, Email: a.Email}
}

// lastMessageItem is a casework.LastMessage.
type lastMessageItem struct {
	ID        string `dynamodbav:"id"`
	Direction string `dynamodbav:"direction"`
	Kind      string `dynamodbav:"kind"`
	FirstLine string `dynamodbav:"first_line"`
	CreatedAt string `dynamodbav:"created_at"`
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

func casesByStatusPK(status casework.CaseStatus) string { return "CASES#" + string(status) }

func dmCasePK(customerID, handleID string) string { return "DMCASE#" + customerID + "#" + handleID }

// activityKey is the index sort key of a case: its last activity time,
// fixed-width, then its id. The lists read it in descending order.
func activityKey(t time.Time, id string) string {
	return sortTime(t) + "#" + id
}

func toCaseItem(c *casework.Case, version int64) caseItem {
	activity := activityKey(c.LastActivityAt, c.ID)
	return caseItem{
		PK: casePK(c.ID), SK: caseSK,
		GSI1PK: customerPK(c.CustomerID), GSI1SK: activity,
		GSI2PK: casesByStatusPK(c.Status), GSI2SK: activity,
		ID: c.ID, CustomerID: c.CustomerID, HandleID: c.HandleID, Channel: string(c.Channel),
		Status: string(c.Status), Version: version,
		CreatedAt: fmtTime(c.CreatedAt), UpdatedAt: fmtTime(c.UpdatedAt), LastActivityAt: fmtTime(c.LastActivityAt),
		StatusChangedBy: toAgentItem(c.StatusChangedBy), StatusChangedAt: fmtTime(c.StatusChangedAt),
		CustomerName: c.Summary.CustomerName, CustomerHandle: c.Summary.CustomerHandle, BrandScreenName: c.Summary.BrandScreenName,
		LastMessage: toLastMessageItem(c.Summary.LastMessage), Account: accountItem(c.Account),
		CustomerTweet: tweetRef(c.CustomerTweet), CustomerTweetKnown: c.CustomerTweetKnown,
	}
}

func tweetRef(t *casework.TweetRef) *tweetRefItem {
	if t == nil {
		return nil
	}
	return &tweetRefItem{MessageID: t.MessageID, XID: t.XID}
}

func toLastMessageItem(m *casework.LastMessage) *lastMessageItem {
	if m == nil {
		return nil
	}
	return &lastMessageItem{ID: m.ID, Direction: string(m.Direction), Kind: string(m.Kind), FirstLine: m.FirstLine, CreatedAt: fmtTime(m.CreatedAt)}
}

func accountItem(a *casework.TwitterAccount) *twitterItem {
	if a == nil {
		return nil
	}
	return &twitterItem{Handle: a.Handle, XUserID: a.XUserID}
}

func (it *caseItem) toCase() (*casework.Case, error) {
	c := &casework.Case{
		ID: it.ID, CustomerID: it.CustomerID, HandleID: it.HandleID, Channel: casework.Channel(it.Channel),
		Status: casework.CaseStatus(it.Status), Version: it.Version, StatusChangedBy: it.StatusChangedBy.agent(),
		Summary: casework.CaseSummary{CustomerName: it.CustomerName, CustomerHandle: it.CustomerHandle, BrandScreenName: it.BrandScreenName},
	}
	err := parseTimes(it.CreatedAt, &c.CreatedAt, it.UpdatedAt, &c.UpdatedAt, it.LastActivityAt, &c.LastActivityAt,
		it.StatusChangedAt, &c.StatusChangedAt)
	if err == nil && it.LastMessage != nil {
		lm := &casework.LastMessage{ID: it.LastMessage.ID, Direction: casework.Direction(it.LastMessage.Direction),
			Kind: casework.MessageKind(it.LastMessage.Kind), FirstLine: it.LastMessage.FirstLine}
		err = parseTimes(it.LastMessage.CreatedAt, &lm.CreatedAt)
		c.Summary.LastMessage = lm
	}
	if it.Account != nil {
		c.Account = &casework.TwitterAccount{Handle: it.Account.Handle, XUserID: it.Account.XUserID}
	}
	if it.CustomerTweet != nil {
		c.CustomerTweet = &casework.TweetRef{MessageID: it.CustomerTweet.MessageID, XID: it.CustomerTweet.XID}
	}
	c.CustomerTweetKnown = it.CustomerTweetKnown
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", it.ID, err)
	}
	return c, nil
}

func decodeCases(items []map[string]types.AttributeValue) ([]casework.Case, error) {
	out := make([]casework.Case, 0, len(items))
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
func (s *Store) PutCase(ctx context.Context, c *casework.Case) error {
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

// NoteCaseActivity records m as the case's newest message when it is
// newer than the case's activity (see casework.CaseStore): one UpdateItem
// that sets the last activity (and both index sort keys with it), the
// updated time and the last message and adds 1 to the version, on the
// condition that the stored activity key is older (or the same, with a
// smaller last message id). Calls: 1 UpdateItem; 1 GetItem more when the
// condition fails, to tell a newer case from none.
func (s *Store) NoteCaseActivity(ctx context.Context, caseID string, m casework.LastMessage) (bool, error) {
	lm, err := attributevalue.Marshal(toLastMessageItem(&m))
	if err != nil {
		return false, fmt.Errorf("dynamo: note activity of case %s: %w", caseID, err)
	}
	at := activityKey(m.CreatedAt, caseID)
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table,
		Key:       itemKey(casePK(caseID), caseSK),
		UpdateExpression: aws.String("SET #last_activity_at = :t, #updated_at = :t, #GSI1SK = :at, #GSI2SK = :at, " +
			"#last_message = :lm ADD #version :one"),
		ConditionExpression: aws.String("attribute_exists(#PK) AND (#GSI1SK < :at OR " +
			"(#GSI1SK = :at AND (attribute_not_exists(#last_message) OR #last_message.#id < :id)))"),
		ExpressionAttributeNames: names(table.PK, table.GSI1SK, table.GSI2SK, "last_activity_at", "updated_at", "last_message", "version", "id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": str(fmtTime(m.CreatedAt)), ":at": str(at), ":lm": lm, ":one": num(1), ":id": str(m.ID),
		},
	})
	if isConditionFailed(err) {
		c, err := s.getCase(ctx, caseID)
		if err == nil && c == nil {
			err = notFound("No case has the id %s.", caseID)
		}
		if err != nil {
			return false, fmt.Errorf("dynamo: note activity of case %s: %w", caseID, err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: note activity of case %s: %w", caseID, err)
	}
	return true, nil
}

func (s *Store) getCase(ctx context.Context, id string) (*casework.Case, error) {
	var it caseItem
	ok, err := s.getItem(ctx, casePK(id), caseSK, &it)
	if err != nil || !ok {
		return nil, err
	}
	return it.toCase()
}

// GetCase reads a case. Calls: 1 GetItem.
func (s *Store) GetCase(ctx context.Context, id string) (*casework.Case, error) {
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
func (s *Store) casesPage(ctx context.Context, index, pkAttr, skAttr, pk string, status casework.CaseStatus, page casework.PageRequest) (casework.Page[casework.Case], error) {
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
		return casework.Page[casework.Case]{}, err
	}
	cases, err := decodeCases(items)
	if err != nil {
		return casework.Page[casework.Case]{}, err
	}
	return casework.Page[casework.Case]{Items: cases, NextCursor: next}, nil
}

// CasesOfCustomer lists a customer's cases, newest activity first, only
// those in status when it is not "". Calls per page: 1 Query on GSI1, more
// when a status filter leaves the first call's page short.
func (s *Store) CasesOfCustomer(ctx context.Context, customerID string, status casework.CaseStatus, page casework.PageRequest) (casework.Page[casework.Case], error) {
	p, err := s.casesPage(ctx, table.GSI1, table.GSI1PK, table.GSI1SK, customerPK(customerID), status, page)
	if err != nil {
		return p, fmt.Errorf("dynamo: cases of customer %s: %w", customerID, err)
	}
	return p, nil
}

// CasesByStatus lists every case in a status, newest activity first.
// Calls per page: 1 Query on GSI2.
func (s *Store) CasesByStatus(ctx context.Context, status casework.CaseStatus, page casework.PageRequest) (casework.Page[casework.Case], error) {
	if !status.Valid() {
		return casework.Page[casework.Case]{}, fmt.Errorf("dynamo: cases by status: %w",
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
func (s *Store) DMCase(ctx context.Context, customerID, handleID string) (*casework.Case, error) {
	var ptr dmCaseItem
	ok, err := s.getItem(ctx, dmCasePK(customerID, handleID), dmCaseSK, &ptr)
	var c *casework.Case
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

// recentCursor is the cursor of RecentCases: the index sort key of the last
// case of the page, before which the next page starts in every status.
type recentCursor struct {
	Before string `json:"before"`
}

// validActivityKey reports whether k is shaped as activityKey makes them.
func validActivityKey(k string) bool {
	t, id, ok := strings.Cut(k, "#")
	if !ok || id == "" || len(t) != len(sortableTime) {
		return false
	}
	_, err := time.Parse(sortableTime, t)
	return err == nil
}

func decodeRecentCursor(cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	bad := invalid("cursor", "The cursor is not valid for this list; start again without it.")
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", bad
	}
	var c recentCursor
	if err := json.Unmarshal(b, &c); err != nil || !validActivityKey(c.Before) {
		return "", bad
	}
	return c.Before, nil
}

func encodeRecentCursor(before string) string {
	b, _ := json.Marshal(recentCursor{Before: before}) // a struct of one string always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// RecentCases lists the cases in any of statuses, newest activity first,
// only those active in activeAfter's millisecond or later when it is not zero. It reads the
// status index (GSI2) of each status at once, each from the cursor's
// position down, and merges them; the cursor is the activity key of the
// page's last case, so it serves every status alike. Calls per page: 1
// Query per status (more only for pages over 1 MB).
func (s *Store) RecentCases(ctx context.Context, statuses []casework.CaseStatus, activeAfter time.Time, page casework.PageRequest) (casework.Page[casework.Case], error) {
	what := fmt.Sprintf("dynamo: recent cases %v", statuses)
	if len(statuses) == 0 {
		return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what, invalid("status", "Name at least one status."))
	}
	for _, st := range statuses {
		if !st.Valid() {
			return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what,
				invalid("status", "A status is one of new, open, pending, resolved, closed."))
		}
	}
	limit := pageLimit(page.Limit)
	before, err := decodeRecentCursor(page.Cursor)
	if err != nil {
		return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what, err)
	}
	// Key range: from activeAfter's millisecond on (times in the API have
	// milliseconds, so a poll with the newest time it saw gets that case
	// again rather than miss one active in the same millisecond), and
	// before the cursor's key.
	lo := sortTime(activeAfter.Truncate(time.Millisecond))
	cond, values := "#pk = :pk", map[string]types.AttributeValue{}
	switch {
	case before != "" && !activeAfter.IsZero():
		if before <= lo {
			return casework.Page[casework.Case]{Items: []casework.Case{}}, nil // an empty range
		}
		cond += " AND #sk BETWEEN :lo AND :hi"
		values[":lo"], values[":hi"] = str(lo), str(before)
	case before != "":
		cond += " AND #sk < :hi"
		values[":hi"] = str(before)
	case !activeAfter.IsZero():
		cond += " AND #sk >= :lo"
		values[":lo"] = str(lo)
	}
	found := make([][]map[string]types.AttributeValue, len(statuses))
	fns := make([]func(context.Context) error, len(statuses))
	for i, st := range statuses {
		fns[i] = func(ctx context.Context) error {
			vals := maps.Clone(values)
			vals[":pk"] = str(casesByStatusPK(st))
			in := &dynamodb.QueryInput{
				TableName:                 s.table,
				IndexName:                 aws.String(table.GSI2),
				KeyConditionExpression:    aws.String(cond),
				ExpressionAttributeNames:  map[string]string{"#pk": table.GSI2PK},
				ExpressionAttributeValues: vals,
				ScanIndexForward:          aws.Bool(false), // newest activity first (a Query's key order)
			}
			for {
				if len(vals) > 1 {
					in.ExpressionAttributeNames["#sk"] = table.GSI2SK
				}
				in.Limit = aws.Int32(int32(limit + 1 - len(found[i])))
				out, err := s.client.Query(ctx, in)
				if err != nil {
					return err
				}
				for _, item := range out.Items {
					if k, _ := item[table.GSI2SK].(*types.AttributeValueMemberS); k == nil || k.Value != before {
						found[i] = append(found[i], item) // BETWEEN includes the cursor's own key
					}
				}
				if out.LastEvaluatedKey == nil || len(found[i]) > limit {
					return nil
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
		}
	}
	if err := parallel(ctx, fns); err != nil {
		return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what, err)
	}
	var all []map[string]types.AttributeValue
	for _, items := range found {
		all = append(all, items...)
	}
	key := func(item map[string]types.AttributeValue) string {
		k, _ := item[table.GSI2SK].(*types.AttributeValueMemberS)
		if k == nil {
			return ""
		}
		return k.Value
	}
	slices.SortFunc(all, func(a, b map[string]types.AttributeValue) int { return strings.Compare(key(b), key(a)) })
	next := ""
	if len(all) > limit {
		all = all[:limit]
		next = encodeRecentCursor(key(all[limit-1]))
	}
	cases, err := decodeCases(all)
	if err != nil {
		return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what, err)
	}
	return casework.Page[casework.Case]{Items: cases, NextCursor: next}, nil
}
