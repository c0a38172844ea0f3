package xchat

import (
	"errors"
	"strings"
)

// Kinds of engine errors, for errors.Is. The engine reports failures as
// JavaScript Errors with a message; an *Error carries that message and, where
// the message tells, one of these kinds.
var (
	// ErrNoConversationKey: the event is encrypted under a conversation key
	// version the call was not given (keep the event; decrypt it once its
	// key change arrives).
	ErrNoConversationKey = errors.New("xchat: no conversation key for the event")
	// ErrUnverified: a signature or a key binding did not verify, or no
	// signing key of the sender matched (refuse the event or the keys).
	ErrUnverified = errors.New("xchat: signature or key binding not verified")
	// ErrMalformed: the input is not what the engine reads (bad base64,
	// Thrift, key bytes, or a missing field).
	ErrMalformed = errors.New("xchat: malformed input")
	// ErrNoKeys: the Chat holds no private keys (ImportKeys or
	// GenerateKeypairs first).
	ErrNoKeys = errors.New("xchat: no keys loaded")
	// ErrBroken: the engine trapped or the host failed mid-call; the Chat
	// is unusable (Close it and make a new one).
	ErrBroken = errors.New("xchat: engine instance broken")
	// ErrClosed: the Chat was closed.
	ErrClosed = errors.New("xchat: chat closed")
)

// Error is a failure the engine reported, with its message as the engine
// wrote it. It never holds key material or message text.
type Error struct {
	// Op is the engine call, e.g. "chat_decryptEvent".
	Op string
	// Message is the engine's error message.
	Message string

	kind   error
	broken bool
	cause  error
}

func (e *Error) Error() string {
	s := "xchat: " + e.Op + ": " + e.Message
	if e.broken {
		s += " (engine instance broken)"
	}
	return s
}

// Is reports whether the error is of kind target (ErrNoConversationKey,
// ErrUnverified, ErrMalformed, ErrNoKeys, ErrBroken).
func (e *Error) Is(target error) bool {
	return (e.kind != nil && target == e.kind) || (e.broken && target == ErrBroken)
}

// Unwrap returns the host error under a broken instance, if any.
func (e *Error) Unwrap() error { return e.cause }

func newError(op, msg string) *Error {
	return &Error{Op: op, Message: msg, kind: classify(msg)}
}

// classify maps an engine message to a kind, from the messages chat-xdk
// 0.4.3 writes (crates/core/src/error.rs and the callers of its variants);
// the package's tests pin each one against the engine.
func classify(msg string) error {
	m := strings.ToLower(msg)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("no matching signing key", "signature verification failed", "key binding",
		"unverified", "invalid signature", "signature is invalid", "failed to verify"):
		return ErrUnverified
	case has("no matching key", "no conversation key", "conversation key not found", "missing conversation key"):
		return ErrNoConversationKey
	case has("not unlocked", "no identity key", "no signing key loaded", "keys not loaded"):
		return ErrNoKeys
	case has("parse error", "base64", "invalid format", "thrift", "invalid type", "missing field",
		"invalid input", "invalid key", "invalid length", "unknown variant", "serialization error",
		"key reconstruction failed", "decryption failed", "invalid signingkeys"):
		return ErrMalformed
	}
	return nil
}
