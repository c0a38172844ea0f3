package xsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/twtext"
)

// maxBody is the largest request body the simulator reads.
const maxBody = 1 << 20

// APICall is one call made to the simulated API, as GET /sim/requests lists
// it.
type APICall struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Query  string    `json:"query,omitempty"`
	// Body is the request body: JSON as it was sent, anything else as a
	// JSON string.
	Body json.RawMessage `json:"body,omitempty"`
	// Auth is how the call was authenticated: oauth1 or oauth2 (user
	// context), bearer (the app's token) or basic (the token grant); empty
	// when the user endpoints' OAuth check failed.
	Auth string `json:"auth,omitempty"`
	// UserID and Username are the authenticated user's; empty when the
	// OAuth check failed or the app's bearer token was used.
	UserID   string `json:"user_id,omitempty"`
	Username string `json:"username,omitempty"`
	Status   int    `json:"status"`
}

// maxCalls is how many calls the simulator remembers.
const maxCalls = 10000

// call is one API request being answered.
type call struct {
	r    *http.Request
	body []byte
	user *user
}

// apiHandler answers an authenticated API call with a status and a body;
// it runs with s.mu held.
type apiHandler func(c *call) (int, any)

// api wraps an endpoint: it records the call, checks OAuth, applies
// injected faults and rate limits, and writes the JSON answer with X's
// headers.
func (s *Sim) api(endpoint string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			writeJSON(w, http.StatusBadRequest, invalidRequest("", "", "The request body could not be read.").body)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		rec := s.record(r, body)
		status, out := s.serveAPI(w, r, body, endpoint, rec, h)
		rec.Status = status
		writeJSON(w, status, out)
	})
}

func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request, body []byte, endpoint string, rec *APICall, h apiHandler) (int, any) {
	u, kind, appOnly, why := s.authenticateUser(r, body)
	if appOnly {
		rec.Auth = "bearer"
		return fail(errAppOnlyForbidden)
	}
	if u == nil {
		s.log.Debug("xsim: unauthorized", "method", r.Method, "path", r.URL.Path, "reason", why)
		return errUnauthorized.status, errUnauthorized.body
	}
	rec.Auth, rec.UserID, rec.Username = kind, u.ID, u.Username
	if f := s.takeFault(r.URL.Path); f != nil {
		xe := statusProblem(f.Status)
		if f.Status == http.StatusTooManyRequests {
			retry := time.Duration(f.RetryAfterS) * time.Second
			if retry <= 0 {
				retry = time.Minute
			}
			setRateHeaders(w.Header(), DefaultRateLimit, 0, time.Now().Add(retry))
		}
		return xe.status, xe.body
	}
	win, ok := s.rateLimit(u.ID, endpoint)
	if !ok {
		setRateHeaders(w.Header(), win.limit, 0, win.reset)
		return errTooMany.status, errTooMany.body
	}
	setRateHeaders(w.Header(), win.limit, win.limit-win.used, win.reset)
	if xe := s.creditsRefusal(); xe != nil {
		return fail(xe)
	}
	status, out := h(&call{r: r, body: body, user: u})
	if status/100 == 2 {
		s.spendCredits(endpoint, body)
	}
	return status, out
}

