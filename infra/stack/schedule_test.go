package stack_test

import (
	"fmt"
	"testing"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/stack"
)

// A scheduled function has one EventBridge rule at its rate, enabled,
// targeting it without retries (the next run comes soon), and EventBridge
// may invoke it from that rule only; no other function has a rule.
func TestScheduledFunctions(t *testing.T) {
	c := tmpl(t)
	var scheduled int
	for _, f := range functions.All {
		if f.Schedule == 0 {
			continue
		}
		scheduled++
		t.Run(f.Name, func(t *testing.T) {
			fnID := idsOf(t, c, f).fn
			rule := c.at(t, stack.FunctionID(f.Name)+"Schedule")
			if got, want := c.prop(rule, "ScheduleExpression"), fmt.Sprintf("rate(%d minutes)", int(f.Schedule.Minutes())); got != want {
				t.Errorf("ScheduleExpression = %v, want %s", got, want)
			}
			if got := c.prop(rule, "State"); got != "ENABLED" {
				t.Errorf("State = %v", got)
			}
			targets := list(c.prop(rule, "Targets"))
			if len(targets) != 1 {
				t.Fatalf("targets = %s", js(targets))
			}
			target, _ := targets[0].(map[string]any)
			if !same(target["Arn"], getAtt(fnID, "Arn")) || !same(target["RetryPolicy"], obj{"MaximumRetryAttempts": float64(0)}) {
				t.Errorf("target = %s, want the function without retries", js(target))
			}
			var allowed int
			for _, id := range c.ofType("AWS::Lambda::Permission") {
				if same(c.prop(id, "FunctionName"), getAtt(fnID, "Arn")) {
					allowed++
					if c.prop(id, "Principal") != "events.amazonaws.com" || !same(c.prop(id, "SourceArn"), getAtt(rule, "Arn")) ||
						c.prop(id, "Action") != "lambda:InvokeFunction" {
						t.Errorf("permission %s = %s", id, js(c.Resources[id].Properties))
					}
				}
			}
			if allowed != 1 {
				t.Errorf("%d invoke permissions, want EventBridge's from the rule", allowed)
			}
			if f.Consumes != nil || len(f.Routes) > 0 {
				t.Errorf("a scheduled function with other triggers: %+v", f)
			}
		})
	}
	if n := len(c.ofType("AWS::Events::Rule")); n != scheduled || scheduled == 0 {
		t.Errorf("%d rules, %d scheduled functions", n, scheduled)
	}
}
