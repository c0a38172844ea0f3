package localrun

import (
	"net/http"

	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/support"
)

// Routes mounts every function's handlers on one mux, exactly the handlers
// the Lambda functions serve: the console API (every group, with the
// development token and the configured CORS origins) and, as they land,
// the webhook's.
func Routes(d Deps) http.Handler {
	outbox := sqsqueue.New(d.SQS, d.Config.OutboundQueueURL)
	svc := support.NewService(support.Deps{
		Store: d.Store, Outbox: outbox, XUsers: d.XUsers, TweetMaxLength: d.Config.TweetMaxLength,
	})
	mux := http.NewServeMux()
	mux.Handle("/", consoleapi.All(svc, d.Store, consoleapi.OptionsFrom(d.Config)))
	return mux
}
