// Package security holds the fleet's policy checks and the code that runs them:
//
//   - ApplyNagPacks adds the cdk-nag packs (AWS Solutions, HIPAA Security, NIST 800-53 rev 5)
//     to an App or Stack; NagErrors reads the unsuppressed error-level findings from the
//     synthesized cloud assembly. The tests synthesize the example fleet with them and fail on
//     any finding, and prove on deliberately bad stacks that the packs catch what they should.
//   - RunGuard runs cfn-guard with the AWS Control Tower proactive-control rules shipped by
//     @cdklabs/cdk-validator-cfnguard over every template of a cloud assembly and drops the
//     failures policy/guard-exemptions.yaml accepts (`make check-policy`, cmd/guard).
//
// Suppressions of cdk-nag findings sit next to the construct they concern, in constructs/ and
// stacks/, each with a reason; SECURITY.md lists them.
package security
