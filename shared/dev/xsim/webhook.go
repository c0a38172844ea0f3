package xsim

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The webhook deliveries are X Activity API envelopes by default (xaa.go;
// Options.Format) or, with FormatAAA, Account Activity API payloads (v1.1
// formats, as X documents them in "Account Activity data objects"):
//
//   - tweet_create_events: v1.1 Tweet objects (id, id_str, text with '&',
//     '<' and '>' escaped as HTML entities, as X sends it, user,
//     entities.user_mentions, in_reply_to_status_id_str, retweeted_status,
//     extended_tweet for text over 140 characters, timestamp_ms), plus
//     user_has_blocked for a mention of the subscribed user by someone else;
//   - direct_message_events: message_create events with the payload's users
//     map (and apps, for messages sent through the API);
//   - follow_events: {type: "follow" | "unfollow", created_timestamp,
//     source, target}. X documents unfollows under the follow_events key,
//     told apart by type;
//   - tweet_delete_events: {status: {id, user_id}, timestamp_ms}.
//
// Every payload carries for_user_id, the subscribed user it is for, and is
// signed: x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256 of the
// body with the consumer secret>.

// The simulated app, as direct_message_events name it.
const (
	appID   = "1700000000000000001"
	appName = "twitter-cases"
	appURL  = "https://example.com/twitter-cases"
)

type v1User struct {
	ID                   uint64  `json:"id"`
	IDStr                string  `json:"id_str"`
	Name                 string  `json:"name"`
	ScreenName           string  `json:"screen_name"`
	Location             *string `json:"location"`
	URL                  *string `json:"url"`
	Description          *string `json:"description"`
	Protected            bool    `json:"protected"`
	Verified             bool    `json:"verified"`
	FollowersCount       int     `json:"followers_count"`
	FriendsCount         int     `json:"friends_count"`
	StatusesCount        int     `json:"statuses_count"`
	CreatedAt            string  `json:"created_at"`
	ProfileImageURLHTTPS string  `json:"profile_image_url_https"`
	DefaultProfile       bool    `json:"default_profile"`
	DefaultProfileImage  bool    `json:"default_profile_image"`
}

type v1Mention struct {
	ScreenName string `json:"screen_name"`
	Name       string `json:"name"`
	ID         uint64 `json:"id"`
	IDStr      string `json:"id_str"`
	Indices    [2]int `json:"indices"`
}

type v1Entities struct {
	Hashtags     []any       `json:"hashtags"`
	URLs         []any       `json:"urls"`
	UserMentions []v1Mention `json:"user_mentions"`
	Symbols      []any       `json:"symbols"`
}

type v1Extended struct {
	FullText         string     `json:"full_text"`
	DisplayTextRange [2]int     `json:"display_text_range"`
	Entities         v1Entities `json:"entities"`
}

type v1Tweet struct {
	CreatedAt            string      `json:"created_at"`
	ID                   uint64      `json:"id"`
	IDStr                string      `json:"id_str"`
	Text                 string      `json:"text"`
	Source               string      `json:"source"`
	Truncated            bool        `json:"truncated"`
	InReplyToStatusID    *uint64     `json:"in_reply_to_status_id"`
	InReplyToStatusIDStr *string     `json:"in_reply_to_status_id_str"`
	InReplyToUserID      *uint64     `json:"in_reply_to_user_id"`
	InReplyToUserIDStr   *string     `json:"in_reply_to_user_id_str"`
	InReplyToScreenName  *string     `json:"in_reply_to_screen_name"`
	User                 v1User      `json:"user"`
	RetweetedStatus      *v1Tweet    `json:"retweeted_status,omitempty"`
	IsQuoteStatus        bool        `json:"is_quote_status"`
	ExtendedTweet        *v1Extended `json:"extended_tweet,omitempty"`
	QuoteCount           int         `json:"quote_count"`
	ReplyCount           int         `json:"reply_count"`
	RetweetCount         int         `json:"retweet_count"`
	FavoriteCount        int         `json:"favorite_count"`
	Entities             v1Entities  `json:"entities"`
	Favorited            bool        `json:"favorited"`
	Retweeted            bool        `json:"retweeted"`
	FilterLevel          string      `json:"filter_level"`
	Lang                 string      `json:"lang"`
	TimestampMS          string      `json:"timestamp_ms,omitempty"`
}

// aaUser is a user as follow events and DM users maps show it.
type aaUser struct {
	ID                   string `json:"id"`
	CreatedTimestamp     string `json:"created_timestamp"`
	Name                 string `json:"name"`
	ScreenName           string `json:"screen_name"`
	Protected            bool   `json:"protected"`
	Verified             bool   `json:"verified"`
	FollowersCount       int    `json:"followers_count"`
	FriendsCount         int    `json:"friends_count"`
	StatusesCount        int    `json:"statuses_count"`
	ProfileImageURLHTTPS string `json:"profile_image_url_https"`
}

const (
	v1TimeLayout   = "Mon Jan 02 15:04:05 -0700 2006"
	defaultAvatar  = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
	compatTextSize = 140
)

// escapeText is how X shows a Tweet's text in its API answers and webhook
// payloads: '&', '<' and '>' as HTML entities (entity indices still count
// the unescaped text).
var escapeText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

func parseID(id string) uint64 {
	n, _ := strconv.ParseUint(id, 10, 64)
	return n
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func (s *Sim) v1User(u *user) v1User {
	return v1User{ID: parseID(u.ID), IDStr: u.ID, Name: u.Name, ScreenName: u.Username,
		FollowersCount: len(s.st.followers(u.ID)), FriendsCount: len(u.following), StatusesCount: s.st.statusesCount(u.ID),
		CreatedAt: u.CreatedAt.UTC().Format(v1TimeLayout), ProfileImageURLHTTPS: defaultAvatar, DefaultProfile: true, DefaultProfileImage: true}
}

func (s *Sim) aaUser(u *user) aaUser {
	return aaUser{ID: u.ID, CreatedTimestamp: millis(u.CreatedAt), Name: u.Name, ScreenName: u.Username,
		FollowersCount: len(s.st.followers(u.ID)), FriendsCount: len(u.following), StatusesCount: s.st.statusesCount(u.ID),
		ProfileImageURLHTTPS: defaultAvatar}
}

func (s *Sim) entities(mentions []mention) v1Entities {
	e := v1Entities{Hashtags: []any{}, URLs: []any{}, UserMentions: []v1Mention{}, Symbols: []any{}}
	for _, m := range mentions {
		u := s.st.users[m.UserID]
		e.UserMentions = append(e.UserMentions, v1Mention{ScreenName: u.Username, Name: u.Name, ID: parseID(u.ID), IDStr: u.ID, Indices: [2]int{m.Start, m.End}})
	}
	return e
}

// v1Tweet renders t as a v1.1 Tweet object. A text over 140 characters is
// truncated in text (ending in "…") and given whole in extended_tweet.
func (s *Sim) v1Tweet(t *tweet) *v1Tweet {
	author := s.st.users[t.AuthorID]
	out := &v1Tweet{CreatedAt: t.CreatedAt.UTC().Format(v1TimeLayout), ID: parseID(t.ID), IDStr: t.ID,
		Source: `<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>`,
		User:   s.v1User(author), FilterLevel: "low", Lang: "en", TimestampMS: millis(t.CreatedAt)}
	if t.ViaAPI {
		out.Source = `<a href="` + appURL + `" rel="nofollow">` + appName + `</a>`
	}
	if t.InReplyToID != "" {
		id, uid := parseID(t.InReplyToID), parseID(t.InReplyToUserID)
		idStr, uidStr := t.InReplyToID, t.InReplyToUserID
		out.InReplyToStatusID, out.InReplyToStatusIDStr = &id, &idStr
		out.InReplyToUserID, out.InReplyToUserIDStr = &uid, &uidStr
		if p := s.st.users[t.InReplyToUserID]; p != nil {
			name := p.Username
			out.InReplyToScreenName = &name
		}
	}
	text := escapeText(s.tweetText(t))
	ents := s.entities(t.Mentions)
	if runes := []rune(text); len(runes) > compatTextSize {
		out.Truncated = true
		out.Text = string(runes[:compatTextSize-1]) + "…"
		out.ExtendedTweet = &v1Extended{FullText: text, DisplayTextRange: [2]int{0, len(runes)}, Entities: ents}
		cut := v1Entities{Hashtags: ents.Hashtags, URLs: ents.URLs, UserMentions: []v1Mention{}, Symbols: ents.Symbols}
		for _, m := range ents.UserMentions {
			if m.Indices[1] <= compatTextSize-1 {
				cut.UserMentions = append(cut.UserMentions, m)
			}
		}
		out.Entities = cut
	} else {
		out.Text = text
		out.Entities = ents
	}
	if t.RetweetOfID != "" {
		if orig := s.st.tweets[t.RetweetOfID]; orig != nil {
			rs := s.v1Tweet(orig)
			rs.TimestampMS = ""
			out.RetweetedStatus = rs
		}
	}
	return out
}

// deliverTweet sends a new Tweet to every subscribed user it involves: its
// author, the users it mentions, the author of the Tweet it replies to and
// the author of the Tweet it Retweets. A Retweet does not count as
// mentioning the users the Retweeted Tweet mentions (X's mentions leave
// Retweets out). Called with s.mu held.
func (s *Sim) deliverTweet(t *tweet) {
	if s.opts.Format != FormatAAA {
		s.deliverTweetXAA(t)
		return
	}
	involved := []string{t.AuthorID}
	if t.RetweetOfID == "" {
		for _, m := range t.Mentions {
			involved = append(involved, m.UserID)
		}
	}
	if t.InReplyToUserID != "" {
		involved = append(involved, t.InReplyToUserID)
	}
	if orig := s.st.tweets[t.RetweetOfID]; orig != nil {
		involved = append(involved, orig.AuthorID)
	}
	seen := map[string]bool{}
	var obj *v1Tweet
	for _, id := range involved {
		u := s.st.users[id]
		if seen[id] || u == nil || !s.wants(u, cmp.Or(s.postEventType(t, u), xaaPostMention)) {
			continue
		}
		seen[id] = true
		t.deliveredTo = append(t.deliveredTo, id)
		if obj == nil {
			obj = s.v1Tweet(t)
		}
		payload := map[string]any{"for_user_id": id, "tweet_create_events": []*v1Tweet{obj}}
		if id != t.AuthorID {
			payload["user_has_blocked"] = false
		}
		s.enqueue(id, "tweet_create_events", payload)
	}
}

// deliverDelete tells the subscribed users that got a Tweet that it is gone.
func (s *Sim) deliverDelete(t *tweet) {
	if s.opts.Format != FormatAAA {
		s.deliverDeleteXAA(t)
		return
	}
	ev := map[string]any{"status": map[string]string{"id": t.ID, "user_id": t.AuthorID}, "timestamp_ms": millis(s.now())}
	for _, id := range t.deliveredTo {
		if !s.wants(s.st.users[id], xaaPostDelete) {
			continue
		}
		s.enqueue(id, "tweet_delete_events", map[string]any{"for_user_id": id, "tweet_delete_events": []any{ev}})
	}
}

// deliverDM sends a Direct Message to its subscribed sender and recipient.
func (s *Sim) deliverDM(m *dm) {
	from, to := s.st.users[m.SenderID], s.st.users[m.RecipientID]
	create := map[string]any{
		"target":       map[string]string{"recipient_id": m.RecipientID},
		"sender_id":    m.SenderID,
		"message_data": map[string]any{"text": m.Text, "entities": v1Entities{Hashtags: []any{}, URLs: []any{}, UserMentions: []v1Mention{}, Symbols: []any{}}},
	}
	if m.ViaAPI {
		create["source_app_id"] = appID
	}
	ev := map[string]any{"type": "message_create", "id": m.ID, "created_timestamp": millis(m.CreatedAt), "message_create": create}
	if s.opts.Format != FormatAAA {
		s.deliverDMXAA(m, ev)
		return
	}
	users := map[string]aaUser{from.ID: s.aaUser(from), to.ID: s.aaUser(to)}
	for _, u := range []*user{from, to} {
		typ := xaaDMSent
		if u == to {
			typ = xaaDMReceived
		}
		if !s.wants(u, typ) || (u == to && from == to) {
			continue
		}
		payload := map[string]any{"for_user_id": u.ID, "direct_message_events": []any{ev}, "users": users}
		if m.ViaAPI {
			payload["apps"] = map[string]any{appID: map[string]string{"id": appID, "name": appName, "url": appURL}}
		}
		s.enqueue(u.ID, "direct_message_events", payload)
	}
}

// deliverFollow sends a follow or unfollow to its subscribed source and
// target, under follow_events with type "follow" or "unfollow" as X does.
func (s *Sim) deliverFollow(src, target *user, follow bool) {
	if s.opts.Format != FormatAAA {
		s.deliverFollowXAA(src, target, follow)
		return
	}
	typ, xtyp := "unfollow", xaaUnfollow
	if follow {
		typ, xtyp = "follow", xaaFollow
	}
	ev := map[string]any{"type": typ, "created_timestamp": millis(s.now()), "target": s.aaUser(target), "source": s.aaUser(src)}
	for _, u := range []*user{src, target} {
		if s.wants(u, xtyp) {
			s.enqueue(u.ID, "follow_events", map[string]any{"for_user_id": u.ID, "follow_events": []any{ev}})
		}
	}
}

// enqueue encodes the payload and queues its delivery to the webhook of
// the user's subscription (to the event type, for XAA's kinds). Called
// with s.mu held, so deliveries are queued in the order things happen.
func (s *Sim) enqueue(forUser, kind string, payload any) {
	hook := s.hookFor(forUser, kind)
	if hook == nil {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(payload); err != nil {
		s.log.Error("xsim: encode webhook payload", "err", err)
		return
	}
	s.hooks.add(hook.ID, hook.URL, forUser, kind, bytes.TrimSpace(buf.Bytes()), false)
}

// Signature returns the x-twitter-webhooks-signature value for body:
// "sha256=" and the base64 HMAC-SHA256 of body keyed with secret.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Delivery is one webhook event and what became of it, as GET
// /sim/deliveries lists it.
type Delivery struct {
	Seq int `json:"seq"`
	// WebhookID is the webhook it went to; Replay marks a redelivery asked
	// for through POST /2/webhooks/replay.
	WebhookID string          `json:"webhook_id"`
	Replay    bool            `json:"replay,omitempty"`
	ForUserID string          `json:"for_user_id"`
	Kind      string          `json:"kind"`
	Body      json.RawMessage `json:"body"`
	Attempts  int             `json:"attempts"`
	// Delivered is set once the webhook answered 2xx; GaveUp once every
	// attempt failed.
	Delivered  bool      `json:"delivered"`
	GaveUp     bool      `json:"gave_up"`
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	QueuedAt   time.Time `json:"queued_at"`
	url        string
	next       time.Time
}

// maxDeliveries is how many deliveries the simulator remembers.
const maxDeliveries = 10000

// deliverer posts events to the webhook from one goroutine, started on the
// first event: earliest due first, failed ones again after a backoff
// (so a retried event can arrive after later ones, as with X).
type deliverer struct {
	secret   string
	client   *http.Client
	attempts int
	backoff  time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	all     []*Delivery
	pending []*Delivery
	seq     int
	wake    chan struct{}
	started bool
	closed  bool
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
}

func newDeliverer(secret string, client *http.Client, attempts int, backoff time.Duration, log *slog.Logger) *deliverer {
	ctx, cancel := context.WithCancel(context.Background())
	return &deliverer{secret: secret, client: client, attempts: attempts, backoff: backoff, log: log,
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

func (d *deliverer) add(webhookID, url, forUser, kind string, body []byte, replay bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addLocked(&Delivery{WebhookID: webhookID, url: url, Replay: replay, ForUserID: forUser, Kind: kind, Body: body})
}

func (d *deliverer) addLocked(dl *Delivery) {
	d.seq++
	dl.Seq, dl.QueuedAt = d.seq, time.Now().UTC()
	d.all = append(d.all, dl)
	if len(d.all) > maxDeliveries {
		d.all = d.all[len(d.all)-maxDeliveries:]
	}
	if d.closed {
		return
	}
	d.pending = append(d.pending, dl)
	if !d.started {
		d.started = true
		go d.run()
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// run delivers pending events until the deliverer is closed.
func (d *deliverer) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		var due *Delivery
		var wait time.Duration = -1
		now := time.Now()
		for _, p := range d.pending {
			if !p.next.After(now) {
				due = p
				break
			}
			if w := p.next.Sub(now); wait < 0 || w < wait {
				wait = w
			}
		}
		if due != nil {
			due.Attempts++
			d.mu.Unlock()
			status, err := d.post(due.url, due.Body)
			d.finish(due, status, err)
			continue
		}
		d.mu.Unlock()
		var timer <-chan time.Time
		if wait >= 0 {
			t := time.NewTimer(wait)
			timer = t.C
			select {
			case <-d.ctx.Done():
				t.Stop()
				return
			case <-d.wake:
				t.Stop()
			case <-timer:
			}
			continue
		}
		select {
		case <-d.ctx.Done():
			return
		case <-d.wake:
		}
	}
}

func (d *deliverer) post(url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Twitter-Webhooks/1.0 (xsim)")
	req.Header.Set("x-twitter-webhooks-signature", Signature(d.secret, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// finish records an attempt and either drops the delivery from the queue or
// schedules its retry.
func (d *deliverer) finish(dl *Delivery, status int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	dl.LastStatus = status
	if err == nil {
		dl.Delivered, dl.LastError = true, ""
	} else {
		dl.LastError = err.Error()
		if dl.Attempts >= d.attempts {
			dl.GaveUp = true
			d.log.Warn("xsim: webhook delivery given up", "seq", dl.Seq, "kind", dl.Kind, "attempts", dl.Attempts, "err", err)
		} else {
			dl.next = time.Now().Add(d.backoff << (dl.Attempts - 1))
			d.log.Debug("xsim: webhook delivery failed; will retry", "seq", dl.Seq, "kind", dl.Kind, "err", err)
			return
		}
	}
	for i, p := range d.pending {
		if p == dl {
			d.pending = append(d.pending[:i], d.pending[i+1:]...)
			break
		}
	}
}

// replay queues again, to url, every delivery to the webhook first queued
// in [from, to), and returns how many.
func (d *deliverer) replay(webhookID, url string, from, to time.Time) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	var again []*Delivery
	for _, dl := range d.all {
		if dl.WebhookID == webhookID && !dl.Replay && !dl.QueuedAt.Before(from) && dl.QueuedAt.Before(to) {
			again = append(again, &Delivery{WebhookID: webhookID, url: url, Replay: true, ForUserID: dl.ForUserID, Kind: dl.Kind, Body: dl.Body})
		}
	}
	for _, dl := range again {
		d.addLocked(dl)
	}
	return len(again)
}

// list returns copies of the recorded deliveries.
func (d *deliverer) list() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Delivery, len(d.all))
	for i, dl := range d.all {
		out[i] = *dl
	}
	return out
}

// idle reports whether nothing waits to be delivered.
func (d *deliverer) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending) == 0
}

func (d *deliverer) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.all, d.pending = nil, nil
}

func (d *deliverer) close() {
	d.mu.Lock()
	d.closed = true
	d.pending = nil
	started := d.started
	d.mu.Unlock()
	d.cancel()
	if started {
		<-d.done
	}
}

// Deliveries returns the webhook deliveries made since the start or the
// last reset, oldest first.
func (s *Sim) Deliveries() []Delivery { return s.hooks.list() }

// Flush waits until every queued webhook event has been delivered or given
// up, or ctx is done.
func (s *Sim) Flush(ctx context.Context) error {
	for !s.hooks.idle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// CheckCRC makes X's challenge-response check against every registered
// webhook (X's PUT /2/webhooks/:id), records each one's validity and
// returns the first failure.
func (s *Sim) CheckCRC(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.app.webhooks) == 0 {
		return fmt.Errorf("xsim: no webhook registered")
	}
	var first error
	for _, h := range s.app.webhooks {
		err := s.crc(ctx, h.URL)
		h.Valid = err == nil
		if first == nil {
			first = err
		}
	}
	return first
}

// crc makes X's challenge-response check against a webhook URL: a GET with
// a crc_token, whose answer must be {"response_token": "sha256=..."}
// signed with the consumer secret, within the delivery client's timeout.
func (s *Sim) crc(ctx context.Context, url string) error {
	token := "crc-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"?crc_token="+token, nil)
	if err != nil {
		return fmt.Errorf("xsim: crc: %w", err)
	}
	req.Header.Set("User-Agent", "Twitter-Webhooks/1.0 (xsim)")
	resp, err := s.hooks.client.Do(req)
	if err != nil {
		return fmt.Errorf("xsim: crc: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		ResponseToken string `json:"response_token"`
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("xsim: crc: webhook answered %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&out); err != nil {
		return fmt.Errorf("xsim: crc: %w", err)
	}
	if want := Signature(s.opts.ConsumerSecret, []byte(token)); !hmac.Equal([]byte(out.ResponseToken), []byte(want)) {
		return fmt.Errorf("xsim: crc: wrong response_token")
	}
	return nil
}
