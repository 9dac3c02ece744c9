package waf_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/waf"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

var (
	acme   = waf.TenantRateLimit{TenantID: "acme", Hosts: []string{"acme.staging.adhere.example.com"}, Limit: 2000}
	globex = waf.TenantRateLimit{TenantID: "globex", Hosts: []string{"globex.staging.adhere.example.com", "portal.globex.example.org"}, Limit: 500}
)

func usEast1() awscdk.Stack { return cdktest.StackIn("123456789012", "us-east-1") }

func newACL(stack awscdk.Stack, tenants ...waf.TenantRateLimit) waf.WebACL {
	return waf.NewWebACL(stack, "WebACL", &waf.WebACLProps{Name: "cell-stg-euw1-a", Tenants: tenants})
}

func hostMatch(host string) map[string]any {
	return map[string]any{"ByteMatchStatement": map[string]any{
		"FieldToMatch":         map[string]any{"SingleHeader": map[string]any{"Name": "host"}},
		"PositionalConstraint": "EXACTLY",
		"SearchString":         host,
		"TextTransformations":  []any{map[string]any{"Priority": 0, "Type": "LOWERCASE"}},
	}}
}

// rules returns the Rules of the only web ACL in stack.
func rules(t *testing.T, stack awscdk.Stack) []any {
	t.Helper()
	acls := cdktest.Resources(stack, "AWS::WAFv2::WebACL")
	if len(acls) != 1 {
		t.Fatalf("got %d web ACLs, want 1", len(acls))
	}
	for _, acl := range acls {
		return acl["Properties"].(map[string]any)["Rules"].([]any)
	}
	return nil
}

func TestWebACL_cloudFrontScopeAllowsByDefault(t *testing.T) {
	stack := usEast1()
	newACL(stack, acme)
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::WAFv2::WebACL"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
		"Name":          "cell-stg-euw1-a",
		"Scope":         "CLOUDFRONT",
		"DefaultAction": assertions.Match_ObjectEquals(&map[string]any{"Allow": map[string]any{}}),
		"VisibilityConfig": map[string]any{
			"CloudWatchMetricsEnabled": true, "MetricName": "cell-stg-euw1-a", "SampledRequestsEnabled": true,
		},
	})
}

func TestWebACL_fourManagedGroupsAtPriorities0To3(t *testing.T) {
	stack := usEast1()
	newACL(stack)
	tpl := cdktest.Template(stack)
	groups := []string{
		"AWSManagedRulesAmazonIpReputationList",
		"AWSManagedRulesCommonRuleSet",
		"AWSManagedRulesKnownBadInputsRuleSet",
		"AWSManagedRulesSQLiRuleSet",
	}
	for i, g := range groups {
		tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
			"Rules": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Name":           g,
				"Priority":       i,
				"Statement":      assertions.Match_ObjectEquals(&map[string]any{"ManagedRuleGroupStatement": map[string]any{"VendorName": "AWS", "Name": g}}),
				"OverrideAction": assertions.Match_ObjectEquals(&map[string]any{"None": map[string]any{}}),
				"VisibilityConfig": map[string]any{
					"CloudWatchMetricsEnabled": true, "MetricName": g, "SampledRequestsEnabled": true,
				},
			}}),
		})
	}
	if got := len(rules(t, stack)); got != 4 {
		t.Errorf("got %d rules without tenants, want the 4 managed groups", got)
	}
}

func TestWebACL_rateRuleForSingleHostMatchesItDirectly(t *testing.T) {
	stack := usEast1()
	newACL(stack, acme)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
		"Rules": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Name":     "rate-acme",
			"Priority": 10,
			"Action":   assertions.Match_ObjectEquals(&map[string]any{"Block": map[string]any{}}),
			"Statement": assertions.Match_ObjectEquals(&map[string]any{"RateBasedStatement": map[string]any{
				"AggregateKeyType":    "IP",
				"Limit":               2000,
				"EvaluationWindowSec": 300,
				"ScopeDownStatement":  hostMatch("acme.staging.adhere.example.com"),
			}}),
			"VisibilityConfig": map[string]any{"CloudWatchMetricsEnabled": true, "MetricName": "rate-acme", "SampledRequestsEnabled": true},
		}}),
	})
}

