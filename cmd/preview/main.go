// Command preview renders every example claim with `crossplane render`, to
// the state the platform reaches once AWS has created what was asked for,
// and gathers the CRDs the output uses so that it can be validated offline.
package main

import (
	"github.com/alecthomas/kong"
)

type cli struct {
	Render  renderCmd  `cmd:"" help:"Render every example to its steady state."`
	Schemas schemasCmd `cmd:"" help:"Collect the CRDs and XRDs that rendered output uses, for crossplane beta validate."`
}

func main() {
	c := &cli{}
	ctx := kong.Parse(c, kong.Description("Preview the Open edX platform offline."))
	ctx.FatalIfErrorf(ctx.Run())
}
