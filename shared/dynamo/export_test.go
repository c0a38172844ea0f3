package dynamo

// SetFilterChunk makes filtered queries evaluate only n index entries per
// call, so tests can exercise the loop that fills a filtered page.
func SetFilterChunk(s *Store, n int32) { s.filterChunk = n }

// SetScanLimit makes compliance Scans read n items per page.
func SetScanLimit(s *Store, n int32) { s.scanLimit = n }
