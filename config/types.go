package config

// The types in this file are the schema of fleet.yaml and tenants/<id>.yaml. The YAML decoder
// (decode.go) and the JSON Schema generator (schema.go) both read them through reflection:
//
//   - `yaml:"name"` is the key; `,omitempty` marks it optional (otherwise it is required).
//   - `doc:"..."` is the description shown by editors through the JSON Schema.
//   - `enum:"a,b,c"`, `pattern:"..."`, `min:"1"`, `max:"..."`, `format:"..."`, `default:"..."`
//     constrain the value in the schema; the loader checks the same rules in validate.go with
//     better messages, so the schema is an editor aid and never the only check.

// Fleet is fleet.yaml: everything that is not one tenant.
type Fleet struct {
	Product      Product       `yaml:"product" doc:"The product every tenant resells under its own brand."`
	Platform     Platform      `yaml:"platform" doc:"The platform account: control plane, tenant registry, pipeline."`
	Environments []Environment `yaml:"environments" doc:"Deployment environments, in release order (staging before production)."`
	Cells        []Cell        `yaml:"cells" doc:"Shared-infrastructure cells that hold pool and silo tenants."`
	Services     []Service     `yaml:"services" doc:"The service catalog: the containers of the application."`
	Waves        []string      `yaml:"waves,omitempty" doc:"Release waves in deploy order; a tenant picks one with wave:." default:"[main]"`
	CDN          CDN           `yaml:"cdn,omitempty" doc:"Edge settings shared by every distribution."`
}

// Product names the product and the DNS domain tenants get host names under.
type Product struct {
	Name   string `yaml:"name" doc:"Product name, used in descriptions and tags."`
	Domain string `yaml:"domain" doc:"Product domain; tenant host names are <label>.<domain> in production." format:"hostname"`
}

// Platform is where the control plane lives.
type Platform struct {
	Account string `yaml:"account" doc:"12-digit AWS account id of the platform account." pattern:"^[0-9]{12}$"`
	Region  string `yaml:"region" doc:"AWS region of the control plane."`
	// TenantsOU is the organizational unit vended tenant accounts are created in.
	TenantsOU string `yaml:"tenantsOrganizationalUnit,omitempty" doc:"Organizational unit id (ou-xxxx-xxxxxxxx) that vended tenant accounts are created in." pattern:"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"`
	// OrganizationID lets the registry writer role and the lifecycle bus trust the whole
	// organization instead of listing accounts (IAM policy size caps a list at about 45).
	OrganizationID string `yaml:"organizationId,omitempty" doc:"AWS Organizations id (o-xxxxxxxxxx): trust every account of the organization instead of listing them; needed past about 45 accounts." pattern:"^o-[a-z0-9]{10,32}$"`
	// Pipeline is where the deployment pipeline pulls the repository from.
	Pipeline Pipeline `yaml:"pipeline,omitempty" doc:"Source of the deployment pipeline (CDK Pipelines in the platform account)."`
}

// Pipeline is the deployment pipeline's source.
type Pipeline struct {
	Repository    string `yaml:"repository,omitempty" doc:"Repository as owner/name." pattern:"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"`
	Branch        string `yaml:"branch,omitempty" doc:"Branch that releases." default:"main"`
	ConnectionArn string `yaml:"connectionArn,omitempty" doc:"AWS CodeConnections connection ARN to the repository host." pattern:"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[a-f0-9-]+$"`
}

// NAT is how private subnets reach the internet.
type NAT string

const (
	NATNone   NAT = "none"
	NATSingle NAT = "single"
	NATPerAZ  NAT = "perAz"
)

