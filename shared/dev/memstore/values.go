package memstore

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// ---- errors, worded as the DynamoDB adapter words them ----

func conflict(format string, args ...any) error {
	return casework.Errorf(casework.EConflict, format, args...)
}

func notFound(format string, args ...any) error {
	return casework.Errorf(casework.ENotFound, format, args...)
}

func invalid(field, detail string) error {
	return &casework.Error{
		Code:    casework.EValidation,
		Message: detail,
		Fields:  []casework.FieldError{{Name: field, Code: "invalid", Detail: detail}},
	}
}

func staleVersion(what string) error {
	return conflict("The %s was changed by someone else; load it again and retry.", what)
}

// checkVersion is the condition of a versioned write: a new record
// (version 0) must not exist, any other must still be at version.
func checkVersion(exists bool, stored, version int64, what string) error {
	if version == 0 && exists || version != 0 && (!exists || stored != version) {
		return staleVersion(what)
	}
	return nil
}

// ---- values as a round trip through the table leaves them ----

// utc is t in UTC without a monotonic reading; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// strs copies a list of strings; an empty one is nil.
func strs(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func copyCustomer(c *casework.Customer) *casework.Customer {
	out := *c
	out.Emails, out.Phones, out.PhoneKeys, out.PreviousHandles = strs(c.Emails), strs(c.Phones), strs(c.PhoneKeys), strs(c.PreviousHandles)
	out.FormerXUserIDs = strs(c.FormerXUserIDs)
	if c.Twitter != nil {
		tw := *c.Twitter
		out.Twitter = &tw
	}
	out.CreatedAt, out.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return &out
}

func copyHandle(h *casework.BrandHandle) *casework.BrandHandle {
	out := *h
	out.CreatedAt, out.UpdatedAt = utc(h.CreatedAt), utc(h.UpdatedAt)
	out.Subscriptions = nil
	if sub := h.Subscriptions; sub != nil && sub.Status != "" { // no status, no subscriptions state
		cp := *sub
		cp.EventTypes, cp.UpdatedAt = strs(sub.EventTypes), utc(sub.UpdatedAt)
		out.Subscriptions = &cp
	}
	out.XChat = nil
	if c := h.XChat; c != nil && c.Status != "" {
		cp := *c
		cp.UpdatedAt = utc(c.UpdatedAt)
		out.XChat = &cp
	}
	return &out
}

func copyCase(c *casework.Case) *casework.Case {
	out := *c
	out.CreatedAt, out.UpdatedAt, out.LastActivityAt = utc(c.CreatedAt), utc(c.UpdatedAt), utc(c.LastActivityAt)
	out.StatusChangedAt = utc(c.StatusChangedAt)
	if c.Account != nil {
		a := *c.Account
		out.Account = &a
	}
	if lm := c.Summary.LastMessage; lm != nil {
		cp := *lm
		cp.CreatedAt = utc(lm.CreatedAt)
		out.Summary.LastMessage = &cp
	}
	if c.CustomerTweet != nil {
		t := *c.CustomerTweet
		out.CustomerTweet = &t
	}
	return &out
}

func copyFollow(f *casework.FollowState) casework.FollowState {
	out := *f
	out.RequestedAt, out.BrandFollowsAt, out.CustomerFollowsAt, out.CustomerDMAt =
		utc(f.RequestedAt), utc(f.BrandFollowsAt), utc(f.CustomerFollowsAt), utc(f.CustomerDMAt)
	if f.Reach != nil {
		r := *f.Reach
		r.CheckedAt = utc(r.CheckedAt)
		out.Reach = &r
	}
	return out
}

func copyIdem(r *httpapi.IdempotencyRecord) *httpapi.IdempotencyRecord {
	out := *r
	out.ExpiresAt = utc(r.ExpiresAt)
	if len(r.Body) == 0 {
		out.Body = nil
	} else {
		out.Body = slices.Clone(r.Body)
	}
	return &out
}

// copyCommand is a command as its JSON leaves it.
func copyCommand(c casework.Command) (casework.Command, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return casework.Command{}, err
	}
	var out casework.Command
	err = json.Unmarshal(b, &out)
	return out, err
}

func copyWork(w *casework.Work) casework.Work {
	out := *w
	out.DueAt, out.RateLimitedSince = utc(w.DueAt), utc(w.RateLimitedSince)
	return out
}

// ---- expiry ----

// ttlSeconds is t in unix seconds, rounded up: what the table's TTL
// attribute holds.
func ttlSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// expired reports whether a record expiring at t reads as missing now.
func (s *Store) expired(t time.Time) bool { return ttlSeconds(t) <= s.now().Unix() }

// ---- pages and cursors ----

// sortableTime is a fixed-width UTC layout whose strings sort like the times.
const sortableTime = "2006-01-02T15:04:05.000000000Z"

// activityKey orders cases by last activity, then id, as the adapter's indexes do.
func activityKey(t time.Time, id string) string {
	return t.UTC().Format(sortableTime) + "#" + id
}

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return casework.DefaultPageLimit
	case n > casework.MaxPageLimit:
		return casework.MaxPageLimit
	}
	return n
}

// cursor is where a page of one list ended: the list's name and the sort
// key of the page's last item.
type cursor struct {
	List  string `json:"list"`
	After string `json:"after"`
}

func badCursor() error {
	return invalid("cursor", "The cursor is not valid for this list; start again without it.")
}

func encodeCursor(list, after string) string {
	b, _ := json.Marshal(cursor{List: list, After: after}) // two strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the key a page of list starts after ("" for the
// first page), or EValidation for a cursor of another list or none at all.
func decodeCursor(list, c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", badCursor()
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 2 || m["list"] != list || m["after"] == "" {
		return "", badCursor()
	}
	return m["after"], nil
}

// keyed is one item of a list and its sort key.
type keyed[T any] struct {
	key  string
	item T
}

// page sorts items by key (descending when newestFirst), starts after the
// cursor's key and returns at most the page's limit, with a cursor when
// more follow.
func page[T any](list string, items []keyed[T], req casework.PageRequest, newestFirst bool) (casework.Page[T], error) {
	after, err := decodeCursor(list, req.Cursor)
	if err != nil {
		return casework.Page[T]{}, err
	}
	slices.SortFunc(items, func(a, b keyed[T]) int {
		if newestFirst {
			return strings.Compare(b.key, a.key)
		}
		return strings.Compare(a.key, b.key)
	})
	if after != "" {
		items = slices.DeleteFunc(items, func(k keyed[T]) bool {
			if newestFirst {
				return k.key >= after
			}
			return k.key <= after
		})
	}
	limit := pageLimit(req.Limit)
	out := casework.Page[T]{Items: make([]T, 0, min(limit, len(items)))}
	for i, k := range items {
		if i == limit {
			out.NextCursor = encodeCursor(list, items[i-1].key)
			break
		}
		out.Items = append(out.Items, k.item)
	}
	return out, nil
}
