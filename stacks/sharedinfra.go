package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/cache"
	"github.com/fleetcdk/fleet/constructs/cdn"
	"github.com/fleetcdk/fleet/constructs/compute"
	"github.com/fleetcdk/fleet/constructs/data"
	"github.com/fleetcdk/fleet/constructs/dns"
	"github.com/fleetcdk/fleet/constructs/ingress"
	"github.com/fleetcdk/fleet/constructs/network"
	"github.com/fleetcdk/fleet/constructs/waf"
	"github.com/fleetcdk/fleet/limits"
)

// Cell is a cell's two stacks: the regional shared infrastructure and its edge in us-east-1.
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

// OriginSecretName is the Secrets Manager name of a cell's origin-verify secret; the edge
// stack reads its us-east-1 replica by this name.
func OriginSecretName(c *config.Cell) string { return "fleet/" + c.ID + "/origin-verify" }

// NewCell defines cell-<id> and cell-<id>-edge.
func NewCell(scope constructs.Construct, m *config.Model, c *config.Cell) *Cell {
	e := m.Fleet.Environment(c.Environment)
	cell := &Cell{Config: c, Env: e}
	rp := removalFor(e)
	stack := newStack(scope, "cell-"+c.ID, &awscdk.StackProps{
		Env:                   env(c.Account, c.Region),
		Description:           jsii.String(fmt.Sprintf("%s shared infrastructure, cell %s (%s)", m.Fleet.Product.Name, c.ID, e.Name)),
		TerminationProtection: jsii.Bool(e.Production),
	}, map[string]string{"fleet:cell": c.ID, "fleet:environment": e.Name})
	cell.Stack = stack
	pinZones(stack, c.Account, c.Region, c.AvailabilityZones)
	nat := map[config.NAT]network.NATGateways{config.NATNone: network.NATNone, config.NATSingle: network.NATSingle, config.NATPerAZ: network.NATPerAZ}[e.NAT]
	cell.Network = network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: c.CIDR, AvailabilityZones: c.AvailabilityZones, NAT: nat, RemovalPolicy: rp})
	vpc := cell.Network.Vpc()
	cell.Zone = awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(e.DNS.ZoneID), ZoneName: jsii.String(e.DNS.ZoneName),
	})

	// The origin-verify header value: generated, kept in Secrets Manager, replicated to
	// us-east-1 where the edge stack's CloudFront reads it by name.
	secretProps := &awssecretsmanager.SecretProps{
		SecretName:           jsii.String(OriginSecretName(c)),
		Description:          jsii.String("Header value CloudFront sends and the ALB requires (" + ingress.DefaultOriginHeader + ")"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{ExcludePunctuation: jsii.Bool(true), PasswordLength: jsii.Number(48)},
		RemovalPolicy:        rp,
	}
	if c.Region != EdgeRegion {
		secretProps.ReplicaRegions = &[]*awssecretsmanager.ReplicaRegion{{Region: jsii.String(EdgeRegion)}}
	}
	originSecret := awssecretsmanager.NewSecret(stack, jsii.String("OriginVerify"), secretProps)

	originName := config.InfraName("origin", c, e)
	cert := awscertificatemanager.NewCertificate(stack, jsii.String("OriginCertificate"), &awscertificatemanager.CertificateProps{
		DomainName: jsii.String(originName),
		Validation: awscertificatemanager.CertificateValidation_FromDns(cell.Zone),
	})
	cell.Ingress = ingress.NewLoadBalancer(stack, "Ingress", &ingress.LoadBalancerProps{
		Vpc: vpc, Certificate: cert, OriginSecret: originSecret.SecretValue(),
		DeletionProtection: e.Production, RemovalPolicy: rp,
	})
	dns.NewLoadBalancerAlias(stack, "OriginRecord", cell.Zone, originName, cell.Ingress.LoadBalancer())

	cell.Cluster = compute.NewCluster(stack, "Compute", &compute.ClusterProps{Vpc: vpc, RemovalPolicy: rp})
	cell.Table = data.NewTable(stack, "PooledData", &data.TableProps{DeletionProtection: e.Production, RemovalPolicy: rp})

	var siloIDs []string
	for _, d := range m.CellTenants(c) {
		if d.Tenant.Tier == config.TierSilo {
			siloIDs = append(siloIDs, d.Tenant.ID)
		}
	}
	cell.Cache = cache.NewReplicationGroup(stack, "Cache", &cache.ReplicationGroupProps{
		Vpc: vpc, Name: c.ID, MultiAZ: e.Production, Users: siloIDs, RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT,
	})

	for i, s := range m.Fleet.CatalogOrder() {
		svc := compute.NewService(stack, "Pooled"+pascal(s.Name), &compute.ServiceProps{
			Cluster: cell.Cluster, Name: s.Name, Image: s.Image, Port: s.Port, HealthCheckPath: s.HealthCheck,
			Cpu: s.CPU, MemoryMiB: s.Memory, DesiredCount: s.DesiredCount, MinCount: s.MinCount, MaxCount: s.MaxCount,
			Environment: map[string]string{
				"FLEET_TIER": "pool", "FLEET_CELL": c.ID, "FLEET_ENVIRONMENT": e.Name,
				"REDIS_HOST": *cell.Cache.PrimaryEndpoint(), "TABLE_NAME": *cell.Table.Table().TableName(),
			},
			LoadBalancer:  cell.Ingress,
			Route:         &ingress.Route{Priority: limits.RulePriority(0, i), PathPrefix: s.PathPrefix},
			RemovalPolicy: rp,
		})
		cell.Table.GrantReadWriteData(svc.TaskRole())
		data.NewTenantScopedRole(stack, "TenantScope"+pascal(s.Name), cell.Table, svc.TaskRole())
		allowInto(stack, "CacheFromPooled"+pascal(s.Name), cell.Cache, cell.Cache.Port(), svc.SecurityGroup(), "pooled "+s.Name)
		cell.Cache.ServiceUserSecret().GrantRead(svc.TaskRole(), nil)
		cell.Pooled = append(cell.Pooled, svc)
	}
	cell.newEdge(scope, m, originName)
	return cell
}

