package registry

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/data"
	"github.com/fleetcdk/fleet/limits"
	"github.com/fleetcdk/fleet/security"
)

const (
	// DefaultTableName is the registry table's name unless RegistryProps.TableName says
	// otherwise.
	DefaultTableName = "fleet-tenant-registry"
	// WriterRoleName is the name of the role tenant stacks assume to write their entry.
	WriterRoleName = "fleet-registry-writer"
	// EntryRolePath is the IAM path of the roles NewRegistryEntry creates; the writer role
	// trusts only roles under it.
	EntryRolePath = "/fleet/registry-entry/"

	// StatusActive is the status of a deployed tenant environment.
	StatusActive = "active"
	// StatusOffboarded is the status once the tenant's stack is deleted. The item is kept.
	StatusOffboarded = "offboarded"
)

// The attributes of a registry item. Every value is a string; lists are comma-separated.
const (
	AttrTenantID    = "tenantId"    // partition key
	AttrEnvironment = "environment" // sort key
	AttrStatus      = "status"      // StatusActive or StatusOffboarded
	AttrName        = "name"        // display name
	AttrTier        = "tier"        // pool, silo or dedicated
	AttrCell        = "cell"        // cell id (pool, silo)
	AttrAccount     = "account"     // AWS account of the tenant's stack
	AttrRegion      = "region"      // AWS region of the tenant's stack
	AttrDomains     = "domains"     // host names, comma-separated
	AttrSecretArns  = "secretArns"  // ARNs of the tenant's connection secrets, comma-separated
	AttrStackName   = "stackName"   // CloudFormation stack that owns the entry
	AttrWave        = "wave"        // release wave
)

// Attributes lists every attribute a registry item may have. The writer role may write no
// other (dynamodb:Attributes), and NewRegistryEntry rejects any other key.
var Attributes = []string{
	AttrTenantID, AttrEnvironment, AttrStatus, AttrName, AttrTier, AttrCell, AttrAccount,
	AttrRegion, AttrDomains, AttrSecretArns, AttrStackName, AttrWave,
}

// maxTrustedAccounts keeps the writer role's trust policy under IAM's default 2,048-character
// limit (an account principal takes about 33 characters).
var maxTrustedAccounts = limits.TrustedAccounts.Max

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	orgRE     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	// keyRE keeps key values printable and free of the separators the physical id uses.
	keyRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// WriterRoleArn returns the ARN of the registry writer role in the platform account. Tenant
// stacks in other accounts use it as a plain string: no cross-stack reference.
func WriterRoleArn(platformAccount string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", platformAccount, WriterRoleName)
}

