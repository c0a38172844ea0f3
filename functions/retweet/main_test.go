package main

import (
	"os"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/lambdatest"
)

var local *lambdatest.Local

func TestMain(m *testing.M) { os.Exit(lambdatest.Run(m, &local)) }

func TestRetweetThroughAPIGateway(t *testing.T) {
	d := local.Deploy(t)
	d.SampleCase(t)
	h := lambdatest.Build(t, handler)
	ev := lambdatest.Event(t, "retweet.json")

	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, lambdatest.WithoutAuthorizer(ev)), 401)
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, ev), 202)
	cmds := d.Commands(t)
	if len(cmds) != 1 || cmds[0].Kind != casework.CmdRetweet || cmds[0].MessageID != lambdatest.SampleMessageID {
		t.Fatalf("commands = %+v", cmds)
	}
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, ev), 200) // already Retweeted
	if cmds := d.Commands(t); len(cmds) != 0 {
		t.Errorf("a second Retweet queued %+v", cmds)
	}
	undo := ev
	undo.RequestContext.HTTP.Method = "DELETE"
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, undo), 202)
	if cmds := d.Commands(t); len(cmds) != 1 || cmds[0].Kind != casework.CmdUnretweet {
		t.Errorf("undo queued %+v", cmds)
	}
}
