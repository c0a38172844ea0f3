// Package webhook is X's webhook, for both of its formats on one route:
// Account Activity (AAA) payloads, until X ends that API on 1 January 2027,
// and X Activity (XAA) deliveries. It answers X's challenge-response checks
// (CRC), verifies the signature of every delivery and queues the payload
// for the inbound worker. It touches the store only to keep a delivery too
// large for a queue message (below); the inbound worker turns payloads into
// cases.
//
// # Routes
//
//   - GET /webhooks/twitter?crc_token=T answers 200
//     {"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, T))}
//     for a token shaped as X sends them (ValidCRCToken: 1 to 256 ASCII
//     letters, digits, "-", "_", ".", "=", "+", "/"), and 400
//     invalid_crc_token for anything else: a JSON event body needs '{',
//     '"' and ':', so no answer can sign one.
//   - POST /webhooks/twitter reads the raw body (at most 5 MiB, else 413),
//     checks x-twitter-webhooks-signature ("sha256=" + base64 of the
//     HMAC-SHA256 of the raw body with the consumer secret) in constant time
//     (missing, malformed or wrong: 401, nothing queued), refuses a signed
//     body that is not a JSON object, or a data member that is not an XAA
//     envelope (400 invalid_json), acknowledges an XAA event type the
//     product does not use (200, counted in the log, nothing queued),
//     queues the rest and
//     answers 200 only once SQS has accepted every message. When queueing
//     fails the answer is 503, so X delivers the payload again.
//
// # The inbound message format
//
// Every message on the inbound queue is one event in X's own format, with
// no envelope of ours: the time of receipt is the message's SentTimestamp
// attribute.
//
//   - An X Activity delivery ({"data": {"event_uuid", "filter",
//     "event_type", "tag", "payload", "includes"}}, one event each) is
//     queued byte for byte; one larger than a queue message is kept
//     (below).
//   - An Account Activity payload (docs.x.com/x-api/account-activity,
//     "Payload examples": a JSON object with for_user_id and event arrays
//     such as tweet_create_events, or a user_event, and for Direct Messages
//     the users and apps maps) of one event that fits in one SQS message
//     (DefaultMaxMessageBytes) is queued byte for byte as X sent it.
//   - A payload of several events, or a larger one, is split into one
//     message per event (Split), so that a malformed event fails alone. Each
//     keeps the payload's other top-level members (for_user_id,
//     user_has_blocked, ...) and the users and apps entries its event refers
//     to (a Direct Message's sender, recipient and source app); each event's
//     JSON is copied byte for byte.
//   - The two characters SQS refuses that valid JSON may carry raw, U+FFFE
//     and U+FFFF, are written as \ufffe and \uffff escapes, which decode to
//     the same text.
//
// An event larger than a queue message even alone (a long post with its
// includes can be hundreds of kB) is kept in the table, compressed and in
// parts under DynamoDB's item limit, and a small pointer message naming it
// is queued instead (shared/claimcheck); the inbound worker reads it back
// and applies it as any other. Only those deliveries touch the table, with
// PutItem under table.DeliveryPrefix alone.
//
// X retries deliveries and a retried payload may be queued again (in full,
// after a partial failure); the worker applies each event exactly once by
// its own id. On a FIFO queue the group id is for_user_id (XAA:
// filter.user_id) and the
// deduplication id the SHA-256 of the message body; the standard inbound
// queue ignores both, so the handler hashes nothing for it (Deduplicator).
//
// Logs carry sizes, event types and counts, never message text.
package webhook
