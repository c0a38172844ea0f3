package activity

import (
	"errors"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

const brand = "1000000000000000001"

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, evs []casework.Event)
	}{
		{
			name: "mention with extended text",
			body: `{"for_user_id":"1000000000000000001","tweet_create_events":[{
				"created_at":"Wed Nov 25 10:00:00 +0000 2026","id_str":"1900000000000000001",
				"text":"@AcmeSupport my order is late https://t.co/x…","truncated":true,
				"extended_tweet":{"full_text":"@AcmeSupport my order is late, number 42 and counting","entities":{"user_mentions":[{"id_str":"1000000000000000001","screen_name":"AcmeSupport","name":"Acme Support"}]}},
				"user":{"id":2000000000000000001,"id_str":"2000000000000000001","name":"Alice","screen_name":"alice_follows"},
				"entities":{"user_mentions":[{"id_str":"1000000000000000001","screen_name":"AcmeSupport"}]},
				"timestamp_ms":"1795600800000"}]}`,
			check: func(t *testing.T, evs []casework.Event) {
				if len(evs) != 1 || evs[0].Type != casework.EventTweet || evs[0].ID != "tweet:1900000000000000001" {
					t.Fatalf("events = %+v", evs)
				}
				tw := evs[0].Tweet
				if tw.Text != "@AcmeSupport my order is late, number 42 and counting" {
					t.Errorf("text = %q, want the extended full_text", tw.Text)
				}
				if tw.Author.ID != "2000000000000000001" || tw.Author.ScreenName != "alice_follows" || tw.Author.Name != "Alice" {
					t.Errorf("author = %+v", tw.Author)
				}
				if !tw.MentionsUser(brand) || tw.MentionsUser("2") {
					t.Errorf("mentions = %+v", tw.Mentions)
				}
				if want := time.UnixMilli(1795600800000).UTC(); !evs[0].At.Equal(want) || evs[0].ForUserID != brand {
					t.Errorf("at = %s for %s", evs[0].At, evs[0].ForUserID)
				}
			},
		},
		{
			name: "reply, retweet and quote, created_at only",
			body: `{"for_user_id":"1000000000000000001","tweet_create_events":[
				{"created_at":"Wed Nov 25 10:00:00 +0000 2026","id_str":"11","text":"@AcmeSupport thanks","in_reply_to_status_id_str":"10","in_reply_to_user_id_str":"1000000000000000001","user":{"id_str":"2","screen_name":"b"}},
				{"created_at":"Wed Nov 25 10:01:00 +0000 2026","id_str":"12","text":"RT @AcmeSupport: news","user":{"id_str":"2","screen_name":"b"},"retweeted_status":{"id_str":"9","text":"news","user":{"id_str":"1000000000000000001"}}},
				{"created_at":"Wed Nov 25 10:02:00 +0000 2026","id_str":"13","text":"look","is_quote_status":true,"quoted_status_id_str":"9","user":{"id_str":"2","screen_name":"b"}}]}`,
			check: func(t *testing.T, evs []casework.Event) {
				if len(evs) != 3 {
					t.Fatalf("%d events", len(evs))
				}
				if evs[0].Tweet.InReplyToID != "10" || evs[0].Tweet.InReplyToUserID != brand {
					t.Errorf("reply = %+v", evs[0].Tweet)
				}
				if want := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC); !evs[0].At.Equal(want) {
					t.Errorf("at = %s", evs[0].At)
				}
				if evs[1].Tweet.RetweetOfID != "9" || evs[2].Tweet.QuotedID != "9" {
					t.Errorf("retweet %+v, quote %+v", evs[1].Tweet, evs[2].Tweet)
				}
			},
		},
		{
			name: "direct message with users map, typing ignored",
			body: `{"for_user_id":"1000000000000000001","direct_message_events":[
				{"type":"message_create","id":"1800000000000000001","created_timestamp":"1795600800000",
				 "message_create":{"target":{"recipient_id":"1000000000000000001"},"sender_id":"2000000000000000001","message_data":{"text":"hello","entities":{}}}}],
				"direct_message_indicate_typing_events":[{"created_timestamp":"1","sender_id":"2","target":{"recipient_id":"1"}}],
				"users":{"2000000000000000001":{"id":"2000000000000000001","name":"Alice","screen_name":"alice_follows"},
				         "1000000000000000001":{"id":"1000000000000000001","name":"Acme Support","screen_name":"AcmeSupport"}}}`,
			check: func(t *testing.T, evs []casework.Event) {
				if len(evs) != 1 || evs[0].Type != casework.EventDM || evs[0].ID != "dm:1800000000000000001" {
					t.Fatalf("events = %+v", evs)
				}
				dm := evs[0].DM
				if dm.Text != "hello" || dm.Sender.ScreenName != "alice_follows" || dm.Recipient.ScreenName != "AcmeSupport" {
					t.Errorf("dm = %+v", dm)
				}
			},
		},
		{
			name: "follow and unfollow",
			body: `{"for_user_id":"1000000000000000001",
				"follow_events":[{"type":"follow","created_timestamp":"1795600800000","target":{"id":"1000000000000000001","screen_name":"AcmeSupport"},"source":{"id":"2000000000000000002","screen_name":"bob_stranger","name":"Bob"}}],
				"unfollow_events":[{"type":"unfollow","created_timestamp":"1795600900000","target":{"id":"1000000000000000001"},"source":{"id":"2000000000000000002"}}]}`,
			check: func(t *testing.T, evs []casework.Event) {
				if len(evs) != 2 || evs[0].Type != casework.EventFollow || evs[1].Type != casework.EventUnfollow {
					t.Fatalf("events = %+v", evs)
				}
				if evs[0].Follow.Source.ID != "2000000000000000002" || evs[0].Follow.Target.ID != brand {
					t.Errorf("follow = %+v", evs[0].Follow)
				}
				if evs[0].ID == evs[1].ID {
					t.Error("a follow and the unfollow after it share an id")
				}
			},
		},
		{
			name: "delete, favorite, revoke",
			body: `{"for_user_id":"1000000000000000001",
				"tweet_delete_events":[{"status":{"id":"11","user_id":"2"},"timestamp_ms":"1795600800000"}],
				"favorite_events":[{"id":"fav1","created_at":"Wed Nov 25 10:00:00 +0000 2026","timestamp_ms":1795600800000,"favorited_status":{"id_str":"11","created_at":"Wed Nov 25 09:00:00 +0000 2026","user":{"id_str":"2"}},"user":{"id_str":"1000000000000000001","screen_name":"AcmeSupport"}}],
				"user_event":{"revoke":{"date_time":"2026-11-25T10:00:00+00:00","target":{"app_id":"1"},"source":{"user_id":"1000000000000000001"}}}}`,
			check: func(t *testing.T, evs []casework.Event) {
				if len(evs) != 3 {
					t.Fatalf("events = %+v", evs)
				}
				if evs[0].Delete.TweetID != "11" || evs[0].ID != "delete:11" {
					t.Errorf("delete = %+v", evs[0])
				}
				if evs[1].Favorite.TweetID != "11" || evs[1].Favorite.User.ID != brand {
					t.Errorf("favorite = %+v", evs[1].Favorite)
				}
				if evs[2].Revoke.UserID != brand || evs[2].Type != casework.EventRevoke {
					t.Errorf("revoke = %+v", evs[2])
				}
			},
		},
		{
			name: "unfollow under follow_events, escaped text",
			body: `{"for_user_id":"1000000000000000001",
				"follow_events":[{"type":"unfollow","created_timestamp":"1795600800000","target":{"id":"1000000000000000001"},"source":{"id":"2"}}],
				"tweet_create_events":[{"id_str":"7","text":"@AcmeSupport Q&amp;A &lt;3","timestamp_ms":"1795600800000","user":{"id_str":"2"}}]}`,
			check: func(t *testing.T, evs []casework.Event) {
				if len(evs) != 2 || evs[1].Type != casework.EventUnfollow {
					t.Fatalf("events = %+v", evs)
				}
				if evs[0].Tweet.Text != "@AcmeSupport Q&A <3" {
					t.Errorf("text = %q, want X's escaping undone", evs[0].Tweet.Text)
				}
			},
		},
		{
			name:  "only indicators",
			body:  `{"for_user_id":"1","direct_message_mark_read_events":[{"created_timestamp":"1"}]}`,
			check: func(t *testing.T, evs []casework.Event) { expectNone(t, evs) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := Parse([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, evs)
		})
	}
}

