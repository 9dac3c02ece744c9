package stacks

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// publish creates, in the stack that owns value, the output the CDK creates when another stack
// of the same app references value (Publish/Output<resolved value>, read by the consumer with
// Fn::GetStackOutput). The CDK only creates it when a consumer is in the synth; publishing every
// value tenant stacks may read makes a cell's template the same whichever tenants are
// synthesized with it (one tenant, a shard, or the fleet). TestCell_templateIndependentOfTenants
// pins this: if the CDK's naming changes, that test fails.
func publish(stack awscdk.Stack, values ...*string) {
	scope := stack.Node().TryFindChild(jsii.String("Publish"))
	if scope == nil {
		scope = constructs.NewConstruct(stack, jsii.String("Publish"))
	}
	for _, v := range values {
		resolved, err := json.Marshal(stack.Resolve(v))
		if err != nil {
			panic(err)
		}
		id := "Output" + string(resolved)
		if scope.Node().TryFindChild(jsii.String(id)) == nil {
			awscdk.NewCfnOutput(scope.(constructs.Construct), jsii.String(id), &awscdk.CfnOutputProps{Value: v})
		}
	}
}