// record appends the call to the log. Called with s.mu held.
func (s *Sim) record(r *http.Request, body []byte) *APICall {
	s.callSeq++
	rec := &APICall{Seq: s.callSeq, At: s.stamp(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	if len(body) > 0 {
		if json.Valid(body) {
			rec.Body = append(json.RawMessage(nil), body...)
		} else {
			rec.Body, _ = json.Marshal(string(body))
		}
	}
	s.calls = append(s.calls, rec)
	if len(s.calls) > maxCalls {
		s.calls = s.calls[len(s.calls)-maxCalls:]
	}
	return rec
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"title":"Internal Server Error","type":"about:blank","status":500}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func fail(xe *xError) (int, any) { return xe.status, xe.body }

// decodeBody reads a JSON request body into v, or gives X's 400.
func decodeBody(body []byte, v any) *xError {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalidRequest("", "", "Request body is required.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return invalidRequest("", "", "Request body is not valid JSON.")
	}
	return nil
}

// --- Tweets -------------------------------------------------------------

type tweetData struct {
	ID                  string   `json:"id"`
	Text                string   `json:"text"`
	EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
	AuthorID            string   `json:"author_id,omitempty"`
	CreatedAt           string   `json:"created_at,omitempty"`
	ConversationID      string   `json:"conversation_id,omitempty"`
	InReplyToUserID     string   `json:"in_reply_to_user_id,omitempty"`
	ReferencedTweets    []refTwt `json:"referenced_tweets,omitempty"`
	Entities            *struct {
		URLs []urlEntity `json:"urls,omitempty"`
	} `json:"entities,omitempty"`
}

// apiTweet is the Tweet as X's API answers show it: its links as t.co
// links (with their entities when fields asks for them), HTML-escaped.
func (s *Sim) apiTweet(t *tweet, fields map[string]bool) tweetData {
	text, urls := wrapURLs(t.ID, s.tweetText(t))
	d := tweetData{ID: t.ID, Text: escapeText(text), EditHistoryTweetIDs: t.history()}
	if fields["entities"] && len(urls) > 0 {
		d.Entities = &struct {
			URLs []urlEntity `json:"urls,omitempty"`
		}{URLs: urls}
	}
	if fields["author_id"] {
		d.AuthorID = t.AuthorID
	}
	if fields["created_at"] {
		d.CreatedAt = t.CreatedAt.Format("2006-01-02T15:04:05.000Z")
	}
	if fields["conversation_id"] {
		d.ConversationID = s.conversationOf(t)
	}
	if fields["in_reply_to_user_id"] {
		d.InReplyToUserID = t.InReplyToUserID
	}
	if fields["referenced_tweets"] {
		if t.InReplyToID != "" {
			d.ReferencedTweets = append(d.ReferencedTweets, refTwt{"replied_to", t.InReplyToID})
		}
		if t.RetweetOfID != "" {
			d.ReferencedTweets = append(d.ReferencedTweets, refTwt{"retweeted", t.RetweetOfID})
		}
	}
	return d
}

// fieldSet is the set of a comma-separated fields parameter.
func fieldSet(list string) map[string]bool {
	set := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		set[f] = true
	}
	return set
}

type refTwt struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// POST /2/tweets
func (s *Sim) createTweetAPI(c *call) (int, any) {
	var in struct {
		Text  *string `json:"text"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	text, replyTo := "", ""
	if in.Text != nil {
		text = *in.Text
	}
	if in.Reply != nil {
		replyTo = in.Reply.InReplyToTweetID
		if !isID(replyTo) {
			return fail(invalidRequest("reply.in_reply_to_tweet_id", replyTo, "The `in_reply_to_tweet_id` value ["+replyTo+"] does not match ^[0-9]{1,19}$"))
		}
	}
	t, xe := s.createTweet(c.user, text, replyTo, true)
	if xe != nil {
		return fail(xe)
	}
	return http.StatusCreated, map[string]any{"data": s.apiTweet(t, nil)}
}

// createTweet applies X's rules to a new Tweet and stores it. Called with
// s.mu held.
func (s *Sim) createTweet(author *user, text, replyTo string, viaAPI bool) (*tweet, *xError) {
	if strings.TrimSpace(text) == "" {
		return nil, invalidRequest("text", text, "Tweet text is empty.")
	}
	if twtext.ParseTweet(text, twtext.ConfigV3).WeightedLength > 280 {
		return nil, errTooLong
	}
	var parent *tweet
	if replyTo != "" {
		if parent = s.st.liveTweet(replyTo); parent == nil {
			return nil, errReplyMissing
		}
	}
	for _, t := range s.st.order {
		if !t.Deleted && t.AuthorID == author.ID && t.RetweetOfID == "" && t.Text == text {
			return nil, errDuplicate
		}
	}
	if viaAPI {
		if xe := s.checkAccess(author, parent, text); xe != nil {
			return nil, xe
		}
	}
	now := s.stamp()
	t := &tweet{ID: s.ids.next(now), AuthorID: author.ID, Text: text, CreatedAt: now, ViaAPI: viaAPI,
		Mentions: s.mentions(text)}
	if parent != nil {
		t.InReplyToID, t.InReplyToUserID = parent.ID, parent.AuthorID
	}
	s.storeTweet(t)
	return t, nil
}

// mentions finds the @mentions of existing users in text.
func (s *Sim) mentions(text string) []mention {
	var out []mention
	for _, m := range twtext.ExtractMentionsWithIndices(text) {
		u := s.st.userByName(m.ScreenName)
		if u == nil {
			continue
		}
		out = append(out, mention{UserID: u.ID, Start: codePointIndex(text, m.Start), End: codePointIndex(text, m.End)})
	}
	return out
}

// codePointIndex converts a UTF-16 offset of s into a code point offset.
func codePointIndex(s string, u16 int) int {
	units, points := 0, 0
	for _, r := range s {
		if units >= u16 {
			break
		}
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		points++
	}
	return points
}

// storeTweet keeps t and delivers its creation to the subscribed users it
// involves. Called with s.mu held.
func (s *Sim) storeTweet(t *tweet) {
	s.st.tweets[t.ID] = t
	s.st.order = append(s.st.order, t)
	s.deliverTweet(t)
}

// GET /2/tweets/:id
func (s *Sim) lookupTweetAPI(c *call) (int, any) {
	id := c.r.PathValue("id")
	if !isID(id) {
		return fail(invalidID("id", id))
	}
	t := s.st.liveTweet(id)
	if t == nil {
		return fail(notFound("tweet", "id", id))
	}
	d := s.apiTweet(t, fieldSet(c.r.URL.Query().Get("tweet.fields")))
	return http.StatusOK, map[string]any{"data": d}
}

// conversationOf is the id of the Tweet that started t's thread.
func (s *Sim) conversationOf(t *tweet) string {
	for t.InReplyToID != "" {
		p := s.st.tweets[t.InReplyToID]
		if p == nil {
			break
		}
		t = p
	}
	return t.ID
}

// tweetText is the text X shows for a Tweet: a Retweet's is "RT @author: text".
func (s *Sim) tweetText(t *tweet) string {
	if t.RetweetOfID == "" {
		return t.Text
	}
	orig := s.st.tweets[t.RetweetOfID]
	if orig == nil {
		return t.Text
	}
	return "RT @" + s.st.users[orig.AuthorID].Username + ": " + orig.Text
}

// DELETE /2/tweets/:id
func (s *Sim) deleteTweetAPI(c *call) (int, any) {
	id := c.r.PathValue("id")
	if !isID(id) {
		return fail(invalidID("id", id))
	}
	t := s.st.liveTweet(id)
	if t == nil {
		return fail(notFound("tweet", "id", id))
	}
	if t.AuthorID != c.user.ID {
		return fail(errNotAuthor)
	}
	s.deleteTweet(t)
	return http.StatusOK, map[string]any{"data": map[string]bool{"deleted": true}}
}

// deleteTweet deletes t and its Retweets and delivers the deletions.
// Called with s.mu held.
func (s *Sim) deleteTweet(t *tweet) {
	if t.Deleted {
		return
	}
	t.Deleted, t.DeletedAt = true, s.stamp()
	s.deliverDelete(t)
	for _, rt := range s.st.order {
		if rt.RetweetOfID == t.ID && !rt.Deleted {
			s.deleteTweet(rt)
		}
	}
}

// --- Retweets -----------------------------------------------------------

// ownPathUser checks a path's user id against the authenticated user.
func ownPathUser(c *call, param string) *xError {
	id := c.r.PathValue(param)
	if !isID(id) {
		return invalidID(param, id)
	}
	if id != c.user.ID {
		return notAuthenticatingUser(param, id, c.user.ID)
	}
	return nil
}

// POST /2/users/:id/retweets
func (s *Sim) retweetAPI(c *call) (int, any) {
	if xe := ownPathUser(c, "id"); xe != nil {
		return fail(xe)
	}
	var in struct {
		TweetID string `json:"tweet_id"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	if !isID(in.TweetID) {
		return fail(invalidID("tweet_id", in.TweetID))
	}
	orig := s.st.liveTweet(in.TweetID)
	if orig == nil {
		return fail(notFound("tweet", "tweet_id", in.TweetID))
	}
	if orig.RetweetOfID != "" { // a Retweet of a Retweet Retweets the original
		if o := s.st.liveTweet(orig.RetweetOfID); o != nil {
			orig = o
		}
	}
	if s.st.retweetBy(c.user.ID, orig.ID) == nil {
		now := s.stamp()
		rt := &tweet{ID: s.ids.next(now), AuthorID: c.user.ID, RetweetOfID: orig.ID, CreatedAt: now, ViaAPI: true}
		rt.Text = s.tweetText(rt)
		rt.Mentions = s.mentions(rt.Text)
		s.storeTweet(rt)
	}
	return http.StatusOK, map[string]any{"data": map[string]bool{"retweeted": true}}
}

// DELETE /2/users/:id/retweets/:source_tweet_id
func (s *Sim) undoRetweetAPI(c *call) (int, any) {
	if xe := ownPathUser(c, "id"); xe != nil {
		return fail(xe)
	}
	src := c.r.PathValue("source_tweet_id")
	if !isID(src) {
		return fail(invalidID("source_tweet_id", src))
	}
	if rt := s.st.retweetBy(c.user.ID, src); rt != nil {
		s.deleteTweet(rt)
	}
	return http.StatusOK, map[string]any{"data": map[string]bool{"retweeted": false}}
}

// --- Follows ------------------------------------------------------------

// POST /2/users/:id/following
func (s *Sim) followAPI(c *call) (int, any) {
	if s.selfServe() {
		return fail(s.errFollowForbidden())
	}
	if xe := ownPathUser(c, "id"); xe != nil {
		return fail(xe)
	}
	var in struct {
		TargetUserID string `json:"target_user_id"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	if !isID(in.TargetUserID) {
		return fail(invalidID("target_user_id", in.TargetUserID))
	}
	target := s.st.users[in.TargetUserID]
	if target == nil {
		return fail(notFound("user", "target_user_id", in.TargetUserID))
	}
	if target.ID == c.user.ID {
		return fail(invalidRequest("target_user_id", target.ID, "You cannot follow yourself."))
	}
	if target.Protected && !c.user.following[target.ID] {
		// X sends a follow request; the follow happens when it is accepted.
		target.requests[c.user.ID] = true
		return http.StatusOK, map[string]any{"data": map[string]bool{"following": false, "pending_follow": true}}
	}
	s.setFollow(c.user, target, true)
	return http.StatusOK, map[string]any{"data": map[string]bool{"following": true, "pending_follow": false}}
}

// DELETE /2/users/:source_user_id/following/:target_user_id
func (s *Sim) unfollowAPI(c *call) (int, any) {
	if s.selfServe() {
		return fail(s.errFollowForbidden())
	}
	if xe := ownPathUser(c, "source_user_id"); xe != nil {
		return fail(xe)
	}
	tid := c.r.PathValue("target_user_id")
	if !isID(tid) {
		return fail(invalidID("target_user_id", tid))
	}
	if target := s.st.users[tid]; target != nil {
		delete(target.requests, c.user.ID) // also withdraws a follow request
		s.setFollow(c.user, target, false)
	}
	return http.StatusOK, map[string]any{"data": map[string]bool{"following": false}}
}

// setFollow makes u follow (or stop following) target, delivering the
// change when it is one. Called with s.mu held.
func (s *Sim) setFollow(u, target *user, follow bool) bool {
	if u.following[target.ID] == follow {
		return false
	}
	if follow {
		u.following[target.ID] = true
	} else {
		delete(u.following, target.ID)
	}
	s.deliverFollow(u, target, follow)
	return true
}

// --- Users --------------------------------------------------------------

type userData struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Username    string  `json:"username"`
	CreatedAt   string  `json:"created_at,omitempty"`
	Description *string `json:"description,omitempty"`
	Protected   *bool   `json:"protected,omitempty"`
	// ConnectionStatus is how the user relates to the authenticating
	// user: "following" (they follow the user), "followed_by" (the user
	// follows them), "follow_request_sent", "follow_request_received".
	ConnectionStatus *[]string `json:"connection_status,omitempty"`
	// ReceivesYourDM is whether the user accepts Direct Messages from the
	// authenticating user.
	ReceivesYourDM *bool `json:"receives_your_dm,omitempty"`
}

// userData renders u with the user.fields asked for; connection_status
// is from the authenticating user me's side, as X gives it.
func (s *Sim) userData(u, me *user, userFields string) userData {
	d := userData{ID: u.ID, Name: u.Name, Username: u.Username}
	for _, f := range strings.Split(userFields, ",") {
		switch f {
		case "created_at":
			d.CreatedAt = u.CreatedAt.Format("2006-01-02T15:04:05.000Z")
		case "description":
			empty := ""
			d.Description = &empty
		case "protected":
			protected := u.Protected
			d.Protected = &protected
		case "connection_status":
			status := []string{}
			if me != nil && me.following[u.ID] {
				status = append(status, "following")
			}
			if me != nil && u.following[me.ID] {
				status = append(status, "followed_by")
			}
			if me != nil && u.requests[me.ID] {
				status = append(status, "follow_request_sent")
			}
			if me != nil && me.requests[u.ID] {
				status = append(status, "follow_request_received")
			}
			d.ConnectionStatus = &status
		case "receives_your_dm":
			ok := s.receivesDMFrom(u, me)
			d.ReceivesYourDM = &ok
		}
	}
	return d
}

// GET /2/users/:id
func (s *Sim) userByIDAPI(c *call) (int, any) {
	id := c.r.PathValue("id")
	if !isID(id) {
		return fail(invalidID("id", id))
	}
	u := s.st.users[id]
	if u == nil {
		return fail(notFound("user", "id", id))
	}
	return http.StatusOK, map[string]any{"data": s.userData(u, c.user, c.r.URL.Query().Get("user.fields"))}
}

// GET /2/users/by/username/:username
func (s *Sim) lookupUserAPI(c *call) (int, any) {
	name := c.r.PathValue("username")
	if !isUsername(name) {
		return fail(invalidRequest("username", name, "The `username` query parameter value ["+name+"] does not match ^[A-Za-z0-9_]{1,15}$"))
	}
	u := s.st.userByName(name)
	if u == nil {
		return fail(notFound("user", "username", name))
	}
	return http.StatusOK, map[string]any{"data": s.userData(u, c.user, c.r.URL.Query().Get("user.fields"))}
}

// --- Direct Messages ----------------------------------------------------

// maxDMLength is X's limit for a Direct Message's text.
const maxDMLength = 10000

// errLegacyDMsRetired is the simulator's answer to the legacy Direct
// Message endpoints after X retired them on 9 December 2026. X's pages say
// the endpoints stop but not what they answer; the simulator answers 410
// Gone with a problem document naming the replacement.
var errLegacyDMsRetired = plainProblem(http.StatusGone, "Gone",
	"Legacy Direct Messages were retired on 9 December 2026: /2/dm_conversations and /2/dm_events no longer exist. Use the X Chat API (/2/chat/*).")

// legacyDM wraps a legacy Direct Message endpoint: it answers as before
// with Options.LegacyDMs, and as retired otherwise.
func (s *Sim) legacyDM(h apiHandler) apiHandler {
	return func(c *call) (int, any) {
		if !s.opts.LegacyDMs {
			return fail(errLegacyDMsRetired)
		}
		return h(c)
	}
}

// POST /2/dm_conversations/with/:participant_id/messages
func (s *Sim) sendDMAPI(c *call) (int, any) {
	pid := c.r.PathValue("participant_id")
	if !isID(pid) {
		return fail(invalidID("participant_id", pid))
	}
	var in struct {
		Text string `json:"text"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	to := s.st.users[pid]
	if to == nil {
		return fail(notFound("user", "participant_id", pid))
	}
	m, xe := s.sendDM(c.user, to, in.Text, true)
	if xe != nil {
		return fail(xe)
	}
	return http.StatusCreated, map[string]any{"data": map[string]string{"dm_conversation_id": m.ConversationID, "dm_event_id": m.ID}}
}

// GET /2/dm_conversations/with/:participant_id/dm_events: the Direct
// Messages between the authenticated user and the participant, newest
// first, with X's dm_event fields (at most max_results, default 100).
func (s *Sim) dmEventsAPI(c *call) (int, any) {
	pid := c.r.PathValue("participant_id")
	if !isID(pid) {
		return fail(invalidID("participant_id", pid))
	}
	if s.st.users[pid] == nil {
		return fail(notFound("user", "participant_id", pid))
	}
	limit := 100
	if v := c.r.URL.Query().Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fail(invalidRequest("max_results", v, "The `max_results` query parameter value ["+v+"] is not between 1 and 100"))
		}
		limit = n
	}
	conv := conversationID(c.user.ID, pid)
	type event struct {
		ID               string `json:"id"`
		EventType        string `json:"event_type"`
		Text             string `json:"text"`
		SenderID         string `json:"sender_id"`
		DMConversationID string `json:"dm_conversation_id"`
		CreatedAt        string `json:"created_at"`
		// URLs are the links' entities, with dm_event.fields=entities.
		URLs []urlEntity `json:"urls,omitempty"`
	}
	entities := fieldSet(c.r.URL.Query().Get("dm_event.fields"))["entities"]
	data := []event{}
	for i := len(s.st.dms) - 1; i >= 0 && len(data) < limit; i-- {
		if m := s.st.dms[i]; m.ConversationID == conv {
			text, urls := wrapURLs(m.ID, m.Text)
			e := event{ID: m.ID, EventType: "MessageCreate", Text: text, SenderID: m.SenderID,
				DMConversationID: m.ConversationID, CreatedAt: m.CreatedAt.Format("2006-01-02T15:04:05.000Z")}
			if entities {
				e.URLs = urls
			}
			data = append(data, e)
		}
	}
	return http.StatusOK, map[string]any{"data": data, "meta": map[string]int{"result_count": len(data)}}
}

// sendDM applies X's rules to a Direct Message and stores it: the recipient
// must accept messages from anyone, follow the sender, or have written to
// the sender by DM (a conversation the recipient started may be answered).
// Called with s.mu held.
func (s *Sim) sendDM(from, to *user, text string, viaAPI bool) (*dm, *xError) {
	if to.ID == from.ID {
		return nil, invalidRequest("participant_id", to.ID, "You cannot send a Direct Message to yourself.")
	}
	if strings.TrimSpace(text) == "" {
		return nil, invalidRequest("text", text, "Either text or attachments must be provided.")
	}
	if len([]rune(text)) > maxDMLength {
		return nil, invalidRequest("text", "", "The text of a Direct Message can be at most 10000 characters.")
	}
	if !s.receivesDMFrom(to, from) {
		return nil, errDMNotAllowed
	}
	now := s.stamp()
	m := &dm{ID: s.ids.next(now), ConversationID: conversationID(from.ID, to.ID), SenderID: from.ID, RecipientID: to.ID,
		Text: text, CreatedAt: now, ViaAPI: viaAPI}
	s.st.dms = append(s.st.dms, m)
	s.deliverDM(m)
	return m, nil
}

// --- User Tweet timeline --------------------------------------------------

type timelineMeta struct {
	ResultCount int    `json:"result_count"`
	NewestID    string `json:"newest_id,omitempty"`
	OldestID    string `json:"oldest_id,omitempty"`
	NextToken   string `json:"next_token,omitempty"`
}

// GET /2/users/:id/tweets: the user's Tweets, newest first, with
// start_time, end_time, since_id, until_id, exclude (retweets, replies),
// max_results (5 to 100, default 10) and pagination_token.
func (s *Sim) userTweetsAPI(c *call) (int, any) {
	id := c.r.PathValue("id")
	if !isID(id) {
		return fail(invalidID("id", id))
	}
	q := c.r.URL.Query()
	var start, end time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"start_time", &start}, {"end_time", &end}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return fail(invalidRequest(p.name, v, "Invalid '"+p.name+"':'"+v+"'. '"+p.name+"' must be a valid RFC 3339 date."))
			}
			*p.t = t
		}
	}
	max := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 100 {
			return fail(invalidRequest("max_results", v, "The `max_results` query parameter value ["+v+"] is not between 5 and 100"))
		}
		max = n
	}
	excludeRetweets := strings.Contains(q.Get("exclude"), "retweets")
	excludeReplies := strings.Contains(q.Get("exclude"), "replies")
	if s.st.users[id] == nil {
		return fail(notFound("user", "id", id))
	}
	var all []*tweet
	for i := len(s.st.order) - 1; i >= 0; i-- {
		t := s.st.order[i]
		switch {
		case t.Deleted || t.AuthorID != id,
			excludeRetweets && t.RetweetOfID != "",
			excludeReplies && t.InReplyToID != "",
			!start.IsZero() && t.CreatedAt.Before(start),
			!end.IsZero() && !t.CreatedAt.Before(end),
			q.Get("since_id") != "" && !idAfter(t.ID, q.Get("since_id")),
			q.Get("until_id") != "" && !idAfter(q.Get("until_id"), t.ID):
			continue
		}
		all = append(all, t)
	}
	// The pagination token is the id of the first Tweet of the next page.
	if tok := q.Get("pagination_token"); tok != "" {
		i := 0
		for i < len(all) && all[i].ID != tok {
			i++
		}
		if i == len(all) {
			return fail(invalidRequest("pagination_token", tok, "The `pagination_token` query parameter value ["+tok+"] is not valid"))
		}
		all = all[i:]
	}
	meta := timelineMeta{}
	if len(all) > max {
		meta.NextToken = all[max].ID
		all = all[:max]
	}
	meta.ResultCount = len(all)
	if len(all) == 0 {
		return http.StatusOK, map[string]any{"meta": meta}
	}
	meta.NewestID, meta.OldestID = all[0].ID, all[len(all)-1].ID
	fields := fieldSet(q.Get("tweet.fields"))
	data := make([]tweetData, len(all))
	for i, t := range all {
		d := s.apiTweet(t, fields)
		data[i] = d
	}
	return http.StatusOK, map[string]any{"data": data, "meta": meta}
}

// idAfter reports whether id a is later (greater) than id b.
func idAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
