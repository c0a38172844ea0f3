package xsim

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// routes is every route of the simulator, in one place.
func (s *Sim) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// The X API v2 endpoints the product uses.
	mux.Handle("POST /2/tweets", s.api(EndpointCreateTweet, s.createTweetAPI))
	mux.Handle("GET /2/tweets/{id}", s.api(EndpointLookupTweet, s.lookupTweetAPI))
	mux.Handle("DELETE /2/tweets/{id}", s.api(EndpointDeleteTweet, s.deleteTweetAPI))
	mux.Handle("POST /2/users/{id}/retweets", s.api(EndpointRetweet, s.retweetAPI))
	mux.Handle("DELETE /2/users/{id}/retweets/{source_tweet_id}", s.api(EndpointUndoRetweet, s.undoRetweetAPI))
	mux.Handle("POST /2/users/{id}/following", s.api(EndpointFollow, s.followAPI))
	mux.Handle("DELETE /2/users/{source_user_id}/following/{target_user_id}", s.api(EndpointUnfollow, s.unfollowAPI))
	mux.Handle("GET /2/users/by/username/{username}", s.api(EndpointLookupUser, s.lookupUserAPI))
	mux.Handle("GET /2/users/{id}", s.api(EndpointUserByID, s.userByIDAPI))
	mux.Handle("GET /2/users/{id}/tweets", s.api(EndpointUserTweets, s.userTweetsAPI))
	mux.Handle("POST /2/dm_conversations/with/{participant_id}/messages", s.api(EndpointSendDM, s.legacyDM(s.sendDMAPI)))
	mux.Handle("GET /2/dm_conversations/with/{participant_id}/dm_events", s.api(EndpointDMEvents, s.legacyDM(s.dmEventsAPI)))
	// Every other legacy DM route, retired as X retired them.
	mux.Handle("/2/dm_conversations/", s.api("* /2/dm_conversations", s.legacyDM(func(*call) (int, any) { return fail(pageNotFound) })))
	mux.Handle("/2/dm_events", s.api("* /2/dm_events", s.legacyDM(func(*call) (int, any) { return fail(pageNotFound) })))
	mux.Handle("/2/dm_events/", s.api("* /2/dm_events", s.legacyDM(func(*call) (int, any) { return fail(pageNotFound) })))
	// X Chat (chat.go).
	mux.Handle("POST /2/users/{id}/public_keys", s.api(EndpointAddPublicKey, s.addPublicKeyAPI))
	mux.Handle("GET /2/users/{id}/public_keys", s.api(EndpointGetPublicKeys, s.getPublicKeysAPI))
	mux.Handle("GET /2/users/public_keys", s.api(EndpointGetUsersPublicKey, s.getUsersPublicKeysAPI))
	mux.Handle("POST /2/chat/conversations/{id}/keys", s.api(EndpointChatKeys, s.addConversationKeysAPI))
	mux.Handle("POST /2/chat/conversations/{id}/messages", s.api(EndpointChatMessages, s.sendChatMessageAPI))
	mux.Handle("GET /2/chat/conversations/{id}/events", s.api(EndpointChatEvents, s.chatEventsAPI))
	mux.Handle("GET /2/chat/conversations/{id}", s.api(EndpointChatConversation, s.chatConversationAPI))
	mux.Handle("GET /2/chat/conversations", s.api(EndpointChatConversations, s.chatConversationsAPI))
	// The app's webhooks and X Activity API subscriptions (activity.go).
	mux.HandleFunc("POST /oauth2/token", s.tokenHandler)
	// OAuth 2.0 user authorization (oauth2.go).
	mux.HandleFunc("GET /i/oauth2/authorize", s.authorizePage)
	mux.HandleFunc("POST /i/oauth2/authorize", s.authorizeDecision)
	mux.HandleFunc("POST /2/oauth2/token", s.tokenEndpoint(s.oauth2Token))
	mux.HandleFunc("POST /2/oauth2/revoke", s.tokenEndpoint(s.oauth2Revoke))
	mux.Handle("GET /2/users/me", s.api(EndpointUsersMe, s.usersMeAPI))
	mux.Handle("POST /2/webhooks", s.appAPI(EndpointCreateWebhook, authUser|authBearer, s.createWebhookAPI))
	mux.Handle("GET /2/webhooks", s.appAPI(EndpointListWebhooks, authBearer, s.listWebhooksAPI))
	mux.Handle("PUT /2/webhooks/{webhook_id}", s.appAPI(EndpointValidateWebhook, authUser|authBearer, s.validateWebhookAPI))
	mux.Handle("DELETE /2/webhooks/{webhook_id}", s.appAPI(EndpointDeleteWebhook, authUser|authBearer, s.deleteWebhookAPI))
	mux.Handle("POST /2/webhooks/replay", s.appAPI(EndpointReplay, authBearer, s.replayAPI))
	mux.Handle("POST /2/activity/subscriptions", s.appAPI(EndpointCreateSubscription, authUser|authBearer, s.createSubscriptionAPI))
	mux.Handle("GET /2/activity/subscriptions", s.appAPI(EndpointListSubscriptions, authUser|authBearer, s.listSubscriptionsAPI))
	mux.Handle("DELETE /2/activity/subscriptions", s.appAPI(EndpointDeleteSubscriptions, authBearer, s.deleteSubscriptionsAPI))
	mux.Handle("DELETE /2/activity/subscriptions/{subscription_id}", s.appAPI(EndpointDeleteSubscription, authBearer, s.deleteSubscriptionAPI))
	mux.Handle("PUT /2/activity/subscriptions/{subscription_id}", s.appAPI(EndpointUpdateSubscription, authBearer, s.updateSubscriptionAPI))
	// Batch compliance (compliance.go); the upload and download URLs are
	// the simulator's own, as X's are Cloud Storage's.
	mux.Handle("POST /2/compliance/jobs", s.appAPI(EndpointCreateComplianceJob, authBearer, s.createComplianceJobAPI))
	mux.Handle("GET /2/compliance/jobs/{id}", s.appAPI(EndpointGetComplianceJob, authBearer, s.getComplianceJobAPI))
	mux.Handle("GET /2/compliance/jobs", s.appAPI(EndpointListComplianceJobs, authBearer, s.listComplianceJobsAPI))
	mux.HandleFunc("PUT /sim/compliance/jobs/{id}/upload", s.complianceUpload)
	mux.HandleFunc("GET /sim/compliance/jobs/{id}/download", s.complianceDownload)
	mux.HandleFunc("/2/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, pageNotFound.status, pageNotFound.body)
	})

	// Control routes (LOCAL.md).
	mux.HandleFunc("POST /sim/users", s.ctlCreateUser)
	mux.HandleFunc("POST /sim/users/{username}/tweets", s.ctlTweet)
	mux.HandleFunc("POST /sim/users/{username}/dms", s.ctlDM)
	mux.HandleFunc("GET /sim/users/{username}/credentials", s.ctlCredentials)
	mux.HandleFunc("DELETE /sim/users/{username}/connected-apps", s.ctlRevokeApp)
	mux.HandleFunc("PUT /sim/oauth2", s.ctlOAuth2Settings)
	mux.HandleFunc("PUT /sim/users/{username}/dm-settings", s.ctlDMSettings)
	mux.HandleFunc("GET /sim/users/{username}/chat", s.ctlChat)
	mux.HandleFunc("POST /sim/users/{username}/follow-requests/{requester}", s.ctlAcceptFollowRequest)
	mux.HandleFunc("PUT /sim/users/{username}/following/{target}", s.ctlFollow(true))
	mux.HandleFunc("DELETE /sim/users/{username}/following/{target}", s.ctlFollow(false))
	mux.HandleFunc("DELETE /sim/tweets/{id}", s.ctlDeleteTweet)
	mux.HandleFunc("PUT /sim/users/{username}/status", s.ctlUserStatus)
	mux.HandleFunc("POST /sim/tweets/{id}/edits", s.ctlEditTweet)
	mux.HandleFunc("PUT /sim/compliance", s.ctlComplianceSettings)
	mux.HandleFunc("GET /sim/compliance/jobs", s.ctlComplianceJobs)
	mux.HandleFunc("PUT /sim/compliance/jobs/{id}/status", s.ctlComplianceJobStatus)
	mux.HandleFunc("GET /sim/requests", s.ctlRequests)
	mux.HandleFunc("GET /sim/timeline/{username}", s.ctlTimeline)
	mux.HandleFunc("POST /sim/faults", s.ctlFault)
	mux.HandleFunc("POST /sim/reset", s.ctlReset)
	mux.HandleFunc("GET /sim/credits", s.ctlCredits)
	mux.HandleFunc("PUT /sim/credits", s.ctlCredits)
	mux.HandleFunc("GET /sim/deliveries", s.ctlDeliveries)
	return mux
}

