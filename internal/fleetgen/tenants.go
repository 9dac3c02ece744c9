package fleetgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fleetcdk/fleet/config"
)

var prefixes = []string{
	"acme", "alder", "apex", "aspen", "aurora", "bayside", "beacon", "birch", "bluebird", "bright",
	"cedar", "clearwater", "copper", "coral", "crescent", "delta", "dune", "elm", "ember", "evergreen",
	"fairview", "falcon", "fern", "glacier", "granite", "harbor", "highland", "hollow", "horizon", "hudson",
	"indigo", "iris", "jade", "juniper", "kestrel", "keystone", "lakeside", "laurel", "lotus", "lumen",
	"magnolia", "maple", "marble", "meadow", "meridian", "mosaic", "nimbus", "northwind", "nova", "oakridge",
	"olive", "orbit", "pacific", "pinnacle", "pioneer", "prairie", "quartz", "raven", "redwood", "riverbend",
	"sagebrush", "sequoia", "silverline", "sterling", "summit", "sunrise", "tidewater", "trinity", "unity", "upland",
	"valley", "vantage", "vista", "westbrook", "willow", "yarrow", "zenith", "arbor", "brookside", "canyon",
}

var nouns = []string{
	"Health", "Clinic", "Care", "Pharma", "Medical", "Wellness", "Hospital", "Therapeutics", "Labs", "Biosciences",
	"Family Practice", "Pediatrics", "Cardiology", "Respiratory", "Home Care", "Health System", "Medical Group",
	"Pharmacy", "Diagnostics", "Rehab", "Senior Living", "Physicians", "Health Network", "Care Partners", "Nursing",
	"Dental", "Vision", "Orthopedics", "Oncology", "Allergy",
}

var firstNames = []string{"Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yara"}
var lastNames = []string{"Ahmed", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Weber"}
var roles = []string{"technical", "business", "security", "billing"}

// overrides are service overrides a silo or dedicated tenant may carry; each is valid against
// the catalog of baseFleet (Fargate pairs, min <= desired <= max).
var overrides = []config.ServiceOverride{
	{CPU: 1024, Memory: 2048, DesiredCount: 3, MaxCount: 12},
	{DesiredCount: 3, MaxCount: 9},
	{CPU: 512, Memory: 2048},
	{MinCount: 3, DesiredCount: 4, MaxCount: 20},
	{CPU: 1024, Memory: 4096},
}

var waves = []string{"canary", "early", "main"}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func slug(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "-")) }

