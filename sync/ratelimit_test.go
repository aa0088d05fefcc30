package sync

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// A storm of 429s with Retry-After: 1 on the token request and on the bulk
// requests, longer than the attempt bound (8 here): sync rides it out,
// each wait told once on stderr; with a budget too small it stops, exit 3.
func TestRateLimitStorm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical"), "services/b/entity.json": svc("b", "standard")})
	f.commit("two")
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/auth/access_token", Status: 429, RetryAfter: "1", Times: 9})
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 429, RetryAfter: "1", Times: 9})
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("%v\n%s%s", r.err, r.out, r.errOut)
	}
	if n := strings.Count(r.errOut, "port-gitops: rate limited by Port, waiting 1ms\n"); n != 18 {
		t.Fatalf("%d wait lines for 18 rate-limited answers:\n%s", n, r.errOut)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("after the storm: %v", got)
	}
	f.converged()

	f.write(map[string]string{"services/c/entity.json": svc("c", "critical")})
	f.commit("c")
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 429, RetryAfter: "1", Times: 1000})
	r = f.sync(func(o *Options) { o.RateLimitBudget = "3ms" })
	if cmdutil.ExitCode(r.err) != cmdutil.ExitRun || !errors.Is(r.err, portapi.ErrRateLimitBudget) ||
		!strings.Contains(r.err.Error(), "the rate-limit budget is 3ms") {
		t.Fatalf("budget spent: %v (exit %d)\n%s", r.err, cmdutil.ExitCode(r.err), r.out)
	}
	f.srv.ClearFaults()
	r = f.sync(nil)
	if got := ids(f.catalog("service")); r.err != nil || !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("the run after: %v, %v\n%s", r.err, got, r.out)
	}
}