// Environment is one stage of the release path, such as staging or production.
type Environment struct {
	Name            string `yaml:"name" doc:"Environment name, a DNS label (staging, production)." pattern:"^[a-z][a-z0-9-]{0,19}$"`
	Account         string `yaml:"account" doc:"12-digit AWS account id that holds this environment's cells and DNS zone." pattern:"^[0-9]{12}$"`
	Region          string `yaml:"region" doc:"Default AWS region of the environment's cells."`
	Production      bool   `yaml:"production,omitempty" doc:"Production environments get Multi-AZ caches, deletion protection and custom domains." default:"false"`
	RequireApproval bool   `yaml:"requireApproval,omitempty" doc:"Deploys into this environment wait for a manual approval." default:"false"`
	NAT             NAT    `yaml:"nat,omitempty" doc:"NAT gateways for private subnets." enum:"none,single,perAz" default:"single"`
	DNS             Zone   `yaml:"dns" doc:"The environment's public hosted zone; tenant records are created in it."`
}

// Zone references an existing Route 53 public hosted zone by id and name (no lookup).
type Zone struct {
	ZoneName string `yaml:"zoneName" doc:"Zone apex; for production usually the product domain." format:"hostname"`
	ZoneID   string `yaml:"zoneId" doc:"Route 53 hosted zone id." pattern:"^Z[A-Z0-9]{1,31}$"`
}

// Cell is one shared-infrastructure stack: VPC, ALB, ECS cluster, cache, tables, CloudFront.
type Cell struct {
	ID                string   `yaml:"id" doc:"Cell id, a DNS label, unique in the fleet and stable (it names resources)." pattern:"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"`
	Environment       string   `yaml:"environment" doc:"Environment this cell serves."`
	Account           string   `yaml:"account,omitempty" doc:"AWS account of the cell; must be the environment account (it owns the DNS zone)." pattern:"^[0-9]{12}$"`
	Region            string   `yaml:"region,omitempty" doc:"AWS region of the cell." default:"the environment region"`
	CIDR              string   `yaml:"cidr" doc:"VPC IPv4 CIDR, /16 to /24, not overlapping another cell of the same account." format:"cidr"`
	AvailabilityZones []string `yaml:"availabilityZones" doc:"Two or three availability zones, named explicitly so synth never looks them up."`
	MaxTenants        int      `yaml:"maxTenants,omitempty" doc:"Soft cap on pool+silo tenants placed here (AWS limits are enforced regardless)." min:"1" default:"200"`
	WAFCapacity       int      `yaml:"wafCapacity,omitempty" doc:"WAF capacity units the cell's web ACL may use: 1500 is included in the base price, up to 5000 is billed extra." min:"1500" max:"5000" default:"1500"`
}

// Service is one container of the application in the catalog.
type Service struct {
	Name        string `yaml:"name" doc:"Service name, a DNS label." pattern:"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"`
	Image       string `yaml:"image" doc:"Container image: a registry URI with a tag or digest. Never built at synth time."`
	Port        int    `yaml:"port" doc:"Container port the service listens on." min:"1" max:"65535"`
	PathPrefix  string `yaml:"pathPrefix" doc:"URL path prefix routed to this service, such as /doctor. Use / for the default service." pattern:"^/"`
	HealthCheck string `yaml:"healthCheck" doc:"HTTP path the load balancer and the smoke test probe." pattern:"^/"`
	CPU         int    `yaml:"cpu" doc:"Fargate task CPU units." enum:"256,512,1024,2048,4096,8192,16384"`
	Memory      int    `yaml:"memory" doc:"Fargate task memory in MiB; must be a pair Fargate accepts for the cpu."`
	Scaling     `yaml:",inline"`
}

// Scaling is a service's task count; the catalog sets it and tenants may override it.
type Scaling struct {
	DesiredCount int `yaml:"desiredCount" doc:"Tasks to run." min:"1"`
	MinCount     int `yaml:"minCount" doc:"Autoscaling lower bound." min:"1"`
	MaxCount     int `yaml:"maxCount" doc:"Autoscaling upper bound." min:"1"`
}

// CDN holds edge settings.
type CDN struct {
	StaticMinTTL int `yaml:"staticMinTtlSeconds,omitempty" doc:"Minimum TTL of cached static paths, in seconds." min:"0" default:"180"`
}

// Tier is what a tenant pays for: where its services, data and edge live.
type Tier string

const (
	TierPool      Tier = "pool"
	TierSilo      Tier = "silo"
	TierDedicated Tier = "dedicated"
)

