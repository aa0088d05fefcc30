package porttest

// OnRequest registers fn to be called with every request the server
// receives, after it is recorded and before it is answered (faults and
// latency included). Tests use it to act at an exact point of a run, for
// example to kill the process under test when its Nth bulk request
// arrives; the server still answers that request (to no one, if the
// client is gone), as Port applies a request whose client went away.
// fn runs on the request's goroutine, without the server's lock held: it
// may call the server's methods.
func (s *Server) OnRequest(fn func(Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, fn)
}

// runHooks calls the registered hooks; s.mu is not held.
func (s *Server) runHooks(r Request) {
	s.mu.Lock()
	hooks := append([]func(Request){}, s.hooks...)
	s.mu.Unlock()
	for _, fn := range hooks {
		fn(r)
	}
}

// RemoveEntity deletes an entity as someone editing Port by hand would,
// without a request (test setup). It reports whether the entity existed.
func (s *Server) RemoveEntity(bp, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entities[bp][id]; !ok {
		return false
	}
	delete(s.entities[bp], id)
	return true
}
