package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/data"
)

// ControlPlane is the platform account's stack.
type ControlPlane struct {
	Stack    awscdk.Stack
	Registry data.Table
	Bus      awsevents.EventBus
}

// NewControlPlane defines the control-plane stack: the tenant registry and the lifecycle bus.
func NewControlPlane(scope constructs.Construct, id string, m *config.Model) *ControlPlane {
	p := m.Fleet.Platform
	stack := newStack(scope, id, &awscdk.StackProps{
		Env:                   env(p.Account, p.Region),
		Description:           jsii.String(fmt.Sprintf("%s control plane: tenant registry and lifecycle events", m.Fleet.Product.Name)),
		TerminationProtection: jsii.Bool(true),
	}, map[string]string{"fleet:component": "control-plane"})
	registry := data.NewTable(stack, "Registry", &data.TableProps{PartitionKey: "tenantId", SortKey: "environment", DeletionProtection: true})
	key := awskms.NewKey(stack, jsii.String("BusKey"), &awskms.KeyProps{Description: jsii.String("Encrypts the tenant lifecycle bus"), EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	bus := awsevents.NewEventBus(stack, jsii.String("Lifecycle"), &awsevents.EventBusProps{
		EventBusName: jsii.String("fleet-tenant-lifecycle"),
		KmsKey:       key,
		Description:  jsii.String("Tenant lifecycle events: onboarding requested/succeeded/failed, updated, offboarding requested/done"),
	})
	return &ControlPlane{Stack: stack, Registry: registry, Bus: bus}
}
