package pipeline

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/security"
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
	store := newArtifactStore(this)
	cp := pipelines.NewCodePipeline(this, jsii.String("Resource"), &pipelines.CodePipelineProps{
		PipelineName: jsii.String(p.PipelineName),
		Synth:        synth,
		SelfMutation: jsii.Bool(true),
		// Every CodeBuild project of the pipeline encrypts its artifacts with the bucket's key
		// (CodeBuild takes the artifact bucket's key; AwsSolutions-CB4).
		ArtifactBucket: store.artifacts,
		CodeBuildDefaults: &pipelines.CodeBuildOptions{
			BuildEnvironment: &awscodebuild.BuildEnvironment{BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0()},
			// Every project (synth, self-mutation, deploy and smoke-test steps) logs to one
			// encrypted log group with retention (Control Tower CT.CODEBUILD.PR.3).
			Logging: &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{
				Enabled:  jsii.Bool(true),
				LogGroup: store.buildLogs,
			}},
		},
	})
	for _, w := range p.Waves {
		addWave(cp, synth, w, p)
	}
	cp.BuildPipeline()
	suppressPipelineFindings(cp)
	return &pipeline{Construct: this, cp: cp, waves: p.Waves}
}

// artifactStore is where the pipeline keeps its artifacts and build logs.
type artifactStore struct {
	artifacts awss3.Bucket
	buildLogs awslogs.LogGroup
}

