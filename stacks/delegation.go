package stacks

import (
	"fmt"
	"slices"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/security"
)

// Delegation is dns-<env>: the role in the environment account (which owns the environment
// zone) that dedicated tenants' accounts assume to write the NS record delegating their own
// zone, as CDK's cross-account zone delegation does.
type Delegation struct {
	Stack   awscdk.Stack
	RoleArn string
}

// DelegationRoleName is the fixed name of an environment's delegation role, so tenant stacks
// in other accounts reference it by ARN without a cross-stack reference.
func DelegationRoleName(e *config.Environment) string { return "fleet-dns-delegation-" + e.Name }

// NewDelegation defines dns-<env> with a role that accounts may assume to upsert NS records
// for names under the environment zone, and nothing else.
func NewDelegation(scope constructs.Construct, m *config.Model, e *config.Environment, accounts []string) *Delegation {
	stack := newStack(scope, "dns-"+e.Name, &awscdk.StackProps{
		Env:                   env(e.Account, e.Region),
		Description:           jsii.String(fmt.Sprintf("%s DNS delegation for dedicated tenants (%s)", m.Fleet.Product.Name, e.Name)),
		TerminationProtection: jsii.Bool(e.Production),
	}, map[string]string{"fleet:environment": e.Name, "fleet:component": "dns"})
	var principals []awsiam.IPrincipal
	for _, a := range accounts {
		principals = append(principals, awsiam.NewAccountPrincipal(jsii.String(a)))
	}
	role := awsiam.NewRole(stack, jsii.String("DelegationRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(DelegationRoleName(e)),
		Description: jsii.String("Dedicated tenant accounts delegate their zones under " + e.DNS.ZoneName),
		AssumedBy:   awsiam.NewCompositePrincipal(principals...),
	})
	zoneArn := fmt.Sprintf("arn:aws:route53:::hostedzone/%s", e.DNS.ZoneID)
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("route53:ChangeResourceRecordSets"),
		Resources: jsii.Strings(zoneArn),
		Conditions: &map[string]any{
			"ForAllValues:StringEquals": map[string]any{"route53:ChangeResourceRecordSetsRecordTypes": []string{"NS"}},
			"ForAllValues:StringLike":   map[string]any{"route53:ChangeResourceRecordSetsNormalizedRecordNames": []string{"*." + e.DNS.ZoneName}},
		},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("route53:GetHostedZone"),
		Resources: jsii.Strings(zoneArn),
	}))
	security.Suppress(role, "Two statements on the environment zone only: read it, and change NS records under it.",
		security.InlinePolicy...)
	return &Delegation{Stack: stack, RoleArn: DelegationRoleArn(e)}
}

// DelegationRoleArn is the ARN of an environment's delegation role.
func DelegationRoleArn(e *config.Environment) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", e.Account, DelegationRoleName(e))
}

// dedicatedAccounts lists the accounts of every dedicated tenant deployed to e, or none when
// the selection holds no dedicated tenant of e (the role trusts them all either way, so its
// template does not depend on the selection).
func dedicatedAccounts(m *config.Model, e *config.Environment, sel Selection) []string {
	if sel.Tenant != "" {
		t := m.Tenant(sel.Tenant)
		if t.Tier != config.TierDedicated || !slices.Contains(t.Environments, e.Name) {
			return nil
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range m.Deployments() {
		if d.Env.Name != e.Name || d.Tenant.Tier != config.TierDedicated || d.Pending || seen[d.Account] {
			continue
		}
		seen[d.Account] = true
		out = append(out, d.Account)
	}
	sort.Strings(out)
	return out
}
