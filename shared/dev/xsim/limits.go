package xsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

type limitKey struct{ userID, endpoint string }

// limitWindow counts one user's requests to one endpoint in a fixed window.
type limitWindow struct {
	limit int
	used  int
	reset time.Time
}

// rateLimit counts a request and reports the window's state; ok is false
// when the window is exhausted. Called with s.mu held.
func (s *Sim) rateLimit(userID, endpoint string) (w limitWindow, ok bool) {
	now := time.Now()
	k := limitKey{userID, endpoint}
	lw := s.limits[k]
	if lw == nil || !now.Before(lw.reset) {
		limit := DefaultRateLimit
		if strings.Contains(endpoint, "/2/compliance/") || strings.HasSuffix(endpoint, "/2/compliance/jobs") {
			limit = ComplianceRateLimit // X's documented limit, met by design
		}
		if n, set := s.opts.RateLimits[endpoint]; set {
			limit = n
		}
		lw = &limitWindow{limit: limit, reset: now.Add(s.opts.RateLimitWindow)}
		s.limits[k] = lw
	}
	if lw.used >= lw.limit {
		return *lw, false
	}
	lw.used++
	return *lw, true
}

// setRateHeaders writes X's rate-limit headers.
func setRateHeaders(h http.Header, limit, remaining int, reset time.Time) {
	h.Set("x-rate-limit-limit", strconv.Itoa(limit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(remaining))
	h.Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
}

// fault makes the next Count calls under PathPrefix fail with Status.
type fault struct {
	PathPrefix  string `json:"path_prefix"`
	Status      int    `json:"status"`
	Count       int    `json:"count"`
	RetryAfterS int    `json:"retry_after_s,omitempty"`
}

// takeFault returns the first fault matching path and counts it down.
// Called with s.mu held.
func (s *Sim) takeFault(path string) *fault {
	for i, f := range s.faults {
		if strings.HasPrefix(path, f.PathPrefix) {
			taken := *f
			f.Count--
			if f.Count <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return &taken
		}
	}
	return nil
}
