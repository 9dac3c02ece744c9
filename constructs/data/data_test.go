package data_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/data"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

const (
	tableType = "AWS::DynamoDB::GlobalTable"
	tableID   = "Orders2A43276C"
	keyID     = "OrdersKey6C690DD2"
)

var itemActions = []any{
	"dynamodb:BatchGetItem",
	"dynamodb:BatchWriteItem",
	"dynamodb:ConditionCheckItem",
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"dynamodb:UpdateItem",
}

var tableAndIndexes = []any{
	map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}},
	map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}, "/index/*"}}},
}

func newTable(props *data.TableProps) (awscdk.Stack, data.Table) {
	stack := cdktest.Stack()
	return stack, data.NewTable(stack, "Orders", props)
}

func taskRole(stack awscdk.Stack, id string) awsiam.Role {
	return awsiam.NewRole(stack, jsii.String(id), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)})
}

// replica matches the table's only replica (the stack's region) having props.
func replica(props map[string]any) map[string]any {
	return map[string]any{"Replicas": []any{assertions.Match_ObjectLike(&props)}}
}

func TestTable_onDemandBilling(t *testing.T) {
	stack, _ := newTable(nil)
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String(tableType), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String(tableType), map[string]any{
		"BillingMode":                        "PAY_PER_REQUEST",
		"WriteProvisionedThroughputSettings": assertions.Match_Absent(),
	})
}

func TestTable_pointInTimeRecovery(t *testing.T) {
	stack, _ := newTable(nil)
	cdktest.Template(stack).HasResourceProperties(jsii.String(tableType), replica(map[string]any{
		"Region":                           "eu-west-1",
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
	}))
}

func TestTable_encryptedWithNewRotatingCustomerManagedKey(t *testing.T) {
	stack, _ := newTable(nil)
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tpl.HasResourceProperties(jsii.String(tableType), map[string]any{
		"SSESpecification": map[string]any{"SSEEnabled": true, "SSEType": "KMS"},
	})
	tpl.HasResourceProperties(jsii.String(tableType), replica(map[string]any{
		"SSESpecification": map[string]any{"KMSMasterKeyId": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}},
	}))
}

func TestTable_encryptedWithGivenKey(t *testing.T) {
	stack := cdktest.Stack()
	key := awskms.NewKey(stack, jsii.String("Given"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	data.NewTable(stack, "Orders", &data.TableProps{EncryptionKey: key})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String(tableType), replica(map[string]any{
		"SSESpecification": map[string]any{"KMSMasterKeyId": map[string]any{"Fn::GetAtt": []any{*stack.GetLogicalId(key.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}}},
	}))
}

func TestTable_stringKeysPkAndSkByDefault(t *testing.T) {
	stack, _ := newTable(&data.TableProps{})
	cdktest.Template(stack).HasResourceProperties(jsii.String(tableType), map[string]any{
		"KeySchema": []any{
			map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
			map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
		},
		"AttributeDefinitions": []any{
			map[string]any{"AttributeName": "pk", "AttributeType": "S"},
			map[string]any{"AttributeName": "sk", "AttributeType": "S"},
		},
	})
}

func TestTable_namedKeys(t *testing.T) {
	stack, _ := newTable(&data.TableProps{PartitionKey: "tenantKey", SortKey: "itemKey"})
	cdktest.Template(stack).HasResourceProperties(jsii.String(tableType), map[string]any{
		"KeySchema": []any{
			map[string]any{"AttributeName": "tenantKey", "KeyType": "HASH"},
			map[string]any{"AttributeName": "itemKey", "KeyType": "RANGE"},
		},
	})
}

func TestTable_deletionProtection(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint(on), func(t *testing.T) {
			stack, _ := newTable(&data.TableProps{DeletionProtection: on})
			cdktest.Template(stack).HasResourceProperties(jsii.String(tableType), replica(map[string]any{"DeletionProtectionEnabled": on}))
		})
	}
}

