// Package consoleapi is the console's HTTP API (shared/spec/API.md): the
// routes of the create-case, reply, retweet, follow and console functions,
// each group an ordinary http.Handler that Lambda serves through
// aws-lambda-go-api-proxy and the local run mounts on one mux (All).
//
// Handlers are thin: they decode the request (httpapi.Decode), call the
// support.Service, which holds every rule, and encode its answer as the
// API's JSON; every error goes out through httpapi.WriteError. Every route
// but GET /healthz needs an agent (httpapi.Authenticate); the routes that
// send something to X honour Idempotency-Key (httpapi.Idempotent); every
// answer carries CORS headers for the allowed console origins.
package consoleapi
