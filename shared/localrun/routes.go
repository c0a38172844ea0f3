package localrun

import (
	"net/http"

	"github.com/acme/twitter-cases/shared/httpapi"
)

// Routes mounts every function's handlers on one mux, exactly the handlers
// the Lambda functions serve. Each function's routes are added here.
func Routes(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", httpapi.ConsoleRoutes(d.Store))
	return mux
}
