package consoleapi

import (
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// The JSON shapes of the API (API.md): snake_case, times in RFC 3339 UTC
// with milliseconds, lists never null.

// timeLayout is RFC 3339 in UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// optional is nil for "", so the field shows as null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type messageView struct {
	ID                 string            `json:"id"`
	CaseID             string            `json:"case_id"`
	Direction          string            `json:"direction"`
	Kind               string            `json:"kind"`
	Text               string            `json:"text"`
	Status             string            `json:"status"`
	XID                *string           `json:"x_id"`
	InReplyToMessageID *string           `json:"in_reply_to_message_id"`
	Author             authorView        `json:"author"`
	SentBy             *agentView        `json:"sent_by,omitempty"`
	RetweetedBy        []string          `json:"retweeted_by"`
	Retweets           []retweetView     `json:"retweets"`
	RetweetRefusals    []refusalView     `json:"retweet_refusals,omitempty"`
	FavoritedBy        []string          `json:"favorited_by,omitempty"`
	URLs               []linkView        `json:"urls,omitempty"`
	Media              []mediaView       `json:"media,omitempty"`
	Error              *messageErrorView `json:"error,omitempty"`
	Deleted            bool              `json:"deleted,omitempty"`
	// EndToEndEncrypted marks an X Chat DM (every DM from 9 December 2026).
	EndToEndEncrypted bool `json:"end_to_end_encrypted,omitempty"`
	// RemovedReason, RedactedAt and DeletedAt say why and when X's
	// compliance rule removed a Post's content (issue 23).
	RemovedReason string `json:"removed_reason,omitempty"`
	// Edited marks a Post edited on X (text is its latest version's);
	// Edits are the earlier versions, oldest first.
	Edited     bool       `json:"edited,omitempty"`
	Edits      []editView `json:"edits,omitempty"`
	RedactedAt string     `json:"redacted_at,omitempty"`
	DeletedAt  string     `json:"deleted_at,omitempty"`
	CreatedAt  string     `json:"created_at"`
	SentAt     string     `json:"sent_at,omitempty"`
}

// agentView is who did something: the agent's token subject and e-mail.
type agentView struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
}

func newAgentView(a casework.Agent) *agentView {
	if a.IsZero() {
		return nil
	}
	return &agentView{Sub: a.ID, Email: a.Email}
}

// retweetView is one brand handle's Retweet of a message: who asked and when.
type retweetView struct {
	HandleID string     `json:"handle_id"`
	By       *agentView `json:"by"`
	At       string     `json:"at,omitempty"`
}

// refusalView is X's refusal of a brand handle's Retweet.
type refusalView struct {
	HandleID string           `json:"handle_id"`
	Error    messageErrorView `json:"error"`
	At       string           `json:"at,omitempty"`
}

type linkView struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
}

type mediaView struct {
	MediaKey string `json:"media_key"`
	Type     string `json:"type,omitempty"`
	URL      string `json:"url,omitempty"`
}

