// Command fleet-app is the CDK app: it loads the fleet folder ($FLEET_DIR, default .), validates
// it, builds every stack and synthesizes. It is the only place that reads the environment and
// the CDK context.
//
//	cdk synth                       the whole fleet
//	cdk synth -c tenant=acme-health one tenant's stacks and the shared stacks they need
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/stacks"
)

func main() {
	dir := os.Getenv(config.DirEnv)
	if dir == "" {
		dir = "."
	}
	// Load and validate before the first jsii call: bad input never starts a synth.
	m, err := config.Load(dir)
	if err != nil {
		var diags config.Diagnostics
		if errors.As(err, &diags) {
			fmt.Fprintf(os.Stderr, "%s\n\n%d problem(s) in %s; nothing was synthesized\n", diags.Error(), len(diags), dir)
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	sel := stacks.Selection{}
	if v, ok := app.Node().TryGetContext(jsii.String("tenant")).(string); ok {
		sel.Tenant = v
	}
	fleet, err := stacks.Build(app, m, sel)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, s := range fleet.Skipped {
		fmt.Fprintln(os.Stderr, "notice: "+s)
	}
	app.Synth(nil)
}
