package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

type handleItem struct {
	PK                string `dynamodbav:"PK"`
	SK                string `dynamodbav:"SK"`
	ID                string `dynamodbav:"id"`
	ScreenName        string `dynamodbav:"screen_name"`
	XUserID           string `dynamodbav:"x_user_id,omitempty"`
	CredentialsSecret string `dynamodbav:"credentials_secret,omitempty"`
	Status            string `dynamodbav:"status"`
	Version           int64  `dynamodbav:"version"`
	CreatedAt         string `dynamodbav:"created_at,omitempty"`
	UpdatedAt         string `dynamodbav:"updated_at,omitempty"`
	// The X Activity API subscriptions' state (casework.Subscriptions).
	SubsStatus     string   `dynamodbav:"subs_status,omitempty"`
	SubsDetail     string   `dynamodbav:"subs_detail,omitempty"`
	SubsEventTypes []string `dynamodbav:"subs_event_types,omitempty"`
	SubsUpdatedAt  string   `dynamodbav:"subs_updated_at,omitempty"`
	// The X Chat identity's state (casework.ChatIdentity; never its keys).
	ChatStatus     string `dynamodbav:"chat_status,omitempty"`
	ChatKeyVersion string `dynamodbav:"chat_key_version,omitempty"`
	ChatDetail     string `dynamodbav:"chat_detail,omitempty"`
	ChatUpdatedAt  string `dynamodbav:"chat_updated_at,omitempty"`
	// MonthlyBudgetMicros is the handle's monthly budget on X (0: none).
	MonthlyBudgetMicros int64 `dynamodbav:"monthly_budget_micros,omitempty"`
}

// All brand handles share one partition: a deployment has a handful.
const (
	handlesPK = "BRANDS"
	brandSK   = "BRAND"
)

func handleSK(id string) string { return "BRAND#" + id }

func toHandleItem(h *casework.BrandHandle, version int64) handleItem {
	it := handleItem{
		PK: handlesPK, SK: handleSK(h.ID), ID: h.ID, ScreenName: h.ScreenName, XUserID: h.XUserID,
		CredentialsSecret: h.CredentialsSecret, Status: string(h.Status), Version: version,
		CreatedAt: fmtTime(h.CreatedAt), UpdatedAt: fmtTime(h.UpdatedAt), MonthlyBudgetMicros: int64(h.MonthlyBudget),
	}
	if sub := h.Subscriptions; sub != nil {
		it.SubsStatus, it.SubsDetail, it.SubsEventTypes = string(sub.Status), sub.Detail, nilIfEmpty(sub.EventTypes)
		it.SubsUpdatedAt = fmtTime(sub.UpdatedAt)
	}
	if c := h.XChat; c != nil {
		it.ChatStatus, it.ChatKeyVersion, it.ChatDetail, it.ChatUpdatedAt = string(c.Status), c.KeyVersion, c.Detail, fmtTime(c.UpdatedAt)
	}
	return it
}

func (it *handleItem) handle() (*casework.BrandHandle, error) {
	h := &casework.BrandHandle{
		ID: it.ID, ScreenName: it.ScreenName, XUserID: it.XUserID, CredentialsSecret: it.CredentialsSecret,
		Status: casework.HandleStatus(it.Status), Version: it.Version, MonthlyBudget: casework.Micros(it.MonthlyBudgetMicros),
	}
	if err := parseTimes(it.CreatedAt, &h.CreatedAt, it.UpdatedAt, &h.UpdatedAt); err != nil {
		return nil, fmt.Errorf("brand handle %s: %w", it.ID, err)
	}
	if it.SubsStatus != "" {
		h.Subscriptions = &casework.Subscriptions{Status: casework.SubscriptionStatus(it.SubsStatus), Detail: it.SubsDetail, EventTypes: it.SubsEventTypes}
		if err := parseTimes(it.SubsUpdatedAt, &h.Subscriptions.UpdatedAt); err != nil {
			return nil, fmt.Errorf("brand handle %s: %w", it.ID, err)
		}
	}
	if it.ChatStatus != "" {
		h.XChat = &casework.ChatIdentity{Status: casework.ChatIdentityStatus(it.ChatStatus), KeyVersion: it.ChatKeyVersion, Detail: it.ChatDetail}
		if err := parseTimes(it.ChatUpdatedAt, &h.XChat.UpdatedAt); err != nil {
			return nil, fmt.Errorf("brand handle %s: %w", it.ID, err)
		}
	}
	return h, nil
}

func decodeHandle(av map[string]types.AttributeValue) (*casework.BrandHandle, error) {
	var it handleItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, err
	}
	return it.handle()
}

