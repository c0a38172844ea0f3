package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// Idempotency-Key settings.
const (
	// IdempotencyHeader is the request header that carries the client's key.
	IdempotencyHeader = "Idempotency-Key"
	// ReplayedHeader marks an answer repeated from an earlier request.
	ReplayedHeader = "Idempotent-Replayed"
	// IdempotencyTTL is how long a key and its answer are kept.
	IdempotencyTTL = 24 * time.Hour
	// InProgressTTL is how long a key stays reserved while its first
	// request runs: far longer than any function's timeout, so a request
	// whose function died does not lock its key for a day.
	InProgressTTL = 5 * time.Minute
	// MaxIdempotencyKeyLength bounds the client's key.
	MaxIdempotencyKeyLength = 255
	// IdempotencyKeyAlphabet is what a key may be made of: the characters
	// both hosts read alike. Through API Gateway, aws-lambda-go-api-proxy
	// splits every header value at commas into several values and trims
	// spaces, while net/http (the local run) keeps one value, so a key with
	// a comma or a space would be another key in AWS; the alphabet also
	// leaves out quotes, semicolons and other separators a proxy might
	// read. It holds UUIDs, ULIDs, base64 and base64url.
	IdempotencyKeyAlphabet = "A-Z a-z 0-9 - _ . : ~ + / ="
)

// Idempotent makes a route safe to retry: a request with an
// Idempotency-Key header reserves the key (scoped to the agent, the method
// and the path) with the SHA-256 of its body, for IdempotencyTTL.
//
//   - A repeat of a request that was answered gets the first answer again
//     (status and body, with Idempotent-Replayed: true); the handler does
//     not run, so nothing is queued again.
//   - A repeat while the first is still being answered is refused: 409
//     request_in_progress (for InProgressTTL at most, should the first
//     never finish).
//   - The same key with a different body is refused: 422
//     idempotency_key_reused (as the IETF Idempotency-Key draft says).
//   - An answer that a retry could change (5xx, 409, 429) is not kept: the
//     key is released so the client can try again.
//
// Requests without the header pass through untouched. It must run after
// Authenticate (the agent scopes the key).
func Idempotent(store IdempotencyStore, now func() time.Time) func(http.Handler) http.Handler {
	if now == nil {
		now = time.Now
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.Header.Values(IdempotencyHeader)) == 0 {
				next.ServeHTTP(w, r)
				return
			}
			rec, body, err := keyedRequest(w, r, now())
			if err != nil {
				WriteError(w, r, err)
				return
			}
			existing, err := store.ReserveIdempotencyKey(r.Context(), rec)
			if err != nil {
				WriteError(w, r, err)
				return
			}
			if existing != nil {
				replay(w, r, rec, existing, body)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			out := &recorder{header: http.Header{}}
			next.ServeHTTP(out, r)
			out.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200
			settle(r.Context(), store, rec, out, now())
			out.copyTo(w)
		})
	}
}

// keyedRequest checks the request's one Idempotency-Key, reads its body
// and returns the record that reserves the key (in progress, for
// InProgressTTL) and the body.
func keyedRequest(w http.ResponseWriter, r *http.Request, now time.Time) (IdempotencyRecord, []byte, error) {
	values := r.Header.Values(IdempotencyHeader)
	if len(values) > 1 || !validIdempotencyKey(values[0]) {
		return IdempotencyRecord{}, nil, invalidIdempotencyKey
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return IdempotencyRecord{}, nil, casework.Errorf(EPayloadTooLarge, "The body is larger than %d bytes.", tooLarge.Limit)
		}
		return IdempotencyRecord{}, nil, casework.Errorf(EInvalidJSON, "The body could not be read.")
	}
	return IdempotencyRecord{
		Key:         idempotencyScope(r, values[0]),
		RequestHash: requestHash(body),
		ExpiresAt:   now.Add(InProgressTTL).UTC(),
	}, body, nil
}

