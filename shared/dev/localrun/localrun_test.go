package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/webhook"
)

// start runs the local system in the background and returns its base URL,
// its configuration, and a stop function that waits for Run to return.
func start(t *testing.T, dataDir string, format xsim.Format) (string, config.Config, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type ready struct {
		base string
		cfg  config.Config
	}
	readyc := make(chan ready, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Addr:       "127.0.0.1:0",
			DataDir:    dataDir,
			XSimFormat: format,
			// Enterprise X access: the loop checks follows and mentions of
			// customers who never engaged with the brand, which self-serve
			// access refuses (tested in casework, consoleapi and xsim).
			Config: config.Config{TableName: "local-run-test", TweetMaxLength: 140, DevToken: "dev", XAccess: "enterprise"},
			Banner: io.Discard,
			Ready:  func(base string, cfg config.Config) { readyc <- ready{base, cfg} },
			// Work a crash left behind is handed back within seconds.
			StaleAfter: 2 * time.Second, ReconcileEvery: 500 * time.Millisecond,
		})
	}()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return after its context was cancelled")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case r := <-readyc:
		return r.base, r.cfg, stop
	case err := <-done:
		t.Fatalf("Run returned before it was ready: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the local run was not ready within 60s")
	}
	return "", config.Config{}, stop
}

func TestRunServesHealthAndStopsEverything(t *testing.T) {
	dataDir := t.TempDir()
	base, cfg, stop := start(t, dataDir, "") // X Activity deliveries, the default

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Fatalf("GET /healthz = %d %s", resp.StatusCode, body)
	}
	if cfg.OutboundQueueURL == "" || cfg.InboundQueueURL == "" || cfg.DynamoDBEndpoint == "" {
		t.Errorf("the run's configuration lacks its resources: %+v", cfg)
	}

	checkSampleData(t, cfg)
	checkEveryRouteIsMounted(t, base)
	checkConsoleAPI(t, base, cfg)
	checkTheLoop(t, base, cfg, xsim.FormatXAA)
	oldCase, oldTweet := customerTweetCase(t, base, cfg)
	checkXAAShow(t, base, cfg)
	checkEmojiTweet(t, base, cfg)
	checkDeliveryLargerThanAMessage(t, base, cfg)
	checkCrashedRequestIsFinished(t, base, cfg)
	checkProtectedFollow(t, base, cfg)

	if err := stop(); err != nil {
		t.Fatalf("Run returned %v after a clean stop", err)
	}
	for _, u := range []string{base, cfg.DynamoDBEndpoint, cfg.SQSEndpoint, cfg.XAPIBaseURL} {
		host := strings.TrimPrefix(u, "http://")
		if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the run stopped", u)
		}
	}

	// A second run on the same data starts again (the table already exists),
	// here with Account Activity deliveries.
	base2, cfg2, stop2 := start(t, dataDir, xsim.FormatAAA)
	resp, err = http.Get(base2 + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("second run: GET /healthz = %d", resp.StatusCode)
	}
	checkSampleData(t, cfg2) // seeding again duplicated nothing
	// The simulator kept the first run's webhook and subscriptions; the
	// second run listens elsewhere, so it replaced the webhook and made the
	// subscriptions again before it said it was ready.
	if _, body := call(t, "GET", base2+"/v1/handles", "dev", ""); strings.Count(body, `"subscriptions":{"status":"active"`) != len(sample.Brands) {
		t.Errorf("second run ready with subscriptions not active: %s", body)
	}
	if cfg2.XWebhookID == "" || cfg2.XWebhookID == cfg.XWebhookID {
		t.Errorf("second run's webhook id %q (first run's %q): want a new one for its new address", cfg2.XWebhookID, cfg.XWebhookID)
	}
	checkAAASmoke(t, base2, cfg2)
	checkRepliesInOldCases(t, base2, cfg2, oldCase, oldTweet)
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
}

// checkEveryRouteIsMounted checks that the run serves every route Patterns
// lists (no 404 or 405: without a token each answers 401, the webhook 400
// or 401, the rest 200), each answer as the OpenAPI document says, and that
// the document served names the run's own address, whatever its port.
func checkEveryRouteIsMounted(t *testing.T, base string) {
	t.Helper()
	routes, err := Patterns()
	if err != nil {
		t.Fatal(err)
	}
	client := openapitest.Client(t)
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		path = regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "01JDNOSUCHID00000000000000")
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s: %d %s: the run does not serve it", r, resp.StatusCode, body)
		}
		if path == "/openapi.json" {
			var doc struct {
				Servers []struct{ URL string } `json:"servers"`
			}
			if err := json.Unmarshal(body, &doc); err != nil || len(doc.Servers) != 1 || doc.Servers[0].URL != base {
				t.Errorf("GET /openapi.json: servers %+v (%v), want only %s", doc.Servers, err, base)
			}
		}
	}
}

