package casework

import (
	"context"
	"time"
)

// PageRequest asks for one page of a list.
type PageRequest struct {
	// Limit is the most items to return; 0 means DefaultPageLimit.
	Limit int
	// Cursor is the opaque NextCursor of the previous page; "" for the first.
	Cursor string
}

// Page limits of every list.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// NextCursor fetches the next page; "" on the last page.
	NextCursor string
}

// Optimistic concurrency, for every Put below that takes a versioned
// record: a record with Version 0 is created and must not exist yet; any
// other is written only if the stored version still equals Version. On
// success Version is incremented in place; on a lost race the error has
// code EConflict and nothing was written. Get methods return an error with
// code ENotFound when there is nothing.

// CustomerStore keeps customers and finds them.
type CustomerStore interface {
	// PutCustomer creates or updates a customer and keeps its lookups (by
	// e-mail, phone, name word, handle and X user id) in step. An X user id
	// already held by another customer is an EConflict.
	PutCustomer(ctx context.Context, c *Customer) error
	GetCustomer(ctx context.Context, id string) (*Customer, error)
	// CustomersByEmail finds customers with exactly this e-mail, case-insensitively.
	CustomersByEmail(ctx context.Context, email string) ([]Customer, error)
	// CustomersByPhone finds the customers with this phone search key
	// among their PhoneKeys, exactly (a customer without PhoneKeys: the
	// LegacyPhoneKey of one of its phones).
	CustomersByPhone(ctx context.Context, phone string) ([]Customer, error)
	// CustomersByNamePrefix finds customers with a name word starting with prefix, case-insensitively.
	CustomersByNamePrefix(ctx context.Context, prefix string, page PageRequest) (Page[Customer], error)
	CustomerByXUserID(ctx context.Context, xUserID string) (*Customer, error)
	// CustomerByFormerXUserID finds the customer, not merged, most
	// recently updated, that lists the X user id among its
	// FormerXUserIDs; ENotFound when none does.
	CustomerByFormerXUserID(ctx context.Context, xUserID string) (*Customer, error)
	// CustomerByHandle finds the customer with this Twitter handle, case-insensitively.
	CustomerByHandle(ctx context.Context, handle string) (*Customer, error)
}

// HandleStore keeps the deployment's brand handles.
type HandleStore interface {
	// PutHandle creates or updates a brand handle; an X user id already
	// held by another brand handle is an EConflict.
	PutHandle(ctx context.Context, h *BrandHandle) error
	GetHandle(ctx context.Context, id string) (*BrandHandle, error)
	// ListHandles returns every brand handle, by screen name.
	ListHandles(ctx context.Context) ([]BrandHandle, error)
	HandleByXUserID(ctx context.Context, xUserID string) (*BrandHandle, error)
	// DeleteHandle removes a brand handle still at version and frees its
	// X user id; otherwise it fails with EConflict.
	DeleteHandle(ctx context.Context, id string, version int64) error
}

// CaseStore keeps cases.
type CaseStore interface {
	PutCase(ctx context.Context, c *Case) error
	GetCase(ctx context.Context, id string) (*Case, error)
	// NoteCaseActivity records m as the case's newest message, its last
	// activity at m.CreatedAt (Case.NewerActivity says when), in one write
	// on no version: concurrent calls for one case do not conflict, and the
	// newest wins. It bumps the case's version, so that a concurrent
	// versioned write reads the case again. It reports whether it changed
	// the case (false: its activity is as new already); ENotFound when
	// there is no such case.
	NoteCaseActivity(ctx context.Context, caseID string, m LastMessage) (bool, error)
	// CasesOfCustomer lists a customer's cases, newest activity first,
	// only those in status when it is not "".
	CasesOfCustomer(ctx context.Context, customerID string, status CaseStatus, page PageRequest) (Page[Case], error)
	// CasesByStatus lists every case in a status, newest activity first.
	CasesByStatus(ctx context.Context, status CaseStatus, page PageRequest) (Page[Case], error)
	// RecentCases lists every case in any of statuses (at least one),
	// newest activity first; with activeAfter not zero, only the cases
	// whose last activity is in its millisecond or later (what changed
	// since a poll, and the newest case that poll saw).
	RecentCases(ctx context.Context, statuses []CaseStatus, activeAfter time.Time, page PageRequest) (Page[Case], error)
	// DMCase returns the case that DMs between the customer and the brand
	// handle currently go to, whatever its status.
	DMCase(ctx context.Context, customerID, handleID string) (*Case, error)
	// SetDMCase points DMs between the customer and the brand handle at
	// caseID, if they still point at prevCaseID ("" for nowhere); otherwise
	// it fails with EConflict.
	SetDMCase(ctx context.Context, customerID, handleID, caseID, prevCaseID string) error
	// DeleteCase removes a case still at version (one that lost a race
	// before any message joined it); otherwise it fails with EConflict.
	DeleteCase(ctx context.Context, id string, version int64) error
}

