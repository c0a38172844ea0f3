package dynamo_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dynamo"
)

func TestComplianceIDsStreamEachStoredIDOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dynamo.SetScanLimit(f.store, 7) // many pages
	var want []string
	for i := range 30 {
		id := fmt.Sprint(1000 + i)
		want = append(want, id)
		f.putRaw(map[string]string{"PK": "XMSG#tweet#" + id, "SK": "XMSG", "case_id": "c", "message_id": "m" + id})
	}
	f.putRaw(map[string]string{"PK": "XMSG#dm#77", "SK": "XMSG"})
	f.putRaw(map[string]string{"PK": "XUSER#501", "SK": "CUST", "owner": "a"})
	f.putRaw(map[string]string{"PK": "XUSER#502", "SK": "BRAND", "owner": "b"}) // a brand handle: not a customer
	f.putRaw(map[string]string{"PK": "CXFORMER#501", "SK": "CUST#b"})           // former of one, current of another
	f.putRaw(map[string]string{"PK": "CXFORMER#503", "SK": "CUST#a"})
	f.putRaw(map[string]string{"PK": "CXFORMER#503", "SK": "CUST#c"}) // two customers had it

	collect := func(typ string) []string {
		var got []string
		if err := f.store.ComplianceIDs(f.ctx, typ, func(id string) error { got = append(got, id); return nil }); err != nil {
			t.Fatal(err)
		}
		sort.Strings(got)
		return got
	}
	if got := collect(casework.ComplianceTweets); !slices.Equal(got, want) {
		t.Errorf("tweets: %v", got)
	}
	if got := collect(casework.ComplianceUsers); !slices.Equal(got, []string{"501", "503"}) {
		t.Errorf("users: %v", got)
	}
}

func TestComplianceSweepState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.store.ComplianceSweep(f.ctx); casework.ErrorCode(err) != casework.ENotFound {
		t.Fatalf("no sweep yet: %v", err)
	}
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	sw := &casework.ComplianceSweep{StartedAt: at, Jobs: []casework.SweepJob{{Type: "tweets", Step: casework.SweepUploaded, JobID: "9", Uploaded: 12, MaxLag: time.Hour}}}
	must(t, f.store.PutComplianceSweep(f.ctx, sw))
	stale := *sw
	sw.Jobs[0].Applied = 5
	must(t, f.store.PutComplianceSweep(f.ctx, sw))
	stale.Version = 1
	if err := f.store.PutComplianceSweep(f.ctx, &stale); casework.ErrorCode(err) != casework.EConflict {
		t.Errorf("stale write: %v", err)
	}
	got, err := f.store.ComplianceSweep(f.ctx)
	must(t, err)
	if !got.StartedAt.Equal(at) || got.Version != 2 || len(got.Jobs) != 1 || got.Jobs[0].Applied != 5 || got.Jobs[0].MaxLag != time.Hour || !got.Active() {
		t.Errorf("read back: %+v", got)
	}
}
