package stacks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/lifecycle"
	"github.com/fleetcdk/fleet/constructs/registry"
	"github.com/fleetcdk/fleet/constructs/vending"
)

// ControlPlane is the platform account's stack.
type ControlPlane struct {
	Stack    awscdk.Stack
	Registry registry.Registry
	Bus      lifecycle.LifecycleBus
	// Vending is nil when the fleet names no tenants OU and no tenant requests an account.
	Vending vending.Vending
}

// NewControlPlane defines the control-plane stack: the tenant registry, the lifecycle bus, and
// the vending and bootstrap of dedicated tenants' accounts.
func NewControlPlane(scope constructs.Construct, id string, m *config.Model) *ControlPlane {
	p := m.Fleet.Platform
	stack := newStack(scope, id, &awscdk.StackProps{
		Env:                   env(p.Account, p.Region),
		Description:           jsii.String(fmt.Sprintf("%s control plane: tenant registry, lifecycle events, account vending and bootstrap", m.Fleet.Product.Name)),
		TerminationProtection: jsii.Bool(true),
	}, map[string]string{"fleet:component": "control-plane"})
	cp := &ControlPlane{Stack: stack}

	// With an organization id, the registry and the bus trust the organization; the list of
	// accounts is only for fleets outside one (at most limits.TrustedAccounts, checked by config).
	var accounts []string
	if p.OrganizationID == "" {
		accounts = m.Accounts()
	}
	var envs []string
	for _, e := range m.Fleet.Environments {
		envs = append(envs, e.Name)
	}
	cp.Registry = registry.NewRegistry(stack, "Registry", &registry.RegistryProps{WriterAccounts: accounts, OrganizationID: m.Fleet.Platform.OrganizationID})
	cp.Bus = lifecycle.NewLifecycleBus(stack, "Lifecycle", &lifecycle.LifecycleBusProps{SourceAccounts: accounts, OrganizationID: m.Fleet.Platform.OrganizationID, Environments: envs})

	requests, regions := accountRequests(m)
	if p.TenantsOU != "" || len(requests) > 0 {
		if len(regions) == 0 {
			regions = []string{p.Region}
		}
		var statuses []string
		for _, o := range lifecycle.Outcomes {
			statuses = append(statuses, o.Statuses...)
		}
		cp.Vending = vending.NewVending(stack, "Vending", &vending.VendingProps{
			Requests:        requests,
			TenantsOU:       p.TenantsOU,
			PipelineAccount: p.Account,
			Regions:         regions,
			LifecycleBusArn: cp.Bus.BusArn(),
			ForwardStatuses: statuses,
		})
	}
	return cp
}

// accountRequests are the accounts dedicated tenants ask for (account.email without
// account.id), and the regions the dedicated tenants use.
func accountRequests(m *config.Model) ([]vending.AccountRequest, []string) {
	var reqs []vending.AccountRequest
	for _, t := range m.Tenants {
		if t.Tier == config.TierDedicated && t.Account != nil && t.Account.Email != "" && t.Account.ID == "" {
			reqs = append(reqs, vending.AccountRequest{
				TenantID:           t.ID,
				Email:              t.Account.Email,
				OrganizationalUnit: t.Account.OrganizationalUnit,
				Tags:               t.Account.Tags,
			})
		}
	}
	seen := map[string]bool{}
	var regions []string
	for _, d := range m.Deployments() {
		if d.Tenant.Tier == config.TierDedicated && !seen[d.Region] {
			seen[d.Region] = true
			regions = append(regions, d.Region)
		}
	}
	sort.Strings(regions)
	return reqs, regions
}

// LifecycleBusArn is the ARN of the fleet's lifecycle bus, for forwarders in other accounts.
func LifecycleBusArn(m *config.Model) string {
	return lifecycle.BusArn(m.Fleet.Platform.Account, m.Fleet.Platform.Region, lifecycle.DefaultBusName)
}

// RegistryEntryProps describes deployment d's registry item, for a RegistryEntry in d's stack.
// secretArns are the ARNs of the tenant's connection secrets in that stack (may be tokens of
// the same stack).
func RegistryEntryProps(m *config.Model, d config.Deployment, secretArns ...string) *registry.RegistryEntryProps {
	item := map[string]string{
		registry.AttrName:      d.Tenant.Name,
		registry.AttrTier:      string(d.Tenant.Tier),
		registry.AttrAccount:   d.Account,
		registry.AttrRegion:    d.Region,
		registry.AttrDomains:   strings.Join(d.Hosts, ","),
		registry.AttrStackName: d.StackName(),
		registry.AttrWave:      d.Tenant.Wave,
	}
	if d.Cell != nil {
		item[registry.AttrCell] = d.Cell.ID
	}
	if len(secretArns) > 0 {
		item[registry.AttrSecretArns] = strings.Join(secretArns, ",")
	}
	return &registry.RegistryEntryProps{
		TableName:     registry.DefaultTableName,
		TableRegion:   m.Fleet.Platform.Region,
		WriterRoleArn: registry.WriterRoleArn(m.Fleet.Platform.Account),
		TenantID:      d.Tenant.ID,
		Environment:   d.Env.Name,
		Item:          item,
	}
}
