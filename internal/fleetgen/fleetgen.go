package fleetgen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/limits"
)

// Options say what to generate.
type Options struct {
	// Tenants is the number of tenant files. Required, at least 1.
	Tenants int
	// Seed makes the fleet: the same seed and options write the same bytes. Default: 0.
	Seed uint64
	// Environments is 1 (production), 2 (staging, production) or 3 (dev, staging, production).
	// Default: 2.
	Environments int
	// WAFCapacity is every cell's wafCapacity: 1500 is the AWS base price, 5000 the maximum.
	// Default: 5000, which makes the listener rules and CloudFront aliases the binding quotas.
	WAFCapacity int
}

// ProductDomain is the product domain of every generated fleet.
const ProductDomain = "adhere.example.com"

func (o Options) withDefaults() (Options, error) {
	if o.Tenants < 1 {
		return o, fmt.Errorf("fleetgen: Tenants must be at least 1; got %d", o.Tenants)
	}
	if o.Environments == 0 {
		o.Environments = 2
	}
	if o.Environments < 1 || o.Environments > 3 {
		return o, fmt.Errorf("fleetgen: Environments is 1, 2 or 3; got %d", o.Environments)
	}
	if o.WAFCapacity == 0 {
		o.WAFCapacity = limits.WAFMaxCapacity
	}
	if o.WAFCapacity < limits.WAFCapacity.Max || o.WAFCapacity > limits.WAFMaxCapacity {
		return o, fmt.Errorf("fleetgen: WAFCapacity is %d to %d; got %d", limits.WAFCapacity.Max, limits.WAFMaxCapacity, o.WAFCapacity)
	}
	return o, nil
}

// Generate writes a fleet folder into dir (created if missing; it must not hold a fleet
// already), sized so that config.Load places every tenant, and the lock file of that placement.
// It returns the loaded model.
func Generate(dir string, o Options) (*config.Model, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	for _, p := range []string{config.FleetFile, config.TenantsDir, config.LockFile} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			return nil, fmt.Errorf("fleetgen: %s already exists; generate into an empty folder", filepath.Join(dir, p))
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, config.TenantsDir), 0o755); err != nil {
		return nil, err
	}
	g := newGen(o)
	for _, t := range g.tenants {
		path := filepath.Join(dir, config.TenantsDir, t.ID+".yaml")
		if err := os.WriteFile(path, renderTenant(&t), 0o644); err != nil {
			return nil, err
		}
	}
	m, err := g.sizeCells(dir)
	if err != nil {
		return nil, err
	}
	if err := m.WriteLock(); err != nil {
		return nil, err
	}
	return m, nil
}

// gen holds one fleet being generated.
type gen struct {
	o       Options
	rng     *rand.Rand
	fleet   config.Fleet
	tenants []config.Tenant
	// cells is the number of cells per environment, in environment order.
	cells []int
}

func newGen(o Options) *gen {
	g := &gen{o: o, rng: rand.New(rand.NewPCG(o.Seed, 0x666c656574676e31))}
	g.fleet = baseFleet(o.Environments)
	g.tenants = g.makeTenants()
	return g
}

var environments = []config.Environment{
	{Name: "dev", Account: "555555555555", Region: "eu-west-1", NAT: config.NATNone,
		DNS: config.Zone{ZoneName: "dev." + ProductDomain, ZoneID: "Z0DEV00000000000000001"}},
	{Name: "staging", Account: "222222222222", Region: "eu-west-1", NAT: config.NATSingle,
		DNS: config.Zone{ZoneName: "staging." + ProductDomain, ZoneID: "Z0STAGING000000000001"}},
	{Name: "production", Account: "333333333333", Region: "eu-west-1", Production: true, RequireApproval: true, NAT: config.NATPerAZ,
		DNS: config.Zone{ZoneName: ProductDomain, ZoneID: "Z0PRODUCTION00000001"}},
}

const ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/adhere/"

