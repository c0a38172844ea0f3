package xsim

import (
	"fmt"
	"github.com/acme/twitter-cases/shared/casework"
	"strconv"
	"strings"
)

// Format is the webhook delivery format the simulator speaks.
type Format string

// Delivery formats: the X Activity API's (the default, as X delivers from
// 1 January 2027) and the Account Activity API's.
const (
	FormatXAA Format = "xaa"
	FormatAAA Format = "aaa"
)

// ParseFormat reads X_SIM_FORMAT: "xaa" (or "") or "aaa", any case.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", FormatXAA:
		return FormatXAA, nil
	case FormatAAA:
		return FormatAAA, nil
	}
	return "", fmt.Errorf("xsim: unknown delivery format %q (xaa or aaa)", s)
}

// X Activity event types the simulator delivers (docs.x.com, "X Activity
// API"; ../spec/XAA.md).
const (
	xaaPostMention = "post.mention.create"
	xaaPostReply   = "post.reply.create"
	xaaPostRepost  = "post.repost.create"
	xaaPostCreate  = "post.create"
	xaaPostDelete  = "post.delete"
	xaaDMReceived  = "dm.received"
	xaaDMSent      = "dm.sent"
	xaaFollow      = "follow.follow"
	xaaUnfollow    = "follow.unfollow"
)

// xaaTag is the tag the simulator's deliveries carry: the subscription's
// label, which the product does not read.
const xaaTag = "twitter-cases-local"

// wants decides whether u's webhook gets an event of eventType (an X
// Activity event type, whatever the delivery format): the one place that
// does. It holds when u has a subscription to eventType on a valid
// webhook (subscriptionFor, activity.go). Called with s.mu held.
func (s *Sim) wants(u *user, eventType string) bool {
	if u == nil {
		return false
	}
	sub, _ := s.subscriptionFor(u.ID, eventType)
	return sub != nil
}

// hookFor is the webhook a delivery of kind (an XAA event type, or an AAA
// payload key) for the user goes to: its subscription's to that event
// type, else any of its subscriptions' (AAA payloads, decided by wants
// already). Called with s.mu held.
func (s *Sim) hookFor(userID, kind string) *webhookConfig {
	if _, hook := s.subscriptionFor(userID, kind); hook != nil {
		return hook
	}
	_, hook := s.subscriptionFor(userID, casework.SubscribedEventTypes...)
	return hook
}

// xaaUser is a v2 user object as X Activity payloads and includes hold it.
type xaaUser struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Username  string `json:"username"`
	CreatedAt string `json:"created_at"`
	Protected bool   `json:"protected"`
}

func (s *Sim) xaaUser(u *user) xaaUser {
	return xaaUser{ID: u.ID, Name: u.Name, Username: u.Username, CreatedAt: u.CreatedAt.UTC().Format(v2TimeLayout)}
}

// v2TimeLayout is how X API v2 writes times.
const v2TimeLayout = "2006-01-02T15:04:05.000Z"

type xaaMention struct {
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Username string `json:"username"`
	ID       string `json:"id"`
}

// xaaPost is a v2 Post object, as X Activity's post.* events carry it.
type xaaPost struct {
	ID                  string   `json:"id"`
	Text                string   `json:"text"`
	AuthorID            string   `json:"author_id"`
	CreatedAt           string   `json:"created_at"`
	ConversationID      string   `json:"conversation_id"`
	InReplyToUserID     string   `json:"in_reply_to_user_id,omitempty"`
	ReferencedTweets    []refTwt `json:"referenced_tweets,omitempty"`
	EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
	Entities            *struct {
		Mentions []xaaMention `json:"mentions"`
	} `json:"entities,omitempty"`
	Lang string `json:"lang"`
}

// xaaPost renders t and the users it involves (for includes.users). Its
// text is not HTML-escaped (XAA.md).
func (s *Sim) xaaPost(t *tweet) (xaaPost, []xaaUser) {
	p := xaaPost{ID: t.ID, Text: s.tweetText(t), AuthorID: t.AuthorID, CreatedAt: t.CreatedAt.UTC().Format(v2TimeLayout),
		ConversationID: s.conversationOf(t), InReplyToUserID: t.InReplyToUserID, EditHistoryTweetIDs: t.history(), Lang: "en"}
	users := []xaaUser{s.xaaUser(s.st.users[t.AuthorID])}
	seen := map[string]bool{t.AuthorID: true}
	include := func(id string) {
		if u := s.st.users[id]; u != nil && !seen[id] {
			seen[id] = true
			users = append(users, s.xaaUser(u))
		}
	}
	if t.InReplyToID != "" {
		p.ReferencedTweets = append(p.ReferencedTweets, refTwt{"replied_to", t.InReplyToID})
		include(t.InReplyToUserID)
	}
	mentions := t.Mentions
	if t.RetweetOfID != "" {
		p.ReferencedTweets = append(p.ReferencedTweets, refTwt{"retweeted", t.RetweetOfID})
		if orig := s.st.tweets[t.RetweetOfID]; orig != nil {
			include(orig.AuthorID)
			// "RT @author: " comes before the original's text.
			shift := len([]rune("RT @" + s.st.users[orig.AuthorID].Username + ": "))
			mentions = []mention{{UserID: orig.AuthorID, Start: 3, End: 4 + len([]rune(s.st.users[orig.AuthorID].Username))}}
			for _, m := range orig.Mentions {
				mentions = append(mentions, mention{UserID: m.UserID, Start: m.Start + shift, End: m.End + shift})
			}
		}
	}
	if len(mentions) > 0 {
		p.Entities = &struct {
			Mentions []xaaMention `json:"mentions"`
		}{}
		for _, m := range mentions {
			if u := s.st.users[m.UserID]; u != nil {
				p.Entities.Mentions = append(p.Entities.Mentions, xaaMention{Start: m.Start, End: m.End, Username: u.Username, ID: u.ID})
				include(u.ID)
			}
		}
	}
	return p, users
}

