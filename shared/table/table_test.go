package table

import (
	"slices"
	"testing"
)

func TestAttributeNamesOnceEach(t *testing.T) {
	s := Schema{
		Key:     Key{Partition: "PK", Sort: "SK"},
		Indexes: []Index{{Name: "ByX", Key: Key{Partition: "SK", Sort: "X"}}},
	}
	if got := s.AttributeNames(); !slices.Equal(got, []string{"PK", "SK", "X"}) {
		t.Errorf("AttributeNames = %q", got)
	}
	if got := len(Definition.AttributeNames()); got != 6 {
		t.Errorf("the product table has %d key attributes, want 6", got)
	}
}
