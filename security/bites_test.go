package security_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/network"
)

// badConstructs are deliberately insecure stacks and the rules that must report each: proof
// that the packs TestNag_exampleFleetHasNoUnsuppressedErrors applies catch a construct that
// loses its encryption, opens a port to the world or widens IAM to "*".
var badConstructs = []struct {
	stack string
	build func(stack awscdk.Stack)
	rules []string
}{
	{
		stack: "UnencryptedBucket",
		build: func(stack awscdk.Stack) {
			// An L1 bucket: no encryption, no access logs, no TLS-only policy, no versioning.
			awss3.NewCfnBucket(stack, jsii.String("Bucket"), &awss3.CfnBucketProps{})
		},
		rules: []string{"AwsSolutions-S1", "AwsSolutions-S10", "HIPAA.Security-S3DefaultEncryptionKMS",
			"HIPAA.Security-S3BucketSSLRequestsOnly", "HIPAA.Security-S3BucketLoggingEnabled", "NIST.800.53.R5-S3DefaultEncryptionKMS"},
	},
	{
		stack: "TableWithoutBackupsOrKey",
		build: func(stack awscdk.Stack) {
			awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
				PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
				Encryption:   awsdynamodb.TableEncryption_DEFAULT,
			})
		},
		rules: []string{"HIPAA.Security-DynamoDBPITREnabled", "NIST.800.53.R5-DynamoDBPITREnabled"},
	},
	{
		stack: "SSHOpenToTheWorld",
		build: func(stack awscdk.Stack) {
			vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0)})
			sg := awsec2.NewSecurityGroup(stack, jsii.String("Ssh"), &awsec2.SecurityGroupProps{Vpc: vpc})
			sg.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(22)), jsii.String("ssh from anywhere"), nil)
		},
		rules: []string{"AwsSolutions-EC23", "HIPAA.Security-EC2RestrictedSSH", "NIST.800.53.R5-EC2RestrictedSSH"},
	},
	{
		stack: "SSHOpenInOurNetwork",
		build: func(stack awscdk.Stack) {
			// The fleet's own VPC construct does not hide a world-open port from the checks.
			n := network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: "10.9.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
			sg := awsec2.NewSecurityGroup(stack, jsii.String("Ssh"), &awsec2.SecurityGroupProps{Vpc: n.Vpc()})
			sg.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(22)), jsii.String("ssh from anywhere"), nil)
		},
		rules: []string{"AwsSolutions-EC23", "HIPAA.Security-EC2RestrictedSSH"},
	},
	{
		stack: "AdminPolicy",
		build: func(stack awscdk.Stack) {
			role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)})
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("*"), Resources: jsii.Strings("*")}))
		},
		rules: []string{"AwsSolutions-IAM5", "HIPAA.Security-IAMPolicyNoStatementsWithAdminAccess", "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess"},
	},
	{
		stack: "UnencryptedLogGroup",
		build: func(stack awscdk.Stack) {
			awslogs.NewLogGroup(stack, jsii.String("Logs"), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_ONE_YEAR})
		},
		rules: []string{"HIPAA.Security-CloudWatchLogGroupEncrypted", "NIST.800.53.R5-CloudWatchLogGroupEncrypted"},
	},
}

// TestNag_reportsBadConstructs builds each bad construct in a stack of its own, applies the
// fleet's packs through the helper the fleet test uses, and expects every listed rule to fire.
func TestNag_reportsBadConstructs(t *testing.T) {
	app := newApp(t)
	for _, bc := range badConstructs {
		stack := awscdk.NewStack(app, jsii.String(bc.stack), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
		})
		bc.build(stack)
	}
	got := map[string]map[string]bool{}
	for _, f := range nagErrors(t, app) {
		if got[f.Stack] == nil {
			got[f.Stack] = map[string]bool{}
		}
		got[f.Stack][f.Rule] = true
	}
	for _, bc := range badConstructs {
		var missing []string
		for _, r := range bc.rules {
			if !got[bc.stack][r] {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: the cdk-nag packs did not report %s; they reported %s",
				bc.stack, strings.Join(missing, ", "), strings.Join(keys(got[bc.stack]), ", "))
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
