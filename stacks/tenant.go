package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/cdn"
	"github.com/fleetcdk/fleet/constructs/compute"
	"github.com/fleetcdk/fleet/constructs/data"
	"github.com/fleetcdk/fleet/constructs/dns"
	"github.com/fleetcdk/fleet/constructs/ingress"
	"github.com/fleetcdk/fleet/constructs/lifecycle"
	"github.com/fleetcdk/fleet/constructs/registry"
	"github.com/fleetcdk/fleet/constructs/waf"
	"github.com/fleetcdk/fleet/limits"
)

// Tenant is one tenant's stacks in one environment.
type Tenant struct {
	Deployment config.Deployment
	Stack      awscdk.Stack
	// EdgeStack is the tenant's us-east-1 stack: a dedicated tenant's edge, or a pool or silo
	// tenant's custom domains; nil when it has neither.
	EdgeStack awscdk.Stack
	Services  []compute.Service
	Table     data.Table
}

// tenantTags are the tags of every stack and resource of a deployment.
func tenantTags(d config.Deployment) map[string]string {
	tags := map[string]string{}
	for k, v := range d.Tenant.Tags {
		tags[k] = v
	}
	tags["fleet:tenant"], tags["fleet:tier"], tags["fleet:environment"] = d.Tenant.ID, string(d.Tenant.Tier), d.Env.Name
	if d.Cell != nil {
		tags["fleet:cell"] = d.Cell.ID
	}
	return tags
}

// NewTenant defines tenant-<id>-<env>: what d's tier needs. cell is nil for dedicated tenants.
func NewTenant(scope constructs.Construct, m *config.Model, d config.Deployment, cell *Cell, delegation *Delegation) *Tenant {
	t, e := d.Tenant, d.Env
	tn := &Tenant{Deployment: d}
	if t.Tier == config.TierDedicated {
		tn.dedicated(scope, m, delegation)
		return tn
	}
	stack := newStack(scope, d.StackName(), &awscdk.StackProps{
		Env:                   env(d.Account, d.Region),
		Description:           jsii.String(fmt.Sprintf("%s tenant %s (%s, %s tier)", m.Fleet.Product.Name, t.Name, e.Name, t.Tier)),
		TerminationProtection: jsii.Bool(e.Production),
	}, tenantTags(d))
	tn.Stack = stack
	// The connection secrets a tenant's app uses: the pooled services' Redis user in a pool
	// tenant's cell, its own Redis user for a silo tenant.
	secret := cell.Cache.ServiceUserSecret()
	if t.Tier == config.TierSilo {
		secret = cell.Cache.UserSecret(t.ID)
	}
	registry.NewRegistryEntry(stack, "RegistryEntry", RegistryEntryProps(m, d, *secret.SecretArn()))

	switch t.Tier {
	case config.TierPool:
		tn.records(stack, m, cell)
		tn.customDomains(scope, m, cell)
	case config.TierSilo:
		stack.AddStackDependency(cell.Stack, jsii.String("silo services run in the cell's cluster"))
		tn.records(stack, m, cell)
		tn.siloServices(stack, m, cell)
		tn.customDomains(scope, m, cell)
	default:
		panic(fmt.Sprintf("stacks: unhandled tier %q", t.Tier))
	}
	return tn
}

// records points the tenant's product-domain hosts at its cell's edge.
func (tn *Tenant) records(stack awscdk.Stack, m *config.Model, cell *Cell) {
	d := tn.Deployment
	stack.AddStackDependency(cell.EdgeStack, jsii.String("the cell's distribution must list the tenant's hosts first"))
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(d.Env.DNS.ZoneID), ZoneName: jsii.String(d.Env.DNS.ZoneName),
	})
	if hosts := d.ProductHosts(); len(hosts) > 0 {
		dns.NewAliasRecords(stack, "Records", &dns.AliasRecordsProps{Zone: zone, Hosts: hosts, Target: config.InfraName("edge", cell.Config, d.Env)})
	}
}