// RegistryProps configures a Registry.
type RegistryProps struct {
	// WriterAccounts are the accounts whose tenant stacks write entries: the environment
	// (cell) accounts and the dedicated tenants' accounts. Duplicates are ignored. At most 45
	// (the trust policy's size limit); above that, use OrganizationID. Required unless
	// OrganizationID is set.
	WriterAccounts []string
	// OrganizationID (o-xxxxxxxxxx), when set, trusts entry roles of every account of the AWS
	// organization (aws:PrincipalOrgID) in addition to WriterAccounts. Default: none.
	OrganizationID string
	// TableName names the table. Default: DefaultTableName.
	TableName string
	// RemovalPolicy of the table and its key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Registry is the tenant registry table and the role tenant stacks write it through.
type Registry interface {
	constructs.Construct
	// Table is the registry table.
	Table() awsdynamodb.ITableV2
	// TableName is the table's name, a plain string.
	TableName() string
	// WriterRoleArn is the ARN of the writer role, a plain string.
	WriterRoleArn() string
	// WriterRole is the writer role.
	WriterRole() awsiam.IRole
}

type registry struct {
	constructs.Construct
	table      data.Table
	tableName  string
	writerArn  string
	writerRole awsiam.Role
}

func (r *registry) Table() awsdynamodb.ITableV2 { return r.table.Table() }
func (r *registry) TableName() string           { return r.tableName }
func (r *registry) WriterRoleArn() string       { return r.writerArn }
func (r *registry) WriterRole() awsiam.IRole    { return r.writerRole }

// NewRegistry defines the tenant registry table and its writer role. The stack must have a
// concrete account (the writer role ARN is built from it).
func NewRegistry(scope constructs.Construct, id string, props *RegistryProps) Registry {
	p := RegistryProps{}
	if props != nil {
		p = *props
	}
	accounts := uniqueSorted(p.WriterAccounts)
	for _, a := range accounts {
		if !accountRE.MatchString(a) {
			panic(fmt.Sprintf("registry: props.WriterAccounts: %q is not a 12-digit account id", a))
		}
	}
	if p.OrganizationID != "" && !orgRE.MatchString(p.OrganizationID) {
		panic(fmt.Sprintf("registry: props.OrganizationID %q is not an organization id (o-xxxxxxxxxx)", p.OrganizationID))
	}
	if len(accounts) == 0 && p.OrganizationID == "" {
		panic("registry: props.WriterAccounts is empty; list the accounts tenant stacks deploy to, or set props.OrganizationID")
	}
	if len(accounts) > maxTrustedAccounts {
		panic(fmt.Sprintf("registry: props.WriterAccounts has %d accounts, over the %d a trust policy holds; set props.OrganizationID and list only accounts outside the organization", len(accounts), maxTrustedAccounts))
	}
	if p.TableName == "" {
		p.TableName = DefaultTableName
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	stack := awscdk.Stack_Of(scope)
	account := *stack.Account()
	if *awscdk.Token_IsUnresolved(jsii.String(account)) {
		panic("registry: the stack needs a concrete account (Env.Account): tenant stacks build the writer role ARN from it")
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	table := data.NewTable(this, "Table", &data.TableProps{
		PartitionKey:       AttrTenantID,
		SortKey:            AttrEnvironment,
		DeletionProtection: true,
		RemovalPolicy:      p.RemovalPolicy,
	})
	// data.TableProps has no name; tenant stacks in other accounts need a fixed one.
	cfn := table.Table().Node().DefaultChild().(awscdk.CfnResource)
	cfn.AddPropertyOverride(jsii.String("TableName"), p.TableName)

	role := awsiam.NewRole(this, jsii.String("Writer"), &awsiam.RoleProps{
		RoleName:           jsii.String(WriterRoleName),
		AssumedBy:          writerTrust(accounts, p.OrganizationID),
		Description:        jsii.String("Tenant stacks assume this role to write their own tenant registry entry"),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	t := table.Table()
	// A customer-managed policy rather than the role's inline default policy: the permissions
	// are versioned and reviewable on their own (HIPAA/NIST IAMNoInlinePolicy).
	awsiam.NewManagedPolicy(this, jsii.String("WriterPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Write tenant registry items (registry attributes only) through the registry key"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			writeItemsStatement(*t.TableArn()),
			useKeyStatement(*t.EncryptionKey().KeyArn(), *stack.Region()),
		},
	})
	return &registry{Construct: this, table: table, tableName: p.TableName, writerArn: WriterRoleArn(account), writerRole: role}
}

// writeItemsStatement allows PutItem and UpdateItem on the table, for requests that name a key
// and touch only the registry's attributes.
func writeItemsStatement(tableArn string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteRegistryItems"),
		Actions:   jsii.Strings("dynamodb:PutItem", "dynamodb:UpdateItem"),
		Resources: jsii.Strings(tableArn),
		Conditions: &map[string]any{
			// Requests must name a partition key: no key-less access slips through ForAllValues.
			"Null": map[string]any{"dynamodb:LeadingKeys": "false"},
			// Only the registry's own attributes (keys included).
			"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": Attributes},
			// Never read old items back through a write.
			"StringEqualsIfExists": map[string]any{"dynamodb:ReturnValues": "NONE"},
		},
	})
}

// useKeyStatement allows the registry key's data-key operations, through DynamoDB only.
func useKeyStatement(keyArn, region string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("UseRegistryKeyThroughDynamoDB"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"),
		Resources: jsii.Strings(keyArn),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "dynamodb." + region + ".amazonaws.com"},
		},
	})
}

// writerTrust lets roles under EntryRolePath in accounts (and, with org, in the organization)
// assume the writer role.
func writerTrust(accounts []string, org string) awsiam.IPrincipal {
	entryRoles := map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:role" + EntryRolePath + "*"}}
	var principals []awsiam.IPrincipal
	for _, a := range accounts {
		principals = append(principals, awsiam.NewAccountPrincipal(jsii.String(a)).WithConditions(&entryRoles))
	}
	if org != "" {
		principals = append(principals, awsiam.NewOrganizationPrincipal(jsii.String(org)).WithConditions(&entryRoles))
	}
	if len(principals) == 1 {
		return principals[0]
	}
	return awsiam.NewCompositePrincipal(principals...)
}

// RegistryEntryProps configures a RegistryEntry.
type RegistryEntryProps struct {
	// TableName is the registry table's name. Default: DefaultTableName.
	TableName string
	// TableRegion is the registry's region (the platform region). Required.
	TableRegion string
	// WriterRoleArn is the writer role to assume (WriterRoleArn(platformAccount)). Required.
	WriterRoleArn string
	// TenantID is the partition key. Required.
	TenantID string
	// Environment is the sort key. Required.
	Environment string
	// Item holds the other attributes, keyed by the Attr* names (see Attributes). Empty values
	// are left out. tenantId, environment and status are set by the entry and may not be given.
	// Default: no other attribute.
	Item map[string]string
}

