package vending

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsorganizations"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

const (
	// EdgeRegion is always bootstrapped: CloudFront certificates and web ACLs live there.
	EdgeRegion = "us-east-1"
	// DefaultStackSetName names the bootstrap StackSet.
	DefaultStackSetName = "fleet-tenant-bootstrap"
)

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	ouRE      = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	tenantRE  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)
	emailRE   = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
)

// AccountRequest asks for a new AWS account for a dedicated tenant.
type AccountRequest struct {
	// TenantID names the account "fleet-<TenantID>" and its construct. Required.
	TenantID string
	// Email is the new account's root e-mail address, unique across AWS. Required.
	Email string
	// OrganizationalUnit is the OU the account is created in. Default: VendingProps.TenantsOU.
	OrganizationalUnit string
	// Tags are put on the account, besides fleet:tenant. Default: none.
	Tags map[string]string
}

// VendingProps configures Vending.
type VendingProps struct {
	// Requests are the accounts to vend, one per dedicated tenant that asks for one.
	// Default: none (the StackSet still bootstraps accounts moved into the OUs).
	Requests []AccountRequest
	// TenantsOU is the organizational unit of the tenants' accounts: the default OU of
	// requests and a target of the bootstrap StackSet. Required unless every request names
	// its OU.
	TenantsOU string
	// PipelineAccount is the account whose pipeline deploys into the tenants' accounts (the
	// platform account). Required.
	PipelineAccount string
	// Regions are the regions to bootstrap, besides us-east-1 (always added). Required.
	Regions []string
	// LifecycleBusArn, when set, adds the lifecycle forwarder to the bootstrap template so the
	// tenants' accounts report their tenant stacks' status changes. Default: none.
	LifecycleBusArn string
	// ForwardStatuses are the stack statuses the forwarder sends (with LifecycleBusArn).
	// Default: the failure statuses ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE, CREATE_FAILED,
	// UPDATE_FAILED, DELETE_FAILED.
	ForwardStatuses []string
	// CallAs is SELF when the stack is deployed in the organization's management account,
	// DELEGATED_ADMIN in a delegated StackSets administrator account. Default: SELF.
	CallAs string
	// StackSetName names the StackSet. Default: DefaultStackSetName.
	StackSetName string
}

// Vending is the account vending and bootstrap of the tenants' accounts.
type Vending interface {
	constructs.Construct
	// AccountID returns the id of the account vended for tenantID (a token), or nil when no
	// account was requested for it.
	AccountID(tenantID string) *string
	// Account returns the AWS::Organizations::Account of tenantID, or nil.
	Account(tenantID string) awsorganizations.CfnAccount
	// StackSet is the bootstrap StackSet.
	StackSet() awscloudformation.CfnStackSet
	// Regions are the regions bootstrapped, sorted.
	Regions() []string
	// OrganizationalUnits are the OUs the StackSet deploys to, sorted.
	OrganizationalUnits() []string
}

type vending struct {
	constructs.Construct
	accounts map[string]awsorganizations.CfnAccount
	stackSet awscloudformation.CfnStackSet
	regions  []string
	ous      []string
}

func (v *vending) AccountID(tenantID string) *string {
	if a := v.accounts[tenantID]; a != nil {
		return a.AttrAccountId()
	}
	return nil
}
func (v *vending) Account(tenantID string) awsorganizations.CfnAccount { return v.accounts[tenantID] }
func (v *vending) StackSet() awscloudformation.CfnStackSet             { return v.stackSet }
func (v *vending) Regions() []string                                   { return append([]string(nil), v.regions...) }
func (v *vending) OrganizationalUnits() []string                       { return append([]string(nil), v.ous...) }

