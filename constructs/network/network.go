package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/security"
)

// NATGateways says how private subnets reach the internet.
type NATGateways int

const (
	// NATSingle is one NAT gateway shared by every zone (cheap; a zone outage cuts egress).
	NATSingle NATGateways = iota
	// NATNone gives private subnets no internet egress; only the gateway endpoints.
	NATNone
	// NATPerAZ is one NAT gateway per availability zone (production).
	NATPerAZ
)

// NetworkProps configures a Network.
type NetworkProps struct {
	// Cidr is the VPC's IPv4 block, such as 10.10.0.0/16.
	Cidr string
	// AvailabilityZones are the zones to span, named explicitly (no lookup).
	AvailabilityZones []string
	// NAT is how private subnets reach the internet. Default: NATSingle.
	NAT NATGateways
	// FlowLogRetention is how long flow logs are kept. Default: one year.
	FlowLogRetention awslogs.RetentionDays
	// RemovalPolicy applies to the flow log group and its key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Network is a VPC with flow logs and gateway endpoints.
type Network interface {
	constructs.Construct
	// Vpc is the VPC.
	Vpc() awsec2.IVpc
	// FlowLogGroup is where flow logs are written.
	FlowLogGroup() awslogs.ILogGroup
}

type network struct {
	constructs.Construct
	vpc awsec2.Vpc
	log awslogs.LogGroup
}

func (n *network) Vpc() awsec2.IVpc                { return n.vpc }
func (n *network) FlowLogGroup() awslogs.ILogGroup { return n.log }

// NewNetwork defines a VPC over props.AvailabilityZones with public, private and isolated
// subnets, flow logs and S3/DynamoDB gateway endpoints.
func NewNetwork(scope constructs.Construct, id string, props *NetworkProps) Network {
	if props == nil || props.Cidr == "" {
		panic("network: props.Cidr is required")
	}
	if len(props.AvailabilityZones) < 2 {
		panic("network: props.AvailabilityZones needs at least two zones")
	}
	p := *props
	p.AvailabilityZones = append([]string(nil), props.AvailabilityZones...)
	if p.FlowLogRetention == "" {
		p.FlowLogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	nat := map[NATGateways]float64{NATNone: 0, NATSingle: 1, NATPerAZ: float64(len(p.AvailabilityZones))}[p.NAT]
	vpc := awsec2.NewVpc(this, jsii.String("Resource"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String(p.Cidr)),
		AvailabilityZones: jsii.Strings(p.AvailabilityZones...),
		NatGateways:       jsii.Number(nat),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			// Nothing launched here needs a public IP of its own: the ALB and the NAT gateways
			// get theirs explicitly.
			{Name: jsii.String("public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String("private"), SubnetType: privateType(p.NAT), CidrMask: jsii.Number(22)},
			{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3":       {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
			"DynamoDB": {Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB()},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	key := awskms.NewKey(this, jsii.String("FlowLogKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the VPC flow log group"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     p.RemovalPolicy,
	})
	security.DenyForeignGrants(key)
	stack := awscdk.Stack_Of(this)
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil))
	logs := awslogs.NewLogGroup(this, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     p.FlowLogRetention,
		EncryptionKey: key,
		RemovalPolicy: p.RemovalPolicy,
	})
	flowLog := vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(logs, nil),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
	security.Suppress(flowLog, "The flow log role's inline policy is the CDK's grant to write to this VPC's flow log group only.",
		security.InlinePolicy...)
	for _, s := range *vpc.PublicSubnets() {
		security.Suppress(s, "Public subnets exist for the internet-facing ALB (CloudFront origin) and the NAT gateways; "+
			"their route to the internet gateway is the point of them. Nothing else runs in them.",
			"HIPAA.Security-VPCNoUnrestrictedRouteToIGW", "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW")
	}
	return &network{Construct: this, vpc: vpc, log: logs}
}

func privateType(n NATGateways) awsec2.SubnetType {
	if n == NATNone {
		return awsec2.SubnetType_PRIVATE_ISOLATED
	}
	return awsec2.SubnetType_PRIVATE_WITH_EGRESS
}
