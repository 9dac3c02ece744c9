package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadTenant feeds arbitrary bytes as a tenant file to the loader: it must never panic,
// whatever the input. The seed corpus (every invalid fixture and the example tenants) runs as
// part of `go test`; `make fuzz` explores beyond it.
func FuzzLoadTenant(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join("..", TenantsDir, "*.yaml"))
	for _, p := range append(seeds, more...) {
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
	}
	base := f.TempDir()
	copyTreeF(f, filepath.Join("testdata", "base"), base)
	fleet, _ := os.ReadFile(filepath.Join(base, FleetFile))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, TenantsDir), 0o755)
		os.WriteFile(filepath.Join(dir, FleetFile), fleet, 0o644)
		os.WriteFile(filepath.Join(dir, TenantsDir, "fuzz.yaml"), data, 0o644)
		m, err := Load(dir)
		if err == nil && m == nil {
			t.Fatal("Load returned neither a model nor an error")
		}
		if err != nil && m != nil {
			t.Fatal("Load returned both a model and an error")
		}
	})
}

func copyTreeF(f *testing.F, from, to string) {
	filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, _ := os.ReadFile(p)
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
}
