package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fleetcdk/fleet/limits"
)

var (
	dnsLabelRE  = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$`)
	accountRE   = regexp.MustCompile(`^[0-9]{12}$`)
	zoneIDRE    = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	ouRE        = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	emailRE     = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[a-z]{2,}$`)
	hostLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	imageRE     = regexp.MustCompile(`^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$`)
)

// InfraLabel is the label under each environment zone that holds the fleet's own records
// (origin.<cell>.cells.<zone>, edge.<cell>.cells.<zone>); tenants cannot claim it.
const InfraLabel = "cells"

// applyDefaults fills what fleet.yaml may leave out.
func (f *Fleet) applyDefaults() {
	if len(f.Waves) == 0 {
		f.Waves = []string{"main"}
	}
	if f.CDN.StaticMinTTL == 0 {
		f.CDN.StaticMinTTL = 180
	}
	for i := range f.Environments {
		if f.Environments[i].NAT == "" {
			f.Environments[i].NAT = NATSingle
		}
	}
	for i := range f.Cells {
		c := &f.Cells[i]
		if e := f.Environment(c.Environment); e != nil {
			if c.Account == "" {
				c.Account = e.Account
			}
			if c.Region == "" {
				c.Region = e.Region
			}
		}
		if c.MaxTenants == 0 {
			c.MaxTenants = 200
		}
		if c.WAFCapacity == 0 {
			c.WAFCapacity = 1500
		}
	}
}

// Environment returns the named environment, or nil.
func (f *Fleet) Environment(name string) *Environment {
	for i := range f.Environments {
		if f.Environments[i].Name == name {
			return &f.Environments[i]
		}
	}
	return nil
}

// Cell returns the cell with id, or nil.
func (f *Fleet) Cell(id string) *Cell {
	for i := range f.Cells {
		if f.Cells[i].ID == id {
			return &f.Cells[i]
		}
	}
	return nil
}

// Service returns the catalog service named name, or nil.
func (f *Fleet) Service(name string) *Service {
	for i := range f.Services {
		if f.Services[i].Name == name {
			return &f.Services[i]
		}
	}
	return nil
}

func (f *Fleet) environmentNames() []string {
	var out []string
	for _, e := range f.Environments {
		out = append(out, e.Name)
	}
	return out
}

func (f *Fleet) serviceNames() []string {
	var out []string
	for _, s := range f.Services {
		out = append(out, s.Name)
	}
	return out
}

func checkRegion(r reporter, p Pos, what, region string) {
	if region != "" && !slices.Contains(Regions, region) {
		r.at(p, didYouMean(region, Regions), "%s: unknown AWS region %q", what, region)
	}
}

func checkAccount(r reporter, p Pos, what, account string) {
	if account != "" && !accountRE.MatchString(account) {
		r.at(p, "an AWS account id is exactly 12 digits, quoted: \"123456789012\"", "%s: %q is not a 12-digit AWS account id", what, account)
	}
}

// checkHostname reports whether h is a fully qualified lowercase DNS name of two or more labels.
func checkHostname(h string) string {
	if h != strings.ToLower(h) {
		return fmt.Sprintf("write it in lowercase: %q", strings.ToLower(h))
	}
	if len(h) > 253 {
		return "a DNS name is at most 253 characters"
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "a DNS name has at least two labels, such as acme.example.com"
	}
	for _, l := range labels {
		if !hostLabelRE.MatchString(l) {
			return fmt.Sprintf("label %q is not a DNS label (a-z, 0-9 and -, at most 63, not starting or ending with -)", l)
		}
	}
	return ""
}

func under(host, domain string) bool {
	return strings.HasSuffix(host, "."+domain)
}

