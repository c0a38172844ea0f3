package bench

import (
	"slices"
	"strings"
	"testing"
)

func TestParseOnly(t *testing.T) {
	for _, tc := range []struct {
		in              string
		groups, funcs   []string
		wantErrContains string
	}{
		{in: ""},
		{in: "cold,zip,webhook", groups: []string{"cold", "zip", "webhook"}},
		{in: " calls , calls,", groups: []string{"calls"}},
		{in: "customers", groups: []string{"cold", "zip"}, funcs: []string{"customers"}},
		{in: "zip,console,reply", groups: []string{"zip"}, funcs: []string{"console", "reply"}},
		{in: "cold,nonesuch", wantErrContains: `"nonesuch" is neither`},
	} {
		got, err := ParseOnly(tc.in)
		if tc.wantErrContains != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrContains) {
				t.Errorf("ParseOnly(%q) error = %v, want one containing %q", tc.in, err, tc.wantErrContains)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseOnly(%q): %v", tc.in, err)
			continue
		}
		if !slices.Equal(got.Groups, tc.groups) || !slices.Equal(got.Functions, tc.funcs) {
			t.Errorf("ParseOnly(%q) = %+v, want groups %v functions %v", tc.in, got, tc.groups, tc.funcs)
		}
	}
}

// A run limited to some rows prints those rows and no other, and the
// anchors beside the functions it names.
func TestRowsOnlyWhatWasMeasured(t *testing.T) {
	only, err := ParseOnly("zip,webhook,reply")
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{Only: only, ZipBytes: map[string]int64{}, InitMS: map[string][]float64{}}
	for _, b := range Binaries() {
		r.ZipBytes[b.Name] = 3e6
	}
	var metrics []string
	for _, row := range r.Rows() {
		metrics = append(metrics, row.Metric)
	}
	var want []string
	for _, a := range Anchors {
		want = append(want, "zip -9 of arm64 bootstrap: "+a.Label+" (anchor)")
	}
	want = append(want, "zip -9 of arm64 bootstrap: reply", "webhook acknowledgement p50")
	if !slices.Equal(metrics, want) {
		t.Errorf("rows %q, want %q", metrics, want)
	}

	all := (&Report{ZipBytes: r.ZipBytes, InitMS: r.InitMS}).Rows()
	if len(all) <= len(want) || all[len(all)-1].Metric != "make test, warm" {
		t.Errorf("the whole table has %d rows ending %q", len(all), all[len(all)-1].Metric)
	}
}
