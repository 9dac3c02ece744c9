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
	"github.com/fleetcdk/fleet/constructs/cache"
	"github.com/fleetcdk/fleet/constructs/cdn"
	"github.com/fleetcdk/fleet/constructs/compute"
	"github.com/fleetcdk/fleet/constructs/data"
	"github.com/fleetcdk/fleet/constructs/dns"
	"github.com/fleetcdk/fleet/constructs/ingress"
	"github.com/fleetcdk/fleet/constructs/network"
	"github.com/fleetcdk/fleet/constructs/waf"
	"github.com/fleetcdk/fleet/limits"
	"github.com/fleetcdk/fleet/security"
)

// A site is the infrastructure behind one edge: a cell, or a dedicated tenant in its own
// account. Both are built by buildSite from the same constructs; siteSpec is all that differs.
type siteSpec struct {
	Name        string // the regional stack; the edge stack is Name + "-edge"
	Description string
	Env         *config.Environment
	Account     string
	Region      string
	CIDR        string
	Zones       []string
	Tags        map[string]string

	// ZoneID/ZoneName reference an existing hosted zone (a cell: the environment zone). When
	// NewZone is set instead, the regional stack creates that zone and delegates it from the
	// environment zone through DelegationRoleArn (a dedicated tenant).
	ZoneID, ZoneName  string
	NewZone           string
	DelegationRoleArn string

	OriginName string // the ALB's own name, in the zone
	EdgeName   string // an alias to the distribution other records point at ("" for none)

	Services   []config.Service // effective sizes, most specific path first
	ServiceEnv map[string]string
	TaskScope  bool   // pooled services get a tenant-scoped data role (pool tier isolation)
	TableID    string // construct id of the site's table: part of its logical id

	RateLimits  []waf.TenantRateLimit
	Hosts       []string // served by the distribution, validated in the zone
	CustomHosts []string // served by the distribution, validated by the partner
	// PartnerTarget is the name in the zone the custom hosts CNAME to (an alias of the
	// distribution), so partners get their record before anything is deployed.
	PartnerTarget string
	CertNames     func(hosts []string) []string
	CacheName     string
	CacheUsers    []string
	WAFCapacity   int
	StaticMinTTL  int
}

type site struct {
	Stack        awscdk.Stack
	OriginSecret awssecretsmanager.ISecret
	EdgeStack    awscdk.Stack
	Network      network.Network
	Ingress      ingress.LoadBalancer
	Cluster      compute.Cluster
	Services     []compute.Service
	Table        data.Table
	Cache        cache.ReplicationGroup
	Zone         awsroute53.IHostedZone
	WebACL       waf.WebACL
	CDN          cdn.Distribution
}

// originSecretName is the Secrets Manager name of a site's origin-verify secret; the edge stack
// reads its us-east-1 replica by this name.
func originSecretName(name string) string { return "fleet/" + name + "/origin-verify" }

