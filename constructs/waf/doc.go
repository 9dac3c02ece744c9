// Package waf defines the AWS WAF web ACL that protects a cell's CloudFront distribution.
//
//	acl := waf.NewWebACL(stack, "WebACL", &waf.WebACLProps{
//		Name: "cell-stg-euw1-a",
//		Tenants: []waf.TenantRateLimit{
//			{TenantID: "acme", Hosts: []string{"acme.staging.adhere.example.com"}, Limit: 2000},
//		},
//	})
//	acl.Arn()      // for cdn.DistributionProps.WebACLArn
//	acl.Capacity() // WCU the rules use
//
// A CloudFront web ACL must live in us-east-1: NewWebACL panics when the stack's region is a
// concrete other region.
//
// It creates an AWS::WAFv2::WebACL (scope CLOUDFRONT, default action allow) with, in priority
// order, the AWS managed rule groups AWSManagedRulesAmazonIpReputationList,
// AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet and
// AWSManagedRulesSQLiRuleSet (priorities 0-3, their own actions), then one rate-based rule
// "rate-<tenant>" per tenant (priorities from 10 in the order given) that blocks a client IP
// sending more than Limit requests in 5 minutes to the tenant's hosts. It also creates a
// CloudWatch log group "aws-waf-logs-<name>" and an AWS::WAFv2::LoggingConfiguration that
// writes to it with the authorization and cookie headers redacted.
//
// The web ACL's capacity (WCU) is computed in Go by EstimateCapacity; NewWebACL panics when it
// is over WebACLProps.Capacity, so a cell that has too many tenants fails at synth, not at
// deploy. Adding a tenant appends a rule and keeps every earlier priority.
package waf
