package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/security"
)

// EdgeRegion is where CloudFront certificates and web ACLs must live.
const EdgeRegion = "us-east-1"

// Selection narrows what Build constructs.
type Selection struct {
	// Tenant, when set, builds only that tenant's stacks and the shared stacks they need.
	Tenant string
	// Shard and Shards, when Shards > 1, build only the units (shard.go) assigned to worker
	// Shard of Shards; the workers' assemblies are merged afterwards.
	Shard, Shards int
}

// builds reports whether this process builds unit key.
func (s Selection) builds(assignment map[string]int, key string) bool {
	return s.Shards <= 1 || assignment[key] == s.Shard
}

// Fleet is what Build made.
type Fleet struct {
	ControlPlane *ControlPlane
	Pipeline     *Pipeline
	Cells        map[string]*Cell
	Tenants      []*Tenant
	// Skipped are deployments left out of the synth, with the reason (requested accounts).
	Skipped []string
}

// Build adds the fleet's stacks to app.
func Build(app constructs.Construct, m *config.Model, sel Selection) (*Fleet, error) {
	if sel.Tenant != "" && m.Tenant(sel.Tenant) == nil {
		return nil, fmt.Errorf("tenant %q is not in %s", sel.Tenant, m.Dir)
	}
	f := &Fleet{Cells: map[string]*Cell{}}
	var assignment map[string]int
	if sel.Shards > 1 {
		assignment = assign(m, sel.Shards)
	}
	if sel.Tenant == "" && sel.builds(assignment, platformUnit) {
		f.ControlPlane = NewControlPlane(app, "control-plane", m)
		p := m.Fleet.Platform.Pipeline
		f.Pipeline = NewPipeline(app, "pipeline", m, PipelineSource{Repository: p.Repository, Branch: p.Branch, ConnectionArn: p.ConnectionArn})
	}
	deps := m.Deployments()
	needCell := map[string]bool{}
	for _, d := range deps {
		if d.Cell != nil && (sel.Tenant == "" || d.Tenant.ID == sel.Tenant) {
			needCell[d.Cell.ID] = true
		}
	}
	for i := range m.Fleet.Cells {
		c := &m.Fleet.Cells[i]
		if (sel.Tenant == "" || needCell[c.ID]) && sel.builds(assignment, cellUnit(c.ID)) {
			f.Cells[c.ID] = NewCell(app, m, c)
		}
	}
	delegations := map[string]*Delegation{}
	for i := range m.Fleet.Environments {
		e := &m.Fleet.Environments[i]
		accounts := dedicatedAccounts(m, e, sel)
		switch {
		case len(accounts) == 0:
		case sel.builds(assignment, platformUnit):
			delegations[e.Name] = NewDelegation(app, m, e, accounts)
		default: // another worker builds dns-<env>; the merge restores the dependency
			delegations[e.Name] = &Delegation{RoleArn: DelegationRoleArn(e)}
		}
	}
	for _, d := range deps {
		if sel.Tenant != "" && d.Tenant.ID != sel.Tenant {
			continue
		}
		if d.Pending {
			if !sel.builds(assignment, platformUnit) {
				continue // one worker reports it
			}
			f.Skipped = append(f.Skipped, fmt.Sprintf("%s: %s waits for its requested AWS account; record account.id in %s once it is vended", d.StackName(), d.Tenant.ID, d.Tenant.Path))
			continue
		}
		var cell *Cell
		if d.Cell != nil {
			cell = f.Cells[d.Cell.ID]
			if cell == nil {
				continue // another worker builds this cell and its tenants
			}
		} else if !sel.builds(assignment, dedicatedUnit(d)) {
			continue
		}
		f.Tenants = append(f.Tenants, NewTenant(app, m, d, cell, delegations[d.Env.Name]))
	}
	// Every grant exists now: apply the suppressions that cover what grants add (roles'
	// default policies).
	security.ApplyDeferred()
	return f, nil
}

func env(account, region string) *awscdk.Environment {
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}

// newStack creates a stack with tags. They are stack tags: the cloud assembly's manifest records
// them, `cdk deploy` passes them to CloudFormation, and CloudFormation puts them on the stack and
// on every resource of it that supports tags. (Tags.of on each stack would write the same tags
// into every resource of the template too, at a jsii round trip per tag and stack: 6 % of a
// fleet's synth, for no difference in what is deployed.)
func newStack(scope constructs.Construct, id string, props *awscdk.StackProps, tags map[string]string) awscdk.Stack {
	p := *props
	t := map[string]*string{}
	for k, v := range tags {
		t[k] = jsii.String(v)
	}
	p.Tags = &t
	return awscdk.NewStack(scope, jsii.String(id), &p)
}

// keepData is the removal policy of every stateful resource the stacks create, in every
// environment: deleting a stack never deletes a tenant's data (caches snapshot instead).
const keepData = awscdk.RemovalPolicy_RETAIN

// pinZones answers the availability-zone context lookup of stack with the zones the fleet
// config names, so a VPC over explicit zones never asks AWS (synth stays hermetic). It must be
// called before anything is added to stack.
func pinZones(stack awscdk.Stack, account, region string, zones []string) {
	key := fmt.Sprintf("availability-zones:account=%s:region=%s", account, region)
	stack.Node().SetContext(jsii.String(key), zones)
}
