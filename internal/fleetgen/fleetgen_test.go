package fleetgen

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/fleetcdk/fleet/config"
)

func TestGenerate_loads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, err := Generate(dir, Options{Tenants: 50, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tenants) != 50 {
		t.Fatalf("tenants = %d, want 50", len(m.Tenants))
	}
	// The written folder loads on its own, with a current lock file.
	m2, err := config.Load(dir)
	if err != nil {
		t.Fatalf("generated fleet does not load:\n%v", err)
	}
	if m2.LockStale() {
		t.Error("fleet.lock.json is stale")
	}
	tiers := map[config.Tier]int{}
	var twoDomains, custom, overrides, pending int
	for _, tf := range m2.Tenants {
		tiers[tf.Tier]++
		if len(tf.Domains) > 1 {
			twoDomains++
		}
		if len(tf.CustomDomains) > 0 {
			custom++
		}
		if len(tf.Services) > 0 {
			overrides++
		}
		if tf.Account != nil && tf.Account.ID == "" {
			pending++
		}
	}
	if tiers[config.TierPool] < 25 || tiers[config.TierSilo] < 5 {
		t.Errorf("tier mix %v: want mostly pool, some silo", tiers)
	}
	if twoDomains == 0 || custom == 0 || overrides == 0 {
		t.Errorf("two domains %d, custom domains %d, overrides %d: want some of each", twoDomains, custom, overrides)
	}
	for _, e := range m2.Fleet.Environments {
		n := 0
		for _, c := range m2.Fleet.Cells {
			if c.Environment == e.Name {
				n++
			}
		}
		if n == 0 {
			t.Errorf("environment %s has no cell", e.Name)
		}
	}
}

func TestGenerate_deterministic(t *testing.T) {
	t.Parallel()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := Generate(d, Options{Tenants: 120, Seed: 42, WAFCapacity: 1500}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Generate(c, Options{Tenants: 120, Seed: 43, WAFCapacity: 1500}); err != nil {
		t.Fatal(err)
	}
	fa, fb, fc := readTree(t, a), readTree(t, b), readTree(t, c)
	if len(fa) != len(fb) {
		t.Fatalf("same seed: %d files vs %d", len(fa), len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("same seed, different %s", name)
		}
	}
	if bytes.Equal(fa["fleet.lock.json"], fc["fleet.lock.json"]) && bytes.Equal(fa["tenants"], fc["tenants"]) {
		t.Error("seeds 42 and 43 wrote the same fleet")
	}
}

func TestGenerate_sizesCells(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, err := Generate(dir, Options{Tenants: 300, Seed: 1, WAFCapacity: 1500, Environments: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Fleet.Environments) != 3 {
		t.Fatalf("environments = %d, want 3", len(m.Fleet.Environments))
	}
	// Every cell holds a tenant: no empty trailing cells.
	for i := range m.Fleet.Cells {
		c := &m.Fleet.Cells[i]
		if len(m.CellTenants(c)) == 0 {
			t.Errorf("cell %s is empty", c.ID)
		}
	}
}

func TestGenerate_rejectsExistingFleet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, config.FleetFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dir, Options{Tenants: 3}); err == nil {
		t.Fatal("Generate overwrote an existing fleet.yaml")
	}
}

// readTree maps every file's path (relative to dir) to its content; "tenants" holds all tenant
// files concatenated.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var all []byte
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = data
		if filepath.Dir(rel) == config.TenantsDir {
			all = append(all, data...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out["tenants"] = all
	return out
}
