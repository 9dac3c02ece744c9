package pipeline

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

const (
	// DefaultCliVersion is the CDK CLI the deploy steps run: the one package.json pins.
	DefaultCliVersion = "2.1148.1"
	// DefaultConcurrency is how many stacks a deploy step deploys at once.
	DefaultConcurrency = 4
	// DefaultStacksPerCommand bounds the stack names of one `cdk deploy` command line.
	DefaultStacksPerCommand = 50
	// bootstrapQualifier is the CDK bootstrap qualifier of the target accounts.
	bootstrapQualifier = "hnb659fds"
)

var (
	repoRE      = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	waveNameRE  = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,90}$`)
	accountRE   = regexp.MustCompile(`^[0-9]{12}$`)
	stackNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	urlRE       = regexp.MustCompile(`^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._~/-]*)?$`)
)

// PipelineProps configures a Pipeline.
type PipelineProps struct {
	// Repository is the source repository, "owner/name". Required.
	Repository string
	// Branch is the branch that releases. Default: "main".
	Branch string
	// ConnectionArn is the AWS CodeConnections (CodeStar Connections) connection to the
	// repository host. Required.
	ConnectionArn string
	// Waves are the release stages in order (Waves(model)). Required.
	Waves []Wave
	// PipelineName names the CodePipeline. Default: "fleet".
	PipelineName string
	// CliVersion is the CDK CLI version the deploy steps run. Default: DefaultCliVersion.
	CliVersion string
	// Concurrency is how many stacks `cdk deploy` deploys at once. Default: 4.
	Concurrency int
	// StacksPerCommand bounds the stack names of one `cdk deploy` command. Default: 50.
	StacksPerCommand int
}

// Pipeline is the fleet's CDK Pipelines deployment pipeline.
type Pipeline interface {
	constructs.Construct
	// Pipeline is the CDK Pipelines pipeline. Its CodePipeline exists once BuildPipeline ran
	// (NewPipeline calls it).
	Pipeline() pipelines.CodePipeline
	// Waves are the waves rendered, in order.
	Waves() []Wave
}

type pipeline struct {
	constructs.Construct
	cp    pipelines.CodePipeline
	waves []Wave
}

func (p *pipeline) Pipeline() pipelines.CodePipeline { return p.cp }
func (p *pipeline) Waves() []Wave                    { return append([]Wave(nil), p.waves...) }

// NewPipeline defines a self-mutating CDK pipeline: source from a CodeConnections connection,
// a make-driven synth, then one pipeline stage per wave. The fleet's stacks are built at the
// App root, not in Stages, and a fleet can hold thousands of them, so a wave does not add
// Stages: it runs `cdk deploy --exclusively <its stacks>` on the synthesized cloud assembly
// in CodeBuild (after a manual approval when the wave asks for one) and then the wave's smoke
// tests.
func NewPipeline(scope constructs.Construct, id string, props *PipelineProps) Pipeline {
	if props == nil {
		panic("pipeline: props is required")
	}
	p := *props
	p.Waves = append([]Wave(nil), props.Waves...)
	if !repoRE.MatchString(p.Repository) {
		panic(fmt.Sprintf("pipeline: props.Repository %q must be owner/name", p.Repository))
	}
	if !strings.HasPrefix(p.ConnectionArn, "arn:") || !strings.Contains(p.ConnectionArn, ":connection/") {
		panic(fmt.Sprintf("pipeline: props.ConnectionArn %q is not a CodeConnections connection ARN", p.ConnectionArn))
	}
	if len(p.Waves) == 0 {
		panic("pipeline: props.Waves is empty; use pipeline.Waves(model)")
	}
	if p.Branch == "" {
		p.Branch = "main"
	}
	if p.PipelineName == "" {
		p.PipelineName = "fleet"
	}
	if p.CliVersion == "" {
		p.CliVersion = DefaultCliVersion
	}
	if p.Concurrency == 0 {
		p.Concurrency = DefaultConcurrency
	}
	if p.StacksPerCommand == 0 {
		p.StacksPerCommand = DefaultStacksPerCommand
	}
	seen := map[string]bool{}
	for _, w := range p.Waves {
		validateWave(w, seen)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	source := pipelines.CodePipelineSource_Connection(jsii.String(p.Repository), jsii.String(p.Branch), &pipelines.ConnectionSourceOptions{
		ConnectionArn: jsii.String(p.ConnectionArn),
	})
	synth := pipelines.NewShellStep(jsii.String("Synth"), &pipelines.ShellStepProps{
		Input:                  source,
		Commands:               jsii.Strings("make setup", "make synth"),
		PrimaryOutputDirectory: jsii.String("cdk.out"),
	})
	cp := pipelines.NewCodePipeline(this, jsii.String("Resource"), &pipelines.CodePipelineProps{
		PipelineName: jsii.String(p.PipelineName),
		Synth:        synth,
		SelfMutation: jsii.Bool(true),
		CodeBuildDefaults: &pipelines.CodeBuildOptions{
			BuildEnvironment: &awscodebuild.BuildEnvironment{BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0()},
		},
	})
	for _, w := range p.Waves {
		addWave(cp, synth, w, p)
	}
	cp.BuildPipeline()
	return &pipeline{Construct: this, cp: cp, waves: p.Waves}
}

func validateWave(w Wave, seen map[string]bool) {
	switch {
	case !waveNameRE.MatchString(w.Name):
		panic(fmt.Sprintf("pipeline: wave name %q must be 1-90 letters, digits or . @ _ -", w.Name))
	case seen[w.Name]:
		panic(fmt.Sprintf("pipeline: two waves are named %q", w.Name))
	case len(w.Stacks) == 0:
		panic(fmt.Sprintf("pipeline: wave %q has no stacks", w.Name))
	case len(w.Accounts) == 0:
		panic(fmt.Sprintf("pipeline: wave %q has no accounts to deploy into", w.Name))
	}
	seen[w.Name] = true
	for _, s := range w.Stacks {
		if !stackNameRE.MatchString(s) {
			panic(fmt.Sprintf("pipeline: wave %q: %q is not a stack name", w.Name, s))
		}
	}
	for _, a := range w.Accounts {
		if !accountRE.MatchString(a) {
			panic(fmt.Sprintf("pipeline: wave %q: %q is not a 12-digit account id", w.Name, a))
		}
	}
	for _, t := range w.SmokeTests {
		// The URL goes into a shell command: only plain host names and paths.
		if !urlRE.MatchString(t.URL) {
			panic(fmt.Sprintf("pipeline: wave %q: smoke test URL %q of tenant %q must be https://<host><path>", w.Name, t.URL, t.Tenant))
		}
	}
}

// addWave adds w as a pipeline stage: [approval] → deploy → smoke tests.
func addWave(cp pipelines.CodePipeline, synth pipelines.ShellStep, w Wave, p PipelineProps) {
	var approval pipelines.ManualApprovalStep
	if w.Approval {
		approval = pipelines.NewManualApprovalStep(jsii.String("Approve-"+w.Name), &pipelines.ManualApprovalStepProps{
			Comment: jsii.String(fmt.Sprintf("Deploy %d stack(s) of wave %s to %s?", len(w.Stacks), w.Name, w.Environment)),
		})
	}
	var roles []*string
	for _, a := range w.Accounts {
		// The CDK bootstrap roles (deploy, file/image publishing, lookup) of the target
		// account; cfn-exec trusts only CloudFormation.
		roles = append(roles, jsii.String(fmt.Sprintf("arn:aws:iam::%s:role/cdk-%s-*", a, bootstrapQualifier)))
	}
	deploy := pipelines.NewCodeBuildStep(jsii.String("Deploy-"+w.Name), &pipelines.CodeBuildStepProps{
		Input:    synth,
		Commands: jsii.Strings(DeployCommands(w.Stacks, p.CliVersion, p.Concurrency, p.StacksPerCommand)...),
		RolePolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sts:AssumeRole", "sts:TagSession"),
			Resources: &roles,
		})},
		Timeout: awscdk.Duration_Hours(jsii.Number(2)),
	})
	var pre []pipelines.Step
	if approval != nil {
		pre = append(pre, approval)
		// A wave without Stages puts pre and post steps in the same run order: without
		// this dependency the deploy would not wait for the approval.
		deploy.AddStepDependency(approval)
	}
	post := []pipelines.Step{deploy}
	if len(w.SmokeTests) > 0 {
		smoke := pipelines.NewShellStep(jsii.String("SmokeTest-"+w.Name), &pipelines.ShellStepProps{
			Commands: jsii.Strings(SmokeTestCommands(w.SmokeTests)...),
		})
		smoke.AddStepDependency(deploy)
		post = append(post, smoke)
	}
	cp.AddWave(jsii.String(w.Name), &pipelines.WaveOptions{Pre: &pre, Post: &post})
}

// DeployCommands returns the shell commands that deploy stacks from the cloud assembly in the
// working directory, at most perCommand stacks per command.
func DeployCommands(stacks []string, cliVersion string, concurrency, perCommand int) []string {
	var out []string
	for i := 0; i < len(stacks); i += perCommand {
		end := min(i+perCommand, len(stacks))
		out = append(out, fmt.Sprintf("npx --yes aws-cdk@%s deploy --app . --require-approval never --concurrency %d --exclusively %s",
			cliVersion, concurrency, strings.Join(stacks[i:end], " ")))
	}
	return out
}

// SmokeTestCommands returns one curl per smoke test; the first failure fails the step.
func SmokeTestCommands(tests []SmokeTest) []string {
	var out []string
	for _, t := range tests {
		out = append(out, fmt.Sprintf("echo 'smoke test %s: %s' && curl -fsS --max-time 10 -o /dev/null %s", t.Tenant, t.URL, t.URL))
	}
	return out
}
