package waf

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/limits"
	"github.com/fleetcdk/fleet/security"
)

// WCU costs, from the AWS WAF developer guide (see research/limits.md §4):
// aws-managed-rule-groups-ip-rep.html, aws-managed-rule-groups-baseline.html,
// aws-managed-rule-groups-use-case.html, waf-rule-statement-type-rate-based.html and
// waf-rule-statement-type-string-match.html.
// WCU constants; the numbers and their sources live in package limits.
const (
	// ManagedRulesCapacity is the WCU of the four AWS managed rule groups every web ACL has.
	ManagedRulesCapacity = limits.WAFManagedRules
	// MaxCapacity is the AWS hard maximum WCU of a web ACL.
	MaxCapacity = limits.WAFMaxCapacity
	// DefaultCapacity is the WCU the web ACL's base price covers (and the default limit).
	DefaultCapacity = 1500

	firstTenantPriority = 10
	minRateLimit        = limits.WAFMinRate
	maxRateLimit        = 2_000_000_000
)

// managedGroups are the AWS managed rule groups, in priority order (priority = index).
var managedGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

var (
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	tenantPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,123}$`) // "rate-" + id fits 128
)

// TenantRateLimit is the rate limit of one tenant's hosts.
type TenantRateLimit struct {
	// TenantID names the rule, "rate-<TenantID>". Letters, digits, '-' and '_'.
	TenantID string
	// Hosts are the host names the limit applies to, matched exactly (case-insensitively)
	// against the Host header.
	Hosts []string
	// Limit is the number of requests per 5 minutes per client IP above which requests are
	// blocked. At least 10.
	Limit int
}

// WebACLProps configures a WebACL.
type WebACLProps struct {
	// Name is the web ACL's name, such as "cell-stg-euw1-a". Changing it replaces the web ACL.
	Name string
	// Tenants get one rate-based rule each, in this order. Append new tenants at the end so
	// the priorities of existing rules do not change.
	Tenants []TenantRateLimit
	// Capacity is the WCU the web ACL may use; synth fails above it. At most 5000.
	// Default: 1500 (what the base price covers).
	Capacity int
	// LogRetention is how long WAF logs are kept. Default: one year.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy applies to the log group. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// WebACL is a CloudFront-scope web ACL with managed rules and per-tenant rate limits.
type WebACL interface {
	constructs.Construct
	// Arn is the web ACL's ARN, for a CloudFront distribution's WebAclId.
	Arn() *string
	// Capacity is the WCU the web ACL's rules use, as computed by EstimateCapacity.
	Capacity() int
	// LogGroup is where WAF logs are written.
	LogGroup() awslogs.ILogGroup
}

type webACL struct {
	constructs.Construct
	acl      awswafv2.CfnWebACL
	capacity int
	logs     awslogs.LogGroup
}

func (w *webACL) Arn() *string                { return w.acl.AttrArn() }
func (w *webACL) Capacity() int               { return w.capacity }
func (w *webACL) LogGroup() awslogs.ILogGroup { return w.logs }

// EstimateCapacity returns the WCU of the web ACL these tenants produce: the managed rule
// groups plus, per tenant, a rate-based rule and one host match per host. It needs no CDK, so
// capacity planning and config validation can use it without synthesizing.
func EstimateCapacity(tenants []TenantRateLimit) int {
	wcu := ManagedRulesCapacity
	for _, t := range tenants {
		wcu += limits.WAFTenantRule(len(t.Hosts))
	}
	return wcu
}

// NewWebACL defines a CloudFront-scope web ACL with the AWS managed rule groups, one
// rate-based rule per tenant, and logging to CloudWatch Logs. The stack must be in us-east-1.
func NewWebACL(scope constructs.Construct, id string, props *WebACLProps) WebACL {
	if props == nil || props.Name == "" {
		panic("waf: props.Name is required")
	}
	p := copyProps(props)
	validate(&p)
	if region := awscdk.Stack_Of(scope).Region(); !*awscdk.Token_IsUnresolved(region) && *region != "us-east-1" {
		panic(fmt.Sprintf("waf: a CloudFront web ACL must be defined in us-east-1; stack region is %s", *region))
	}
	wcu := EstimateCapacity(p.Tenants)
	if wcu > p.Capacity {
		panic(fmt.Sprintf("waf: web ACL %s needs %d WCU, over its capacity %d; move tenants to another cell", p.Name, wcu, p.Capacity))
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	rules := make([]any, 0, len(managedGroups)+len(p.Tenants))
	for i, group := range managedGroups {
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String(group),
			Priority: jsii.Number(float64(i)),
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
					VendorName: jsii.String("AWS"),
					Name:       jsii.String(group),
				},
			},
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			VisibilityConfig: visibility(group),
		})
	}
	for i, t := range p.Tenants {
		name := "rate-" + t.TenantID
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String(name),
			Priority: jsii.Number(float64(firstTenantPriority + i)),
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType:    jsii.String("IP"),
					Limit:               jsii.Number(float64(t.Limit)),
					EvaluationWindowSec: jsii.Number(300),
					ScopeDownStatement:  hostScope(t.Hosts),
				},
			},
			Action:           &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
			VisibilityConfig: visibility(name),
		})
	}
	acl := awswafv2.NewCfnWebACL(this, jsii.String("Resource"), &awswafv2.CfnWebACLProps{
		Name:             jsii.String(p.Name),
		Scope:            jsii.String("CLOUDFRONT"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility(p.Name),
		Rules:            rules,
	})

	// WAF only logs to log groups whose name starts with "aws-waf-logs-", and wants the
	// group's ARN without the ":*" suffix that LogGroup.LogGroupArn() carries.
	logName := "aws-waf-logs-" + p.Name
	// The logs name clients and carry request headers (authorization and cookie redacted):
	// encrypted with a rotating key of their own that only CloudWatch Logs here may use.
	key := awskms.NewKey(this, jsii.String("LogKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the WAF log group " + logName),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     p.RemovalPolicy,
	})
	security.DenyForeignGrants(key)
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("logs."+*awscdk.Stack_Of(this).Region()+".amazonaws.com"), nil))
	logs := awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(logName),
		Retention:     p.LogRetention,
		EncryptionKey: key,
		RemovalPolicy: p.RemovalPolicy,
	})
	logArn := awscdk.Stack_Of(this).FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("logs"),
		Resource:     jsii.String("log-group"),
		ResourceName: jsii.String(logName),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	logging := awswafv2.NewCfnLoggingConfiguration(this, jsii.String("Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn:           acl.AttrArn(),
		LogDestinationConfigs: &[]any{logArn},
		RedactedFields: []any{
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "authorization"}},
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "cookie"}},
		},
	})
	logging.Node().AddDependency(logs)
	return &webACL{Construct: this, acl: acl, capacity: wcu, logs: logs}
}

// hostScope matches requests whose Host header is one of hosts (exactly, after lowercasing).
func hostScope(hosts []string) *awswafv2.CfnWebACL_StatementProperty {
	matches := make([]any, len(hosts))
	for i, h := range hosts {
		matches[i] = &awswafv2.CfnWebACL_StatementProperty{
			ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
				FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "host"}},
				PositionalConstraint: jsii.String("EXACTLY"),
				SearchString:         jsii.String(h),
				TextTransformations: []any{
					&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("LOWERCASE")},
				},
			},
		}
	}
	if len(matches) == 1 { // an OR statement needs at least two statements
		return matches[0].(*awswafv2.CfnWebACL_StatementProperty)
	}
	return &awswafv2.CfnWebACL_StatementProperty{
		OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: matches},
	}
}

func visibility(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		MetricName:               jsii.String(metric),
		SampledRequestsEnabled:   jsii.Bool(true),
	}
}

// copyProps copies props deeply, applies defaults and lowercases host names (the rules
// lowercase the Host header before comparing).
func copyProps(props *WebACLProps) WebACLProps {
	p := *props
	p.Tenants = make([]TenantRateLimit, len(props.Tenants))
	for i, t := range props.Tenants {
		t.Hosts = append([]string(nil), t.Hosts...)
		for j, h := range t.Hosts {
			t.Hosts[j] = strings.ToLower(h)
		}
		p.Tenants[i] = t
	}
	if p.Capacity == 0 {
		p.Capacity = DefaultCapacity
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return p
}

func validate(p *WebACLProps) {
	if !namePattern.MatchString(p.Name) {
		panic(fmt.Sprintf("waf: props.Name %q must be 1-128 letters, digits, '-' or '_'", p.Name))
	}
	if p.Capacity < 0 || p.Capacity > MaxCapacity {
		panic(fmt.Sprintf("waf: props.Capacity %d must be between 1 and %d WCU (the AWS maximum)", p.Capacity, MaxCapacity))
	}
	seen := map[string]bool{}
	for i, t := range p.Tenants {
		if !tenantPattern.MatchString(t.TenantID) {
			panic(fmt.Sprintf("waf: props.Tenants[%d].TenantID %q must be 1-123 letters, digits, '-' or '_'", i, t.TenantID))
		}
		if seen[t.TenantID] {
			panic(fmt.Sprintf("waf: tenant %s is listed twice in props.Tenants", t.TenantID))
		}
		seen[t.TenantID] = true
		if len(t.Hosts) == 0 {
			panic(fmt.Sprintf("waf: tenant %s has no hosts; its rate limit would match nothing", t.TenantID))
		}
		hosts := map[string]bool{}
		for _, h := range t.Hosts {
			if h == "" {
				panic(fmt.Sprintf("waf: tenant %s has an empty host name", t.TenantID))
			}
			if hosts[h] {
				panic(fmt.Sprintf("waf: tenant %s lists host %s twice", t.TenantID, h))
			}
			hosts[h] = true
		}
		if t.Limit < minRateLimit || t.Limit > maxRateLimit {
			panic(fmt.Sprintf("waf: tenant %s has rate limit %d; it must be between %d and %d requests per 5 minutes", t.TenantID, t.Limit, minRateLimit, maxRateLimit))
		}
	}
}