func buildSite(scope constructs.Construct, s siteSpec) *site {
	e := s.Env
	rp := keepData
	crossRegion := s.NewZone != "" // the edge stack needs the new zone's id
	stack := newStack(scope, s.Name, &awscdk.StackProps{
		Env:                   env(s.Account, s.Region),
		Description:           jsii.String(s.Description),
		TerminationProtection: jsii.Bool(e.Production),
		CrossRegionReferences: jsii.Bool(crossRegion),
	}, s.Tags)
	pinZones(stack, s.Account, s.Region, s.Zones)
	st := &site{Stack: stack}

	nat := map[config.NAT]network.NATGateways{config.NATNone: network.NATNone, config.NATSingle: network.NATSingle, config.NATPerAZ: network.NATPerAZ}[e.NAT]
	st.Network = network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: s.CIDR, AvailabilityZones: s.Zones, NAT: nat, RemovalPolicy: rp})
	vpc := st.Network.Vpc()
	if s.NewZone != "" {
		zone := awsroute53.NewPublicHostedZone(stack, jsii.String("Zone"), &awsroute53.PublicHostedZoneProps{ZoneName: jsii.String(s.NewZone)})
		zone.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
		delegation := awsroute53.NewCrossAccountZoneDelegationRecord(stack, jsii.String("Delegation"), &awsroute53.CrossAccountZoneDelegationRecordProps{
			DelegatedZone:      zone,
			ParentHostedZoneId: jsii.String(e.DNS.ZoneID),
			DelegationRole:     awsiam.Role_FromRoleArn(stack, jsii.String("DelegationRole"), jsii.String(s.DelegationRoleArn), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}),
			RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
		})
		security.Suppress(delegation, "The CDK's delegation handler role has one inline statement: sts:AssumeRole on the "+
			"environment's delegation role, which may only upsert NS records under the environment zone.", security.InlinePolicy...)
		st.Zone = zone
	} else {
		st.Zone = awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(s.ZoneID), ZoneName: jsii.String(s.ZoneName),
		})
	}

	// The origin-verify header value: generated, kept in Secrets Manager, replicated to
	// us-east-1 where the edge stack's CloudFront reads it by name.
	secretProps := &awssecretsmanager.SecretProps{
		SecretName:           jsii.String(originSecretName(s.Name)),
		Description:          jsii.String("Header value CloudFront sends and the ALB requires (" + ingress.DefaultOriginHeader + ")"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{ExcludePunctuation: jsii.Bool(true), PasswordLength: jsii.Number(48)},
		RemovalPolicy:        rp,
	}
	if s.Region != EdgeRegion {
		secretProps.ReplicaRegions = &[]*awssecretsmanager.ReplicaRegion{{Region: jsii.String(EdgeRegion)}}
	}
	originSecret := awssecretsmanager.NewSecret(stack, jsii.String("OriginVerify"), secretProps)
	security.Suppress(originSecret, "The value is written into the ALB's listener rules and the CloudFront origin at deploy; "+
		"automatic rotation would cut traffic until both stacks redeploy. Rotate by replacing the secret and redeploying "+
		"the site (SECURITY.md).", security.SecretRotation...)
	security.Suppress(originSecret, "The secret is replicated to us-east-1, where the edge stack reads it through a "+
		"CloudFormation dynamic reference; the AWS managed key works in both regions without cross-region key policy. "+
		"It guards the origin, it is not tenant data.", "HIPAA.Security-SecretsManagerUsingKMSKey", "NIST.800.53.R5-SecretsManagerUsingKMSKey")
	st.OriginSecret = originSecret

	cert := awscertificatemanager.NewCertificate(stack, jsii.String("OriginCertificate"), &awscertificatemanager.CertificateProps{
		DomainName: jsii.String(s.OriginName),
		Validation: awscertificatemanager.CertificateValidation_FromDns(st.Zone),
	})
	st.Ingress = ingress.NewLoadBalancer(stack, "Ingress", &ingress.LoadBalancerProps{
		Vpc: vpc, Certificate: cert, OriginSecret: originSecret.SecretValue(),
		DeletionProtection: e.Production, RemovalPolicy: rp,
	})
	dns.NewLoadBalancerAlias(stack, "OriginRecord", st.Zone, s.OriginName, st.Ingress.LoadBalancer())

	st.Cluster = compute.NewCluster(stack, "Compute", &compute.ClusterProps{Vpc: vpc, RemovalPolicy: rp})
	st.Table = data.NewTable(stack, s.TableID, &data.TableProps{DeletionProtection: e.Production, RemovalPolicy: rp})
	st.Cache = cache.NewReplicationGroup(stack, "Cache", &cache.ReplicationGroupProps{
		Vpc: vpc, Name: s.CacheName, MultiAZ: e.Production, Users: s.CacheUsers, RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT,
	})
	for i, svc := range s.Services {
		envVars := map[string]string{"REDIS_HOST": *st.Cache.PrimaryEndpoint(), "REDIS_USER_SECRET_ARN": *st.Cache.ServiceUserSecret().SecretArn(), "TABLE_NAME": *st.Table.Table().TableName()}
		for k, v := range s.ServiceEnv {
			envVars[k] = v
		}
		service := compute.NewService(stack, "Pooled"+pascal(svc.Name), &compute.ServiceProps{
			Cluster: st.Cluster, Name: svc.Name, Image: svc.Image, Port: svc.Port, HealthCheckPath: svc.HealthCheck,
			Cpu: svc.CPU, MemoryMiB: svc.Memory, DesiredCount: svc.DesiredCount, MinCount: svc.MinCount, MaxCount: svc.MaxCount,
			Environment:   envVars,
			LoadBalancer:  st.Ingress,
			Route:         &ingress.Route{Priority: limits.RulePriority(0, i), PathPrefix: svc.PathPrefix},
			RemovalPolicy: rp,
		})
		st.Table.GrantReadWriteData(service.TaskRole())
		if s.TaskScope {
			data.NewTenantScopedRole(stack, "TenantScope"+pascal(svc.Name), st.Table, service.TaskRole())
		}
		allowInto(stack, "CacheFromPooled"+pascal(svc.Name), st.Cache, st.Cache.Port(), service.SecurityGroup(), svc.Name)
		st.Cache.ServiceUserSecret().GrantRead(service.TaskRole(), nil)
		st.Services = append(st.Services, service)
	}
	st.buildEdge(scope, s, crossRegion)
	return st
}