type authorView struct {
	HandleID   string `json:"handle_id,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	ScreenName string `json:"screen_name"`
}

type messageErrorView struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func newMessageView(m *casework.Message) messageView {
	status := m.Status
	if status == casework.StatusSending {
		status = casework.StatusQueued // the worker's step is not the console's business
	}
	v := messageView{
		ID: m.ID, CaseID: m.CaseID, Direction: string(m.Direction), Kind: string(m.Kind), Text: m.Text,
		Status: string(status), XID: optional(m.XID), InReplyToMessageID: optional(m.InReplyToMessageID),
		Author:      authorView{HandleID: m.Author.HandleID, CustomerID: m.Author.CustomerID, ScreenName: m.Author.ScreenName},
		RetweetedBy: nonNil(m.RetweetedBy), FavoritedBy: m.FavoritedBy, Deleted: m.Deleted, EndToEndEncrypted: m.Kind == casework.KindDM && m.Chat != nil,
		RemovedReason: m.RemovedReason, RedactedAt: jsonTime(m.RedactedAt), DeletedAt: jsonTime(m.DeletedAt),
		Edited:    m.Edited(),
		CreatedAt: jsonTime(m.CreatedAt), SentAt: jsonTime(m.SentAt), SentBy: newAgentView(m.SentBy),
		Retweets: make([]retweetView, 0, len(m.Retweets)),
	}
	for _, e := range m.Edits {
		v.Edits = append(v.Edits, editView{XID: e.XID, Text: e.Text})
	}
	for _, r := range m.RetweetRefusals {
		v.RetweetRefusals = append(v.RetweetRefusals, refusalView{HandleID: r.HandleID,
			Error: messageErrorView{Code: r.Error.Code, Detail: r.Error.Detail}, At: jsonTime(r.At)})
	}
	for _, rt := range m.Retweets {
		v.Retweets = append(v.Retweets, retweetView{HandleID: rt.HandleID, By: newAgentView(rt.By), At: jsonTime(rt.At)})
	}
	for _, l := range m.URLs {
		v.URLs = append(v.URLs, linkView{URL: l.URL, ExpandedURL: l.ExpandedURL})
	}
	for _, md := range m.Media {
		v.Media = append(v.Media, mediaView{MediaKey: md.Key, Type: md.Type, URL: md.URL})
	}
	if m.Error != nil {
		v.Error = &messageErrorView{Code: m.Error.Code, Detail: m.Error.Detail}
	}
	return v
}

type caseView struct {
	ID             string `json:"id"`
	CustomerID     string `json:"customer_id"`
	HandleID       string `json:"handle_id"`
	Channel        string `json:"channel"`
	Status         string `json:"status"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	LastActivityAt string `json:"last_activity_at"`
	// The inbox row (casework.CaseSummary), kept on the case.
	CustomerName     string           `json:"customer_name"`
	CustomerHandle   *string          `json:"customer_handle"`
	HandleScreenName string           `json:"handle_screen_name"`
	LastMessage      *lastMessageView `json:"last_message"`
	StatusChangedBy  *agentView       `json:"status_changed_by,omitempty"`
	StatusChangedAt  string           `json:"status_changed_at,omitempty"`
}

// lastMessageView is a case's newest message, shortened for a list.
type lastMessageView struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	Kind      string `json:"kind"`
	FirstLine string `json:"first_line"`
	CreatedAt string `json:"created_at"`
}

func newCaseView(c *casework.Case) caseView {
	v := caseView{
		ID: c.ID, CustomerID: c.CustomerID, HandleID: c.HandleID, Channel: string(c.Channel), Status: string(c.Status),
		CreatedAt: jsonTime(c.CreatedAt), UpdatedAt: jsonTime(c.UpdatedAt), LastActivityAt: jsonTime(c.LastActivityAt),
		CustomerName: c.Summary.CustomerName, CustomerHandle: optional(c.Summary.CustomerHandle),
		HandleScreenName: c.Summary.BrandScreenName,
		StatusChangedBy:  newAgentView(c.StatusChangedBy), StatusChangedAt: jsonTime(c.StatusChangedAt),
	}
	if lm := c.Summary.LastMessage; lm != nil {
		v.LastMessage = &lastMessageView{ID: lm.ID, Direction: string(lm.Direction), Kind: string(lm.Kind),
			FirstLine: lm.FirstLine, CreatedAt: jsonTime(lm.CreatedAt)}
	}
	return v
}

type handleView struct {
	ID            string             `json:"id"`
	ScreenName    string             `json:"screen_name"`
	XUserID       string             `json:"x_user_id"`
	Status        string             `json:"status"`
	Subscriptions *subscriptionsView `json:"subscriptions"`
	XChat         xChatView          `json:"x_chat"`
	CreatedAt     string             `json:"created_at,omitempty"`
	// MonthlyBudgetUSD is the handle's monthly budget on X; null: none.
	MonthlyBudgetUSD *string `json:"monthly_budget_usd"`
}

// xChatView says whether the handle can send and read Direct Messages
// (X Chat) and, when not, why; never anything of its keys but the
// registered version.
type xChatView struct {
	Ready      bool   `json:"ready"`
	Reason     string `json:"reason,omitempty"`
	Detail     string `json:"detail,omitempty"`
	KeyVersion string `json:"key_version,omitempty"`
}

