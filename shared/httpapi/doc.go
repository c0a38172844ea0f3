// Package httpapi holds what every HTTP function shares: JSON decoding and
// encoding with the API's limits, RFC 9457 problem documents, the one
// mapping from application error codes to HTTP statuses, and the health
// check.
//
// Handlers built here are ordinary http.Handlers: Lambda serves them through
// aws-lambda-go-api-proxy and the local run mounts them on one ServeMux.
package httpapi
