// Package portflags holds the command-line flags shared by every command
// that talks to Port (sync, drift, export, blueprints pull), so that they
// are spelled, documented and ordered the same way in each.
package portflags

import (
	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// Flags returns --api-url, --region, --rate-limit-budget and --verbose,
// writing into the given destinations.
func Flags(apiURL, region, rateLimitBudget *string, verbose *bool) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "api-url", Usage: "Port API `URL` (default: by --region, else PORT_BASE_URL, else eu)", Destination: apiURL},
		&cli.StringFlag{Name: "region", Usage: "Port region: eu (default) or us", Destination: region},
		&cli.StringFlag{Name: "rate-limit-budget", Usage: cmdutil.RateLimitBudgetUsage, Destination: rateLimitBudget},
		&cli.BoolFlag{Name: "verbose", Usage: "log each API request to stderr (never credentials)", Destination: verbose},
	}
}