func TestWebACL_rateRuleForSeveralHostsMatchesAnyOfThem(t *testing.T) {
	stack := usEast1()
	newACL(stack, globex)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
		"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name":     "rate-globex",
			"Priority": 10,
			"Statement": assertions.Match_ObjectEquals(&map[string]any{"RateBasedStatement": map[string]any{
				"AggregateKeyType":    "IP",
				"Limit":               500,
				"EvaluationWindowSec": 300,
				"ScopeDownStatement": map[string]any{"OrStatement": map[string]any{"Statements": []any{
					hostMatch("globex.staging.adhere.example.com"),
					hostMatch("portal.globex.example.org"),
				}}},
			}}),
		})}),
	})
}

func TestWebACL_tenantPrioritiesFollowTheGivenOrderFrom10(t *testing.T) {
	stack := usEast1()
	newACL(stack, globex, acme)
	got := map[string]float64{}
	for _, r := range rules(t, stack) {
		m := r.(map[string]any)
		got[m["Name"].(string)] = m["Priority"].(float64)
	}
	if len(got) != 6 || got["rate-globex"] != 10 || got["rate-acme"] != 11 {
		t.Errorf("got rules %v, want 4 managed groups, rate-globex at 10 and rate-acme at 11", got)
	}
}

func TestWebACL_lowercasesHostsItMatches(t *testing.T) {
	stack := usEast1()
	newACL(stack, waf.TenantRateLimit{TenantID: "acme", Hosts: []string{"ACME.Staging.adhere.example.com"}, Limit: 100})
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
		"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name": "rate-acme",
			"Statement": map[string]any{"RateBasedStatement": assertions.Match_ObjectLike(&map[string]any{
				"ScopeDownStatement": hostMatch("acme.staging.adhere.example.com"),
			})},
		})}),
	})
}

func TestWebACL_logsToWafLogGroupWithCredentialsRedacted(t *testing.T) {
	stack := usEast1()
	newACL(stack, acme)
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"LogGroupName":    "aws-waf-logs-cell-stg-euw1-a",
		"RetentionInDays": 365,
		"KmsKeyId":        assertions.Match_AnyValue(),
	})
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	tpl.ResourceCountIs(jsii.String("AWS::WAFv2::LoggingConfiguration"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::WAFv2::LoggingConfiguration"), map[string]any{
		"ResourceArn":           map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebACL")), "Arn"}},
		"LogDestinationConfigs": []any{"arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-cell-stg-euw1-a"},
		"RedactedFields": []any{
			map[string]any{"SingleHeader": map[string]any{"Name": "authorization"}},
			map[string]any{"SingleHeader": map[string]any{"Name": "cookie"}},
		},
	})
}

func TestWebACL_retentionAndRemovalPolicyCanBeSet(t *testing.T) {
	stack := usEast1()
	waf.NewWebACL(stack, "WebACL", &waf.WebACLProps{Name: "cell", LogRetention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{"DeletionPolicy": "Delete"})
}

func TestEstimateCapacity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tenants []waf.TenantRateLimit
		want    int
	}{
		{"managed groups only", nil, 1125},
		{"one tenant, one host", []waf.TenantRateLimit{acme}, 1125 + 2 + 12},
		{"one tenant, two hosts", []waf.TenantRateLimit{globex}, 1125 + 2 + 24},
		{"two tenants", []waf.TenantRateLimit{acme, globex}, 1125 + 14 + 26},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := waf.EstimateCapacity(tc.tenants); got != tc.want {
				t.Errorf("EstimateCapacity = %d, want %d", got, tc.want)
			}
		})
	}
	if waf.ManagedRulesCapacity != 1125 {
		t.Errorf("ManagedRulesCapacity = %d, want 25+700+200+200 = 1125", waf.ManagedRulesCapacity)
	}
}

func TestWebACL_capacityIsTheEstimate(t *testing.T) {
	acl := newACL(usEast1(), acme, globex)
	if got, want := acl.Capacity(), 1125+14+26; got != want {
		t.Errorf("Capacity() = %d, want %d", got, want)
	}
}

