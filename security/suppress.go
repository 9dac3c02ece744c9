package security

import (
	"fmt"
	"sync"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Rule ids of the cdk-nag packs that the constructs suppress more than once. HIPAA and NIST
// share most checks; a suppression names both.
var (
	// InlinePolicy: CDK grants write least-privilege statements into a role's inline
	// DefaultPolicy; the packs want customer-managed policies instead.
	InlinePolicy = []string{"HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"}
	// SecretRotation: the secret has no automatic rotation schedule.
	SecretRotation = []string{"AwsSolutions-SMG4", "HIPAA.Security-SecretsManagerRotationEnabled", "NIST.800.53.R5-SecretsManagerRotationEnabled"}
	// BucketReplication: the S3 bucket has no cross-region replication.
	BucketReplication = []string{"HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled"}
	// BucketKMS: the S3 bucket is encrypted with SSE-S3 rather than SSE-KMS.
	BucketKMS = []string{"HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS"}
	// ProviderLambda: the findings on a CDK-internal custom resource provider function, which
	// the CDK creates once per stack and configures itself.
	ProviderLambda = []string{
		"AwsSolutions-IAM4", "AwsSolutions-L1",
		"HIPAA.Security-LambdaConcurrency", "HIPAA.Security-LambdaDLQ", "HIPAA.Security-LambdaInsideVPC",
		"HIPAA.Security-CloudWatchLogGroupEncrypted", "HIPAA.Security-IAMNoInlinePolicy",
		"NIST.800.53.R5-LambdaConcurrency", "NIST.800.53.R5-LambdaDLQ", "NIST.800.53.R5-LambdaInsideVPC",
		"NIST.800.53.R5-CloudWatchLogGroupEncrypted", "NIST.800.53.R5-IAMNoInlinePolicy",
	}
)

// Suppress records on c and every construct below it that the cdk-nag rules are accepted for
// reason. It applies to what exists under c when it is called: call it after c is complete.
// Call it next to the construct concerned, never for a whole stack.
func Suppress(c constructs.IConstruct, reason string, rules ...string) {
	cdknag.NagSuppressions_AddResourceSuppressions(c, suppressions(reason, rules, nil), jsii.Bool(true))
}

// SuppressFindings is Suppress for some findings of a rule only, such as the IAM5 finding
// "Action::kms:GenerateDataKey*". A finding that starts and ends with '/' is a regular
// expression.
func SuppressFindings(c constructs.IConstruct, reason, rule string, findings ...string) {
	if len(findings) == 0 {
		panic("security: SuppressFindings needs the findings it accepts; use Suppress for the whole rule")
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, suppressions(reason, []string{rule}, findings), jsii.Bool(true))
}

// SuppressAtSynth is Suppress for constructs that others add to c after it is built, such as
// the default policy that grants from other constructs create on a role. The suppression is
// recorded now and applied by ApplyDeferred, which whoever builds the app calls once every
// construct exists (stacks.Build does), before the cdk-nag packs run at synth.
//
// It replaces an aspect: an aspect written in Go costs a round trip to the jsii runtime for
// every construct it visits, which for a fleet of thousands of stacks was a tenth of the synth.
func SuppressAtSynth(c constructs.IConstruct, reason string, rules []string, findings ...string) {
	deferredMu.Lock()
	defer deferredMu.Unlock()
	deferred = append(deferred, deferredSuppression{c, suppressions(reason, rules, findings)})
}

type deferredSuppression struct {
	c constructs.IConstruct
	s *[]*cdknag.NagPackSuppression
}

var (
	deferredMu sync.Mutex
	deferred   []deferredSuppression
)

// ApplyDeferred applies the suppressions SuppressAtSynth recorded, to c and everything below it
// now, and forgets them.
func ApplyDeferred() {
	deferredMu.Lock()
	pending := deferred
	deferred = nil
	deferredMu.Unlock()
	for _, d := range pending {
		cdknag.NagSuppressions_AddResourceSuppressions(d.c, d.s, jsii.Bool(true))
	}
}

func suppressions(reason string, rules, findings []string) *[]*cdknag.NagPackSuppression {
	if reason == "" || len(rules) == 0 {
		panic(fmt.Sprintf("security: a suppression needs rules and a reason; got rules %v, reason %q", rules, reason))
	}
	var appliesTo *[]any
	if len(findings) > 0 {
		list := make([]any, 0, len(findings))
		for _, f := range findings {
			if len(f) > 1 && f[0] == '/' && f[len(f)-1] == '/' {
				list = append(list, &cdknag.RegexAppliesTo{Regex: jsii.String(f + "g")})
			} else {
				list = append(list, f)
			}
		}
		appliesTo = &list
	}
	out := make([]*cdknag.NagPackSuppression, 0, len(rules))
	for _, r := range rules {
		out = append(out, &cdknag.NagPackSuppression{Id: jsii.String(r), Reason: jsii.String(reason), AppliesTo: appliesTo})
	}
	return &out
}
