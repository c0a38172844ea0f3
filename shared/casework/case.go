package casework

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// CaseStatus is where a case stands.
type CaseStatus string

// Case statuses.
const (
	CaseNew      CaseStatus = "new"
	CaseOpen     CaseStatus = "open"
	CasePending  CaseStatus = "pending"
	CaseResolved CaseStatus = "resolved"
	CaseClosed   CaseStatus = "closed"
)

// CaseStatuses lists every status, in the order a case usually moves through them.
var CaseStatuses = []CaseStatus{CaseNew, CaseOpen, CasePending, CaseResolved, CaseClosed}

// transitions holds, for each status, the statuses a case may move to.
// A case never goes back to new; resolved and closed cases can be reopened
// (by an agent, or by the customer writing again).
var transitions = map[CaseStatus][]CaseStatus{
	CaseNew:      {CaseOpen, CasePending, CaseResolved, CaseClosed},
	CaseOpen:     {CasePending, CaseResolved, CaseClosed},
	CasePending:  {CaseOpen, CaseResolved, CaseClosed},
	CaseResolved: {CaseOpen, CaseClosed},
	CaseClosed:   {CaseOpen},
}

// Valid reports whether s is a known status.
func (s CaseStatus) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanMoveTo reports whether a case in status s may move to status to;
// staying in the same status is always allowed.
func (s CaseStatus) CanMoveTo(to CaseStatus) bool {
	return s == to && s.Valid() || slices.Contains(transitions[s], to)
}

// Channel says how a case talks to its customer.
type Channel string

// Case channels: a conversation of public Tweets, or of Direct Messages.
const (
	ChannelTweet Channel = "tweet"
	ChannelDM    Channel = "dm"
)

// Case is one conversation with one customer, handled from one brand handle.
type Case struct {
	ID         string
	CustomerID string
	HandleID   string
	Channel    Channel
	// Account is the customer's X account the case talks to: the one it
	// was opened with (an agent's first Tweet) or the one that first wrote
	// in it. Replies go to it whatever handle the customer has later; nil
	// for cases from before cases kept it, which use the customer's.
	Account *TwitterAccount
	Status  CaseStatus
	// Version counts the case's writes, for optimistic concurrency.
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LastActivityAt time.Time
	// StatusChangedBy is the agent who last set the status, and
	// StatusChangedAt when; zero when no agent has.
	StatusChangedBy Agent
	StatusChangedAt time.Time
	// Summary is what a list of cases shows of the case, kept on the case
	// (denormalised) so that a list needs no read per row.
	Summary CaseSummary
	// CustomerTweet is the customer's newest Tweet in the case that is on
	// X (newest by message id, the order of the case's messages), kept by
	// NoteMessage while CustomerTweetKnown, so that a reply finds the Tweet
	// it answers without reading the case's messages; nil when there is none.
	CustomerTweet *TweetRef
	// CustomerTweetKnown says CustomerTweet is exact. A new case starts
	// with it; it is false on cases from before it was kept and once the
	// Tweet it names was deleted on X (then the messages tell).
	CustomerTweetKnown bool
}

// TweetRef names a Tweet of a case: its message and its id on X.
type TweetRef struct {
	MessageID string
	XID       string
}

// CaseSummary is what an inbox row shows of a case: its customer, its
// brand handle and its latest message. It is copied onto the case when a
// message is added, so it shows the names as they were then.
type CaseSummary struct {
	CustomerName    string
	CustomerHandle  string
	BrandScreenName string
	// LastMessage is the newest message of the case; nil before the first.
	LastMessage *LastMessage
}

// LastMessage is the newest message of a case, shortened for a list.
type LastMessage struct {
	ID        string
	Direction Direction
	Kind      MessageKind
	// FirstLine is the first non-empty line of the text, at most
	// FirstLineMax characters (an ellipsis marks a cut).
	FirstLine string
	CreatedAt time.Time
}

// FirstLineMax is the most characters (code points) of a LastMessage's FirstLine.
const FirstLineMax = 120

