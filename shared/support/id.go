package support

import (
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/oklog/ulid/v2"
)

// NewID returns a new unique id that sorts by creation time (a ULID).
func NewID(now time.Time) string {
	return ulid.MustNew(ulid.Timestamp(now), rand.Reader).String()
}

// DerivedID returns the id that a record created at t from the natural key
// seed always gets, so a retried write writes the same item (for example a
// message created from an X event, keyed by the event's X id).
func DerivedID(t time.Time, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	var entropy [10]byte
	copy(entropy[:], sum[:10])
	var id ulid.ULID
	_ = id.SetTime(ulid.Timestamp(t)) // only fails for times past year 10889
	_ = id.SetEntropy(entropy[:])
	return id.String()
}
