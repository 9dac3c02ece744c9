package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetcdk/fleet/config"
)

func TestGenerate_writesAFleetThatLoads(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fleet")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"generate", "--tenants", "50", "--out", out, "--seed", "9"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "50 tenants") {
		t.Errorf("summary lacks the tenant count:\n%s", stdout.String())
	}
	m, err := config.Load(out)
	if err != nil {
		t.Fatalf("generated fleet does not load:\n%v", err)
	}
	if len(m.Tenants) != 50 || m.LockStale() {
		t.Errorf("%d tenants, lock stale %v; want 50, false", len(m.Tenants), m.LockStale())
	}
	// fleetctl validate agrees (it also checks the lock file).
	t.Setenv(config.DirEnv, out)
	stdout.Reset()
	if code := run([]string{"validate"}, &stdout, &stderr); code != 0 {
		t.Fatalf("validate: exit %d: %s", code, stderr.String())
	}

	// Same seed, same bytes.
	again := filepath.Join(t.TempDir(), "fleet")
	if code := run([]string{"generate", "--tenants", "50", "--out", again, "--seed", "9"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, name := range append([]string{config.FleetFile, config.LockFile}, tenantFiles(t, out)...) {
		a, _ := os.ReadFile(filepath.Join(out, name))
		b, err := os.ReadFile(filepath.Join(again, name))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("same seed, different %s", name)
		}
	}
}

func TestGenerate_rejectsMissingFlagsAndExistingFleet(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"generate", "--out", t.TempDir()}, &stdout, &stderr); code != 1 {
		t.Errorf("no --tenants: exit %d, want 1", code)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, config.FleetFile), []byte("product: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run([]string{"generate", "--tenants", "3", "--out", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "already exists") {
		t.Errorf("existing fleet: exit %d, stderr %q; want 1 and \"already exists\"", code, stderr.String())
	}
}

func tenantFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, config.TenantsDir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, filepath.Join(config.TenantsDir, e.Name()))
	}
	return out
}
