// Package activity parses what X's webhook delivers into the domain's
// inbound events (casework.Event), which casework.Inbound applies: the
// payloads of the Account Activity API (AAA, until 1 January 2027; this
// file) and the deliveries of the X Activity API (XAA, xaa.go). Both
// formats produce the same events, with the same ids for the same Tweet or
// DM, so the rules never know which format an event came in; this package
// is the only one that knows X's payload shapes.
//
// For AAA it understands the v1.1-style formats X documents: tweet_create_events
// (Tweet objects with id_str, text, extended_tweet, user, entities,
// in_reply_to_status_id_str, retweeted_status, quoted_status),
// direct_message_events (message_create, with the payload's users map),
// follow_events and unfollow_events, tweet_delete_events, favorite_events and
// user_event revocations. Typing and read indicators are recognised and
// dropped. Every event gets an ID that is the same however often X delivers
// it, for exactly-once processing.
package activity

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// ErrNotObject is returned for a payload that is not a JSON object.
var ErrNotObject = errors.New("activity: payload is not a JSON object")

// BadEvent is one event of a payload that could not be parsed: where it is
// ("tweet_create_events[1]", "data" for an X Activity delivery) and why.
type BadEvent struct {
	Where string
	Err   error
}

// Parsed is what one queue message holds.
type Parsed struct {
	// Events are the events that parsed, in payload order.
	Events []casework.Event
	// Bad are the events that did not parse; the others are still usable.
	Bad []BadEvent
	// Format is FormatAAA or FormatXAA.
	Format Format
	// Ignored is the event type of an X Activity delivery the product does
	// not use ("" otherwise); such a delivery has no events.
	Ignored string
}

// Err returns the bad events as one error, or nil when there are none.
func (p Parsed) Err() error {
	var errs []error
	for _, b := range p.Bad {
		errs = append(errs, fmt.Errorf("%s: %w", b.Where, b.Err))
	}
	return errors.Join(errs...)
}

// Format says which of X's APIs a payload comes from.
type Format string

// Payload formats: Account Activity (until 1 January 2027) and X Activity.
const (
	FormatAAA Format = "aaa"
	FormatXAA Format = "xaa"
)