// RegistryEntry is one tenant environment's item in the registry, kept by its stack.
type RegistryEntry interface {
	constructs.Construct
	// Key is the item's key, "<tenantId>/<environment>"; it is also the custom resource's
	// physical id.
	Key() string
}

type registryEntry struct {
	constructs.Construct
	key string
}

func (e *registryEntry) Key() string { return e.key }

// NewRegistryEntry defines a custom resource that writes the tenant's registry item on create
// and update and marks it offboarded on delete, through the writer role of the platform
// account.
func NewRegistryEntry(scope constructs.Construct, id string, props *RegistryEntryProps) RegistryEntry {
	if props == nil {
		panic("registry: NewRegistryEntry: props is required")
	}
	p := *props
	if p.TableName == "" {
		p.TableName = DefaultTableName
	}
	switch {
	case p.TableRegion == "":
		panic("registry: props.TableRegion is required (the platform region)")
	case !strings.HasPrefix(p.WriterRoleArn, "arn:") || !strings.Contains(p.WriterRoleArn, ":role/"):
		panic(fmt.Sprintf("registry: props.WriterRoleArn %q is not a role ARN; use registry.WriterRoleArn(platformAccount)", p.WriterRoleArn))
	case !keyRE.MatchString(p.TenantID):
		panic(fmt.Sprintf("registry: props.TenantID %q must be letters, digits, '.', '_' or '-'", p.TenantID))
	case !keyRE.MatchString(p.Environment):
		panic(fmt.Sprintf("registry: props.Environment %q must be letters, digits, '.', '_' or '-'", p.Environment))
	}
	allowed := map[string]bool{}
	for _, a := range Attributes {
		allowed[a] = true
	}
	item := map[string]any{
		AttrTenantID:    map[string]any{"S": p.TenantID},
		AttrEnvironment: map[string]any{"S": p.Environment},
		AttrStatus:      map[string]any{"S": StatusActive},
	}
	for k, v := range p.Item {
		switch {
		case k == AttrTenantID || k == AttrEnvironment || k == AttrStatus:
			panic(fmt.Sprintf("registry: props.Item[%q]: set by the entry itself; use props.TenantID / props.Environment", k))
		case !allowed[k]:
			panic(fmt.Sprintf("registry: props.Item[%q] is not a registry attribute; use one of %s", k, strings.Join(Attributes, ", ")))
		case v == "":
			continue
		}
		item[k] = map[string]any{"S": v}
	}
	key := p.TenantID + "/" + p.Environment

	this := constructs.NewConstruct(scope, jsii.String(id))
	role := entryRole(this, key)
	put := &customresourcesAwsSdkCall{
		Service: "DynamoDB", Action: "PutItem", Region: p.TableRegion, RoleArn: p.WriterRoleArn, Key: key,
		Parameters: map[string]any{"TableName": p.TableName, "Item": item},
	}
	offboard := &customresourcesAwsSdkCall{
		Service: "DynamoDB", Action: "UpdateItem", Region: p.TableRegion, RoleArn: p.WriterRoleArn, Key: key,
		Parameters: map[string]any{
			"TableName":                 p.TableName,
			"Key":                       map[string]any{AttrTenantID: map[string]any{"S": p.TenantID}, AttrEnvironment: map[string]any{"S": p.Environment}},
			"UpdateExpression":          "SET #status = :status",
			"ExpressionAttributeNames":  map[string]any{"#status": AttrStatus},
			"ExpressionAttributeValues": map[string]any{":status": map[string]any{"S": StatusOffboarded}},
		},
	}
	cr := newEntryResource(this, role, put, offboard)
	security.SuppressAwsCustomResourceProvider(cr, "to write this tenant environment's registry item through the registry writer role")
	// The function's only permissions, in a customer-managed policy: assume the writer role,
	// and write to its own log group (instead of AWSLambdaBasicExecutionRole's logs:* on every
	// log group of the account).
	statements := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AssumeRegistryWriter"),
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings(p.WriterRoleArn),
	})}
	if lg, ok := providerFunction(this).Node().TryFindChild(jsii.String("LogGroup")).(awslogs.ILogGroup); ok && lg != nil {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("WriteOwnLogs"),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(*lg.LogGroupArn()),
		}))
	}
	policy := awsiam.NewManagedPolicy(this, jsii.String("Policy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Write tenant registry entry " + key + " through " + WriterRoleName),
		Roles:       &[]awsiam.IRole{role},
		Statements:  &statements,
	})
	// The SDK calls need the permission to assume the writer role.
	cr.Node().AddDependency(policy)
	return &registryEntry{Construct: this, key: key}
}

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
