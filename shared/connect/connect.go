// Package connect is "Connect with X": an admin connects (or reconnects) a
// brand handle with X's OAuth 2.0 authorization code flow with PKCE.
//
//   - POST /v1/handles/connect {handle_id?} starts it: a random state bound
//     to the admin (kept in the table for ten minutes, used once) and a PKCE
//     verifier; the answer is X's authorize URL for the product's scopes
//     (xauth.Scopes), which the console opens.
//   - X sends the browser back to the console (the redirect URI) with code
//     and state; the console, still signed in as the same admin, posts them
//     to POST /v1/handles/connect/callback {state, code} at once (X's code
//     is good for 30 seconds). The callback exchanges the code, reads who
//     the tokens act for (GET /2/users/me), stores the tokens in the secret
//     <prefix><x user id>, and registers the handle, or reconnects the one
//     with that X id (its subscriptions are queued either way).
//
// The state is checked against the admin who started the flow, so a code
// obtained in another session cannot be planted on this one (CSRF). Only
// admins may call either route (httpapi.RequireAdmin).
package connect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/httpapi"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xauth"
)

// StateLifetime is how long a started connect may be finished.
const StateLifetime = 10 * time.Minute

// States keeps connect states (shared/dynamo's Store).
type States interface {
	PutConnectState(ctx context.Context, st dynamo.ConnectState) error
	TakeConnectState(ctx context.Context, state string) (dynamo.ConnectState, error)
}

// Handles registers and reconnects brand handles (casework.Service).
type Handles interface {
	RegisterHandle(ctx context.Context, in casework.NewHandle) (*casework.BrandHandle, error)
	UpdateHandle(ctx context.Context, id string, p casework.HandlePatch) (*casework.BrandHandle, error)
}

// Connector runs the flow.
type Connector struct {
	// Client reads the app's OAuth 2.0 client (xauth.AppClient).
	Client func(ctx context.Context) (xauth.Client, error)
	// AuthorizeURL is X's consent page ("" for X's); APIBaseURL is where
	// GET /2/users/me is asked ("" for https://api.x.com).
	AuthorizeURL string
	APIBaseURL   string
	// RedirectURI is the callback URL registered with the X app (the
	// console's address).
	RedirectURI string
	// SecretPrefix names the token secrets: SecretPrefix + X user id.
	SecretPrefix string
	Writer       secrets.Writer
	// Invalidate forgets a secret this process cached (the tokens it
	// replaces); may be nil.
	Invalidate func(name string)
	States     States
	Handles    Handles
	// Store finds a handle by X id (casework.HandleStore).
	Store casework.HandleStore
	HTTP  *http.Client
}

