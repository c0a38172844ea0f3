package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/acme/twitter-cases/shared/casework"
)

// MaxBodyBytes is the largest request body the console API accepts (64 KiB).
const MaxBodyBytes = 64 << 10

// Decode reads a JSON request body into v (a pointer to a struct): at most
// MaxBodyBytes, UTF-8 (CheckUTF8), one value, no unknown members. It
// returns EPayloadTooLarge or EInvalidJSON errors; a body whose members
// are unknown or of the wrong type names every such member in the error's
// fields (unknown, invalid_type), not only the first.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	if err := CheckUTF8(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if fields := memberErrors(data, v); len(fields) > 0 {
			return &casework.Error{Code: EInvalidJSON, Message: "The body has members this route does not take, or of the wrong type.", Fields: fields}
		}
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

// memberErrors lists each member of the JSON object data that v (a
// pointer to a struct) has no field for, or whose value does not fit its
// field, sorted by name; none when data is not an object.
func memberErrors(data []byte, v any) []casework.FieldError {
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	t := rv.Elem().Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = t.Field(i).Type
		}
	}
	var out []casework.FieldError
	for _, name := range slices.Sorted(maps.Keys(members)) {
		typ, ok := fields[name]
		if !ok {
			out = append(out, casework.FieldError{Name: name, Code: "unknown", Detail: fmt.Sprintf("%q is not a member of this request.", name)})
			continue
		}
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal(members[name], reflect.New(typ).Interface()); errors.As(err, &te) {
			out = append(out, casework.FieldError{Name: name, Code: "invalid_type", Detail: fmt.Sprintf("%q must be of JSON type %s, not %s.", name, typeName(typ), te.Value)})
		}
	}
	return out
}

// CheckUTF8 refuses (EInvalidJSON) a JSON body that is not UTF-8 (RFC
// 8259 section 8.1), or that escapes a lone surrogate ("\ud800"), which
// no UTF-8 text can hold: encoding/json would read either as U+FFFD and
// store a character the client never sent. The webhook refuses a
// delivery that is not UTF-8 alike.
func CheckUTF8(body []byte) error {
	if !utf8.Valid(body) {
		return casework.Errorf(EInvalidJSON, "The body is not UTF-8.")
	}
	if at := loneSurrogate(body); at >= 0 {
		return casework.Errorf(EInvalidJSON, "The body escapes a lone UTF-16 surrogate (at byte %d), which is no character.", at)
	}
	return nil
}

// loneSurrogate is the offset of the first \u escape in body's strings
// of a UTF-16 surrogate that is not half of a pair, or -1.
func loneSurrogate(body []byte) int {
	escape := func(i int) (rune, bool) { // the \uXXXX at i
		if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 32)
		return rune(n), err == nil
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		r, ok := escape(i)
		if !ok {
			i++ // \\, \" and the like: skip the escaped character
			continue
		}
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if lo, ok := escape(i + 6); ok && lo >= 0xdc00 && lo < 0xe000 {
				i += 11
				continue
			}
			return i
		case r >= 0xdc00 && r < 0xe000:
			return i
		}
		i += 5
	}
	return -1
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
	case errors.As(err, &typ) && typ.Field == "":
		// The body itself: say what the client sent, not a Go type's name.
		return casework.Errorf(EInvalidJSON, "The body must be a JSON %s, not %s.", typeName(typ.Type), typ.Value)
	case errors.As(err, &typ):
		return casework.Errorf(EInvalidJSON, "Field %q must be of JSON type %s.", typ.Field, typeName(typ.Type))
	default:
		// Truncated bodies land here.
		return casework.Errorf(EInvalidJSON, "The body is not acceptable JSON: %s.", err)
	}
}

// typeName is the JSON type a Go field type takes.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "number"
	}
	return t.String()
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
