package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/webhook"
)

// Deliveries of the burst: senders customers, each Tweeting perSender
// mentions, all at once.
const (
	senders   = 16
	perSender = 63
)

// TestKillDuringABurstLosesNothingAcknowledged is issue 21 item 7's Show:
// `make dev` killed with kill -9 of its process group right after it
// acknowledged a burst of 1,008 signed deliveries from 16 senders, then
// started again on the same data: every acknowledged delivery ends in a
// case, once. (Before, the local SQS kept its queues in memory, and a
// crash lost 95 % of what the webhook had answered 200.)
func TestKillDuringABurstLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the local run twice")
	}
	bin := filepath.Join(t.TempDir(), "dev")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()

	run := startDev(t, bin, data)
	brand := sample.Brands[0]
	type delivery struct{ sender, text string }
	var (
		mu    sync.Mutex
		acked []delivery
		wg    sync.WaitGroup
	)
	for s := range senders {
		wg.Go(func() {
			for i := range perSender {
				text := fmt.Sprintf("@%s burst %02d-%03d", brand.ScreenName, s, i)
				id := fmt.Sprintf("19990000%02d%03d00001", s, i)
				author := fmt.Sprintf("29990000000000%02d01", s)
				body := fmt.Sprintf(`{"data":{"event_uuid":"burst-%02d-%03d","event_type":"post.mention.create","filter":{"user_id":%q},"tag":"t",`+
					`"payload":{"id":%q,"author_id":%q,"created_at":"2026-12-01T09:00:00.000Z","text":%q,`+
					`"entities":{"mentions":[{"start":0,"end":12,"username":%q,"id":%q}]},"edit_history_tweet_ids":[%q]},`+
					`"includes":{"users":[{"id":%q,"username":"burst_sender_%02d","name":"Burst Sender %d"}]}}}`,
					s, i, brand.XUserID, id, author, text, brand.ScreenName, brand.XUserID, id, author, s, s)
				if postSigned(run.base, body) == http.StatusOK {
					mu.Lock()
					acked = append(acked, delivery{fmt.Sprintf("burst_sender_%02d", s), text})
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	run.kill(t) // right after the last acknowledgement
	if len(acked) != senders*perSender {
		t.Fatalf("%d of %d deliveries acknowledged before the crash", len(acked), senders*perSender)
	}

	run = startDev(t, bin, data)
	want := map[string]map[string]bool{} // sender → texts acknowledged
	for _, d := range acked {
		if want[d.sender] == nil {
			want[d.sender] = map[string]bool{}
		}
		want[d.sender][d.text] = true
	}
	deadline := time.Now().Add(4 * time.Minute)
	var missing, doubled int
	for {
		missing, doubled = 0, 0
		for sender, texts := range want {
			got := messagesOf(t, run.base, sender)
			for text := range texts {
				switch n := got[text]; {
				case n == 0:
					missing++
				case n > 1:
					doubled++
				}
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if missing > 0 || doubled > 0 {
		t.Fatalf("of %d acknowledged deliveries, %d are in no case and %d in more than one message after the restart", len(acked), missing, doubled)
	}
	run.kill(t)
}

// devRun is one running local run: its process group, API and simulator.
type devRun struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// startDev starts the dev binary on free ports with its data in data, in a
// process group of its own as make dev runs, and waits for its banner.
func startDev(t *testing.T, bin, data string) *devRun {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT=0", "X_SIM_PORT=0", "DATA_DIR="+data, "LOG_LEVEL=warn")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs, err := os.Create(filepath.Join(data, fmt.Sprintf("dev-%d.log", time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &devRun{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { r.kill(t); logs.Close() })
	baseC := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 4 && f[0] == "API" && f[1] == "and" && f[2] == "webhook" {
				baseC <- f[3]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { _ = cmd.Wait(); close(r.done) }()
	select {
	case r.base = <-baseC:
		return r
	case <-r.done:
		t.Fatalf("the local run exited before it was ready; see %s", logs.Name())
	case <-time.After(90 * time.Second):
		t.Fatalf("the local run was not ready within 90s; see %s", logs.Name())
	}
	return nil
}

// kill sends SIGKILL to the run's whole process group and waits for it;
// its local servers die with it (they are killed when their parent dies).
func (r *devRun) kill(t *testing.T) {
	t.Helper()
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the local run did not die")
	}
	// Its servers' ports are free again once they are gone.
	host := strings.TrimPrefix(r.base, "http://")
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", host, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
	}
}

// postSigned posts a delivery to the run's webhook, signed as X signs it,
// and returns the status (0 when the request failed).
func postSigned(base, body string) int {
	req, err := http.NewRequestWithContext(context.Background(), "POST", base+webhook.Path, strings.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(sample.ConsumerSecret, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// messagesOf counts the texts of the messages in the cases of the customer
// with that X handle.
func messagesOf(t *testing.T, base, handle string) map[string]int {
	t.Helper()
	got := map[string]int{}
	var customers struct {
		Items []struct{ ID string } `json:"items"`
	}
	if !getJSON(base+"/v1/customers?q=@"+handle, &customers) {
		return got
	}
	for _, c := range customers.Items {
		var cases struct {
			Items []struct{ ID string } `json:"items"`
		}
		if !getJSON(base+"/v1/cases?limit=200&customer_id="+c.ID, &cases) {
			continue
		}
		for _, cs := range cases.Items {
			cursor := ""
			for {
				var page struct {
					Items []struct {
						Text string `json:"text"`
					} `json:"items"`
					NextCursor string `json:"next_cursor"`
				}
				url := base + "/v1/cases/" + cs.ID + "/messages?limit=200"
				if cursor != "" {
					url += "&cursor=" + cursor
				}
				if !getJSON(url, &page) {
					break
				}
				for _, m := range page.Items {
					got[m.Text]++
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
		}
	}
	return got
}

func getJSON(url string, v any) bool {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer dev")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(v) == nil
}