// Tiers lists every tier, in the order they are documented.
var Tiers = []Tier{TierPool, TierSilo, TierDedicated}

// Tenant is tenants/<id>.yaml: one partner.
type Tenant struct {
	ID            string                     `yaml:"id" doc:"Tenant id: a DNS label equal to the file name; stable, it names resources." pattern:"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"`
	Name          string                     `yaml:"name" doc:"Display name of the partner."`
	Tier          Tier                       `yaml:"tier" doc:"pool shares everything; silo gets its own services and tables in a shared cell; dedicated gets its own AWS account." enum:"pool,silo,dedicated"`
	Environments  []string                   `yaml:"environments" doc:"Environments the tenant is deployed to, from fleet.yaml."`
	Domains       []string                   `yaml:"domains" doc:"Host names under the product domain, written as in production; other environments get <label>.<environment zone>." format:"hostname"`
	CustomDomains []string                   `yaml:"customDomains,omitempty" doc:"Partner-owned host names (production environments only); the partner creates the DNS records synth prints." format:"hostname"`
	Cells         map[string]string          `yaml:"cells,omitempty" doc:"Pin the cell per environment (pool and silo only); otherwise placement chooses."`
	Services      map[string]ServiceOverride `yaml:"services,omitempty" doc:"Per-service overrides of the catalog, keyed by service name."`
	Account       *Account                   `yaml:"account,omitempty" doc:"Dedicated tier only: the tenant's own AWS account, existing (id) or requested (email, organizationalUnit)."`
	Region        string                     `yaml:"region,omitempty" doc:"Dedicated tier only: region of the tenant's infrastructure." default:"the environment region"`
	Limits        Limits                     `yaml:"limits,omitempty" doc:"Request limits enforced at the edge."`
	Wave          string                     `yaml:"wave,omitempty" doc:"Release wave from fleet.yaml waves." default:"the last wave"`
	Tags          map[string]string          `yaml:"tags,omitempty" doc:"Extra cost-allocation tags on every resource of the tenant."`
	Contacts      []Contact                  `yaml:"contacts,omitempty" doc:"People to reach about this tenant."`
}

// ServiceOverride changes a catalog service for one tenant; zero fields keep the catalog value.
type ServiceOverride struct {
	CPU          int `yaml:"cpu,omitempty" doc:"Fargate task CPU units." enum:"256,512,1024,2048,4096,8192,16384"`
	Memory       int `yaml:"memory,omitempty" doc:"Fargate task memory in MiB."`
	DesiredCount int `yaml:"desiredCount,omitempty" doc:"Tasks to run." min:"1"`
	MinCount     int `yaml:"minCount,omitempty" doc:"Autoscaling lower bound." min:"1"`
	MaxCount     int `yaml:"maxCount,omitempty" doc:"Autoscaling upper bound." min:"1"`
}

// Account is a dedicated tenant's AWS account: an existing one, or one to vend.
type Account struct {
	ID                 string            `yaml:"id,omitempty" doc:"12-digit id of the tenant's account. Set it once the account exists (recorded after vending)." pattern:"^[0-9]{12}$"`
	Email              string            `yaml:"email,omitempty" doc:"Root e-mail of an account to vend through AWS Organizations." format:"email"`
	OrganizationalUnit string            `yaml:"organizationalUnit,omitempty" doc:"OU to vend the account into." default:"platform.tenantsOrganizationalUnit" pattern:"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"`
	Tags               map[string]string `yaml:"tags,omitempty" doc:"Tags on the vended account."`
}

// Limits are a tenant's request limits.
type Limits struct {
	RequestsPerFiveMinutes int `yaml:"requestsPerFiveMinutes,omitempty" doc:"WAF rate limit per client IP over five minutes, on the tenant's host names." min:"10" max:"2000000000" default:"2000"`
}

// Contact is someone to reach about a tenant.
type Contact struct {
	Name  string `yaml:"name" doc:"Full name."`
	Email string `yaml:"email" doc:"E-mail address." format:"email"`
	Role  string `yaml:"role,omitempty" doc:"What to reach them for." enum:"business,technical,security,billing" default:"technical"`
}
