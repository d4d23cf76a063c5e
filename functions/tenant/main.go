// Command function-openedx-tenant is the Crossplane composition function of
// XOpenEdxTenant: one Open edX instance on a platform.
package main

import (
	"time"

	"github.com/alecthomas/kong"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/openedx-cloud/platform-aws/internal/serve"
)

// CLI of this function.
type CLI struct {
	serve.Options `embed:""`
}

// Run this function.
func (c *CLI) Run() error {
	return c.Serve(func(log logging.Logger, ttl time.Duration) fnv1.FunctionRunnerServiceServer {
		return &Function{log: log, ttl: ttl}
	})
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("Composes an XOpenEdxTenant: one Open edX instance's namespace on its platform's cluster."))
	ctx.FatalIfErrorf(ctx.Run())
}

func init() {
	// composed.From needs the Go types of everything this function composes.
	mustRegisterSchemes()
}
