// Package stacks composes the constructs into the fleet's stacks. It holds no resource logic
// of its own: every decision is a typed switch over the loaded config.
//
//	control-plane            platform account: tenant registry, lifecycle bus
//	cell-<id>                cell account + region: VPC, ALB, ECS cluster, pooled services,
//	                         pooled table, Redis
//	cell-<id>-edge           cell account, us-east-1: WAF web ACL, certificate, CloudFront
//	tenant-<id>-<env>        what the tenant's tier needs, in its cell's or its own account
//	tenant-<id>-<env>-edge   dedicated tenants only, us-east-1: their WAF, certificate, CloudFront
//
// Build builds them all, or (Selection.Tenant) one tenant's stacks and the shared stacks they
// depend on.
package stacks
