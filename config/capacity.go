package config

import (
	"strings"

	"github.com/fleetcdk/fleet/limits"
)

// ProductHosts are the deployment's hosts inside its environment zone: they are served by its
// cell's (or its own) distribution and certificate.
func (d Deployment) ProductHosts() []string {
	var out []string
	for _, h := range d.Hosts {
		if strings.HasSuffix(h, "."+d.Env.DNS.ZoneName) {
			out = append(out, h)
		}
	}
	return out
}

// CustomHosts are the deployment's partner-owned hosts (production environments only).
func (d Deployment) CustomHosts() []string {
	var out []string
	for _, h := range d.Hosts {
		if !strings.HasSuffix(h, "."+d.Env.DNS.ZoneName) {
			out = append(out, h)
		}
	}
	return out
}

// CellQuotas are the quotas a cell is checked against, in the order the plan shows them.
func CellQuotas(c *Cell) []limits.Quota {
	waf := limits.WAFCapacity
	waf.Max = c.WAFCapacity
	tenants := limits.Quota{Key: "tenants", Name: "tenants (cells[].maxTenants)", Max: c.MaxTenants, Source: "fleet.yaml"}
	return []limits.Quota{limits.ALBRules, limits.ALBTargetGroups, limits.CloudFrontAliases, limits.ACMNames, waf, limits.RedisUsers, limits.RuleSlots, tenants}
}

// Usage is what something uses, per quota key.
type Usage map[string]int

func (u Usage) add(o Usage) {
	for k, v := range o {
		u[k] += v
	}
}

// CellBase is what a cell uses with no tenant: the pooled services' rules and target groups,
// the managed WAF rules, the edge certificate's wildcard name and two Redis users.
func (f *Fleet) CellBase() Usage {
	n := len(f.Services)
	return Usage{
		limits.ALBRules.Key:        n,
		limits.ALBTargetGroups.Key: n,
		limits.ACMNames.Key:        1,
		limits.WAFCapacity.Key:     limits.WAFManagedRules,
		limits.RedisUsers.Key:      2,
	}
}

// TenantUsage is what a pool or silo deployment adds to its cell.
func (f *Fleet) TenantUsage(d Deployment) Usage {
	hosts := d.ProductHosts()
	u := Usage{
		limits.CloudFrontAliases.Key: len(hosts),
		limits.WAFCapacity.Key:       limits.WAFTenantRule(len(d.Hosts)),
		"tenants":                    1,
	}
	for _, h := range hosts {
		if strings.Contains(strings.TrimSuffix(h, "."+d.Env.DNS.ZoneName), ".") {
			u[limits.ACMNames.Key]++ // deeper than the wildcard covers
		}
	}
	if d.Tenant.Tier == TierSilo {
		for _, s := range f.Services {
			// silo routes match every host of the tenant, custom domains included
			u[limits.ALBRules.Key] += limits.ALBRulesFor(len(d.Hosts), s.PathPrefix)
		}
		u[limits.ALBTargetGroups.Key] = len(f.Services)
		u[limits.RedisUsers.Key] = 1
		u[limits.RuleSlots.Key] = 1
	}
	return u
}

// fits reports whether adding add to used keeps every quota of c, and the first it breaks.
func fits(c *Cell, used, add Usage) (bool, limits.Quota) {
	for _, q := range CellQuotas(c) {
		if used[q.Key]+add[q.Key] > q.Max {
			return false, q
		}
	}
	return true, limits.Quota{}
}

// CellUsage returns what cell c uses, per quota key, with its placed tenants.
func (m *Model) CellUsage(c *Cell) Usage {
	u := m.Fleet.CellBase()
	for _, d := range m.CellTenants(c) {
		u.add(m.Fleet.TenantUsage(d))
	}
	return u
}

// PartnerTarget is the name a partner's custom domains point at (CNAME), known before anything
// is deployed: for a pool or silo tenant <id>.custom.cells.<zone> in the environment zone, for
// a dedicated tenant edge.<its zone>. Each aliases the distribution serving the custom domains.
func (d Deployment) PartnerTarget() string {
	if d.Tenant.Tier == TierDedicated {
		if hosts := d.ProductHosts(); len(hosts) > 0 {
			return "edge." + hosts[0]
		}
		return ""
	}
	return d.Tenant.ID + ".custom." + InfraLabel + "." + d.Env.DNS.ZoneName
}
