package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Deployment is one tenant in one environment: where it runs and under which host names.
type Deployment struct {
	Tenant *TenantFile
	Env    *Environment
	// Cell is the cell a pool or silo tenant is placed in; nil for dedicated tenants.
	Cell    *Cell
	Account string
	Region  string
	// Hosts are the tenant's host names in this environment: its domains rewritten into the
	// environment zone, then, in production environments, its custom domains.
	Hosts []string
	// Pending is true for a dedicated tenant whose requested account has no id yet: its stacks
	// are left out of the synth until the id is recorded in the tenant file.
	Pending bool
}

// StackName is the CloudFormation stack name of this deployment.
func (d Deployment) StackName() string {
	return fmt.Sprintf("tenant-%s-%s", d.Tenant.ID, d.Env.Name)
}

// Hosts returns t's host names in env.
func (m *Model) Hosts(t *TenantFile, env *Environment) []string {
	var out []string
	for _, d := range t.Domains {
		label := strings.TrimSuffix(d, "."+m.Fleet.Product.Domain)
		out = append(out, label+"."+env.DNS.ZoneName)
	}
	if env.Production {
		out = append(out, t.CustomDomains...)
	}
	return out
}

// Deployments lists every tenant in every environment, environments in fleet order, tenants
// by id.
func (m *Model) Deployments() []Deployment {
	var out []Deployment
	for i := range m.Fleet.Environments {
		env := &m.Fleet.Environments[i]
		for _, t := range m.Tenants {
			if !slices.Contains(t.Environments, env.Name) {
				continue
			}
			d := Deployment{Tenant: t, Env: env, Hosts: m.Hosts(t, env)}
			switch t.Tier {
			case TierPool, TierSilo:
				d.Cell = m.Fleet.Cell(m.placement[placementKey{t.ID, env.Name}])
				d.Account, d.Region = d.Cell.Account, d.Cell.Region
			case TierDedicated:
				d.Account = t.Account.ID
				d.Region = t.Region
				if d.Region == "" {
					d.Region = env.Region
				}
				d.Pending = d.Account == ""
			}
			out = append(out, d)
		}
	}
	return out
}

// CellTenants lists the deployments placed in cell c, by tenant id.
func (m *Model) CellTenants(c *Cell) []Deployment {
	var out []Deployment
	for _, d := range m.Deployments() {
		if d.Cell != nil && d.Cell.ID == c.ID {
			out = append(out, d)
		}
	}
	return out
}

type placementKey struct{ tenant, env string }

// Tenant returns the tenant with id, or nil.
func (m *Model) Tenant(id string) *TenantFile {
	for _, t := range m.Tenants {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Slot returns the listener-rule slot of a silo deployment in its cell (1-based), as the lock
// file keeps it: the priorities of its routes derive from it. 0 for other tiers.
func (m *Model) Slot(d Deployment) int {
	return m.slots[placementKey{d.Tenant.ID, d.Env.Name}]
}

// InfraName returns the fleet's own DNS name `<what>.<cell>.cells.<zone>` for a cell.
func InfraName(what string, c *Cell, env *Environment) string {
	return what + "." + c.ID + "." + InfraLabel + "." + env.DNS.ZoneName
}

// CatalogOrder returns the catalog's services, most specific path prefix first, so listener
// rules evaluate /doctor before /.
func (f *Fleet) CatalogOrder() []Service {
	out := append([]Service(nil), f.Services...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := strings.TrimSuffix(out[i].PathPrefix, "/"), strings.TrimSuffix(out[j].PathPrefix, "/")
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
	return out
}

// Accounts lists every AWS account of the fleet but the platform account: environments, cells
// and dedicated tenants' existing accounts, sorted.
func (m *Model) Accounts() []string {
	seen := map[string]bool{m.Fleet.Platform.Account: true}
	var out []string
	add := func(a string) {
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, e := range m.Fleet.Environments {
		add(e.Account)
	}
	for _, c := range m.Fleet.Cells {
		add(c.Account)
	}
	for _, t := range m.Tenants {
		if t.Account != nil {
			add(t.Account.ID)
		}
	}
	sort.Strings(out)
	return out
}