// MessageStore keeps the messages of cases.
type MessageStore interface {
	// PutMessage creates or updates a message; once it has an XID, the
	// message can be found by it. An XID already held by another message
	// is an EConflict.
	PutMessage(ctx context.Context, m *Message) error
	GetMessage(ctx context.Context, caseID, id string) (*Message, error)
	// MessagesOfCase lists a case's messages, oldest first.
	MessagesOfCase(ctx context.Context, caseID string, page PageRequest) (Page[Message], error)
	// RecentMessagesOfCase lists a case's messages, newest first.
	RecentMessagesOfCase(ctx context.Context, caseID string, page PageRequest) (Page[Message], error)
	// MessageByXID finds the message of a Tweet or Direct Message by its X id.
	MessageByXID(ctx context.Context, kind MessageKind, xid string) (*Message, error)
	// AddRetweet records that rt.HandleID Retweeted the message (and who
	// asked, when) and reports whether it was new; it leaves the message's
	// Version alone.
	AddRetweet(ctx context.Context, caseID, id string, rt Retweet) (bool, error)
	// RemoveRetweet forgets a Retweet and reports whether there was one.
	RemoveRetweet(ctx context.Context, caseID, id, handleID string) (bool, error)
	// RefuseRetweet forgets a Retweet X refused and records why, and
	// reports whether there was one.
	RefuseRetweet(ctx context.Context, caseID, id string, r RetweetRefusal) (bool, error)
	// AddFavorite records that the brand handle liked the message and reports whether it was new.
	AddFavorite(ctx context.Context, caseID, id, handleID string) (bool, error)
}

// FollowStore keeps who follows whom between customers and brand handles.
type FollowStore interface {
	// FollowsOf returns the follow state of a customer with every brand
	// handle there is a record for.
	FollowsOf(ctx context.Context, customerID string) ([]FollowState, error)
	// CustomerFollows reads a customer and its follow states (as
	// GetCustomer and FollowsOf) in one read: a customer's follow states
	// are kept beside it.
	CustomerFollows(ctx context.Context, customerID string) (*Customer, []FollowState, error)
	// Follow returns the follow state of one pair; a pair with no record is
	// the zero state (nobody follows anybody), not an error.
	Follow(ctx context.Context, customerID, handleID string) (FollowState, error)
	// SetCustomerFollowsBrand records a follow or unfollow by the customer
	// that happened at at, unless a newer one is already recorded; it
	// reports whether it changed the record.
	SetCustomerFollowsBrand(ctx context.Context, customerID, handleID string, follows bool, at time.Time) (bool, error)
	// SetBrandFollowsCustomer is SetCustomerFollowsBrand the other way
	// round; it also clears a pending action.
	SetBrandFollowsCustomer(ctx context.Context, customerID, handleID string, follows bool, at time.Time) (bool, error)
	// SetCustomerWroteByDM records that the customer wrote to the brand
	// handle by Direct Message at at (kept unless a later DM is recorded).
	SetCustomerWroteByDM(ctx context.Context, customerID, handleID string, at time.Time) error
	// SetDMReach records X's answer on reaching the customer by DM as the
	// brand handle (FollowState.Reach), unless a later one is recorded.
	SetDMReach(ctx context.Context, customerID, handleID string, r DMReach) error
	// SetFollowPending records a follow or unfollow asked of X by the
	// agent by ("" clears the pending action and leaves who asked).
	SetFollowPending(ctx context.Context, customerID, handleID string, action FollowAction, by Agent) error
}

// EventMark is what the record of an X event says: whether the event was
// applied, and whether what it brought (a Tweet) was deleted on X, the
// deletion's tombstone. Both marks are kept on one record, so marking one
// reads the other in the same step: that closes the race between a Tweet
// and its deletion without a second read.
type EventMark struct {
	Processed bool
	Deleted   bool
}

// Recall names what applying an event asks the store first; every field
// but EventID may be empty (not asked).
type Recall struct {
	// EventID is the event's record to read.
	EventID string
	// MessageKind and MessageXID name the message of a Tweet or DM.
	MessageKind MessageKind
	MessageXID  string
	// XUserID is the X user id of the customer asked for.
	XUserID string
}

// Recalled is the store's answer to a Recall.
type Recalled struct {
	// Event is the event's unexpired record (zero when there is none).
	Event EventMark
	// Message is the message with the X id, nil when none (or not asked,
	// or the event was processed).
	Message *Message
	// Customer is the customer with the X user id (as CustomerByXUserID),
	// nil when none (or not asked, or the event was processed).
	Customer *Customer
	// MayBeFormer is false when no customer lists the X user id among its
	// FormerXUserIDs, so CustomerByFormerXUserID need not be asked; true
	// when one may.
	MayBeFormer bool
}

// EventStore remembers which X events were applied and which Tweets were
// deleted on X, until the records expire.
type EventStore interface {
	// MarkEventProcessed marks the event applied (keeping the record until
	// expiresAt) and returns its unexpired record as it was just before.
	MarkEventProcessed(ctx context.Context, id string, expiresAt time.Time) (EventMark, error)
	// MarkEventDeleted marks what the event brought deleted on X, applied
	// or not (a tombstone, kept until expiresAt), and returns its unexpired
	// record as it was just before.
	MarkEventDeleted(ctx context.Context, id string, expiresAt time.Time) (EventMark, error)
	// EventRecord returns the event's unexpired record (zero when none).
	EventRecord(ctx context.Context, id string) (EventMark, error)
	// RecallEvent answers r in one go: the event's record, and unless it
	// is processed, the message of the X id and the customer of the X user
	// id. Each part is what EventRecord, MessageByXID and CustomerByXUserID
	// answer (not found is nil, not an error).
	RecallEvent(ctx context.Context, r Recall) (Recalled, error)
}

// Store is everything the product keeps.
type Store interface {
	CustomerStore
	HandleStore
	CaseStore
	MessageStore
	FollowStore
	EventStore
	WorkStore
	ChatKeyStore
	SpendStore
	XPauseStore
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
}
