package porttest_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

func TestOnRequestAndRemoveEntity(t *testing.T) {
	c := setup(t)
	var mu sync.Mutex
	var seen []string
	c.srv.OnRequest(func(r porttest.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Method+" "+r.Path)
	})
	c.do("POST", "/v1/blueprints/service/entities", svc("a", "critical"))
	mu.Lock()
	got := strings.Join(seen, ",")
	mu.Unlock()
	if got != "POST /v1/blueprints/service/entities" {
		t.Fatalf("hook saw %q", got)
	}
	if !c.srv.RemoveEntity("service", "a") || c.srv.RemoveEntity("service", "a") {
		t.Fatal("RemoveEntity should report whether the entity existed")
	}
	if st, body := c.do("GET", "/v1/blueprints/service/entities/a", ""); st != 404 {
		t.Fatalf("after RemoveEntity: %d %v", st, body)
	}
}