// siloServices runs the tenant's own copy of every catalog service in the cell's cluster,
// behind host+path rules on the cell's ALB, with its own table and Redis user.
func (tn *Tenant) siloServices(stack awscdk.Stack, m *config.Model, cell *Cell) {
	d, t := tn.Deployment, tn.Deployment.Tenant
	rp := keepData
	tn.Table = data.NewTable(stack, "Data", &data.TableProps{DeletionProtection: d.Env.Production, RemovalPolicy: rp})
	slot := m.Slot(d)
	userSecret := cell.Cache.UserSecret(t.ID)
	for i, s := range m.Fleet.CatalogOrder() {
		s = s.Apply(t.Services[s.Name])
		svc := compute.NewService(stack, pascal(s.Name), &compute.ServiceProps{
			Cluster: cell.Cluster, Name: s.Name, Image: s.Image, Port: s.Port, HealthCheckPath: s.HealthCheck,
			Cpu: s.CPU, MemoryMiB: s.Memory, DesiredCount: s.DesiredCount, MinCount: s.MinCount, MaxCount: s.MaxCount,
			Environment: map[string]string{
				"FLEET_TIER": "silo", "FLEET_TENANT": t.ID, "FLEET_ENVIRONMENT": d.Env.Name,
				"REDIS_HOST": *cell.Cache.PrimaryEndpoint(), "REDIS_USER_SECRET_ARN": *userSecret.SecretArn(),
				"TABLE_NAME": *tn.Table.Table().TableName(),
			},
			LoadBalancer:  cell.Ingress,
			Route:         &ingress.Route{Priority: limits.RulePriority(slot, i), Hosts: d.Hosts, PathPrefix: s.PathPrefix},
			RemovalPolicy: rp,
		})
		tn.Table.GrantReadWriteData(svc.TaskRole())
		grantSecretRead(svc.TaskRole(), userSecret)
		allowInto(stack, "CacheFrom"+pascal(s.Name), cell.Cache, cell.Cache.Port(), svc.SecurityGroup(), "silo "+t.ID+" "+s.Name)
		tn.Services = append(tn.Services, svc)
	}
}

// customDomains serves a pool or silo tenant's partner-owned hosts from tenant-<id>-<env>-edge
// in us-east-1: a distribution of its own (its certificate waits for the partner's validation
// record, so a slow partner never blocks the cell's edge) in front of the cell's origin,
// behind the cell's web ACL, which already rate-limits these hosts.
func (tn *Tenant) customDomains(scope constructs.Construct, m *config.Model, cell *Cell) {
	d := tn.Deployment
	hosts := d.CustomHosts()
	if len(hosts) == 0 {
		return
	}
	stack := newStack(scope, d.StackName()+"-edge", &awscdk.StackProps{
		Env:                   env(d.Account, EdgeRegion),
		Description:           jsii.String(fmt.Sprintf("%s tenant %s (%s): custom domains", m.Fleet.Product.Name, d.Tenant.Name, d.Env.Name)),
		TerminationProtection: jsii.Bool(d.Env.Production),
	}, tenantTags(d))
	stack.AddStackDependency(cell.EdgeStack, jsii.String("the cell's web ACL and origin secret replica"))
	certProps := &awscertificatemanager.CertificateProps{
		DomainName: jsii.String(hosts[0]),
		Validation: awscertificatemanager.CertificateValidation_FromDns(nil), // by the partner
	}
	if len(hosts) > 1 {
		certProps.SubjectAlternativeNames = jsii.Strings(hosts[1:]...)
	}
	cert := awscertificatemanager.NewCertificate(stack, jsii.String("Certificate"), certProps)
	dist := cdn.NewDistribution(stack, "Cdn", &cdn.DistributionProps{
		OriginDomain:  config.InfraName("origin", cell.Config, d.Env),
		OriginSecret:  awscdk.SecretValue_SecretsManager(jsii.String(originSecretName("cell-"+cell.Config.ID)), nil),
		Hosts:         hosts,
		Certificate:   cert,
		WebACLArn:     cell.WebACL.Arn(),
		StaticMinTTL:  awscdk.Duration_Seconds(jsii.Number(float64(m.Fleet.CDN.StaticMinTTL))),
		RemovalPolicy: keepData,
	})
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(d.Env.DNS.ZoneID), ZoneName: jsii.String(d.Env.DNS.ZoneName),
	})
	dns.NewCloudFrontAlias(stack, "PartnerTarget", zone, d.PartnerTarget(), dist.Distribution())
	partnerRecords(stack, hosts, d.PartnerTarget())
	tn.EdgeStack = stack
}