func expectNone(t *testing.T, evs []casework.Event) {
	t.Helper()
	if len(evs) != 0 {
		t.Errorf("events = %+v, want none", evs)
	}
}

func TestParseSameIDsOnRedelivery(t *testing.T) {
	body := []byte(`{"for_user_id":"1","follow_events":[{"type":"follow","created_timestamp":"5","target":{"id":"1"},"source":{"id":"2"}}]}`)
	a, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Parse(body)
	if a[0].ID != b[0].ID {
		t.Errorf("ids differ across deliveries: %s, %s", a[0].ID, b[0].ID)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, body string
		notObject  bool
	}{
		{"array", `[{"for_user_id":"1"}]`, true},
		{"null", `null`, true},
		{"empty", ``, true},
		{"string", `"x"`, true},
		{"truncated", `{"for_user_id":`, false},
		{"tweet without id", `{"tweet_create_events":[{"text":"x","created_at":"Wed Nov 25 10:00:00 +0000 2026"}]}`, false},
		{"tweet with bad time", `{"tweet_create_events":[{"id_str":"1","created_at":"yesterday"}]}`, false},
		{"dm without sender", `{"direct_message_events":[{"type":"message_create","id":"1","created_timestamp":"1","message_create":{"target":{"recipient_id":"1"}}}]}`, false},
		{"follow bad timestamp", `{"follow_events":[{"created_timestamp":"soon","target":{"id":"1"},"source":{"id":"2"}}]}`, false},
		{"events not a list", `{"tweet_create_events":{"id_str":"1"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := Parse([]byte(tt.body))
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", evs)
			}
			if got := errors.Is(err, ErrNotObject); got != tt.notObject {
				t.Errorf("ErrNotObject = %v, want %v (err %v)", got, tt.notObject, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"for_user_id":"1","tweet_create_events":[{"id_str":"1","text":"@a hi","created_at":"Wed Nov 25 10:00:00 +0000 2026","user":{"id_str":"2"},"entities":{"user_mentions":[{"id_str":"1"}]}}]}`))
	f.Add([]byte(`{"direct_message_events":[{"type":"message_create","id":"1","created_timestamp":"1","message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":"x"}}}],"users":{}}`))
	f.Add([]byte(`{"follow_events":[{"created_timestamp":"5","target":{"id":"1"},"source":{"id":"2"}}],"user_event":{"revoke":{"date_time":"2026-11-25T10:00:00Z","source":{"user_id":"1"}}}}`))
	f.Add([]byte(`{"favorite_events":[{"timestamp_ms":1,"favorited_status":{"id_str":"1"},"user":{"id":3}}],"tweet_delete_events":[{"status":{"id":"1"},"timestamp_ms":"1"}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"data":{"event_uuid":"-1","event_type":"post.reply.create","filter":{"user_id":"1"},"payload":{"id":"5","author_id":"2","created_at":"2026-11-25T10:00:00.000Z","text":"hi","referenced_tweets":[{"type":"replied_to","id":"4"}],"note_tweet":{"text":"hi there"}},"includes":{"users":[{"id":"2","username":"b"}]}}}`))
	f.Add([]byte(`{"data":{"event_type":"dm.received","filter":{"user_id":"1"},"payload":{"direct_message_events":[{"type":"message_create","id":"9","created_timestamp":"1","message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":"x"}}}],"users":{"2":{"data":{"id":"2","username":"b"}}}}}}`))
	f.Add([]byte(`{"data":{"event_type":"like.create","filter":{"user_id":"1","direction":"outbound"},"payload":{"liked_tweet_id":"3"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Parse(body)
		if err != nil {
			if evs != nil {
				t.Fatal("events returned with an error")
			}
			return
		}
		for _, ev := range evs {
			if ev.ID == "" || ev.Type == "" {
				t.Fatalf("event without id or type: %+v", ev)
			}
			again, err := Parse(body)
			if err != nil || len(again) != len(evs) {
				t.Fatal("parsing is not deterministic")
			}
		}
	})
}
