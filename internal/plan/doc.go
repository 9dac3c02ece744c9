// Package plan is the capacity plan of a fleet: for every environment and cell, each quota of
// config.CellQuotas as used/limit, the tenants that use most of it, and a status (WARN from
// 80 %, FAIL past 100 %); then the dedicated tenants and the accounts still being vended.
//
//	m, _ := config.Load(dir)
//	p := plan.Build(m)
//	p.WriteText(os.Stdout)   // the terminal report of `fleetctl plan`
//	p.WriteHTML(f)           // one self-contained page: cells as boxes, tenants as tiles, a gauge per quota
//
// The numbers come from the loader's own formulas (Model.CellUsage, Fleet.TenantUsage), so the
// plan shows exactly what placement enforces. The HTML page has no external resources and no
// script; its elements carry stable classes and data attributes (data-env, data-cell,
// data-quota, data-used, data-limit, data-tier, data-tenant) for tests and tools.
package plan
