// Package casework holds the domain of the Twitter channel of the support
// console: customers, brand handles, cases, messages and follow state, the
// rules that govern them, and the application errors they produce.
//
// It imports nothing from AWS or X. What it needs from the outside (a store,
// a queue, X itself) it names as small interfaces that adapters implement.
package casework