func baseFleet(envs int) config.Fleet {
	svc := func(name, image, path string, port, cpu, mem, desired, minC, maxC int) config.Service {
		health := path + "/health"
		if path == "/" {
			health = "/health"
		}
		return config.Service{Name: name, Image: image, Port: port, PathPrefix: path, HealthCheck: health, CPU: cpu, Memory: mem,
			Scaling: config.Scaling{DesiredCount: desired, MinCount: minC, MaxCount: maxC}}
	}
	return config.Fleet{
		Product:      config.Product{Name: "Adhere", Domain: ProductDomain},
		Platform:     config.Platform{Account: "111111111111", Region: "eu-west-1", TenantsOU: "ou-ab12-tenants01", OrganizationID: "o-a1b2c3d4e5"},
		Environments: append([]config.Environment(nil), environments[3-envs:]...),
		Waves:        []string{"canary", "early", "main"},
		CDN:          config.CDN{StaticMinTTL: 180},
		Services: []config.Service{
			svc("web", "public.ecr.aws/nginx/nginx:1.27", "/", 80, 256, 512, 2, 2, 6),
			svc("doctor-api", ecr+"doctor-api:1.8.2", "/doctor", 8080, 512, 1024, 2, 2, 10),
			svc("caregiver-api", ecr+"caregiver-api:1.8.2", "/caregiver", 8080, 512, 1024, 2, 2, 10),
			svc("admin-api", ecr+"admin-api:1.8.2", "/admin", 8080, 256, 512, 1, 1, 3),
			svc("realtime", ecr+"realtime:1.8.2", "/realtime", 8081, 512, 1024, 2, 2, 8),
		},
	}
}

// cellsFor lays out n cells per environment: distinct /16 blocks in fleet order, explicit AZs;
// every third production cell is in eu-central-1.
func (g *gen) cellsFor(n []int) ([]config.Cell, error) {
	var cells []config.Cell
	for e, env := range g.fleet.Environments {
		short := map[string]string{"dev": "dev", "staging": "stg", "production": "prd"}[env.Name]
		for i := 0; i < n[e]; i++ {
			region := env.Region
			if env.Production && i%3 == 2 {
				region = "eu-central-1"
			}
			azs := []string{region + "a", region + "b"}
			if env.Production {
				azs = append(azs, region+"c")
			}
			k := len(cells)
			var cidr string
			switch {
			case k < 240:
				cidr = fmt.Sprintf("10.%d.0.0/16", 16+k)
			case k < 256:
				cidr = fmt.Sprintf("172.%d.0.0/16", 16+k-240)
			default:
				return nil, fmt.Errorf("fleetgen: more than 256 cells needed; use fewer tenants or a larger WAFCapacity")
			}
			c := config.Cell{
				ID:                fmt.Sprintf("%s-%s-%02d", short, regionShort(region), i+1),
				Environment:       env.Name,
				CIDR:              cidr,
				AvailabilityZones: azs,
				WAFCapacity:       g.o.WAFCapacity,
				MaxTenants:        200,
			}
			if region != env.Region {
				c.Region = region
			}
			cells = append(cells, c)
		}
	}
	return cells, nil
}

func regionShort(r string) string {
	parts := strings.Split(r, "-") // eu-west-1 -> euw1
	if len(parts) != 3 {
		return r
	}
	return parts[0] + parts[1][:1] + parts[2]
}