// newArtifactStore defines the pipeline's key (rotating, grants only for AWS resources), its
// artifacts bucket (SSE-KMS, versioned, TLS only, private, access-logged, expiring), the
// bucket receiving the artifacts bucket's S3 server access logs, and the build log group.
func newArtifactStore(scope constructs.Construct) artifactStore {
	key := awskms.NewKey(scope, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the artifacts and build logs of the pipeline " + *scope.Node().Path()),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	security.DenyForeignGrants(key)
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("logs."+*awscdk.Stack_Of(scope).Region()+".amazonaws.com"), nil))

	accessLogs := awss3.NewBucket(scope, jsii.String("AccessLogs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		// S3 server access logs are delivered only to SSE-S3 buckets.
		Encryption:    awss3.BucketEncryption_S3_MANAGED,
		Versioned:     jsii.Bool(true),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration:                  awscdk.Duration_Days(jsii.Number(400)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
	security.Suppress(accessLogs, "The bucket is the destination of the artifacts bucket's S3 server access logs; "+
		"logging access to it would need another log bucket, without end.",
		"AwsSolutions-S1", "HIPAA.Security-S3BucketLoggingEnabled", "NIST.800.53.R5-S3BucketLoggingEnabled")
	security.Suppress(accessLogs, "S3 server access logs are delivered only to buckets encrypted with SSE-S3.", security.BucketKMS...)
	security.Suppress(accessLogs, "Access logs are operational records; the pipeline keeps working without them.",
		security.BucketReplication...)

	artifacts := awss3.NewBucket(scope, jsii.String("ArtifactsBucket"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true),
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("artifacts/"),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			// Source, cloud assembly and step outputs of past runs.
			Expiration:                          awscdk.Duration_Days(jsii.Number(180)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
	})
	security.Suppress(artifacts, "Pipeline artifacts are rebuilt from the repository by every run; a region's loss "+
		"loses no data.", security.BucketReplication...)

	buildLogs := awslogs.NewLogGroup(scope, jsii.String("BuildLogs"), &awslogs.LogGroupProps{
		EncryptionKey: key,
		Retention:     awslogs.RetentionDays_TWO_YEARS,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	return artifactStore{artifacts: artifacts, buildLogs: buildLogs}
}

// CDK Pipelines writes its roles' policies itself. These are the findings on them it is accepted
// for; the patterns name the resources (the pipeline's own bucket, key, report groups and log
// groups, the bootstrap roles), so a wildcard elsewhere still fails.
var (
	pipelineWildcards = []string{
		// The CDK's grant action groups on the artifacts bucket and its key.
		"Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
		"Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
		// The objects of the artifacts bucket.
		`/^Resource::<[A-Za-z0-9]*ArtifactsBucket[A-Za-z0-9]+\.Arn>\/\*$/`,
		// Each project's own report groups and default log group (the name is the project's).
		`/^Resource::arn:aws:codebuild:[a-z0-9-]+:[0-9]{12}:report-group\/<[A-Za-z0-9]+>-\*$/`,
		`/^Resource::arn:aws:logs:[a-z0-9-]+:[0-9]{12}:log-group:\/aws\/codebuild\/<[A-Za-z0-9]+>:\*$/`,
		// Deploy steps: the CDK bootstrap roles (qualifier hnb659fds) of the wave's accounts.
		`/^Resource::arn:aws:iam::[0-9]{12}:role\/cdk-hnb659fds-\*$/`,
	}
	selfMutationWildcards = []string{
		"Resource::*",
		`/^Resource::arn:\*:iam::[0-9]{12}:role\/\*$/`,
	}
)

// suppressPipelineFindings records, on the CDK Pipelines constructs under cp, the findings that
// come from CDK Pipelines' own roles and projects. Call it after BuildPipeline.
func suppressPipelineFindings(cp pipelines.CodePipeline) {
	security.Suppress(cp, "CDK Pipelines writes each role's permissions into its inline default policy: the "+
		"pipeline's artifacts bucket and key, its projects' log and report groups, and for the deploy steps "+
		"sts:AssumeRole on the CDK bootstrap roles of the wave's accounts only.", security.InlinePolicy...)
	security.SuppressFindings(cp, "The CDK's grants on one named bucket and key use action groups (s3:GetObject*, "+
		"s3:List*, kms:GenerateDataKey*, ...) and the bucket's objects; the report-group and log-group ARNs end "+
		"in the project's own name; deploy steps may assume the CDK bootstrap roles (cdk-hnb659fds-*) of their "+
		"wave's accounts only, and those roles trust this account only.", "AwsSolutions-IAM5", pipelineWildcards...)
	security.Suppress(cp, "The projects' source is the pipeline itself (source type CODEPIPELINE): CodePipeline "+
		"fetches the repository through the CodeConnections connection, so no project holds a repository URL, "+
		"OAuth token or credentials.", "HIPAA.Security-CodeBuildProjectSourceRepoUrl")
	if update := cp.Node().TryFindChild(jsii.String("UpdatePipeline")); update != nil {
		if selfMutation := update.Node().TryFindChild(jsii.String("SelfMutation")); selfMutation != nil {
			security.SuppressFindings(selfMutation, "Self-mutation runs `cdk deploy` of the pipeline stack: the CDK "+
				"lets it assume only roles tagged aws-cdk:bootstrap-role (deploy, file and image publishing) in "+
				"this account, and grants cloudformation:DescribeStacks and s3:ListBucket, which it needs "+
				"on any stack and bucket the app names, on *.", "AwsSolutions-IAM5", selfMutationWildcards...)
		}
	}
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
			Comment: jsii.String(fmt.Sprintf("Deploy wave %s to %s? (its stacks: %s in the synth output)", w.Name, w.Environment, WavesFile)),
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
		Commands: jsii.Strings(DeployCommands(w.Name, p.CliVersion, p.Concurrency, p.StacksPerCommand)...),
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
			Commands: jsii.Strings(SmokeTestCommands(w.Name)...),
		})
		smoke.AddStepDependency(deploy)
		post = append(post, smoke)
	}
	cp.AddWave(jsii.String(w.Name), &pipelines.WaveOptions{Pre: &pre, Post: &post})
}

// WavesFile is written by the app into the cloud assembly (the synth step's output, which every
// wave's steps run in): per wave, its stacks and smoke-test URLs. Wave steps read their part
// with jq, so the pipeline's template does not grow with the fleet: 2,000 tenants would
// otherwise put a megabyte of stack names and URLs into the buildspecs.
const WavesFile = "fleet-waves.json"

// WavesJSON renders waves as the content of WavesFile.
func WavesJSON(waves []Wave) []byte {
	type smoke struct {
		Tenant string `json:"tenant"`
		URL    string `json:"url"`
	}
	type wave struct {
		Stacks     []string `json:"stacks"`
		SmokeTests []smoke  `json:"smokeTests"`
	}
	out := struct {
		Waves map[string]wave `json:"waves"`
	}{Waves: map[string]wave{}}
	for _, w := range waves {
		ww := wave{Stacks: w.Stacks, SmokeTests: []smoke{}}
		for _, t := range w.SmokeTests {
			ww.SmokeTests = append(ww.SmokeTests, smoke{t.Tenant, t.URL})
		}
		out.Waves[w.Name] = ww
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	return append(data, '\n')
}

// DeployCommands returns the shell commands that deploy wave's stacks, as listed in WavesFile,
// from the cloud assembly in the working directory, at most perCommand stacks per command. A
// wave missing from the file fails the step (jq -e) rather than deploying nothing.
func DeployCommands(wave, cliVersion string, concurrency, perCommand int) []string {
	return []string{
		fmt.Sprintf(`stacks=$(jq -er --arg w %q '.waves[$w].stacks | join(" ")' %s)`, wave, WavesFile),
		fmt.Sprintf(`printf '%%s\n' $stacks | xargs -n %d npx --yes aws-cdk@%s deploy --app . --require-approval never --concurrency %d --exclusively`,
			perCommand, cliVersion, concurrency),
	}
}

// SmokeTestCommands returns the commands that GET every smoke-test URL of wave in WavesFile;
// the first failure fails the step.
func SmokeTestCommands(wave string) []string {
	return []string{
		fmt.Sprintf(`jq -er --arg w %q '.waves[$w].smokeTests[] | .tenant + " " + .url' %s > smoke-tests.txt`, wave, WavesFile),
		`while read -r tenant url; do echo "smoke test $tenant: $url"; curl -fsS --max-time 10 -o /dev/null "$url" || exit 1; done < smoke-tests.txt`,
	}
}
