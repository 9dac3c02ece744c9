package fleetgen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fleetcdk/fleet/config"
)

// The files are written by hand, in the flow style of the example fleet, so that they read like
// files people write and are byte-for-byte stable (sorted map keys, fixed key order).

func (g *gen) renderFleet(f *config.Fleet) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=./fleet.schema.json\n")
	fmt.Fprintf(&b, "# Synthetic fleet: fleetctl generate --tenants %d --seed %d --environments %d --waf-capacity %d\n",
		g.o.Tenants, g.o.Seed, g.o.Environments, g.o.WAFCapacity)
	fmt.Fprintf(&b, "product:\n  name: %s\n  domain: %s\n\n", f.Product.Name, f.Product.Domain)
	fmt.Fprintf(&b, "platform:\n  account: %q\n  region: %s\n  tenantsOrganizationalUnit: %s\n  organizationId: %s\n\n", f.Platform.Account, f.Platform.Region, f.Platform.TenantsOU, f.Platform.OrganizationID)
	b.WriteString("environments:\n")
	for _, e := range f.Environments {
		fmt.Fprintf(&b, "  - name: %s\n    account: %q\n    region: %s\n", e.Name, e.Account, e.Region)
		if e.Production {
			b.WriteString("    production: true\n")
		}
		if e.RequireApproval {
			b.WriteString("    requireApproval: true\n")
		}
		fmt.Fprintf(&b, "    nat: %s\n    dns: {zoneName: %s, zoneId: %s}\n", e.NAT, e.DNS.ZoneName, e.DNS.ZoneID)
	}
	b.WriteString("\ncells:\n")
	for _, c := range f.Cells {
		fmt.Fprintf(&b, "  - id: %s\n    environment: %s\n", c.ID, c.Environment)
		if c.Region != "" {
			fmt.Fprintf(&b, "    region: %s\n", c.Region)
		}
		fmt.Fprintf(&b, "    cidr: %s\n    availabilityZones: [%s]\n", c.CIDR, strings.Join(c.AvailabilityZones, ", "))
		if c.WAFCapacity != 1500 {
			fmt.Fprintf(&b, "    wafCapacity: %d\n", c.WAFCapacity)
		}
	}
	fmt.Fprintf(&b, "\nwaves: [%s]\n\ncdn:\n  staticMinTtlSeconds: %d\n\nservices:\n", strings.Join(f.Waves, ", "), f.CDN.StaticMinTTL)
	for _, s := range f.Services {
		fmt.Fprintf(&b, "  - name: %s\n    image: %s\n    port: %d\n    pathPrefix: %s\n    healthCheck: %s\n    cpu: %d\n    memory: %d\n    desiredCount: %d\n    minCount: %d\n    maxCount: %d\n",
			s.Name, s.Image, s.Port, s.PathPrefix, s.HealthCheck, s.CPU, s.Memory, s.DesiredCount, s.MinCount, s.MaxCount)
	}
	return []byte(b.String())
}

func renderTenant(t *config.Tenant) []byte {
	var b strings.Builder
	b.WriteString("# yaml-language-server: $schema=./schema.json\n")
	fmt.Fprintf(&b, "id: %s\nname: %s\ntier: %s\n", t.ID, t.Name, t.Tier)
	fmt.Fprintf(&b, "environments: [%s]\n", strings.Join(t.Environments, ", "))
	fmt.Fprintf(&b, "domains: [%s]\n", strings.Join(t.Domains, ", "))
	if len(t.CustomDomains) > 0 {
		fmt.Fprintf(&b, "customDomains: [%s]\n", strings.Join(t.CustomDomains, ", "))
	}
	if a := t.Account; a != nil {
		if a.ID != "" {
			fmt.Fprintf(&b, "account: {id: %q}\n", a.ID)
		} else {
			fmt.Fprintf(&b, "account:\n  email: %s\n", a.Email)
			if len(a.Tags) > 0 {
				fmt.Fprintf(&b, "  tags: %s\n", flowMap(a.Tags))
			}
		}
	}
	if t.Region != "" {
		fmt.Fprintf(&b, "region: %s\n", t.Region)
	}
	if len(t.Services) > 0 {
		b.WriteString("services:\n")
		for _, name := range sortedKeys(t.Services) {
			o := t.Services[name]
			var kv []string
			for _, f := range []struct {
				k string
				v int
			}{{"cpu", o.CPU}, {"memory", o.Memory}, {"desiredCount", o.DesiredCount}, {"minCount", o.MinCount}, {"maxCount", o.MaxCount}} {
				if f.v != 0 {
					kv = append(kv, fmt.Sprintf("%s: %d", f.k, f.v))
				}
			}
			fmt.Fprintf(&b, "  %s: {%s}\n", name, strings.Join(kv, ", "))
		}
	}
	if t.Limits.RequestsPerFiveMinutes != 0 {
		fmt.Fprintf(&b, "limits: {requestsPerFiveMinutes: %d}\n", t.Limits.RequestsPerFiveMinutes)
	}
	if t.Wave != "" {
		fmt.Fprintf(&b, "wave: %s\n", t.Wave)
	}
	if len(t.Tags) > 0 {
		fmt.Fprintf(&b, "tags: %s\n", flowMap(t.Tags))
	}
	if len(t.Contacts) > 0 {
		b.WriteString("contacts:\n")
		for _, c := range t.Contacts {
			fmt.Fprintf(&b, "  - {name: %s, email: %s, role: %s}\n", c.Name, c.Email, c.Role)
		}
	}
	return []byte(b.String())
}

func flowMap(m map[string]string) string {
	var kv []string
	for _, k := range sortedKeys(m) {
		kv = append(kv, k+": "+m[k])
	}
	return "{" + strings.Join(kv, ", ") + "}"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
