package registry

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// customresourcesAwsSdkCall is an SDK call in Go values, turned into a
// customresources.AwsSdkCall at the call into CDK.
type customresourcesAwsSdkCall struct {
	Service, Action, Region, RoleArn, Key string
	Parameters                            map[string]any
}

func (c *customresourcesAwsSdkCall) sdkCall() *customresources.AwsSdkCall {
	return &customresources.AwsSdkCall{
		Service:            jsii.String(c.Service),
		Action:             jsii.String(c.Action),
		Region:             jsii.String(c.Region),
		AssumedRoleArn:     jsii.String(c.RoleArn),
		Parameters:         c.Parameters,
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(c.Key)),
	}
}

// providerID is the construct id, at the top of the stack, of the function the CDK creates
// once per stack for every AwsCustomResource.
var providerID = "AWS" + strings.ReplaceAll(*customresources.AwsCustomResource_PROVIDER_FUNCTION_UUID(), "-", "")

// providerFunction returns the AwsCustomResource provider function of scope's stack, or nil.
func providerFunction(scope constructs.IConstruct) constructs.IConstruct {
	return awscdk.Stack_Of(scope).Node().TryFindChild(jsii.String(providerID))
}

// entryRole returns the role the registry entry's SDK calls run with: the writer role trusts
// only roles under EntryRolePath. The CDK runs every AwsCustomResource of a stack in one
// provider function, with the role of the first one created. When another construct of the
// stack (the ingress's prefix-list lookup) created it first, its role is the one that calls,
// so it is moved under EntryRolePath; otherwise the entry creates the role, with no
// permissions of its own (NewRegistryEntry attaches them).
func entryRole(scope constructs.Construct, key string) awsiam.IRole {
	if fn, ok := providerFunction(scope).(awslambda.IFunction); ok && fn != nil && fn.Role() != nil {
		role := fn.Role()
		if cfn, ok := role.Node().DefaultChild().(awscdk.CfnResource); ok && cfn != nil {
			cfn.AddPropertyOverride(jsii.String("Path"), jsii.String(EntryRolePath))
			return role
		}
		panic("registry: the stack's AwsCustomResource provider runs with an imported role; the registry writer role would not trust it")
	}
	return awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Path:        jsii.String(EntryRolePath),
		Description: jsii.String("Writes tenant registry entry " + key + " through " + WriterRoleName),
	})
}

// newEntryResource defines the AwsCustomResource "Resource" under scope: onWrite on create and
// update, onDelete on delete, run by role (whose permissions NewRegistryEntry attaches).
func newEntryResource(scope constructs.Construct, role awsiam.IRole, onWrite, onDelete *customresourcesAwsSdkCall) customresources.AwsCustomResource {
	return customresources.NewAwsCustomResource(scope, jsii.String("Resource"), &customresources.AwsCustomResourceProps{
		ResourceType:        jsii.String("Custom::FleetRegistryEntry"),
		OnCreate:            onWrite.sdkCall(),
		OnUpdate:            onWrite.sdkCall(),
		OnDelete:            onDelete.sdkCall(),
		Role:                role,
		InstallLatestAwsSdk: jsii.Bool(false),
	})
}
