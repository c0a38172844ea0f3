package xsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// snapshotVersion is the format of a saved state; a file of another
// version is refused rather than half read.
const snapshotVersion = 1

// snapshot is what Persist keeps of the simulated X: its users (with whom
// they follow), Tweets and Direct Messages, the app's webhooks and X
// Activity subscriptions (X keeps them whatever happens to the product),
// the X Chat conversations (ciphertext only) and the last id given out, so ids keep increasing across restarts.
// Recorded calls, faults, rate-limit windows and webhook deliveries are not
// kept. A file written before webhooks were kept has none: the app starts
// with none, as a new X app does.
type snapshot struct {
	Version       int              `json:"version"`
	LastID        uint64           `json:"last_id"`
	Users         []snapshotUser   `json:"users"`
	Tweets        []snapshotTweet  `json:"tweets"` // in creation order
	DMs           []*dm            `json:"dms"`
	Chats         []*chatConv      `json:"chats,omitempty"`
	Webhooks      []*webhookConfig `json:"webhooks,omitempty"`
	Subscriptions []*subscription  `json:"subscriptions,omitempty"`
	// OAuth2Grants are the users' OAuth 2.0 authorizations of the app, so
	// a handle connected in an earlier run still refreshes its tokens.
	OAuth2Grants []*grant `json:"oauth2_grants,omitempty"`
}

type snapshotUser struct {
	user
	Following []string `json:"following"`
}

type snapshotTweet struct {
	tweet
	DeliveredTo []string `json:"delivered_to"`
}

// Persist keeps the simulator's state in the file at path, so that a
// restarted local run finds the Tweets, DMs, users and follows its store
// refers to: it loads the file now if there is one (an unreadable file is
// an error, not an empty X), and saves after every request that may change
// the state (any method but GET and HEAD). Call it before serving.
func (s *Sim) Persist(path string) error {
	if err := s.load(path); err != nil {
		return err
	}
	s.saveMu.Lock()
	s.statePath = path
	s.saveMu.Unlock()
	return s.save()
}

// load replaces the state with the file's; a missing file changes nothing.
func (s *Sim) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("xsim: read state: %w", err)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("xsim: state %s: %w", path, err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("xsim: state %s is version %d, not %d", path, snap.Version, snapshotVersion)
	}
	st := &state{users: map[string]*user{}, byName: map[string]*user{}, byToken: map[string]*user{}, tweets: map[string]*tweet{}}
	st.init()
	for _, su := range snap.Users {
		u := &su.user
		u.following = map[string]bool{}
		for _, id := range su.Following {
			u.following[id] = true
		}
		st.add(u)
	}
	for _, stw := range snap.Tweets {
		t := &stw.tweet
		t.deliveredTo = stw.DeliveredTo
		st.tweets[t.ID] = t
		st.order = append(st.order, t)
	}
	st.dms = snap.DMs
	for _, g := range snap.OAuth2Grants {
		st.oauth2.add(g)
	}
	for _, conv := range snap.Chats {
		st.chats[conv.ID] = conv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	if snap.Webhooks != nil || snap.Subscriptions != nil {
		s.app.webhooks, s.app.subs = snap.Webhooks, snap.Subscriptions
	}
	if snap.LastID > s.ids.last {
		s.ids.last = snap.LastID
	}
	// The simulated users' phones: their X Chat clients come back with
	// their keys; one whose keys were lost gets a new client (a new
	// device, a new key version).
	s.clients, s.devices = map[string]ChatClient{}, map[string]device{}
	devices := map[string]device{}
	if b, err := os.ReadFile(devicesPath(path)); err == nil {
		if err := json.Unmarshal(b, &devices); err != nil {
			return fmt.Errorf("xsim: %s: %w", devicesPath(path), err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("xsim: read devices: %w", err)
	}
	s.restoreClients(context.Background(), devices)
	s.provisionChatClientsLocked()
	return nil
}

// devicesPath is the file beside the state where Persist keeps the
// simulated users' X Chat clients (their private keys: never part of what
// X holds).
func devicesPath(statePath string) string {
	return strings.TrimSuffix(statePath, filepath.Ext(statePath)) + "-devices.json"
}

// save writes the state to the persisted file, if any, replacing it
// atomically. Saves are serialised, each with the state as it is when its
// turn comes, so the file never goes back to an older state.
func (s *Sim) save() error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.statePath == "" {
		return nil
	}
	s.mu.Lock()
	snap := snapshot{Version: snapshotVersion, LastID: s.ids.last}
	for _, u := range s.st.users {
		following := make([]string, 0, len(u.following))
		for id, ok := range u.following {
			if ok {
				following = append(following, id)
			}
		}
		slices.Sort(following)
		snap.Users = append(snap.Users, snapshotUser{user: *u, Following: following})
	}
	for _, t := range s.st.order {
		snap.Tweets = append(snap.Tweets, snapshotTweet{tweet: *t, DeliveredTo: t.deliveredTo})
	}
	snap.DMs = s.st.dms
	for _, conv := range s.st.chats {
		snap.Chats = append(snap.Chats, conv)
	}
	slices.SortFunc(snap.Chats, func(a, b *chatConv) int { return strings.Compare(a.ID, b.ID) })
	snap.Webhooks, snap.Subscriptions = s.app.webhooks, s.app.subs
	snap.OAuth2Grants = s.st.oauth2.grants
	b, err := json.Marshal(snap)
	var devices []byte
	if err == nil && len(s.devices) > 0 {
		devices, err = json.Marshal(s.devices)
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("xsim: save state: %w", err)
	}
	if devices != nil {
		if err := writeAtomic(devicesPath(s.statePath), devices, 0o600); err != nil {
			return fmt.Errorf("xsim: save devices: %w", err)
		}
	}
	if err := writeAtomic(s.statePath, b, 0o644); err != nil {
		return fmt.Errorf("xsim: save state: %w", err)
	}
	return nil
}

// writeAtomic replaces the file at path with b.
func writeAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".xsim-state-*")
	if err != nil {
		return err
	}
	werr := tmp.Chmod(mode)
	_, err = tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, err, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// persisting saves the state after every request that may have changed it.
func (s *Sim) persisting(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return
		}
		if err := s.save(); err != nil {
			s.log.Error("xsim: the state was not saved", "err", err)
		}
	})
}
