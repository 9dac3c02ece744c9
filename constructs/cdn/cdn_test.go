package cdn_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/cdn"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

const (
	distType           = "AWS::CloudFront::Distribution"
	cachingDisabledID  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	allViewerPolicyID  = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	certARN            = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	portalBucketLogID  = "CdnPortalBucketAB1266BA"
	logBucketLogicalID = "CdnLogBucket75337C09"
)

// props returns minimal valid props; each call returns a fresh value.
func props() *cdn.DistributionProps {
	return &cdn.DistributionProps{
		OriginDomain: "origin.stg-euw1-a.cells.staging.adhere.example.com",
		OriginSecret: awscdk.SecretValue_UnsafePlainText(jsii.String("s3cret")),
	}
}

func withHosts(stack awscdk.Stack, p *cdn.DistributionProps, hosts ...string) *cdn.DistributionProps {
	p.Hosts = hosts
	p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"), jsii.String(certARN))
	return p
}

func config(m map[string]any) map[string]any {
	return map[string]any{"DistributionConfig": assertions.Match_ObjectLike(&m)}
}

// distConfig returns the DistributionConfig of the only distribution in stack.
func distConfig(t *testing.T, stack awscdk.Stack) map[string]any {
	t.Helper()
	dists := cdktest.Resources(stack, distType)
	if len(dists) != 1 {
		t.Fatalf("got %d distributions, want 1", len(dists))
	}
	for _, d := range dists {
		return d["Properties"].(map[string]any)["DistributionConfig"].(map[string]any)
	}
	return nil
}

func TestDistribution_originIsHTTPSOnlyWithTLS12(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Origins": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"DomainName": "origin.stg-euw1-a.cells.staging.adhere.example.com",
			"CustomOriginConfig": assertions.Match_ObjectEquals(&map[string]any{
				"OriginProtocolPolicy": "https-only",
				"OriginSSLProtocols":   []any{"TLSv1.2"},
			}),
		})}),
	}))
}

func TestDistribution_sendsOriginVerifyHeader(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Origins": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"DomainName":          "origin.stg-euw1-a.cells.staging.adhere.example.com",
			"OriginCustomHeaders": []any{map[string]any{"HeaderName": "X-Origin-Verify", "HeaderValue": "s3cret"}},
		})}),
	}))
}

func TestDistribution_originVerifyHeaderNameCanBeSet(t *testing.T) {
	stack := cdktest.Stack()
	p := props()
	p.OriginHeaderName = "X-Cell-Secret"
	cdn.NewDistribution(stack, "Cdn", p)
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Origins": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"OriginCustomHeaders": []any{map[string]any{"HeaderName": "X-Cell-Secret", "HeaderValue": "s3cret"}},
		})}),
	}))
}

func TestDistribution_defaultBehaviorIsUncachedAndForwardsAllViewerHeaders(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"DefaultCacheBehavior": assertions.Match_ObjectLike(&map[string]any{
			"CachePolicyId":         cachingDisabledID,
			"OriginRequestPolicyId": allViewerPolicyID,
			"AllowedMethods":        []any{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
			"ViewerProtocolPolicy":  "redirect-to-https",
		}),
	}))
	// The default behavior goes to the load balancer, not to the bucket.
	cfg := distConfig(t, stack)
	target := cfg["DefaultCacheBehavior"].(map[string]any)["TargetOriginId"]
	for _, o := range cfg["Origins"].([]any) {
		if o := o.(map[string]any); o["Id"] == target && o["DomainName"] != "origin.stg-euw1-a.cells.staging.adhere.example.com" {
			t.Errorf("default behavior targets origin %v, want the load balancer", o["DomainName"])
		}
	}
}

// staticBehaviors returns the path patterns of the cache behaviors that target the portal
// bucket's origin.
func staticBehaviors(t *testing.T, stack awscdk.Stack) []string {
	t.Helper()
	cfg := distConfig(t, stack)
	var s3Origin any
	for _, o := range cfg["Origins"].([]any) {
		if o := o.(map[string]any); o["S3OriginConfig"] != nil {
			s3Origin = o["Id"]
		}
	}
	var paths []string
	for _, b := range cfg["CacheBehaviors"].([]any) {
		if b := b.(map[string]any); b["TargetOriginId"] == s3Origin {
			paths = append(paths, b["PathPattern"].(string))
		}
	}
	return paths
}

func TestDistribution_staticPathsServedCompressedFromPortalBucket(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	if got := staticBehaviors(t, stack); strings.Join(got, " ") != "/portal/* /static/*" {
		t.Errorf("behaviors to the portal bucket: %v, want /portal/* and /static/*", got)
	}
	tpl := cdktest.Template(stack)
	for _, path := range []string{"/static/*", "/portal/*"} {
		tpl.HasResourceProperties(jsii.String(distType), config(map[string]any{
			"CacheBehaviors": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"PathPattern":          path,
				"Compress":             true,
				"AllowedMethods":       []any{"GET", "HEAD"},
				"ViewerProtocolPolicy": "redirect-to-https",
				"CachePolicyId":        map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^CdnStaticCachePolicy"))},
			})}),
		}))
	}
}

