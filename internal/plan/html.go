package plan

import (
	_ "embed"
	"html/template"
	"io"
	"strings"

	"github.com/fleetcdk/fleet/config"
)

// Tier and status colors of the page (also in page.html's CSS; tests look for them in
// screenshots).
const (
	ColorPool      = "#4c78a8"
	ColorSilo      = "#f58518"
	ColorDedicated = "#8e44ad"
	ColorOK        = "#54a24b"
	ColorWarn      = "#e8b500"
	ColorFail      = "#d62728"
)

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("plan").Funcs(template.FuncMap{
	"join": strings.Join,
	"count": func(c Cell, tier string) int {
		return c.Count(config.Tier(tier))
	},
	"width": func(q Quota) int { // bar width in the 0..100 viewBox, capped
		return min(100, q.Percent())
	},
	"css": func() template.CSS {
		return template.CSS(strings.NewReplacer(
			"$pool", ColorPool, "$silo", ColorSilo, "$dedicated", ColorDedicated,
			"$ok", ColorOK, "$warn", ColorWarn, "$fail", ColorFail,
		).Replace(pageCSS))
	},
	"warnAt": func() int { return WarnPercent },
}).Parse(pageHTML))

// WriteHTML writes the plan as one self-contained page (inline CSS and SVG, no script, no
// external resource).
func (p *Plan) WriteHTML(w io.Writer) error {
	return page.Execute(w, p)
}

const pageCSS = `
:root { font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; background: #f6f7f9; }
body { margin: 16px 24px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 1px solid #ccd; padding-bottom: 4px; }
h3 { font-size: 13px; margin: 14px 0 6px; color: #445; }
.meta { color: #556; }
.legend { display: flex; gap: 16px; list-style: none; padding: 0; margin: 8px 0; align-items: center; flex-wrap: wrap; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch, .tile { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.tier-pool { background: $pool; }
.tier-silo { background: $silo; }
.tier-dedicated { background: $dedicated; }
.swatch.bar-ok { background: $ok; } .swatch.bar-warn { background: $warn; } .swatch.bar-fail { background: $fail; }
.cells, .dedicated-boxes { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.cell { background: #fff; border: 2px solid #cfd4dc; border-radius: 6px; padding: 10px 12px; width: 380px; box-sizing: border-box; }
.cell.warn { border-color: $warn; }
.cell.fail { border-color: $fail; background: #fff5f5; }
.cell header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 2px 8px; }
.cell h4 { margin: 0; font-size: 14px; white-space: nowrap; }
.cell header .sub { flex-basis: 100%; }
.badge { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 8px; color: #fff; }
.badge.ok { background: $ok; } .badge.warn { background: $warn; color: #222; } .badge.fail { background: $fail; }
.tiles { display: flex; flex-wrap: wrap; gap: 2px; list-style: none; padding: 0; margin: 8px 0; }
.gauges { display: grid; grid-template-columns: 1fr; gap: 6px; margin-top: 6px; }
.gauge .row { display: flex; justify-content: space-between; gap: 8px; }
.gauge .name { color: #334; }
.gauge .value { font-variant-numeric: tabular-nums; font-weight: 600; white-space: nowrap; }
.gauge.warn .value { color: #8a6d00; } .gauge.fail .value { color: $fail; }
.gauge svg { display: block; width: 100%; height: 8px; }
.gauge .track { fill: #e4e7ec; }
.gauge.ok .fill { fill: $ok; } .gauge.warn .fill { fill: $warn; } .gauge.fail .fill { fill: $fail; }
.gauge .mark { stroke: #667; stroke-width: 0.4; }
.top { list-style: none; padding: 0; margin: 1px 0 0; color: #667; font-size: 11px; display: flex; gap: 0 8px; flex-wrap: wrap; }
.top li::before { content: ""; display: inline-block; width: 7px; height: 7px; border-radius: 1px; margin-right: 3px; }
.top li.tier-pool, .top li.tier-silo { background: none; }
.top li.tier-pool::before { background: $pool; } .top li.tier-silo::before { background: $silo; }
.dedicated-box { background: #fff; border: 2px solid $dedicated; border-radius: 6px; padding: 8px 10px; width: 250px; box-sizing: border-box; }
.dedicated-box.pending { border-style: dashed; background: #faf7fc; }
.dedicated-box h4 { margin: 0 0 4px; font-size: 13px; display: flex; gap: 6px; align-items: center; }
.dedicated-box dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 1px 8px; font-size: 12px; }
.dedicated-box dt { color: #667; }
.dedicated-box dd { margin: 0; overflow-wrap: anywhere; }
.verdict { font-weight: 600; }
.verdict.warn { color: #8a6d00; } .verdict.fail { color: $fail; } .verdict.ok { color: $ok; }
`
