package openapitest

import (
	"encoding/json"
	"fmt"
)

// Strict returns doc (an OpenAPI 3.1 document, JSON) with every object
// schema closed: each schema that lists properties and says nothing of
// additional ones gets "unevaluatedProperties": false, so an answer member
// the document does not name fails validation (issue 14 item 8: the
// document lists everything the server sends). The published document stays
// open (clients ignore members they do not know); only tests are strict.
//
// A schema that is a member of allOf is left open: a closed branch would
// refuse its siblings' members. The document's allOf branches only narrow
// members of the schema they are combined with, which is closed where it is
// defined.
func Strict(doc []byte) ([]byte, error) {
	var root any
	if err := json.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("openapitest: strict: %w", err)
	}
	closeSchemas(root, false)
	out, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("openapitest: strict: %w", err)
	}
	return out, nil
}

// closeSchemas walks v and closes the object schemas in it; inAllOf says v
// is a member of an allOf.
func closeSchemas(v any, inAllOf bool) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			closeSchemas(e, inAllOf)
		}
	case map[string]any:
		for k, e := range x {
			if k == "allOf" {
				closeSchemas(e, true)
				continue
			}
			// "properties" maps names to schemas: none of them is an
			// allOf member, whatever x is.
			closeSchemas(e, false)
		}
		_, props := x["properties"].(map[string]any)
		_, add := x["additionalProperties"]
		_, uneval := x["unevaluatedProperties"]
		if props && !inAllOf && !add && !uneval {
			x["unevaluatedProperties"] = false
		}
	}
}
