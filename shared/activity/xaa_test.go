package activity

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../events/x", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var received = time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)

// twins pairs each X Activity sample with the Account Activity sample of
// the same thing: both must give the same events.
var twins = []struct{ xaa, aaa string }{
	{"xaa/post-mention-create.json", "tweet-mention.json"},
	{"xaa/post-mention-create-long.json", "tweet-extended.json"},
	{"xaa/post-reply-create.json", "tweet-reply.json"},
	{"xaa/post-quote-create.json", "tweet-quote.json"},
	{"xaa/post-repost-create.json", "tweet-retweet.json"},
	{"xaa/post-create.json", "tweet-own-echo.json"},
	{"xaa/post-delete.json", "tweet-delete-own.json"},
	{"xaa/dm-received.json", "dm-received.json"},
	{"xaa/dm-sent.json", "dm-sent-echo.json"},
	{"xaa/follow-follow.json", "follow.json"},
	{"xaa/follow-unfollow.json", "unfollow.json"},
	{"xaa/like-create.json", "favorite.json"},
	{"xaa/oauth-revoke.json", "user-event-revoke.json"},
}

// comparable blanks what the two formats may tell differently: X Activity
// follows and deletions carry no time (they are dated by their receipt)
// and their ids come from the delivery; a like's id is X's in AAA; users
// named in passing may lack their display name in one format.
func comparable(ev casework.Event) casework.Event {
	switch ev.Type {
	case casework.EventFollow, casework.EventUnfollow:
		// XAA's carry no time: dated by receipt and marked so.
		f := *ev.Follow
		f.Untimed = false
		ev.ID, ev.At, ev.Follow = string(ev.Type), time.Time{}, &f
	case casework.EventTweetDelete:
		ev.At = time.Time{}
	case casework.EventFavorite:
		ev.ID = "favorite"
		f := *ev.Favorite
		f.ID = ""
		ev.Favorite = &f
	case casework.EventTweet:
		tw := *ev.Tweet
		tw.ConversationID = "" // v2 only
		tw.Mentions = nil
		for _, m := range ev.Tweet.Mentions {
			tw.Mentions = append(tw.Mentions, casework.XAccount{ID: m.ID, ScreenName: m.ScreenName})
		}
		ev.Tweet = &tw
	}
	return ev
}

func TestXAASamplesGiveTheEventsOfTheirAAATwins(t *testing.T) {
	for _, tw := range twins {
		t.Run(tw.xaa, func(t *testing.T) {
			x, err := ParseMessage(readSample(t, tw.xaa), received)
			if err != nil || x.Err() != nil || x.Format != FormatXAA || len(x.Events) == 0 {
				t.Fatalf("XAA: %+v, %v", x, err)
			}
			a, err := Parse(readSample(t, tw.aaa))
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != len(x.Events) {
				t.Fatalf("%d events from XAA, %d from AAA", len(x.Events), len(a))
			}
			for i := range a {
				if got, want := comparable(x.Events[i]), comparable(a[i]); !reflect.DeepEqual(got, want) {
					gj, _ := json.MarshalIndent(got, "", " ")
					wj, _ := json.MarshalIndent(want, "", " ")
					t.Errorf("XAA event\n%s\nAAA event\n%s", gj, wj)
				}
			}
		})
	}
}

func TestXAADetails(t *testing.T) {
	long, err := Parse(readSample(t, "xaa/post-mention-create-long.json"))
	if err != nil {
		t.Fatal(err)
	}
	if tw := long[0].Tweet; !strings.HasSuffix(tw.Text, "Can someone actually own this? @AcmeSupport") || len([]rune(tw.Text)) <= 280 {
		t.Errorf("text = %q, want note_tweet.text in full", tw.Text)
	}
	quote, _ := Parse(readSample(t, "xaa/post-quote-create.json"))
	if u := quote[0].Tweet.URLs; len(u) != 1 || u[0].URL != "https://t.co/aCmE0q0006" || !strings.HasPrefix(u[0].ExpandedURL, "https://twitter.com/AcmeSupport/status/") {
		t.Errorf("urls = %+v", u)
	}
	if a := quote[0].Tweet.Author; a.ScreenName != "bob_stranger" || a.Name != "Bob Stranger" {
		t.Errorf("author from includes.users = %+v", a)
	}
	follow, _ := ParseMessage(readSample(t, "xaa/follow-follow.json"), received)
	if ev := follow.Events[0]; !ev.At.Equal(received) || !ev.Follow.Untimed || !strings.HasPrefix(ev.ID, "follow:2000000000000000001:1000000000000000001:") {
		t.Errorf("follow = %+v, want dated by its receipt", ev)
	}
	rename, _ := ParseMessage(readSample(t, "xaa/profile-update-handle.json"), received)
	if ev := rename.Events[0]; ev.Type != casework.EventHandleRename || ev.Rename.After != "AcmeHelp" || ev.Rename.UserID != brand || ev.ForUserID != brand {
		t.Errorf("rename = %+v", ev)
	}
	dm, _ := Parse(readSample(t, "xaa/dm-received.json"))
	if d := dm[0].DM; d.Sender.ScreenName != "alice_follows" || d.Sender.Name != "Alice Follower" || d.Recipient.ID != brand {
		t.Errorf("dm users from the wrapped map: %+v", d)
	}
}

