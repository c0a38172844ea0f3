// Package activity parses the payloads of X's Account Activity API (what the
// webhook receives) into a flat list of events the inbound worker applies.
//
// It understands the v1.1-style formats X documents: tweet_create_events
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
)

// Type says what an event is.
type Type string

// Event types.
const (
	TypeTweet       Type = "tweet"
	TypeDM          Type = "dm"
	TypeFollow      Type = "follow"
	TypeUnfollow    Type = "unfollow"
	TypeTweetDelete Type = "tweet_delete"
	TypeFavorite    Type = "favorite"
	TypeRevoke      Type = "revoke"
)

// Event is one thing that happened on X, for one subscribed brand handle.
type Event struct {
	// ID identifies the event across deliveries, e.g. "tweet:123".
	ID   string
	Type Type
	// ForUserID is the subscribed brand handle's X user id.
	ForUserID string
	// At is when it happened on X.
	At time.Time

	Tweet    *Tweet       // TypeTweet
	DM       *DM          // TypeDM
	Follow   *Follow      // TypeFollow, TypeUnfollow
	Delete   *TweetDelete // TypeTweetDelete
	Favorite *Favorite    // TypeFavorite
	Revoke   *Revoke      // TypeRevoke
}

// User is an X account as a payload describes it.
type User struct {
	ID         string
	ScreenName string
	Name       string
}

// Tweet is a Tweet from tweet_create_events.
type Tweet struct {
	ID     string
	Text   string
	Author User
	// InReplyToID and InReplyToUserID say what the Tweet replies to, if anything.
	InReplyToID     string
	InReplyToUserID string
	// Mentions are the accounts the Tweet mentions.
	Mentions []User
	// RetweetOfID is set on a Retweet: the id of the Retweeted Tweet.
	RetweetOfID string
	// QuotedID is set on a quote Tweet: the id of the quoted Tweet.
	QuotedID  string
	CreatedAt time.Time
}

// MentionsUser reports whether the Tweet mentions the user id.
func (t *Tweet) MentionsUser(id string) bool {
	for _, m := range t.Mentions {
		if m.ID == id {
			return true
		}
	}
	return false
}

// DM is a Direct Message from direct_message_events.
type DM struct {
	ID        string
	Text      string
	Sender    User
	Recipient User
	CreatedAt time.Time
}

// Follow is a follow or unfollow: Source follows (or stops following) Target.
type Follow struct {
	Source User
	Target User
}

// TweetDelete says a Tweet was deleted by its author.
type TweetDelete struct {
	TweetID string
	UserID  string
}

// Favorite says User liked the Tweet.
type Favorite struct {
	ID      string
	TweetID string
	User    User
}

// Revoke says a user revoked the app's access to their account.
type Revoke struct {
	UserID string
}

// ErrNotObject is returned for a payload that is not a JSON object.
var ErrNotObject = errors.New("activity: payload is not a JSON object")

