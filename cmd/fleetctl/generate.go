package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/fleetgen"
)

// cmdGenerate writes a synthetic fleet folder: fleet.yaml sized for the tenants, tenants/*.yaml
// and fleet.lock.json. It ignores FLEET_DIR: the output goes to --out.
func cmdGenerate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	tenants := fs.Int("tenants", 0, "number of tenants (required)")
	out := fs.String("out", "", "folder to write (required; must not hold a fleet yet)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed writes the same bytes")
	envs := fs.Int("environments", 2, "1 (production), 2 (staging, production) or 3 (dev, staging, production)")
	waf := fs.Int("waf-capacity", 5000, "wafCapacity of every cell, 1500 to 5000")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v\nusage: fleetctl generate --tenants N --out DIR [--seed S] [--environments 2] [--waf-capacity 5000]", err)
	}
	if *tenants < 1 || *out == "" || fs.NArg() > 0 {
		return errors.New("usage: fleetctl generate --tenants N --out DIR [--seed S] [--environments 2] [--waf-capacity 5000]")
	}
	m, err := fleetgen.Generate(*out, fleetgen.Options{Tenants: *tenants, Seed: *seed, Environments: *envs, WAFCapacity: *waf})
	if err != nil {
		return err
	}
	tiers := map[config.Tier]int{}
	for _, t := range m.Tenants {
		tiers[t.Tier]++
	}
	fmt.Fprintf(stdout, "wrote %s: %d tenants (%d pool, %d silo, %d dedicated), %d environments, %d cells, %s\n",
		*out, len(m.Tenants), tiers[config.TierPool], tiers[config.TierSilo], tiers[config.TierDedicated],
		len(m.Fleet.Environments), len(m.Fleet.Cells), config.LockFile)
	fmt.Fprintf(stdout, "next: FLEET_DIR=%s make plan   (or make synth)\n", *out)
	return nil
}
