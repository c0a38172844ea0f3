package casework

import "time"

// EventType says what an inbound event is.
type EventType string

// The inbound event types.
const (
	EventTweet       EventType = "tweet"
	EventDM          EventType = "dm"
	EventFollow      EventType = "follow"
	EventUnfollow    EventType = "unfollow"
	EventTweetDelete EventType = "tweet_delete"
	EventFavorite    EventType = "favorite"
	EventRevoke      EventType = "revoke"
	// EventHandleRename: a subscribed user (a brand handle) changed its
	// @handle (X Activity's profile.update.handle; AAA has no such event).
	EventHandleRename EventType = "handle_rename"
)

// Event is one thing that happened on X, for one subscribed brand handle:
// what Inbound applies. The parser of X's webhook payloads (package
// activity) makes them from either of X's formats, with the same ID for
// the same Tweet or DM however often and in whichever format X delivers it.
type Event struct {
	// ID identifies the event across deliveries, e.g. "tweet:123".
	ID   string
	Type EventType
	// ForUserID is the subscribed brand handle's X user id.
	ForUserID string
	// At is when it happened on X.
	At time.Time

	Tweet    *Tweet         // EventTweet
	DM       *DM            // EventDM
	Follow   *FollowEvent   // EventFollow, EventUnfollow
	Delete   *TweetDeletion // EventTweetDelete
	Favorite *Favorite      // EventFavorite
	Revoke   *Revocation    // EventRevoke
	Rename   *HandleRename  // EventHandleRename
	Chat     *ChatEvent     // EventChat
}

// HandleRename says the user UserID now has the screen name After (Before
// was the previous one, when X says).
type HandleRename struct {
	UserID string
	Before string
	After  string
}

// XAccount is an X account as an event names it.
type XAccount struct {
	ID         string
	ScreenName string
	Name       string
}

// Tweet is a Tweet someone posted.
type Tweet struct {
	ID     string
	Text   string
	Author XAccount
	// InReplyToID and InReplyToUserID say what the Tweet replies to, if anything.
	InReplyToID     string
	InReplyToUserID string
	// Mentions are the accounts the Tweet mentions (in the whole text of a
	// long Post); one X names without an id has its ScreenName only.
	Mentions []XAccount
	// Hashtags are the Tweet's hashtags without '#', in text order.
	Hashtags []string
	// RetweetOfID is set on a Retweet: the id of the Retweeted Tweet.
	RetweetOfID string
	// QuotedID is set on a quote Tweet: the id of the quoted Tweet.
	QuotedID string
	// ConversationID is the id of the first Post of the thread the Tweet
	// is in (its own id when it starts one), when X says (API v2).
	ConversationID string
	CreatedAt      time.Time
	// URLs are the links of Text as X shortened them, each with the address
	// it leads to. Text keeps X's t.co links: what the customer posted, as
	// X counts it; a console shows ExpandedURL beside (or over) each.
	URLs []Link
	// Media are the photos, videos and GIFs attached to the Tweet.
	Media []Media
	// EditOf are the ids of the earlier versions of an edited Post, oldest
	// first (X's edit_history_tweet_ids without the Post's own id).
	EditOf []string
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

// DM is a Direct Message someone sent.
type DM struct {
	ID        string
	Text      string
	Sender    XAccount
	Recipient XAccount
	CreatedAt time.Time
}

// FollowEvent is a follow or unfollow: Source follows (or stops following) Target.
type FollowEvent struct {
	Source XAccount
	Target XAccount
	// Untimed: X gave the event no time of its own (X Activity's follow.*
	// events), so the event's At is when the webhook received it, which
	// says nothing of the order of the follows on X.
	Untimed bool
}

// TweetDeletion says a Tweet was deleted by its author.
type TweetDeletion struct {
	TweetID string
	UserID  string
}

// Favorite says User liked the Tweet.
type Favorite struct {
	ID      string
	TweetID string
	User    XAccount
}

// Revocation says a user revoked the app's access to their account.
type Revocation struct {
	UserID string
}