// checkSampleData checks that the sample data is in the run's store, once.
func checkSampleData(t *testing.T, cfg config.Config) {
	t.Helper()
	ctx := context.Background()
	store := dynamo.New(localaws.DynamoDBClient(cfg.DynamoDBEndpoint), cfg.TableName)
	handles, err := store.ListHandles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(handles) != len(sample.Brands) {
		t.Errorf("%d brand handles, want %d", len(handles), len(sample.Brands))
	}
	for _, sc := range sample.Customers {
		found, err := store.CustomersByEmail(ctx, sc.Email)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || found[0].ID != sc.ID {
			t.Errorf("customers with %s: %+v, want exactly %s", sc.Email, found, sc.ID)
		}
	}
	follower := sample.Customers[0]
	f, err := store.Follow(ctx, follower.ID, sample.Brands[0].HandleID)
	if err != nil {
		t.Fatal(err)
	}
	if !f.CustomerFollowsBrand {
		t.Errorf("%s does not follow @%s", follower.Name, sample.Brands[0].ScreenName)
	}
}

// call makes one request to the run and returns the status and body.
func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually retries check for up to 20 seconds.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkConsoleAPI checks the console API is mounted behind the development
// token and looks handles up on the X simulator.
func checkConsoleAPI(t *testing.T, base string, cfg config.Config) {
	t.Helper()
	alice := sample.Customers[0]
	if status, body := call(t, "GET", base+"/v1/customers?q="+alice.Email, "dev", ""); status != 200 || !strings.Contains(body, alice.ID) {
		t.Errorf("search %s = %d %s", alice.Email, status, body)
	}
	if status, _ := call(t, "GET", base+"/v1/customers?q=alice", "", ""); status != 401 {
		t.Errorf("search without the token = %d, want 401", status)
	}
	carol := sample.Customers[2]
	if status, body := call(t, "PUT", base+"/v1/customers/"+carol.ID+"/twitter", "dev", `{"handle":"carol_online"}`); status != 422 ||
		!strings.Contains(body, "twitter_user_not_found") {
		t.Errorf("a handle X does not know = %d %s, want 422 twitter_user_not_found", status, body)
	}
	if status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users", "", `{"username":"carol_online"}`); status != 200 && status != 201 {
		t.Fatalf("simulated user: %d %s", status, body)
	}
	if status, body := call(t, "PUT", base+"/v1/customers/"+carol.ID+"/twitter", "dev", `{"handle":"carol_online"}`); status != 200 {
		t.Errorf("a handle X knows = %d %s, want 200", status, body)
	}
	if status, body := call(t, "GET", base+"/openapi.json", "", ""); status != 200 || !strings.Contains(body, `"openapi"`) {
		t.Errorf("GET /openapi.json = %d", status)
	}
	if status, body := call(t, "GET", base+"/webhooks/twitter?crc_token=abc", "", ""); status != 200 || !strings.Contains(body, "sha256=") {
		t.Errorf("CRC = %d %s", status, body)
	}
	checkCORS(t, base)
}

