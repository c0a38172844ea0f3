package support

import "context"

// NewHandle asks to register a brand handle.
type NewHandle struct {
	ScreenName string
	XUserID    string
	// CredentialsSecret names the Secrets Manager secret with its OAuth credentials.
	CredentialsSecret string
}

// Handles lists the deployment's brand handles, by screen name.
func (s *Service) Handles(ctx context.Context) ([]BrandHandle, error) {
	return s.store.ListHandles(ctx)
}

// RegisterHandle validates and stores a new brand handle, connected; an X
// user id that another brand handle has is EConflict.
func (s *Service) RegisterHandle(ctx context.Context, in NewHandle) (*BrandHandle, error) {
	now := s.clock()
	h := &BrandHandle{ID: NewID(now), ScreenName: in.ScreenName, XUserID: in.XUserID,
		CredentialsSecret: in.CredentialsSecret, Status: HandleConnected, CreatedAt: now, UpdatedAt: now}
	h.Normalize()
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.PutHandle(ctx, h); err != nil {
		return nil, err
	}
	return h, nil
}
