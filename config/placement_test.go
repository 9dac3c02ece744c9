package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetcdk/fleet/limits"
)

func writeTenant(t *testing.T, dir, id, tier string, extra string) {
	t.Helper()
	body := fmt.Sprintf("id: %s\nname: %s\ntier: %s\nenvironments: [staging]\ndomains: [%s.app.example.com]\n%s", id, id, tier, id, extra)
	if err := os.WriteFile(filepath.Join(dir, TenantsDir, id+".yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// addCell appends a staging cell to the fleet folder's fleet.yaml.
func addCell(t *testing.T, dir, id, cidr string) {
	t.Helper()
	editFleet(t, dir, "waves:", fmt.Sprintf("  - {id: %s, environment: staging, cidr: %s, availabilityZones: [eu-west-1a, eu-west-1b]}\nwaves:", id, cidr))
}

func editFleet(t *testing.T, dir, old, new string) {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(dir, FleetFile))
	if !strings.Contains(string(data), old) {
		t.Fatalf("fleet.yaml has no %q", old)
	}
	os.WriteFile(filepath.Join(dir, FleetFile), []byte(strings.Replace(string(data), old, new, 1)), 0o644)
}

// roomyWAF lifts stg-a's WAF capacity to the AWS maximum so other quotas bind first.
func roomyWAF(t *testing.T, dir string) {
	editFleet(t, dir, "{id: stg-a, ", "{id: stg-a, wafCapacity: 5000, ")
}

func mustLoad(t *testing.T, dir string) *Model {
	t.Helper()
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPlacement_addingATenantMovesNoOther(t *testing.T) {
	dir := fleetDir(t)
	for i := 0; i < 12; i++ {
		writeTenant(t, dir, fmt.Sprintf("t%02d", i), []string{"pool", "silo"}[i%2], "")
	}
	m := mustLoad(t, dir)
	if err := m.WriteLock(); err != nil {
		t.Fatal(err)
	}
	before := m.Lock.Placements["staging"]
	writeTenant(t, dir, "a-newcomer", "silo", "") // sorts first: must not shift anyone's slot
	after := mustLoad(t, dir).Lock.Placements["staging"]
	for id, p := range before {
		if after[id] != p {
			t.Errorf("tenant %s moved from %+v to %+v", id, p, after[id])
		}
	}
	if after["a-newcomer"].Slot != 7 {
		t.Errorf("newcomer slot %d, want 7 (the next free one)", after["a-newcomer"].Slot)
	}
}

func TestPlacement_removingATenantFreesItsSlotForTheNextOnly(t *testing.T) {
	dir := fleetDir(t)
	for _, id := range []string{"s1", "s2", "s3"} {
		writeTenant(t, dir, id, "silo", "")
	}
	m := mustLoad(t, dir)
	m.WriteLock()
	os.Remove(filepath.Join(dir, TenantsDir, "s2.yaml"))
	m = mustLoad(t, dir)
	p := m.Lock.Placements["staging"]
	if p["s1"].Slot != 1 || p["s3"].Slot != 3 {
		t.Fatalf("remaining tenants moved: %+v", p)
	}
	m.WriteLock()
	writeTenant(t, dir, "s4", "silo", "")
	if got := mustLoad(t, dir).Lock.Placements["staging"]["s4"].Slot; got != 2 {
		t.Errorf("new tenant slot %d, want the freed slot 2", got)
	}
}

func TestPlacement_newTenantsGoToTheFirstCellWithRoom(t *testing.T) {
	dir := fleetDir(t)
	roomyWAF(t, dir)
	addCell(t, dir, "stg-b", "10.11.0.0/16")
	// A silo tenant with two services takes 2 rules + 2 target groups; the base fleet's cell
	// has 2 pooled services: 2 + 2*49 = 100 rules fill stg-a exactly.
	for i := 0; i < 50; i++ {
		writeTenant(t, dir, fmt.Sprintf("s%02d", i), "silo", "")
	}
	m := mustLoad(t, dir)
	p := m.Lock.Placements["staging"]
	if p["s48"].Cell != "stg-a" || p["s49"].Cell != "stg-b" {
		t.Fatalf("want s48 in stg-a (100 rules) and s49 in stg-b, got %+v %+v", p["s48"], p["s49"])
	}
	if u := m.CellUsage(m.Fleet.Cell("stg-a"))[limits.ALBRules.Key]; u != 100 {
		t.Errorf("stg-a uses %d listener rules, want 100", u)
	}
}

func TestPlacement_rejectsAFullEnvironmentNamingTheCellToAdd(t *testing.T) {
	dir := fleetDir(t)
	roomyWAF(t, dir)
	for i := 0; i < 50; i++ {
		writeTenant(t, dir, fmt.Sprintf("s%02d", i), "silo", "")
	}
	_, err := Load(dir)
	want := `tenants/s49.yaml:4:15: every cell of environment staging is full (first full on listener rules per ALB); no room for tenant "s49" (add a cell to fleet.yaml, such as {id: stg-b, environment: staging`
	if n := strings.Count(render(dir, err), "is full"); n != 1 {
		t.Errorf("want exactly one tenant without room, got %d", n)
	}
	if err == nil || !strings.Contains(render(dir, err), want) {
		t.Fatalf("want %q, got %v", want, err)
	}
}

func TestPlacement_rejectsAPinnedCellOverAQuotaNamingTheTenant(t *testing.T) {
	dir := fleetDir(t)
	roomyWAF(t, dir)
	addCell(t, dir, "stg-b", "10.11.0.0/16")
	for i := 0; i < 50; i++ {
		writeTenant(t, dir, fmt.Sprintf("s%02d", i), "silo", "cells: {staging: stg-a}\n")
	}
	_, err := Load(dir)
	want := `tenants/s49.yaml:6:8: cell stg-a would exceed listener rules per ALB (102 > 100) with tenant "s49"`
	if err == nil || !strings.Contains(render(dir, err), want) {
		t.Fatalf("want %q, got %v", want, err)
	}
}

func TestPlacement_wafCapacityBindsPoolTenants(t *testing.T) {
	dir := fleetDir(t)
	addCell(t, dir, "stg-b", "10.11.0.0/16")
	// base: 1125 managed + 14 for the base tenant; each one-host tenant adds 14: 25 fit in 1500.
	for i := 0; i < 26; i++ {
		writeTenant(t, dir, fmt.Sprintf("p%02d", i), "pool", "")
	}
	m := mustLoad(t, dir)
	u := m.CellUsage(m.Fleet.Cell("stg-a"))[limits.WAFCapacity.Key]
	if u > 1500 || u < 1500-14 {
		t.Errorf("stg-a uses %d WCU, want just under 1500", u)
	}
	if m.Lock.Placements["staging"]["p25"].Cell != "stg-b" {
		t.Errorf("p25 should overflow to stg-b: %+v", m.Lock.Placements["staging"]["p25"])
	}
}

func TestLock_staleUntilWritten(t *testing.T) {
	dir := fleetDir(t)
	m := mustLoad(t, dir)
	if !m.LockStale() {
		t.Fatal("a missing lock file must be stale")
	}
	m.WriteLock()
	if mustLoad(t, dir).LockStale() {
		t.Fatal("a just-written lock must be current")
	}
	writeTenant(t, dir, "late", "pool", "")
	if !mustLoad(t, dir).LockStale() {
		t.Fatal("a new tenant must make the lock stale")
	}
}

func TestLock_exampleFleetIsCurrent(t *testing.T) {
	if mustLoad(t, "..").LockStale() {
		t.Fatal("fleet.lock.json is stale: run `make lock` and commit it")
	}
}