// Start begins a connect for the agent (handleID: the handle to reconnect,
// or ""); it returns X's authorize URL.
func (c *Connector) Start(ctx context.Context, agent casework.Agent, handleID string) (string, time.Time, error) {
	if handleID != "" {
		if _, err := c.Store.GetHandle(ctx, handleID); err != nil {
			return "", time.Time{}, err
		}
	}
	oc, err := c.Client(ctx)
	if err != nil {
		return "", time.Time{}, casework.Errorf(casework.EUnavailable, "Connect with X is not set up: %s.", err)
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	st := dynamo.ConnectState{State: base64.RawURLEncoding.EncodeToString(b), AgentID: agent.ID, Verifier: xauth.NewVerifier(),
		HandleID: handleID, ExpiresAt: time.Now().Add(StateLifetime)}
	if err := c.States.PutConnectState(ctx, st); err != nil {
		return "", time.Time{}, err
	}
	return oc.AuthorizeURL(c.AuthorizeURL, c.RedirectURI, st.State, st.Verifier, xauth.Scopes), st.ExpiresAt, nil
}

// Finish completes a connect with X's code: it returns the handle,
// registered or reconnected.
func (c *Connector) Finish(ctx context.Context, agent casework.Agent, state, code string) (*casework.BrandHandle, error) {
	st, err := c.States.TakeConnectState(ctx, state)
	if err != nil {
		return nil, err
	}
	if st.AgentID != agent.ID || time.Now().After(st.ExpiresAt) {
		return nil, casework.Errorf(casework.ENotFound, "This Connect with X was started by someone else or has expired; start again.")
	}
	oc, err := c.Client(ctx)
	if err != nil {
		return nil, casework.Errorf(casework.EUnavailable, "Connect with X is not set up: %s.", err)
	}
	issued := time.Now()
	tr, err := oc.Exchange(ctx, code, c.RedirectURI, st.Verifier)
	if errors.Is(err, xauth.ErrRefused) {
		return nil, casework.Errorf(casework.ECredentialsUnusable, "X refused the authorization (%s); connect again.", strings.TrimPrefix(err.Error(), "xauth: "))
	}
	if err != nil {
		return nil, casework.Errorf(casework.EUnavailable, "X could not be asked for the tokens: %s.", err)
	}
	id, username, err := c.me(ctx, tr.AccessToken)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(tr.Tokens(issued))
	if err != nil {
		return nil, fmt.Errorf("connect: encode tokens: %w", err)
	}
	name := c.SecretPrefix + id
	if err := c.Writer.PutSecret(ctx, name, raw); err != nil {
		return nil, fmt.Errorf("connect: store the tokens: %w", err)
	}
	if c.Invalidate != nil {
		c.Invalidate(name)
	}
	existing, err := c.Store.HandleByXUserID(ctx, id)
	if casework.ErrorCode(err) == casework.ENotFound {
		if st.HandleID != "" {
			return nil, casework.Errorf(casework.EConflict, "X signed in @%s, not the handle being reconnected; sign in to X as that account.", username)
		}
		return c.Handles.RegisterHandle(ctx, casework.NewHandle{ScreenName: username, XUserID: id, CredentialsSecret: name})
	}
	if err != nil {
		return nil, err
	}
	if st.HandleID != "" && st.HandleID != existing.ID {
		return nil, casework.Errorf(casework.EConflict, "X signed in @%s, which is another brand handle; sign in to X as the account being reconnected.", username)
	}
	connected := casework.HandleConnected
	return c.Handles.UpdateHandle(ctx, existing.ID, casework.HandlePatch{CredentialsSecret: &name, Status: &connected})
}

// me asks X who the access token acts for.
func (c *Connector) me(ctx context.Context, access string) (id, username string, err error) {
	base := strings.TrimSuffix(c.APIBaseURL, "/")
	if base == "" {
		base = "https://api.x.com"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/2/users/me", nil)
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", "", casework.Errorf(casework.EUnavailable, "X could not be asked who signed in: %s.", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var out struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.Data.ID == "" {
		return "", "", casework.Errorf(casework.EUnavailable, "X did not say who signed in (GET /2/users/me answered %d).", resp.StatusCode)
	}
	return out.Data.ID, out.Data.Username, nil
}

// Routes serves the two routes on mux, for admins only (group: the
// admins' group, httpapi.IsAdmin); wrap mux in httpapi.Authenticate.
func (c *Connector) Routes(mux *http.ServeMux, group string) {
	admin := httpapi.RequireAdmin(group)
	mux.Handle("POST /v1/handles/connect", admin(http.HandlerFunc(c.startHandler)))
	mux.Handle("POST /v1/handles/connect/callback", admin(http.HandlerFunc(c.callbackHandler)))
}

func (c *Connector) startHandler(w http.ResponseWriter, r *http.Request) {
	var in struct {
		HandleID string `json:"handle_id"`
	}
	if r.ContentLength != 0 {
		if err := httpapi.Decode(w, r, &in); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
	}
	agent, _ := httpapi.AgentFrom(r.Context())
	u, until, err := c.Start(r.Context(), agent, in.HandleID)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"authorize_url": u, "expires_at": until.UTC().Format(time.RFC3339)})
}

func (c *Connector) callbackHandler(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State string `json:"state"`
		Code  string `json:"code"`
	}
	if err := httpapi.Decode(w, r, &in); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var fields []casework.FieldError
	for name, v := range map[string]string{"state": in.State, "code": in.Code} {
		if v == "" {
			fields = append(fields, casework.FieldError{Name: name, Code: "required", Detail: "X's redirect carries it."})
		}
	}
	if len(fields) > 0 {
		httpapi.WriteError(w, r, &casework.Error{Code: casework.EValidation, Message: "Post X's state and code.", Fields: fields})
		return
	}
	agent, _ := httpapi.AgentFrom(r.Context())
	h, err := c.Finish(r.Context(), agent, in.State, in.Code)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": h.ID, "screen_name": h.ScreenName, "x_user_id": h.XUserID, "status": h.Status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