// postEventType is the X Activity event a new Tweet t is for the
// subscribed user u, or "" when it is none of u's: u's own Post
// (post.create), a Retweet of u's Post (post.repost.create), a direct
// reply to u's Post (post.reply.create; X leaves replies to replies and
// implicit mentions out), an explicit mention of u (post.mention.create).
func (s *Sim) postEventType(t *tweet, u *user) string {
	switch {
	case t.AuthorID == u.ID:
		return xaaPostCreate
	case t.RetweetOfID != "":
		if orig := s.st.tweets[t.RetweetOfID]; orig != nil && orig.AuthorID == u.ID {
			return xaaPostRepost
		}
		return ""
	case t.InReplyToUserID == u.ID:
		return xaaPostReply
	}
	for _, m := range t.Mentions {
		if m.UserID == u.ID {
			return xaaPostMention
		}
	}
	return ""
}

// enqueueXAA queues one X Activity delivery for the subscribed user u:
// {"data": {event_uuid, filter, event_type, tag, payload, includes}}.
// Called with s.mu held.
func (s *Sim) enqueueXAA(u *user, eventType string, payload any, users []xaaUser) {
	s.xaaSeq++
	// A decimal string, possibly negative, as X's are; unique per delivery.
	uuid := strconv.FormatInt(-(1<<62)+s.xaaSeq*7919, 10)
	tag := xaaTag
	if sub, _ := s.subscriptionFor(u.ID, eventType); sub != nil && sub.Tag != "" {
		tag = sub.Tag // the subscription's own label, as X sends it
	}
	data := map[string]any{"event_uuid": uuid, "filter": map[string]string{"user_id": u.ID}, "event_type": eventType,
		"tag": tag, "payload": payload}
	if len(users) > 0 {
		data["includes"] = map[string]any{"users": users}
	}
	s.enqueue(u.ID, eventType, map[string]any{"data": data})
}

// deliverTweetXAA sends a new Tweet to every subscribed user it is an
// event for. Called with s.mu held.
func (s *Sim) deliverTweetXAA(t *tweet) {
	involved := []string{t.AuthorID, t.InReplyToUserID}
	for _, m := range t.Mentions {
		involved = append(involved, m.UserID)
	}
	if orig := s.st.tweets[t.RetweetOfID]; orig != nil {
		involved = append(involved, orig.AuthorID)
	}
	seen := map[string]bool{}
	for _, id := range involved {
		u := s.st.users[id]
		if id == "" || seen[id] || u == nil {
			continue
		}
		seen[id] = true
		typ := s.postEventType(t, u)
		if typ == "" || !s.wants(u, typ) {
			continue
		}
		t.deliveredTo = append(t.deliveredTo, id)
		p, users := s.xaaPost(t)
		s.enqueueXAA(u, typ, p, users)
	}
}

// deliverDeleteXAA tells the author, when subscribed, that its Post is
// gone (post.delete); X Activity does not tell anyone else of a deletion.
func (s *Sim) deliverDeleteXAA(t *tweet) {
	if u := s.st.users[t.AuthorID]; s.wants(u, xaaPostDelete) {
		s.enqueueXAA(u, xaaPostDelete, map[string]string{"id": t.ID, "author_id": t.AuthorID}, nil)
	}
}

// deliverDMXAA sends dm.received to the recipient and dm.sent to the
// sender, each when subscribed: AAA's message_create event with a users
// map whose entries are wrapped in {"data": user}.
func (s *Sim) deliverDMXAA(m *dm, ev map[string]any) {
	from, to := s.st.users[m.SenderID], s.st.users[m.RecipientID]
	users := map[string]any{from.ID: map[string]any{"data": s.xaaUser(from)}, to.ID: map[string]any{"data": s.xaaUser(to)}}
	payload := map[string]any{"direct_message_events": []any{ev}, "users": users}
	if s.wants(to, xaaDMReceived) && to != from {
		s.enqueueXAA(to, xaaDMReceived, payload, nil)
	}
	if s.wants(from, xaaDMSent) {
		s.enqueueXAA(from, xaaDMSent, payload, nil)
	}
}

// deliverFollowXAA sends follow.follow or follow.unfollow to the source
// and the target, each when subscribed; X sends no time with them.
func (s *Sim) deliverFollowXAA(src, target *user, follow bool) {
	typ := xaaUnfollow
	if follow {
		typ = xaaFollow
	}
	payload := map[string]any{"source": map[string]any{"data": s.xaaUser(src)}, "target": map[string]any{"data": s.xaaUser(target)}}
	for _, u := range []*user{src, target} {
		if s.wants(u, typ) {
			s.enqueueXAA(u, typ, payload, nil)
		}
	}
}
