package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/lambdatest"
)

var local *lambdatest.Local

func TestMain(m *testing.M) { os.Exit(lambdatest.Run(m, &local)) }

func TestReplyThroughAPIGateway(t *testing.T) {
	d := local.Deploy(t)
	d.SampleCase(t)
	h := lambdatest.Build(t, handler)

	ev := lambdatest.Event(t, "reply.json")
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, ev), 202)
	cmds := d.Commands(t)
	if len(cmds) != 1 || cmds[0].Kind != casework.CmdDM || cmds[0].CaseID != lambdatest.SampleCaseID {
		t.Fatalf("commands = %+v", cmds)
	}
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, lambdatest.WithoutAuthorizer(ev)), 401)

	resp := lambdatest.Invoke(t, h, lambdatest.Event(t, "text-count.json"))
	lambdatest.WantStatus(t, resp, 200)
	var count struct {
		WeightedLength int  `json:"weighted_length"`
		MaxLength      int  `json:"max_length"`
		Valid          bool `json:"valid"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &count); err != nil {
		t.Fatal(err)
	}
	// "@alice_follows " 15, "你好" 4, " " 1, "👋" 2, " " 1, the URL 23.
	if count.WeightedLength != 46 || count.MaxLength != 140 || !count.Valid {
		t.Errorf("count = %+v", count)
	}
}

// TestTweetLimitFromTheEnvironment: a deployment with TWEET_MAX_LENGTH=280
// counts against 280 and accepts a 141-character mention.
func TestTweetLimitFromTheEnvironment(t *testing.T) {
	d := local.Deploy(t)
	d.SampleCase(t)
	t.Setenv("TWEET_MAX_LENGTH", "280")
	h := lambdatest.Build(t, handler)
	ev := lambdatest.Event(t, "reply.json")
	ev.Headers["idempotency-key"] = "tweet-limit-280"
	ev.Body = `{"mode":"mention","text":"` + strings.Repeat("a", 141) + `"}`
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, ev), 202)
	ev.Body = `{"mode":"mention","text":"` + strings.Repeat("a", 281) + `"}`
	ev.Headers["idempotency-key"] = "tweet-limit-281"
	resp := lambdatest.Invoke(t, h, ev)
	lambdatest.WantStatus(t, resp, 422)
	if !strings.Contains(resp.Body, `"max_length":280`) || !strings.Contains(resp.Body, `"weighted_length":281`) {
		t.Errorf("body = %s", resp.Body)
	}
	if cmds := d.Commands(t); len(cmds) != 1 || cmds[0].Kind != casework.CmdTweet {
		t.Errorf("commands = %+v", cmds)
	}
}
