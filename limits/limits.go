// Package limits is the one place for the AWS quotas a cell can hit, each with its source, and
// the formulas that say how much of each a tenant uses. It imports nothing from the CDK, so the
// config loader, the capacity plan and the constructs all count the same way.
//
// Sources were read on 2026-11-22; adjustable quotas are at their defaults unless a cell's
// config raises them.
package limits

// Quota is one AWS limit.
type Quota struct {
	Key    string // stable identifier, used in the lock file and the capacity plan
	Name   string
	Max    int
	Source string
}

var (
	// ALBRules: "Rules per Application Load Balancer (excluding default rules)": 100 (adjustable).
	ALBRules = Quota{"alb-rules", "listener rules per ALB", 100,
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html"}
	// ALBTargetGroups: "Target groups per Application Load Balancer": 100.
	ALBTargetGroups = Quota{"alb-target-groups", "target groups per ALB", 100,
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html"}
	// ALBCertificates: "Certificates per Application Load Balancer (excluding default certificates)": 25.
	ALBCertificates = Quota{"alb-certificates", "certificates per ALB (besides the default)", 25,
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html"}
	// CloudFrontAliases: "Alternate domain names (CNAMEs) per distribution": 100.
	CloudFrontAliases = Quota{"cloudfront-aliases", "alternate domain names per CloudFront distribution", 100,
		"https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"}
	// ACMNames: "Domain names per ACM certificate": 10 by default (adjustable up to 100).
	ACMNames = Quota{"acm-names", "domain names per ACM certificate", 10,
		"https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html"}
	// WAFCapacity: web ACL capacity units; 1,500 in the base price, 5,000 at most.
	WAFCapacity = Quota{"waf-wcu", "WAF web ACL capacity units", 1500,
		"https://docs.aws.amazon.com/waf/latest/developerguide/limits.html"}
	// RedisUsers: users per ElastiCache user group: 100.
	RedisUsers = Quota{"redis-users", "users per ElastiCache user group", 100,
		"https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/quota-limits.html"}
	// StackResources: "Resources declared in a template": 500.
	StackResources = Quota{"stack-resources", "resources per CloudFormation stack", 500,
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"}
	// TemplateBytes: template body uploaded to S3: 1 MB.
	TemplateBytes = Quota{"template-bytes", "bytes per CloudFormation template", 1_000_000,
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"}
	// TrustedAccounts: accounts one IAM role trust policy (or resource policy) can list before it
	// passes the default 2,048-character trust policy size; past it, trust the organization.
	TrustedAccounts = Quota{"trusted-accounts", "accounts listed in one trust policy", 45,
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (role trust policy length 2,048 characters)"}
	// RuleSlots: tenant slots in the listener-rule priority layout (see RulePriority).
	RuleSlots = Quota{"rule-slots", "listener-rule priority slots per ALB", PooledPriorityBase/SlotWidth - 1,
		"this repository's priority layout (limits.RulePriority); ALB priorities are 1..50000"}
)

// WAF capacity units, from the AWS WAF developer guide.
const (
	// WAFManagedRules is the WCU of the four managed rule groups every web ACL carries:
	// AmazonIpReputationList 25, CommonRuleSet 700, KnownBadInputsRuleSet 200, SQLiRuleSet 200.
	// https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html
	WAFManagedRules = 25 + 700 + 200 + 200
	// WAFRateRule is the base WCU of a rate-based rule aggregating on IP.
	// https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
	WAFRateRule = 2
	// WAFHostMatch is one exact string match on the host header (2) with a LOWERCASE text
	// transformation (10). https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-string-match.html
	WAFHostMatch = 2 + 10
	// WAFMaxCapacity is the hard maximum WCU of a web ACL.
	WAFMaxCapacity = 5000
	// WAFMinRate is the smallest rate limit a rate-based rule accepts.
	WAFMinRate = 10
)

// WAFTenantRule is the WCU of one tenant's rate rule scoped down to hosts host names.
func WAFTenantRule(hosts int) int {
	return WAFRateRule + hosts*WAFHostMatch
}

// ALB listener rule shape.
const (
	// ALBConditionValues is the quota of condition values per rule ("5 condition values per rule").
	ALBConditionValues = 5
	// ALBMaxPriority is the highest listener rule priority.
	ALBMaxPriority = 50000
)

// PathValues are the path-pattern values a route with this prefix uses: /doctor matches
// /doctor and /doctor/*; "/" needs none.
func PathValues(prefix string) []string {
	if prefix == "/" || prefix == "" {
		return nil
	}
	return []string{prefix, prefix + "/*"}
}

// HostsPerRule is how many host names fit in one rule next to the origin header and the path.
func HostsPerRule(prefix string) int {
	return ALBConditionValues - 1 /* origin header */ - len(PathValues(prefix))
}

// ALBRulesFor is how many listener rules a route with this many hosts and this prefix takes.
func ALBRulesFor(hosts int, prefix string) int {
	if hosts == 0 {
		return 1
	}
	per := HostsPerRule(prefix)
	return (hosts + per - 1) / per
}

// Listener rule priority layout: each tenant slot owns SlotWidth consecutive priorities, each
// service RulesPerService of them; the pooled services come last so a tenant's host rules win.
const (
	RulesPerService    = 4
	SlotWidth          = 100
	PooledPriorityBase = 49000
)

// MaxHostsPerTenant keeps a tenant's routes inside its priority room: a service route with a
// path takes ceil(hosts/2) rules and has RulesPerService priorities.
const MaxHostsPerTenant = RulesPerService * (ALBConditionValues - 3)

// RulePriority is the first priority of service svc (0-based, most specific path first) of the
// tenant in slot (1-based; 0 is the pooled services). Stable as long as the slot is.
func RulePriority(slot, svc int) int {
	if slot == 0 {
		return PooledPriorityBase + svc*RulesPerService
	}
	return slot*SlotWidth + svc*RulesPerService
}