// buildEdge defines <name>-edge in us-east-1: web ACL, certificate, distribution, records.
func (st *site) buildEdge(scope constructs.Construct, s siteSpec, crossRegion bool) {
	e := s.Env
	stack := newStack(scope, s.Name+"-edge", &awscdk.StackProps{
		Env:                   env(s.Account, EdgeRegion),
		Description:           jsii.String(s.Description + ": edge (WAF, certificate, CloudFront)"),
		TerminationProtection: jsii.Bool(e.Production),
		CrossRegionReferences: jsii.Bool(crossRegion),
	}, s.Tags)
	st.EdgeStack = stack
	stack.AddStackDependency(st.Stack, jsii.String("the origin secret replica and origin record must exist first"))
	zone := st.Zone
	if !crossRegion {
		zone = awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(s.ZoneID), ZoneName: jsii.String(s.ZoneName),
		})
	}
	st.WebACL = waf.NewWebACL(stack, "WebAcl", &waf.WebACLProps{Name: s.Name, Tenants: s.RateLimits, Capacity: s.WAFCapacity, RemovalPolicy: keepData})

	var cert awscertificatemanager.ICertificate
	hosts := append(append([]string(nil), s.Hosts...), s.CustomHosts...)
	if len(hosts) > 0 {
		names := append(s.CertNames(s.Hosts), s.CustomHosts...)
		zones := map[string]awsroute53.IHostedZone{}
		for _, n := range names[:len(names)-len(s.CustomHosts)] {
			zones[n] = zone
		}
		// Partner-owned names are validated by the partner: the stack waits until they create
		// the validation record ACM shows for the certificate (see the stack's outputs).
		cert = awscertificatemanager.NewCertificate(stack, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
			DomainName:              jsii.String(names[0]),
			SubjectAlternativeNames: jsii.Strings(names[1:]...),
			Validation:              awscertificatemanager.CertificateValidation_FromDnsMultiZone(&zones),
		})
	}
	st.CDN = cdn.NewDistribution(stack, "Cdn", &cdn.DistributionProps{
		OriginDomain:  s.OriginName,
		OriginSecret:  awscdk.SecretValue_SecretsManager(jsii.String(originSecretName(s.Name)), nil),
		Hosts:         hosts,
		Certificate:   cert,
		WebACLArn:     st.WebACL.Arn(),
		StaticMinTTL:  awscdk.Duration_Seconds(jsii.Number(float64(s.StaticMinTTL))),
		RemovalPolicy: keepData,
	})
	if s.EdgeName != "" {
		dns.NewCloudFrontAlias(stack, "EdgeRecord", zone, s.EdgeName, st.CDN.Distribution())
	} else {
		for i, h := range s.Hosts {
			dns.NewCloudFrontAlias(stack, fmt.Sprintf("HostRecord%d", i), zone, h, st.CDN.Distribution())
		}
	}
	if len(s.CustomHosts) > 0 {
		dns.NewCloudFrontAlias(stack, "PartnerTarget", zone, s.PartnerTarget, st.CDN.Distribution())
		partnerRecords(stack, s.CustomHosts, s.PartnerTarget)
	}
}

// publishForTenants publishes every value a pool or silo tenant's stack reads of this site (see
// tenant.go), for each silo user in users, so the site's template does not depend on which
// tenants are synthesized with it.
func (st *site) publishForTenants(users []string) {
	vpc := st.Network.Vpc()
	values := []*string{
		vpc.VpcId(), st.Ingress.Listener().ListenerArn(), st.OriginSecret.SecretArn(),
		st.Cluster.Cluster().ClusterName(), st.Cluster.LogKey().KeyArn(), st.Cache.PrimaryEndpoint(),
		st.Cache.ServiceUserSecret().SecretArn(),
	}
	for _, sg := range *st.Ingress.LoadBalancer().Connections().SecurityGroups() {
		values = append(values, sg.SecurityGroupId())
	}
	for _, sg := range *st.Cache.Connections().SecurityGroups() {
		values = append(values, sg.SecurityGroupId())
	}
	for _, sn := range *vpc.PrivateSubnets() {
		values = append(values, sn.SubnetId())
	}
	for _, u := range users {
		secret := st.Cache.UserSecret(u)
		values = append(values, secret.SecretArn())
		if key := secret.EncryptionKey(); key != nil {
			values = append(values, key.KeyArn())
		}
	}
	publish(st.Stack, values...)
}

// partnerRecords outputs, per partner-owned host, the record the partner must create.
func partnerRecords(stack awscdk.Stack, hosts []string, target string) {
	for i, h := range hosts {
		awscdk.NewCfnOutput(stack, jsii.String(fmt.Sprintf("PartnerRecord%d", i)), &awscdk.CfnOutputProps{
			Description: jsii.String("The partner creates this record, and the validation CNAME ACM shows for the certificate"),
			Value:       jsii.String(fmt.Sprintf("%s CNAME %s", h, target)),
		})
	}
}