// Parse turns one Account Activity payload into its events, in payload
// order. Unknown keys are ignored; a malformed known key is an error.
func Parse(body []byte) ([]Event, error) {
	if !isObject(body) {
		return nil, ErrNotObject
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	var events []Event
	for _, t := range p.TweetCreate {
		ev, err := t.event(p.ForUserID)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	for _, d := range p.DirectMessages {
		if d.Type != "message_create" {
			continue
		}
		ev, err := d.event(p.ForUserID, p.Users)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	// X sends unfollows under follow_events too, told apart by their type.
	for _, f := range p.Follows {
		typ := TypeFollow
		if f.Type == "unfollow" {
			typ = TypeUnfollow
		}
		ev, err := f.event(p.ForUserID, typ)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	for _, f := range p.Unfollows {
		ev, err := f.event(p.ForUserID, TypeUnfollow)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	for _, d := range p.TweetDeletes {
		ev, err := d.event(p.ForUserID)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	for _, f := range p.Favorites {
		ev, err := f.event(p.ForUserID)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	if p.UserEvent != nil && p.UserEvent.Revoke != nil {
		ev, err := p.UserEvent.Revoke.event(p.ForUserID)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
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
type payload struct {
	ForUserID      string                `json:"for_user_id"`
	TweetCreate    []tweetJSON           `json:"tweet_create_events"`
	DirectMessages []dmEventJSON         `json:"direct_message_events"`
	Follows        []followJSON          `json:"follow_events"`
	Unfollows      []followJSON          `json:"unfollow_events"`
	TweetDeletes   []deleteJSON          `json:"tweet_delete_events"`
	Favorites      []favoriteJSON        `json:"favorite_events"`
	UserEvent      *userEventJSON        `json:"user_event"`
	Users          map[string]dmUserJSON `json:"users"`
}

type userJSON struct {
	IDStr      string `json:"id_str"`
	ID         any    `json:"id"` // a number in Tweet objects, a string in follow events
	ScreenName string `json:"screen_name"`
	Name       string `json:"name"`
}

func (u userJSON) user() User {
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
	return User{ID: id, ScreenName: u.ScreenName, Name: u.Name}
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
	ExtendedTweet        *extended  `json:"extended_tweet"`
	RetweetedStatus      *tweetJSON `json:"retweeted_status"`
	QuotedStatus         *tweetJSON `json:"quoted_status"`
	QuotedStatusIDStr    string     `json:"quoted_status_id_str"`
}

type extended struct {
	FullText string   `json:"full_text"`
	Entities entities `json:"entities"`
}

type entities struct {
	UserMentions []userJSON `json:"user_mentions"`
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

func (t tweetJSON) event(forUser string) (Event, error) {
	if t.IDStr == "" {
		return Event{}, errors.New("activity: a tweet_create_event has no id_str")
	}
	tw := &Tweet{
		ID:              t.IDStr,
		Text:            unescape(t.Text),
		Author:          t.User.user(),
		InReplyToID:     t.InReplyToStatusIDStr,
		InReplyToUserID: t.InReplyToUserIDStr,
		QuotedID:        t.QuotedStatusIDStr,
	}
	mentions := t.Entities.UserMentions
	if t.FullText != "" {
		tw.Text = unescape(t.FullText)
	}
	if t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "" {
		tw.Text = unescape(t.ExtendedTweet.FullText)
		if len(t.ExtendedTweet.Entities.UserMentions) > 0 {
			mentions = t.ExtendedTweet.Entities.UserMentions
		}
	}
	for _, m := range mentions {
		tw.Mentions = append(tw.Mentions, m.user())
	}
	if t.RetweetedStatus != nil {
		tw.RetweetOfID = t.RetweetedStatus.IDStr
	}
	if tw.QuotedID == "" && t.QuotedStatus != nil {
		tw.QuotedID = t.QuotedStatus.IDStr
	}
	at, err := tweetTime(t.CreatedAt, t.TimestampMS)
	if err != nil {
		return Event{}, fmt.Errorf("activity: tweet %s: %w", t.IDStr, err)
	}
	tw.CreatedAt = at
	return Event{ID: "tweet:" + t.IDStr, Type: TypeTweet, ForUserID: forUser, At: at, Tweet: tw}, nil
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

func (d dmEventJSON) event(forUser string, users map[string]dmUserJSON) (Event, error) {
	if d.ID == "" || d.MessageCreate == nil {
		return Event{}, errors.New("activity: a direct_message_event has no id or message_create")
	}
	at, err := millis(d.CreatedTimestamp)
	if err != nil {
		return Event{}, fmt.Errorf("activity: dm %s: %w", d.ID, err)
	}
	lookup := func(id string) User {
		u := users[id]
		return User{ID: id, ScreenName: u.ScreenName, Name: u.Name}
	}
	dm := &DM{
		ID:        d.ID,
		Text:      d.MessageCreate.MessageData.Text,
		Sender:    lookup(d.MessageCreate.SenderID),
		Recipient: lookup(d.MessageCreate.Target.RecipientID),
		CreatedAt: at,
	}
	if dm.Sender.ID == "" || dm.Recipient.ID == "" {
		return Event{}, fmt.Errorf("activity: dm %s lacks its sender or recipient", d.ID)
	}
	return Event{ID: "dm:" + d.ID, Type: TypeDM, ForUserID: forUser, At: at, DM: dm}, nil
}

type followJSON struct {
	Type             string   `json:"type"`
	CreatedTimestamp string   `json:"created_timestamp"`
	Target           userJSON `json:"target"`
	Source           userJSON `json:"source"`
}

func (f followJSON) event(forUser string, typ Type) (Event, error) {
	at, err := millis(f.CreatedTimestamp)
	if err != nil {
		return Event{}, fmt.Errorf("activity: %s: %w", typ, err)
	}
	fl := &Follow{Source: f.Source.user(), Target: f.Target.user()}
	if fl.Source.ID == "" || fl.Target.ID == "" {
		return Event{}, fmt.Errorf("activity: a %s event lacks its source or target", typ)
	}
	id := fmt.Sprintf("%s:%s:%s:%d", typ, fl.Source.ID, fl.Target.ID, at.UnixMilli())
	return Event{ID: id, Type: typ, ForUserID: forUser, At: at, Follow: fl}, nil
}

type deleteJSON struct {
	Status struct {
		ID     string `json:"id"`
		UserID string `json:"user_id"`
	} `json:"status"`
	TimestampMS string `json:"timestamp_ms"`
}

func (d deleteJSON) event(forUser string) (Event, error) {
	if d.Status.ID == "" {
		return Event{}, errors.New("activity: a tweet_delete_event has no status id")
	}
	at, err := millis(d.TimestampMS)
	if err != nil {
		return Event{}, fmt.Errorf("activity: tweet delete %s: %w", d.Status.ID, err)
	}
	return Event{ID: "delete:" + d.Status.ID, Type: TypeTweetDelete, ForUserID: forUser, At: at,
		Delete: &TweetDelete{TweetID: d.Status.ID, UserID: d.Status.UserID}}, nil
}

type favoriteJSON struct {
	ID              string      `json:"id"`
	TimestampMS     json.Number `json:"timestamp_ms"`
	CreatedAt       string      `json:"created_at"`
	FavoritedStatus tweetJSON   `json:"favorited_status"`
	User            userJSON    `json:"user"`
}

func (f favoriteJSON) event(forUser string) (Event, error) {
	if f.FavoritedStatus.IDStr == "" {
		return Event{}, errors.New("activity: a favorite_event has no favorited_status")
	}
	at, err := tweetTime(f.CreatedAt, f.TimestampMS.String())
	if err != nil {
		return Event{}, fmt.Errorf("activity: favorite: %w", err)
	}
	u := f.User.user()
	id := f.ID
	if id == "" {
		id = u.ID + ":" + f.FavoritedStatus.IDStr
	}
	return Event{ID: "favorite:" + id, Type: TypeFavorite, ForUserID: forUser, At: at,
		Favorite: &Favorite{ID: f.ID, TweetID: f.FavoritedStatus.IDStr, User: u}}, nil
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

func (r revokeJSON) event(forUser string) (Event, error) {
	if r.Source.UserID == "" {
		return Event{}, errors.New("activity: a revoke event has no source user_id")
	}
	at, err := time.Parse(time.RFC3339, r.DateTime)
	if err != nil {
		return Event{}, fmt.Errorf("activity: revoke date_time %q: %w", r.DateTime, err)
	}
	if forUser == "" {
		forUser = r.Source.UserID
	}
	return Event{ID: fmt.Sprintf("revoke:%s:%d", r.Source.UserID, at.Unix()), Type: TypeRevoke, ForUserID: forUser,
		At: at.UTC(), Revoke: &Revoke{UserID: r.Source.UserID}}, nil
}
