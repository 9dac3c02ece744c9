package data

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/security"
)

const (
	// tenantTag is the session tag that carries the tenant id into a tenant-scoped role.
	tenantTag = "tenant"
	// principalTenant is the IAM policy variable of that tag on the assumed-role session.
	principalTenant = "${aws:PrincipalTag/" + tenantTag + "}"
)

// itemActions are the item-level actions a tenant may call. Each one names the partition keys it
// touches, so dynamodb:LeadingKeys can bound it. Scan and PartiQL do not, and are left out:
// ForAllValues conditions hold vacuously when the key is missing.
var itemActions = []string{
	"dynamodb:BatchGetItem",
	"dynamodb:BatchWriteItem",
	"dynamodb:ConditionCheckItem",
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"dynamodb:UpdateItem",
}

// tenantRE keeps IAM wildcards (* ?), policy variables ($) and the key separator (#) out of the
// leading-keys pattern built from a tenant id.
var tenantRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// TableProps configures a Table.
type TableProps struct {
	// PartitionKey is the name of the string partition key. In pooled tables its values start
	// with "<tenantId>#". Default: "pk".
	PartitionKey string
	// SortKey is the name of the string sort key. Default: "sk".
	SortKey string
	// EncryptionKey encrypts the table. Default: a new customer-managed key with rotation.
	EncryptionKey awskms.IKey
	// DeletionProtection stops the table from being deleted (production). Default: false.
	DeletionProtection bool
	// ContributorInsights turns on CloudWatch contributor insights. Default: false.
	ContributorInsights bool
	// RemovalPolicy applies to the table and to the key it creates. DynamoDB has no SNAPSHOT.
	// Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Table is an encrypted, on-demand DynamoDB table with point-in-time recovery.
type Table interface {
	constructs.Construct
	// Table is the DynamoDB table.
	Table() awsdynamodb.ITableV2
	// GrantReadWriteData grants read and write on every item, and use of the table's key.
	GrantReadWriteData(grantee awsiam.IGrantable)
	// GrantTenantReadWriteData grants read/write limited by dynamodb:LeadingKeys to items whose
	// partition key starts with "<tenantID>#", and use of the table's key.
	GrantTenantReadWriteData(grantee awsiam.IGrantable, tenantID string)
}

type table struct {
	constructs.Construct
	table awsdynamodb.TableV2
}

func (t *table) Table() awsdynamodb.ITableV2 { return t.table }

func (t *table) GrantReadWriteData(grantee awsiam.IGrantable) {
	if grantee == nil {
		panic("data: GrantReadWriteData: grantee is required")
	}
	t.table.GrantReadWriteData(grantee)
}

func (t *table) GrantTenantReadWriteData(grantee awsiam.IGrantable, tenantID string) {
	if grantee == nil {
		panic("data: GrantTenantReadWriteData: grantee is required")
	}
	if !tenantRE.MatchString(tenantID) {
		panic(fmt.Sprintf("data: GrantTenantReadWriteData: tenant id %q must be letters, digits, '.', '_' or '-' (no IAM wildcards, '$' or '#')", tenantID))
	}
	grantLeadingKeys(t.table, grantee, tenantID)
}

// NewTable defines an on-demand DynamoDB table with string keys, point-in-time recovery and
// encryption with a customer-managed KMS key.
func NewTable(scope constructs.Construct, id string, props *TableProps) Table {
	p := TableProps{}
	if props != nil {
		p = *props
	}
	if p.PartitionKey == "" {
		p.PartitionKey = "pk"
	}
	if p.SortKey == "" {
		p.SortKey = "sk"
	}
	if p.PartitionKey == p.SortKey {
		panic(fmt.Sprintf("data: props.PartitionKey and props.SortKey are both %q; give them different names", p.PartitionKey))
	}
	switch p.RemovalPolicy {
	case "":
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	case awscdk.RemovalPolicy_SNAPSHOT:
		panic("data: props.RemovalPolicy SNAPSHOT is not supported by DynamoDB; use RETAIN (point-in-time recovery keeps backups) or DESTROY")
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	if p.EncryptionKey == nil {
		p.EncryptionKey = awskms.NewKey(this, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the DynamoDB table " + *this.Node().Path()),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     p.RemovalPolicy,
		})
		security.DenyForeignGrants(p.EncryptionKey)
	}
	tableProps := &awsdynamodb.TablePropsV2{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(p.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(p.SortKey), Type: awsdynamodb.AttributeType_STRING},
		Billing:      awsdynamodb.Billing_OnDemand(nil),
		Encryption:   awsdynamodb.TableEncryptionV2_CustomerManagedKey(p.EncryptionKey, nil),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(p.DeletionProtection),
		RemovalPolicy:      p.RemovalPolicy,
	}
	if p.ContributorInsights {
		tableProps.ContributorInsightsSpecification = &awsdynamodb.ContributorInsightsSpecification{Enabled: jsii.Bool(true)}
	}
	t := awsdynamodb.NewTableV2(this, jsii.String("Resource"), tableProps)
	return &table{Construct: this, table: t}
}

// NewTenantScopedRole defines a role that assumedBy (the pooled task role) may assume only with a
// session tag "tenant", and that reads and writes table only where dynamodb:LeadingKeys matches
// "${aws:PrincipalTag/tenant}#*". The trust policy names assumedBy, which is enough within one
// account; assumedBy needs no policy of its own for it.
func NewTenantScopedRole(scope constructs.Construct, id string, table Table, assumedBy awsiam.IRole) awsiam.IRole {
	if table == nil {
		panic("data: NewTenantScopedRole: table is required")
	}
	if assumedBy == nil {
		panic("data: NewTenantScopedRole: assumedBy is required (the pooled task role)")
	}
	trust := awsiam.NewSessionTagsPrincipal(awsiam.NewArnPrincipal(assumedBy.RoleArn())).WithConditions(&map[string]any{
		// "?*": the tag is present and not empty.
		"StringLike": map[string]any{"aws:RequestTag/" + tenantTag: "?*"},
	})
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy:   trust,
		Description: jsii.String("Tenant-scoped access to a pooled DynamoDB table; assume with session tag " + tenantTag),
	})
	grantLeadingKeys(table.Table(), role, principalTenant)
	security.Suppress(role, "The inline policy is this role's only grant: item actions on one table, bounded by "+
		"dynamodb:LeadingKeys to the session's tenant.", security.InlinePolicy...)
	security.SuppressFindings(role, "<table>/index/* are the table's own indexes, still bounded by dynamodb:LeadingKeys; "+
		"kms:GenerateDataKey* and kms:ReEncrypt* come from the grant to use the table's one key.",
		"AwsSolutions-IAM5", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*", `/^Resource::<[A-Za-z0-9]+\.Arn>\/index\/\*$/`)
	return role
}

// grantLeadingKeys lets grantee read and write the items of t whose partition key starts with
// prefix + "#", and use the table's key.
func grantLeadingKeys(t awsdynamodb.ITableV2, grantee awsiam.IGrantable, prefix string) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(itemActions...),
		ResourceArns: jsii.Strings(*t.TableArn(), *t.TableArn()+"/index/*"),
		Conditions: &map[string]*map[string]any{
			"ForAllValues:StringLike": {"dynamodb:LeadingKeys": []string{prefix + "#*"}},
			// Deny requests that carry no partition key at all, which ForAllValues lets through.
			"Null": {"dynamodb:LeadingKeys": "false"},
		},
	})
	if key := t.EncryptionKey(); key != nil {
		key.GrantEncryptDecrypt(grantee)
	}
}
