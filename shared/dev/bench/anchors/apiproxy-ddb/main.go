// Command apiproxy-ddb is the bench's fourth anchor: the api-proxy handler
// of apiproxy plus the least a function needs to reach DynamoDB with the
// SDK's client, as the functions build it: the aws.Config from Lambda's
// environment (shared/awsenv, no LoadDefaultConfig) and a DynamoDB client,
// both made at init. Every function that keeps a DynamoDB table carries at
// least this; the gap between it and apiproxy is the SDK's DynamoDB client.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/awsenv"
)

func main() {
	cfg, err := awsenv.Config(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	client := dynamodb.NewFromConfig(cfg)
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if client == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
