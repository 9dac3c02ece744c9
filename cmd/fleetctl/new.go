package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetcdk/fleet/config"
)

func cmdNew(dir string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	tier := fs.String("tier", "", "pool, silo or dedicated (required)")
	name := fs.String("name", "", "display name (default: from the id)")
	domain := fs.String("domain", "", "host name under the product domain (default: <id>.<product domain>)")
	envs := fs.String("env", "", "comma-separated environments (default: all)")
	accountID := fs.String("account-id", "", "dedicated: id of the tenant's existing AWS account")
	accountEmail := fs.String("account-email", "", "dedicated: root e-mail of an account to vend")
	wave := fs.String("wave", "", "release wave (default: the last wave)")
	custom := fs.String("custom-domain", "", "comma-separated partner-owned host names (served in production)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: fleetctl new <id> --tier pool|silo|dedicated [--name ...] [--domain ...] [--env staging,production]")
	}
	id := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *tier == "" {
		return errors.New("--tier is required: pool, silo or dedicated")
	}
	m, err := config.Load(dir)
	if err != nil {
		return fmt.Errorf("the fleet must validate before a tenant is added:\n%w", err)
	}
	path := filepath.Join(dir, config.TenantsDir, id+".yaml")
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists", path)
	}
	if *name == "" {
		words := strings.Split(id, "-")
		for i, w := range words {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
		*name = strings.Join(words, " ")
	}
	if *domain == "" {
		*domain = id + "." + m.Fleet.Product.Domain
	}
	envList := []string{}
	if *envs == "" {
		for _, e := range m.Fleet.Environments {
			envList = append(envList, e.Name)
		}
	} else {
		envList = strings.Split(*envs, ",")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=./schema.json\n")
	fmt.Fprintf(&b, "id: %s\nname: %q\ntier: %s\n", id, *name, *tier)
	fmt.Fprintf(&b, "environments: [%s]\n", strings.Join(envList, ", "))
	fmt.Fprintf(&b, "domains: [%s]\n", *domain)
	if *custom != "" {
		fmt.Fprintf(&b, "customDomains: [%s]\n", strings.Join(strings.Split(*custom, ","), ", "))
	}
	if *tier == string(config.TierDedicated) {
		switch {
		case *accountID != "":
			fmt.Fprintf(&b, "account: {id: %q}\n", *accountID)
		case *accountEmail != "":
			fmt.Fprintf(&b, "account: {email: %s}\n", *accountEmail)
		default:
			fmt.Fprintf(&b, "account: {email: aws+%s@%s}\n", id, m.Fleet.Product.Domain)
		}
	}
	if *wave != "" {
		fmt.Fprintf(&b, "wave: %s\n", *wave)
	}
	fmt.Fprintf(&b, "contacts:\n  - {name: TODO Name, email: partner-contact@example.com, role: technical}\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	m2, err := config.Load(dir)
	if err != nil {
		os.Remove(path) // nothing half-written: the scaffold must validate or it is not left behind
		return fmt.Errorf("the new tenant does not validate, so %s was not written:\n%w", path, err)
	}
	if err := m2.WriteLock(); err != nil {
		os.Remove(path)
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and updated %s (its cell placement)\n", path, config.LockFile)
	printNextSteps(stdout, m2, id)
	return nil
}

// printNextSteps prints the pull-request path for a new tenant and, for its custom domains,
// the DNS records the partner must create.
func printNextSteps(w io.Writer, m *config.Model, id string) {
	t := m.Tenant(id)
	fmt.Fprintf(w, "\nnext steps:\n")
	fmt.Fprintf(w, "  1. fill in name, contacts and overrides in %s\n", t.Path)
	fmt.Fprintf(w, "  2. make check                 # validate, fresh, synth, test, policy, plan: one verdict\n")
	fmt.Fprintf(w, "  3. make diff                  # the stacks and resources this adds, tenant by tenant\n")
	fmt.Fprintf(w, "  4. git checkout -b onboard-%s && git add %s %s && git commit -m \"onboard %s (%s)\"\n", id, t.Path, config.LockFile, id, t.Tier)
	fmt.Fprintf(w, "  5. push and open the pull request with the onboarding template (.github/pull_request_template.md)\n")
	for _, d := range m.Deployments() {
		if d.Tenant.ID != id {
			continue
		}
		where := ""
		switch {
		case d.Pending:
			where = "its account is requested: after the control plane vends it, record account.id in " + t.Path
		case d.Cell != nil:
			where = "cell " + d.Cell.ID
		default:
			where = "account " + d.Account + " " + d.Region
		}
		fmt.Fprintf(w, "\n%s: %s, hosts %s\n", d.Env.Name, where, strings.Join(d.Hosts, ", "))
		if custom := d.CustomHosts(); len(custom) > 0 {
			fmt.Fprintf(w, "  DNS records the partner creates in its own zone:\n")
			for _, h := range custom {
				fmt.Fprintf(w, "    %s  CNAME  %s\n", h, d.PartnerTarget())
			}
			edge := d.StackName() + "-edge"
			fmt.Fprintf(w, "    and, for each, the certificate validation CNAME that ACM shows for the certificate of %s\n", edge)
			fmt.Fprintf(w, "    once it is deployed (that stack waits until the partner has created it).\n")
		}
	}
}
