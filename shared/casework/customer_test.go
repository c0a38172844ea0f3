package casework

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCustomerNormalize(t *testing.T) {
	c := Customer{
		Name:    "  Alice   van der  Berg ",
		Emails:  []string{" Alice@Example.COM", "alice@example.com", ""},
		Phones:  []string{"+1 (555) 010-0001", "555.010.0002", "  "},
		Twitter: &TwitterAccount{Handle: " @alice_b"},
	}
	c.Normalize()
	if c.Name != "Alice van der Berg" {
		t.Errorf("Name = %q", c.Name)
	}
	if !slices.Equal(c.Emails, []string{"alice@example.com"}) {
		t.Errorf("Emails = %q", c.Emails)
	}
	if !slices.Equal(c.Phones, []string{"+15550100001", "5550100002"}) {
		t.Errorf("Phones = %q", c.Phones)
	}
	if c.Twitter.Handle != "alice_b" {
		t.Errorf("Handle = %q", c.Twitter.Handle)
	}
	if got := c.NameWords(); !slices.Equal(got, []string{"alice", "berg", "der", "van"}) {
		t.Errorf("NameWords = %q", got)
	}
}

func TestCustomerValidate(t *testing.T) {
	valid := func() Customer {
		return Customer{Name: "Bob", Emails: []string{"bob@example.com"}, Phones: []string{"+4915550100"}}
	}
	tests := []struct {
		name   string
		change func(*Customer)
		code   string
		field  string
	}{
		{"valid", func(*Customer) {}, "", ""},
		{"valid with handle", func(c *Customer) { c.Twitter = &TwitterAccount{Handle: "bob_1"} }, "", ""},
		{"no name", func(c *Customer) { c.Name = "" }, EValidation, "name"},
		{"bad email", func(c *Customer) { c.Emails = []string{"bob at example"} }, EValidation, "emails[0]"},
		{"email with display name", func(c *Customer) { c.Emails = []string{"Bob <bob@example.com>"} }, EValidation, "emails[0]"},
		{"short phone", func(c *Customer) { c.Phones = []string{"123"} }, EValidation, "phones[0]"},
		{"handle too long", func(c *Customer) { c.Twitter = &TwitterAccount{Handle: "abcdefghijklmnop"} }, EInvalidHandle, "twitter_handle"},
		{"handle with dash", func(c *Customer) { c.Twitter = &TwitterAccount{Handle: "bob-1"} }, EInvalidHandle, "twitter_handle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			c.Normalize()
			err := c.Validate()
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.code, err)
			}
			if tt.field != "" {
				e := err.(*Error)
				if len(e.Fields) == 0 || e.Fields[0].Name != tt.field {
					t.Errorf("fields = %+v, want %s first", e.Fields, tt.field)
				}
			}
		})
	}
}

