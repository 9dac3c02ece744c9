package registry_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/registry"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

const (
	platform = "111111111111"
	tableID  = "RegistryTable0B9B3B52"
	keyID    = "RegistryTableKeyA10940F0"
	roleID   = "RegistryWriterCDFB772B"
)

func newRegistry(t *testing.T, props *registry.RegistryProps) (awscdk.Stack, registry.Registry) {
	t.Helper()
	stack := cdktest.StackIn(platform, "eu-west-1")
	return stack, registry.NewRegistry(stack, "Registry", props)
}

func writers() *registry.RegistryProps {
	return &registry.RegistryProps{WriterAccounts: []string{"333333333333", "222222222222", "333333333333"}}
}

func entryProps() *registry.RegistryEntryProps {
	return &registry.RegistryEntryProps{
		TableRegion:   "eu-west-1",
		WriterRoleArn: registry.WriterRoleArn(platform),
		TenantID:      "acme-health",
		Environment:   "staging",
		Item: map[string]string{
			registry.AttrTier: "silo", registry.AttrCell: "stg-euw1-a", registry.AttrAccount: "222222222222",
			registry.AttrRegion: "eu-west-1", registry.AttrDomains: "acme.staging.adhere.example.com",
			registry.AttrSecretArns: "", // empty values are left out
		},
	}
}

// sdkCall decodes the Create/Update/Delete property of the stack's only registry entry.
func sdkCall(t *testing.T, stack awscdk.Stack, phase string) map[string]any {
	t.Helper()
	res := cdktest.Resources(stack, "Custom::FleetRegistryEntry")
	if len(res) != 1 {
		t.Fatalf("want 1 Custom::FleetRegistryEntry, got %d", len(res))
	}
	for _, r := range res {
		raw, ok := r["Properties"].(map[string]any)[phase].(string)
		if !ok {
			t.Fatalf("entry has no %s call", phase)
		}
		var call map[string]any
		if err := json.Unmarshal([]byte(raw), &call); err != nil {
			t.Fatal(err)
		}
		return call
	}
	return nil
}

func TestRegistry_tableIsKeyedByTenantAndEnvironmentEncryptedProtectedAndRetained(t *testing.T) {
	stack, reg := newRegistry(t, writers())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::DynamoDB::GlobalTable"), jsii.Number(1))
	tpl.HasResource(jsii.String("AWS::DynamoDB::GlobalTable"), map[string]any{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"TableName": "fleet-tenant-registry",
			"KeySchema": []any{
				map[string]any{"AttributeName": "tenantId", "KeyType": "HASH"},
				map[string]any{"AttributeName": "environment", "KeyType": "RANGE"},
			},
			"Replicas": []any{assertions.Match_ObjectLike(&map[string]any{
				"DeletionProtectionEnabled":        true,
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"SSESpecification":                 map[string]any{"KMSMasterKeyId": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}},
			})},
		}),
	})
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     assertions.Match_ObjectLike(&map[string]any{"EnableKeyRotation": true}),
	})
	if got := reg.TableName(); got != "fleet-tenant-registry" {
		t.Errorf("TableName() = %q", got)
	}
}

// TestRegistry_pinsLogicalIds: a changed logical id replaces the table (and orphans the data).
func TestRegistry_pinsLogicalIds(t *testing.T) {
	stack, _ := newRegistry(t, writers())
	res, _ := cdktest.JSON(stack)["Resources"].(map[string]any)
	for _, id := range []string{tableID, keyID, roleID} {
		if _, ok := res[id]; !ok {
			t.Errorf("logical id %s is gone; a renamed stateful resource is replaced", id)
		}
	}
}

func TestRegistry_writerRoleHasFixedNameAndDeterministicArn(t *testing.T) {
	stack, reg := newRegistry(t, writers())
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{"RoleName": "fleet-registry-writer"})
	if got, want := reg.WriterRoleArn(), "arn:aws:iam::111111111111:role/fleet-registry-writer"; got != want {
		t.Errorf("WriterRoleArn() = %q, want %q", got, want)
	}
	if got := registry.WriterRoleArn(platform); got != reg.WriterRoleArn() {
		t.Errorf("registry.WriterRoleArn(%s) = %q, differs from the construct's %q", platform, got, reg.WriterRoleArn())
	}
}

func TestRegistry_writerRoleTrustsOnlyEntryRolesOfWriterAccounts(t *testing.T) {
	stack, _ := newRegistry(t, writers())
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": "fleet-registry-writer",
		"AssumeRolePolicyDocument": map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action":    "sts:AssumeRole",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": []any{"arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"}},
				"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:role/fleet/registry-entry/*"}},
			}},
		},
	})
}