// ctlError answers a control route's bad request: {"title","status","detail"}.
func ctlError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		ctlError(w, http.StatusBadRequest, "The body must be a JSON object.")
		return false
	}
	return true
}

// userFromPath returns the path's {username} user or answers 404.
func (s *Sim) userFromPath(w http.ResponseWriter, r *http.Request, param string) *user {
	u := s.st.userByName(r.PathValue(param))
	if u == nil {
		ctlError(w, http.StatusNotFound, "No simulated user @"+trimAt(r.PathValue(param))+".")
	}
	return u
}

// POST /sim/users {username, name?, protected?} → 201 {id, username}
func (s *Sim) ctlCreateUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username  string `json:"username"`
		Name      string `json:"name"`
		Protected bool   `json:"protected"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	name := trimAt(in.Username)
	if !isUsername(name) {
		ctlError(w, http.StatusBadRequest, "A username is 1 to 15 letters, digits or underscores.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.userByName(name) != nil {
		ctlError(w, http.StatusConflict, "@"+name+" exists.")
		return
	}
	if in.Name == "" {
		in.Name = name
	}
	now := s.stamp()
	u := &user{ID: s.ids.next(now), Username: name, Name: in.Name, Protected: in.Protected, CreatedAt: now}
	s.st.add(u)
	writeJSON(w, http.StatusCreated, map[string]string{"id": u.ID, "username": u.Username})
}

// POST /sim/users/{username}/tweets {text, in_reply_to_tweet_id?} → 201 {id}
func (s *Sim) ctlTweet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text             string `json:"text"`
		InReplyToTweetID string `json:"in_reply_to_tweet_id"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	if in.InReplyToTweetID != "" && !isID(in.InReplyToTweetID) {
		xe := invalidID("in_reply_to_tweet_id", in.InReplyToTweetID)
		writeJSON(w, xe.status, xe.body)
		return
	}
	t, xe := s.createTweet(u, in.Text, in.InReplyToTweetID, false)
	if xe != nil {
		writeJSON(w, xe.status, xe.body)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": t.ID})
}

