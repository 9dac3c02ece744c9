package plan

import (
	"sort"

	"github.com/fleetcdk/fleet/config"
)

// WarnPercent is the share of a quota from which the plan warns.
const WarnPercent = 80

// Status is how close a quota (or a cell, by its worst quota) is to its limit.
type Status string

const (
	OK   Status = "ok"
	Warn Status = "warn" // at least WarnPercent % used
	Fail Status = "fail" // over the limit
)

// StatusOf classifies used against limit.
func StatusOf(used, limit int) Status {
	switch {
	case used > limit:
		return Fail
	case used*100 >= WarnPercent*limit:
		return Warn
	}
	return OK
}

func worse(a, b Status) Status {
	rank := map[Status]int{OK: 0, Warn: 1, Fail: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// TopN is how many tenants the plan names per quota.
const TopN = 3

// Plan is the capacity of a fleet: every cell's quotas, and the dedicated tenants.
type Plan struct {
	Dir          string
	Tenants      int
	Cells        int
	Environments []Environment
	// Warnings and Failures count the quotas at Warn and Fail.
	Warnings, Failures int
}

// Environment is one environment's cells and dedicated tenants.
type Environment struct {
	Name, Account, Region string
	Production            bool
	Cells                 []Cell
	// Dedicated are the dedicated tenants with an account; Pending those waiting for one.
	Dedicated, Pending []Dedicated
}

// Cell is one cell with its tenants and quotas.
type Cell struct {
	ID, Account, Region string
	Tenants             []Tile
	Quotas              []Quota
	// Status is the worst status of its quotas.
	Status Status
}

// Count returns how many of the cell's tenants are of tier t.
func (c Cell) Count(t config.Tier) int {
	n := 0
	for _, x := range c.Tenants {
		if x.Tier == t {
			n++
		}
	}
	return n
}

// Tile is one tenant in a cell.
type Tile struct {
	ID    string
	Name  string
	Tier  config.Tier
	Hosts []string
	// Slot is a silo tenant's listener-rule slot; 0 for pool tenants.
	Slot int
}

// Quota is one quota of one cell.
type Quota struct {
	Key, Name, Source string
	// Used is the cell's total, Base what the cell uses with no tenant.
	Used, Base, Limit int
	Status            Status
	// Top are the TopN tenants that use most of it (ties by id), without the ones using none.
	Top []Share
}

// Percent is Used as a whole percentage of Limit, rounded down (99.9 % shows as 99).
func (q Quota) Percent() int {
	if q.Limit <= 0 {
		return 0
	}
	return q.Used * 100 / q.Limit
}

// Share is what one tenant uses of a quota.
type Share struct {
	Tenant string
	Tier   config.Tier
	Used   int
}

// Dedicated is a dedicated tenant in one environment.
type Dedicated struct {
	ID, Name        string
	Account, Region string
	Hosts           []string
	// Email and OU of a requested account (Pending).
	Email, OU string
	Pending   bool
}

// Build computes the plan of a loaded fleet with the loader's own formulas (config.CellQuotas,
// Model.CellUsage and Fleet.TenantUsage), so it shows what placement enforces.
func Build(m *config.Model) *Plan {
	p := &Plan{Dir: m.Dir, Tenants: len(m.Tenants), Cells: len(m.Fleet.Cells)}
	deps := m.Deployments()
	for i := range m.Fleet.Environments {
		env := &m.Fleet.Environments[i]
		pe := Environment{Name: env.Name, Account: env.Account, Region: env.Region, Production: env.Production}
		for j := range m.Fleet.Cells {
			c := &m.Fleet.Cells[j]
			if c.Environment != env.Name {
				continue
			}
			var cellDeps []config.Deployment
			for _, d := range deps {
				if d.Cell != nil && d.Cell.ID == c.ID {
					cellDeps = append(cellDeps, d)
				}
			}
			pe.Cells = append(pe.Cells, buildCell(m, c, cellDeps))
		}
		for _, d := range deps {
			if d.Env.Name != env.Name || d.Tenant.Tier != config.TierDedicated {
				continue
			}
			x := Dedicated{ID: d.Tenant.ID, Name: d.Tenant.Name, Account: d.Account, Region: d.Region, Hosts: d.Hosts, Pending: d.Pending}
			if d.Pending {
				x.Email, x.OU = d.Tenant.Account.Email, d.Tenant.Account.OrganizationalUnit
				pe.Pending = append(pe.Pending, x)
			} else {
				pe.Dedicated = append(pe.Dedicated, x)
			}
		}
		for _, c := range pe.Cells {
			for _, q := range c.Quotas {
				switch q.Status {
				case Warn:
					p.Warnings++
				case Fail:
					p.Failures++
				}
			}
		}
		p.Environments = append(p.Environments, pe)
	}
	return p
}

func buildCell(m *config.Model, c *config.Cell, deps []config.Deployment) Cell {
	out := Cell{ID: c.ID, Account: c.Account, Region: c.Region, Status: OK}
	usage := make([]config.Usage, len(deps))
	for i, d := range deps {
		usage[i] = m.Fleet.TenantUsage(d)
		out.Tenants = append(out.Tenants, Tile{ID: d.Tenant.ID, Name: d.Tenant.Name, Tier: d.Tenant.Tier, Hosts: d.Hosts, Slot: m.Slot(d)})
	}
	used := m.CellUsage(c)
	base := m.Fleet.CellBase()
	for _, q := range config.CellQuotas(c) {
		pq := Quota{Key: q.Key, Name: q.Name, Source: q.Source, Used: used[q.Key], Base: base[q.Key], Limit: q.Max}
		pq.Status = StatusOf(pq.Used, pq.Limit)
		var shares []Share
		for i, d := range deps {
			if n := usage[i][q.Key]; n > 0 {
				shares = append(shares, Share{Tenant: d.Tenant.ID, Tier: d.Tenant.Tier, Used: n})
			}
		}
		sort.SliceStable(shares, func(a, b int) bool {
			if shares[a].Used != shares[b].Used {
				return shares[a].Used > shares[b].Used
			}
			return shares[a].Tenant < shares[b].Tenant
		})
		if len(shares) > TopN {
			shares = shares[:TopN]
		}
		pq.Top = shares
		out.Status = worse(out.Status, pq.Status)
		out.Quotas = append(out.Quotas, pq)
	}
	return out
}
