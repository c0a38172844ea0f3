package localrun

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

// TestXChatReceivedAndSent is issue 20's receiving through the whole run,
// with X after its cutover (no legacy DMs): a simulated customer's X Chat
// message arrives as chat.received, is decrypted and verified by the
// inbound worker with the brand handle's keys, and lands in a DM case in
// plain text, marked end-to-end encrypted; delivered again it is one
// message; the agent's DM reply goes out through X Chat and X's chat.sent
// leaves it sent.
func TestXChatReceivedAndSent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	readyc := make(chan [2]any, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Addr: "127.0.0.1:0", DataDir: t.TempDir(),
			Config: config.Config{TableName: "local-run-chat-test", TweetMaxLength: 140, DevToken: "dev", XAccess: "enterprise"},
			Banner: io.Discard,
			Ready:  func(base string, cfg config.Config) { readyc <- [2]any{base, cfg} },
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
	})
	var base string
	var cfg config.Config
	select {
	case r := <-readyc:
		base, cfg = r[0].(string), r[1].(config.Config)
	case err := <-done:
		t.Fatalf("Run returned before it was ready: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("the local run was not ready within 90s")
	}
	alice, brand := sample.Customers[0], sample.Brands[0]

	if status, body := call(t, "POST", cfg.XAPIBaseURL+"/sim/users/"+alice.Handle+"/dms", "",
		`{"to":"`+brand.ScreenName+`","text":"Order 42 arrived broken 📦"}`); status != 200 && status != 201 {
		t.Fatalf("simulated X Chat message: %d %s", status, body)
	}
	type message struct {
		ID                string `json:"id"`
		Direction         string `json:"direction"`
		Kind              string `json:"kind"`
		Text              string `json:"text"`
		Status            string `json:"status"`
		XID               string `json:"x_id"`
		EndToEndEncrypted bool   `json:"end_to_end_encrypted"`
	}
	var caseID string
	var msgs []message
	read := func() {
		_, body := call(t, "GET", base+"/v1/cases/"+caseID, "dev", "")
		var c struct {
			Messages []message `json:"messages"`
		}
		_ = json.Unmarshal([]byte(body), &c)
		msgs = c.Messages
	}
	eventually(t, "the X Chat message starts a DM case", func() bool {
		_, body := call(t, "GET", base+"/v1/cases?customer_id="+alice.ID, "dev", "")
		var list struct {
			Items []struct {
				ID      string `json:"id"`
				Channel string `json:"channel"`
			} `json:"items"`
		}
		_ = json.Unmarshal([]byte(body), &list)
		for _, c := range list.Items {
			if c.Channel == "dm" {
				caseID = c.ID
				return true
			}
		}
		return false
	})
	eventually(t, "the message is decrypted", func() bool {
		read()
		return len(msgs) == 1 && msgs[0].Status == "received"
	})
	if m := msgs[0]; m.Text != "Order 42 arrived broken 📦" || !m.EndToEndEncrypted || m.Direction != "in" || m.Kind != "dm" || m.XID == "" {
		t.Fatalf("the customer's message: %+v", m)
	}

	// The agent answers by DM: sent through X Chat, confirmed by chat.sent.
	if status, body := call(t, "POST", base+"/v1/cases/"+caseID+"/replies", "dev", `{"mode":"dm","text":"Sorry! A new one is on its way."}`); status != 202 {
		t.Fatalf("DM reply = %d %s", status, body)
	}
	eventually(t, "the DM reply is sent", func() bool {
		read()
		return len(msgs) == 2 && msgs[1].Status == "sent"
	})
	if m := msgs[1]; m.Text != "Sorry! A new one is on its way." || !m.EndToEndEncrypted || m.Direction != "out" {
		t.Errorf("the reply: %+v", m)
	}
	_, body := call(t, "GET", cfg.XAPIBaseURL+"/sim/users/"+alice.Handle+"/chat", "", "")
	if !strings.Contains(body, "Sorry! A new one is on its way.") {
		t.Errorf("alice's own client does not read the reply: %s", body)
	}
}
