package xsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable simulated time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// upload PUTs ids to a job's upload_url.
func upload(t *testing.T, uploadURL string, ids ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, uploadURL, strings.NewReader(strings.Join(ids, "\n")+"\n"))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// download GETs a job's results.
func download(t *testing.T, downloadURL string) (int, []ComplianceResult) {
	t.Helper()
	resp, err := http.Get(downloadURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []ComplianceResult
	dec := json.NewDecoder(resp.Body)
	for resp.StatusCode == 200 {
		var r ComplianceResult
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return resp.StatusCode, out
}

func TestComplianceJobs(t *testing.T) {
	clk := &clock{t: time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Clock: clk.now})
	bearer := f.bearer()

	// Posts: one alice deletes, one by bob who is then suspended, one live.
	deleted := str(f.ctl("POST", "/sim/users/"+alice.Handle+"/tweets", `{"text":"@AcmeSupport my order"}`).body, "id")
	bobs := str(f.ctl("POST", "/sim/users/"+bob.Handle+"/tweets", `{"text":"@AcmeSupport hi"}`).body, "id")
	live := str(f.ctl("POST", "/sim/users/"+alice.Handle+"/tweets", `{"text":"@AcmeSupport still here"}`).body, "id")
	clk.advance(time.Hour)
	if a := f.ctl("DELETE", "/sim/tweets/"+deleted, ""); a.status != 200 {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	if a := f.ctl("PUT", "/sim/users/"+bob.Handle+"/status", `{"status":"suspended"}`); a.status != 200 {
		t.Fatalf("suspend: %d %s", a.status, a.raw)
	}
	if a := f.ctl("PUT", "/sim/users/"+bob.Handle+"/status", `{"status":"hidden"}`); a.status != 400 {
		t.Errorf("unknown status: %d", a.status)
	}

	// Only the app's bearer token creates a job.
	if a := f.api(acmeSupport, "POST", "/2/compliance/jobs", `{"type":"tweets"}`); a.status != 403 {
		t.Errorf("user context: %d %s", a.status, a.raw)
	}
	for _, body := range []string{`{"type":"posts"}`, `{}`, `{"type":"tweets","extra":1}`, `{"type":"tweets","name":"` + strings.Repeat("n", 65) + `"}`} {
		if a := f.app(bearer, "POST", "/2/compliance/jobs", body); a.status != 400 {
			t.Errorf("%s: %d %s", body, a.status, a.raw)
		}
	}
	a := f.app(bearer, "POST", "/2/compliance/jobs", `{"type":"tweets","name":"sweep"}`)
	if a.status != 200 || str(a.body, "data", "status") != "created" || str(a.body, "data", "name") != "sweep" {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	job := a.body["data"].(map[string]any)
	created, _ := time.Parse(time.RFC3339, str(job, "created_at"))
	if up, _ := time.Parse(time.RFC3339, str(job, "upload_expires_at")); up.Sub(created) != 15*time.Minute {
		t.Errorf("upload_expires_at %v after created_at", up.Sub(created))
	}
	if dl, _ := time.Parse(time.RFC3339, str(job, "download_expires_at")); dl.Sub(created) != 7*24*time.Hour {
		t.Errorf("download_expires_at %v after created_at", dl.Sub(created))
	}
	// One concurrent job per type; another type is free.
	if a := f.app(bearer, "POST", "/2/compliance/jobs", `{"type":"tweets"}`); a.status != 400 {
		t.Errorf("second concurrent tweets job: %d %s", a.status, a.raw)
	}
	users := f.app(bearer, "POST", "/2/compliance/jobs", `{"type":"users"}`).body["data"].(map[string]any)

	// Results are not there before the job completes.
	if code, _ := download(t, str(job, "download_url")); code != 404 {
		t.Errorf("download before upload: %d", code)
	}
	if code := upload(t, str(job, "upload_url")+"x", deleted); code != 403 {
		t.Errorf("upload with a bad signature: %d", code)
	}
	if code := upload(t, str(job, "upload_url"), deleted, bobs, live, "1"); code != 200 {
		t.Fatalf("upload: %d", code)
	}
	if code := upload(t, str(job, "upload_url"), deleted); code != 400 {
		t.Errorf("second upload: %d", code)
	}
	id := str(job, "id")
	if s := str(f.app(bearer, "GET", "/2/compliance/jobs/"+id, "").body, "data", "status"); s != "in_progress" {
		t.Errorf("after upload: %s", s)
	}
	clk.advance(DefaultComplianceProcessing)
	if s := str(f.app(bearer, "GET", "/2/compliance/jobs/"+id, "").body, "data", "status"); s != "complete" {
		t.Errorf("after processing: %s", s)
	}
	code, results := download(t, str(job, "download_url"))
	if code != 200 || len(results) != 2 {
		t.Fatalf("download: %d %+v", code, results)
	}
	want := map[string]string{deleted: "deleted", bobs: "suspended"}
	for _, r := range results {
		if want[r.ID] != r.Reason || r.Action != "delete" || r.RedactedAt != "2027-01-05T11:00:00.000Z" || r.CreatedAt != "2027-01-05T10:00:00.000Z" {
			t.Errorf("result %+v", r)
		}
	}

	// The users job: bob suspended, alice not reported.
	f.sim.SetComplianceProcessing(0)
	upload(t, str(users, "upload_url"), alice.XUser, bob.XUser)
	_, results = download(t, str(users, "download_url"))
	if len(results) != 1 || results[0].ID != bob.XUser || results[0].Reason != "suspended" {
		t.Errorf("users results: %+v", results)
	}

	// The list, newest first, filtered by status.
	list := f.app(bearer, "GET", "/2/compliance/jobs?type=tweets&status=complete", "")
	if n, _ := list.body["meta"].(map[string]any)["result_count"].(float64); n != 1 {
		t.Errorf("list: %s", list.raw)
	}
	if a := f.app(bearer, "GET", "/2/compliance/jobs", ""); a.status != 400 {
		t.Errorf("list without type: %d", a.status)
	}

	// A job not uploaded within 15 minutes expires and frees its type;
	// a control route fails a job.
	next := f.app(bearer, "POST", "/2/compliance/jobs", `{"type":"tweets"}`).body["data"].(map[string]any)
	clk.advance(16 * time.Minute)
	if s := str(f.app(bearer, "GET", "/2/compliance/jobs/"+str(next, "id"), "").body, "data", "status"); s != "expired" {
		t.Errorf("not uploaded: %s", s)
	}
	if code := upload(t, str(next, "upload_url"), live); code != 400 {
		t.Errorf("upload to an expired job: %d", code)
	}
	third := f.app(bearer, "POST", "/2/compliance/jobs", `{"type":"tweets"}`).body["data"].(map[string]any)
	if a := f.ctl("PUT", "/sim/compliance/jobs/"+str(third, "id")+"/status", `{"status":"failed"}`); a.status != 200 || str(a.body, "status") != "failed" {
		t.Errorf("fail: %d %s", a.status, a.raw)
	}
}

func TestComplianceRateLimit(t *testing.T) {
	f := newFixture(t, Options{})
	bearer := f.bearer()
	var last answer
	for i := 0; i <= ComplianceRateLimit; i++ {
		last = f.app(bearer, "GET", "/2/compliance/jobs?type=users", "")
	}
	if last.status != 429 || last.header.Get("x-rate-limit-limit") != "150" {
		t.Errorf("request %d: %d %v", ComplianceRateLimit+1, last.status, last.header)
	}
}

func TestEditMakesANewPostNamingItsHistory(t *testing.T) {
	f := newFixture(t, Options{})
	orig := str(f.ctl("POST", "/sim/users/"+alice.Handle+"/tweets", `{"text":"@AcmeSupport my oder"}`).body, "id")
	a := f.ctl("POST", "/sim/tweets/"+orig+"/edits", `{"text":"@AcmeSupport my order"}`)
	id := str(a.body, "id")
	if a.status != 201 || id == "" || id == orig {
		t.Fatalf("edit: %d %s", a.status, a.raw)
	}
	got := f.api(acmeSupport, "GET", "/2/tweets/"+id, "")
	hist, _ := got.body["data"].(map[string]any)["edit_history_tweet_ids"].([]any)
	if len(hist) != 2 || hist[0] != orig || hist[1] != id || str(got.body, "data", "text") != "@AcmeSupport my order" {
		t.Errorf("edited Post: %s", got.raw)
	}
}
