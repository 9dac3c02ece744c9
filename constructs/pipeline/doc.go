// Package pipeline defines the fleet's deployment pipeline (CDK Pipelines) and plans its
// waves from the fleet config.
//
//	waves := pipeline.Waves(model) // pure Go: control plane, then per environment its cells and tenant waves
//	pipeline.NewPipeline(stack, "Pipeline", &pipeline.PipelineProps{
//		Repository:    "example-org/fleet",
//		ConnectionArn: "arn:aws:codeconnections:eu-west-1:111111111111:connection/…",
//		Waves:         waves,
//	})
//
// Waves orders the release: "control-plane"; then for each environment in fleet.yaml order
// (staging before production): "<env>-cells" (cell-<id> and cell-<id>-edge stacks), then
// "<env>-<wave>" for each release wave of fleet.yaml waves, holding the tenant stacks of that
// wave. Every wave of an environment with requireApproval waits for a manual approval. Tenants
// whose requested account has no id yet are left out, as they are from the synth. Each tenant
// wave carries one smoke test per tenant: https://<first host><first catalog service's health
// check>.
//
// NewPipeline creates a CodePipeline (V2) with:
//   - Source: the repository through an AWS CodeConnections connection;
//   - Build: a ShellStep running `make setup` and `make synth`, output cdk.out;
//   - UpdatePipeline: self-mutation (the pipeline stack updates itself first);
//   - one stage per wave: a ManualApprovalStep when the wave asks for one, a CodeBuildStep that
//     runs `npx aws-cdk@<pinned> deploy --app . --require-approval never --concurrency 4
//     --exclusively <stacks>` on the synthesized cloud assembly (at most 50 stacks per command),
//     whose role may only assume the CDK bootstrap roles (cdk-hnb659fds-*) of the wave's
//     accounts, then a ShellStep with one `curl -fsS --max-time 10` per tenant.
//
// Why waves deploy with the CLI instead of pipeline Stages: the app builds its stacks at the
// App root (so `cdk deploy` and `cdk synth` work on the same tree), and a fleet can hold
// thousands of stacks. CDK Pipelines would need them inside Stages and would add one
// CloudFormation action (and possibly one asset action) per stack, beyond CodePipeline's 50
// actions per stage; one CodeBuild step per wave scales with the fleet. Smoke tests are one
// step per wave, one command per tenant, for the same reason.
//
// Its store: a customer-managed KMS key (rotation, kms:CreateGrant denied except for AWS
// resources) encrypts the artifacts bucket (versioned, TLS only, private, objects expire
// after 180 days, S3 server access logs to an SSE-S3 "AccessLogs" bucket) and the "BuildLogs"
// log group (two years) that every CodeBuild project of the pipeline, CDK Pipelines' own
// included, logs to; CodeBuild encrypts its artifacts with the same key. The cdk-nag findings
// on the roles CDK Pipelines writes itself are suppressed with their reasons in pipeline.go.
//
// The deploy steps assume the target accounts' bootstrap roles, so every target account and
// region must be bootstrapped trusting the pipeline account (constructs/vending does it for the
// tenants' OU; docs/first-deployment.md for the others).
package pipeline
