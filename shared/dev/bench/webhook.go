package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/webhook"
)

// WebhookResult is the webhook's acknowledgement against its floor.
type WebhookResult struct {
	// Ratio is the webhook's p50 over the floor's, per block of pairs.
	Ratio Spread
	// Webhook and Floor are the p50 latencies over every pair, in ms.
	Webhook, Floor float64
	Pairs          int
}

// measureWebhook times the webhook handler acknowledging a signed X
// Activity delivery (one mention) in process, interleaved pair by pair
// with its floor: the least any webhook must do, an HMAC-SHA256 check of
// the body and one SendMessage of it to the same local queue with the same
// client. The order within a pair alternates. The handler is the one the
// function serves (webhook.Handler, whose mux holds only the webhook's
// routes), not behind the local run's mux of every route.
func measureWebhook(ctx context.Context, l *local, pairs, blocks int) (WebhookResult, error) {
	secret := sample.ConsumerSecret
	queueURL := l.urls[queues.Inbound.Name]
	body := mention(1, newUser(1), sample.Brands[0], time.Now())
	signature := webhook.Sign(secret, body)
	h := l.webhook()

	hook := func() (float64, error) {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, webhook.Path, bytes.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, signature)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := since(start)
		if rec.Code != http.StatusOK {
			return 0, fmt.Errorf("bench: the webhook answered %d: %s", rec.Code, rec.Body)
		}
		return d, nil
	}
	floor := func() (float64, error) {
		start := time.Now()
		got, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(signature, "sha256="))
		if err != nil {
			return 0, err
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if !hmac.Equal(got, mac.Sum(nil)) {
			return 0, errors.New("bench: the floor's signature check failed")
		}
		if _, err := l.sqsClient.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(body))}); err != nil {
			return 0, fmt.Errorf("bench: the floor's SendMessage: %w", err)
		}
		return since(start), nil
	}
	a, b, err := interleave(pairs, hook, floor)
	if err != nil {
		return WebhookResult{}, err
	}
	return WebhookResult{Ratio: spreadOf(blockRatios(a, b, blocks)), Webhook: median(a), Floor: median(b), Pairs: len(a)}, nil
}

// interleave runs a and b pairs times each, alternating which goes first,
// after a tenth as many (at least 5) unrecorded warm-up pairs, and returns
// their timings in order.
func interleave(pairs int, a, b func() (float64, error)) (as, bs []float64, err error) {
	warm := max(pairs/10, 5)
	for i := 0; i < warm+pairs; i++ {
		var da, db float64
		if i%2 == 0 {
			if da, err = a(); err == nil {
				db, err = b()
			}
		} else {
			if db, err = b(); err == nil {
				da, err = a()
			}
		}
		if err != nil {
			return nil, nil, err
		}
		if i >= warm {
			as, bs = append(as, da), append(bs, db)
		}
	}
	return as, bs, nil
}
