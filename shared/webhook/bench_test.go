package webhook

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// discardSender stands for the standard inbound queue, which stores
// nothing here and uses no deduplication ids.
type discardSender struct{}

func (discardSender) Send(context.Context, string, string, string) error { return nil }

func (discardSender) Deduplicates() bool { return false }

// BenchmarkReceiveXAAMention is the handler's own work on a signed X
// Activity mention (verify, read, queue to a sender that does nothing):
// what the webhook adds to the floor make bench compares it with.
func BenchmarkReceiveXAAMention(b *testing.B) {
	body, err := os.ReadFile("../../events/x/xaa/post-mention-create.json")
	if err != nil {
		b.Skip(err)
	}
	h := Handler(StaticSecret("s"), discardSender{}, Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	sig := Sign("s", body)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		r.Header.Set(SignatureHeader, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