// FirstLine returns the first non-empty line of text, cut to FirstLineMax
// characters with an ellipsis.
func FirstLine(text string) string {
	line := ""
	for l := range strings.Lines(text) {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	if utf8.RuneCountInString(line) <= FirstLineMax {
		return line
	}
	r := []rune(line)
	return strings.TrimRightFunc(string(r[:FirstLineMax-1]), func(c rune) bool { return c == ' ' }) + "…"
}

// TalksTo reports whether the case's conversation is with the X account
// xUserID: it is bound to that account, or to none yet.
func (c *Case) TalksTo(xUserID string) bool {
	return c.Account == nil || c.Account.XUserID == "" || c.Account.XUserID == xUserID
}

// NoteMessage makes m the case's last message if it is the newest one
// (messages applied out of order leave the newest), keeps CustomerTweet,
// and reports whether the case changed. A deleted message keeps its place
// with an empty line.
func (c *Case) NoteMessage(m *Message) bool {
	tweet := c.noteCustomerTweet(m)
	lm := c.Summary.LastMessage
	if lm != nil && lm.ID != m.ID && (m.CreatedAt.Before(lm.CreatedAt) || m.CreatedAt.Equal(lm.CreatedAt) && m.ID < lm.ID) {
		return tweet
	}
	next := &LastMessage{ID: m.ID, Direction: m.Direction, Kind: m.Kind, FirstLine: FirstLine(m.Text), CreatedAt: m.CreatedAt}
	if lm != nil && *lm == *next {
		return tweet
	}
	c.Summary.LastMessage = next
	return true
}

// noteCustomerTweet keeps CustomerTweet as m is noted and reports whether
// it changed: a newer customer Tweet on X replaces it (while it is known);
// the deletion of the one it names makes it unknown.
func (c *Case) noteCustomerTweet(m *Message) bool {
	if m.Direction != DirectionIn || m.Kind != KindTweet {
		return false
	}
	if c.CustomerTweet != nil && c.CustomerTweet.MessageID == m.ID && !m.onX() {
		c.CustomerTweet, c.CustomerTweetKnown = nil, false
		return true
	}
	if !c.CustomerTweetKnown || !m.onX() || c.CustomerTweet != nil && m.ID <= c.CustomerTweet.MessageID {
		return false
	}
	c.CustomerTweet = &TweetRef{MessageID: m.ID, XID: m.XID}
	return true
}

// NoteParties copies the customer's name and handle and the case's brand
// handle's screen name onto the summary (either may be nil; a brand handle
// other than the case's is ignored) and reports whether anything changed.
func (c *Case) NoteParties(cust *Customer, brand *BrandHandle) bool {
	before := c.Summary
	if cust != nil && cust.ID == c.CustomerID {
		c.Summary.CustomerName = cust.Name
		c.Summary.CustomerHandle = ""
		if cust.Twitter != nil {
			c.Summary.CustomerHandle = cust.Twitter.Handle
		}
	}
	if brand != nil && brand.ID == c.HandleID {
		c.Summary.BrandScreenName = brand.ScreenName
	}
	return c.Summary.CustomerName != before.CustomerName || c.Summary.CustomerHandle != before.CustomerHandle ||
		c.Summary.BrandScreenName != before.BrandScreenName
}

// MoveTo changes the case's status if the transition is allowed.
func (c *Case) MoveTo(to CaseStatus, now time.Time) error {
	return c.MoveToBy(to, now, Agent{})
}

// MoveToBy is MoveTo at an agent's request: a change records the agent.
func (c *Case) MoveToBy(to CaseStatus, now time.Time, by Agent) error {
	if !to.Valid() {
		return &Error{Code: EValidation, Message: "Unknown case status.",
			Fields: []FieldError{{Name: "status", Code: "invalid", Detail: "A status is one of new, open, pending, resolved, closed."}}}
	}
	if !c.Status.CanMoveTo(to) {
		return Errorf(EInvalidTransition, "%s %s case cannot become %s.", article(string(c.Status)), c.Status, to)
	}
	if c.Status != to {
		c.Status = to
		c.UpdatedAt = now
		if !by.IsZero() {
			c.StatusChangedBy, c.StatusChangedAt = by, now
		}
	}
	return nil
}

// Reopen makes a resolved or closed case open again, as a new message from
// the customer does; it reports whether the status changed.
func (c *Case) Reopen(now time.Time) bool {
	if c.Status != CaseResolved && c.Status != CaseClosed {
		return false
	}
	c.Status = CaseOpen
	c.UpdatedAt = now
	return true
}

// NewerActivity reports whether m is newer than the case's last activity
// (CaseStore.NoteCaseActivity): later, or at the same time and with a
// greater message id than its last message (ids sort by creation).
func (c *Case) NewerActivity(m LastMessage) bool {
	switch {
	case m.CreatedAt.After(c.LastActivityAt):
		return true
	case m.CreatedAt.Equal(c.LastActivityAt):
		return c.Summary.LastMessage == nil || c.Summary.LastMessage.ID < m.ID
	}
	return false
}

// Touch records activity at t; activity never moves backwards, so events
// applied out of order leave the newest time.
func (c *Case) Touch(t time.Time) {
	if t.After(c.LastActivityAt) {
		c.LastActivityAt = t
	}
	if t.After(c.UpdatedAt) {
		c.UpdatedAt = t
	}
}

// accountCopy is a copy of the X account the case talks to, or nil.
func (c *Case) accountCopy() *TwitterAccount {
	if c.Account == nil {
		return nil
	}
	a := *c.Account
	return &a
}

// article is "An" before a word that starts with a vowel, else "A".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "An"
	}
	return "A"
}
