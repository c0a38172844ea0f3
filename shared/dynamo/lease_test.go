package dynamo_test

import (
	"testing"
	"time"
)

func TestLeases(t *testing.T) {
	f := newFixture(t)
	until := time.Now().Add(time.Minute)
	for _, step := range []struct {
		name, owner string
		until       time.Time
		release     bool
		want        bool
	}{
		{"first owner takes it", "a", until, false, true},
		{"another owner may not", "b", until, false, false},
		{"its owner extends it", "a", until.Add(time.Second), false, true},
		{"another owner's release leaves it", "b", time.Time{}, true, false},
		{"still held", "b", until, false, false},
		{"its owner releases it", "a", time.Time{}, true, false},
		{"then another takes it", "b", time.Now().Add(-time.Millisecond), false, true},
		{"an expired lease is taken over", "a", until, false, true},
	} {
		if step.release {
			must(t, f.store.ReleaseLease(f.ctx, "refresh/x", step.owner))
			continue
		}
		got, err := f.store.AcquireLease(f.ctx, "refresh/x", step.owner, step.until)
		must(t, err)
		if got != step.want {
			t.Fatalf("%s: acquired %v, want %v", step.name, got, step.want)
		}
	}
	if got, err := f.store.AcquireLease(f.ctx, "refresh/y", "b", until); err != nil || !got {
		t.Fatalf("a lease on another name: %v %v", got, err)
	}
}
