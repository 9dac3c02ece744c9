package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/pipeline"
)

// PipelineSource is where the pipeline pulls the fleet repository from.
type PipelineSource struct {
	// Repository is "owner/name". Default: PlaceholderRepository (synth warns).
	Repository string
	// Branch releases. Default: "main".
	Branch string
	// ConnectionArn is the AWS CodeConnections connection to the repository host. Default: a
	// placeholder in the platform account (synth warns; the pipeline cannot run with it).
	ConnectionArn string
}

// PlaceholderRepository stands in for an unset PipelineSource.Repository.
const PlaceholderRepository = "example-org/fleet"

// Pipeline is the pipeline stack.
type Pipeline struct {
	Stack    awscdk.Stack
	Pipeline pipeline.Pipeline
	Waves    []pipeline.Wave
}

// NewPipeline defines the "pipeline" stack in the platform account: the CDK pipeline that
// deploys the control plane, then each environment's cells and tenant waves.
func NewPipeline(scope constructs.Construct, id string, m *config.Model, src PipelineSource) *Pipeline {
	p := m.Fleet.Platform
	stack := newStack(scope, id, &awscdk.StackProps{
		Env:                   env(p.Account, p.Region),
		StackName:             jsii.String("pipeline"),
		Description:           jsii.String(fmt.Sprintf("%s deployment pipeline: control plane, cells and tenants in waves", m.Fleet.Product.Name)),
		TerminationProtection: jsii.Bool(true),
	}, map[string]string{"fleet:component": "pipeline"})
	if src.Repository == "" {
		src.Repository = PlaceholderRepository
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("fleet:pipeline-repository"), jsii.String("pipeline source repository is not set; using "+PlaceholderRepository))
	}
	if src.ConnectionArn == "" {
		src.ConnectionArn = fmt.Sprintf("arn:aws:codeconnections:%s:%s:connection/00000000-0000-0000-0000-000000000000", p.Region, p.Account)
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("fleet:pipeline-connection"), jsii.String("pipeline CodeConnections connection ARN is not set; the pipeline cannot pull the repository until it is (docs/first-deployment.md)"))
	}
	waves := pipeline.Waves(m)
	pl := pipeline.NewPipeline(stack, "Pipeline", &pipeline.PipelineProps{
		Repository:    src.Repository,
		Branch:        src.Branch,
		ConnectionArn: src.ConnectionArn,
		Waves:         waves,
	})
	return &Pipeline{Stack: stack, Pipeline: pl, Waves: waves}
}
