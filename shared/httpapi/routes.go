package httpapi

import "net/http"

// ConsoleRoutes returns the handler of the console function: the health
// check now, and the console's reads and small writes as they land.
func ConsoleRoutes(store Pinger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", Health(store))
	return mux
}