type subscriptionsView struct {
	Status     string   `json:"status"`
	Detail     string   `json:"detail,omitempty"`
	EventTypes []string `json:"event_types"`
	UpdatedAt  string   `json:"updated_at"`
}

// newHandleView leaves out the credentials secret's name: the console has no use for it.
func newHandleView(h *casework.BrandHandle) handleView {
	v := handleView{ID: h.ID, ScreenName: h.ScreenName, XUserID: h.XUserID, Status: string(h.Status), CreatedAt: jsonTime(h.CreatedAt)}
	v.XChat.Ready, v.XChat.Reason, v.XChat.Detail = h.ChatReadiness()
	if h.XChat != nil && h.XChat.Status == casework.ChatReady {
		v.XChat.KeyVersion = h.XChat.KeyVersion
	}
	if h.MonthlyBudget > 0 {
		b := h.MonthlyBudget.USD()
		v.MonthlyBudgetUSD = &b
	}
	if sub := h.Subscriptions; sub != nil {
		v.Subscriptions = &subscriptionsView{Status: string(sub.Status), Detail: sub.Detail, EventTypes: nonNil(sub.EventTypes), UpdatedAt: jsonTime(sub.UpdatedAt)}
	}
	return v
}

type twitterView struct {
	Handle  string `json:"handle"`
	XUserID string `json:"x_user_id"`
}

type customerView struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Emails    []string     `json:"emails"`
	Phones    []string     `json:"phones"`
	Twitter   *twitterView `json:"twitter"`
	CreatedAt string       `json:"created_at"`
	UpdatedAt string       `json:"updated_at"`

	// PreviousHandles are the screen names the customer's X account had
	// before (renamed, or recycled to another account), most recent first.
	PreviousHandles []string `json:"previous_handles"`
	// XStatus is what X's batch compliance reported of the customer's X
	// account, when it did (issue 23).
	XStatus *xStatusView `json:"x_status,omitempty"`
}

// editView is an earlier version of an edited Post.
type editView struct {
	XID  string `json:"x_id"`
	Text string `json:"text"`
}

// xStatusView is a customer's X account state from batch compliance.
type xStatusView struct {
	Status     string `json:"status"`
	RedactedAt string `json:"redacted_at"`
	AppliedAt  string `json:"applied_at"`
}

func newCustomerView(c *casework.Customer) customerView {
	v := customerView{
		ID: c.ID, Name: c.Name, Emails: nonNil(c.Emails), Phones: nonNil(c.Phones), PreviousHandles: nonNil(c.PreviousHandles),
		CreatedAt: jsonTime(c.CreatedAt), UpdatedAt: jsonTime(c.UpdatedAt),
	}
	if c.Twitter != nil && c.Twitter.Handle != "" {
		v.Twitter = &twitterView{Handle: c.Twitter.Handle, XUserID: c.Twitter.XUserID}
	}
	if c.XStatus != "" {
		v.XStatus = &xStatusView{Status: c.XStatus, RedactedAt: jsonTime(c.XStatusRedactedAt), AppliedAt: jsonTime(c.XStatusAppliedAt)}
	}
	return v
}

type followView struct {
	HandleID             string  `json:"handle_id"`
	ScreenName           string  `json:"screen_name"`
	BrandFollowsCustomer bool    `json:"brand_follows_customer"`
	CustomerFollowsBrand bool    `json:"customer_follows_brand"`
	Pending              *string `json:"pending"` // "follow", "unfollow" or null
	// Who last asked for a follow or unfollow, what, and when.
	RequestedBy     *agentView `json:"requested_by,omitempty"`
	RequestedAction string     `json:"requested_action,omitempty"`
	RequestedAt     string     `json:"requested_at,omitempty"`
}

func newFollowView(f *casework.BrandFollow) followView {
	return followView{
		HandleID: f.Handle.ID, ScreenName: f.Handle.ScreenName,
		BrandFollowsCustomer: f.State.BrandFollowsCustomer, CustomerFollowsBrand: f.State.CustomerFollowsBrand,
		Pending:     optional(string(f.State.Pending)),
		RequestedBy: newAgentView(f.State.RequestedBy), RequestedAction: string(f.State.RequestedAction),
		RequestedAt: jsonTime(f.State.RequestedAt),
	}
}