func validateFleet(r reporter, f *Fleet, pos Positions) {
	if h := checkHostname(f.Product.Domain); h != "" {
		r.at(pos.Of("product.domain"), h, "product.domain %q is not a valid DNS name", f.Product.Domain)
	}
	checkAccount(r, pos.Of("platform.account"), "platform.account", f.Platform.Account)
	checkRegion(r, pos.Of("platform.region"), "platform.region", f.Platform.Region)
	if ou := f.Platform.TenantsOU; ou != "" && !ouRE.MatchString(ou) {
		r.at(pos.Of("platform.tenantsOrganizationalUnit"), "an OU id looks like ou-ab12-cdef3456", "platform.tenantsOrganizationalUnit %q is not an organizational unit id", ou)
	}
	if o := f.Platform.OrganizationID; o != "" && !regexp.MustCompile(`^o-[a-z0-9]{10,32}$`).MatchString(o) {
		r.at(pos.Of("platform.organizationId"), "an organization id looks like o-a1b2c3d4e5", "platform.organizationId %q is not an AWS Organizations id", o)
	}
	if p := f.Platform.Pipeline; p.Repository != "" && !regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`).MatchString(p.Repository) {
		r.at(pos.Of("platform.pipeline.repository"), "write owner/name", "platform.pipeline.repository %q is not owner/name", p.Repository)
	}
	if a := f.Platform.Pipeline.ConnectionArn; a != "" && !regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[a-f0-9-]+$`).MatchString(a) {
		r.at(pos.Of("platform.pipeline.connectionArn"), "copy the ARN of the connection from the CodeConnections console", "platform.pipeline.connectionArn %q is not a CodeConnections connection ARN", a)
	}
	if len(f.Environments) == 0 {
		r.at(pos.Of("environments"), "add staging and production", "environments: at least one environment is required")
	}
	seenEnv := map[string]string{}
	for i, e := range f.Environments {
		p := fmt.Sprintf("environments[%d]", i)
		if !dnsLabelRE.MatchString(e.Name) {
			r.at(pos.Of(p+".name"), "use a short DNS label such as staging", "environment name %q is not a DNS label", e.Name)
		}
		if first, dup := seenEnv[e.Name]; dup {
			r.at(pos.Of(p+".name"), "first defined at "+first, "environment %q is defined twice", e.Name)
		}
		seenEnv[e.Name] = fmt.Sprintf("line %d", pos.Of(p+".name").Line)
		checkAccount(r, pos.Of(p+".account"), p+".account", e.Account)
		checkRegion(r, pos.Of(p+".region"), p+".region", e.Region)
		if h := checkHostname(e.DNS.ZoneName); h != "" {
			r.at(pos.Of(p+".dns.zoneName"), h, "%s.dns.zoneName %q is not a valid DNS name", p, e.DNS.ZoneName)
		} else if e.DNS.ZoneName != f.Product.Domain && !under(e.DNS.ZoneName, f.Product.Domain) {
			r.at(pos.Of(p+".dns.zoneName"), fmt.Sprintf("use %s or a subdomain such as %s.%s", f.Product.Domain, e.Name, f.Product.Domain),
				"%s.dns.zoneName %q is not the product domain %q or under it", p, e.DNS.ZoneName, f.Product.Domain)
		}
		if !zoneIDRE.MatchString(e.DNS.ZoneID) {
			r.at(pos.Of(p+".dns.zoneId"), "copy it from Route 53; it looks like Z0123456789ABCDEFGHIJ", "%s.dns.zoneId %q is not a hosted zone id", p, e.DNS.ZoneID)
		}
	}
	seenCell := map[string]string{}
	for i, c := range f.Cells {
		p := fmt.Sprintf("cells[%d]", i)
		if !dnsLabelRE.MatchString(c.ID) {
			r.at(pos.Of(p+".id"), "a DNS label: a-z, 0-9 and -, at most 32 characters", "cell id %q is not a DNS label", c.ID)
		}
		if first, dup := seenCell[c.ID]; dup {
			r.at(pos.Of(p+".id"), "first defined at "+first, "cell %q is defined twice", c.ID)
		}
		seenCell[c.ID] = fmt.Sprintf("line %d", pos.Of(p+".id").Line)
		env := f.Environment(c.Environment)
		if env == nil {
			r.at(pos.Of(p+".environment"), didYouMean(c.Environment, f.environmentNames()), "cell %q: environment %q is not defined in environments", c.ID, c.Environment)
		} else if c.Account != env.Account {
			r.at(pos.Of(p+".account"), "remove account: a cell lives in its environment's account, which owns the DNS zone", "cell %q: account %s is not the %s account %s", c.ID, c.Account, env.Name, env.Account)
		}
		checkAccount(r, pos.Of(p+".account"), p+".account", c.Account)
		checkRegion(r, pos.Of(p+".region"), p+".region", c.Region)
		prefix, err := netip.ParsePrefix(c.CIDR)
		switch {
		case err != nil:
			r.at(pos.Of(p+".cidr"), "write an IPv4 CIDR such as 10.20.0.0/16", "cell %q: cidr %q does not parse", c.ID, c.CIDR)
		case !prefix.Addr().Is4() || prefix.Bits() < 16 || prefix.Bits() > 22:
			r.at(pos.Of(p+".cidr"), "use an IPv4 block from /16 to /22", "cell %q: cidr %s is not an IPv4 block of /16 to /22", c.ID, c.CIDR)
		case prefix.Masked() != prefix:
			r.at(pos.Of(p+".cidr"), fmt.Sprintf("did you mean %s?", prefix.Masked()), "cell %q: cidr %s has host bits set", c.ID, c.CIDR)
		default:
			for j := 0; j < i; j++ {
				o := f.Cells[j]
				op, err := netip.ParsePrefix(o.CIDR)
				if err == nil && o.Account == c.Account && op.Overlaps(prefix) {
					r.at(pos.Of(p+".cidr"), fmt.Sprintf("cell %q uses %s at line %d", o.ID, o.CIDR, pos.Of(fmt.Sprintf("cells[%d].cidr", j)).Line), "cell %q: cidr %s overlaps another cell in account %s", c.ID, c.CIDR, c.Account)
				}
			}
		}
		if c.Region == "" {
			continue // the environment is unknown, reported above; zone names depend on the region
		}
		if n := len(c.AvailabilityZones); n < 2 || n > 3 {
			r.at(pos.Of(p+".availabilityZones"), fmt.Sprintf("such as [%sa, %sb]", c.Region, c.Region), "cell %q: name 2 or 3 availability zones; got %d", c.ID, n)
		}
		for j, az := range c.AvailabilityZones {
			if !regexp.MustCompile(`^` + regexp.QuoteMeta(c.Region) + `[a-z]$`).MatchString(az) {
				r.at(pos.Of(fmt.Sprintf("%s.availabilityZones[%d]", p, j)), fmt.Sprintf("zones of %s are named %sa, %sb, ...", c.Region, c.Region, c.Region), "cell %q: %q is not an availability zone of %s", c.ID, az, c.Region)
			}
		}
	}
	if len(f.Services) == 0 {
		r.at(pos.Of("services"), "", "services: the catalog needs at least one service")
	}
	seenSvc, seenPath := map[string]string{}, map[string]string{}
	for i, s := range f.Services {
		p := fmt.Sprintf("services[%d]", i)
		if !dnsLabelRE.MatchString(s.Name) {
			r.at(pos.Of(p+".name"), "a DNS label: a-z, 0-9 and -", "service name %q is not a DNS label", s.Name)
		}
		if first, dup := seenSvc[s.Name]; dup {
			r.at(pos.Of(p+".name"), "first defined at "+first, "service %q is defined twice", s.Name)
		}
		seenSvc[s.Name] = fmt.Sprintf("line %d", pos.Of(p+".name").Line)
		if first, dup := seenPath[s.PathPrefix]; dup {
			r.at(pos.Of(p+".pathPrefix"), "path prefixes route requests and must be unique; first used by "+first, "service %q: pathPrefix %q is taken", s.Name, s.PathPrefix)
		}
		seenPath[s.PathPrefix] = fmt.Sprintf("%q", s.Name)
		if !strings.HasPrefix(s.PathPrefix, "/") || strings.ContainsAny(s.PathPrefix, "*? ") || (len(s.PathPrefix) > 1 && strings.HasSuffix(s.PathPrefix, "/")) {
			r.at(pos.Of(p+".pathPrefix"), "such as /doctor (no wildcard, no trailing slash), or / for the default service", "service %q: pathPrefix %q is not a plain path prefix", s.Name, s.PathPrefix)
		}
		if !strings.HasPrefix(s.HealthCheck, "/") {
			r.at(pos.Of(p+".healthCheck"), "such as /health", "service %q: healthCheck %q is not a path", s.Name, s.HealthCheck)
		}
		if !imageRE.MatchString(s.Image) {
			r.at(pos.Of(p+".image"), "pin a tag or digest, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/doctor-api:1.4.2", "service %q: image %q is not a registry URI with a tag or digest", s.Name, s.Image)
		} else if strings.HasSuffix(s.Image, ":latest") {
			r.at(pos.Of(p+".image"), "pin a version tag or a digest so deploys are repeatable", "service %q: image tag latest is not allowed", s.Name)
		}
		if _, known := fargateMemory[s.CPU]; known {
			if msg := checkFargate(s.CPU, s.Memory); msg != "" {
				r.at(pos.Of(p+".memory"), "", "service %q: %s", s.Name, msg)
			}
		}
		checkCounts(r, pos, p, fmt.Sprintf("service %q", s.Name), s.Scaling)
	}
	seenWave := map[string]bool{}
	for i, w := range f.Waves {
		if !dnsLabelRE.MatchString(w) || seenWave[w] {
			r.at(pos.Of(fmt.Sprintf("waves[%d]", i)), "waves are unique DNS labels such as canary, early, main", "wave %q is not a unique DNS label", w)
		}
		seenWave[w] = true
	}
}

