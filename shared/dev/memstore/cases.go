package memstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// PutCase creates or updates a case on its version.
func (s *Store) PutCase(ctx context.Context, c *casework.Case) error {
	if c == nil || c.ID == "" {
		return fmt.Errorf("memstore: put case: %w", invalid("id", "A case needs an id."))
	}
	defer s.lock()()
	old, ok := s.cases[c.ID]
	var stored int64
	if ok {
		stored = old.Version
	}
	if err := checkVersion(ok, stored, c.Version, "case"); err != nil {
		return fmt.Errorf("memstore: put case %s: %w", c.ID, err)
	}
	c.Version++
	s.cases[c.ID] = copyCase(c)
	return nil
}

// NoteCaseActivity records m as the case's newest message when it is
// newer than the case's activity (see casework.CaseStore).
func (s *Store) NoteCaseActivity(ctx context.Context, caseID string, m casework.LastMessage) (bool, error) {
	defer s.lock()()
	c, ok := s.cases[caseID]
	if !ok {
		return false, fmt.Errorf("memstore: note activity of case %s: %w", caseID, notFound("No case has the id %s.", caseID))
	}
	if !c.NewerActivity(m) {
		return false, nil
	}
	c.Touch(m.CreatedAt)
	c.LastActivityAt = m.CreatedAt
	c.Summary.LastMessage = &m
	c.Version++
	return true, nil
}

// GetCase reads a case.
func (s *Store) GetCase(ctx context.Context, id string) (*casework.Case, error) {
	defer s.lock()()
	c, ok := s.cases[id]
	if !ok {
		return nil, fmt.Errorf("memstore: get case %s: %w", id, notFound("No case has the id %s.", id))
	}
	return copyCase(c), nil
}

// casesWhere lists the cases matching, each keyed by its last activity.
func (s *Store) casesWhere(match func(*casework.Case) bool) []keyed[casework.Case] {
	defer s.lock()()
	var out []keyed[casework.Case]
	for _, c := range s.cases {
		if match(c) {
			out = append(out, keyed[casework.Case]{key: activityKey(c.LastActivityAt, c.ID), item: *copyCase(c)})
		}
	}
	return out
}

// CasesOfCustomer lists a customer's cases, newest activity first, only
// those in status when it is not "".
func (s *Store) CasesOfCustomer(ctx context.Context, customerID string, status casework.CaseStatus, req casework.PageRequest) (casework.Page[casework.Case], error) {
	items := s.casesWhere(func(c *casework.Case) bool {
		return c.CustomerID == customerID && (status == "" || c.Status == status)
	})
	p, err := page("cases-of-customer:"+customerID, items, req, true)
	if err != nil {
		return p, fmt.Errorf("memstore: cases of customer %s: %w", customerID, err)
	}
	return p, nil
}

// CasesByStatus lists every case in a status, newest activity first.
func (s *Store) CasesByStatus(ctx context.Context, status casework.CaseStatus, req casework.PageRequest) (casework.Page[casework.Case], error) {
	if !status.Valid() {
		return casework.Page[casework.Case]{}, fmt.Errorf("memstore: cases by status: %w",
			invalid("status", "A status is one of new, open, pending, resolved, closed."))
	}
	items := s.casesWhere(func(c *casework.Case) bool { return c.Status == status })
	p, err := page("cases-by-status:"+string(status), items, req, true)
	if err != nil {
		return p, fmt.Errorf("memstore: cases by status %s: %w", status, err)
	}
	return p, nil
}

// recentCursor is the cursor of RecentCases: the activity key of the
// page's last case, before which the next page starts in every status.
type recentCursor struct {
	Before string `json:"before"`
}

func decodeRecentCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", badCursor()
	}
	var rc recentCursor
	if err := json.Unmarshal(b, &rc); err != nil {
		return "", badCursor()
	}
	t, id, ok := strings.Cut(rc.Before, "#")
	if !ok || id == "" || len(t) != len(sortableTime) {
		return "", badCursor()
	}
	if _, err := time.Parse(sortableTime, t); err != nil {
		return "", badCursor()
	}
	return rc.Before, nil
}

// RecentCases lists the cases in any of statuses, newest activity first,
// only those active in activeAfter's millisecond or later when it is not
// zero; its cursor serves every status alike.
func (s *Store) RecentCases(ctx context.Context, statuses []casework.CaseStatus, activeAfter time.Time, req casework.PageRequest) (casework.Page[casework.Case], error) {
	what := fmt.Sprintf("memstore: recent cases %v", statuses)
	if len(statuses) == 0 {
		return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what, invalid("status", "Name at least one status."))
	}
	for _, st := range statuses {
		if !st.Valid() {
			return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what,
				invalid("status", "A status is one of new, open, pending, resolved, closed."))
		}
	}
	before, err := decodeRecentCursor(req.Cursor)
	if err != nil {
		return casework.Page[casework.Case]{}, fmt.Errorf("%s: %w", what, err)
	}
	lo := ""
	if !activeAfter.IsZero() {
		lo = activeAfter.Truncate(time.Millisecond).UTC().Format(sortableTime)
	}
	items := s.casesWhere(func(c *casework.Case) bool {
		k := activityKey(c.LastActivityAt, c.ID)
		return slices.Contains(statuses, c.Status) && k >= lo && (before == "" || k < before)
	})
	slices.SortFunc(items, func(a, b keyed[casework.Case]) int { return strings.Compare(b.key, a.key) })
	limit := pageLimit(req.Limit)
	out := casework.Page[casework.Case]{Items: []casework.Case{}}
	for i, k := range items {
		if i == limit {
			b, _ := json.Marshal(recentCursor{Before: items[i-1].key}) // one string always marshals
			out.NextCursor = base64.RawURLEncoding.EncodeToString(b)
			break
		}
		out.Items = append(out.Items, k.item)
	}
	return out, nil
}

// DMCase returns the case that DMs between the customer and the brand
// handle go to.
func (s *Store) DMCase(ctx context.Context, customerID, handleID string) (*casework.Case, error) {
	defer s.lock()()
	if c, ok := s.cases[s.dmCases[pair{customerID, handleID}]]; ok {
		return copyCase(c), nil
	}
	return nil, fmt.Errorf("memstore: DM case of customer %s and brand handle %s: %w", customerID, handleID,
		notFound("There is no DM case between customer %s and brand handle %s.", customerID, handleID))
}

// SetDMCase points the DMs between the customer and the brand handle at
// caseID if they still point at prevCaseID ("" for nowhere); otherwise
// EConflict.
func (s *Store) SetDMCase(ctx context.Context, customerID, handleID, caseID, prevCaseID string) error {
	if caseID == "" {
		return fmt.Errorf("memstore: set DM case: %w", invalid("case_id", "A DM case pointer needs a case id."))
	}
	defer s.lock()()
	k := pair{customerID, handleID}
	if cur, ok := s.dmCases[k]; prevCaseID == "" && ok || prevCaseID != "" && cur != prevCaseID {
		return fmt.Errorf("memstore: set DM case of customer %s and brand handle %s to %s: %w", customerID, handleID, caseID,
			conflict("The DM case of this customer and brand handle changed; load it again."))
	}
	s.dmCases[k] = caseID
	return nil
}

// DeleteCase removes a case still at version; otherwise EConflict.
func (s *Store) DeleteCase(ctx context.Context, id string, version int64) error {
	defer s.lock()()
	c, ok := s.cases[id]
	if !ok || c.Version != version {
		return fmt.Errorf("memstore: delete case %s: %w", id, conflict("The case %s changed or is gone.", id))
	}
	delete(s.cases, id)
	return nil
}
