package xsim

import (
	"sort"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

// sampleCreatedAt is when the sample accounts claim to have been created.
var sampleCreatedAt = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// user is a simulated X account.
type user struct {
	ID, Username, Name string
	// Token and TokenSecret are the OAuth 1.0a access token and secret the
	// app holds for the user (brand handles only).
	Token, TokenSecret string
	// OpenDMs users accept Direct Messages from anyone; others only from
	// accounts they follow (X's default for a new account).
	OpenDMs bool
	// BearerToken is the OAuth 2.0 user access token the simulator gives
	// out for the user (GET /sim/users/{username}/credentials).
	BearerToken string
	// PublicKeys are the user's registered X Chat public key versions.
	PublicKeys []publicKey
	// Protected users approve their followers: a follow is a request
	// until they accept it.
	Protected bool
	CreatedAt time.Time
	// Status is "" (active) or what happened to the account (protected,
	// suspended, deactivated, deleted) at StatusAt, which batch
	// compliance reports.
	Status    string          `json:",omitempty"`
	StatusAt  time.Time       `json:",omitzero"`
	following map[string]bool // ids
	requests  map[string]bool // ids of users asking to follow (protected users)
}

// tweet is a Tweet or a Retweet (RetweetOfID set).
type tweet struct {
	ID, AuthorID, Text string
	InReplyToID        string
	InReplyToUserID    string
	RetweetOfID        string
	// QuotedID is the Post a quote Post quotes.
	QuotedID  string
	Mentions  []mention
	CreatedAt time.Time
	ViaAPI    bool
	Deleted   bool
	// EditHistory are the ids of an edited Post's versions, oldest first,
	// its own last (X's edit_history_tweet_ids); nil for a Post never
	// edited, whose history is its own id.
	EditHistory []string `json:",omitempty"`
	// DeletedAt is when it was deleted (batch compliance's redacted_at).
	DeletedAt time.Time `json:",omitzero"`
	// deliveredTo are the users whose subscription delivered its creation.
	deliveredTo []string
}

// mention is an @mention of an existing user; Start and End are in code
// points, as in v1.1 entities.
type mention struct {
	UserID     string
	Start, End int
}

// dm is a one-to-one Direct Message.
type dm struct {
	ID, ConversationID    string
	SenderID, RecipientID string
	Text                  string
	CreatedAt             time.Time
	ViaAPI                bool
}

// state is everything the simulated X holds.
type state struct {
	users   map[string]*user // by id
	byName  map[string]*user // by lower-case username
	byToken map[string]*user
	// byBearer indexes users by their OAuth 2.0 user access token.
	byBearer map[string]*user
	tweets   map[string]*tweet
	order    []*tweet // creation order
	dms      []*dm
	// chats are the X Chat conversations by REST id ("min-max").
	chats map[string]*chatConv
	// oauth2 is the app's OAuth 2.0 grants and codes (oauth2.go).
	oauth2 oauth2State
}

// newState returns the sample users and follows.
func newState() *state {
	st := &state{
		users:   map[string]*user{},
		byName:  map[string]*user{},
		byToken: map[string]*user{},
		tweets:  map[string]*tweet{},
	}
	st.init()
	for _, b := range sample.Brands {
		st.add(&user{ID: b.XUserID, Username: b.ScreenName, Name: b.Name,
			Token: b.Credentials.AccessToken, TokenSecret: b.Credentials.AccessTokenSecret,
			OpenDMs: true, CreatedAt: sampleCreatedAt})
	}
	for _, c := range sample.Customers {
		if c.Handle == "" {
			continue
		}
		st.add(&user{ID: c.XUser, Username: c.Handle, Name: c.Name, CreatedAt: sampleCreatedAt})
	}
	for _, c := range sample.Customers {
		for _, name := range c.Follows {
			if u, t := st.users[c.XUser], st.userByName(name); u != nil && t != nil {
				u.following[t.ID] = true
			}
		}
	}
	return st
}

// init makes the state's maps that a loaded snapshot may lack.
func (st *state) init() {
	if st.byBearer == nil {
		st.byBearer = map[string]*user{}
	}
	if st.chats == nil {
		st.chats = map[string]*chatConv{}
	}
	st.oauth2.init()
}

// add keeps u, giving it OAuth credentials of its own when it has none.
func (st *state) add(u *user) {
	if u.Token == "" {
		u.Token, u.TokenSecret = userTokens(u.ID)
	}
	if u.BearerToken == "" {
		u.BearerToken = userBearer(u.ID)
	}
	st.byBearer[u.BearerToken] = u
	if u.following == nil {
		u.following = map[string]bool{}
	}
	if u.requests == nil {
		u.requests = map[string]bool{}
	}
	st.users[u.ID] = u
	st.byName[strings.ToLower(u.Username)] = u
	if u.Token != "" {
		st.byToken[u.Token] = u
	}
}

func (st *state) userByName(name string) *user {
	return st.byName[strings.ToLower(trimAt(name))]
}

// wroteByDM reports whether user senderID has sent user recipientID a
// Direct Message.
func (st *state) wroteByDM(senderID, recipientID string) bool {
	for _, m := range st.dms {
		if m.SenderID == senderID && m.RecipientID == recipientID {
			return true
		}
	}
	return false
}

// liveTweet returns the Tweet with that id unless it is unknown or deleted.
func (st *state) liveTweet(id string) *tweet {
	if t := st.tweets[id]; t != nil && !t.Deleted {
		return t
	}
	return nil
}

// retweetBy returns u's live Retweet of the Tweet, if any.
func (st *state) retweetBy(userID, tweetID string) *tweet {
	for _, t := range st.order {
		if !t.Deleted && t.AuthorID == userID && t.RetweetOfID == tweetID {
			return t
		}
	}
	return nil
}

func (st *state) followers(id string) []*user {
	var out []*user
	for _, u := range st.users {
		if u.following[id] {
			out = append(out, u)
		}
	}
	sortUsers(out)
	return out
}

func (st *state) followingOf(u *user) []*user {
	var out []*user
	for id := range u.following {
		if f := st.users[id]; f != nil {
			out = append(out, f)
		}
	}
	sortUsers(out)
	return out
}

func (st *state) statusesCount(id string) int {
	n := 0
	for _, t := range st.order {
		if t.AuthorID == id && !t.Deleted {
			n++
		}
	}
	return n
}

func sortUsers(us []*user) {
	sort.Slice(us, func(i, j int) bool { return us[i].Username < us[j].Username })
}

// conversationID is X's id of the one-to-one conversation of a and b: the
// two user ids, smaller first.
func conversationID(a, b string) string {
	if len(a) > len(b) || len(a) == len(b) && a > b {
		a, b = b, a
	}
	return a + "-" + b
}

// history is the Post's edit_history_tweet_ids.
func (t *tweet) history() []string {
	if len(t.EditHistory) > 0 {
		return t.EditHistory
	}
	return []string{t.ID}
}
