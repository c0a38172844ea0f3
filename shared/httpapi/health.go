package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// Pinger is something that can say whether it answers, such as the store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Health answers 200 {"status":"ok"} when the store answers within two
// seconds, and 503 with a problem document when it does not.
func Health(store Pinger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Cache-Control", "no-store")
		if err := store.Ping(ctx); err != nil {
			slog.WarnContext(ctx, "health check failed", "err", err)
			WriteError(w, r, casework.Errorf(casework.EUnavailable, "The store does not answer."))
			return
		}
		Encode(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}
