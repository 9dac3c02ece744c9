// Package fleetgen writes synthetic fleet folders (fleet.yaml, tenants/<id>.yaml and
// fleet.lock.json) for tests, capacity plans and benchmarks:
//
//	err := fleetgen.Generate("/tmp/fleet", fleetgen.Options{Tenants: 500, Seed: 1})
//
// A folder holds a product, a platform account, one to three environments (dev, staging,
// production) with their accounts and DNS zones, a catalog of five services (web /,
// doctor-api /doctor, caregiver-api /caregiver, admin-api /admin, realtime /realtime) and as
// many cells per environment as the real placement (config.Load) needs for the tenants. Tenants
// mix tiers (about 70 % pool, 25 % silo, 5 % dedicated), domains, custom domains, service
// overrides, request limits, waves, tags and contacts. The output is a pure function of
// Options: the same seed writes the same bytes.
package fleetgen
