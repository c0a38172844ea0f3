// Command hello is the bench's first anchor: the smallest Lambda function
// aws-lambda-go makes, answering every event with a constant. Its cold
// init and zip size are what every function of the product is compared
// with (issue 13).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "hello", nil })
}
