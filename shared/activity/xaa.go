package activity

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// X Activity API event types the product applies (docs.x.com, "X Activity
// API", and ../spec/XAA.md). A brand handle is subscribed to exactly these,
// with filter.user_id = its X user id.
const (
	XAAPostMention   = "post.mention.create"
	XAAPostReply     = "post.reply.create"
	XAAPostQuote     = "post.quote.create"
	XAAPostRepost    = "post.repost.create"
	XAAPostCreate    = "post.create"
	XAAPostDelete    = "post.delete"
	XAADMReceived    = "dm.received"
	XAADMSent        = "dm.sent"
	XAAFollow        = "follow.follow"
	XAAUnfollow      = "follow.unfollow"
	XAALike          = "like.create"
	XAAOAuthRevoke   = "oauth.revoke"
	XAAHandleChanged = "profile.update.handle"
	// XAAChatReceived and XAAChatSent bring X Chat messages (ciphertext):
	// every DM from 9 December 2026, when dm.* stop (chat.go).
	XAAChatReceived = "chat.received"
	XAAChatSent     = "chat.sent"
)

// XAAEventTypes lists the X Activity event types the product applies, in
// a stable order; every other type (profile updates but the handle, DM
// read receipts and typing, spaces, mutes, blocks, news, X Chat's
// conversation joins) is acknowledged and dropped. dm.* are still parsed:
// replays of deliveries from before 9 December 2026.
var XAAEventTypes = []string{
	XAAPostMention, XAAPostReply, XAAPostQuote, XAAPostRepost, XAAPostCreate, XAAPostDelete,
	XAADMReceived, XAADMSent, XAAFollow, XAAUnfollow, XAALike, XAAOAuthRevoke, XAAHandleChanged,
	XAAChatReceived, XAAChatSent,
}

// XAAUsed reports whether the product applies X Activity events of this type.
func XAAUsed(eventType string) bool { return slices.Contains(XAAEventTypes, eventType) }

// ErrNotEnvelope: a delivery in the X Activity format lacks its data
// object, event_type or payload.
var ErrNotEnvelope = errors.New(`activity: not an X Activity delivery ({"data": {"event_type", "payload", ...}})`)

// Envelope is the part of an X Activity delivery the webhook needs to
// route it: {"data": {"event_uuid", "filter", "event_type", "tag",
// "payload", "includes"}}; one event per delivery.
type Envelope struct {
	EventType string
	// UserID is filter.user_id: the subscribed user (a brand handle); empty
	// for oauth.revoke, whose payload names the user.
	UserID string
}

// xaaData is the envelope's data object.
type xaaData struct {
	EventUUID json.RawMessage `json:"event_uuid"` // a decimal string, possibly negative; or a number
	EventType string          `json:"event_type"`
	Filter    struct {
		UserID    string `json:"user_id"`
		Direction string `json:"direction"`
	} `json:"filter"`
	Tag      string          `json:"tag"`
	Payload  json.RawMessage `json:"payload"`
	Includes xaaIncludes     `json:"includes"`
}

type xaaIncludes struct {
	Users  []v2User  `json:"users"`
	Tweets []v2Post  `json:"tweets"`
	Media  []v2Media `json:"media"`
}

// ReadEnvelope decodes the data member of an X Activity delivery (its raw
// JSON value) and checks it is an envelope: an object with an event_type
// and a payload.
func ReadEnvelope(data json.RawMessage) (Envelope, error) {
	d, err := readData(data)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{EventType: d.EventType, UserID: d.Filter.UserID}, nil
}

// ReadDelivery reads what the webhook needs of a whole signed body: ok is false for a body that is not an X Activity delivery
// (it has no data member, or has for_user_id as every Account Activity
// payload does); otherwise the envelope's event type and user, or
// ErrNotEnvelope when data is not an object with an event_type and an
// object payload. A body that is not one JSON object is an error.
// ReadEnvelope and Parse do the full decoding later, in the worker. The
// deliveries X sends take one validating pass and a walk of the text
// (readDeliveryFast); anything else is decoded as encoding/json decodes it.
func ReadDelivery(body []byte) (env Envelope, ok bool, err error) {
	if env, ok, done := readDeliveryFast(body); done {
		return env, ok, nil
	}
	return readDeliveryDecoded(body)
}

