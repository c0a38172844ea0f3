package casework

import "testing"

func TestBrandHandleValidate(t *testing.T) {
	tests := []struct {
		name string
		h    BrandHandle
		code string
	}{
		{"valid", BrandHandle{ScreenName: "@AcmeSupport", XUserID: "1001", CredentialsSecret: "x/acme"}, ""},
		{"bad screen name", BrandHandle{ScreenName: "Acme Support", XUserID: "1001", CredentialsSecret: "s"}, EInvalidHandle},
		{"x user id not digits", BrandHandle{ScreenName: "Acme", XUserID: "12a", CredentialsSecret: "s"}, EValidation},
		{"no secret", BrandHandle{ScreenName: "Acme", XUserID: "1"}, EValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h
			h.Normalize()
			if got := ErrorCode(h.Validate()); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
			if h.Status != HandleConnected {
				t.Errorf("a new handle's status = %q, want connected", h.Status)
			}
		})
	}
	h := BrandHandle{ScreenName: "@AcmeDeals"}
	h.Normalize()
	if h.ScreenName != "AcmeDeals" {
		t.Errorf("ScreenName = %q", h.ScreenName)
	}
}

func TestFollowStateAllowsDM(t *testing.T) {
	if (FollowState{BrandFollowsCustomer: true}).AllowsDM() {
		t.Error("the brand following the customer does not allow DMs")
	}
	if !(FollowState{CustomerFollowsBrand: true}).AllowsDM() {
		t.Error("the customer following the brand allows DMs")
	}
}