func checkCounts(r reporter, pos Positions, p, what string, s Scaling) {
	switch {
	case s.MinCount < 1 || s.DesiredCount < 1 || s.MaxCount < 1:
		r.at(pos.Of(p), "counts are at least 1", "%s: desiredCount, minCount and maxCount must be positive; got %d, %d, %d", what, s.DesiredCount, s.MinCount, s.MaxCount)
	case s.MinCount > s.MaxCount:
		r.at(pos.Of(p+".minCount"), "raise maxCount or lower minCount", "%s: minCount %d is greater than maxCount %d", what, s.MinCount, s.MaxCount)
	case s.DesiredCount < s.MinCount || s.DesiredCount > s.MaxCount:
		r.at(pos.Of(p+".desiredCount"), "keep minCount <= desiredCount <= maxCount", "%s: desiredCount %d is outside minCount %d .. maxCount %d", what, s.DesiredCount, s.MinCount, s.MaxCount)
	}
}

func (t *TenantFile) applyDefaults(f *Fleet) {
	if t.Limits.RequestsPerFiveMinutes == 0 {
		t.Limits.RequestsPerFiveMinutes = 2000
	}
	if t.Wave == "" && len(f.Waves) > 0 {
		t.Wave = f.Waves[len(f.Waves)-1]
	}
	if t.Account != nil && t.Account.OrganizationalUnit == "" {
		t.Account.OrganizationalUnit = f.Platform.TenantsOU
	}
	for i := range t.Contacts {
		if t.Contacts[i].Role == "" {
			t.Contacts[i].Role = "technical"
		}
	}
}

