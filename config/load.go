package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FleetFile and TenantsDir are where a fleet folder keeps its config.
const (
	FleetFile  = "fleet.yaml"
	TenantsDir = "tenants"
)

// DirEnv is the environment variable that points the app and the tool at another fleet folder.
const DirEnv = "FLEET_DIR"

// Model is a loaded, validated fleet: the fleet config and every tenant, sorted by id.
type Model struct {
	Dir      string
	Fleet    Fleet
	FleetPos Positions
	Tenants  []*TenantFile

	// Lock is the placement this load computed, starting from the committed lock file.
	Lock *Lock

	placement map[placementKey]string
	slots     map[placementKey]int
}

// TenantFile is one tenant with where it came from.
type TenantFile struct {
	Path string
	Pos  Positions
	Tenant
}

// Load reads dir/fleet.yaml and dir/tenants/*.yaml, applies defaults and validates. It returns
// every problem it finds, as Diagnostics, and a nil Model unless there are none.
func Load(dir string) (*Model, error) {
	m, diags := load(dir)
	if len(diags) > 0 {
		diags.Sort()
		return nil, diags
	}
	return m, nil
}

func load(dir string) (*Model, Diagnostics) {
	var diags Diagnostics
	m := &Model{Dir: dir}
	fleetPath := filepath.Join(dir, FleetFile)
	r := reporter{file: fleetPath, diags: &diags}
	data, err := readBounded(fleetPath)
	if err != nil {
		r.at(Pos{}, fmt.Sprintf("point %s at a folder holding %s and %s/", DirEnv, FleetFile, TenantsDir), "%v", err)
		return nil, diags
	}
	root := parseDocument(r, data)
	if root == nil {
		return nil, diags
	}
	var whole bool
	m.FleetPos, whole = decodeInto(r, root, &m.Fleet)
	if !whole {
		return nil, diags // tenant rules need a well-formed fleet config
	}
	m.Fleet.applyDefaults()
	validateFleet(r, &m.Fleet, m.FleetPos)

	paths, err := tenantPaths(dir)
	if err != nil {
		r.at(Pos{}, "", "%v", err)
	}
	for _, p := range paths {
		tr := reporter{file: p, diags: &diags}
		data, err := readBounded(p)
		if err != nil {
			tr.at(Pos{}, "", "%v", err)
			continue
		}
		root := parseDocument(tr, data)
		if root == nil {
			continue
		}
		scanSecrets(tr, root, data)
		tf := &TenantFile{Path: p}
		var whole bool
		tf.Pos, whole = decodeInto(tr, root, &tf.Tenant)
		if !whole {
			continue // rules on a half-decoded tenant would only repeat the same problems
		}
		tf.applyDefaults(&m.Fleet)
		validateTenant(tr, &m.Fleet, tf)
		m.Tenants = append(m.Tenants, tf)
	}
	sort.Slice(m.Tenants, func(i, j int) bool {
		if m.Tenants[i].ID != m.Tenants[j].ID {
			return m.Tenants[i].ID < m.Tenants[j].ID
		}
		return m.Tenants[i].Path < m.Tenants[j].Path
	})
	validateAcross(&diags, m)
	if len(diags) == 0 {
		if err := m.place(); err != nil {
			diags = append(diags, err...)
		}
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return m, nil
}

// readBounded reads a config file, refusing (through parseDocument's size rule) to read one
// over MaxFileBytes into memory.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

// tenantPaths lists tenants/*.yaml and *.yml, sorted.
func tenantPaths(dir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, TenantsDir))
	if err != nil {
		return nil, fmt.Errorf("read tenants folder: %w", err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") {
			out = append(out, filepath.Join(dir, TenantsDir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}
