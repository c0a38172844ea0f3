package xsim

// Batch compliance (X's pages x-api/compliance/batch-compliance/*.mdx, the
// OpenAPI of /2/compliance/jobs, and x-api/fundamentals/rate-limits.mdx):
//
//   - POST /2/compliance/jobs {type: tweets|users, name? (≤ 64), resumable?}
//     with the app's bearer token answers the job: id, type, name, status
//     "created", upload_url, upload_expires_at (15 minutes on), download_url,
//     download_expires_at (one week from creation), resumable, created_at.
//   - The app may hold one concurrent job per job type: a create while a job
//     of that type is created or in_progress is refused.
//   - Each of the three endpoints allows 150 requests per 15 minutes per app.
//   - The ids are PUT to upload_url, one per line; the job is then
//     in_progress, and complete after the processing time; a job whose upload
//     did not come within 15 minutes is expired.
//   - download_url answers one JSON object per line, only for the ids with an
//     event: id, action "delete", reason, created_at, redacted_at.
//
// X's pages state no maximum number of ids per job; the simulator reads an
// upload as a stream and keeps only the results, so any size works. The
// upload and download URLs are the simulator's own (/sim/compliance/...),
// signed by a random token as X's pre-signed Cloud Storage URLs are.

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Endpoint keys of batch compliance.
const (
	EndpointCreateComplianceJob = "POST /2/compliance/jobs"
	EndpointGetComplianceJob    = "GET /2/compliance/jobs/:id"
	EndpointListComplianceJobs  = "GET /2/compliance/jobs"
)

// ComplianceRateLimit is X's limit on each compliance endpoint per app and
// 15 minutes.
const ComplianceRateLimit = 150

// DefaultComplianceProcessing is how long an uploaded job stays in_progress
// unless PUT /sim/compliance says otherwise.
const DefaultComplianceProcessing = 5 * time.Second

// Compliance job lifetimes X documents.
const (
	complianceUploadWindow   = 15 * time.Minute
	complianceDownloadWindow = 7 * 24 * time.Hour
)

// Account states a simulated user can be put in (PUT /sim/users/{username}/status).
const (
	AccountActive      = "active"
	AccountProtected   = "protected"
	AccountSuspended   = "suspended"
	AccountDeactivated = "deactivated"
	AccountDeleted     = "deleted"
)

// complianceJob is one batch compliance job.
type complianceJob struct {
	ID, Type, Name string
	Resumable      bool
	CreatedAt      time.Time
	UploadedAt     time.Time
	// Status is set by a control route (failed, expired); otherwise the
	// status follows from the times (status()).
	Status    string
	ReadyAt   time.Time
	Token     string
	Uploaded  int
	Results   []ComplianceResult
	Downloads int
}

// ComplianceResult is one line of a job's results, as X writes it.
type ComplianceResult struct {
	ID         string `json:"id"`
	Action     string `json:"action"`
	Reason     string `json:"reason"`
	CreatedAt  string `json:"created_at"`
	RedactedAt string `json:"redacted_at"`
}

// status is the job's status at now.
func (j *complianceJob) status(now time.Time) string {
	switch {
	case j.Status != "":
		return j.Status
	case j.UploadedAt.IsZero() && now.After(j.CreatedAt.Add(complianceUploadWindow)):
		return "expired"
	case j.UploadedAt.IsZero():
		return "created"
	case now.Before(j.ReadyAt):
		return "in_progress"
	case now.After(j.CreatedAt.Add(complianceDownloadWindow)):
		return "expired"
	}
	return "complete"
}

// complianceState is the app's compliance jobs and the control settings.
type complianceState struct {
	jobs       []*complianceJob // creation order
	processing time.Duration
	set        bool // processing was set by PUT /sim/compliance
}

func (s *Sim) complianceProcessing() time.Duration {
	if s.compliance.set {
		return s.compliance.processing
	}
	return DefaultComplianceProcessing
}