// reservedTagKeys are set by the app on every resource; a tenant file cannot override them.
var reservedTagKeys = []string{"fleet:tenant", "fleet:tier", "fleet:environment", "fleet:cell"}

func validateTenant(r reporter, f *Fleet, t *TenantFile) {
	pos := t.Pos
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(t.Path), ".yaml"), ".yml")
	if !dnsLabelRE.MatchString(t.ID) {
		r.at(pos.Of("id"), "a DNS label: lowercase a-z, 0-9 and -, starting with a letter, at most 32 characters", "id %q is not a DNS label", t.ID)
	} else if t.ID != base {
		r.at(pos.Of("id"), fmt.Sprintf("rename the file to %s.yaml or set id: %s", t.ID, base), "id %q does not match the file name %q", t.ID, filepath.Base(t.Path))
	}
	if strings.TrimSpace(t.Name) == "" {
		r.at(pos.Of("name"), "", "name must not be blank")
	}
	envNames := f.environmentNames()
	if len(t.Environments) == 0 {
		r.at(pos.Of("environments"), "such as [staging, production]", "environments: list at least one environment")
	}
	seen := map[string]bool{}
	for i, e := range t.Environments {
		p := pos.Of(fmt.Sprintf("environments[%d]", i))
		if f.Environment(e) == nil {
			r.at(p, didYouMean(e, envNames), "environment %q is not in fleet.yaml (defined: %s)", e, strings.Join(envNames, ", "))
		} else if seen[e] {
			r.at(p, "", "environment %q is listed twice", e)
		}
		seen[e] = true
	}
	if len(t.Domains) == 0 {
		r.at(pos.Of("domains"), fmt.Sprintf("such as [%s.%s]", t.ID, f.Product.Domain), "domains: list at least one host name under the product domain")
	}
	for i, d := range t.Domains {
		p := pos.Of(fmt.Sprintf("domains[%d]", i))
		if h := checkHostname(d); h != "" {
			r.at(p, h, "domain %q is not a valid DNS name", d)
			continue
		}
		if !under(d, f.Product.Domain) {
			r.at(p, "if the partner owns it, list it under customDomains instead", "domain %q is not under the product domain %s", d, f.Product.Domain)
			continue
		}
		label := strings.TrimSuffix(d, "."+f.Product.Domain)
		if label == InfraLabel || strings.HasSuffix(label, "."+InfraLabel) {
			r.at(p, "choose another name", "domain %q is under %s.%s, which the fleet reserves for its own records", d, InfraLabel, f.Product.Domain)
		}
		for _, e := range f.Environments {
			if e.DNS.ZoneName != f.Product.Domain && (d == e.DNS.ZoneName || under(d, e.DNS.ZoneName)) {
				r.at(p, fmt.Sprintf("write the production name; in %s the tenant gets <label>.%s automatically", e.Name, e.DNS.ZoneName), "domain %q is inside the %s zone %s", d, e.Name, e.DNS.ZoneName)
			}
		}
	}
	if n := len(t.Domains) + len(t.CustomDomains); n > limits.MaxHostsPerTenant {
		r.at(pos.Of("domains"), "a tenant's listener rules have room for that many; split the partner into two tenants", "a tenant has at most %d host names (domains + customDomains); got %d", limits.MaxHostsPerTenant, n)
	}
	for i, d := range t.CustomDomains {
		p := pos.Of(fmt.Sprintf("customDomains[%d]", i))
		if h := checkHostname(d); h != "" {
			r.at(p, h, "custom domain %q is not a valid DNS name", d)
		} else if d == f.Product.Domain || under(d, f.Product.Domain) {
			r.at(p, "move it to domains", "custom domain %q is under the product domain %s", d, f.Product.Domain)
		}
	}
	for _, k := range sortedKeys(t.Services) {
		o := t.Services[k]
		p := "services." + k
		svc := f.Service(k)
		if svc == nil {
			r.at(pos.Of(p+"#key"), didYouMean(k, f.serviceNames()), "services: %q is not in the service catalog (%s)", k, strings.Join(f.serviceNames(), ", "))
			continue
		}
		if t.Tier == TierPool {
			r.at(pos.Of(p+"#key"), "pool tenants share the cell's services; use tier silo or dedicated to size services per tenant", "services: a pool tenant cannot override service sizes")
			continue
		}
		eff := svc.Apply(o)
		if _, known := fargateMemory[eff.CPU]; !known {
			// the decoder reported the cpu value already
		} else if msg := checkFargate(eff.CPU, eff.Memory); msg != "" {
			r.at(pos.Of(p), "", "service %q: %s", k, msg)
		}
		checkCounts(r, pos, p, fmt.Sprintf("service %q", k), eff.Scaling)
	}
	switch t.Tier {
	case TierPool, TierSilo:
		if t.Account != nil {
			r.at(pos.Of("account#key"), "remove account, or set tier: dedicated for a tenant with its own AWS account", "a %s tenant runs in its cell's account and cannot have its own account", t.Tier)
		}
		if t.Region != "" {
			r.at(pos.Of("region#key"), "remove region; pin a cell with cells: instead", "a %s tenant's region is its cell's region", t.Tier)
		}
		for _, env := range sortedKeys(t.Cells) {
			id := t.Cells[env]
			p := pos.Of("cells." + env)
			c := f.Cell(id)
			switch {
			case !slices.Contains(t.Environments, env):
				r.at(pos.Of("cells."+env+"#key"), "", "cells: %q is not one of this tenant's environments", env)
			case c == nil:
				var ids []string
				for _, c := range f.Cells {
					ids = append(ids, c.ID)
				}
				r.at(p, didYouMean(id, ids), "cells.%s: cell %q is not in fleet.yaml", env, id)
			case c.Environment != env:
				r.at(p, "", "cells.%s: cell %q serves %s, not %s", env, id, c.Environment, env)
			}
		}
	case TierDedicated:
		if t.Account == nil {
			r.at(pos.Of("tier"), "add account: {id: \"123456789012\"} for an existing account, or account: {email: ...} to vend one", "a dedicated tenant needs account")
		} else {
			a := t.Account
			checkAccount(r, pos.Of("account.id"), "account.id", a.ID)
			if a.ID == "" && a.Email == "" {
				r.at(pos.Of("account"), "set id for an existing account, or email to request a new one", "account: needs id or email")
			}
			if a.Email != "" && !emailRE.MatchString(a.Email) {
				r.at(pos.Of("account.email"), "", "account.email %q is not an e-mail address", a.Email)
			}
			if a.ID == "" && a.OrganizationalUnit == "" {
				r.at(pos.Of("account"), "set account.organizationalUnit or platform.tenantsOrganizationalUnit in fleet.yaml", "account: a requested account needs an organizational unit")
			}
			if ou := a.OrganizationalUnit; ou != "" && !ouRE.MatchString(ou) {
				r.at(pos.Of("account.organizationalUnit"), "an OU id looks like ou-ab12-cdef3456", "account.organizationalUnit %q is not an organizational unit id", ou)
			}
			if a.ID == f.Platform.Account {
				r.at(pos.Of("account.id"), "a dedicated tenant gets an account of its own", "account.id is the platform account")
			}
			for _, e := range f.Environments {
				if a.ID == e.Account {
					r.at(pos.Of("account.id"), "a dedicated tenant gets an account of its own", "account.id is the %s environment's account", e.Name)
				}
			}
		}
		checkRegion(r, pos.Of("region"), "region", t.Region)
		// The first domain becomes the tenant's own hosted zone, delegated from the environment
		// zone; the other domains must live inside it.
		for i, d := range t.Domains[min(1, len(t.Domains)):] {
			if len(t.Domains) > 0 && (d == "edge."+t.Domains[0] || d == "origin."+t.Domains[0]) {
				r.at(pos.Of(fmt.Sprintf("domains[%d]", i+1)), "choose another name", "domain %q is reserved for the tenant's own infrastructure records", d)
			} else if d != t.Domains[0] && !under(d, t.Domains[0]) {
				r.at(pos.Of(fmt.Sprintf("domains[%d]", i+1)), fmt.Sprintf("use a name under %s, or list it under customDomains", t.Domains[0]),
					"domain %q is not inside %s, the dedicated tenant's own zone (its first domain)", d, t.Domains[0])
			}
		}
		if len(t.Cells) > 0 {
			r.at(pos.Of("cells#key"), "remove cells; a dedicated tenant has its own infrastructure", "a dedicated tenant is not placed in a cell")
		}
	}
	if !slices.Contains(f.Waves, t.Wave) {
		r.at(pos.Of("wave"), didYouMean(t.Wave, f.Waves), "wave %q is not in fleet.yaml waves (%s)", t.Wave, strings.Join(f.Waves, ", "))
	}
	for _, k := range sortedKeys(t.Tags) {
		v := t.Tags[k]
		p := pos.Of("tags." + k + "#key")
		switch {
		case slices.Contains(reservedTagKeys, k):
			r.at(p, "the app sets it from the tenant file", "tags: %q is reserved", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			r.at(p, "", "tags: keys starting with aws: are reserved by AWS")
		case len(k) > 128 || len(v) > 256:
			r.at(p, "", "tags: %q: keys are at most 128 and values 256 characters", k)
		}
	}
	for i, c := range t.Contacts {
		if !emailRE.MatchString(c.Email) {
			r.at(pos.Of(fmt.Sprintf("contacts[%d].email", i)), "", "contact %q: %q is not an e-mail address", c.Name, c.Email)
		}
	}
}