func TestTable_contributorInsightsOnlyWhenAsked(t *testing.T) {
	stack, _ := newTable(nil)
	cdktest.Template(stack).HasResourceProperties(jsii.String(tableType), replica(map[string]any{"ContributorInsightsSpecification": assertions.Match_Absent()}))

	stack, _ = newTable(&data.TableProps{ContributorInsights: true})
	cdktest.Template(stack).HasResourceProperties(jsii.String(tableType), replica(map[string]any{
		"ContributorInsightsSpecification": assertions.Match_ObjectLike(&map[string]any{"Enabled": true}),
	}))
}

func TestTable_tableAndKeyRetainedByDefault(t *testing.T) {
	stack, _ := newTable(nil)
	tpl := cdktest.Template(stack)
	tpl.HasResource(jsii.String(tableType), map[string]any{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{"DeletionPolicy": "Retain"})
}

func TestTable_destroyPolicyReachesKey(t *testing.T) {
	stack, _ := newTable(&data.TableProps{RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	tpl := cdktest.Template(stack)
	tpl.HasResource(jsii.String(tableType), map[string]any{"DeletionPolicy": "Delete"})
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{"DeletionPolicy": "Delete"})
}

func TestTable_tableAttribute(t *testing.T) {
	stack, tb := newTable(nil)
	if got, want := stack.Resolve(tb.Table().TableArn()), (map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Table().TableArn() = %v, want %v", got, want)
	}
}

func TestTable_grantReadWriteDataCoversAllItems(t *testing.T) {
	stack, tb := newTable(nil)
	role := taskRole(stack, "Silo")
	tb.GrantReadWriteData(role)
	stmts := statements(t, stack, role)
	var dynamo map[string]any
	for _, s := range stmts {
		if acts := actions(s); len(acts) > 0 && strings.HasPrefix(acts[0], "dynamodb:") {
			dynamo = s
		}
	}
	if dynamo == nil {
		t.Fatalf("no dynamodb statement in %v", stmts)
	}
	if _, ok := dynamo["Condition"]; ok {
		t.Errorf("GrantReadWriteData statement has a condition %v; want none", dynamo["Condition"])
	}
	for _, want := range []string{"dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query"} {
		if !slices.Contains(actions(dynamo), want) {
			t.Errorf("GrantReadWriteData actions %v lack %s", actions(dynamo), want)
		}
	}
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action":   assertions.Match_ArrayWith(&[]any{"kms:Decrypt", "kms:Encrypt"}),
			"Resource": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
		})})},
	})
}

func TestTable_grantTenantReadWriteDataLimitsLeadingKeys(t *testing.T) {
	stack, tb := newTable(nil)
	role := taskRole(stack, "Pooled")
	tb.GrantTenantReadWriteData(role, "acme-health")
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": *stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement))}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Effect":   "Allow",
			"Action":   itemActions,
			"Resource": tableAndIndexes,
			"Condition": map[string]any{
				"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{"acme-health#*"}},
				"Null":                    map[string]any{"dynamodb:LeadingKeys": "false"},
			},
		}})},
	})
	assertNoWildcardOrScan(t, statements(t, stack, role))
}

func TestTenantScopedRole_trustsOnlyGivenRoleWithTenantTag(t *testing.T) {
	stack, tb := newTable(nil)
	task := taskRole(stack, "TaskRole")
	data.NewTenantScopedRole(stack, "OrdersTenantRole", tb, task)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"AssumeRolePolicyDocument": map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
				"Principal": map[string]any{"AWS": map[string]any{"Fn::GetAtt": []any{"TaskRole30FC0FBB", "Arn"}}},
				"Condition": map[string]any{"StringLike": map[string]any{"aws:RequestTag/tenant": "?*"}},
			}},
		},
	})
}

func TestTenantScopedRole_policyLimitsLeadingKeysToPrincipalTag(t *testing.T) {
	stack, tb := newTable(nil)
	role := data.NewTenantScopedRole(stack, "OrdersTenantRole", tb, taskRole(stack, "TaskRole"))
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": "OrdersTenantRole59A029E5"}},
		"PolicyDocument": map[string]any{"Statement": []any{
			map[string]any{
				"Effect":   "Allow",
				"Action":   itemActions,
				"Resource": tableAndIndexes,
				"Condition": map[string]any{
					"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{"${aws:PrincipalTag/tenant}#*"}},
					"Null":                    map[string]any{"dynamodb:LeadingKeys": "false"},
				},
			},
			map[string]any{
				"Effect":   "Allow",
				"Action":   []any{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
				"Resource": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
			},
		}},
	})
	assertNoWildcardOrScan(t, statements(t, stack, role))
}