func TestXAAMedia(t *testing.T) {
	body := `{"data":{"event_uuid":"1","event_type":"post.mention.create","filter":{"user_id":"1000000000000000001"},
		"payload":{"id":"9","author_id":"2","created_at":"2026-11-25T10:00:00.000Z","text":"@AcmeSupport look https://t.co/pic",
		  "attachments":{"media_keys":["3_77","7_78"]},
		  "entities":{"mentions":[{"username":"AcmeSupport","start":0,"end":12}],"urls":[{"url":"https://t.co/pic","expanded_url":"https://x.com/b/status/9/photo/1","media_key":"3_77"}]}},
		"includes":{"users":[{"id":"2","username":"b","name":"B"},{"id":"1000000000000000001","username":"AcmeSupport"}],
		  "media":[{"media_key":"3_77","type":"photo","url":"https://pbs.twimg.com/media/77.jpg"},{"media_key":"7_78","type":"video","preview_image_url":"https://pbs.twimg.com/78.jpg"}]}}}`
	evs, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	tw := evs[0].Tweet
	want := []casework.Media{{Key: "3_77", Type: "photo", URL: "https://pbs.twimg.com/media/77.jpg"}, {Key: "7_78", Type: "video", URL: "https://pbs.twimg.com/78.jpg"}}
	if !reflect.DeepEqual(tw.Media, want) || len(tw.URLs) != 0 {
		t.Errorf("media %+v, urls %+v (an attachment's link is not a URL)", tw.Media, tw.URLs)
	}
	if !tw.MentionsUser(brand) {
		t.Errorf("a mention without an id is matched by username: %+v", tw.Mentions)
	}
}

func TestXAAIgnoredAndMalformed(t *testing.T) {
	for _, name := range []string{"xaa/dm-indicate-typing.json", "xaa/profile-update-bio.json"} {
		p, err := ParseMessage(readSample(t, name), received)
		if err != nil || p.Ignored == "" || len(p.Events)+len(p.Bad) != 0 {
			t.Errorf("%s: %+v, %v; want ignored", name, p, err)
		}
	}
	for _, typ := range []string{"dm.read", "chat.conversation_join", "spaces.start", "mute.create", "block.create", "news.new", "profile.update.geo"} {
		if XAAUsed(typ) {
			t.Errorf("%s is used", typ)
		}
	}
	for _, body := range []string{`{"data":[]}`, `{"data":{"event_type":"post.create"}}`, `{"data":{"payload":{}}}`, `{"data":"x"}`} {
		if _, err := ParseMessage([]byte(body), received); !errors.Is(err, ErrNotEnvelope) {
			t.Errorf("%s: err = %v, want ErrNotEnvelope", body, err)
		}
	}
	p, err := ParseMessage([]byte(`{"data":{"event_type":"post.mention.create","filter":{"user_id":"1"},"payload":{"text":"hi"}}}`), received)
	if err != nil || len(p.Bad) != 1 || len(p.Events) != 0 {
		t.Errorf("a Post without id: %+v, %v", p, err)
	}
	// One without author_id is the rules' to complete from X (by its id).
	p, err = ParseMessage([]byte(`{"data":{"event_type":"post.mention.create","filter":{"user_id":"1"},"payload":{"id":"5"}}}`), received)
	if err != nil || len(p.Bad) != 0 || len(p.Events) != 1 || p.Events[0].Tweet.Author.ID != "" || !p.Events[0].Tweet.MentionsUser("1") {
		t.Errorf("a Post without author: %+v, %v; want it parsed, mentioning the subscribed user", p, err)
	}
}

