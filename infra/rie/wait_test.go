package rie

import (
	"context"
	"testing"
	"time"
)

func TestWaitForLogsWaitsForOutputWrittenLater(t *testing.T) {
	e := &Emulator{Name: "fn", logs: &lockedBuffer{}, done: make(chan struct{})}
	written := make(chan struct{})
	go func() {
		defer close(written)
		e.logs.Write([]byte("START\n"))
		e.logs.Write([]byte("init failed: OUTBOUND_QUEUE_URL is not set\n"))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	logs, err := e.WaitForLogs(ctx, "OUTBOUND_QUEUE_URL is not set")
	if err != nil {
		t.Fatalf("WaitForLogs: %v (logs %q)", err, logs)
	}
	<-written
}

func TestWaitForLogsFailsWhenTheProcessExitsWithoutTheLine(t *testing.T) {
	e := &Emulator{Name: "fn", logs: &lockedBuffer{}, done: make(chan struct{})}
	e.logs.Write([]byte("START\n"))
	close(e.done)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.WaitForLogs(ctx, "never written"); err == nil || ctx.Err() != nil {
		t.Fatalf("WaitForLogs = %v, want an error naming the exit before the deadline", err)
	}
}
