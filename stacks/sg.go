package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// allowInto opens port of target's security groups to source with ingress rules defined under
// scope. The rule lives with the caller (a tenant stack), never with the target (a cell
// stack), so a cell never depends on its tenants.
func allowInto(scope constructs.Construct, id string, target awsec2.IConnectable, port float64, source awsec2.ISecurityGroup, desc string) {
	for i, sg := range *target.Connections().SecurityGroups() {
		awsec2.NewCfnSecurityGroupIngress(scope, jsii.String(fmt.Sprintf("%s%d", id, i)), &awsec2.CfnSecurityGroupIngressProps{
			GroupId: sg.SecurityGroupId(), SourceSecurityGroupId: source.SecurityGroupId(),
			IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(port), ToPort: jsii.Number(port),
			Description: jsii.String(desc),
		})
	}
}
