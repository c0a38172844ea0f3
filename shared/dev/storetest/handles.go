package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func newHandle(i int, screenName, xid string) *casework.BrandHandle {
	h := &casework.BrandHandle{
		ID: idAt(i), ScreenName: screenName, XUserID: xid,
		CredentialsSecret: "twitter/" + screenName, CreatedAt: base, UpdatedAt: base,
	}
	h.Normalize()
	return h
}

func testBrandHandles(t *testing.T, f *fixture) {
	s := f.store
	zeta, acme, beta := newHandle(1, "Zeta", "501"), newHandle(2, "@acme", "502"), newHandle(3, "Beta", "503")
	beta.Subscriptions = &casework.Subscriptions{Status: casework.SubsFailed, Detail: "no webhook",
		EventTypes: []string{"dm.received", "follow.follow"}, UpdatedAt: base}
	zeta.Subscriptions = &casework.Subscriptions{} // no status: no state
	beta.XChat = &casework.ChatIdentity{Status: casework.ChatKeysRevoked, KeyVersion: "1765000000000", Detail: "X refused the keys", UpdatedAt: base}
	acme.XChat = &casework.ChatIdentity{} // no status: no state
	for _, h := range []*casework.BrandHandle{zeta, acme, beta} {
		must(t, s.PutHandle(f.ctx, h))
	}
	// Brand handles and customers are separate: a customer may share an X user id with nobody but customers.
	must(t, s.PutCustomer(f.ctx, newCustomer(9, "Acme Fan", nil, nil, "acme", "502")))

	list, err := s.ListHandles(f.ctx)
	must(t, err)
	var names []string
	for _, h := range list {
		names = append(names, h.ScreenName)
		if h.ID == zeta.ID && h.Subscriptions != nil {
			t.Errorf("subscriptions without a status read as %+v, want none", h.Subscriptions)
		}
		if h.ID == acme.ID && h.XChat != nil {
			t.Errorf("an X Chat identity without a status read as %+v, want none", h.XChat)
		}
	}
	if !slices.Equal(names, []string{"acme", "Beta", "Zeta"}) {
		t.Fatalf("handles %v, want by screen name", names)
	}
	got, err := s.GetHandle(f.ctx, beta.ID)
	must(t, err)
	if !reflect.DeepEqual(got, beta) || got.Version != 1 {
		t.Fatalf("got %+v\nwant %+v", got, beta)
	}
	// The X Chat identity's state is recorded as the handle changes.
	got.XChat = &casework.ChatIdentity{Status: casework.ChatReady, KeyVersion: "1766000000000", UpdatedAt: base.Add(time.Minute)}
	must(t, s.PutHandle(f.ctx, got))
	again, err := s.GetHandle(f.ctx, beta.ID)
	must(t, err)
	if !reflect.DeepEqual(again.XChat, got.XChat) {
		t.Fatalf("X Chat identity %+v, want %+v", again.XChat, got.XChat)
	}
	got, err = s.HandleByXUserID(f.ctx, "502")
	must(t, err)
	if got.ID != acme.ID {
		t.Fatalf("X user id 502 finds %s", got.ID)
	}

	// An X user id belongs to one brand handle.
	dup := newHandle(4, "AcmeToo", "502")
	WantCode(t, s.PutHandle(f.ctx, dup), casework.EConflict)
	_, err = s.GetHandle(f.ctx, dup.ID)
	WantCode(t, err, casework.ENotFound)

	// Disconnected, and then given a new X user id.
	acme.Status = casework.HandleDisconnected
	acme.XUserID = "512"
	must(t, s.PutHandle(f.ctx, acme))
	_, err = s.HandleByXUserID(f.ctx, "502")
	WantCode(t, err, casework.ENotFound)
	got, err = s.HandleByXUserID(f.ctx, "512")
	must(t, err)
	if got.ID != acme.ID || got.Status != casework.HandleDisconnected || got.Version != 2 {
		t.Fatalf("after update %+v", got)
	}
	must(t, s.PutHandle(f.ctx, dup)) // 502 is free now

	stale := *zeta
	stale.Version = 0
	WantCode(t, s.PutHandle(f.ctx, &stale), casework.EConflict)
	zeta.ScreenName = "ZetaSupport"
	must(t, s.PutHandle(f.ctx, zeta))
	stale = *zeta
	stale.Version = 1
	stale.ScreenName = "Stale"
	WantCode(t, s.PutHandle(f.ctx, &stale), casework.EConflict)
	got, err = s.GetHandle(f.ctx, zeta.ID)
	must(t, err)
	if got.ScreenName != "ZetaSupport" {
		t.Fatalf("after a stale write: %s", got.ScreenName)
	}
	list, err = s.ListHandles(f.ctx)
	must(t, err)
	if len(list) != 4 {
		t.Fatalf("%d handles, want 4", len(list))
	}
}

// A deleted brand handle is gone, frees its X user id for another brand
// handle, and is deleted only at its version.
func testDeletedHandleFreesItsXUserID(t *testing.T, f *fixture) {
	s := f.store
	h := newHandle(1, "AcmeSupport", "601")
	must(t, s.PutHandle(f.ctx, h))
	WantCode(t, s.DeleteHandle(f.ctx, h.ID, h.Version+1), casework.EConflict)
	must(t, s.DeleteHandle(f.ctx, h.ID, h.Version))
	_, err := s.GetHandle(f.ctx, h.ID)
	WantCode(t, err, casework.ENotFound)
	_, err = s.HandleByXUserID(f.ctx, "601")
	WantCode(t, err, casework.ENotFound)
	WantCode(t, s.DeleteHandle(f.ctx, h.ID, h.Version), casework.EConflict) // gone
	again := newHandle(2, "AcmeSupport", "601")
	must(t, s.PutHandle(f.ctx, again))
	got, err := s.HandleByXUserID(f.ctx, "601")
	must(t, err)
	if got.ID != again.ID {
		t.Fatalf("X user id 601 finds %s, want %s", got.ID, again.ID)
	}
	if list, err := s.ListHandles(f.ctx); err != nil || len(list) != 1 {
		t.Fatalf("handles %+v (%v)", list, err)
	}
	WantCode(t, s.PutHandle(f.ctx, &casework.BrandHandle{}), casework.EValidation)
}