func TestDistribution_staticPathsCanBeSet(t *testing.T) {
	stack := cdktest.Stack()
	p := props()
	p.StaticPaths = []string{"/assets/*"}
	cdn.NewDistribution(stack, "Cdn", p)
	if got := staticBehaviors(t, stack); len(got) != 1 || got[0] != "/assets/*" {
		t.Errorf("behaviors to the portal bucket: %v, want only /assets/*", got)
	}
}

func TestDistribution_staticCachePolicyHasMinTTL180ByDefault(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::CloudFront::CachePolicy"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), map[string]any{
		"CachePolicyConfig": assertions.Match_ObjectLike(&map[string]any{
			"MinTTL":     180,
			"DefaultTTL": 86400,
			"ParametersInCacheKeyAndForwardedToOrigin": assertions.Match_ObjectLike(&map[string]any{
				"EnableAcceptEncodingGzip": true, "EnableAcceptEncodingBrotli": true,
			}),
		}),
	})
}

func TestDistribution_staticMinTTLCanBeRaisedAboveADay(t *testing.T) {
	stack := cdktest.Stack()
	p := props()
	p.StaticMinTTL = awscdk.Duration_Days(jsii.Number(2))
	cdn.NewDistribution(stack, "Cdn", p)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), map[string]any{
		"CachePolicyConfig": assertions.Match_ObjectLike(&map[string]any{"MinTTL": 172800, "DefaultTTL": 172800}),
	})
}

func TestDistribution_staticMinTTLCanBeLowered(t *testing.T) {
	stack := cdktest.Stack()
	p := props()
	p.StaticMinTTL = awscdk.Duration_Seconds(jsii.Number(60))
	cdn.NewDistribution(stack, "Cdn", p)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), map[string]any{
		"CachePolicyConfig": assertions.Match_ObjectLike(&map[string]any{"MinTTL": 60, "DefaultTTL": 86400}),
	})
}

func TestDistribution_servesHTTP2And3OverIPv6InPriceClass100(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"HttpVersion": "http2and3",
		"IPV6Enabled": true,
		"PriceClass":  "PriceClass_100",
		"Enabled":     true,
	}))
}

func TestDistribution_hostsAreAliasesWithTLS12Certificate(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", withHosts(stack, props(), "acme.staging.adhere.example.com", "portal.globex.example.org"))
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Aliases": []any{"acme.staging.adhere.example.com", "portal.globex.example.org"},
		"ViewerCertificate": map[string]any{
			"AcmCertificateArn":      certARN,
			"MinimumProtocolVersion": "TLSv1.2_2021",
			"SslSupportMethod":       "sni-only",
		},
	}))
}

func TestDistribution_noHostsMeansNoAliases(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Aliases": assertions.Match_Absent(),
	}))
}

func TestDistribution_attachesWebACL(t *testing.T) {
	stack := cdktest.Stack()
	p := props()
	p.WebACLArn = jsii.String("arn:aws:wafv2:us-east-1:123456789012:global/webacl/cell/abc")
	cdn.NewDistribution(stack, "Cdn", p)
	cdktest.Template(stack).HasResourceProperties(jsii.String(distType), config(map[string]any{
		"WebACLId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cell/abc",
	}))
}

func TestDistribution_logsToNewLogBucket(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Logging": map[string]any{
			"Bucket": map[string]any{"Fn::GetAtt": []any{logBucketLogicalID, "RegionalDomainName"}},
			"Prefix": "cloudfront/",
		},
	}))
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"OwnershipControls":              map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerPreferred"}}},
		"BucketEncryption":               map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
	})
	tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
		"Bucket": map[string]any{"Ref": logBucketLogicalID},
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})}),
	})
}

func TestDistribution_usesGivenLogBucket(t *testing.T) {
	stack := cdktest.Stack()
	p := props()
	p.LogBucket = awss3.Bucket_FromBucketName(stack, jsii.String("Logs"), jsii.String("central-logs"))
	cdn.NewDistribution(stack, "Cdn", p)
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Logging": assertions.Match_ObjectLike(&map[string]any{"Bucket": "central-logs.s3.eu-west-1.amazonaws.com"}),
	}))
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"LoggingConfiguration": map[string]any{"DestinationBucketName": "central-logs", "LogFilePrefix": "portal-bucket/"},
	})
}