// NewVending defines an AWS Organizations account per request and the StackSet that
// bootstraps every account of the tenants' OUs for the pipeline account.
func NewVending(scope constructs.Construct, id string, props *VendingProps) Vending {
	if props == nil {
		panic("vending: props is required")
	}
	p := *props
	p.Requests = append([]AccountRequest(nil), props.Requests...)
	if !accountRE.MatchString(p.PipelineAccount) {
		panic(fmt.Sprintf("vending: props.PipelineAccount %q is not a 12-digit account id", p.PipelineAccount))
	}
	if p.TenantsOU != "" && !ouRE.MatchString(p.TenantsOU) {
		panic(fmt.Sprintf("vending: props.TenantsOU %q is not an organizational unit id (ou-xxxx-xxxxxxxx)", p.TenantsOU))
	}
	if p.StackSetName == "" {
		p.StackSetName = DefaultStackSetName
	}
	switch p.CallAs {
	case "":
		p.CallAs = "SELF"
	case "SELF", "DELEGATED_ADMIN":
	default:
		panic(fmt.Sprintf("vending: props.CallAs %q must be SELF or DELEGATED_ADMIN", p.CallAs))
	}
	if len(p.ForwardStatuses) == 0 {
		p.ForwardStatuses = []string{"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"}
	}
	regions := uniqueSorted(append(append([]string(nil), p.Regions...), EdgeRegion))
	for _, r := range regions {
		if !regionRE.MatchString(r) {
			panic(fmt.Sprintf("vending: props.Regions: %q is not an AWS region", r))
		}
	}

	sort.SliceStable(p.Requests, func(i, j int) bool { return p.Requests[i].TenantID < p.Requests[j].TenantID })
	ous := []string{}
	if p.TenantsOU != "" {
		ous = append(ous, p.TenantsOU)
	}
	seenTenant, seenEmail := map[string]bool{}, map[string]bool{}
	for i := range p.Requests {
		r := &p.Requests[i]
		switch {
		case !tenantRE.MatchString(r.TenantID):
			panic(fmt.Sprintf("vending: props.Requests[%d].TenantID %q is not a tenant id", i, r.TenantID))
		case seenTenant[r.TenantID]:
			panic(fmt.Sprintf("vending: props.Requests: tenant %q requests two accounts", r.TenantID))
		case !emailRE.MatchString(r.Email):
			panic(fmt.Sprintf("vending: props.Requests[%d] (%s): Email %q is not an e-mail address", i, r.TenantID, r.Email))
		case seenEmail[strings.ToLower(r.Email)]:
			panic(fmt.Sprintf("vending: props.Requests[%d] (%s): Email %q is used twice; every AWS account needs its own", i, r.TenantID, r.Email))
		}
		seenTenant[r.TenantID], seenEmail[strings.ToLower(r.Email)] = true, true
		if r.OrganizationalUnit == "" {
			r.OrganizationalUnit = p.TenantsOU
		}
		if r.OrganizationalUnit == "" {
			panic(fmt.Sprintf("vending: props.Requests[%d] (%s) has no OrganizationalUnit and props.TenantsOU is empty", i, r.TenantID))
		}
		if !ouRE.MatchString(r.OrganizationalUnit) {
			panic(fmt.Sprintf("vending: props.Requests[%d] (%s): OrganizationalUnit %q is not an OU id", i, r.TenantID, r.OrganizationalUnit))
		}
		ous = append(ous, r.OrganizationalUnit)
	}
	ous = uniqueSorted(ous)
	if len(ous) == 0 {
		panic("vending: props.TenantsOU is required: the bootstrap StackSet deploys to the tenants' organizational unit")
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	v := &vending{Construct: this, accounts: map[string]awsorganizations.CfnAccount{}, regions: regions, ous: ous}
	for _, r := range p.Requests {
		tags := []*awscdk.CfnTag{{Key: jsii.String("fleet:tenant"), Value: jsii.String(r.TenantID)}}
		keys := make([]string, 0, len(r.Tags))
		for k := range r.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "fleet:tenant" {
				continue
			}
			tags = append(tags, &awscdk.CfnTag{Key: jsii.String(k), Value: jsii.String(r.Tags[k])})
		}
		acct := awsorganizations.NewCfnAccount(this, jsii.String("Account"+pascal(r.TenantID)), &awsorganizations.CfnAccountProps{
			AccountName: jsii.String("fleet-" + r.TenantID),
			Email:       jsii.String(r.Email),
			ParentIds:   jsii.Strings(r.OrganizationalUnit),
			Tags:        &tags,
		})
		// Removing a request (or the stack) must never close an AWS account.
		acct.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
		v.accounts[r.TenantID] = acct
	}

	v.stackSet = awscloudformation.NewCfnStackSet(this, jsii.String("Bootstrap"), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(p.StackSetName),
		Description:     jsii.String("CDK bootstrap (qualifier " + Qualifier + ", version " + BootstrapVersion + ") of the fleet's tenant accounts, trusting the pipeline account " + p.PipelineAccount),
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		CallAs:          jsii.String(p.CallAs),
		Capabilities:    jsii.Strings("CAPABILITY_NAMED_IAM"),
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{
			Enabled:                      jsii.Bool(true),
			RetainStacksOnAccountRemoval: jsii.Bool(true),
		},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			RegionConcurrencyType:      jsii.String("PARALLEL"),
			MaxConcurrentPercentage:    jsii.Number(25),
			FailureTolerancePercentage: jsii.Number(10),
		},
		StackInstancesGroup: &[]*awscloudformation.CfnStackSet_StackInstancesProperty{{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{OrganizationalUnitIds: jsii.Strings(ous...)},
			Regions:           jsii.Strings(regions...),
		}},
		TemplateBody: jsii.String(BootstrapTemplate(BootstrapTemplateProps{
			TrustedAccount:  p.PipelineAccount,
			LifecycleBusArn: p.LifecycleBusArn,
			ForwardStatuses: p.ForwardStatuses,
		})),
	})
	// jsii serializes a Go struct in an interface{}-typed property with its lower-case json
	// names; set this one in CloudFormation's casing.
	v.stackSet.AddPropertyOverride(jsii.String("ManagedExecution"), map[string]any{"Active": true})
	// No dependency on the accounts: auto-deployment bootstraps an account whenever it
	// appears in a target OU, created here or moved there later.
	return v
}

func pascal(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