func TestPhoneSearchKeys(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"5550100001", []string{"5550100001", "+5550100001"}},
		{"(555) 010-0001", []string{"5550100001", "+5550100001"}},
		{"+1 555 010 0001", []string{"+15550100001"}},
		{"0044 20 7946 0958", []string{"+442079460958"}}, // 00: the international prefix
		{"020 7946 0958", []string{"02079460958"}},       // a trunk 0: national only
		{"()", nil},
	} {
		if got := PhoneSearchKeys(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("PhoneSearchKeys(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// fakePhones reads every number of 10 digits as a US number.
type fakePhones struct{}

func (fakePhones) Keys(s string) ([]string, bool) {
	d := LegacyPhoneKey(s)
	if len(d) != 10 {
		return nil, false
	}
	return []string{"+1" + d, d, "1" + d}, true
}

func TestIndexPhones(t *testing.T) {
	c := &Customer{Phones: []string{"5550100001", "+44 20 7946 0958", "555-010-0001"}}
	IndexPhones(c, fakePhones{})
	if want := []string{"+15550100001", "+442079460958", "15550100001", "5550100001"}; !slices.Equal(c.PhoneKeys, want) {
		t.Errorf("keys = %q, want %q (a number it cannot read keeps its digits as typed)", c.PhoneKeys, want)
	}
	IndexPhones(c, nil)
	if want := []string{"+442079460958", "5550100001"}; !slices.Equal(c.PhoneKeys, want) {
		t.Errorf("without a reader: keys = %q, want %q", c.PhoneKeys, want)
	}
}

func TestHasTwitter(t *testing.T) {
	for _, tt := range []struct {
		tw   *TwitterAccount
		want bool
	}{
		{nil, false},
		{&TwitterAccount{Handle: "a"}, false},
		{&TwitterAccount{Handle: "a", XUserID: "1"}, true},
	} {
		c := Customer{Twitter: tt.tw}
		if got := c.HasTwitter(); got != tt.want {
			t.Errorf("HasTwitter(%+v) = %v", tt.tw, got)
		}
	}
}

func TestValidateContacts(t *testing.T) {
	tests := []struct {
		name           string
		emails, phones []string
		fields         []string // the bad entries, in order; nil: valid
	}{
		{"none", nil, nil, nil},
		{"formats of phones", []string{" Bob@Example.com "}, []string{"+1 (555) 010-0001", "555.010.0002", "+4915550100"}, nil},
		{"no digits", nil, []string{"abc"}, []string{"phones[0]"}},
		{"letters mixed in", nil, []string{"555-CALL-NOW"}, []string{"phones[0]"}},
		{"plus in the middle", nil, []string{"555+0100"}, []string{"phones[0]"}},
		{"an extension", nil, []string{"555 0100 x12"}, []string{"phones[0]"}},
		{"empty phone", nil, []string{""}, []string{"phones[0]"}},
		{"four digits", nil, []string{"1234"}, []string{"phones[0]"}},
		{"sixteen digits", nil, []string{"1234567890123456"}, []string{"phones[0]"}},
		{"display name", []string{"Bob <bob@example.com>"}, nil, []string{"emails[0]"}},
		{"no at", []string{"bob.example.com"}, nil, []string{"emails[0]"}},
		{"empty e-mail", []string{" "}, nil, []string{"emails[0]"}},
		{"e-mail of 255", []string{strings.Repeat("a", 243) + "@example.com"}, nil, []string{"emails[0]"}},
		{"every bad entry", []string{"a@example.com", "x", "y"}, []string{"z", "+1 555 010 0001"}, []string{"emails[1]", "emails[2]", "phones[0]"}},
		{"21 e-mails", make([]string, 21), nil, []string{"emails"}},
		{"21 phones", nil, make([]string, 21), []string{"phones"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateContacts(tt.emails, tt.phones)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EInvalidContact {
				t.Fatalf("err = %v, want %s", err, EInvalidContact)
			}
			var names []string
			for _, f := range e.Fields {
				names = append(names, f.Name)
			}
			if !slices.Equal(names, tt.fields) {
				t.Errorf("fields %v, want %v", names, tt.fields)
			}
		})
	}
}

func TestSetTwitterKeepsFormerAccounts(t *testing.T) {
	c := &Customer{}
	c.SetTwitter(&TwitterAccount{Handle: "carol_x", XUserID: "1"})
	c.SetTwitter(&TwitterAccount{Handle: "carol_renamed", XUserID: "1"}) // a rename: same account
	if len(c.FormerXUserIDs) != 0 {
		t.Fatalf("after a rename: former = %v, want none", c.FormerXUserIDs)
	}
	c.SetTwitter(&TwitterAccount{Handle: "carol_new", XUserID: "2"})
	c.SetTwitter(nil)
	if want := []string{"2", "1"}; !slices.Equal(c.FormerXUserIDs, want) {
		t.Fatalf("former = %v, want %v", c.FormerXUserIDs, want)
	}
	c.SetTwitter(&TwitterAccount{Handle: "carol_x", XUserID: "1"}) // the first account back
	if want := []string{"2"}; !slices.Equal(c.FormerXUserIDs, want) {
		t.Errorf("former = %v, want %v", c.FormerXUserIDs, want)
	}
}
