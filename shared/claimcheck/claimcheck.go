// Package claimcheck keeps a webhook delivery too large for a queue
// message out of the queue (the claim-check pattern): its body is kept in
// the table, compressed and split into parts that fit DynamoDB's 400 KB
// item limit, and the queue carries a small pointer message naming it. The
// inbound worker reads the pointer, fetches the body and applies it as any
// other delivery.
//
// The pointer is a JSON object whose one member is PointerMember, a name X
// never uses at the top level of a delivery, so the worker tells a pointer
// from X's own formats ({"data": ...}, {"for_user_id": ...}) at once. The
// body's id is the SHA-256 of its bytes: X delivering it again keeps it
// under the same id, and the worker checks what it reads against it. Kept
// bodies expire after Retention (TTL), after the inbound queue and its
// dead-letter queue have let go of every pointer to them; they are never
// deleted earlier, since SQS may deliver a pointer again after it was
// applied.
package claimcheck

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// PointerMember is the one member of a pointer message.
const PointerMember = "twitter_cases_claim_check"

// PartBytes is the most bytes of compressed body one part holds: one table
// item each, well under DynamoDB's 400 KB item limit with its keys.
const PartBytes = 350_000

// Retention is how long a kept body stays: longer than a pointer can be
// in the inbound queue and then its dead-letter queue (4 + 14 days).
const Retention = 19 * 24 * time.Hour

// Store keeps the parts of bodies under their id; the DynamoDB adapter
// (shared/dynamo) implements it on the product's table.
type Store interface {
	// PutDeliveryParts keeps the parts of the body id, replacing any kept
	// before, until expires.
	PutDeliveryParts(ctx context.Context, id string, parts [][]byte, expires time.Time) error
	// DeliveryParts returns the n parts of the body id, in order.
	DeliveryParts(ctx context.Context, id string, n int) ([][]byte, error)
}

// ErrMissing is the error of a pointer whose body is not (or no longer) kept.
var ErrMissing = errors.New("claimcheck: the delivery body is not kept")

// Pointer is what a pointer message says.
type Pointer struct {
	// ID is the SHA-256 of the body, in hex.
	ID string `json:"id"`
	// Bytes is the body's size, Parts how many parts keep it.
	Bytes int `json:"bytes"`
	Parts int `json:"parts"`
}

// Keep stores body (compressed, in parts) and returns the pointer message
// to queue instead of it.
func Keep(ctx context.Context, s Store, body []byte, now time.Time) ([]byte, error) {
	sum := sha256.Sum256(body)
	id := hex.EncodeToString(sum[:])
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(body); err != nil {
		return nil, fmt.Errorf("claimcheck: compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("claimcheck: compress: %w", err)
	}
	var parts [][]byte
	for b := z.Bytes(); len(b) > 0; {
		n := min(len(b), PartBytes)
		parts = append(parts, b[:n])
		b = b[n:]
	}
	if err := s.PutDeliveryParts(ctx, id, parts, now.Add(Retention)); err != nil {
		return nil, fmt.Errorf("claimcheck: keep %d bytes: %w", len(body), err)
	}
	msg, err := json.Marshal(map[string]Pointer{PointerMember: {ID: id, Bytes: len(body), Parts: len(parts)}})
	if err != nil {
		return nil, fmt.Errorf("claimcheck: %w", err)
	}
	return msg, nil
}

// pointerPrefix starts every pointer message (Keep writes them).
var pointerPrefix = []byte(`{"` + PointerMember + `":`)

// Read returns the pointer a message holds, and false for any other message.
func Read(msg []byte) (Pointer, bool) {
	if !bytes.HasPrefix(msg, pointerPrefix) {
		return Pointer{}, false
	}
	var m map[string]Pointer
	if err := json.Unmarshal(msg, &m); err != nil || len(m) != 1 {
		return Pointer{}, false
	}
	p, ok := m[PointerMember]
	return p, ok && p.ID != "" && p.Parts > 0
}

// Fetch returns the body a pointer names, checked against its id.
func Fetch(ctx context.Context, s Store, p Pointer) ([]byte, error) {
	parts, err := s.DeliveryParts(ctx, p.ID, p.Parts)
	if err != nil {
		return nil, fmt.Errorf("claimcheck: fetch %s: %w", p.ID, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(bytes.Join(parts, nil)))
	if err != nil {
		return nil, fmt.Errorf("claimcheck: fetch %s: %w", p.ID, err)
	}
	body, err := io.ReadAll(io.LimitReader(zr, int64(p.Bytes)+1))
	if err != nil {
		return nil, fmt.Errorf("claimcheck: fetch %s: %w", p.ID, err)
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != p.ID {
		return nil, fmt.Errorf("claimcheck: fetch %s: the kept body does not match its id", p.ID)
	}
	return body, nil
}
