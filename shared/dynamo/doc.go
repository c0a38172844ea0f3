// Package dynamo implements casework.Store on the product's one DynamoDB
// table (see package table): generic keys PK/SK, two GSIs and the TTL
// attribute expires_at.
//
// Every request is a GetItem, a Query, a PutItem, UpdateItem or DeleteItem
// (conditional where it matters), a BatchGetItem, or a BatchWriteItem of
// a record's look-up items (plain puts, written before the record): no
// table scans, and no transactions (dynalite has none, and they cost
// double). A record that
// needs several items is written in an order that keeps it correct when a
// write stops half-way: unique values are claimed before the record is
// written, lookup items are written before the record and removed after it,
// and every reader checks a lookup or claim against the record it names.
// Items are explicit structs with snake_case attributes, separate from the
// domain types; times are RFC 3339 strings, and fixed-width sortable strings
// (2006-01-02T15:04:05.000000000Z) inside sort keys.
//
// Keys (ids are ULIDs; <t> is the last activity time in the fixed-width
// layout, read in descending order so the newest activity comes first):
//
//	item                   PK                            SK                  other keys / attributes
//	---------------------  ----------------------------  ------------------  ------------------------------------------
//	customer               CUST#<id>                     CUST                version
//	 e-mail lookup         CEMAIL#<lower e-mail>         CUST#<id>           customer_id, version
//	 phone lookup          CPHONE#<phone search key>     CUST#<id>           customer_id, version
//	 name word lookup      CNAME#<first rune of word>    <word>#<id>         customer_id, version
//	 former X account      CXFORMER#<x user id>          CUST#<id>           customer_id, version
//	 X user id claim       XUSER#<x user id>             CUST                customer_id, token, claimed_at, version
//	 former X account mark XUSER#<x user id>             FORMER              (some customer lists it as former; never removed)
//	 handle claim          CHANDLE#<lower handle>        CUST                customer_id, token, claimed_at, version
//	follow state           CUST#<customer id>            FOLLOW#<handle id>  customer_follows(_at), brand_follows(_at), pending;
//	                                                                         work (map), GSI1PK WORK, GSI1SK <due> while a follow is unresolved
//	brand handle           BRANDS                        BRAND#<id>          version
//	 X user id claim       XUSER#<x user id>             BRAND               handle_id, token, claimed_at, version
//	case                   CASE#<id>                     CASE                version; GSI1PK CUST#<customer id>, GSI1SK <t>#<id>;
//	                                                                         GSI2PK CASES#<status>, GSI2SK <t>#<id>
//	DM case pointer        DMCASE#<customer>#<handle>    DMCASE              case_id
//	message                CASE#<case id>                MSG#<id>            version; retweeted_by, favorited_by (string sets); urls, media (lists of maps);
//	                                                                         work (map), GSI1PK WORK, GSI1SK <due> while its sending or a Retweet is unresolved
//	                                                                         chat (map): an X Chat DM's payload (ciphertext, its signed message_id)
//	 X id claim            XMSG#<kind>#<x id>            XMSG                case_id, message_id, token, claimed_at, version
//	                                                                         (an X Chat DM's x id is its signed message_id)
//	conversation key       CHATKEY#<brand x user id>#    V#<key version,     key_change_event (X's, base64) and/or the brand's
//	                         <conversation id>           20 digits>          prepared change (participant_keys wrapped to each
//	                                                                         identity key, action_signatures), sequence_id, version;
//	                                                                         never a raw conversation key
//	idempotency record     IDEM#<key>                    IDEM                expires_at (TTL, unix seconds), body (binary)
//	event record           EVENT#<id>                    EVENT               processed, deleted (a Tweet's tombstone),
//	                                                                         expires_at (TTL, unix seconds)
//	unresolved work        WORK                          <work key>          command (JSON), command_id, due_at, faults,
//	                                                                         rate_limited_since, requeues (work with no home item, see queue.go)
//
// Access patterns: a customer's cases newest first (Query GSI1, status as a
// filter), cases by status newest first (Query GSI2), a case's
// messages oldest first (Query begins_with MSG#), customers by e-mail or
// phone (Query one lookup partition, BatchGetItem the customers), by name
// word prefix (Query begins_with on CNAME#<first rune>, BatchGetItem), by
// X user id or handle (GetItem the claim, GetItem the customer), brand
// handles (Query BRANDS), follow states (Query begins_with FOLLOW#), the
// outgoing work not yet resolved (Query GSI1 WORK by due time: only items
// with work in flight are in that sparse partition; and Query WORK,
// filtered on due_at, for the work items).
//
// Readers treat an item whose expires_at has passed as missing, since TTL
// deletes only eventually (and dynalite never). Each method's comment says
// how many DynamoDB calls it makes; a BatchGetItem or BatchWriteItem may be
// shared with other goroutines' made at the same moment (coalesce.go: the
// inbound worker's concurrent events share their recalls and look-up
// writes), so a method counts it once though it may ride on another's.
package dynamo