func TestRegistry_writerRoleTrustsOrganization(t *testing.T) {
	stack, _ := newRegistry(t, &registry.RegistryProps{OrganizationID: "o-abcdef1234"})
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{
			"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
				"Principal": map[string]any{"AWS": "*"},
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-abcdef1234"},
					"ArnLike":      map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:role/fleet/registry-entry/*"},
				},
			})},
		}),
	})
}

func TestRegistry_writerPolicyAllowsOnlyPutAndUpdateOnTheTable(t *testing.T) {
	stack, _ := newRegistry(t, writers())
	// A customer-managed policy, no inline policy (HIPAA/NIST IAMNoInlinePolicy).
	cdktest.Template(stack).ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
	policies := cdktest.Resources(stack, "AWS::IAM::ManagedPolicy")
	if len(policies) != 1 {
		t.Fatalf("want 1 managed policy, got %d", len(policies))
	}
	for _, p := range policies {
		if got, want := p["Properties"].(map[string]any)["Roles"], []any{map[string]any{"Ref": roleID}}; !reflect.DeepEqual(got, want) {
			t.Errorf("policy is attached to %v, want the writer role only", got)
		}
	}
	var dynamo map[string]any
	for _, p := range policies {
		for _, s := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			actions, ok := st["Action"].([]any)
			if !ok {
				actions = []any{st["Action"]}
			}
			for _, a := range actions {
				if a == "*" || strings.HasSuffix(a.(string), ":*") || strings.Contains(a.(string), "*") {
					t.Errorf("statement %v allows a wildcard action %q", st["Sid"], a)
				}
			}
			if st["Resource"] == "*" {
				t.Errorf("statement %v applies to every resource", st["Sid"])
			}
			if st["Sid"] == "WriteRegistryItems" {
				dynamo = st
			}
		}
	}
	if dynamo == nil {
		t.Fatal("no WriteRegistryItems statement")
	}
	if got, want := dynamo["Action"], []any{"dynamodb:PutItem", "dynamodb:UpdateItem"}; !reflect.DeepEqual(got, want) {
		t.Errorf("actions = %v, want %v", got, want)
	}
	if got, want := dynamo["Resource"], map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("resource = %v, want the table only", got)
	}
	cond := dynamo["Condition"].(map[string]any)
	if got := cond["Null"]; !reflect.DeepEqual(got, map[string]any{"dynamodb:LeadingKeys": "false"}) {
		t.Errorf("requests without a key are not denied: Null = %v", got)
	}
	attrs := cond["ForAllValues:StringEquals"].(map[string]any)["dynamodb:Attributes"].([]any)
	if len(attrs) != len(registry.Attributes) {
		t.Errorf("dynamodb:Attributes = %v, want %v", attrs, registry.Attributes)
	}
}

func TestRegistry_rejectsMissingWriters(t *testing.T) {
	cdktest.MustPanic(t, "WriterAccounts is empty", func() { newRegistry(t, &registry.RegistryProps{}) })
}

func TestRegistry_rejectsMalformedAccount(t *testing.T) {
	cdktest.MustPanic(t, `"2222" is not a 12-digit account id`, func() {
		newRegistry(t, &registry.RegistryProps{WriterAccounts: []string{"2222"}})
	})
}

func TestRegistry_rejectsTooManyAccountsForATrustPolicy(t *testing.T) {
	var many []string
	for i := 0; i < 46; i++ {
		many = append(many, "2222222222"+string(rune('0'+i/10))+string(rune('0'+i%10)))
	}
	cdktest.MustPanic(t, "set props.OrganizationID", func() { newRegistry(t, &registry.RegistryProps{WriterAccounts: many}) })
}

func TestRegistry_rejectsStackWithoutAccount(t *testing.T) {
	stack := awscdk.NewStack(cdktest.App(), jsii.String("Agnostic"), nil)
	cdktest.MustPanic(t, "concrete account", func() { registry.NewRegistry(stack, "Registry", writers()) })
}

func TestRegistryEntry_putsTheItemOnCreateAndUpdate(t *testing.T) {
	stack := cdktest.StackIn("222222222222", "eu-west-1")
	registry.NewRegistryEntry(stack, "RegistryEntry", entryProps())
	want := map[string]any{
		"service":            "DynamoDB",
		"action":             "PutItem",
		"region":             "eu-west-1",
		"assumedRoleArn":     "arn:aws:iam::111111111111:role/fleet-registry-writer",
		"physicalResourceId": map[string]any{"id": "acme-health/staging"},
		"parameters": map[string]any{
			"TableName": "fleet-tenant-registry",
			"Item": map[string]any{
				"tenantId":    map[string]any{"S": "acme-health"},
				"environment": map[string]any{"S": "staging"},
				"status":      map[string]any{"S": "active"},
				"tier":        map[string]any{"S": "silo"},
				"cell":        map[string]any{"S": "stg-euw1-a"},
				"account":     map[string]any{"S": "222222222222"},
				"region":      map[string]any{"S": "eu-west-1"},
				"domains":     map[string]any{"S": "acme.staging.adhere.example.com"},
			},
		},
	}
	for _, phase := range []string{"Create", "Update"} {
		if got := sdkCall(t, stack, phase); !reflect.DeepEqual(got, want) {
			gotJSON, _ := json.MarshalIndent(got, "", " ")
			t.Errorf("%s call:\n%s", phase, gotJSON)
		}
	}
}

func TestRegistryEntry_marksTheItemOffboardedOnDelete(t *testing.T) {
	stack := cdktest.StackIn("222222222222", "eu-west-1")
	registry.NewRegistryEntry(stack, "RegistryEntry", entryProps())
	call := sdkCall(t, stack, "Delete")
	if call["action"] != "UpdateItem" || call["assumedRoleArn"] != registry.WriterRoleArn(platform) {
		t.Fatalf("delete call = %v, want UpdateItem through the writer role (never DeleteItem)", call)
	}
	params := call["parameters"].(map[string]any)
	wantKey := map[string]any{"tenantId": map[string]any{"S": "acme-health"}, "environment": map[string]any{"S": "staging"}}
	if !reflect.DeepEqual(params["Key"], wantKey) {
		t.Errorf("Key = %v, want %v", params["Key"], wantKey)
	}
	if params["UpdateExpression"] != "SET #status = :status" ||
		!reflect.DeepEqual(params["ExpressionAttributeNames"], map[string]any{"#status": "status"}) ||
		!reflect.DeepEqual(params["ExpressionAttributeValues"], map[string]any{":status": map[string]any{"S": "offboarded"}}) {
		t.Errorf("delete does not set status offboarded: %v", params)
	}
}

func TestRegistryEntry_lambdaRoleMayOnlyAssumeTheWriterRoleAndWriteItsLogs(t *testing.T) {
	stack := cdktest.StackIn("222222222222", "eu-west-1")
	registry.NewRegistryEntry(stack, "RegistryEntry", entryProps())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(1))
	// No AWS managed policy (AWSLambdaBasicExecutionRole writes to every log group) and no
	// inline policy.
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"Path":              "/fleet/registry-entry/",
		"ManagedPolicyArns": assertions.Match_Absent(),
		"Policies":          assertions.Match_Absent(),
	})
	tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^RegistryEntryRole"))}},
		"PolicyDocument": map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{
					"Sid": "AssumeRegistryWriter", "Action": "sts:AssumeRole", "Effect": "Allow",
					"Resource": "arn:aws:iam::111111111111:role/fleet-registry-writer",
				},
				map[string]any{
					"Sid": "WriteOwnLogs", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Effect": "Allow",
					"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^AWS679f53fac002430cb0da5b7982bd2287LogGroup")), "Arn"}},
				},
			},
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Role": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^RegistryEntryRole")), "Arn"}},
	})
	// The SDK calls run only once the role may assume the writer role.
	tpl.HasResource(jsii.String("Custom::FleetRegistryEntry"), map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("^RegistryEntryPolicy"))}),
	})
}

// TestRegistryEntry_sharedProviderRoleIsTrustedByTheWriter: the CDK runs every AwsCustomResource
// of a stack in one function with the role of the first; when another construct created it (a
// dedicated tenant's ingress), that role must be under the path the writer role trusts and hold
// the entry's permissions.
func TestRegistryEntry_sharedProviderRoleIsTrustedByTheWriter(t *testing.T) {
	stack := cdktest.StackIn("222222222222", "eu-west-1")
	customresources.NewAwsCustomResource(stack, jsii.String("Other"), &customresources.AwsCustomResourceProps{
		OnCreate: &customresources.AwsSdkCall{
			Service: jsii.String("EC2"), Action: jsii.String("describeManagedPrefixLists"),
			PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("x")),
		},
		Policy: customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{Resources: customresources.AwsCustomResourcePolicy_ANY_RESOURCE()}),
	})
	registry.NewRegistryEntry(stack, "RegistryEntry", entryProps())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{"Path": "/fleet/registry-entry/"})
	tpl.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AWS679f53fac002430cb0da5b7982bd2287ServiceRole"))}},
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
			"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111111111111:role/fleet-registry-writer",
			})}),
		}),
	})
}

func TestRegistryEntry_rejectsUnknownAttribute(t *testing.T) {
	p := entryProps()
	p.Item = map[string]string{"password": "x"}
	cdktest.MustPanic(t, `props.Item["password"] is not a registry attribute`, func() {
		registry.NewRegistryEntry(cdktest.Stack(), "RegistryEntry", p)
	})
}

func TestRegistryEntry_rejectsKeyAttributesInItem(t *testing.T) {
	p := entryProps()
	p.Item = map[string]string{registry.AttrStatus: "pending"}
	cdktest.MustPanic(t, "set by the entry itself", func() { registry.NewRegistryEntry(cdktest.Stack(), "RegistryEntry", p) })
}

func TestRegistryEntry_rejectsMissingWriterRole(t *testing.T) {
	p := entryProps()
	p.WriterRoleArn = ""
	cdktest.MustPanic(t, "is not a role ARN", func() { registry.NewRegistryEntry(cdktest.Stack(), "RegistryEntry", p) })
}
