package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/acme/twitter-cases/shared/casework"
)

// MaxBodyBytes is the largest request body the console API accepts (64 KiB).
const MaxBodyBytes = 64 << 10

// Decode reads a JSON request body into v: at most MaxBodyBytes, no unknown
// fields, one value. It returns EPayloadTooLarge or EInvalidJSON errors.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err == nil {
			return casework.Errorf(EInvalidJSON, "The body must hold exactly one JSON value.")
		}
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return casework.Errorf(EPayloadTooLarge, "The body is larger than %d bytes.", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return casework.Errorf(EInvalidJSON, "The body is empty; a JSON object is expected.")
	case errors.As(err, &syntax):
		return casework.Errorf(EInvalidJSON, "The body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.As(err, &typ):
		return casework.Errorf(EInvalidJSON, "Field %q must be of JSON type %s.", typ.Field, typ.Type)
	default:
		// Unknown fields and truncated bodies land here.
		return casework.Errorf(EInvalidJSON, "The body is not acceptable JSON: %s.", err)
	}
}

// Encode answers with status and v as JSON.
func Encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		// The status is out already; all that is left is to say so in the log.
		slog.Error("encode response", "err", err)
	}
}
