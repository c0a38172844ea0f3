package casework

import (
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/oklog/ulid/v2"
)

// MaxIDLength bounds what can be an id of this product: the ids it gives
// out are ULIDs (26 characters); the bound leaves room for other opaque ids
// while keeping every key far below DynamoDB's key size limits.
const MaxIDLength = 64

// ValidID reports whether id could be one of this product's ids: 1 to
// MaxIDLength letters, digits, '-' or '_'. Anything else cannot exist, so
// it is not found without asking the store.
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// checkID answers ENotFound for an id that cannot exist (see ValidID),
// naming what it was meant to be ("case", "customer", ...) and not the id.
func checkID(what, id string) error {
	if ValidID(id) {
		return nil
	}
	return Errorf(ENotFound, "There is no %s with that id: ids are 1 to %d letters, digits, '-' or '_'.", what, MaxIDLength)
}

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