// POST /sim/users/{username}/dms {to, text} → 201 {id, message_id,
// conversation_id}: an X Chat message from the user's own client (with
// Options.LegacyDMs, a legacy DM → 201 {id, dm_conversation_id})
func (s *Sim) ctlDM(w http.ResponseWriter, r *http.Request) {
	var in struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	to := s.st.userByName(in.To)
	if to == nil {
		ctlError(w, http.StatusNotFound, "No simulated user @"+trimAt(in.To)+".")
		return
	}
	if !s.opts.LegacyDMs {
		s.ctlChatDM(r.Context(), w, u, to, in.Text)
		return
	}
	m, xe := s.sendDM(u, to, in.Text, false)
	if xe != nil {
		writeJSON(w, xe.status, xe.body)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": m.ID, "dm_conversation_id": m.ConversationID})
}

// PUT|DELETE /sim/users/{username}/following/{target} → 200 {following, changed}
func (s *Sim) ctlFollow(follow bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.userFromPath(w, r, "username")
		if u == nil {
			return
		}
		target := s.userFromPath(w, r, "target")
		if target == nil {
			return
		}
		if u == target {
			ctlError(w, http.StatusBadRequest, "A user cannot follow themselves.")
			return
		}
		changed := s.setFollow(u, target, follow)
		writeJSON(w, http.StatusOK, map[string]bool{"following": follow, "changed": changed})
	}
}

