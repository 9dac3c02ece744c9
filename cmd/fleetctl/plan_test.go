package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/fleetgen"
	"github.com/fleetcdk/fleet/internal/plan"
)

// planFleet generates a small fleet whose cells fill up (1500 WCU: the managed rules alone take
// 75 %), so the plan has several cells per environment, every tier and warnings.
func planFleet(t *testing.T) (string, *config.Model) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fleet")
	m, err := fleetgen.Generate(dir, fleetgen.Options{Tenants: 80, Seed: 3, WAFCapacity: 1500})
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestPlan_text(t *testing.T) {
	dir, m := planFleet(t)
	t.Setenv(config.DirEnv, dir)
	page := filepath.Join(t.TempDir(), "out", "plan.html")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"plan", "--html", page}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, c := range m.Fleet.Cells {
		if !strings.Contains(out, "cell "+c.ID+" ") {
			t.Errorf("plan lacks cell %s", c.ID)
		}
	}
	for _, want := range []string{"WARN  WAF web ACL capacity units", "listener rules per ALB", "dedicated tenants in production", "wrote " + page} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(page); err != nil {
		t.Errorf("--html: %v", err)
	}
}

func TestPlan_failsOnBrokenFleet(t *testing.T) {
	dir, _ := planFleet(t)
	// A pinned tenant can push a cell over a quota; the loader rejects it, and so does plan.
	path := filepath.Join(dir, config.TenantsDir, "zz-overflow.yaml")
	first := ""
	m, _ := config.Load(dir)
	for _, c := range m.Fleet.Cells {
		if c.Environment == "production" {
			first = c.ID
			break
		}
	}
	var hosts []string
	for i := 0; i < 8; i++ {
		hosts = append(hosts, fmt.Sprintf("zz%d.%s", i, fleetgen.ProductDomain))
	}
	body := fmt.Sprintf("id: zz-overflow\nname: Overflow\ntier: pool\nenvironments: [production]\ndomains: [%s]\ncells: {production: %s}\n", strings.Join(hosts, ", "), first)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(config.DirEnv, dir)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"plan"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "would exceed") {
		t.Errorf("exit %d, stderr %q; want 1 and the overflowing quota", code, stderr.String())
	}
}

// chromiumBinary is the headless browser the page test uses; CI installs it with
// `apt-get install -y chromium` (Debian).
func chromiumBinary() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func chromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// domTag is one start tag of the rendered DOM with its attributes, and the text right after it.
type domTag struct {
	name  string
	attrs map[string]string
	text  string
}

func (d domTag) hasClass(c string) bool {
	for _, x := range strings.Fields(d.attrs["class"]) {
		if x == c {
			return true
		}
	}
	return false
}

var (
	startTagRE = regexp.MustCompile(`<([a-z][a-z0-9]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*/?>([^<]*)`)
	attrRE     = regexp.MustCompile(`([^\s=>/]+)(?:="([^"]*)")?`)
)

// parseDOM lists the start tags of Chromium's --dump-dom output in document order. The page is
// ours and regular, so this is enough: no script, attributes always double-quoted.
func parseDOM(dom string) []domTag {
	var out []domTag
	for _, m := range startTagRE.FindAllStringSubmatch(dom, -1) {
		t := domTag{name: m[1], attrs: map[string]string{}, text: html.UnescapeString(strings.TrimSpace(m[3]))}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			t.attrs[a[1]] = html.UnescapeString(a[2])
		}
		out = append(out, t)
	}
	return out
}

type renderedGauge struct {
	tag   domTag
	value string // the visible "used/limit · n %"
	fill  string // width of the bar
}

type renderedCell struct {
	tag    domTag
	env    string
	tiers  map[string]int
	gauges []*renderedGauge
}

