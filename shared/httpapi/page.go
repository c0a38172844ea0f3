package httpapi

import (
	"net/http"
	"strconv"

	"github.com/acme/twitter-cases/shared/casework"
)

// PageFromQuery reads a list's ?limit= (default casework.DefaultPageLimit,
// 1 to casework.MaxPageLimit; anything else is a 400) and its opaque
// ?cursor= (checked by the store that made it).
func PageFromQuery(r *http.Request) (casework.PageRequest, error) {
	q := r.URL.Query()
	page := casework.PageRequest{Limit: casework.DefaultPageLimit, Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" || q.Has("limit") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > casework.MaxPageLimit {
			detail := "limit is a whole number from 1 to " + strconv.Itoa(casework.MaxPageLimit) + "."
			return page, &casework.Error{Code: casework.EValidation, Message: detail,
				Fields: []casework.FieldError{{Name: "limit", Code: "invalid", Detail: detail}}}
		}
		page.Limit = n
	}
	return page, nil
}

// List is the JSON of one page of a list: its items, and the cursor of the
// next page (absent on the last page).
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// ListOf turns a page of domain values into a List of their views.
func ListOf[T, V any](p casework.Page[T], view func(*T) V) List[V] {
	out := List[V]{Items: make([]V, 0, len(p.Items)), NextCursor: p.NextCursor}
	for i := range p.Items {
		out.Items = append(out.Items, view(&p.Items[i]))
	}
	return out
}