type customerDetailsView struct {
	customerView
	Follows []followView `json:"follows"`
}

func newCustomerDetailsView(d *casework.CustomerDetails) customerDetailsView {
	v := customerDetailsView{customerView: newCustomerView(&d.Customer), Follows: make([]followView, 0, len(d.Follows))}
	for i := range d.Follows {
		v.Follows = append(v.Follows, newFollowView(&d.Follows[i]))
	}
	return v
}

type modeView struct {
	Mode      string `json:"mode"`
	MaxLength int    `json:"max_length"`
	Prefill   string `json:"prefill"`
	Reason    string `json:"reason,omitempty"`
	// Allowed says whether X allows the mode to the default target on the
	// deployment's X access; NotAllowed says why not.
	Allowed    bool              `json:"allowed"`
	NotAllowed *messageErrorView `json:"not_allowed,omitempty"`
	// Price is what sending the prefill costs on X; PriceWithURL, for a
	// mention, what it costs once the text holds a URL.
	Price        *priceView `json:"price,omitempty"`
	PriceWithURL *priceView `json:"price_with_url,omitempty"`
}

// priceView is a price on X: its kind on X's price list, the amount in US
// dollars (a decimal string, and in millionths), and the date of the list.
type priceView struct {
	Kind   string `json:"kind"`
	USD    string `json:"usd"`
	Micros int64  `json:"micros"`
	AsOf   string `json:"as_of"`
}

func newPriceView(p casework.Price, asOf string) *priceView {
	if p.Kind == "" {
		return nil
	}
	return &priceView{Kind: string(p.Kind), USD: p.Amount.USD(), Micros: int64(p.Amount), AsOf: asOf}
}

func newModeView(m casework.ModeOption, asOf string) modeView {
	v := modeView{Mode: string(m.Mode), MaxLength: m.MaxLength, Prefill: m.Prefill, Reason: string(m.Reason), Allowed: true,
		Price: newPriceView(m.Price, asOf), PriceWithURL: newPriceView(m.PriceWithURL, asOf)}
	if m.Mode == casework.ModeMention && !m.Permit.Allowed {
		v.Allowed, v.NotAllowed = false, &messageErrorView{Code: m.Permit.Code, Detail: m.Permit.Reason}
	}
	return v
}

type handleOptionsView struct {
	HandleID   string     `json:"handle_id"`
	ScreenName string     `json:"screen_name"`
	Modes      []modeView `json:"modes"`
	// DMUnavailable says why no DM is offered to a customer who accepts
	// the brand's DMs (no X Chat keys yet).
	DMUnavailable *messageErrorView `json:"dm_unavailable,omitempty"`
}

type replyOptionsView struct {
	Handles   []handleOptionsView `json:"handles"`
	InReplyTo *messageView        `json:"in_reply_to"`
}

func newReplyOptionsView(o *casework.ReplyOptions, asOf string) replyOptionsView {
	v := replyOptionsView{Handles: make([]handleOptionsView, 0, len(o.Handles))}
	for _, h := range o.Handles {
		hv := handleOptionsView{HandleID: h.Handle.ID, ScreenName: h.Handle.ScreenName, Modes: make([]modeView, 0, len(h.Modes))}
		if u := h.DMUnavailable; u != nil {
			hv.DMUnavailable = &messageErrorView{Code: u.Code, Detail: u.Detail}
		}
		for _, m := range h.Modes {
			hv.Modes = append(hv.Modes, newModeView(m, asOf))
		}
		v.Handles = append(v.Handles, hv)
	}
	if o.InReplyTo != nil {
		mv := newMessageView(o.InReplyTo)
		v.InReplyTo = &mv
	}
	return v
}

type textCountView struct {
	Mode           string `json:"mode"`
	WeightedLength int    `json:"weighted_length"`
	MaxLength      int    `json:"max_length"`
	Valid          bool   `json:"valid"`
	// Price is what sending the text costs on X.
	Price *priceView `json:"price,omitempty"`
}