// POST /sim/users/{username}/follow-requests/{requester} → 200
// {following: true}: the protected user accepts requester's follow
// request, and the follow happens (and reaches the webhook) as on X.
func (s *Sim) ctlAcceptFollowRequest(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	requester := s.userFromPath(w, r, "requester")
	if requester == nil {
		return
	}
	if !u.requests[requester.ID] {
		ctlError(w, http.StatusNotFound, "@"+requester.Username+" has not asked to follow @"+u.Username+".")
		return
	}
	delete(u.requests, requester.ID)
	s.setFollow(requester, u, true)
	writeJSON(w, http.StatusOK, map[string]bool{"following": true})
}

// DELETE /sim/tweets/{id} → 200 {deleted: true}
func (s *Sim) ctlDeleteTweet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.liveTweet(r.PathValue("id"))
	if t == nil {
		ctlError(w, http.StatusNotFound, "No live Tweet "+r.PathValue("id")+".")
		return
	}
	s.deleteTweet(t)
	writeJSON(w, http.StatusOK, map[string]bool{"deleted": true})
}

// POST /sim/tweets/{id}/edits {text} → 201 {id, edit_history_tweet_ids}:
// the author edits the Post on X, which makes a new Post naming its
// history (delivered as any new Post); the earlier version stays readable.
func (s *Sim) ctlEditTweet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.liveTweet(r.PathValue("id"))
	if t == nil || t.RetweetOfID != "" {
		ctlError(w, http.StatusNotFound, "No live Post "+r.PathValue("id")+".")
		return
	}
	if strings.TrimSpace(in.Text) == "" {
		ctlError(w, http.StatusBadRequest, "text is required.")
		return
	}
	now := s.stamp()
	e := &tweet{ID: s.ids.next(now), AuthorID: t.AuthorID, Text: in.Text, CreatedAt: now, QuotedID: t.QuotedID,
		InReplyToID: t.InReplyToID, InReplyToUserID: t.InReplyToUserID, Mentions: s.mentions(in.Text)}
	e.EditHistory = append(append([]string(nil), t.history()...), e.ID)
	s.storeTweet(e)
	writeJSON(w, http.StatusCreated, map[string]any{"id": e.ID, "edit_history_tweet_ids": e.EditHistory})
}

// GET /sim/requests[?path_prefix=&since=] → {requests: [...]}, oldest first.
func (s *Sim) ctlRequests(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("path_prefix")
	since, _ := strconv.Atoi(r.URL.Query().Get("since"))
	calls := []APICall{}
	for _, c := range s.Calls() {
		if c.Seq > since && strings.HasPrefix(c.Path, prefix) {
			calls = append(calls, c)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": calls})
}

// Calls returns the API calls made since the start or the last reset,
// oldest first.
func (s *Sim) Calls() []APICall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]APICall, len(s.calls))
	for i, c := range s.calls {
		out[i] = *c
	}
	return out
}

// GET /sim/deliveries → {deliveries: [...]}, oldest first.
func (s *Sim) ctlDeliveries(w http.ResponseWriter, r *http.Request) {
	d := s.Deliveries()
	if d == nil {
		d = []Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": d})
}

type timelineUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

type timelineTweet struct {
	ID               string    `json:"id"`
	Text             string    `json:"text"`
	CreatedAt        time.Time `json:"created_at"`
	InReplyToTweetID string    `json:"in_reply_to_tweet_id,omitempty"`
	InReplyToUserID  string    `json:"in_reply_to_user_id,omitempty"`
	Mentions         []string  `json:"mentions,omitempty"`
}

type timelineRetweet struct {
	ID               string    `json:"id"`
	RetweetedTweetID string    `json:"retweeted_tweet_id"`
	CreatedAt        time.Time `json:"created_at"`
}

type timelineDM struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"dm_conversation_id"`
	SenderID       string    `json:"sender_id"`
	RecipientID    string    `json:"recipient_id"`
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"created_at"`
}

// timelineChat is one X Chat event as X holds it: ciphertext in X's
// envelope, and the metadata X routes by.
type timelineChat struct {
	ConversationID         string    `json:"conversation_id"`
	SequenceID             string    `json:"sequence_id"`
	MessageID              string    `json:"message_id"`
	SenderID               string    `json:"sender_id"`
	Kind                   string    `json:"kind"` // "message" or "key_change"
	ConversationKeyVersion string    `json:"conversation_key_version"`
	EncodedEvent           string    `json:"encoded_event"`
	CreatedAt              time.Time `json:"created_at"`
}

