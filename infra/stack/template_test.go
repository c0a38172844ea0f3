package stack_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// cfnTemplate is a synthesised CloudFormation template, decoded, for the
// checks that walk it (the assertions package suits single patterns).
type cfnTemplate struct {
	stack      string
	Resources  map[string]cfnResource `json:"Resources"`
	Outputs    map[string]cfnOutput   `json:"Outputs"`
	Conditions map[string]any         `json:"Conditions"`
}

type cfnResource struct {
	Type                string         `json:"Type"`
	Properties          map[string]any `json:"Properties"`
	DeletionPolicy      string         `json:"DeletionPolicy"`
	UpdateReplacePolicy string         `json:"UpdateReplacePolicy"`
	Metadata            map[string]any `json:"Metadata"`
}

type cfnOutput struct {
	Description string `json:"Description"`
	Value       any    `json:"Value"`
}

// ofType returns the logical ids of the resources of a type, sorted.
func (c *cfnTemplate) ofType(typ string) []string {
	var ids []string
	for id, r := range c.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// at returns the logical id of the resource of a construct path below the
// stack ("Table" for "<stack>/Table/Resource").
func (c *cfnTemplate) at(t testing.TB, path string) string {
	t.Helper()
	want := c.stack + "/" + path
	for id, r := range c.Resources {
		if p, _ := r.Metadata["aws:cdk:path"].(string); p == want || p == want+"/Resource" {
			return id
		}
	}
	t.Fatalf("%s: no resource at %s", c.stack, want)
	return ""
}

// prop returns a property of a resource, following a dotted path.
func (c *cfnTemplate) prop(id, path string) any {
	var v any = c.Resources[id].Properties
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// statements returns every allow statement of the IAM policies attached to
// the role, each split into (action, resource) pairs rendered as strings.
func (c *cfnTemplate) grants(t testing.TB, roleID string) []string {
	t.Helper()
	var out []string
	for _, pid := range c.ofType("AWS::IAM::Policy") {
		if !slices.ContainsFunc(list(c.prop(pid, "Roles")), func(r any) bool { return same(r, ref(roleID)) }) {
			continue
		}
		for _, st := range list(c.prop(pid, "PolicyDocument.Statement")) {
			s := st.(map[string]any)
			for _, k := range []string{"NotAction", "NotResource", "Principal"} {
				if _, ok := s[k]; ok {
					t.Errorf("policy %s: statement with %s: %v", pid, k, s)
				}
			}
			if s["Effect"] != "Allow" {
				t.Errorf("policy %s: statement not Allow: %v", pid, s)
			}
			for _, a := range list(s["Action"]) {
				for _, r := range list(s["Resource"]) {
					g := grant(a.(string), r)
					if cond, ok := s["Condition"]; ok {
						g = grantIf(a.(string), r, cond)
					}
					out = append(out, g)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// grant renders one permission.
func grant(action string, resource any) string { return action + " on " + js(resource) }

// grantIf renders one permission under a condition.
func grantIf(action string, resource, cond any) string {
	return grant(action, resource) + " if " + js(cond)
}

// list turns a CloudFormation value that may be one item or a list into a list.
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// js renders a value as canonical JSON.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// same compares two template values.
func same(a, b any) bool { return js(a) == js(b) }

// join is a CloudFormation Fn::Join of parts.
func join(parts ...any) obj { return obj{"Fn::Join": arr("", parts)} }

func getAtt(id, attr string) obj { return obj{"Fn::GetAtt": arr(id, attr)} }

// pseudo refers to a pseudo parameter such as AWS::Region.
func pseudo(name string) obj { return ref("AWS::" + name) }

// diffStrings describes how got differs from want, both sorted.
func diffStrings(got, want []string) string {
	var b strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "\n  missing: %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "\n  extra:   %s", g)
		}
	}
	return b.String()
}