func (s *Sim) complianceJob(id string) *complianceJob {
	for _, j := range s.compliance.jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// jobJSON is the job as X answers it.
func (s *Sim) jobJSON(r *http.Request, j *complianceJob) map[string]any {
	base := "http://" + r.Host + "/sim/compliance/jobs/" + j.ID
	out := map[string]any{
		"id":                  j.ID,
		"type":                j.Type,
		"status":              j.status(s.now()),
		"resumable":           j.Resumable,
		"created_at":          j.CreatedAt.UTC().Format(xTime),
		"upload_url":          base + "/upload?token=" + j.Token,
		"upload_expires_at":   j.CreatedAt.Add(complianceUploadWindow).UTC().Format(xTime),
		"download_url":        base + "/download?token=" + j.Token,
		"download_expires_at": j.CreatedAt.Add(complianceDownloadWindow).UTC().Format(xTime),
	}
	if j.Name != "" {
		out["name"] = j.Name
	}
	return out
}

// xTime is X's timestamp layout.
const xTime = "2006-01-02T15:04:05.000Z"

var errConcurrentJob = plainProblem(http.StatusBadRequest, "Invalid Request", "You can have one concurrent job per job type at any time.")

// POST /2/compliance/jobs
func (s *Sim) createComplianceJobAPI(c *appCall) (int, any) {
	var in struct {
		Type      string `json:"type"`
		Name      string `json:"name"`
		Resumable bool   `json:"resumable"`
	}
	dec := json.NewDecoder(strings.NewReader(string(c.body)))
	dec.DisallowUnknownFields() // additionalProperties: false
	if err := dec.Decode(&in); err != nil {
		return fail(invalidRequest("", "", "The request body is not valid JSON for this endpoint."))
	}
	if in.Type != "tweets" && in.Type != "users" {
		return fail(invalidRequest("type", in.Type, "The `type` query parameter value ["+in.Type+"] is not one of [tweets,users]"))
	}
	if len([]rune(in.Name)) > 64 {
		return fail(invalidRequest("name", in.Name, "The `name` parameter must be at most 64 characters"))
	}
	now := s.now()
	for _, j := range s.compliance.jobs {
		if st := j.status(now); j.Type == in.Type && (st == "created" || st == "in_progress") {
			return fail(errConcurrentJob)
		}
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	j := &complianceJob{ID: s.ids.next(now), Type: in.Type, Name: in.Name, Resumable: in.Resumable,
		CreatedAt: now.UTC().Truncate(time.Millisecond), Token: hex.EncodeToString(tok)}
	s.compliance.jobs = append(s.compliance.jobs, j)
	return http.StatusOK, map[string]any{"data": s.jobJSON(c.r, j)}
}

// GET /2/compliance/jobs/:id
func (s *Sim) getComplianceJobAPI(c *appCall) (int, any) {
	id := c.r.PathValue("id")
	if !isID(id) {
		return fail(invalidID("id", id))
	}
	j := s.complianceJob(id)
	if j == nil {
		return fail(notFound("compliance_job", "id", id))
	}
	return http.StatusOK, map[string]any{"data": s.jobJSON(c.r, j)}
}

// GET /2/compliance/jobs?type=&status=
func (s *Sim) listComplianceJobsAPI(c *appCall) (int, any) {
	q := c.r.URL.Query()
	typ, status := q.Get("type"), q.Get("status")
	if typ != "tweets" && typ != "users" {
		return fail(invalidRequest("type", typ, "The `type` query parameter value ["+typ+"] is not one of [tweets,users]"))
	}
	switch status {
	case "", "created", "in_progress", "failed", "complete":
	default:
		return fail(invalidRequest("status", status, "The `status` query parameter value ["+status+"] is not one of [created,in_progress,failed,complete]"))
	}
	now := s.now()
	data := []any{}
	for i := len(s.compliance.jobs) - 1; i >= 0; i-- {
		j := s.compliance.jobs[i]
		if j.Type != typ || (status != "" && j.status(now) != status) {
			continue
		}
		data = append(data, s.jobJSON(c.r, j))
	}
	out := map[string]any{"meta": map[string]int{"result_count": len(data)}}
	if len(data) > 0 {
		out["data"] = data
	}
	return http.StatusOK, out
}

// jobByToken finds the job of an upload or download URL; nil answers 403
// as Cloud Storage answers a bad signature.
func (s *Sim) jobByToken(w http.ResponseWriter, r *http.Request) *complianceJob {
	j := s.complianceJob(r.PathValue("id"))
	if j == nil || r.URL.Query().Get("token") != j.Token {
		http.Error(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code></Error>", http.StatusForbidden)
		return nil
	}
	return j
}

// PUT /sim/compliance/jobs/{id}/upload?token= (the job's upload_url): the
// ids, one per line, read as a stream.
func (s *Sim) complianceUpload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	j := s.jobByToken(w, r)
	if j == nil {
		s.mu.Unlock()
		return
	}
	if st := j.status(s.now()); st != "created" {
		s.mu.Unlock()
		http.Error(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code></Error>", http.StatusBadRequest)
		return
	}
	s.mu.Unlock()

	// Read the ids without the lock (an upload can be large), then judge
	// them against the state in chunks.
	var results []ComplianceResult
	n := 0
	chunk := make([]string, 0, 4096)
	judge := func() {
		s.mu.Lock()
		for _, id := range chunk {
			if res, ok := s.complianceResult(j.Type, id); ok {
				results = append(results, res)
			}
		}
		s.mu.Unlock()
		chunk = chunk[:0]
	}
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		id := strings.TrimSpace(sc.Text())
		if id == "" {
			continue
		}
		n++
		chunk = append(chunk, id)
		if len(chunk) == cap(chunk) {
			judge()
		}
	}
	if err := sc.Err(); err != nil {
		http.Error(w, "upload interrupted", http.StatusBadRequest)
		return
	}
	judge()

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if j.status(now) != "created" {
		http.Error(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code></Error>", http.StatusBadRequest)
		return
	}
	j.UploadedAt, j.ReadyAt, j.Uploaded, j.Results = now, now.Add(s.complianceProcessing()), n, results
	w.WriteHeader(http.StatusOK)
}

// GET /sim/compliance/jobs/{id}/download?token= (the job's download_url).
func (s *Sim) complianceDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobByToken(w, r)
	if j == nil {
		return
	}
	if j.status(s.now()) != "complete" {
		http.Error(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code></Error>", http.StatusNotFound)
		return
	}
	j.Downloads++
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, res := range j.Results {
		_ = enc.Encode(res)
	}
}

// complianceResult is X's answer for one uploaded id, if it has an event.
// Called with s.mu held.
func (s *Sim) complianceResult(typ, id string) (ComplianceResult, bool) {
	stamp := func(t time.Time) string { return t.UTC().Format(xTime) }
	switch typ {
	case "tweets":
		t := s.st.tweets[id]
		if t == nil {
			return ComplianceResult{}, false
		}
		res := ComplianceResult{ID: id, Action: "delete", CreatedAt: stamp(t.CreatedAt)}
		if t.Deleted {
			res.Reason, res.RedactedAt = "deleted", stamp(orTime(t.DeletedAt, t.CreatedAt))
			return res, true
		}
		u := s.st.users[t.AuthorID]
		if u == nil {
			return ComplianceResult{}, false
		}
		switch u.Status {
		case AccountSuspended, AccountProtected:
			res.Reason = u.Status
		case AccountDeactivated, AccountDeleted:
			// X's Post reasons have no "deactivated": a gone account's
			// Posts are reported deleted.
			res.Reason = "deleted"
		default:
			return ComplianceResult{}, false
		}
		res.RedactedAt = stamp(u.StatusAt)
		return res, true
	case "users":
		u := s.st.users[id]
		if u == nil {
			return ComplianceResult{}, false
		}
		switch u.Status {
		case AccountProtected, AccountSuspended, AccountDeactivated, AccountDeleted:
			return ComplianceResult{ID: id, Action: "delete", Reason: u.Status,
				CreatedAt: stamp(u.CreatedAt), RedactedAt: stamp(u.StatusAt)}, true
		}
	}
	return ComplianceResult{}, false
}

func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// PUT /sim/compliance {"processing_ms": n} sets how long uploaded jobs stay
// in_progress (0: complete at once, for tests) → 200 {"processing_ms": n}.
func (s *Sim) ctlComplianceSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProcessingMS *int64 `json:"processing_ms"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.ProcessingMS == nil || *in.ProcessingMS < 0 {
		ctlError(w, http.StatusBadRequest, "processing_ms (0 or more) is required.")
		return
	}
	s.SetComplianceProcessing(time.Duration(*in.ProcessingMS) * time.Millisecond)
	writeJSON(w, http.StatusOK, map[string]int64{"processing_ms": *in.ProcessingMS})
}

// SetComplianceProcessing sets how long uploaded compliance jobs stay
// in_progress; 0 completes them as soon as they are uploaded. Jobs already
// in progress complete by the new time too.
func (s *Sim) SetComplianceProcessing(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compliance.processing, s.compliance.set = d, true
	for _, j := range s.compliance.jobs {
		if !j.UploadedAt.IsZero() && j.Status == "" {
			j.ReadyAt = j.UploadedAt.Add(d)
		}
	}
}

// PUT /sim/compliance/jobs/{id}/status {"status": "failed"|"expired"} ends
// a job as X may → 200 the job.
func (s *Sim) ctlComplianceJobStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.Status != "failed" && in.Status != "expired" {
		ctlError(w, http.StatusBadRequest, `status must be "failed" or "expired".`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.complianceJob(r.PathValue("id"))
	if j == nil {
		ctlError(w, http.StatusNotFound, "No compliance job "+r.PathValue("id")+".")
		return
	}
	j.Status = in.Status
	writeJSON(w, http.StatusOK, s.jobJSON(r, j))
}

// GET /sim/compliance/jobs → {jobs: [{id, type, status, uploaded, results, downloads}]},
// oldest first: what the app uploaded and fetched.
func (s *Sim) ctlComplianceJobs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type view struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		Status    string `json:"status"`
		Uploaded  int    `json:"uploaded"`
		Results   int    `json:"results"`
		Downloads int    `json:"downloads"`
	}
	out := []view{}
	for _, j := range s.compliance.jobs {
		out = append(out, view{j.ID, j.Type, j.status(s.now()), j.Uploaded, len(j.Results), j.Downloads})
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

// PUT /sim/users/{username}/status {"status": "active"|"protected"|
// "suspended"|"deactivated"|"deleted"} → 200 {username, status}: what the
// user (or X) does to the account. Batch compliance reports it from then on.
func (s *Sim) ctlUserStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	valid := []string{AccountActive, AccountProtected, AccountSuspended, AccountDeactivated, AccountDeleted}
	if !slices.Contains(valid, in.Status) {
		ctlError(w, http.StatusBadRequest, "status must be one of "+strings.Join(valid, ", ")+".")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	s.setAccountStatus(u, in.Status)
	writeJSON(w, http.StatusOK, map[string]string{"username": u.Username, "status": in.Status})
}

// setAccountStatus puts u in status. Called with s.mu held.
func (s *Sim) setAccountStatus(u *user, status string) {
	if status == AccountActive {
		u.Status, u.StatusAt = "", time.Time{}
		u.Protected = false
		return
	}
	u.Status, u.StatusAt = status, s.stamp()
	if status == AccountProtected {
		u.Protected = true
	}
}