// readDeliveryDecoded is ReadDelivery by decoding with encoding/json: the
// rule, which readDeliveryFast answers exactly for the deliveries X sends
// (its tests compare the two).
func readDeliveryDecoded(body []byte) (env Envelope, ok bool, err error) {
	var head struct {
		ForUserID json.RawMessage `json:"for_user_id"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return Envelope{}, false, err
	}
	if head.Data == nil || head.ForUserID != nil {
		return Envelope{}, false, nil
	}
	if !isObject(head.Data) {
		return Envelope{}, true, ErrNotEnvelope
	}
	var d struct {
		EventType string `json:"event_type"`
		Filter    struct {
			UserID string `json:"user_id"`
		} `json:"filter"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(head.Data, &d); err != nil {
		return Envelope{}, true, fmt.Errorf("%w: %v", ErrNotEnvelope, err)
	}
	if d.EventType == "" || !isObject(d.Payload) {
		return Envelope{}, true, ErrNotEnvelope
	}
	return Envelope{EventType: d.EventType, UserID: d.Filter.UserID}, true, nil
}

func readData(data json.RawMessage) (*xaaData, error) {
	if !isObject(data) {
		return nil, ErrNotEnvelope
	}
	var d xaaData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotEnvelope, err)
	}
	if d.EventType == "" || !isObject(d.Payload) {
		return nil, ErrNotEnvelope
	}
	return &d, nil
}

// uuid is the delivery's event_uuid as text.
func (d *xaaData) uuid() string {
	var s string
	if json.Unmarshal(d.EventUUID, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(d.EventUUID))
}

// v2User is a user as X API v2 (and so XAA) shows it.
type v2User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	// ScreenName is accepted too, in case X sends the v1.1 name.
	ScreenName string `json:"screen_name"`
}

func (u v2User) user() casework.XAccount {
	sn := u.Username
	if sn == "" {
		sn = u.ScreenName
	}
	return casework.XAccount{ID: u.ID, ScreenName: sn, Name: u.Name}
}

// wrappedUser is a user under {"data": user}, as dm.* users maps and
// follow.* source and target hold them; an unwrapped user is accepted too.
type wrappedUser struct {
	Data *v2User `json:"data"`
	v2User
}

func (w wrappedUser) user() casework.XAccount {
	if w.Data != nil {
		return w.Data.user()
	}
	return w.v2User.user()
}

// v2Post is a v2 Post object.
type v2Post struct {
	ID              string `json:"id"`
	Text            string `json:"text"`
	AuthorID        string `json:"author_id"`
	CreatedAt       string `json:"created_at"`
	InReplyToUserID string `json:"in_reply_to_user_id"`
	ConversationID  string `json:"conversation_id"`
	// EditHistoryTweetIDs are the ids of the Post's versions, oldest
	// first, itself last: an edited Post is a new Post naming them.
	EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
	ReferencedTweets    []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Entities    v2Entities `json:"entities"`
	Attachments struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
	// NoteTweet is a long Post's full text with its own entities: the
	// top-level text and entities are only those of its first 280
	// characters.
	NoteTweet *struct {
		Text     string      `json:"text"`
		Entities *v2Entities `json:"entities"`
	} `json:"note_tweet"`
}