// Replacing the table or its key loses data, so their logical ids are part of the contract; the
// scoped role's ARN is handed to running services.
func TestTable_logicalIDsArePinned(t *testing.T) {
	stack, tb := newTable(nil)
	data.NewTenantScopedRole(stack, "OrdersTenantRole", tb, taskRole(stack, "TaskRole"))
	for typ, want := range map[string][]string{
		tableType:        {tableID},
		"AWS::KMS::Key":  {keyID},
		"AWS::IAM::Role": {"OrdersTenantRole59A029E5", "TaskRole30FC0FBB"},
	} {
		var got []string
		for id := range cdktest.Resources(stack, typ) {
			got = append(got, id)
		}
		if !cdktest.SameSet(got, want) {
			t.Errorf("%s logical ids = %v, want %v", typ, got, want)
		}
	}
}

func TestNewTable_rejectsBadProps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props *data.TableProps
		want  string
	}{
		{"snapshot removal policy", &data.TableProps{RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT}, "data: props.RemovalPolicy SNAPSHOT is not supported"},
		{"same key names", &data.TableProps{PartitionKey: "id", SortKey: "id"}, `data: props.PartitionKey and props.SortKey are both "id"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cdktest.MustPanic(t, tc.want, func() { data.NewTable(cdktest.Stack(), "Orders", tc.props) })
		})
	}
}

func TestGrantTenantReadWriteData_rejectsPatternCharacters(t *testing.T) {
	for _, tenant := range []string{"", "*", "acme*", "ac?me", "acme#x", "${aws:username}", "acme health"} {
		t.Run(tenant, func(t *testing.T) {
			stack, tb := newTable(nil)
			role := taskRole(stack, "Pooled")
			cdktest.MustPanic(t, fmt.Sprintf("data: GrantTenantReadWriteData: tenant id %q", tenant), func() { tb.GrantTenantReadWriteData(role, tenant) })
		})
	}
}

func TestNewTenantScopedRole_rejectsMissingArguments(t *testing.T) {
	stack, tb := newTable(nil)
	cdktest.MustPanic(t, "data: NewTenantScopedRole: table is required", func() {
		data.NewTenantScopedRole(stack, "A", nil, taskRole(stack, "TaskRole"))
	})
	cdktest.MustPanic(t, "data: NewTenantScopedRole: assumedBy is required", func() {
		data.NewTenantScopedRole(stack, "B", tb, nil)
	})
}

// statements returns the statements of the policies attached to role.
func statements(t *testing.T, stack awscdk.Stack, role awsiam.IRole) []map[string]any {
	t.Helper()
	ref := map[string]any{"Ref": *stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement))}
	var out []map[string]any
	for _, p := range cdktest.Resources(stack, "AWS::IAM::Policy") {
		props := p["Properties"].(map[string]any)
		roles, _ := props["Roles"].([]any)
		if len(roles) != 1 || !reflect.DeepEqual(roles[0], ref) {
			continue
		}
		for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no policy statements for role %v", ref)
	}
	return out
}

func actions(stmt map[string]any) []string {
	switch a := stmt["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, len(a))
		for i, s := range a {
			out[i] = s.(string)
		}
		return out
	}
	return nil
}

// assertNoWildcardOrScan fails on any action that reaches past the leading-keys condition.
func assertNoWildcardOrScan(t *testing.T, stmts []map[string]any) {
	t.Helper()
	for _, s := range stmts {
		for _, a := range actions(s) {
			if strings.Contains(a, "*") && strings.HasPrefix(a, "dynamodb:") || a == "*" || a == "dynamodb:Scan" || strings.HasPrefix(a, "dynamodb:PartiQL") {
				t.Errorf("statement allows %q: %v", a, s)
			}
		}
		if acts := actions(s); len(acts) > 0 && strings.HasPrefix(acts[0], "dynamodb:") && s["Condition"] == nil {
			t.Errorf("dynamodb statement without a condition: %v", s)
		}
	}
}
