package functions_test

import (
	"slices"
	"testing"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/consoleapi"
)

// Every console API route the code has a handler for is declared by exactly
// one console API function, and every route such a function declares has a
// handler: the declaration is the one list of who serves what.
func TestConsoleRoutesAreDeclaredOnce(t *testing.T) {
	declared := map[string]string{}
	for _, f := range functions.All {
		if !f.Access.ConsoleAPI {
			continue
		}
		for _, r := range f.Routes {
			if other, ok := declared[r]; ok {
				t.Errorf("%s is declared by %s and %s", r, other, f.Name)
			}
			declared[r] = f.Name
		}
	}
	handled := consoleapi.Patterns()
	if len(handled) == 0 {
		t.Fatal("consoleapi has no routes: the check reads nothing")
	}
	for _, r := range handled {
		if declared[r] == "" {
			t.Errorf("consoleapi handles %s, which no function declares", r)
		}
	}
	for r, f := range declared {
		if !slices.Contains(handled, r) {
			t.Errorf("%s declares %s, which consoleapi has no handler for", f, r)
		}
	}
}
