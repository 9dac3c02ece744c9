package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/cache"
	"github.com/fleetcdk/fleet/constructs/cdn"
	"github.com/fleetcdk/fleet/constructs/compute"
	"github.com/fleetcdk/fleet/constructs/data"
	"github.com/fleetcdk/fleet/constructs/ingress"
	"github.com/fleetcdk/fleet/constructs/lifecycle"
	"github.com/fleetcdk/fleet/constructs/network"
	"github.com/fleetcdk/fleet/constructs/waf"
)

// Cell is a cell's two stacks: cell-<id> (regional shared infrastructure) and cell-<id>-edge
// (us-east-1).
type Cell struct {
	Config *config.Cell
	Env    *config.Environment

	Stack     awscdk.Stack
	Network   network.Network
	Ingress   ingress.LoadBalancer
	Cluster   compute.Cluster
	Pooled    []compute.Service
	Table     data.Table
	Cache     cache.ReplicationGroup
	Zone      awsroute53.IHostedZone
	EdgeStack awscdk.Stack
	WebACL    waf.WebACL
	CDN       cdn.Distribution
}

// NewCell defines cell-<id> and cell-<id>-edge: the pooled services of the catalog, the pooled
// table and Redis, the ALB silo tenants attach to, and the edge every tenant of the cell uses.
func NewCell(scope constructs.Construct, m *config.Model, c *config.Cell) *Cell {
	e := m.Fleet.Environment(c.Environment)
	var limitsOf []waf.TenantRateLimit
	var hosts, siloIDs []string
	for _, d := range m.CellTenants(c) {
		limitsOf = append(limitsOf, waf.TenantRateLimit{TenantID: d.Tenant.ID, Hosts: d.Hosts, Limit: d.Tenant.Limits.RequestsPerFiveMinutes})
		hosts = append(hosts, d.ProductHosts()...)
		if d.Tenant.Tier == config.TierSilo {
			siloIDs = append(siloIDs, d.Tenant.ID)
		}
	}
	st := buildSite(scope, siteSpec{
		Name:        "cell-" + c.ID,
		Description: fmt.Sprintf("%s shared infrastructure, cell %s (%s)", m.Fleet.Product.Name, c.ID, e.Name),
		Env:         e, Account: c.Account, Region: c.Region, CIDR: c.CIDR, Zones: c.AvailabilityZones,
		Tags:   map[string]string{"fleet:cell": c.ID, "fleet:environment": e.Name},
		ZoneID: e.DNS.ZoneID, ZoneName: e.DNS.ZoneName,
		OriginName: config.InfraName("origin", c, e),
		EdgeName:   config.InfraName("edge", c, e),
		Services:   m.Fleet.CatalogOrder(),
		ServiceEnv: map[string]string{"FLEET_TIER": "pool", "FLEET_CELL": c.ID, "FLEET_ENVIRONMENT": e.Name},
		TaskScope:  true,
		TableID:    "PooledData",
		RateLimits: limitsOf, Hosts: hosts,
		CertNames:    func(h []string) []string { return CertificateNames(e, h) },
		CacheName:    c.ID,
		CacheUsers:   siloIDs,
		WAFCapacity:  c.WAFCapacity,
		StaticMinTTL: m.Fleet.CDN.StaticMinTTL,
	})
	st.publishForTenants(siloIDs)
	publish(st.EdgeStack, st.WebACL.Arn()) // read by tenants' custom-domain edge stacks
	// One forwarder per account and region (two would deliver every event twice): the first
	// cell there carries it.
	for _, o := range m.Fleet.Cells {
		if o.Account == c.Account && o.Region == c.Region {
			if o.ID == c.ID {
				lifecycle.NewFailureForwarder(st.Stack, "LifecycleForwarder", &lifecycle.FailureForwarderProps{BusArn: LifecycleBusArn(m)})
			}
			break
		}
	}
	return &Cell{Config: c, Env: e, Stack: st.Stack, Network: st.Network, Ingress: st.Ingress, Cluster: st.Cluster,
		Pooled: st.Services, Table: st.Table, Cache: st.Cache, Zone: st.Zone, EdgeStack: st.EdgeStack, WebACL: st.WebACL, CDN: st.CDN}
}

// CertificateNames returns the names of a cell's edge certificate: a wildcard for the zone,
// which covers every one-label tenant host, then each deeper host on its own.
func CertificateNames(e *config.Environment, hosts []string) []string {
	names := []string{"*." + e.DNS.ZoneName}
	seen := map[string]bool{}
	for _, h := range hosts {
		label := strings.TrimSuffix(h, "."+e.DNS.ZoneName)
		if strings.Contains(label, ".") && !seen[h] {
			names = append(names, h)
			seen[h] = true
		}
	}
	return names
}

func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' || r == '_' || r == '.' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}