func TestDistribution_portalBucketIsPrivateVersionedEncryptedAndLogged(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": assertions.Match_AnyValue()},
			"BucketKeyEnabled":              true,
		}}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"LoggingConfiguration":           map[string]any{"DestinationBucketName": map[string]any{"Ref": logBucketLogicalID}, "LogFilePrefix": "portal-bucket/"},
		"OwnershipControls":              assertions.Match_Absent(),
	})
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
		"Bucket": map[string]any{"Ref": portalBucketLogID},
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})}),
	})
}

func TestDistribution_portalBucketReadableOnlyByThisDistributionThroughOAC(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::CloudFront::OriginAccessControl"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), map[string]any{
		"OriginAccessControlConfig": assertions.Match_ObjectLike(&map[string]any{
			"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4",
		}),
	})
	tpl.HasResourceProperties(jsii.String(distType), config(map[string]any{
		"Origins": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"DomainName":            map[string]any{"Fn::GetAtt": []any{portalBucketLogID, "RegionalDomainName"}},
			"OriginAccessControlId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("OriginAccessControl")), "Id"}},
			"S3OriginConfig":        map[string]any{"OriginAccessIdentity": ""},
		})}),
	}))
	tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
		"Bucket": map[string]any{"Ref": portalBucketLogID},
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Effect":    "Allow",
			"Action":    "s3:GetObject",
			"Principal": map[string]any{"Service": "cloudfront.amazonaws.com"},
			"Resource":  map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{portalBucketLogID, "Arn"}}, "/*"}}},
			"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
				":distribution/", map[string]any{"Ref": "CdnF9DD0B44"},
			})}}}},
		}})}),
	})
}

func TestDistribution_pinsBucketLogicalIDsAndRetainsThem(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", props())
	buckets := cdktest.Resources(stack, "AWS::S3::Bucket")
	for _, id := range []string{portalBucketLogID, logBucketLogicalID} {
		b, ok := buckets[id]
		if !ok {
			t.Errorf("no bucket with logical id %s; got %v (a changed id replaces the bucket)", id, keys(buckets))
			continue
		}
		if b["DeletionPolicy"] != "Retain" || b["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("bucket %s: DeletionPolicy %v, UpdateReplacePolicy %v, want Retain", id, b["DeletionPolicy"], b["UpdateReplacePolicy"])
		}
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDistribution_exposesDomainNameAndPortalBucket(t *testing.T) {
	stack := cdktest.Stack()
	d := cdn.NewDistribution(stack, "Cdn", props())
	if got := stack.Resolve(d.DomainName()); fmt.Sprint(got) != "map[Fn::GetAtt:[CdnF9DD0B44 DomainName]]" {
		t.Errorf("DomainName() resolves to %v", got)
	}
	if got := stack.Resolve(d.PortalBucket().BucketName()); fmt.Sprint(got) != "map[Ref:"+portalBucketLogID+"]" {
		t.Errorf("PortalBucket().BucketName() resolves to %v", got)
	}
}

func TestDistribution_acceptsExactly100Hosts(t *testing.T) {
	stack := cdktest.Stack()
	cdn.NewDistribution(stack, "Cdn", withHosts(stack, props(), hosts(100)...))
	if got := len(distConfig(t, stack)["Aliases"].([]any)); got != 100 {
		t.Errorf("got %d aliases, want 100", got)
	}
}

func hosts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%03d.example.com", i)
	}
	return out
}

func TestDistribution_rejectsOver100Hosts(t *testing.T) {
	stack := cdktest.Stack()
	cdktest.MustPanic(t, "cdn: 101 hosts is over CloudFront's limit of 100 alternate domain names per distribution; move tenants to another cell", func() {
		cdn.NewDistribution(stack, "Cdn", withHosts(stack, props(), hosts(101)...))
	})
}

func TestDistribution_rejectsHostsWithoutCertificate(t *testing.T) {
	p := props()
	p.Hosts = []string{"acme.example.com"}
	cdktest.MustPanic(t, "cdn: props.Certificate is required when props.Hosts is set", func() {
		cdn.NewDistribution(cdktest.Stack(), "Cdn", p)
	})
}

func TestDistribution_rejectsDuplicateHost(t *testing.T) {
	stack := cdktest.Stack()
	cdktest.MustPanic(t, "cdn: host ACME.example.com is listed twice", func() {
		cdn.NewDistribution(stack, "Cdn", withHosts(stack, props(), "acme.example.com", "ACME.example.com"))
	})
}

func TestDistribution_rejectsMissingOriginDomain(t *testing.T) {
	p := props()
	p.OriginDomain = ""
	cdktest.MustPanic(t, "cdn: props.OriginDomain is required", func() { cdn.NewDistribution(cdktest.Stack(), "Cdn", p) })
}

func TestDistribution_rejectsMissingOriginSecret(t *testing.T) {
	p := props()
	p.OriginSecret = nil
	cdktest.MustPanic(t, "cdn: props.OriginSecret is required", func() { cdn.NewDistribution(cdktest.Stack(), "Cdn", p) })
}