// newEdge defines cell-<id>-edge in us-east-1: web ACL, certificate, distribution, edge record.
func (cell *Cell) newEdge(scope constructs.Construct, m *config.Model, originName string) {
	c, e := cell.Config, cell.Env
	stack := newStack(scope, "cell-"+c.ID+"-edge", &awscdk.StackProps{
		Env:                   env(c.Account, EdgeRegion),
		Description:           jsii.String(fmt.Sprintf("%s edge (WAF, certificate, CloudFront), cell %s (%s)", m.Fleet.Product.Name, c.ID, e.Name)),
		TerminationProtection: jsii.Bool(e.Production),
	}, map[string]string{"fleet:cell": c.ID, "fleet:environment": e.Name})
	cell.EdgeStack = stack
	stack.AddStackDependency(cell.Stack, jsii.String("the origin secret replica and origin record must exist first"))
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(e.DNS.ZoneID), ZoneName: jsii.String(e.DNS.ZoneName),
	})

	var limits []waf.TenantRateLimit
	var hosts []string
	for _, d := range m.CellTenants(c) {
		limits = append(limits, waf.TenantRateLimit{TenantID: d.Tenant.ID, Hosts: d.Hosts, Limit: d.Tenant.Limits.RequestsPerFiveMinutes})
		hosts = append(hosts, d.ProductHosts()...)
	}
	cell.WebACL = waf.NewWebACL(stack, "WebAcl", &waf.WebACLProps{Name: "cell-" + c.ID, Tenants: limits, Capacity: c.WAFCapacity, RemovalPolicy: removalFor(e)})

	var cert awscertificatemanager.ICertificate
	if len(hosts) > 0 {
		names := CertificateNames(e, hosts)
		cert = awscertificatemanager.NewCertificate(stack, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
			DomainName:              jsii.String(names[0]),
			SubjectAlternativeNames: jsii.Strings(names[1:]...),
			Validation:              awscertificatemanager.CertificateValidation_FromDns(zone),
		})
	}
	cell.CDN = cdn.NewDistribution(stack, "Cdn", &cdn.DistributionProps{
		OriginDomain:  originName,
		OriginSecret:  awscdk.SecretValue_SecretsManager(jsii.String(OriginSecretName(c)), nil),
		Hosts:         hosts,
		Certificate:   cert,
		WebACLArn:     cell.WebACL.Arn(),
		StaticMinTTL:  awscdk.Duration_Seconds(jsii.Number(float64(m.Fleet.CDN.StaticMinTTL))),
		RemovalPolicy: removalFor(e),
	})
	dns.NewCloudFrontAlias(stack, "EdgeRecord", zone, config.InfraName("edge", c, e), cell.CDN.Distribution())
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

var _ awsec2.IConnectable = (compute.Service)(nil)
