// Package network defines the VPC of a cell or of a dedicated tenant.
//
//	n := network.NewNetwork(stack, "Network", &network.NetworkProps{
//		Cidr:              "10.10.0.0/16",
//		AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"},
//	})
//	n.Vpc() // awsec2.IVpc
//
// It creates a VPC over the explicit availability zones (so synth never looks them up) with
// public, private (egress through NAT) and isolated subnets, NAT gateways as the environment
// says, VPC flow logs of all traffic to a KMS-encrypted CloudWatch log group, and gateway
// endpoints for S3 and DynamoDB.
package network