func (s *Store) handleClaim(h *casework.BrandHandle, version int64, token string) *claim {
	xid := h.XUserID
	return &claim{
		pk: xUserClaimPK(xid), sk: brandSK, owner: map[string]string{"handle_id": h.ID},
		version: version, token: token,
		taken: fmt.Sprintf("The X user id %s belongs to another brand handle.", xid),
		holds: func(ctx context.Context, owner map[string]string) (bool, error) {
			other, err := s.getHandle(ctx, owner["handle_id"])
			return other != nil && other.XUserID == xid, err
		},
	}
}

// PutHandle creates or updates a brand handle: it claims the X user id
// first (EConflict when another brand handle holds it), writes the handle
// on its version condition and releases the old X user id if it changed.
// Calls: 1 PutItem for the claim, 1 PutItem, 1 DeleteItem when the X user id changed.
func (s *Store) PutHandle(ctx context.Context, h *casework.BrandHandle) error {
	if h == nil || h.ID == "" {
		return fmt.Errorf("dynamo: put brand handle: %w", invalid("id", "A brand handle needs an id."))
	}
	version := h.Version + 1
	token := newToken()
	var claims []*claim
	if h.XUserID != "" {
		claims = append(claims, s.handleClaim(h, version, token))
	}
	taken, err := s.acquireAll(ctx, claims)
	if err != nil {
		return fmt.Errorf("dynamo: put brand handle %s: %w", h.ID, err)
	}
	oldAV, err := s.putVersioned(ctx, toHandleItem(h, version), h.Version, "brand handle")
	if err != nil {
		s.rollback(ctx, claims, taken)
		return fmt.Errorf("dynamo: put brand handle %s: %w", h.ID, err)
	}
	h.Version = version
	if oldAV != nil {
		if old, err := decodeHandle(oldAV); err == nil && old.XUserID != "" && old.XUserID != h.XUserID {
			_ = s.releaseFn(s.handleClaim(old, version, token))(context.WithoutCancel(ctx)) // best effort
		}
	}
	return nil
}

func (s *Store) getHandle(ctx context.Context, id string) (*casework.BrandHandle, error) {
	var it handleItem
	ok, err := s.getItem(ctx, handlesPK, handleSK(id), &it)
	if err != nil || !ok {
		return nil, err
	}
	return it.handle()
}

// GetHandle reads a brand handle. Calls: 1 GetItem.
func (s *Store) GetHandle(ctx context.Context, id string) (*casework.BrandHandle, error) {
	h, err := s.getHandle(ctx, id)
	if err == nil && h == nil {
		err = notFound("No brand handle has the id %s.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: get brand handle %s: %w", id, err)
	}
	return h, nil
}

// ListHandles returns every brand handle, by screen name (case-insensitively).
// Calls: 1 Query.
func (s *Store) ListHandles(ctx context.Context) ([]casework.BrandHandle, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("#PK = :pk AND begins_with(#SK, :sk)"),
		ExpressionAttributeNames:  names(table.PK, table.SK),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(handlesPK), ":sk": str(handleSK(""))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: list brand handles: %w", err)
	}
	out := make([]casework.BrandHandle, 0, len(items))
	for _, av := range items {
		h, err := decodeHandle(av)
		if err != nil {
			return nil, fmt.Errorf("dynamo: list brand handles: %w", err)
		}
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b casework.BrandHandle) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.ScreenName), strings.ToLower(b.ScreenName)), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// HandleByXUserID finds the brand handle with this X user id. Calls: 2 GetItem.
func (s *Store) HandleByXUserID(ctx context.Context, xUserID string) (*casework.BrandHandle, error) {
	var h *casework.BrandHandle
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.table, Key: itemKey(xUserClaimPK(xUserID), brandSK), ConsistentRead: aws.Bool(true),
	})
	if err == nil && res.Item != nil {
		h, err = s.getHandle(ctx, strAttr(res.Item, "handle_id"))
		if h != nil && h.XUserID != xUserID {
			h = nil // a stale claim
		}
	}
	if err == nil && h == nil {
		err = notFound("No brand handle has the X user id %s.", xUserID)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: brand handle by X user id %s: %w", xUserID, err)
	}
	return h, nil
}

// DeleteHandle removes a brand handle still at version and releases its X
// user id, so the account can be registered again; a changed or missing
// handle is an EConflict. Cases, messages and follow records that name the
// handle stay. Calls: 1 DeleteItem, 1 DeleteItem for the claim.
func (s *Store) DeleteHandle(ctx context.Context, id string, version int64) error {
	old, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       itemKey(handlesPK, handleSK(id)),
		ConditionExpression:       aws.String("#version = :v"),
		ExpressionAttributeNames:  names("version"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version)},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		err = conflict("The brand handle %s changed or is gone.", id)
	}
	if err != nil {
		return fmt.Errorf("dynamo: delete brand handle %s: %w", id, err)
	}
	if h, derr := decodeHandle(old.Attributes); derr == nil && h.XUserID != "" {
		_ = s.releaseFn(s.handleClaim(h, version+1, newToken()))(context.WithoutCancel(ctx)) // best effort: a stale claim is taken over later
	}
	return nil
}
