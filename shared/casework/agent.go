package casework

import (
	"context"
	"time"
)

// Agent is the console user who asked for something: the sign-in token's
// subject (sub) and e-mail. The zero Agent is nobody (X, or the system).
type Agent struct {
	ID    string
	Email string
}

// IsZero reports whether a is nobody.
func (a Agent) IsZero() bool { return a.ID == "" && a.Email == "" }

type agentKey struct{}

// WithAgent returns ctx carrying the agent a request is made by; the
// service records it on what the request changes (who did what).
func WithAgent(ctx context.Context, a Agent) context.Context {
	return context.WithValue(ctx, agentKey{}, a)
}

// AgentFrom returns the agent WithAgent put in ctx, and whether there is one.
func AgentFrom(ctx context.Context) (Agent, bool) {
	a, ok := ctx.Value(agentKey{}).(Agent)
	return a, ok
}

// agentOf is the agent of ctx, or the zero Agent.
func agentOf(ctx context.Context) Agent {
	a, _ := AgentFrom(ctx)
	return a
}

// RetweetRefusal is X's refusal of a brand handle's Retweet of a message:
// the Retweet was taken back, and this says why.
type RetweetRefusal struct {
	HandleID string
	Error    MessageError
	At       time.Time
}

// Retweet records that a brand handle Retweeted a message, at whose request
// (the zero Agent when it was not asked from the console) and when.
type Retweet struct {
	HandleID string
	By       Agent
	At       time.Time
}
