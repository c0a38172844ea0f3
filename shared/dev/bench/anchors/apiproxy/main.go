// Command apiproxy is the bench's second anchor: an HTTP handler served to
// API Gateway's HTTP API through aws-lambda-go-api-proxy, as the product's
// HTTP functions are, with no AWS SDK client.
package main

import (
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

func main() {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
