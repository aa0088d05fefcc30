// Package portflags holds the command-line flags shared by every command
// that talks to Port (sync, drift, export, blueprints pull), so that they
// are spelled, documented and ordered the same way in each.
package portflags

import (
	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// Port is what the flags set. Commands embed it in their options.
type Port struct {
	APIURL string // --api-url
	Region string // --region
	// RateLimitBudget is --rate-limit-budget as given ("": the
	// environment's PORT_GITOPS_RATE_LIMIT_BUDGET, else 10m).
	RateLimitBudget string
	Verbose         bool // --verbose
}

// Flags returns --api-url, --region, --rate-limit-budget and --verbose,
// writing into p.
func (p *Port) Flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "api-url", Usage: "Port API `URL` (default: by --region, else PORT_BASE_URL, else eu)", Destination: &p.APIURL},
		&cli.StringFlag{Name: "region", Usage: "Port region: eu (default) or us", Destination: &p.Region},
		&cli.StringFlag{Name: "rate-limit-budget", Usage: cmdutil.RateLimitBudgetUsage, Destination: &p.RateLimitBudget},
		&cli.BoolFlag{Name: "verbose", Usage: "log each API request to stderr (never credentials)", Destination: &p.Verbose},
	}
}

// Client returns the client options the flags give, for a binary of
// version.
func (p Port) Client(version string) cmdutil.PortOptions {
	return cmdutil.PortOptions{APIURL: p.APIURL, Region: p.Region, Verbose: p.Verbose, Version: version, RateLimitBudget: p.RateLimitBudget}
}
