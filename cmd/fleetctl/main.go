// Command fleetctl validates a fleet, scaffolds tenant files, lists tenants and regenerates the
// JSON Schemas. It reads the fleet folder named by FLEET_DIR (default: the current folder).
//
//	fleetctl validate              every problem in fleet.yaml and tenants/*.yaml, exit 1 if any
//	fleetctl new <id> --tier pool  write tenants/<id>.yaml, a valid starting point
//	fleetctl list                  tenants with tier, cell or account, and environments
//	fleetctl schema [--check]      write (or verify) fleet.schema.json and tenants/schema.json
//	fleetctl lock [--check]        write (or verify) fleet.lock.json: cell placements and rule slots
//	fleetctl plan [--html FILE]    capacity of every cell per quota; exit 1 if one is over
//	fleetctl generate --tenants N --out DIR   write a synthetic fleet folder
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fleetcdk/fleet/config"
)

const usage = `usage: fleetctl <command> [flags]

commands:
  validate                 check fleet.yaml and tenants/*.yaml; print every problem as file:line:col
  new <id> --tier <tier>   scaffold tenants/<id>.yaml (flags: --name, --domain, --env)
  list                     tenants with tier, cell or account, and environments
  schema [--check]         regenerate the JSON Schemas, or fail if the committed ones are stale
  diff [--base REV]        change summary against REV, per tenant and shared stack (--head, --markdown, --fail-on-replace)
  lock [--check]           write fleet.lock.json (placements, rule slots), or fail if it is stale
  plan [--html FILE]       capacity per cell and quota (used/limit, top tenants); WARN >= 80 %, exit 1 past 100 %
  generate --tenants N --out DIR [--seed S] [--environments 2]
                           write a synthetic fleet folder (fleet.yaml sized for N tenants, tenants/, lock)
  check                    every pull-request check in order (make targets), with one verdict

The fleet folder is $FLEET_DIR (default: .): it holds fleet.yaml and tenants/.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	dir := os.Getenv(config.DirEnv)
	if dir == "" {
		dir = "."
	}
	var err error
	switch args[0] {
	case "validate":
		err = cmdValidate(dir, stdout)
	case "new":
		err = cmdNew(dir, args[1:], stdout)
	case "list":
		err = cmdList(dir, stdout)
	case "schema":
		err = cmdSchema(dir, args[1:], stdout)
	case "diff":
		err = cmdDiff(dir, args[1:], stdout)
	case "lock":
		err = cmdLock(dir, args[1:], stdout)
	case "plan":
		err = cmdPlan(dir, args[1:], stdout)
	case "generate":
		err = cmdGenerate(args[1:], stdout)
	case "check":
		err = cmdCheck(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "fleetctl: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if diags, ok := err.(config.Diagnostics); ok {
			fmt.Fprintln(stderr, diags.Error())
			fmt.Fprintf(stderr, "\n%d problem(s); nothing was synthesized\n", len(diags))
		} else {
			fmt.Fprintf(stderr, "fleetctl %s: %v\n", args[0], err)
		}
		return 1
	}
	return 0
}

func cmdValidate(dir string, stdout io.Writer) error {
	m, err := config.Load(dir)
	if err != nil {
		return err
	}
	if m.LockStale() {
		return fmt.Errorf("%s is stale: run `make lock` (fleetctl lock) and commit it", filepath.Join(dir, config.LockFile))
	}
	deps := m.Deployments()
	fmt.Fprintf(stdout, "ok: %d tenants, %d deployments across %d environments and %d cells\n",
		len(m.Tenants), len(deps), len(m.Fleet.Environments), len(m.Fleet.Cells))
	for _, d := range deps {
		if d.Pending {
			fmt.Fprintf(stdout, "notice: %s (%s) waits for its requested account; record account.id in %s to deploy it\n", d.Tenant.ID, d.Env.Name, d.Tenant.Path)
		}
	}
	return nil
}

func cmdLock(dir string, args []string, stdout io.Writer) error {
	check := len(args) > 0 && args[0] == "--check"
	m, err := config.Load(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, config.LockFile)
	if check {
		if m.LockStale() {
			return fmt.Errorf("%s is stale: run `make lock` and commit it", path)
		}
		fmt.Fprintf(stdout, "%s is current\n", path)
		return nil
	}
	if err := m.WriteLock(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}
