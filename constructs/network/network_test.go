package network_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/network"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

func TestNetwork_spansExplicitZonesWithThreeTiers(t *testing.T) {
	stack := cdktest.Stack()
	network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: "10.10.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::EC2::VPC"), map[string]any{"CidrBlock": "10.10.0.0/16"})
	tpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(6))
	for _, az := range []string{"eu-west-1a", "eu-west-1b"} {
		tpl.HasResourceProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"AvailabilityZone": az, "MapPublicIpOnLaunch": false})
	}
	tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(1))
}

func TestNetwork_natPerZone(t *testing.T) {
	stack := cdktest.Stack()
	network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: "10.10.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, NAT: network.NATPerAZ})
	cdktest.Template(stack).ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(3))
}

func TestNetwork_noNAT(t *testing.T) {
	stack := cdktest.Stack()
	network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: "10.10.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}, NAT: network.NATNone})
	cdktest.Template(stack).ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(0))
}

func TestNetwork_flowLogsAllTrafficToEncryptedGroup(t *testing.T) {
	stack := cdktest.Stack()
	network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: "10.10.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"})
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"RetentionInDays": 365,
		"KmsKeyId":        assertions.Match_ObjectLike(&map[string]any{"Fn::GetAtt": assertions.Match_AnyValue()}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{"DeletionPolicy": "Retain"})
}

func TestNetwork_gatewayEndpointsForS3AndDynamoDB(t *testing.T) {
	stack := cdktest.Stack()
	network.NewNetwork(stack, "Network", &network.NetworkProps{Cidr: "10.10.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(2))
	tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{"VpcEndpointType": "Gateway",
		"ServiceName": assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_ArrayWith(&[]any{assertions.Match_ArrayWith(&[]any{".dynamodb"})})})})
}

func TestNetwork_rejectsMissingCidr(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("want a panic for a missing cidr")
		}
	}()
	network.NewNetwork(cdktest.Stack(), "Network", &network.NetworkProps{AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
}