// checkTheLoop runs the whole product: a case created in the console is
// Tweeted to the simulator by the outbound worker and shows sent; a
// customer's Tweet and follow on the simulator reach the webhook, the
// inbound worker, and the console.
func checkTheLoop(t *testing.T, base string, cfg config.Config, format xsim.Format) {
	t.Helper()
	alice, bob, brand := sample.Customers[0], sample.Customers[1], sample.Brands[0]
	// The run registered its webhook with the simulated X and subscribed
	// the sample handles through the outbound worker.
	if cfg.XWebhookID == "" {
		t.Error("the local run has no webhook id")
	}
	// Ready means subscribed: the run waited for the outbound worker.
	if _, body := call(t, "GET", base+"/v1/handles", "dev", ""); strings.Count(body, `"subscriptions":{"status":"active"`) != len(sample.Brands) {
		t.Errorf("ready with subscriptions not active: %s", body)
	}
	status, body := call(t, "POST", base+"/v1/cases", "dev",
		fmt.Sprintf(`{"customer_id":%q,"handle_id":%q,"text":"@%s your parcel left the depot"}`, alice.ID, brand.HandleID, alice.Handle))
	if status != 201 {
		t.Fatalf("create case = %d %s", status, body)
	}
	var created struct {
		Case struct{ ID string } `json:"case"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first Tweet shows sent", func() bool {
		_, body := call(t, "GET", base+"/v1/cases/"+created.Case.ID, "dev", "")
		return strings.Contains(body, `"status":"sent"`)
	})
	if _, body := call(t, "GET", cfg.XAPIBaseURL+"/sim/timeline/"+brand.ScreenName, "", ""); !strings.Contains(body, "your parcel left the depot") {
		t.Errorf("the simulator's timeline of @%s lacks the Tweet: %s", brand.ScreenName, body)
	}

	status, body = call(t, "POST", cfg.XAPIBaseURL+"/sim/users/"+bob.Handle+"/tweets", "",
		`{"text":"@`+brand.ScreenName+` where is my refund?"}`)
	if status != 200 && status != 201 {
		t.Fatalf("simulated Tweet: %d %s", status, body)
	}
	var tweet struct{ ID string }
	if err := json.Unmarshal([]byte(body), &tweet); err != nil || tweet.ID == "" {
		t.Fatalf("simulated Tweet: %s", body)
	}
	var bobsCase string
	eventually(t, "the customer's Tweet starts a case", func() bool {
		_, body := call(t, "GET", base+"/v1/cases?customer_id="+bob.ID, "dev", "")
		var list struct {
			Items []struct{ ID string } `json:"items"`
		}
		_ = json.Unmarshal([]byte(body), &list)
		if len(list.Items) == 1 {
			bobsCase = list.Items[0].ID
		}
		return bobsCase != ""
	})
	if format == xsim.FormatAAA {
		// X Activity does not deliver a customer's deletion (XAA.md).
		if status, body := call(t, "DELETE", cfg.XAPIBaseURL+"/sim/tweets/"+tweet.ID, "", ""); status >= 300 {
			t.Fatalf("simulated deletion: %d %s", status, body)
		}
		eventually(t, "the deletion removes the text", func() bool {
			_, body := call(t, "GET", base+"/v1/cases/"+bobsCase, "dev", "")
			return !strings.Contains(body, "where is my refund") && strings.Contains(body, `"deleted":true`)
		})
	}
	if status, body := call(t, "PUT", cfg.XAPIBaseURL+"/sim/users/"+bob.Handle+"/following/"+brand.ScreenName, "", ""); status >= 300 {
		t.Fatalf("simulated follow: %d %s", status, body)
	}
	eventually(t, "the follow lets the brand DM the customer", func() bool {
		_, body := call(t, "GET", base+"/v1/customers/"+bob.ID, "dev", "")
		return strings.Contains(body, `"customer_follows_brand":true`)
	})
	if _, body := call(t, "GET", base+"/v1/cases/"+bobsCase+"/reply-options", "dev", ""); !strings.Contains(body, `"mode":"dm"`) {
		t.Errorf("after the follow the reply options lack dm: %s", body)
	}
	if status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users/"+bob.Handle+"/dms", "",
		`{"to":"`+brand.ScreenName+`","text":"here is my order number"}`); status != 200 && status != 201 {
		t.Fatalf("simulated DM: %d %s", status, body)
	}
	eventually(t, "the DM starts a DM case", func() bool {
		_, body := call(t, "GET", base+"/v1/cases?customer_id="+bob.ID, "dev", "")
		return strings.Contains(body, `"channel":"dm"`)
	})
	if status, body := call(t, "DELETE", cfg.XAPIBaseURL+"/sim/users/"+bob.Handle+"/following/"+brand.ScreenName, "", ""); status >= 300 {
		t.Fatalf("simulated unfollow: %d %s", status, body)
	}
	eventually(t, "the unfollow takes DMs away", func() bool {
		_, body := call(t, "GET", base+"/v1/customers/"+bob.ID, "dev", "")
		var c struct {
			Follows []struct {
				HandleID             string `json:"handle_id"`
				CustomerFollowsBrand bool   `json:"customer_follows_brand"`
			} `json:"follows"`
		}
		_ = json.Unmarshal([]byte(body), &c)
		for _, f := range c.Follows {
			if f.HandleID == brand.HandleID {
				return !f.CustomerFollowsBrand
			}
		}
		return false
	})
	// Bob no longer follows, but he wrote to the brand handle by DM: the
	// brand may still answer by DM, and X (the simulator) takes it.
	if _, body := call(t, "GET", base+"/v1/cases/"+bobsCase+"/reply-options", "dev", ""); !strings.Contains(body, `"mode":"dm","max_length":10000,"prefill":"","reason":"customer_wrote_by_dm"`) {
		t.Errorf("after the unfollow the reply options do not offer dm for bob's DM: %s", body)
	}
	// The reply travels through X Chat: bob's X app (the simulator's
	// client of his) holds his keys, the brand handle's were provisioned
	// when the run started.
	if status, body := call(t, "POST", base+"/v1/cases/"+bobsCase+"/replies", "dev", `{"mode":"dm","text":"Thanks, we found your order."}`); status != 202 {
		t.Fatalf("DM reply to a customer who wrote by DM = %d %s", status, body)
	}
	eventually(t, "the DM reply is sent", func() bool {
		_, body := call(t, "GET", base+"/v1/cases/"+bobsCase, "dev", "")
		return strings.Contains(body, `"kind":"dm","text":"Thanks, we found your order.","status":"sent"`)
	})
	_, chats := call(t, "GET", cfg.XAPIBaseURL+"/sim/users/"+bob.Handle+"/chat", "", "")
	var read struct {
		Conversations []struct {
			Events []struct {
				Type     string `json:"type"`
				SenderID string `json:"sender_id"`
				Text     string `json:"text"`
				Verified bool   `json:"verified"`
			} `json:"events"`
		} `json:"conversations"`
	}
	_ = json.Unmarshal([]byte(chats), &read)
	readReply := false
	for _, c := range read.Conversations {
		for _, ev := range c.Events {
			if ev.Type == "message" && ev.SenderID == brand.XUserID && ev.Text == "Thanks, we found your order." && ev.Verified {
				readReply = true
			}
		}
	}
	if !readReply {
		t.Errorf("bob's X app does not read the reply, decrypted and verified: %s", chats)
	}

	// Events the simulator does not make, posted as X posts them: a like of
	// our first Tweet, then the brand handle revoking the app.
	var first struct {
		Messages []struct {
			XID string `json:"x_id"`
		} `json:"messages"`
	}
	_, body = call(t, "GET", base+"/v1/cases/"+created.Case.ID, "dev", "")
	if err := json.Unmarshal([]byte(body), &first); err != nil || len(first.Messages) == 0 {
		t.Fatalf("case: %v %s", err, body)
	}
	like := fmt.Sprintf(`{"for_user_id":%q,"favorite_events":[{"id":"fav-1","created_at":"Wed Nov 25 10:00:00 +0000 2026","timestamp_ms":1795600800000,"favorited_status":{"id_str":%q,"user":{"id_str":%q}},"user":{"id_str":%q,"screen_name":%q}}]}`,
		brand.XUserID, first.Messages[0].XID, brand.XUserID, alice.XUser, alice.Handle)
	revoke := fmt.Sprintf(`{"user_event":{"revoke":{"date_time":"2026-11-25T10:00:00+00:00","target":{"app_id":"1"},"source":{"user_id":%q}}}}`, brand.XUserID)
	if format == xsim.FormatXAA {
		like = fmt.Sprintf(`{"data":{"event_uuid":"-17","event_type":"like.create","filter":{"user_id":%q,"direction":"inbound"},"tag":"t","payload":{"id":"fav-1","liked_tweet_id":%q,"liked_tweet_author_id":%q,"created_at":"2026-11-25T10:00:00.000Z"},"includes":{"users":[{"id":%q,"username":%q,"name":"Alice"}]}}}`,
			brand.XUserID, first.Messages[0].XID, brand.XUserID, alice.XUser, alice.Handle)
		revoke = fmt.Sprintf(`{"data":{"event_uuid":"-18","event_type":"oauth.revoke","filter":{},"tag":"t","payload":{"date_time":"2026-11-25T10:00:00.000Z","user_id":%q,"app_id":"1"}}}`, brand.XUserID)
	}
	postSigned(t, base, cfg, like)
	eventually(t, "the like is on the message", func() bool {
		_, body := call(t, "GET", base+"/v1/cases/"+created.Case.ID, "dev", "")
		return strings.Contains(body, `"favorited_by":["`+alice.ID+`"]`)
	})
	postSigned(t, base, cfg, revoke)
	eventually(t, "the revocation disconnects the brand handle", func() bool {
		_, body := call(t, "GET", base+"/v1/handles", "dev", "")
		return strings.Contains(body, `"id":"`+brand.HandleID+`","screen_name":"`+brand.ScreenName+`","x_user_id":"`+brand.XUserID+`","status":"disconnected"`)
	})
}

// checkXAAShow is issue 9's "Show" through the whole run: a signed X
// Activity post.mention.create from a user nobody knows makes a customer
// and a case; delivered three times it is one message; an event type the
// product does not use is answered 200 and leaves the dead-letter queue
// empty.
func checkXAAShow(t *testing.T, base string, cfg config.Config) {
	t.Helper()
	brand := sample.Brands[0]
	mention := fmt.Sprintf(`{"data":{"event_uuid":"-4242","event_type":"post.mention.create","filter":{"user_id":%q},"tag":"t",`+
		`"payload":{"id":"1999000000000000001","author_id":"2999000000000000001","created_at":"2026-11-30T09:00:00.000Z","text":"@%s is anyone there?",`+
		`"entities":{"mentions":[{"start":0,"end":12,"username":%q,"id":%q}]},"edit_history_tweet_ids":["1999000000000000001"]},`+
		`"includes":{"users":[{"id":"2999000000000000001","username":"new_on_x","name":"New On X"}]}}}`,
		brand.XUserID, brand.ScreenName, brand.ScreenName, brand.XUserID)
	for range 3 {
		postSigned(t, base, cfg, mention)
	}
	postSigned(t, base, cfg, fmt.Sprintf(`{"data":{"event_uuid":"-4243","event_type":"dm.read","filter":{"user_id":%q},"tag":"t","payload":{"last_read_event_id":"1"}}}`, brand.XUserID))
	var customerID string
	eventually(t, "the unknown author becomes a customer", func() bool {
		_, body := call(t, "GET", base+"/v1/customers?q=@new_on_x", "dev", "")
		var list struct {
			Items []struct{ ID string } `json:"items"`
		}
		_ = json.Unmarshal([]byte(body), &list)
		if len(list.Items) == 1 {
			customerID = list.Items[0].ID
		}
		return customerID != ""
	})
	sqsClient := localaws.SQSClient(cfg.SQSEndpoint)
	eventually(t, "the inbound queue drains", func() bool {
		return queueDepth(t, sqsClient, cfg.InboundQueueURL) == 0
	})
	_, body := call(t, "GET", base+"/v1/cases?customer_id="+customerID, "dev", "")
	var cases struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &cases); err != nil || len(cases.Items) != 1 {
		t.Fatalf("cases of the new customer: %s", body)
	}
	_, body = call(t, "GET", base+"/v1/cases/"+cases.Items[0].ID, "dev", "")
	var detail struct {
		Messages []struct{ Text string } `json:"messages"`
	}
	if err := json.Unmarshal([]byte(body), &detail); err != nil || len(detail.Messages) != 1 || !strings.Contains(detail.Messages[0].Text, "is anyone there?") {
		t.Errorf("three deliveries of one mention: %s, want one message", body)
	}
	if n := queueDepth(t, sqsClient, cfg.InboundQueueURL+"-dlq"); n != 0 {
		t.Errorf("%d messages in the inbound dead-letter queue", n)
	}
}

// checkDeliveryLargerThanAMessage: a signed delivery of 311 KB (a long
// post with its includes), larger than a queue message, is acknowledged,
// kept in the table and applied as any other (issue 21 item 9: it got 413
// payload_too_large and was never queued).
func checkDeliveryLargerThanAMessage(t *testing.T, base string, cfg config.Config) {
	t.Helper()
	brand := sample.Brands[0]
	var users strings.Builder
	users.WriteString(`{"id":"2999000000000000311","username":"long_poster","name":"Long Poster"}`)
	for i := 0; users.Len() < 311_000; i++ {
		fmt.Fprintf(&users, `,{"id":"29990000000%08d","username":"reader_%d","name":"Reader %d","description":%q}`,
			i, i, i, strings.Repeat("Reads every long post twice. ", 12))
	}
	delivery := fmt.Sprintf(`{"data":{"event_uuid":"-311","event_type":"post.mention.create","filter":{"user_id":%q},"tag":"t",`+
		`"payload":{"id":"1999000000000000311","author_id":"2999000000000000311","created_at":"2026-12-01T09:00:00.000Z","text":"@%s here is the whole story",`+
		`"entities":{"mentions":[{"start":0,"end":12,"username":%q,"id":%q}]},"edit_history_tweet_ids":["1999000000000000311"]},`+
		`"includes":{"users":[%s]}}}`,
		brand.XUserID, brand.ScreenName, brand.ScreenName, brand.XUserID, users.String())
	if len(delivery) < 311_000 || len(delivery) <= webhook.DefaultMaxMessageBytes {
		t.Fatalf("the delivery is %d bytes, want over 311 KB and over a queue message", len(delivery))
	}
	postSigned(t, base, cfg, delivery)
	eventually(t, "the long delivery reaches its case", func() bool {
		_, body := call(t, "GET", base+"/v1/customers?q=@long_poster", "dev", "")
		var list struct {
			Items []struct{ ID string } `json:"items"`
		}
		if json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 1 {
			return false
		}
		_, body = call(t, "GET", base+"/v1/cases?customer_id="+list.Items[0].ID, "dev", "")
		return strings.Contains(body, "here is the whole story")
	})
	if n := queueDepth(t, localaws.SQSClient(cfg.SQSEndpoint), cfg.InboundQueueURL+"-dlq"); n != 0 {
		t.Errorf("%d messages in the inbound dead-letter queue", n)
	}
}

// checkEmojiTweet: a customer's Tweet with a character above U+FFFF (an
// emoji, which SQS takes and fauxqs 1.9.2 refused) reaches its case whole.
func checkEmojiTweet(t *testing.T, base string, cfg config.Config) {
	t.Helper()
	brand := sample.Brands[0]
	if status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users", "", `{"username":"emoji_fan","name":"Emoji Fan 🎉"}`); status != 200 && status != 201 {
		t.Fatalf("simulated user: %d %s", status, body)
	}
	text := "@" + brand.ScreenName + " thanks 🙂"
	if status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users/emoji_fan/tweets", "", `{"text":"`+text+`"}`); status != 201 {
		t.Fatalf("simulated Tweet: %d %s", status, body)
	}
	eventually(t, "the Tweet with an emoji reaches its case", func() bool {
		_, body := call(t, "GET", base+"/v1/customers?q=@emoji_fan", "dev", "")
		var list struct {
			Items []struct{ ID string } `json:"items"`
		}
		if json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 1 {
			return false
		}
		_, body = call(t, "GET", base+"/v1/cases?customer_id="+list.Items[0].ID, "dev", "")
		var cases struct {
			Items []struct{ ID string } `json:"items"`
		}
		if json.Unmarshal([]byte(body), &cases) != nil || len(cases.Items) != 1 {
			return false
		}
		_, body = call(t, "GET", base+"/v1/cases/"+cases.Items[0].ID+"/messages", "dev", "")
		var msgs struct {
			Items []struct{ Text string } `json:"items"`
		}
		return json.Unmarshal([]byte(body), &msgs) == nil && len(msgs.Items) == 1 && msgs.Items[0].Text == text
	})
}

// queueDepth is how many messages a queue holds, visible or in flight.
func queueDepth(t *testing.T, client *sqs.Client, url string) int {
	t.Helper()
	out, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range out.Attributes {
		k, _ := strconv.Atoi(v)
		n += k
	}
	return n
}

// checkAAASmoke: with X_SIM_FORMAT=aaa a customer's Tweet still reaches a
// case, and a deletion its text.
func checkAAASmoke(t *testing.T, base string, cfg config.Config) {
	t.Helper()
	// @AcmeSupport revoked the app in the first run (checkXAAShow): X
	// delivers nothing for it any more, so the smoke test mentions @AcmeDeals.
	bob, brand := sample.Customers[1], sample.Brands[1]
	status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users/"+bob.Handle+"/tweets", "", `{"text":"@`+brand.ScreenName+` account activity smoke"}`)
	if status != 200 && status != 201 {
		t.Fatalf("simulated Tweet: %d %s", status, body)
	}
	var tweet struct{ ID string }
	_ = json.Unmarshal([]byte(body), &tweet)
	var caseID string
	eventually(t, "the AAA Tweet reaches a case", func() bool {
		_, body := call(t, "GET", base+"/v1/cases?customer_id="+bob.ID, "dev", "")
		var list struct {
			Items []struct{ ID string } `json:"items"`
		}
		_ = json.Unmarshal([]byte(body), &list)
		for _, c := range list.Items {
			if _, b := call(t, "GET", base+"/v1/cases/"+c.ID, "dev", ""); strings.Contains(b, "account activity smoke") {
				caseID = c.ID
			}
		}
		return caseID != ""
	})
	if status, body := call(t, "DELETE", cfg.XAPIBaseURL+"/sim/tweets/"+tweet.ID, "", ""); status >= 300 {
		t.Fatalf("simulated deletion: %d %s", status, body)
	}
	eventually(t, "the AAA deletion removes the text", func() bool {
		_, body := call(t, "GET", base+"/v1/cases/"+caseID, "dev", "")
		return !strings.Contains(body, "account activity smoke") && strings.Contains(body, `"deleted":true`)
	})
}

// checkCORS: with ALLOWED_ORIGINS unset the local run lets in the origins
// the stack allows by default (cdk.json's allowedOrigins, the console on
// http://localhost:3000), and no others.
func checkCORS(t *testing.T, base string) {
	t.Helper()
	origins, err := StackOrigins()
	if err != nil {
		t.Fatal(err)
	}
	if len(origins) == 0 || origins[0] != "http://localhost:3000" {
		t.Errorf("the stack's default origins are %q, want the console's http://localhost:3000", origins)
	}
	for _, tt := range []struct {
		origin  string
		allowed bool
	}{{"http://localhost:3000", true}, {"http://evil.example", false}} {
		req, err := http.NewRequest("OPTIONS", base+"/v1/cases", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", tt.origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if resp.StatusCode != 204 || (got == tt.origin) != tt.allowed || (!tt.allowed && got != "") {
			t.Errorf("preflight from %s: %d, Access-Control-Allow-Origin %q (allowed: %v)", tt.origin, resp.StatusCode, got, tt.allowed)
		}
		if tt.allowed && !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
			t.Errorf("preflight from %s: Access-Control-Allow-Headers %q", tt.origin, resp.Header.Get("Access-Control-Allow-Headers"))
		}
	}
}

// customerTweetCase has alice Tweet at the second brand handle and waits
// for the case it starts; it returns the case and the Tweet's X id.
func customerTweetCase(t *testing.T, base string, cfg config.Config) (string, string) {
	t.Helper()
	alice, brand := sample.Customers[0], sample.Brands[1]
	status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users/"+alice.Handle+"/tweets", "", `{"text":"@`+brand.ScreenName+` is the sale still on?"}`)
	if status != 201 {
		t.Fatalf("simulated Tweet: %d %s", status, body)
	}
	var tweet struct{ ID string }
	if err := json.Unmarshal([]byte(body), &tweet); err != nil || tweet.ID == "" {
		t.Fatalf("simulated Tweet: %s", body)
	}
	var caseID string
	eventually(t, "alice's Tweet starts a case", func() bool {
		_, body := call(t, "GET", base+"/v1/cases?customer_id="+alice.ID, "dev", "")
		var list struct {
			Items []struct {
				ID       string `json:"id"`
				HandleID string `json:"handle_id"`
			} `json:"items"`
		}
		_ = json.Unmarshal([]byte(body), &list)
		for _, c := range list.Items {
			if c.HandleID == brand.HandleID {
				caseID = c.ID
			}
		}
		return caseID != ""
	})
	return caseID, tweet.ID
}

// checkRepliesInOldCases: after a restart on the same data the simulated X
// still holds the Tweets the store's cases refer to, so a reply in a case
// from the earlier run is posted under the customer's Tweet and shows sent.
func checkRepliesInOldCases(t *testing.T, base string, cfg config.Config, caseID, tweetID string) {
	t.Helper()
	if _, body := call(t, "GET", cfg.XAPIBaseURL+"/sim/timeline/"+sample.Customers[0].Handle, "", ""); !strings.Contains(body, tweetID) {
		t.Fatalf("the simulator forgot Tweet %s across the restart: %s", tweetID, body)
	}
	if status, body := call(t, "POST", base+"/v1/cases/"+caseID+"/replies", "dev", `{"mode":"mention","text":"Yes, until Sunday!"}`); status != 202 {
		t.Fatalf("reply in a case from before the restart = %d %s", status, body)
	}
	eventually(t, "the reply in the old case is sent", func() bool {
		_, body := call(t, "GET", base+"/v1/cases/"+caseID, "dev", "")
		if strings.Contains(body, `"status":"failed"`) {
			t.Fatalf("the reply failed: %s", body)
		}
		return strings.Contains(body, `"text":"Yes, until Sunday!","status":"sent"`)
	})
}

// postSigned posts a payload (either format) to the run's webhook, signed
// as X signs it.
func postSigned(t *testing.T, base string, cfg config.Config, payload string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+webhook.Path, strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-twitter-webhooks-signature", webhook.Sign(sample.ConsumerSecret, []byte(payload)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook POST = %d", resp.StatusCode)
	}
}

// lostOutbox stands for a process killed after writing a request's records
// and before queueing its command.
type lostOutbox struct{}

func (lostOutbox) Enqueue(context.Context, casework.Command) error { return nil }

// checkCrashedRequestIsFinished: a case whose first Tweet was written
// queued but never queued (a crash in between) is sent by the reconciler.
func checkCrashedRequestIsFinished(t *testing.T, base string, cfg config.Config) {
	t.Helper()
	store := dynamo.New(localaws.DynamoDBClient(cfg.DynamoDBEndpoint), cfg.TableName)
	crashy := casework.NewService(casework.Deps{Store: store, Outbox: lostOutbox{}})
	alice, brand := sample.Customers[0], sample.Brands[1] // @AcmeSupport is revoked by checkTheLoop
	c, _, err := crashy.CreateCase(context.Background(), casework.NewCase{CustomerID: alice.ID, HandleID: brand.HandleID,
		Text: "@" + alice.Handle + " accepted just before a crash"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the crashed request's Tweet shows sent", func() bool {
		_, body := call(t, "GET", base+"/v1/cases/"+c.ID, "dev", "")
		return strings.Contains(body, `"status":"sent"`)
	})
}

// checkProtectedFollow: following a protected account stays pending until
// the customer accepts on X, whose follow event then confirms it.
func checkProtectedFollow(t *testing.T, base string, cfg config.Config) {
	t.Helper()
	brand := sample.Brands[1] // @AcmeSupport is revoked by checkTheLoop
	if status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users", "", `{"username":"dora_private","name":"Dora","protected":true}`); status != 201 {
		t.Fatalf("protected user: %d %s", status, body)
	}
	status, body := call(t, "POST", base+"/v1/customers", "dev", `{"name":"Dora Private","emails":["dora@example.com"],"phones":[],"twitter_handle":"dora_private"}`)
	if status != 201 {
		t.Fatalf("create customer = %d %s", status, body)
	}
	var cust struct{ ID string }
	if err := json.Unmarshal([]byte(body), &cust); err != nil || cust.ID == "" {
		t.Fatalf("customer %s: %v", body, err)
	}
	follow := func() (brandFollows bool, pending string) {
		_, body := call(t, "GET", base+"/v1/customers/"+cust.ID, "dev", "")
		var got struct {
			Follows []struct {
				HandleID     string `json:"handle_id"`
				BrandFollows bool   `json:"brand_follows_customer"`
				Pending      string `json:"pending"`
			} `json:"follows"`
		}
		_ = json.Unmarshal([]byte(body), &got)
		for _, f := range got.Follows {
			if f.HandleID == brand.HandleID {
				return f.BrandFollows, f.Pending
			}
		}
		return false, ""
	}
	if status, body := call(t, "PUT", base+"/v1/customers/"+cust.ID+"/follows/"+brand.HandleID, "dev", ""); status != 202 {
		t.Fatalf("follow = %d %s", status, body)
	}
	eventually(t, "X answers the follow with a follow request", func() bool {
		_, body := call(t, "GET", cfg.XAPIBaseURL+"/sim/requests?path_prefix=/2/users/"+brand.XUserID+"/following", "", "")
		return strings.Contains(body, `"status":200`)
	})
	if follows, pending := follow(); follows || pending != "follow" {
		t.Errorf("after X's answer: brand_follows_customer %v, pending %q; want false, follow", follows, pending)
	}
	if status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users/dora_private/follow-requests/"+brand.ScreenName, "", ""); status != 200 {
		t.Fatalf("accept = %d %s", status, body)
	}
	eventually(t, "the accepted follow shows", func() bool {
		follows, pending := follow()
		return follows && pending == ""
	})
}