// 26 single-host tenants use 1125 + 26*14 = 1489 WCU; the 27th crosses 1500.
func manyTenants(n int) []waf.TenantRateLimit {
	out := make([]waf.TenantRateLimit, n)
	for i := range out {
		id := fmt.Sprintf("t%02d", i)
		out[i] = waf.TenantRateLimit{TenantID: id, Hosts: []string{id + ".example.com"}, Limit: 100}
	}
	return out
}

func TestWebACL_acceptsTenantsUpToCapacity(t *testing.T) {
	acl := newACL(usEast1(), manyTenants(26)...)
	if acl.Capacity() != 1489 {
		t.Errorf("Capacity() = %d, want 1489", acl.Capacity())
	}
}

func TestWebACL_rejectsTenantsOverCapacity(t *testing.T) {
	cdktest.MustPanic(t, "waf: web ACL cell-stg-euw1-a needs 1503 WCU, over its capacity 1500; move tenants to another cell", func() {
		newACL(usEast1(), manyTenants(27)...)
	})
}

func TestWebACL_rejectsTenantsOverCustomCapacity(t *testing.T) {
	cdktest.MustPanic(t, "needs 1139 WCU, over its capacity 1130", func() {
		waf.NewWebACL(usEast1(), "WebACL", &waf.WebACLProps{Name: "cell-stg-euw1-a", Tenants: []waf.TenantRateLimit{acme}, Capacity: 1130})
	})
}

func TestWebACL_rejectsCapacityOverAWSMaximum(t *testing.T) {
	cdktest.MustPanic(t, "waf: props.Capacity 6000", func() {
		waf.NewWebACL(usEast1(), "WebACL", &waf.WebACLProps{Name: "cell", Capacity: 6000})
	})
}

func TestWebACL_rejectsRegionOutsideUSEast1(t *testing.T) {
	cdktest.MustPanic(t, "waf: a CloudFront web ACL must be defined in us-east-1; stack region is eu-west-1", func() {
		newACL(cdktest.Stack(), acme)
	})
}

func TestWebACL_acceptsEnvironmentAgnosticStack(t *testing.T) {
	stack := awscdk.NewStack(cdktest.App(), jsii.String("Test"), nil)
	newACL(stack, acme)
	cdktest.Template(stack).ResourceCountIs(jsii.String("AWS::WAFv2::WebACL"), jsii.Number(1))
}

func TestWebACL_rejectsInvalidTenants(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tenant waf.TenantRateLimit
		want   string
	}{
		{"rate limit below 10", waf.TenantRateLimit{TenantID: "acme", Hosts: []string{"a.example.com"}, Limit: 9}, "tenant acme has rate limit 9"},
		{"no hosts", waf.TenantRateLimit{TenantID: "acme", Limit: 100}, "tenant acme has no hosts"},
		{"duplicate host", waf.TenantRateLimit{TenantID: "acme", Hosts: []string{"a.example.com", "A.example.com"}, Limit: 100}, "tenant acme lists host a.example.com twice"},
		{"bad id", waf.TenantRateLimit{TenantID: "ac me", Hosts: []string{"a.example.com"}, Limit: 100}, `TenantID "ac me"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cdktest.MustPanic(t, tc.want, func() { newACL(usEast1(), tc.tenant) })
		})
	}
}

func TestWebACL_rejectsDuplicateTenant(t *testing.T) {
	cdktest.MustPanic(t, "waf: tenant acme is listed twice", func() { newACL(usEast1(), acme, acme) })
}

func TestWebACL_rejectsMissingName(t *testing.T) {
	cdktest.MustPanic(t, "waf: props.Name is required", func() { waf.NewWebACL(usEast1(), "WebACL", &waf.WebACLProps{}) })
}

func TestWebACL_doesNotModifyProps(t *testing.T) {
	props := &waf.WebACLProps{Name: "cell", Tenants: []waf.TenantRateLimit{{TenantID: "acme", Hosts: []string{"ACME.example.com"}, Limit: 100}}}
	waf.NewWebACL(usEast1(), "WebACL", props)
	if props.Capacity != 0 || props.Tenants[0].Hosts[0] != "ACME.example.com" {
		t.Errorf("NewWebACL wrote into props: %+v", props)
	}
}