// settle records what became of a reserved key once its request was
// answered: an answer a retry could change (5xx, 409, 429) releases the
// key, any other is kept for IdempotencyTTL to be replayed.
func settle(ctx context.Context, store IdempotencyStore, rec IdempotencyRecord, out *recorder, now time.Time) {
	ctx = context.WithoutCancel(ctx)
	var err error
	if out.status >= 500 || out.status == http.StatusConflict || out.status == http.StatusTooManyRequests {
		err = store.ReleaseIdempotencyKey(ctx, rec.Key)
	} else {
		rec.Done, rec.StatusCode, rec.Body = true, out.status, out.body.Bytes()
		rec.ExpiresAt = now.Add(IdempotencyTTL).UTC()
		err = store.CompleteIdempotencyKey(ctx, rec)
	}
	if err != nil {
		// The request's effect happened: answer it. A key left reserved
		// answers request_in_progress until it expires, which is safer
		// than letting a repeat act twice.
		slog.ErrorContext(ctx, "idempotency record not updated", "key", rec.Key, "status", out.status, "err", err)
	}
}

// invalidIdempotencyKey answers a key the hosts may read differently, or
// more than one key.
var invalidIdempotencyKey = &casework.Error{Code: EInvalidIdempotencyKey,
	Message: "The Idempotency-Key header is not valid.",
	Fields: []casework.FieldError{{Name: IdempotencyHeader, Code: "invalid",
		Detail: "Send one Idempotency-Key of 1 to " + strconv.Itoa(MaxIdempotencyKeyLength) +
			" characters from " + IdempotencyKeyAlphabet + " (no commas or spaces)."}}}

// requestHash is what tells a repeat from another request under the same
// key: the SHA-256 of the body's JSON value written canonically (object
// members sorted by name, no insignificant space, numbers as written), so
// the same JSON with its members in another order is the same request. A
// body that is not JSON is hashed as it is (the handler refuses it, and the
// refusal is what a repeat gets).
func requestHash(body []byte) string {
	if canon, ok := canonicalJSON(body); ok {
		sum := sha256.Sum256(canon)
		return "json:" + hex.EncodeToString(sum[:])
	}
	return rawHash(body)
}

// rawHash is the SHA-256 of the body's bytes, as records written before
// requestHash compared JSON values hold.
func rawHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// canonicalJSON re-encodes one JSON value with sorted object members; ok is
// false when body is not exactly one JSON value.
func canonicalJSON(body []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	return out.Bytes(), true
}

// replay answers a repeat of a request whose key is already reserved.
func replay(w http.ResponseWriter, r *http.Request, rec IdempotencyRecord, existing *IdempotencyRecord, body []byte) {
	switch {
	case existing.RequestHash != rec.RequestHash && existing.RequestHash != rawHash(body):
		WriteError(w, r, casework.Errorf(EIdempotencyKeyReused,
			"This Idempotency-Key was used for a different request; use a new key for a new request."))
	case !existing.Done:
		w.Header().Set("Retry-After", "1")
		WriteError(w, r, casework.Errorf(ERequestInProgress,
			"The first request with this Idempotency-Key is still being answered; try again shortly."))
	default:
		ct := "application/json"
		if existing.StatusCode >= 400 {
			ct = "application/problem+json"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set(ReplayedHeader, "true")
		w.WriteHeader(existing.StatusCode)
		_, _ = w.Write(existing.Body)
	}
}

// idempotencyScope is the stored key: the agent, the method, the path and
// the client's key, each length-prefixed (so no two scopes run together)
// and hashed to a fixed length.
func idempotencyScope(r *http.Request, key string) string {
	agent := "anonymous"
	if a, ok := AgentFrom(r.Context()); ok {
		agent = a.ID
	}
	h := sha256.New()
	for _, part := range []string{agent, r.Method, r.URL.Path, key} {
		h.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	return "v1:" + hex.EncodeToString(h.Sum(nil))
}

// validIdempotencyKey reports whether k is 1 to MaxIdempotencyKeyLength
// characters of IdempotencyKeyAlphabet.
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > MaxIdempotencyKeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.:~+/=", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// recorder keeps a handler's answer so it can be stored before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// copyTo writes the recorded answer to w.
func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}