// sizeCells writes fleet.yaml with as few cells as the placement needs: it starts from the
// quota-sum lower bound, adds cells while config.Load reports full environments and drops
// trailing empty cells.
func (g *gen) sizeCells(dir string) (*config.Model, error) {
	g.cells = g.estimate()
	for iter := 0; iter < 100; iter++ {
		cells, err := g.cellsFor(g.cells)
		if err != nil {
			return nil, err
		}
		f := g.fleet
		f.Cells = cells
		if err := os.WriteFile(filepath.Join(dir, config.FleetFile), g.renderFleet(&f), 0o644); err != nil {
			return nil, err
		}
		m, err := config.Load(dir)
		if err == nil {
			if g.trim(m) {
				continue
			}
			return m, nil
		}
		var diags config.Diagnostics
		if !errors.As(err, &diags) {
			return nil, err
		}
		full := map[string]int{}
		for _, d := range diags {
			env, ok := fullEnvironment(d.Msg)
			if !ok {
				return nil, fmt.Errorf("fleetgen: the generated fleet does not validate (a bug in fleetgen):\n%w", err)
			}
			full[env]++
		}
		for e, env := range g.fleet.Environments {
			unplaced := full[env.Name]
			if unplaced == 0 {
				continue
			}
			placed := g.inEnv(env.Name) - unplaced
			add := 1
			if placed > 0 {
				add = max(1, (unplaced*g.cells[e]+placed-1)/placed)
			}
			g.cells[e] += add
		}
	}
	return nil, errors.New("fleetgen: no cell layout found after 100 rounds")
}

// fullEnvironment recognizes the placement's "every cell of environment X is full" and
// "environment X has no cell" diagnostics.
func fullEnvironment(msg string) (string, bool) {
	if rest, ok := strings.CutPrefix(msg, "every cell of environment "); ok {
		env, _, _ := strings.Cut(rest, " ")
		return env, true
	}
	if rest, ok := strings.CutPrefix(msg, "environment "); ok {
		env, tail, _ := strings.Cut(rest, " ")
		return env, strings.HasPrefix(tail, "has no cell for tenant")
	}
	return "", false
}

// trim drops empty cells at the end of an environment (the proportional step may overshoot);
// it reports whether it changed anything.
func (g *gen) trim(m *config.Model) bool {
	changed := false
	for e, env := range g.fleet.Environments {
		var used []bool
		for i := range m.Fleet.Cells {
			c := &m.Fleet.Cells[i]
			if c.Environment == env.Name {
				used = append(used, len(m.CellTenants(c)) > 0)
			}
		}
		n := len(used)
		for n > 1 && !used[n-1] {
			n--
		}
		if n != g.cells[e] {
			g.cells[e], changed = n, true
		}
	}
	return changed
}

func (g *gen) inEnv(env string) int {
	n := 0
	for _, t := range g.tenants {
		if t.Tier != config.TierDedicated && slices.Contains(t.Environments, env) {
			n++
		}
	}
	return n
}

// estimate is the lower bound of cells per environment: the pool and silo tenants' summed
// usage of each quota over what one cell has room for, with the same formulas as placement.
func (g *gen) estimate() []int {
	cells, _ := g.cellsFor(make1(len(g.fleet.Environments)))
	out := make([]int, len(g.fleet.Environments))
	for e := range g.fleet.Environments {
		env := &g.fleet.Environments[e]
		cell := &cells[e]
		sum := config.Usage{}
		for i := range g.tenants {
			t := &g.tenants[i]
			if t.Tier == config.TierDedicated || !slices.Contains(t.Environments, env.Name) {
				continue
			}
			d := config.Deployment{Tenant: &config.TenantFile{Tenant: *t}, Env: env, Cell: cell, Hosts: hosts(&g.fleet, t, env)}
			for k, v := range g.fleet.TenantUsage(d) {
				sum[k] += v
			}
		}
		base := g.fleet.CellBase()
		out[e] = 1
		for _, q := range config.CellQuotas(cell) {
			room := q.Max - base[q.Key]
			if room > 0 {
				out[e] = max(out[e], (sum[q.Key]+room-1)/room)
			}
		}
	}
	return out
}

func make1(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

// hosts mirrors config.Model.Hosts for a tenant not loaded yet.
func hosts(f *config.Fleet, t *config.Tenant, env *config.Environment) []string {
	var out []string
	for _, d := range t.Domains {
		out = append(out, strings.TrimSuffix(d, "."+f.Product.Domain)+"."+env.DNS.ZoneName)
	}
	if env.Production {
		out = append(out, t.CustomDomains...)
	}
	return out
}
