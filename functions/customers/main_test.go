package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/lambdatest"
)

var local *lambdatest.Local

func TestMain(m *testing.M) { os.Exit(lambdatest.Run(m, &local)) }

// TestCreateCustomerThroughAPIGateway feeds the sample event through the
// function's wiring (the phone library in the deployment's default region):
// the customer is created with the phone as typed, and without JWT claims
// nothing happens.
func TestCreateCustomerThroughAPIGateway(t *testing.T) {
	local.Deploy(t)
	h := lambdatest.Build(t, handler)
	ev := lambdatest.Event(t, "customer-create.json")
	resp := lambdatest.Invoke(t, h, ev)
	lambdatest.WantStatus(t, resp, 201)
	var c struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		Phones []string `json:"phones"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &c); err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.Name != "Dana Dialler" || len(c.Phones) != 1 {
		t.Errorf("customer %s", resp.Body)
	}
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, lambdatest.WithoutAuthorizer(ev)), 401)
}