// makeTenants draws o.Tenants tenants: names from prefix x noun (shuffled by the seed), tiers
// about 70/25/5 % pool/silo/dedicated, and everything else from the same random stream.
func (g *gen) makeTenants() []config.Tenant {
	r := g.rng
	type name struct{ prefix, noun string }
	var names []name
	for _, p := range prefixes {
		for _, n := range nouns {
			names = append(names, name{p, n})
		}
	}
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	envNames := make([]string, len(g.fleet.Environments))
	for i, e := range g.fleet.Environments {
		envNames[i] = e.Name
	}
	prodEnv := envNames[len(envNames)-1]

	usedLabel := map[string]bool{}
	usedID := map[string]bool{}
	label := func(cands ...string) string {
		for _, c := range cands {
			if !usedLabel[c] && c != "cells" && !slices.Contains(envNames, c) {
				usedLabel[c] = true
				return c
			}
		}
		for i := 2; ; i++ {
			c := fmt.Sprintf("%s-%d", cands[len(cands)-1], i)
			if !usedLabel[c] {
				usedLabel[c] = true
				return c
			}
		}
	}
	tenants := make([]config.Tenant, 0, g.o.Tenants)
	dedicated := 0
	for i := 0; i < g.o.Tenants; i++ {
		nm := names[i%len(names)]
		display := title(nm.prefix) + " " + nm.noun
		id := nm.prefix + "-" + slug(nm.noun)
		if round := i / len(names); round > 0 {
			display = fmt.Sprintf("%s %d", display, round+1)
			id = fmt.Sprintf("%s-%d", id, round+1)
		}
		for usedID[id] {
			id += "x"
		}
		usedID[id] = true
		t := config.Tenant{ID: id, Name: display}

		switch p := r.IntN(100); {
		case p < 70:
			t.Tier = config.TierPool
		case p < 95:
			t.Tier = config.TierSilo
		default:
			t.Tier = config.TierDedicated
		}

		switch p := r.IntN(100); {
		case len(envNames) == 1 || p < 85:
			t.Environments = append([]string(nil), envNames...)
		case p < 95:
			t.Environments = []string{prodEnv}
		default:
			t.Environments = []string{envNames[len(envNames)-2]} // a trial, before production
		}

		lbl := label(nm.prefix, nm.prefix+"-"+strings.ToLower(strings.Fields(nm.noun)[0]), id)
		t.Domains = []string{lbl + "." + ProductDomain}
		switch p := r.IntN(100); {
		case t.Tier == config.TierDedicated && p < 50:
			t.Domains = append(t.Domains, "app."+lbl+"."+ProductDomain) // inside its own zone
		case t.Tier != config.TierDedicated && p < 20:
			t.Domains = append(t.Domains, label(lbl+"-portal", lbl+"-app", lbl+"-patients")+"."+ProductDomain)
		case t.Tier != config.TierDedicated && p < 22:
			t.Domains = append(t.Domains, "patients."+lbl+"."+ProductDomain) // deeper than the cell's wildcard
		}
		if slices.Contains(t.Environments, prodEnv) && r.IntN(100) < 20 {
			org := strings.ReplaceAll(id, "-", "")
			t.CustomDomains = []string{"portal." + org + ".example"}
			if r.IntN(4) == 0 {
				t.CustomDomains = append(t.CustomDomains, "adherence."+org+".example")
			}
		}

		if t.Tier != config.TierPool && r.IntN(100) < 40 {
			t.Services = map[string]config.ServiceOverride{}
			for k := 1 + r.IntN(2); k > 0; k-- {
				svc := g.fleet.Services[1+r.IntN(len(g.fleet.Services)-1)]
				t.Services[svc.Name] = overrides[r.IntN(len(overrides))]
			}
		}
		if t.Tier == config.TierDedicated {
			dedicated++
			if dedicated%6 == 0 {
				t.Account = &config.Account{Email: "aws+" + id + "@" + ProductDomain, Tags: map[string]string{"Partner": id}}
			} else {
				t.Account = &config.Account{ID: fmt.Sprintf("4%011d", 10000000+7919*dedicated)}
			}
			if r.IntN(2) == 0 {
				t.Region = "eu-central-1"
			}
		}
		if r.IntN(100) < 30 {
			t.Limits.RequestsPerFiveMinutes = []int{1000, 5000, 10000, 20000}[r.IntN(4)]
		}
		switch p := r.IntN(100); {
		case p < 5:
			t.Wave = waves[0]
		case p < 25:
			t.Wave = waves[1]
		case p < 60:
			t.Wave = waves[2]
		}
		if r.IntN(100) < 60 {
			t.Tags = map[string]string{"CostCenter": fmt.Sprintf("cc-%04d", 1000+r.IntN(9000))}
			if t.Tier == config.TierDedicated {
				t.Tags["DataClass"] = "phi"
			}
		}
		for k := r.IntN(3); k > 0; k-- {
			first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
			t.Contacts = append(t.Contacts, config.Contact{
				Name:  first + " " + last,
				Email: strings.ToLower(first+"."+last) + "@" + strings.ReplaceAll(id, "-", "") + ".example",
				Role:  roles[r.IntN(len(roles))],
			})
		}
		tenants = append(tenants, t)
	}
	return tenants
}