// v2Entities are the entities of a v2 Post's text (or of its note_tweet's).
type v2Entities struct {
	Mentions []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"mentions"`
	URLs     []urlJSON `json:"urls"`
	Hashtags []struct {
		Tag string `json:"tag"`
	} `json:"hashtags"`
}

// v2Media is a media object of includes.media.
type v2Media struct {
	MediaKey        string `json:"media_key"`
	Type            string `json:"type"`
	URL             string `json:"url"`
	PreviewImageURL string `json:"preview_image_url"`
}

// parseXAA parses one X Activity delivery: its data object. An event type
// the product does not use gives no events and is named in Ignored.
func parseXAA(data json.RawMessage, receivedAt time.Time) (Parsed, error) {
	out := Parsed{Format: FormatXAA}
	d, err := readData(data)
	if err != nil {
		return Parsed{}, err
	}
	if !XAAUsed(d.EventType) {
		out.Ignored = d.EventType
		return out, nil
	}
	evs, err := d.events(receivedAt)
	if err != nil {
		out.Bad = append(out.Bad, BadEvent{Where: "data (" + d.EventType + ")", Err: err})
		return out, nil
	}
	out.Events = evs
	return out, nil
}

func (d *xaaData) events(receivedAt time.Time) ([]casework.Event, error) {
	forUser := d.Filter.UserID
	switch d.EventType {
	case XAAPostMention, XAAPostReply, XAAPostQuote, XAAPostRepost, XAAPostCreate:
		var p v2Post
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			return nil, fmt.Errorf("activity: %s: %w", d.EventType, err)
		}
		return oneEvent(d.postEvent(p, receivedAt))
	case XAAPostDelete:
		var p struct {
			ID       string `json:"id"`
			AuthorID string `json:"author_id"`
		}
		if err := json.Unmarshal(d.Payload, &p); err != nil || p.ID == "" {
			return nil, fmt.Errorf("activity: a %s has no Post id (%v)", d.EventType, err)
		}
		return []casework.Event{{ID: "delete:" + p.ID, Type: casework.EventTweetDelete, ForUserID: forUser, At: receivedAt,
			Delete: &casework.TweetDeletion{TweetID: p.ID, UserID: p.AuthorID}}}, nil
	case XAADMReceived, XAADMSent:
		return d.dmEvents(receivedAt)
	case XAAChatReceived, XAAChatSent:
		return d.chatEvents(receivedAt)
	case XAAFollow, XAAUnfollow:
		return d.followEvent(receivedAt)
	case XAALike:
		return d.likeEvent(receivedAt)
	case XAAOAuthRevoke:
		var p struct {
			DateTime string `json:"date_time"`
			UserID   string `json:"user_id"`
		}
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			return nil, fmt.Errorf("activity: %s: %w", d.EventType, err)
		}
		if forUser == "" {
			forUser = p.UserID
		}
		var r revokeJSON
		r.DateTime, r.Source.UserID = p.DateTime, p.UserID
		return oneEvent(r.event(forUser))
	case XAAHandleChanged:
		var p struct {
			Before string `json:"before"`
			After  string `json:"after"`
		}
		if err := json.Unmarshal(d.Payload, &p); err != nil || p.After == "" || forUser == "" {
			return nil, fmt.Errorf("activity: a %s lacks its user or new handle (%v)", d.EventType, err)
		}
		after := strings.TrimPrefix(p.After, "@")
		return []casework.Event{{ID: "handle:" + forUser + ":" + after + ":" + d.uuid(), Type: casework.EventHandleRename, ForUserID: forUser,
			At: receivedAt, Rename: &casework.HandleRename{UserID: forUser, Before: strings.TrimPrefix(p.Before, "@"), After: after}}}, nil
	}
	return nil, fmt.Errorf("activity: event type %q is not applied", d.EventType)
}

// oneEvent is ev alone, or err.
func oneEvent(ev casework.Event, err error) ([]casework.Event, error) {
	if err != nil {
		return nil, err
	}
	return []casework.Event{ev}, nil
}

// user returns the user with id from includes.users ({ID: id} when absent).
func (d *xaaData) user(id string) casework.XAccount {
	for _, u := range d.Includes.Users {
		if u.ID == id {
			return u.user()
		}
	}
	return casework.XAccount{ID: id}
}

func (d *xaaData) userNamed(username string) (casework.XAccount, bool) {
	for _, u := range d.Includes.Users {
		if strings.EqualFold(u.user().ScreenName, username) {
			return u.user(), true
		}
	}
	return casework.XAccount{}, false
}

// postEvent is the event of a v2 Post: the same as its AAA twin's, with
// the same id ("tweet:" + the Post id) so any number of deliveries, in
// either format, for any event type, apply it once. A Post without
// created_at is dated by its id (see createdAt).
func (d *xaaData) postEvent(p v2Post, receivedAt time.Time) (casework.Event, error) {
	if p.ID == "" {
		return casework.Event{}, fmt.Errorf("activity: a %s Post lacks its id", d.EventType)
	}
	// A Post without author_id keeps an author without id: the rules ask X
	// whose it is before applying it.
	at, err := time.Parse(time.RFC3339Nano, p.CreatedAt)
	if p.CreatedAt == "" {
		at, err = createdAt(p.ID, receivedAt), nil
	}
	if err != nil {
		return casework.Event{}, fmt.Errorf("activity: Post %s: created_at %q: %w", p.ID, p.CreatedAt, err)
	}
	at = at.UTC()
	// XAA.md says v2 text is not HTML-escaped, X's v2 API answers escape
	// '&', '<' and '>' as AAA does: undoing that escaping reads both.
	tw := &casework.Tweet{ID: p.ID, Text: unescape(p.Text), Author: d.user(p.AuthorID), InReplyToUserID: p.InReplyToUserID,
		ConversationID: p.ConversationID, CreatedAt: at}
	for _, id := range p.EditHistoryTweetIDs {
		if id != p.ID {
			tw.EditOf = append(tw.EditOf, id)
		}
	}
	// A long Post is read whole: its text and its entities come from
	// note_tweet (the top-level ones cover the first 280 characters only;
	// a mention of the brand past them is in note_tweet.entities alone).
	// Mentions of both are kept, once each: the truncated text's are the
	// full text's too, should X leave one out of note_tweet.
	ents := p.Entities
	if p.NoteTweet != nil && p.NoteTweet.Text != "" {
		tw.Text = unescape(p.NoteTweet.Text)
		if n := p.NoteTweet.Entities; n != nil {
			ents.URLs, ents.Hashtags = n.URLs, n.Hashtags
			ents.Mentions = append(slices.Clone(n.Mentions), p.Entities.Mentions...)
		}
	}
	urls := ents.URLs
	for _, r := range p.ReferencedTweets {
		switch r.Type {
		case "replied_to":
			tw.InReplyToID = r.ID
		case "quoted":
			tw.QuotedID = r.ID
		case "retweeted":
			tw.RetweetOfID = r.ID
		}
	}
	seen := map[string]bool{}
	for _, m := range ents.Mentions {
		u := casework.XAccount{ID: m.ID, ScreenName: m.Username}
		if m.ID == "" {
			if named, ok := d.userNamed(m.Username); ok {
				u = named
			}
		} else if full := d.user(m.ID); full.ScreenName != "" {
			u = full
		}
		// A mention without an id (none in includes.users either) keeps
		// its username: the rules match brand handles by it.
		key := u.ID
		if key == "" {
			key = "@" + strings.ToLower(u.ScreenName)
		}
		if key != "@" && !seen[key] {
			seen[key] = true
			tw.Mentions = append(tw.Mentions, u)
		}
	}
	for _, h := range ents.Hashtags {
		if h.Tag != "" {
			tw.Hashtags = append(tw.Hashtags, h.Tag)
		}
	}
	// The event type says what a delivery may leave out: a mention event
	// mentions the subscribed user, a reply event replies to one of its
	// Posts (X Activity sends neither for implicit mentions).
	switch brand := d.Filter.UserID; {
	case brand == "":
	case d.EventType == XAAPostMention && !tw.MentionsUser(brand):
		tw.Mentions = append(tw.Mentions, d.user(brand))
	case d.EventType == XAAPostReply && tw.InReplyToUserID == "":
		tw.InReplyToUserID = brand
	}
	for _, u := range urls {
		if u.MediaKey == "" { // an attachment's link; the attachment is in Media
			tw.URLs = append(tw.URLs, u.url())
		}
	}
	for _, key := range p.Attachments.MediaKeys {
		m := casework.Media{Key: key}
		for _, im := range d.Includes.Media {
			if im.MediaKey == key {
				m.Type, m.URL = im.Type, im.URL
				if m.URL == "" {
					m.URL = im.PreviewImageURL
				}
			}
		}
		tw.Media = append(tw.Media, m)
	}
	return casework.Event{ID: casework.TweetEventID(p.ID), Type: casework.EventTweet, ForUserID: d.Filter.UserID, At: at, Tweet: tw}, nil
}

// dmEvents reads dm.received and dm.sent: AAA's direct_message_events with
// a users map whose entries are wrapped in {"data": user}.
func (d *xaaData) dmEvents(receivedAt time.Time) ([]casework.Event, error) {
	var p struct {
		Events []dmEventJSON          `json:"direct_message_events"`
		Users  map[string]wrappedUser `json:"users"`
	}
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return nil, fmt.Errorf("activity: %s: %w", d.EventType, err)
	}
	users := make(map[string]dmUserJSON, len(p.Users))
	for id, w := range p.Users {
		u := w.user()
		users[id] = dmUserJSON{ID: id, Name: u.Name, ScreenName: u.ScreenName}
	}
	var evs []casework.Event
	for _, e := range p.Events {
		if e.Type != "" && e.Type != "message_create" {
			continue
		}
		ev, err := e.event(d.Filter.UserID, users, receivedAt)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("activity: a %s holds no message", d.EventType)
	}
	return evs, nil
}

// followEvent reads follow.follow and follow.unfollow. They carry no time,
// so they are dated by their receipt (or by created_at or timestamp_ms,
// should X add one) and marked Untimed: the rules ask X before such an
// event changes what is recorded (casework.Inbound). Their id is the
// delivery's event_uuid, so a duplicate delivery is skipped while a later
// follow of the same pair (a new event) is applied.
func (d *xaaData) followEvent(receivedAt time.Time) ([]casework.Event, error) {
	var p struct {
		Source      wrappedUser `json:"source"`
		Target      wrappedUser `json:"target"`
		CreatedAt   string      `json:"created_at"`
		TimestampMS json.Number `json:"timestamp_ms"`
	}
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return nil, fmt.Errorf("activity: %s: %w", d.EventType, err)
	}
	typ := casework.EventFollow
	if d.EventType == XAAUnfollow {
		typ = casework.EventUnfollow
	}
	f := &casework.FollowEvent{Source: p.Source.user(), Target: p.Target.user()}
	if f.Source.ID == "" || f.Target.ID == "" {
		return nil, fmt.Errorf("activity: a %s lacks its source or target", d.EventType)
	}
	at := receivedAt
	if t, err := eventTime(p.CreatedAt, p.TimestampMS.String()); err == nil {
		at = t
	} else {
		f.Untimed = true
	}
	uuid := d.uuid()
	if uuid == "" {
		uuid = fmt.Sprint(at.UnixMilli())
	}
	return []casework.Event{{ID: fmt.Sprintf("%s:%s:%s:%s", typ, f.Source.ID, f.Target.ID, uuid), Type: typ, ForUserID: d.Filter.UserID,
		At: at, Follow: f}}, nil
}

// likeEvent reads like.create: {id, liked_tweet_id, liked_tweet_author_id,
// created_at?, timestamp_ms?}. Who liked: the payload's liking_user_id or
// user_id when present; else the subscribed user when the like is theirs
// (filter direction "outbound", or a Post by someone else); else the one
// user of includes.users who is not the Post's author.
func (d *xaaData) likeEvent(receivedAt time.Time) ([]casework.Event, error) {
	var p struct {
		ID                 string      `json:"id"`
		LikedTweetID       string      `json:"liked_tweet_id"`
		LikedTweetAuthorID string      `json:"liked_tweet_author_id"`
		LikingUserID       string      `json:"liking_user_id"`
		UserID             string      `json:"user_id"`
		CreatedAt          string      `json:"created_at"`
		TimestampMS        json.Number `json:"timestamp_ms"`
	}
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return nil, fmt.Errorf("activity: %s: %w", d.EventType, err)
	}
	if p.LikedTweetID == "" {
		return nil, fmt.Errorf("activity: a %s has no liked_tweet_id", d.EventType)
	}
	liker := p.LikingUserID
	if liker == "" {
		liker = p.UserID
	}
	if liker == "" && (d.Filter.Direction == "outbound" || p.LikedTweetAuthorID != "" && p.LikedTweetAuthorID != d.Filter.UserID) {
		liker = d.Filter.UserID
	}
	if liker == "" {
		for _, u := range d.Includes.Users {
			if u.ID != p.LikedTweetAuthorID && u.ID != "" {
				liker = u.ID
				break
			}
		}
	}
	if liker == "" {
		return nil, fmt.Errorf("activity: a %s does not say who liked Post %s", d.EventType, p.LikedTweetID)
	}
	at := receivedAt
	if t, err := eventTime(p.CreatedAt, p.TimestampMS.String()); err == nil {
		at = t
	}
	return []casework.Event{{ID: "favorite:" + liker + ":" + p.LikedTweetID, Type: casework.EventFavorite, ForUserID: d.Filter.UserID, At: at,
		Favorite: &casework.Favorite{ID: p.ID, TweetID: p.LikedTweetID, User: d.user(liker)}}}, nil
}

// eventTime reads an optional RFC 3339 created_at or a timestamp_ms.
func eventTime(createdAt, timestampMS string) (time.Time, error) {
	if timestampMS != "" {
		return millis(timestampMS)
	}
	t, err := time.Parse(time.RFC3339Nano, createdAt)
	return t.UTC(), err
}