// dedicated builds the tenant's own site in its own account: the same constructs as a cell,
// sized from the tenant file, behind a hosted zone delegated from the environment zone.
func (tn *Tenant) dedicated(scope constructs.Construct, m *config.Model, delegation *Delegation) {
	d, t := tn.Deployment, tn.Deployment.Tenant
	var services []config.Service
	for _, s := range m.Fleet.CatalogOrder() {
		services = append(services, s.Apply(t.Services[s.Name]))
	}
	hosts := d.ProductHosts()
	zone := hosts[0]
	st := buildSite(scope, siteSpec{
		Name:        d.StackName(),
		Description: fmt.Sprintf("%s tenant %s (%s, dedicated tier)", m.Fleet.Product.Name, t.Name, d.Env.Name),
		Env:         d.Env, Account: d.Account, Region: d.Region, CIDR: DedicatedCIDR, Zones: dedicatedZones(d),
		Tags:              tenantTags(d),
		NewZone:           zone,
		DelegationRoleArn: delegation.RoleArn,
		OriginName:        "origin." + zone,
		Services:          services,
		ServiceEnv:        map[string]string{"FLEET_TIER": "dedicated", "FLEET_TENANT": t.ID, "FLEET_ENVIRONMENT": d.Env.Name},
		TableID:           "Data",
		RateLimits:        []waf.TenantRateLimit{{TenantID: t.ID, Hosts: d.Hosts, Limit: t.Limits.RequestsPerFiveMinutes}},
		Hosts:             hosts,
		CustomHosts:       d.CustomHosts(),
		PartnerTarget:     d.PartnerTarget(),
		CertNames:         func(h []string) []string { return h },
		CacheName:         t.ID + "-" + d.Env.Name,
		WAFCapacity:       1500,
		StaticMinTTL:      m.Fleet.CDN.StaticMinTTL,
	})
	if delegation.Stack != nil { // else another worker builds it (sharded synth)
		st.Stack.AddStackDependency(delegation.Stack, jsii.String("the delegation role must exist in the environment account"))
	}
	registry.NewRegistryEntry(st.Stack, "RegistryEntry", RegistryEntryProps(m, d, *st.Cache.ServiceUserSecret().SecretArn()))
	// The tenant's account is outside the tenants OU (whose StackSet installs one), so the
	// tenant's own stack forwards its CloudFormation outcomes to the lifecycle bus.
	lifecycle.NewFailureForwarder(st.Stack, "LifecycleForwarder", &lifecycle.FailureForwarderProps{BusArn: LifecycleBusArn(m)})
	tn.Stack, tn.EdgeStack, tn.Table = st.Stack, st.EdgeStack, st.Table
	tn.Services = st.Services
}

// DedicatedCIDR is the VPC block of a dedicated tenant: its account holds nothing else.
const DedicatedCIDR = "10.0.0.0/16"

// dedicatedZones are the zones of a dedicated tenant's VPC.
func dedicatedZones(d config.Deployment) []string {
	return []string{d.Region + "a", d.Region + "b"}
}

// grantSecretRead lets role read secret (and decrypt it through Secrets Manager) with a policy
// on the role only. secret.GrantRead would also write the role's ARN into the key policy of the
// cell stack, which would make the cell depend on its tenants.
func grantSecretRead(role awsiam.IRole, secret awssecretsmanager.ISecret) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
		Resources: jsii.Strings(*secret.SecretArn()),
	}))
	if key := secret.EncryptionKey(); key != nil {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings("kms:Decrypt"),
			Resources:  jsii.Strings(*key.KeyArn()),
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(role).Region() + ".amazonaws.com"}},
		}))
	}
}
