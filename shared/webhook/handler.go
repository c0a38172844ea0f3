package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/acme/twitter-cases/shared/activity"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/emf"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// Path is the webhook's route, for both the CRC (GET) and deliveries (POST).
const Path = "/webhooks/twitter"

// Defaults of Options.
const (
	// DefaultMaxBodyBytes: X's deliveries are a few kB, a long post with
	// its includes a few hundred; what does not fit a queue message is
	// kept in the table (Options.Keep). 5 MiB stays under Lambda's 6 MB
	// limit on a synchronous invocation's payload, which API Gateway's
	// event (the body and the headers) must fit in.
	DefaultMaxBodyBytes = 5 << 20
	DefaultSendTimeout  = 10 * time.Second
)

// SecretFunc returns the X app's consumer secret. In AWS it comes from
// Secrets Manager (fetched on first use and cached by the caller); in a
// local run from X_CONSUMER_SECRET.
type SecretFunc func(ctx context.Context) (string, error)

// StaticSecret returns a SecretFunc that always returns secret.
func StaticSecret(secret string) SecretFunc {
	return func(context.Context) (string, error) { return secret, nil }
}

// Sender queues one message and returns once the queue has stored it;
// *sqsqueue.Queue is one.
type Sender interface {
	Send(ctx context.Context, body, groupID, dedupID string) error
}

// Deduplicator is a Sender that says whether it uses deduplication ids (a
// FIFO queue does, a standard queue ignores them); *sqsqueue.Queue is one.
// The handler hashes a message for its deduplication id only for a Sender
// that uses it or does not say.
type Deduplicator interface {
	Deduplicates() bool
}

// Options tune the handler; the zero value is the product's configuration.
type Options struct {
	// MaxBodyBytes is the largest delivery accepted (DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// MaxMessageBytes is the largest queue message; larger payloads are
	// split per event (DefaultMaxMessageBytes), and an event still larger
	// is kept in Keep, a pointer to it queued instead.
	MaxMessageBytes int
	// Keep keeps the events larger than a queue message (shared/claimcheck,
	// in the table); nil refuses them with 413.
	Keep claimcheck.Store
	// Now tells the time (the kept bodies' expiry); nil means time.Now.
	Now func() time.Time
	// SendTimeout bounds the queueing of one delivery (DefaultSendTimeout).
	SendTimeout time.Duration
	// Logger receives the handler's logs (slog.Default()).
	Logger *slog.Logger
}

// Handler returns the webhook's routes: GET and POST Path.
func Handler(secret SecretFunc, q Sender, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = DefaultSendTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &handler{secret: secret, queue: q, opts: opts, log: opts.Logger, dedup: true}
	if d, ok := q.(Deduplicator); ok {
		h.dedup = d.Deduplicates()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, h.crc)
	mux.HandleFunc("POST "+Path, h.receive)
	return mux
}

type handler struct {
	secret SecretFunc
	queue  Sender
	opts   Options
	log    *slog.Logger
	// dedup: the queue uses deduplication ids (see Deduplicator).
	dedup bool
}

// consumerSecret returns the app's consumer secret, refusing an empty one:
// an empty HMAC key would let anyone sign.
func (h *handler) consumerSecret(ctx context.Context) (string, error) {
	s, err := h.secret(ctx)
	if err == nil && s == "" {
		err = errors.New("the consumer secret is empty")
	}
	if err != nil {
		h.log.ErrorContext(ctx, "webhook: no consumer secret", "err", err)
		return "", casework.Errorf(casework.EUnavailable, "The webhook cannot reach its secret; try again.")
	}
	return s, nil
}

