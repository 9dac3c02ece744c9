package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/fleetgen"
)

func TestStatusOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		used, limit int
		want        Status
	}{
		{0, 100, OK}, {79, 100, OK}, {80, 100, Warn}, {100, 100, Warn}, {101, 100, Fail},
		{1199, 1500, OK}, {1200, 1500, Warn}, {8, 10, Warn}, {11, 10, Fail},
	} {
		if got := StatusOf(tc.used, tc.limit); got != tc.want {
			t.Errorf("StatusOf(%d, %d) = %s, want %s", tc.used, tc.limit, got, tc.want)
		}
	}
}

func TestBuild_matchesPlacement(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, err := fleetgen.Generate(dir, fleetgen.Options{Tenants: 60, Seed: 5, WAFCapacity: 1500})
	if err != nil {
		t.Fatal(err)
	}
	p := Build(m)
	if p.Tenants != 60 || p.Cells != len(m.Fleet.Cells) {
		t.Fatalf("plan counts %d tenants, %d cells; want 60, %d", p.Tenants, p.Cells, len(m.Fleet.Cells))
	}
	cells, dedicated := 0, 0
	for _, e := range p.Environments {
		dedicated += len(e.Dedicated) + len(e.Pending)
		for _, c := range e.Cells {
			cells++
			mc := m.Fleet.Cell(c.ID)
			used := m.CellUsage(mc)
			quotas := config.CellQuotas(mc)
			if len(c.Quotas) != len(quotas) {
				t.Fatalf("cell %s: %d quotas, want %d", c.ID, len(c.Quotas), len(quotas))
			}
			if len(c.Tenants) != len(m.CellTenants(mc)) {
				t.Errorf("cell %s: %d tiles, want %d", c.ID, len(c.Tenants), len(m.CellTenants(mc)))
			}
			for i, q := range c.Quotas {
				if q.Key != quotas[i].Key || q.Used != used[q.Key] || q.Limit != quotas[i].Max {
					t.Errorf("cell %s quota %s: %d/%d, want %s %d/%d", c.ID, q.Key, q.Used, q.Limit, quotas[i].Key, used[q.Key], quotas[i].Max)
				}
				if len(q.Top) > TopN {
					t.Errorf("cell %s quota %s: %d top tenants", c.ID, q.Key, len(q.Top))
				}
				for j := 1; j < len(q.Top); j++ {
					if q.Top[j].Used > q.Top[j-1].Used {
						t.Errorf("cell %s quota %s: top tenants not sorted: %v", c.ID, q.Key, q.Top)
					}
				}
				// The top tenants' shares and the cell's base never exceed the total.
				sum := q.Base
				for _, s := range q.Top {
					sum += s.Used
				}
				if sum > q.Used {
					t.Errorf("cell %s quota %s: base + top = %d > used %d", c.ID, q.Key, sum, q.Used)
				}
			}
		}
	}
	if cells != len(m.Fleet.Cells) {
		t.Errorf("plan shows %d cells, want %d", cells, len(m.Fleet.Cells))
	}
	// With 1500 WCU the managed rules alone take 75 %: the full cells warn.
	if p.Warnings == 0 {
		t.Error("no warning in a fleet whose cells are full")
	}
	if p.Failures != 0 {
		t.Errorf("%d failures in a fleet that loads", p.Failures)
	}
	wantDedicated := 0
	for _, d := range m.Deployments() {
		if d.Tenant.Tier == config.TierDedicated {
			wantDedicated++
		}
	}
	if dedicated != wantDedicated {
		t.Errorf("plan shows %d dedicated deployments, want %d", dedicated, wantDedicated)
	}
}

func TestWriteText_marksWarnAndFail(t *testing.T) {
	t.Parallel()
	p := &Plan{Dir: "fleet", Tenants: 2, Cells: 1, Environments: []Environment{{
		Name: "production", Account: "333333333333", Region: "eu-west-1",
		Cells: []Cell{{ID: "prd-a", Account: "333333333333", Region: "eu-west-1", Status: Fail,
			Tenants: []Tile{{ID: "acme", Tier: config.TierSilo}, {ID: "globex", Tier: config.TierPool}},
			Quotas: []Quota{
				{Key: "alb-rules", Name: "listener rules per ALB", Used: 40, Limit: 100, Status: OK, Top: []Share{{"acme", config.TierSilo, 5}}},
				{Key: "waf-wcu", Name: "WAF web ACL capacity units", Used: 1300, Limit: 1500, Status: Warn},
				{Key: "acm-names", Name: "domain names per ACM certificate", Used: 11, Limit: 10, Status: Fail},
			}}},
		Pending: []Dedicated{{ID: "orbit", Email: "aws+orbit@example.com", OU: "ou-ab12-tenants01", Region: "eu-west-1", Pending: true}},
	}}, Warnings: 1, Failures: 1}
	var b bytes.Buffer
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"cell prd-a", "40/100", "acme 5",
		"WARN  WAF web ACL capacity units", "1300/1500", "86%",
		"FAIL  domain names per ACM certificate", "11/10",
		"pending accounts in production", "aws+orbit@example.com",
		"FAIL: 1 quota(s) over their limit",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text plan lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteHTML_selfContained(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, err := fleetgen.Generate(dir, fleetgen.Options{Tenants: 30, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Build(m).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// Quota sources are cited as text (titles); nothing is loaded from anywhere.
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "src=", "href=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q: it must be self-contained", bad)
		}
	}
	for _, want := range []string{"<style>", `data-quota="waf-wcu"`, `data-tier="pool"`, `class="legend"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
