package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// fleetDir copies testdata/base into a temporary folder and returns it.
func fleetDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, filepath.Join("testdata", "base"), dir)
	return dir
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// render prints diagnostics with the temporary folder removed, as a golden file holds them.
func render(dir string, err error) string {
	if err == nil {
		return "ok\n"
	}
	return strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "") + "\n"
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./config -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("diagnostics differ from %s (go test ./config -update to accept):\n--- want\n%s--- got\n%s", path, want, got)
	}
}

func TestLoad_exampleFleetIsValid(t *testing.T) {
	m, err := Load(filepath.Join("..")) // the repository's own fleet
	if err != nil {
		t.Fatalf("the example fleet must validate:\n%v", err)
	}
	tiers := map[Tier]int{}
	for _, tf := range m.Tenants {
		tiers[tf.Tier]++
	}
	for _, tier := range Tiers {
		if tiers[tier] == 0 {
			t.Errorf("the example fleet has no %s tenant", tier)
		}
	}
	if len(m.Fleet.Environments) < 2 {
		t.Errorf("the example fleet needs two environments, has %d", len(m.Fleet.Environments))
	}
}

func TestLoad_baseFleetIsValid(t *testing.T) {
	dir := fleetDir(t)
	if _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
}

// TestLoad_rejects runs every testdata/invalid case against the base fleet and compares the
// diagnostics with its golden file. A .yaml case becomes tenants/<case>.yaml; a folder case is
// overlaid on the fleet folder.
func TestLoad_rejects(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "invalid"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".golden") {
			continue
		}
		c := strings.TrimSuffix(name, ".yaml")
		t.Run(c, func(t *testing.T) {
			dir := fleetDir(t)
			src := filepath.Join("testdata", "invalid", name)
			if e.IsDir() {
				copyTree(t, src, dir)
			} else {
				data, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, TenantsDir, c+".yaml"), data, 0o644)
			}
			_, err := Load(dir)
			if err == nil {
				t.Fatalf("case %s loaded without error", c)
			}
			golden(t, filepath.Join("testdata", "invalid", c+".golden"), render(dir, err))
		})
	}
}

func TestLoad_rejectsBadFleet(t *testing.T) {
	for _, c := range []string{"bad-fleet", "wrong-type", "too-many-accounts"} {
		t.Run(c, func(t *testing.T) {
			dir := fleetDir(t)
			data, _ := os.ReadFile(filepath.Join("testdata", "invalid-fleet", c+".yaml"))
			os.WriteFile(filepath.Join(dir, FleetFile), data, 0o644)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("loaded without error")
			}
			golden(t, filepath.Join("testdata", "invalid-fleet", c+".golden"), render(dir, err))
		})
	}
}

func TestLoad_rejectsOversizedFile(t *testing.T) {
	dir := fleetDir(t)
	big := "id: big\nname: Big\n# " + strings.Repeat("x", MaxFileBytes) + "\n"
	os.WriteFile(filepath.Join(dir, TenantsDir, "big.yaml"), []byte(big), 0o644)
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "tenants/big.yaml: file is over the 65536-byte limit") {
		t.Fatalf("want the size limit error, got %v", err)
	}
}

// TestLoad_rejectsAliasBombFast feeds a billion-laughs document: it must be rejected without
// expanding the aliases, quickly and in bounded memory.
func TestLoad_rejectsAliasBombFast(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("id: bomb\nname: Bomb\ntier: pool\nenvironments: [staging]\ndomains: [bomb.app.example.com]\n")
	b.WriteString("x0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i < 30; i++ {
		b.WriteString("x" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [")
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*a" + strconv.Itoa(i-1))
		}
		b.WriteString("]\n")
	}
	dir := fleetDir(t)
	os.WriteFile(filepath.Join(dir, TenantsDir, "bomb.yaml"), b.Bytes(), 0o644)
	start := time.Now()
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "anchors") {
		t.Fatalf("want the anchors/aliases error, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("alias bomb took %s to reject", d)
	}
}

func TestLoad_appliesDefaults(t *testing.T) {
	m, err := Load(fleetDir(t))
	if err != nil {
		t.Fatal(err)
	}
	tf := m.Tenant("base")
	if tf.Wave != "main" || tf.Limits.RequestsPerFiveMinutes != 2000 {
		t.Errorf("defaults: wave %q, limit %d; want main, 2000", tf.Wave, tf.Limits.RequestsPerFiveMinutes)
	}
	c := m.Fleet.Cell("stg-a")
	if c.Account != "222222222222" || c.Region != "eu-west-1" || c.WAFCapacity != 1500 {
		t.Errorf("cell defaults: %+v", c)
	}
	if m.Fleet.CDN.StaticMinTTL != 180 {
		t.Errorf("static min TTL default %d, want 180", m.Fleet.CDN.StaticMinTTL)
	}
}

func TestModel_hostsPerEnvironment(t *testing.T) {
	dir := fleetDir(t)
	os.WriteFile(filepath.Join(dir, TenantsDir, "acme.yaml"), []byte("id: acme\nname: Acme\ntier: silo\nenvironments: [staging, production]\ndomains: [acme.app.example.com]\ncustomDomains: [portal.acme.example]\n"), 0o644)
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range m.Deployments() {
		if d.Tenant.ID == "acme" {
			got[d.Env.Name] = strings.Join(d.Hosts, ",")
		}
	}
	if got["staging"] != "acme.staging.app.example.com" || got["production"] != "acme.app.example.com,portal.acme.example" {
		t.Errorf("hosts: %v", got)
	}
}

func TestSchema_committedFilesAreCurrent(t *testing.T) {
	for file, want := range map[string][]byte{FleetSchemaFile: FleetSchema(), TenantSchemaFile: TenantSchema()} {
		have, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, want) {
			t.Errorf("%s is stale: run `make schema` and commit it", file)
		}
	}
}

func TestSchema_yamlFilesReferenceIt(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", TenantsDir, "*.yaml"))
	paths = append(paths, filepath.Join("..", FleetFile))
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		first, _, _ := strings.Cut(string(data), "\n")
		want := "# yaml-language-server: $schema=./schema.json"
		if filepath.Base(p) == FleetFile {
			want = "# yaml-language-server: $schema=./" + FleetSchemaFile
		}
		if first != want {
			t.Errorf("%s: first line is %q, want %q", p, first, want)
		}
	}
}