// crc answers X's challenge-response check.
func (h *handler) crc(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("crc_token")
	if !ValidCRCToken(token) {
		h.log.WarnContext(r.Context(), "webhook: crc_token refused", "bytes", len(token))
		writeProblem(w, &casework.Error{Code: httpapi.EInvalidCRCToken,
			Message: fmt.Sprintf("The crc_token must be 1 to %d letters, digits or - _ . = + /, as X sends them.", MaxCRCTokenLength),
			Fields:  []casework.FieldError{{Name: "crc_token", Code: "invalid", Detail: "Not a token X sends."}}})
		return
	}
	secret, err := h.consumerSecret(r.Context())
	if err != nil {
		writeProblem(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.Encode(w, http.StatusOK, map[string]string{"response_token": ResponseToken(secret, token)})
	h.log.InfoContext(r.Context(), "webhook: crc answered")
}

// receive verifies and queues one delivery.
func (h *handler) receive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sum, err := parseSignature(r.Header.Get(SignatureHeader))
	if err != nil {
		h.refuse(w, r, err, -1)
		return
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes), r.ContentLength)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.log.WarnContext(ctx, "webhook: delivery too large", "limit", h.opts.MaxBodyBytes)
			writeProblem(w, casework.Errorf(httpapi.EPayloadTooLarge, "The body is larger than %d bytes.", h.opts.MaxBodyBytes))
			return
		}
		h.log.WarnContext(ctx, "webhook: body not read", "err", err)
		writeProblem(w, casework.Errorf(httpapi.EInvalidJSON, "The body could not be read."))
		return
	}
	secret, err := h.consumerSecret(ctx)
	if err != nil {
		writeProblem(w, err)
		return
	}
	if err := verifySum(secret, sum, body); err != nil {
		h.refuse(w, r, err, len(body))
		return
	}
	if !utf8.Valid(body) {
		h.log.WarnContext(ctx, "webhook: signed delivery is not UTF-8", "bytes", len(body))
		writeProblem(w, casework.Errorf(httpapi.EInvalidJSON, "The body is not a JSON object."))
		return
	}
	var forUser, counts string
	var parts [][]byte
	// X Activity deliveries (X's one format from 1 January 2027) are read
	// in one pass; Account Activity payloads are split into their events.
	if env, isXAA, err := activity.ReadDelivery(body); err != nil && !isXAA {
		h.log.WarnContext(ctx, "webhook: signed delivery is not a JSON object", "bytes", len(body), "err", err)
		writeProblem(w, casework.Errorf(httpapi.EInvalidJSON, "The body is not a JSON object."))
		return
	} else if isXAA {
		if err != nil {
			h.log.WarnContext(ctx, "webhook: signed delivery is not an X Activity envelope", "bytes", len(body), "err", err)
			writeProblem(w, casework.Errorf(httpapi.EInvalidJSON, `The body is not an X Activity delivery ({"data": {"event_type", "payload", ...}}).`))
			return
		}
		if !activity.XAAUsed(env.EventType) {
			// Acknowledged, so X neither retries it nor disables the webhook.
			// Logged and counted as the inbound rules' skips are.
			emf.Count(ctx, h.log, "webhook: X Activity event type not used; acknowledged", casework.MetricInboundSkipped, []string{"rule"},
				"bytes", len(body), "for_user_id", env.UserID, "event_type", env.EventType, "rule", casework.SkipTypeNotUsed, "ignored", 1)
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			return
		}
		forUser, counts = env.UserID, env.EventType
		if parts, err = whole(body, h.partLimit()); err != nil {
			h.log.ErrorContext(ctx, "webhook: delivery cannot be queued", "bytes", len(body), "for_user_id", forUser, "events", counts, "err", err)
			writeProblem(w, casework.Errorf(httpapi.EPayloadTooLarge, "This delivery is larger than a queue message."))
			return
		}
	} else {
		p, err := parsePayload(body)
		if err != nil {
			h.log.WarnContext(ctx, "webhook: signed delivery is not a JSON object", "bytes", len(body), "err", err)
			writeProblem(w, casework.Errorf(httpapi.EInvalidJSON, "The body is not a JSON object."))
			return
		}
		forUser, counts = p.forUserID(), p.eventCounts()
		if parts, err = split(p, body, h.partLimit()); err != nil {
			h.log.ErrorContext(ctx, "webhook: delivery cannot be queued", "bytes", len(body), "for_user_id", forUser, "events", counts, "err", err)
			writeProblem(w, casework.Errorf(httpapi.EPayloadTooLarge, "An event of this payload is larger than a queue message."))
			return
		}
	}
	sendCtx, cancel := context.WithTimeout(ctx, h.opts.SendTimeout)
	defer cancel()
	group := forUser
	if group == "" {
		group = "webhook"
	}
	kept := 0
	for i, part := range parts {
		if len(part) > h.opts.MaxMessageBytes {
			// Too large for a queue message: kept in the table, a pointer queued.
			ptr, err := claimcheck.Keep(sendCtx, h.opts.Keep, part, h.opts.Now())
			if err != nil {
				h.log.ErrorContext(ctx, "webhook: keeping a large delivery failed; X will deliver again", "bytes", len(body), "for_user_id", forUser,
					"events", counts, "message", i+1, "messages", len(parts), "err", err)
				writeProblem(w, casework.Errorf(casework.EUnavailable, "The payload could not be queued; deliver it again."))
				return
			}
			part = ptr
			kept++
		}
		var dedupID string
		if h.dedup {
			sum := sha256.Sum256(part)
			dedupID = hex.EncodeToString(sum[:])
		}
		if err := h.queue.Send(sendCtx, string(part), group, dedupID); err != nil {
			h.log.ErrorContext(ctx, "webhook: queueing failed; X will deliver again", "bytes", len(body), "for_user_id", forUser,
				"events", counts, "message", i+1, "messages", len(parts), "err", err)
			writeProblem(w, casework.Errorf(casework.EUnavailable, "The payload could not be queued; deliver it again."))
			return
		}
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "webhook: delivery queued", slog.Int("bytes", len(body)), slog.String("for_user_id", forUser),
		slog.String("events", counts), slog.Int("messages", len(parts)), slog.Int("kept", kept))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// partLimit is the largest message the payload is split into: a queue
// message, or any size when larger ones are kept (Options.Keep).
func (h *handler) partLimit() int {
	if h.opts.Keep != nil {
		return math.MaxInt
	}
	return h.opts.MaxMessageBytes
}

// presizeLimit is the largest Content-Length readBody sizes its buffer for
// up front: X's deliveries are a few kB, and an unsigned request must not
// get a large buffer allocated just by announcing a large body.
const presizeLimit = 64 << 10

// readBody reads r to its end. A body that announces its length (the
// request's Content-Length, up to presizeLimit) is read into a buffer of
// that size, without growing it.
func readBody(r io.Reader, contentLength int64) ([]byte, error) {
	if contentLength <= 0 || contentLength > presizeLimit {
		return io.ReadAll(r)
	}
	b := bytes.NewBuffer(make([]byte, 0, contentLength+bytes.MinRead))
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

// writeProblem answers with err's problem document. Unlike
// httpapi.WriteError it does not log: the handler has logged the cause
// already, with its own logger.
func writeProblem(w http.ResponseWriter, err error) {
	p := httpapi.ProblemFor(err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// refuse answers 401 for a missing or wrong signature; bytes is the body's
// size when it was read, -1 when it was not.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, why error, bytes int) {
	h.log.WarnContext(r.Context(), "webhook: signature refused", "reason", why.Error(), "bytes", bytes)
	writeProblem(w, casework.Errorf(httpapi.EUnauthorized, "The x-twitter-webhooks-signature header is missing or wrong."))
}
