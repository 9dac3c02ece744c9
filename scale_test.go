package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/fleetgen"
	"github.com/fleetcdk/fleet/limits"
	"github.com/fleetcdk/fleet/stacks"
)

// TestScale500 generates a fleet of 500 tenants (two environments, mixed tiers), then:
//   - adds one tenant and requires that no other tenant's cell or listener-rule slot (and so
//     no priority) changes;
//   - synthesizes the whole fleet (worker processes, validation off) and requires every
//     template within 500 resources and 1 MB, and every cell within its quotas.
func TestScale500(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes 500 tenants")
	}
	dir := t.TempDir()
	m, err := fleetgen.Generate(dir, fleetgen.Options{Tenants: 500, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	before := m.Lock.Placements
	os.WriteFile(filepath.Join(dir, config.TenantsDir, "aaa-newcomer.yaml"),
		[]byte("id: aaa-newcomer\nname: Newcomer\ntier: silo\nenvironments: [staging, production]\ndomains: [aaa-newcomer.adhere.example.com]\n"), 0o644)
	after, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for env, placed := range before {
		for id, p := range placed {
			if q := after.Lock.Placements[env][id]; q != p {
				moved++
				t.Errorf("%s/%s moved from %+v to %+v when another tenant was added", env, id, p, q)
			}
		}
	}
	for _, d := range after.Deployments() {
		if d.Cell == nil {
			continue
		}
		for _, q := range config.CellQuotas(d.Cell) {
			if used := after.CellUsage(d.Cell)[q.Key]; used > q.Max {
				t.Errorf("cell %s: %s %d > %d", d.Cell.ID, q.Name, used, q.Max)
			}
		}
	}

	bin := filepath.Join(t.TempDir(), "fleet-app")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	data, _ := os.ReadFile("cdk.json")
	json.Unmarshal(data, &cfg)
	ctx, _ := json.Marshal(cfg.Context)
	out := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(ctx), "FLEET_DIR="+dir, "CDK_VALIDATION=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("synth of 500 tenants: %v\n%s", err, b)
	}
	sizes, err := stacks.TemplateSizes(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) < 1000 {
		t.Fatalf("only %d stacks for 500 tenants in two environments", len(sizes))
	}
	largest := stacks.TemplateSize{}
	for _, s := range sizes {
		if s.Resources > limits.StackResources.Max || s.Bytes > limits.TemplateBytes.Max {
			t.Errorf("%s: %d resources, %d bytes", s.Stack, s.Resources, s.Bytes)
		}
		if s.Bytes > largest.Bytes {
			largest = s
		}
	}
	t.Log(fmt.Sprintf("%d stacks; largest %s: %d resources, %d bytes", len(sizes), largest.Stack, largest.Resources, largest.Bytes))
}