// validateAcross runs the rules that span files; each message names both files.
func validateAcross(diags *Diagnostics, m *Model) {
	if n := len(m.Accounts()); n > limits.TrustedAccounts.Max && m.Fleet.Platform.OrganizationID == "" {
		r := reporter{file: filepath.Join(m.Dir, FleetFile), diags: diags}
		r.at(m.FleetPos.Of("platform"), "set platform.organizationId (o-...): the registry and the lifecycle bus then trust the organization",
			"the fleet spans %d AWS accounts, more than the %d one trust policy can list", n, limits.TrustedAccounts.Max)
	}
	ids := map[string]*TenantFile{}
	type claim struct {
		t    *TenantFile
		path string
	}
	hosts := map[string]claim{}
	for _, t := range m.Tenants {
		r := reporter{file: t.Path, diags: diags}
		if first, dup := ids[t.ID]; dup {
			r.at(t.Pos.Of("id"), "tenant ids are unique; choose another", "duplicate tenant id %q, also used by %s:%d:%d", t.ID, first.Path, first.Pos.Of("id").Line, first.Pos.Of("id").Col)
		} else {
			ids[t.ID] = t
		}
		check := func(list []string, key string) {
			for i, d := range list {
				p := fmt.Sprintf("%s[%d]", key, i)
				if c, dup := hosts[d]; dup {
					if c.t == t {
						r.at(t.Pos.Of(p), "", "domain %q is listed twice", d)
					} else {
						cp := c.t.Pos.Of(c.path)
						r.at(t.Pos.Of(p), "a host name belongs to one tenant", "domain %q is already claimed by %s:%d:%d", d, c.t.Path, cp.Line, cp.Col)
					}
					continue
				}
				hosts[d] = claim{t, p}
			}
		}
		check(t.Domains, "domains")
		check(t.CustomDomains, "customDomains")
	}
}

// Apply returns the catalog service with a tenant's overrides applied.
func (s Service) Apply(o ServiceOverride) Service {
	if o.CPU != 0 {
		s.CPU = o.CPU
	}
	if o.Memory != 0 {
		s.Memory = o.Memory
	}
	if o.DesiredCount != 0 {
		s.DesiredCount = o.DesiredCount
	}
	if o.MinCount != 0 {
		s.MinCount = o.MinCount
	}
	if o.MaxCount != 0 {
		s.MaxCount = o.MaxCount
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
