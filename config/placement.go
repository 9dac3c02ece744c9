package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/fleetcdk/fleet/limits"
)

// LockFile remembers where every pool and silo tenant was placed and which listener-rule slot a
// silo tenant holds, so adding, removing or resizing one tenant never moves another.
const LockFile = "fleet.lock.json"

// Lock is the content of fleet.lock.json.
type Lock struct {
	Version int `json:"version"`
	// Placements, per environment then tenant id.
	Placements map[string]map[string]Placement `json:"placements"`
}

// Placement is one tenant's cell in one environment.
type Placement struct {
	Cell string `json:"cell"`
	// Slot is a silo tenant's listener-rule slot in its cell (1-based); 0 for pool tenants.
	Slot int `json:"slot,omitempty"`
}

// Bytes renders the lock file, deterministically.
func (l *Lock) Bytes() []byte {
	b, _ := json.MarshalIndent(l, "", "  ")
	return append(b, '\n')
}

func readLock(dir string) (*Lock, error) {
	data, err := os.ReadFile(filepath.Join(dir, LockFile))
	if os.IsNotExist(err) {
		return &Lock{Version: 1, Placements: map[string]map[string]Placement{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var l Lock
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %v (delete it and run `make lock` to rebuild it)", filepath.Join(dir, LockFile), err)
	}
	if l.Placements == nil {
		l.Placements = map[string]map[string]Placement{}
	}
	return &l, nil
}

// LockStale reports whether the committed lock file differs from the placement this load
// computed; `make lock` (fleetctl lock) writes the computed one.
func (m *Model) LockStale() bool {
	have, err := os.ReadFile(filepath.Join(m.Dir, LockFile))
	return err != nil || !bytes.Equal(have, m.Lock.Bytes())
}

// WriteLock writes the computed placement to the lock file.
func (m *Model) WriteLock() error {
	return os.WriteFile(filepath.Join(m.Dir, LockFile), m.Lock.Bytes(), 0o644)
}

// place assigns every pool and silo tenant a cell in each of its environments, starting from
// the lock file: a locked tenant stays where it is (unless its file pins another cell), keeps
// its slot, and only new tenants are placed, in id order, into the first cell of their
// environment (fleet order) with room in every quota. Then every cell is checked against its
// quotas; an overflow names the cell, the quota and the tenant that tips it over.
func (m *Model) place() Diagnostics {
	var diags Diagnostics
	old, err := readLock(m.Dir)
	if err != nil {
		return Diagnostics{{File: filepath.Join(m.Dir, LockFile), Msg: err.Error()}}
	}
	lock := &Lock{Version: 1, Placements: map[string]map[string]Placement{}}
	m.Lock = lock
	m.placement = map[placementKey]string{}
	m.slots = map[placementKey]int{}
	for _, env := range m.Fleet.Environments {
		placed := map[string]Placement{}
		used := map[string]Usage{}
		slots := map[string]map[int]bool{}
		for _, c := range m.Fleet.Cells {
			if c.Environment == env.Name {
				used[c.ID] = m.Fleet.CellBase()
				slots[c.ID] = map[int]bool{}
			}
		}
		var todo []*TenantFile
		deployment := func(t *TenantFile, cell string) Deployment {
			return Deployment{Tenant: t, Env: m.Fleet.Environment(env.Name), Hosts: m.Hosts(t, m.Fleet.Environment(env.Name)), Cell: m.Fleet.Cell(cell)}
		}
		// 1. Keep what the lock (or a pin) says; placements are remembered, never recomputed.
		for _, t := range m.Tenants {
			if t.Tier == TierDedicated || !slices.Contains(t.Environments, env.Name) {
				continue
			}
			p, locked := old.Placements[env.Name][t.ID]
			pin, pinned := t.Cells[env.Name]
			switch {
			case pinned && (!locked || p.Cell != pin):
				p = Placement{Cell: pin}
			case locked && used[p.Cell] == nil:
				todo = append(todo, t) // its cell was removed from fleet.yaml: place it again
				continue
			case !locked:
				todo = append(todo, t)
				continue
			}
			if t.Tier != TierSilo {
				p.Slot = 0
			} else if p.Slot != 0 && slots[p.Cell][p.Slot] {
				p.Slot = 0 // two locked tenants on one slot: the later one (by id) gets a new one
			}
			placed[t.ID] = p
			used[p.Cell].add(m.Fleet.TenantUsage(deployment(t, p.Cell)))
			if p.Slot != 0 {
				slots[p.Cell][p.Slot] = true
			}
		}
		// 2. Place new tenants into the first cell with room in every quota.
		for _, t := range todo {
			chosen := ""
			var broke limits.Quota
			for _, c := range m.Fleet.Cells {
				if c.Environment != env.Name {
					continue
				}
				ok, q := fits(m.Fleet.Cell(c.ID), used[c.ID], m.Fleet.TenantUsage(deployment(t, c.ID)))
				if ok {
					chosen = c.ID
					break
				}
				if broke.Key == "" {
					broke = q
				}
			}
			if chosen == "" {
				r := reporter{file: t.Path, diags: &diags}
				hint := fmt.Sprintf("add a cell to fleet.yaml, such as {id: %s, environment: %s, cidr: <free /16>, availabilityZones: [...]}; nothing else needs to change", nextCellID(&m.Fleet, env.Name), env.Name)
				if broke.Key != "" {
					r.at(t.Pos.Of("environments"), hint, "every cell of environment %s is full (first full on %s); no room for tenant %q", env.Name, broke.Name, t.ID)
				} else {
					r.at(t.Pos.Of("environments"), hint, "environment %s has no cell for tenant %q", env.Name, t.ID)
				}
				continue
			}
			placed[t.ID] = Placement{Cell: chosen}
			used[chosen].add(m.Fleet.TenantUsage(deployment(t, chosen)))
		}
		// 3. Silo tenants without a slot take the lowest free one of their cell.
		for _, t := range m.Tenants {
			p, ok := placed[t.ID]
			if !ok || t.Tier != TierSilo || p.Slot != 0 {
				continue
			}
			for s := 1; ; s++ {
				if !slots[p.Cell][s] {
					p.Slot = s
					slots[p.Cell][s] = true
					break
				}
			}
			placed[t.ID] = p
		}
		if len(placed) > 0 {
			lock.Placements[env.Name] = placed
		}
		for id, p := range placed {
			m.placement[placementKey{id, env.Name}] = p.Cell
			m.slots[placementKey{id, env.Name}] = p.Slot
		}
	}
	if len(diags) > 0 {
		return diags
	}
	return m.checkCells()
}

// checkCells reports every cell over a quota, naming the tenant that tips it over: the first
// one, in slot then id order, at which the running total passes the quota.
func (m *Model) checkCells() Diagnostics {
	var diags Diagnostics
	for i := range m.Fleet.Cells {
		c := &m.Fleet.Cells[i]
		deps := m.CellTenants(c)
		sort.SliceStable(deps, func(a, b int) bool {
			sa, sb := m.Slot(deps[a]), m.Slot(deps[b])
			if sa != sb {
				return sa < sb
			}
			return deps[a].Tenant.ID < deps[b].Tenant.ID
		})
		for _, q := range CellQuotas(c) {
			total := m.Fleet.CellBase()[q.Key]
			for _, d := range deps {
				total += m.Fleet.TenantUsage(d)[q.Key]
				if total > q.Max {
					r := reporter{file: d.Tenant.Path, diags: &diags}
					r.at(d.Tenant.Pos.Of("cells"), fmt.Sprintf("pin it to another cell of %s with cells: {%s: <cell>}, or add a cell to fleet.yaml", d.Env.Name, d.Env.Name),
						"cell %s would exceed %s (%d > %d) with tenant %q", c.ID, q.Name, total, q.Max, d.Tenant.ID)
					break
				}
			}
		}
	}
	return diags
}

// nextCellID suggests an id for a new cell of env, after the environment's last cell.
func nextCellID(f *Fleet, env string) string {
	last := ""
	for _, c := range f.Cells {
		if c.Environment == env {
			last = c.ID
		}
	}
	if last == "" {
		return env + "-a"
	}
	if i := strings.LastIndexByte(last, '-'); i > 0 && len(last)-i == 2 && last[i+1] >= 'a' && last[i+1] < 'z' {
		return last[:i+1] + string(last[i+1]+1)
	}
	return last + "-2"
}
