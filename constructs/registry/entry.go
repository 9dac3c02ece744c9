package registry

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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

// newEntryResource defines the AwsCustomResource "Resource" under scope: onWrite on create and
// update, onDelete on delete, run by role, whose only permission is to assume writerArn.
func newEntryResource(scope constructs.Construct, role awsiam.IRole, onWrite, onDelete *customresourcesAwsSdkCall, writerArn string) customresources.AwsCustomResource {
	return customresources.NewAwsCustomResource(scope, jsii.String("Resource"), &customresources.AwsCustomResourceProps{
		ResourceType: jsii.String("Custom::FleetRegistryEntry"),
		OnCreate:     onWrite.sdkCall(),
		OnUpdate:     onWrite.sdkCall(),
		OnDelete:     onDelete.sdkCall(),
		Role:         role,
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("sts:AssumeRole"),
				Resources: jsii.Strings(writerArn),
			}),
		}),
		InstallLatestAwsSdk: jsii.Bool(false),
	})
}
