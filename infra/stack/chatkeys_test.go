package stack_test

import (
	"slices"
	"testing"

	"github.com/acme/twitter-cases/infra/stack"
)

// Only the provisioner policy may write X Chat key secrets: it grants
// exactly creating, writing, reading and describing secrets under the
// stage's prefix, and is attached to no role, user or group of the stack
// (the operators attach it to theirs); no other policy of the stack names
// a write to Secrets Manager.
func TestOnlyTheProvisionerWritesXChatKeys(t *testing.T) {
	c := tmpl(t)
	id := c.at(t, stack.XChatKeyProvisionerID)
	if c.Resources[id].Type != "AWS::IAM::ManagedPolicy" {
		t.Fatalf("%s is a %s", id, c.Resources[id].Type)
	}
	for _, k := range []string{"Roles", "Users", "Groups"} {
		if v := c.prop(id, k); v != nil {
			t.Errorf("the provisioner policy is attached: %s %v", k, v)
		}
	}
	keys := join("arn:", pseudo("Partition"), ":secretsmanager:", pseudo("Region"), ":", pseudo("AccountId"),
		":secret:"+stack.XChatKeySecretPrefix("dev")+"*")
	var got []string
	for _, st := range list(c.prop(id, "PolicyDocument.Statement")) {
		s := st.(map[string]any)
		if s["Effect"] != "Allow" {
			t.Errorf("statement %v", s)
		}
		for _, a := range list(s["Action"]) {
			for _, r := range list(s["Resource"]) {
				got = append(got, grant(a.(string), r))
			}
		}
	}
	var want []string
	for _, a := range []string{"secretsmanager:CreateSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"} {
		want = append(want, grant(a, keys))
	}
	slices.Sort(got)
	if d := diffStrings(got, want); d != "" {
		t.Errorf("provisioner grants:%s", d)
	}
	// No function writes a secret but a brand handle's OAuth 2.0 tokens
	// (a refresh, issue 24): X Chat keys are the provisioner's alone.
	tokens := js(join("arn:", pseudo("Partition"), ":secretsmanager:", pseudo("Region"), ":", pseudo("AccountId"),
		":secret:"+stack.OAuth2TokenSecretPrefix("dev")+"*"))
	writes := []string{"secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:*"}
	for _, pid := range c.ofType("AWS::IAM::Policy") {
		for _, st := range list(c.prop(pid, "PolicyDocument.Statement")) {
			for _, a := range list(st.(map[string]any)["Action"]) {
				if !slices.Contains(writes, a.(string)) {
					continue
				}
				for _, r := range list(st.(map[string]any)["Resource"]) {
					if a != "secretsmanager:PutSecretValue" || js(r) != tokens {
						t.Errorf("policy %s grants %s on %s", pid, a, js(r))
					}
				}
			}
		}
	}
}
