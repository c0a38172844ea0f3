package queues

import "testing"

// Every queue hides a received message for at least six times its
// consumer's timeout (AWS's advice for queues that invoke Lambda), and
// keeps messages longer than that.
func TestVisibilityCoversTheConsumer(t *testing.T) {
	for _, q := range Definitions {
		if q.ConsumerTimeout <= 0 {
			t.Errorf("%s: no consumer timeout", q.Name)
		}
		if q.VisibilityTimeout < VisibilityFactor*q.ConsumerTimeout {
			t.Errorf("%s: visibility %v < %d × consumer timeout %v", q.Name, q.VisibilityTimeout, VisibilityFactor, q.ConsumerTimeout)
		}
		if q.Retention <= q.VisibilityTimeout {
			t.Errorf("%s: retention %v does not exceed visibility %v", q.Name, q.Retention, q.VisibilityTimeout)
		}
	}
}

func TestDLQName(t *testing.T) {
	if got := Outbound.DLQName(); got != "outbound-dlq.fifo" {
		t.Errorf("outbound DLQ = %q", got)
	}
	if got := Inbound.DLQName(); got != "inbound-dlq" {
		t.Errorf("inbound DLQ = %q", got)
	}
}
