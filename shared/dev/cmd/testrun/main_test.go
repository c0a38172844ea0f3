package main

import (
	"path"
	"reflect"
	"testing"
)

func paths(ps []*pkg) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ImportPath)
	}
	return out
}

func pkgs(ips ...string) []*pkg {
	var out []*pkg
	for _, ip := range ips {
		out = append(out, &pkg{ImportPath: ip})
	}
	return out
}

// go test -c -o DIR/ refuses two packages whose binaries share a name, so
// no group may hold two with the same last element.
func TestGroupsNeverShareABinaryName(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want [][]string
	}{
		{[]string{"m/a", "m/b"}, [][]string{{"m/a", "m/b"}}},
		{[]string{"m/functions/console", "m/web/console", "m/x"}, [][]string{{"m/functions/console", "m/x"}, {"m/web/console"}}},
		{[]string{"m/a/c", "m/b/c", "m/d/c", "m/e"}, [][]string{{"m/a/c", "m/e"}, {"m/b/c"}, {"m/d/c"}}},
	} {
		var got [][]string
		for _, g := range groups(pkgs(tc.in...)) {
			seen := map[string]bool{}
			for _, p := range g {
				if b := path.Base(p.ImportPath); seen[b] {
					t.Errorf("%v: a group holds two %q", tc.in, b)
				} else {
					seen[b] = true
				}
			}
			got = append(got, paths(g))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("groups(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// The slowest of the last run start first; a package with no time yet
// (new) before them, as it may be the slowest of all.
func TestOrderSlowestFirst(t *testing.T) {
	ps := pkgs("m/quick", "m/new", "m/slow", "m/mid", "m/other-new")
	order(ps, map[string]float64{"m/quick": 0.1, "m/slow": 30, "m/mid": 4})
	want := []string{"m/new", "m/other-new", "m/slow", "m/mid", "m/quick"}
	if got := paths(ps); !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}
