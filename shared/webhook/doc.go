// Package webhook is X's Account Activity webhook: it answers X's
// challenge-response checks (CRC), verifies the signature of every delivery
// and queues the payload for the inbound worker. It never touches the store;
// the inbound worker turns payloads into cases.
//
// # Routes
//
//   - GET /webhooks/twitter?crc_token=T answers 200
//     {"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, T))},
//     and 400 without a token.
//   - POST /webhooks/twitter reads the raw body (at most 1 MiB, else 413),
//     checks x-twitter-webhooks-signature ("sha256=" + base64 of the
//     HMAC-SHA256 of the raw body with the consumer secret) in constant time
//     (missing, malformed or wrong: 401, nothing queued), refuses a signed
//     body that is not a JSON object (400 invalid_json), queues it and
//     answers 200 only once SQS has accepted every message. When queueing
//     fails the answer is 503, so X delivers the payload again.
//
// # The inbound message format
//
// Every message on the inbound queue is one Account Activity payload in X's
// own format (docs.x.com/x-api/account-activity/introduction, "Payload
// examples"): a JSON object with for_user_id and one or more event arrays
// (tweet_create_events, direct_message_events, follow_events, ...) or a
// user_event, and for Direct Messages the users and apps maps. There is no
// envelope: the time of receipt is the message's SentTimestamp attribute.
//
//   - A payload that fits in one SQS message (DefaultMaxMessageBytes) is
//     queued byte for byte as X sent it.
//   - A larger payload is split into one message per event (Split). Each
//     keeps the payload's other top-level members (for_user_id,
//     user_has_blocked, ...) and the users and apps entries its event refers
//     to (a Direct Message's sender, recipient and source app); each event's
//     JSON is copied byte for byte.
//   - The two characters SQS refuses that valid JSON may carry raw, U+FFFE
//     and U+FFFF, are written as \ufffe and \uffff escapes, which decode to
//     the same text.
//
// X retries deliveries and a retried payload may be queued again (in full,
// after a partial failure); the worker applies each event exactly once by
// its own id. On a FIFO queue the group id is for_user_id and the
// deduplication id the SHA-256 of the message body; the standard inbound
// queue ignores both.
//
// Logs carry sizes, event types and counts, never message text.
package webhook