// Parse turns one payload, in either format, into its events. Any event
// that does not parse makes it fail; ParseMessage keeps the others.
func Parse(body []byte) ([]casework.Event, error) {
	p, err := ParseMessage(body, time.Time{})
	if err != nil {
		return nil, err
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return p.Events, nil
}

// ParseMessage turns one queue message into its events: an Account
// Activity payload (a JSON object with for_user_id and event arrays) or an
// X Activity delivery (the {"data": {...}} envelope, see xaa.go).
// receivedAt is when the webhook received it (the SQS message's
// SentTimestamp); it dates the X Activity events that carry no time of
// their own (follows, deletions, handle changes), and the zero time means
// now. Unknown keys are ignored; a known event that is malformed is listed
// in Bad while the others are returned. Only a body that is not a JSON
// object (or whose top level does not decode) is an error.
func ParseMessage(body []byte, receivedAt time.Time) (Parsed, error) {
	if !isObject(body) {
		return Parsed{}, ErrNotObject
	}
	var top struct {
		ForUserID *string         `json:"for_user_id"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return Parsed{}, fmt.Errorf("activity: %w", err)
	}
	if receivedAt.IsZero() {
		receivedAt = time.Now()
	}
	if top.ForUserID == nil && len(top.Data) > 0 {
		return parseXAA(top.Data, receivedAt.UTC())
	}
	return parseAAA(body, receivedAt.UTC())
}

// parseAAA parses an Account Activity payload event by event, so that a
// malformed event does not hide its siblings.
func parseAAA(body []byte, receivedAt time.Time) (Parsed, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Parsed{}, fmt.Errorf("activity: %w", err)
	}
	out := Parsed{Format: FormatAAA}
	for _, arr := range []struct {
		key   string
		raws  []json.RawMessage
		parse func(json.RawMessage) (casework.Event, bool, error)
	}{
		{"tweet_create_events", p.TweetCreate, each(func(t tweetJSON) (casework.Event, bool, error) {
			ev, err := t.event(p.ForUserID, receivedAt)
			return ev, true, err
		})},
		{"direct_message_events", p.DirectMessages, each(func(d dmEventJSON) (casework.Event, bool, error) {
			if d.Type != "message_create" {
				return casework.Event{}, false, nil
			}
			ev, err := d.event(p.ForUserID, p.users(), receivedAt)
			return ev, true, err
		})},
		// X sends unfollows under follow_events too, told apart by their type.
		{"follow_events", p.Follows, each(func(f followJSON) (casework.Event, bool, error) {
			typ := casework.EventFollow
			if f.Type == "unfollow" {
				typ = casework.EventUnfollow
			}
			ev, err := f.event(p.ForUserID, typ)
			return ev, true, err
		})},
		{"unfollow_events", p.Unfollows, each(func(f followJSON) (casework.Event, bool, error) {
			ev, err := f.event(p.ForUserID, casework.EventUnfollow)
			return ev, true, err
		})},
		{"tweet_delete_events", p.TweetDeletes, each(func(d deleteJSON) (casework.Event, bool, error) {
			ev, err := d.event(p.ForUserID)
			return ev, true, err
		})},
		{"favorite_events", p.Favorites, each(func(f favoriteJSON) (casework.Event, bool, error) {
			ev, err := f.event(p.ForUserID)
			return ev, true, err
		})},
		{"user_event", p.userEvent(), each(func(u userEventJSON) (casework.Event, bool, error) {
			if u.Revoke == nil {
				return casework.Event{}, false, nil
			}
			ev, err := u.Revoke.event(p.ForUserID)
			return ev, true, err
		})},
	} {
		for i, raw := range arr.raws {
			ev, ok, err := arr.parse(raw)
			switch {
			case err != nil:
				where := fmt.Sprintf("%s[%d]", arr.key, i)
				if arr.key == "user_event" {
					where = arr.key
				}
				out.Bad = append(out.Bad, BadEvent{Where: where, Err: err})
			case ok:
				out.Events = append(out.Events, ev)
			}
		}
	}
	return out, nil
}

// each decodes one event as a T and parses it with parse, which says
// whether it is an event at all (typing indicators and the like are not).
func each[T any](parse func(T) (casework.Event, bool, error)) func(json.RawMessage) (casework.Event, bool, error) {
	return func(raw json.RawMessage) (casework.Event, bool, error) {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return casework.Event{}, false, fmt.Errorf("activity: %w", err)
		}
		return parse(v)
	}
}

// userEvent is the user_event member as a list of zero or one.
func (p payload) userEvent() []json.RawMessage {
	if len(p.UserEvent) == 0 || string(p.UserEvent) == "null" {
		return nil
	}
	return []json.RawMessage{p.UserEvent}
}

func isObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}

// payload is the JSON shape X posts to the webhook. Typing and read
// indicators and the apps map are not needed and not decoded.
// Each event stays raw until it is parsed on its own.
type payload struct {
	ForUserID      string                     `json:"for_user_id"`
	TweetCreate    []json.RawMessage          `json:"tweet_create_events"`
	DirectMessages []json.RawMessage          `json:"direct_message_events"`
	Follows        []json.RawMessage          `json:"follow_events"`
	Unfollows      []json.RawMessage          `json:"unfollow_events"`
	TweetDeletes   []json.RawMessage          `json:"tweet_delete_events"`
	Favorites      []json.RawMessage          `json:"favorite_events"`
	UserEvent      json.RawMessage            `json:"user_event"`
	Users          map[string]json.RawMessage `json:"users"`
}

// users decodes the users map, skipping an entry that does not decode (a
// DM whose sender or recipient is then missing fails on its own).
func (p payload) users() map[string]dmUserJSON {
	out := make(map[string]dmUserJSON, len(p.Users))
	for id, raw := range p.Users {
		var u dmUserJSON
		if json.Unmarshal(raw, &u) == nil {
			out[id] = u
		}
	}
	return out
}

type userJSON struct {
	IDStr      string `json:"id_str"`
	ID         any    `json:"id"` // a number in Tweet objects, a string in follow events
	ScreenName string `json:"screen_name"`
	Name       string `json:"name"`
}

func (u userJSON) user() casework.XAccount {
	id := u.IDStr
	if id == "" {
		switch v := u.ID.(type) {
		case string:
			id = v
		case float64:
			// Ids above 2^53 lose precision as numbers; X sends id_str for that reason.
			id = strconv.FormatFloat(v, 'f', 0, 64)
		}
	}
	return casework.XAccount{ID: id, ScreenName: u.ScreenName, Name: u.Name}
}

type tweetJSON struct {
	IDStr                string     `json:"id_str"`
	Text                 string     `json:"text"`
	FullText             string     `json:"full_text"`
	CreatedAt            string     `json:"created_at"`
	TimestampMS          string     `json:"timestamp_ms"`
	User                 userJSON   `json:"user"`
	InReplyToStatusIDStr string     `json:"in_reply_to_status_id_str"`
	InReplyToUserIDStr   string     `json:"in_reply_to_user_id_str"`
	Entities             entities   `json:"entities"`
	ExtendedEntities     entities   `json:"extended_entities"`
	ExtendedTweet        *extended  `json:"extended_tweet"`
	RetweetedStatus      *tweetJSON `json:"retweeted_status"`
	QuotedStatus         *tweetJSON `json:"quoted_status"`
	QuotedStatusIDStr    string     `json:"quoted_status_id_str"`
}

type extended struct {
	FullText         string   `json:"full_text"`
	Entities         entities `json:"entities"`
	ExtendedEntities entities `json:"extended_entities"`
}

type entities struct {
	UserMentions []userJSON  `json:"user_mentions"`
	URLs         []urlJSON   `json:"urls"`
	Media        []mediaJSON `json:"media"`
	Hashtags     []struct {
		Text string `json:"text"`
	} `json:"hashtags"`
}

type urlJSON struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
	// MediaKey marks, in a v2 Post, the link of an attachment.
	MediaKey string `json:"media_key"`
}

func (u urlJSON) url() casework.Link { return casework.Link{URL: u.URL, ExpandedURL: u.ExpandedURL} }

// mediaJSON is a v1.1 media entity.
type mediaJSON struct {
	IDStr         string `json:"id_str"`
	MediaKey      string `json:"media_key"`
	Type          string `json:"type"`
	MediaURLHTTPS string `json:"media_url_https"`
}

// mediaKeyPrefix is the prefix of a v2 media key by media type.
var mediaKeyPrefix = map[string]string{"photo": "3_", "video": "7_", "animated_gif": "16_"}

func (m mediaJSON) media() casework.Media {
	key := m.MediaKey
	if key == "" && m.IDStr != "" {
		key = mediaKeyPrefix[m.Type] + m.IDStr
	}
	return casework.Media{Key: key, Type: m.Type, URL: m.MediaURLHTTPS}
}

// unescape undoes the HTML escaping X applies to Tweet text (&amp; &lt; &gt;).
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return html.UnescapeString(s)
}

// twitterTime is the v1.1 created_at layout.
const twitterTime = "Mon Jan 02 15:04:05 -0700 2006"

func (t tweetJSON) event(forUser string, receivedAt time.Time) (casework.Event, error) {
	if t.IDStr == "" {
		return casework.Event{}, errors.New("activity: a tweet_create_event has no id_str")
	}
	tw := &casework.Tweet{
		ID:              t.IDStr,
		Text:            unescape(t.Text),
		Author:          t.User.user(),
		InReplyToID:     t.InReplyToStatusIDStr,
		InReplyToUserID: t.InReplyToUserIDStr,
		QuotedID:        t.QuotedStatusIDStr,
	}
	ents, media := t.Entities, t.ExtendedEntities.Media
	if t.FullText != "" {
		tw.Text = unescape(t.FullText)
	}
	if t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "" {
		tw.Text = unescape(t.ExtendedTweet.FullText)
		if len(t.ExtendedTweet.Entities.UserMentions) > 0 {
			ents.UserMentions = t.ExtendedTweet.Entities.UserMentions
		}
		// The truncated text's links are not all in the full text (its
		// last one points at the Tweet itself): only the full text's count.
		ents.URLs = t.ExtendedTweet.Entities.URLs
		ents.Hashtags = t.ExtendedTweet.Entities.Hashtags
		if len(t.ExtendedTweet.ExtendedEntities.Media) > 0 {
			media = t.ExtendedTweet.ExtendedEntities.Media
		}
	}
	if len(media) == 0 {
		media = ents.Media
	}
	for _, m := range ents.UserMentions {
		tw.Mentions = append(tw.Mentions, m.user())
	}
	for _, u := range ents.URLs {
		tw.URLs = append(tw.URLs, u.url())
	}
	for _, h := range ents.Hashtags {
		if h.Text != "" {
			tw.Hashtags = append(tw.Hashtags, h.Text)
		}
	}
	for _, m := range media {
		tw.Media = append(tw.Media, m.media())
	}
	if t.RetweetedStatus != nil {
		tw.RetweetOfID = t.RetweetedStatus.IDStr
	}
	if tw.QuotedID == "" && t.QuotedStatus != nil {
		tw.QuotedID = t.QuotedStatus.IDStr
	}
	at, err := tweetTime(t.CreatedAt, t.TimestampMS)
	if err != nil && t.CreatedAt == "" && t.TimestampMS == "" {
		at, err = createdAt(t.IDStr, receivedAt), nil
	}
	if err != nil {
		return casework.Event{}, fmt.Errorf("activity: tweet %s: %w", t.IDStr, err)
	}
	tw.CreatedAt = at
	return casework.Event{ID: casework.TweetEventID(t.IDStr), Type: casework.EventTweet, ForUserID: forUser, At: at, Tweet: tw}, nil
}

func tweetTime(createdAt, timestampMS string) (time.Time, error) {
	if timestampMS != "" {
		return millis(timestampMS)
	}
	if createdAt == "" {
		return time.Time{}, errors.New("no created_at")
	}
	t, err := time.Parse(twitterTime, createdAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("created_at %q: %w", createdAt, err)
	}
	return t.UTC(), nil
}

// createdAt is when the Post or DM with X id id was created, for one
// delivered without its time (created_at, timestamp_ms,
// created_timestamp), which X usually sends: the time in its snowflake id
// (X's own, to the millisecond, and right in a replay days later), else
// receivedAt, when the webhook received it.
func createdAt(id string, receivedAt time.Time) time.Time {
	if t, ok := casework.SnowflakeTime(id); ok {
		return t
	}
	return receivedAt
}

// millis parses X's millisecond timestamps, sent as strings or numbers.
func millis(s string) (time.Time, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms < 0 {
		return time.Time{}, fmt.Errorf("timestamp %q is not milliseconds since the epoch", s)
	}
	return time.UnixMilli(ms).UTC(), nil
}

type dmEventJSON struct {
	Type             string `json:"type"`
	ID               string `json:"id"`
	CreatedTimestamp string `json:"created_timestamp"`
	MessageCreate    *struct {
		Target struct {
			RecipientID string `json:"recipient_id"`
		} `json:"target"`
		SenderID    string `json:"sender_id"`
		MessageData struct {
			Text string `json:"text"`
		} `json:"message_data"`
	} `json:"message_create"`
}

type dmUserJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ScreenName string `json:"screen_name"`
}

func (d dmEventJSON) event(forUser string, users map[string]dmUserJSON, receivedAt time.Time) (casework.Event, error) {
	if d.ID == "" || d.MessageCreate == nil {
		return casework.Event{}, errors.New("activity: a direct_message_event has no id or message_create")
	}
	at, err := millis(d.CreatedTimestamp)
	if d.CreatedTimestamp == "" {
		at, err = createdAt(d.ID, receivedAt), nil
	}
	if err != nil {
		return casework.Event{}, fmt.Errorf("activity: dm %s: %w", d.ID, err)
	}
	lookup := func(id string) casework.XAccount {
		u := users[id]
		return casework.XAccount{ID: id, ScreenName: u.ScreenName, Name: u.Name}
	}
	dm := &casework.DM{
		ID:        d.ID,
		Text:      d.MessageCreate.MessageData.Text,
		Sender:    lookup(d.MessageCreate.SenderID),
		Recipient: lookup(d.MessageCreate.Target.RecipientID),
		CreatedAt: at,
	}
	if dm.Sender.ID == "" || dm.Recipient.ID == "" {
		return casework.Event{}, fmt.Errorf("activity: dm %s lacks its sender or recipient", d.ID)
	}
	return casework.Event{ID: "dm:" + d.ID, Type: casework.EventDM, ForUserID: forUser, At: at, DM: dm}, nil
}

type followJSON struct {
	Type             string   `json:"type"`
	CreatedTimestamp string   `json:"created_timestamp"`
	Target           userJSON `json:"target"`
	Source           userJSON `json:"source"`
}

func (f followJSON) event(forUser string, typ casework.EventType) (casework.Event, error) {
	at, err := millis(f.CreatedTimestamp)
	if err != nil {
		return casework.Event{}, fmt.Errorf("activity: %s: %w", typ, err)
	}
	fl := &casework.FollowEvent{Source: f.Source.user(), Target: f.Target.user()}
	if fl.Source.ID == "" || fl.Target.ID == "" {
		return casework.Event{}, fmt.Errorf("activity: a %s event lacks its source or target", typ)
	}
	id := fmt.Sprintf("%s:%s:%s:%d", typ, fl.Source.ID, fl.Target.ID, at.UnixMilli())
	return casework.Event{ID: id, Type: typ, ForUserID: forUser, At: at, Follow: fl}, nil
}

type deleteJSON struct {
	Status struct {
		ID     string `json:"id"`
		UserID string `json:"user_id"`
	} `json:"status"`
	TimestampMS string `json:"timestamp_ms"`
}

func (d deleteJSON) event(forUser string) (casework.Event, error) {
	if d.Status.ID == "" {
		return casework.Event{}, errors.New("activity: a tweet_delete_event has no status id")
	}
	at, err := millis(d.TimestampMS)
	if err != nil {
		return casework.Event{}, fmt.Errorf("activity: tweet delete %s: %w", d.Status.ID, err)
	}
	return casework.Event{ID: "delete:" + d.Status.ID, Type: casework.EventTweetDelete, ForUserID: forUser, At: at,
		Delete: &casework.TweetDeletion{TweetID: d.Status.ID, UserID: d.Status.UserID}}, nil
}

type favoriteJSON struct {
	ID              string      `json:"id"`
	TimestampMS     json.Number `json:"timestamp_ms"`
	CreatedAt       string      `json:"created_at"`
	FavoritedStatus tweetJSON   `json:"favorited_status"`
	User            userJSON    `json:"user"`
}

func (f favoriteJSON) event(forUser string) (casework.Event, error) {
	if f.FavoritedStatus.IDStr == "" {
		return casework.Event{}, errors.New("activity: a favorite_event has no favorited_status")
	}
	at, err := tweetTime(f.CreatedAt, f.TimestampMS.String())
	if err != nil {
		return casework.Event{}, fmt.Errorf("activity: favorite: %w", err)
	}
	u := f.User.user()
	id := f.ID
	if id == "" {
		id = u.ID + ":" + f.FavoritedStatus.IDStr
	}
	return casework.Event{ID: "favorite:" + id, Type: casework.EventFavorite, ForUserID: forUser, At: at,
		Favorite: &casework.Favorite{ID: f.ID, TweetID: f.FavoritedStatus.IDStr, User: u}}, nil
}

type userEventJSON struct {
	Revoke *revokeJSON `json:"revoke"`
}

type revokeJSON struct {
	DateTime string `json:"date_time"`
	Source   struct {
		UserID string `json:"user_id"`
	} `json:"source"`
}

func (r revokeJSON) event(forUser string) (casework.Event, error) {
	if r.Source.UserID == "" {
		return casework.Event{}, errors.New("activity: a revoke event has no source user_id")
	}
	at, err := time.Parse(time.RFC3339, r.DateTime)
	if err != nil {
		return casework.Event{}, fmt.Errorf("activity: revoke date_time %q: %w", r.DateTime, err)
	}
	if forUser == "" {
		forUser = r.Source.UserID
	}
	return casework.Event{ID: fmt.Sprintf("revoke:%s:%d", r.Source.UserID, at.Unix()), Type: casework.EventRevoke, ForUserID: forUser,
		At: at.UTC(), Revoke: &casework.Revocation{UserID: r.Source.UserID}}, nil
}
