package security

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DenyForeignGrants adds to key's policy the statement of Control Tower control CT.KMS.PR.3:
// kms:CreateGrant is denied unless the grant is for an AWS resource or an AWS service asks for
// it. Services that use grants on a customer-managed key (DynamoDB, ElastiCache) create them
// for their resources; no principal of ours needs to create grants.
func DenyForeignGrants(key awskms.IKey) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAwsResources"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false",
			"aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
}

// SuppressAwsCustomResourceProvider suppresses the cdk-nag findings on the function the CDK
// creates once per stack for every AwsCustomResource (customresources.NewAwsCustomResource). Call
// it right after creating an AwsCustomResource in scope's stack, with what the call does.
func SuppressAwsCustomResourceProvider(scope constructs.IConstruct, does string) {
	// A SingletonFunction with id "AWS" + its UUID without dashes, at the top of the stack.
	id := "AWS" + strings.ReplaceAll(*customresources.AwsCustomResource_PROVIDER_FUNCTION_UUID(), "-", "")
	fn := awscdk.Stack_Of(scope).Node().TryFindChild(jsii.String(id))
	if fn == nil {
		panic("security: no AwsCustomResource provider function in the stack of " + *scope.Node().Path() + "; create the AwsCustomResource first")
	}
	Suppress(fn, "The CDK's AwsCustomResource provider function: it runs at deploy time only ("+does+"), with the "+
		"CDK's own role (AWSLambdaBasicExecutionRole), runtime and log group, outside the VPC; it holds no data.",
		ProviderLambda...)
}
