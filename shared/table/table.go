// Package table is the one definition of the product's DynamoDB table: its
// keys, its global secondary indexes and its TTL attribute.
//
// The store's test setup, the local run and the CDK stack all build the
// table from Definition, so they cannot drift apart. The package imports no
// AWS code; each user translates the definition into its own API.
package table

import "slices"

// Attribute names of the keys and of the TTL.
const (
	PK     = "PK"
	SK     = "SK"
	GSI1PK = "GSI1PK"
	GSI1SK = "GSI1SK"
	GSI2PK = "GSI2PK"
	GSI2SK = "GSI2SK"
	// TTL is the attribute holding an item's expiry, in Unix seconds.
	TTL = "expires_at"
)

// DeliveryPrefix starts the partition key of the items that keep a webhook
// delivery too large for a queue message (shared/claimcheck): the webhook
// may write only those (an IAM condition on dynamodb:LeadingKeys).
const DeliveryPrefix = "DELIVERY#"

// Index names.
const (
	GSI1 = "GSI1"
	GSI2 = "GSI2"
)

// Key is a partition key and a sort key, both strings.
type Key struct {
	Partition string
	Sort      string
}

// Index is a global secondary index projecting every attribute.
type Index struct {
	Name string
	Key  Key
}

// Schema describes a table: its primary key, its indexes and its TTL attribute.
type Schema struct {
	Key          Key
	Indexes      []Index
	TTLAttribute string
}

// Definition is the product's table. Every key attribute is a string and
// every index projects all attributes; billing is on demand.
var Definition = Schema{
	Key: Key{Partition: PK, Sort: SK},
	Indexes: []Index{
		{Name: GSI1, Key: Key{Partition: GSI1PK, Sort: GSI1SK}},
		{Name: GSI2, Key: Key{Partition: GSI2PK, Sort: GSI2SK}},
	},
	TTLAttribute: TTL,
}

// AttributeNames returns every key attribute of the table and its indexes, once each.
func (s Schema) AttributeNames() []string {
	var names []string
	add := func(n string) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	add(s.Key.Partition)
	add(s.Key.Sort)
	for _, ix := range s.Indexes {
		add(ix.Key.Partition)
		add(ix.Key.Sort)
	}
	return names
}
