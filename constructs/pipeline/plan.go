package pipeline

import (
	"sort"

	"github.com/fleetcdk/fleet/config"
)

// ControlPlaneStack is the name of the control-plane stack, deployed by the first wave.
const ControlPlaneStack = "control-plane"

// Wave is one stage of the pipeline: stacks deployed together, after an optional approval,
// then smoke-tested.
type Wave struct {
	// Name is the stage name: "control-plane", "<environment>-cells" or
	// "<environment>-<release wave>".
	Name string
	// Environment is the fleet environment; empty for the control plane.
	Environment string
	// Approval is true when a person must approve the wave first (environments with
	// requireApproval).
	Approval bool
	// Stacks are the stack names to deploy, in a stable order.
	Stacks []string
	// Accounts are the accounts of the wave's environment (its account, its cells' accounts and
	// its dedicated tenants' accounts), sorted: the wave's CodeBuild role may assume their CDK
	// bootstrap roles. Per environment rather than per wave, so onboarding a pool or silo tenant
	// does not change the pipeline stack.
	Accounts []string
	// SmokeTests are run after the wave's stacks are deployed, one per tenant.
	SmokeTests []SmokeTest
}

// SmokeTest is a tenant's post-deploy check: an HTTPS GET that must answer 2xx/3xx.
type SmokeTest struct {
	Tenant string
	URL    string
}

// Waves plans the fleet's release: the control plane, then per environment in fleet order
// (staging before production) its cells, then its tenants grouped by release wave in the
// order of fleet.yaml waves. Every wave of an environment with requireApproval waits for an
// approval. Empty waves are left out, and so are tenants whose requested account has no id
// yet (d.Pending).
func Waves(m *config.Model) []Wave {
	out := []Wave{{Name: ControlPlaneStack, Stacks: []string{ControlPlaneStack}, Accounts: []string{m.Fleet.Platform.Account}}}
	deps := m.Deployments()
	var health string
	if len(m.Fleet.Services) > 0 {
		health = m.Fleet.Services[0].HealthCheck
	}
	for i := range m.Fleet.Environments {
		env := &m.Fleet.Environments[i]
		accounts := []string{env.Account}
		for _, c := range m.Fleet.Cells {
			if c.Environment == env.Name {
				accounts = append(accounts, c.Account)
			}
		}
		for _, d := range deps {
			if d.Env.Name == env.Name && !d.Pending {
				accounts = append(accounts, d.Account)
			}
		}
		cells := Wave{Name: env.Name + "-cells", Environment: env.Name, Approval: env.RequireApproval, Accounts: accounts}
		for _, c := range m.Fleet.Cells {
			if c.Environment == env.Name {
				cells.Stacks = append(cells.Stacks, "cell-"+c.ID, "cell-"+c.ID+"-edge")
			}
		}
		out = appendWave(out, cells)
		for _, name := range m.Fleet.Waves {
			w := Wave{Name: env.Name + "-" + name, Environment: env.Name, Approval: env.RequireApproval, Accounts: accounts}
			for _, d := range deps {
				if d.Env.Name != env.Name || d.Tenant.Wave != name || d.Pending {
					continue
				}
				w.Stacks = append(w.Stacks, d.StackName())
				if len(d.Hosts) > 0 && health != "" {
					w.SmokeTests = append(w.SmokeTests, SmokeTest{Tenant: d.Tenant.ID, URL: "https://" + d.Hosts[0] + health})
				}
			}
			out = appendWave(out, w)
		}
	}
	return out
}

func appendWave(out []Wave, w Wave) []Wave {
	if len(w.Stacks) == 0 {
		return out
	}
	seen := map[string]bool{}
	var accts []string
	for _, a := range w.Accounts {
		if a != "" && !seen[a] {
			seen[a] = true
			accts = append(accts, a)
		}
	}
	sort.Strings(accts)
	w.Accounts = accts
	return append(out, w)
}
