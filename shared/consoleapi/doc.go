// Package consoleapi is the console's HTTP API (shared/spec/API.md): a
// handler for each route (routes.go), and Function, which builds a console
// API function's http.Handler from its declaration in package functions
// (its routes and the dependencies its access calls for). Lambda serves it
// through aws-lambda-go-api-proxy; the local run mounts every declared route
// on one mux (Routes).
//
// Handlers are thin: they decode the request (httpapi.Decode), call the
// casework.Service, which holds every rule, and encode its answer as the
// API's JSON; every error goes out through httpapi.WriteError. Every route
// but GET /healthz needs an agent (httpapi.Authenticate); the routes that
// send something to X honour Idempotency-Key (httpapi.Idempotent); every
// answer carries CORS headers for the allowed console origins.
package consoleapi