// TestPlan_htmlInChromium renders the plan page in headless Chromium and checks what the
// browser shows against the loader's own numbers: one box per cell, tiles per tier, one gauge
// per quota with used/limit, a warning on every cell at 80 % or more.
func TestPlan_htmlInChromium(t *testing.T) {
	bin := chromiumBinary()
	if bin == "" {
		t.Skip("chromium not installed: the HTML plan is not rendered (install it with: apt-get update && apt-get install -y chromium)")
	}
	dir, m := planFleet(t)
	t.Setenv(config.DirEnv, dir)
	page := filepath.Join(t.TempDir(), "plan.html")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"plan", "--html", page}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	dom := string(chromium(t, bin, "--dump-dom", "file://"+page))
	if !strings.Contains(dom, "Capacity plan") {
		t.Fatalf("chromium rendered no plan:\n%.500s", dom)
	}

	// Walk the rendered DOM: sections, cell boxes, tiles, gauges, dedicated boxes.
	var cells []*renderedCell
	var cur *renderedCell
	var gauge *renderedGauge
	env := ""
	tiles := map[string]int{}
	dedicatedBoxes := 0
	for _, tag := range parseDOM(dom) {
		switch {
		case tag.name == "section" && tag.hasClass("env"):
			env, cur = tag.attrs["data-env"], nil
		case tag.name == "article" && tag.hasClass("cell"):
			cur = &renderedCell{tag: tag, env: env, tiers: map[string]int{}}
			cells = append(cells, cur)
		case tag.name == "article" && tag.hasClass("dedicated-box"):
			cur = nil
			dedicatedBoxes++
		case tag.hasClass("tile"):
			tiles[tag.attrs["data-tier"]]++
			if cur != nil {
				cur.tiers[tag.attrs["data-tier"]]++
			}
		case tag.hasClass("gauge") && cur != nil:
			gauge = &renderedGauge{tag: tag}
			cur.gauges = append(cur.gauges, gauge)
		case tag.name == "span" && tag.hasClass("value") && gauge != nil:
			gauge.value = tag.text
		case tag.name == "rect" && tag.hasClass("fill") && gauge != nil:
			gauge.fill = tag.attrs["width"]
		}
	}

	// Expected, straight from the loader.
	wantTiles := map[string]int{}
	for _, d := range m.Deployments() {
		wantTiles[string(d.Tenant.Tier)]++
	}
	if len(cells) != len(m.Fleet.Cells) {
		t.Fatalf("rendered %d cell boxes, want %d", len(cells), len(m.Fleet.Cells))
	}
	for _, tier := range config.Tiers {
		if tiles[string(tier)] != wantTiles[string(tier)] || wantTiles[string(tier)] == 0 {
			t.Errorf("rendered %d %s tiles, want %d (and more than 0)", tiles[string(tier)], tier, wantTiles[string(tier)])
		}
	}
	if dedicatedBoxes != wantTiles[string(config.TierDedicated)] {
		t.Errorf("rendered %d dedicated boxes, want %d", dedicatedBoxes, wantTiles[string(config.TierDedicated)])
	}
	warned := 0
	for i, rc := range cells {
		c := &m.Fleet.Cells[i]
		if rc.tag.attrs["data-cell"] != c.ID || rc.env != c.Environment {
			t.Fatalf("cell box %d is %s in %s, want %s in %s", i, rc.tag.attrs["data-cell"], rc.env, c.ID, c.Environment)
		}
		for _, tier := range []config.Tier{config.TierPool, config.TierSilo} {
			want := 0
			for _, d := range m.CellTenants(c) {
				if d.Tenant.Tier == tier {
					want++
				}
			}
			if rc.tiers[string(tier)] != want {
				t.Errorf("cell %s: %d %s tiles, want %d", c.ID, rc.tiers[string(tier)], tier, want)
			}
		}
		used := m.CellUsage(c)
		quotas := config.CellQuotas(c)
		if len(rc.gauges) != len(quotas) {
			t.Fatalf("cell %s: %d gauges, want %d", c.ID, len(rc.gauges), len(quotas))
		}
		high := false
		for j, q := range quotas {
			g := rc.gauges[j]
			u := used[q.Key]
			a := g.tag.attrs
			if a["data-quota"] != q.Key || a["data-used"] != strconv.Itoa(u) || a["data-limit"] != strconv.Itoa(q.Max) {
				t.Errorf("cell %s gauge %d: quota %s %s/%s, want %s %d/%d", c.ID, j, a["data-quota"], a["data-used"], a["data-limit"], q.Key, u, q.Max)
			}
			if want := fmt.Sprintf("%d/%d", u, q.Max); !strings.HasPrefix(g.value, want) {
				t.Errorf("cell %s gauge %s shows %q, want %s", c.ID, q.Key, g.value, want)
			}
			if want := strconv.Itoa(min(100, u*100/q.Max)); g.fill != want {
				t.Errorf("cell %s gauge %s: bar width %s, want %s", c.ID, q.Key, g.fill, want)
			}
			over80 := u*100 >= plan.WarnPercent*q.Max
			high = high || over80
			if over80 != g.tag.hasClass("warn") {
				t.Errorf("cell %s gauge %s at %d/%d: warn class %v, want %v", c.ID, q.Key, u, q.Max, g.tag.hasClass("warn"), over80)
			}
		}
		if high != rc.tag.hasClass("warn") {
			t.Errorf("cell %s: warn class %v, want %v", c.ID, rc.tag.hasClass("warn"), high)
		}
		if high {
			warned++
		}
	}
	if warned == 0 {
		t.Error("no cell is at 80 % or more: the fixture no longer exercises warnings")
	}

	// And what it looks like: the screenshot shows pool and silo tiles and amber bars.
	shot := filepath.Join(t.TempDir(), "plan.png")
	chromium(t, bin, "--window-size=1400,1600", "--screenshot="+shot, "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	for name, color := range map[string]string{"pool tile": plan.ColorPool, "silo tile": plan.ColorSilo, "warn bar": plan.ColorWarn, "ok bar": plan.ColorOK} {
		if n := countColor(img, color); n < 100 {
			t.Errorf("screenshot has %d pixels of the %s color %s; want at least 100", n, name, color)
		}
	}
	if os.Getenv("PLAN_SCREENSHOT") != "" { // keep it for a human: PLAN_SCREENSHOT=/tmp/plan.png
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(os.Getenv("PLAN_SCREENSHOT"), data, 0o644)
	}
}

// countColor counts the pixels within a small distance of the #rrggbb color.
func countColor(img image.Image, hex string) int {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	wr, wg, wb := int(v>>16&0xff), int(v>>8&0xff), int(v&0xff)
	near := func(a, b int) bool { return a-b <= 6 && b-a <= 6 }
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near(int(r>>8), wr) && near(int(g>>8), wg) && near(int(b>>8), wb) {
				n++
			}
		}
	}
	return n
}