// TestOneBadEventKeepsItsSiblings: issue 10 item 10.
func TestOneBadEventKeepsItsSiblings(t *testing.T) {
	body := `{"for_user_id":"1000000000000000001","tweet_create_events":[
		{"text":"no id","created_at":"Wed Nov 25 10:00:00 +0000 2026"},
		{"id_str":"7","text":"@AcmeSupport hi","timestamp_ms":"1795600800000","user":{"id_str":"2","screen_name":"b"}},
		"not an object"],
		"follow_events":[{"type":"follow","created_timestamp":"soon","target":{"id":"1"},"source":{"id":"2"}}]}`
	p, err := ParseMessage([]byte(body), received)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 1 || p.Events[0].ID != "tweet:7" {
		t.Errorf("events = %+v, want the good Tweet", p.Events)
	}
	var where []string
	for _, b := range p.Bad {
		where = append(where, b.Where)
	}
	if want := []string{"tweet_create_events[0]", "tweet_create_events[2]", "follow_events[0]"}; !reflect.DeepEqual(where, want) {
		t.Errorf("bad = %v, want %v", where, want)
	}
	if _, err := Parse([]byte(body)); err == nil || !strings.Contains(err.Error(), "tweet_create_events[0]") {
		t.Errorf("Parse = %v, want the bad events named", err)
	}
}

// TestXAAIDsAreStableAcrossDeliveries: the same Post delivered again (a
// retry, a replay with a new event_uuid, or as another event type) has the
// same id; two follows of one pair delivered apart do not.
func TestXAAIDsAreStableAcrossDeliveries(t *testing.T) {
	body := readSample(t, "xaa/post-reply-create.json")
	var env map[string]map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	env["data"]["event_uuid"] = "77"
	env["data"]["event_type"] = XAAPostMention
	again, _ := json.Marshal(env)
	a, _ := ParseMessage(body, received)
	b, _ := ParseMessage(again, received.Add(time.Hour))
	if a.Events[0].ID != b.Events[0].ID || a.Events[0].ID != "tweet:1861000000000000003" {
		t.Errorf("ids %s and %s", a.Events[0].ID, b.Events[0].ID)
	}
	f1, _ := ParseMessage(readSample(t, "xaa/follow-follow.json"), received)
	f2, _ := ParseMessage(readSample(t, "xaa/follow-follow.json"), received.Add(time.Hour))
	if f1.Events[0].ID != f2.Events[0].ID {
		t.Error("a duplicate delivery of a follow has another id")
	}
}

func TestReadDelivery(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		isXAA     bool
		eventType string
		userID    string
		wantErr   error
	}{
		{"an X Activity delivery", `{"data":{"event_uuid":"1","event_type":"post.mention.create","filter":{"user_id":"42"},"tag":"t","payload":{"id":"9"}}}`, true, "post.mention.create", "42", nil},
		{"an Account Activity payload", `{"for_user_id":"42","tweet_create_events":[]}`, false, "", "", nil},
		{"a revocation (no for_user_id, no data)", `{"user_event":{"revoke":{}}}`, false, "", "", nil},
		{"data beside for_user_id is Account Activity", `{"for_user_id":"42","data":{}}`, false, "", "", nil},
		{"data not an object", `{"data":[1]}`, true, "", "", ErrNotEnvelope},
		{"no event type", `{"data":{"payload":{}}}`, true, "", "", ErrNotEnvelope},
		{"a payload that is not an object", `{"data":{"event_type":"dm.received","payload":"x"}}`, true, "", "", ErrNotEnvelope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, isXAA, err := ReadDelivery([]byte(tt.body))
			if isXAA != tt.isXAA || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("= %+v, %v, %v; want XAA %v, err %v", env, isXAA, err, tt.isXAA, tt.wantErr)
			}
			if env.EventType != tt.eventType || env.UserID != tt.userID {
				t.Errorf("envelope %+v, want %s for %s", env, tt.eventType, tt.userID)
			}
		})
	}
	for _, body := range []string{`[1]`, `{"data":`, `"x"`} {
		if _, isXAA, err := ReadDelivery([]byte(body)); err == nil || isXAA {
			t.Errorf("%s: XAA %v, err %v; want an error", body, isXAA, err)
		}
	}
}
