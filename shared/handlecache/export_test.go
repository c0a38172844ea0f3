package handlecache

// Joined is how many callers have waited for another caller's load.
func Joined(s *Store) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joined
}
