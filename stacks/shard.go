package stacks

import (
	"sort"

	"github.com/fleetcdk/fleet/config"
)

// A unit is a set of stacks that must be built by one process: a cell with its pool and silo
// tenants (they hold construct references into the cell), a dedicated tenant's site, or the
// platform stacks. Units never reference each other's constructs, so workers can synthesize
// them apart and their cloud assemblies can be merged.
type unit struct {
	key    string
	weight int // estimated resources, to balance workers
}

const platformUnit = "platform"

func cellUnit(id string) string { return "cell:" + id }

func dedicatedUnit(d config.Deployment) string { return "dedicated:" + d.StackName() }

func units(m *config.Model) []unit {
	services := len(m.Fleet.Services)
	out := []unit{{platformUnit, 50}}
	w := map[string]int{}
	for _, c := range m.Fleet.Cells {
		w[c.ID] = 160
	}
	for _, d := range m.Deployments() {
		switch {
		case d.Pending:
		case d.Cell != nil && d.Tenant.Tier == config.TierSilo:
			w[d.Cell.ID] += 45 + 15*services
		case d.Cell != nil:
			w[d.Cell.ID] += 12
		default:
			out = append(out, unit{dedicatedUnit(d), 180 + 15*services})
		}
	}
	for _, c := range m.Fleet.Cells {
		out = append(out, unit{cellUnit(c.ID), w[c.ID]})
	}
	return out
}

// assign spreads the units over n workers, heaviest first onto the lightest worker; the
// result depends only on the config, so every worker computes the same assignment.
func assign(m *config.Model, n int) map[string]int {
	us := units(m)
	sort.SliceStable(us, func(i, j int) bool {
		if us[i].weight != us[j].weight {
			return us[i].weight > us[j].weight
		}
		return us[i].key < us[j].key
	})
	load := make([]int, n)
	out := map[string]int{}
	for _, u := range us {
		best := 0
		for i := range load {
			if load[i] < load[best] {
				best = i
			}
		}
		out[u.key] = best
		load[best] += u.weight
	}
	return out
}

// CrossShardDependencies are the stack dependencies between units (a dedicated tenant's
// stack on its environment's dns-<env> stack) that a merge of worker assemblies must restore.
func CrossShardDependencies(m *config.Model) map[string][]string {
	deps := map[string][]string{}
	for _, d := range m.Deployments() {
		if d.Tenant.Tier == config.TierDedicated && !d.Pending {
			deps[d.StackName()] = append(deps[d.StackName()], "dns-"+d.Env.Name)
		}
	}
	return deps
}

// EstimatedStacks is roughly how many stacks the fleet synthesizes (for choosing to shard).
func EstimatedStacks(m *config.Model) int {
	return 2 + 2*len(m.Fleet.Cells) + len(m.Deployments())
}