// Timeline is what X holds for one user, as GET /sim/timeline/{username}
// shows it: live Tweets and Retweets, legacy DMs sent and received, X Chat
// events (ciphertext), follows.
type Timeline struct {
	User      timelineUser      `json:"user"`
	Tweets    []timelineTweet   `json:"tweets"`
	Retweets  []timelineRetweet `json:"retweets"`
	DMs       []timelineDM      `json:"dms"`
	Chats     []timelineChat    `json:"chats"`
	Following []timelineUser    `json:"following"`
	Followers []timelineUser    `json:"followers"`
}

// GET /sim/timeline/{username}
func (s *Sim) ctlTimeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	tl := Timeline{User: tlUser(u), Tweets: []timelineTweet{}, Retweets: []timelineRetweet{}, DMs: []timelineDM{}, Chats: []timelineChat{},
		Following: []timelineUser{}, Followers: []timelineUser{}}
	for _, t := range s.st.order {
		if t.Deleted || t.AuthorID != u.ID {
			continue
		}
		if t.RetweetOfID != "" {
			tl.Retweets = append(tl.Retweets, timelineRetweet{ID: t.ID, RetweetedTweetID: t.RetweetOfID, CreatedAt: t.CreatedAt})
			continue
		}
		tt := timelineTweet{ID: t.ID, Text: t.Text, CreatedAt: t.CreatedAt, InReplyToTweetID: t.InReplyToID, InReplyToUserID: t.InReplyToUserID}
		for _, m := range t.Mentions {
			tt.Mentions = append(tt.Mentions, s.st.users[m.UserID].Username)
		}
		tl.Tweets = append(tl.Tweets, tt)
	}
	for _, m := range s.st.dms {
		if m.SenderID == u.ID || m.RecipientID == u.ID {
			tl.DMs = append(tl.DMs, timelineDM{ID: m.ID, ConversationID: m.ConversationID, SenderID: m.SenderID, RecipientID: m.RecipientID, Text: m.Text, CreatedAt: m.CreatedAt})
		}
	}
	var convs []string
	for id, conv := range s.st.chats {
		if slices.Contains(conv.Participants, u.ID) {
			convs = append(convs, id)
		}
	}
	slices.Sort(convs)
	for _, id := range convs {
		for _, e := range s.st.chats[id].Events {
			kind := "message"
			if e.KeyChange {
				kind = "key_change"
			}
			tl.Chats = append(tl.Chats, timelineChat{ConversationID: id, SequenceID: e.Seq, MessageID: e.MessageID, SenderID: e.SenderID,
				Kind: kind, ConversationKeyVersion: e.KeyVersion, EncodedEvent: e.encodedB64(), CreatedAt: e.CreatedAt})
		}
	}
	for _, f := range s.st.followingOf(u) {
		tl.Following = append(tl.Following, tlUser(f))
	}
	for _, f := range s.st.followers(u.ID) {
		tl.Followers = append(tl.Followers, tlUser(f))
	}
	writeJSON(w, http.StatusOK, tl)
}

func tlUser(u *user) timelineUser { return timelineUser{ID: u.ID, Username: u.Username, Name: u.Name} }

// POST /sim/faults {path_prefix, status, count, retry_after_s?} → 201
func (s *Sim) ctlFault(w http.ResponseWriter, r *http.Request) {
	var f fault
	if !readJSON(w, r, &f) {
		return
	}
	if !strings.HasPrefix(f.PathPrefix, "/") || f.Status < 400 || f.Status > 599 || f.Count < 1 {
		ctlError(w, http.StatusBadRequest, "A fault needs a path_prefix starting with '/', a status from 400 to 599 and a count of at least 1.")
		return
	}
	s.AddFault(f.PathPrefix, f.Status, f.Count, time.Duration(f.RetryAfterS)*time.Second)
	writeJSON(w, http.StatusCreated, f)
}

// AddFault makes the next count API calls whose path starts with prefix
// fail with status; a 429 says the limit resets after retryAfter (a minute
// when zero).
func (s *Sim) AddFault(prefix string, status, count int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{PathPrefix: prefix, Status: status, Count: count, RetryAfterS: int(retryAfter / time.Second)})
}

// POST /sim/reset → 200 {"status":"reset"}
func (s *Sim) ctlReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}
