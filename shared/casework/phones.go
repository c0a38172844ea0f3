package casework

import (
	"slices"
	"strings"
)

// IndexPhones sets the customer's phone search keys from its phones: for
// each, the keys p reads it as (Phones.Keys), or, when p is nil or the
// number is not one it can read, the key of its digits as typed (see
// PhoneSearchKeys). Every write of a customer's phones calls it, so a
// search needs no phone metadata: it looks keys up exactly.
func IndexPhones(c *Customer, p Phones) {
	var keys []string
	for _, phone := range c.Phones {
		if p != nil {
			if k, ok := p.Keys(phone); ok {
				keys = append(keys, k...)
				continue
			}
		}
		if k := PhoneSearchKeys(phone); len(k) > 0 {
			keys = append(keys, k[0])
		}
	}
	slices.Sort(keys)
	c.PhoneKeys = slices.Compact(keys)
}

// PhoneSearchKeys are the keys a phone search for q looks up, from its
// digits alone: written internationally (a leading "+" or "00"), "+" and
// the digits after the prefix; else the digits as a national number, and,
// unless they start with a trunk 0, the same digits as an international
// number typed without its "+" ("1 555 010 0001"). No digits: none.
func PhoneSearchKeys(q string) []string {
	q = strings.TrimSpace(q)
	international := strings.HasPrefix(q, "+")
	var b strings.Builder
	for _, r := range q {
		if '0' <= r && r <= '9' {
			b.WriteRune(r)
		}
	}
	digits := b.String()
	if !international && strings.HasPrefix(digits, "00") {
		international, digits = true, digits[2:]
	}
	switch {
	case digits == "":
		return nil
	case international:
		return []string{"+" + digits}
	case digits[0] == '0':
		return []string{digits}
	default:
		return []string{digits, "+" + digits}
	}
}

// LegacyPhoneKey is the key of a phone of a customer written before phone
// keys existed (PhoneKeys nil): its digits alone.
func LegacyPhoneKey(s string) string {
	return strings.TrimPrefix(NormalizePhone(s), "+")
}

// IndexedPhoneKeys are the phone search keys a store finds the customer
// by: its PhoneKeys, or, written before keys existed, the LegacyPhoneKey
// of each of its phones.
func (c *Customer) IndexedPhoneKeys() []string {
	if len(c.PhoneKeys) > 0 || len(c.Phones) == 0 {
		return c.PhoneKeys
	}
	var keys []string
	for _, p := range c.Phones {
		if k := LegacyPhoneKey(p); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}
