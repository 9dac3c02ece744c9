package cdn

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/limits"
	"github.com/fleetcdk/fleet/security"
)

// MaxHosts is CloudFront's quota of alternate domain names (CNAMEs) per distribution.
var MaxHosts = limits.CloudFrontAliases.Max

const (
	day  = 24 * 60 * 60
	year = 365 * day
)

// DistributionProps configures a Distribution.
type DistributionProps struct {
	// OriginDomain is the load balancer's own DNS name, covered by its certificate, such as
	// origin.stg-euw1-a.cells.staging.adhere.example.com.
	OriginDomain string
	// OriginSecret is the value of the origin-verify header CloudFront adds to every request
	// to the load balancer. It ends up in the template (CloudFront has no secret reference);
	// use a Secrets Manager dynamic reference so it is resolved at deploy time.
	OriginSecret awscdk.SecretValue
	// OriginHeaderName is the name of the origin-verify header. Default: "X-Origin-Verify".
	OriginHeaderName string
	// Hosts are the distribution's alternate domain names. At most 100. Default: none.
	Hosts []string
	// Certificate is an ACM certificate in us-east-1 covering Hosts. Required when Hosts is
	// not empty.
	Certificate awscertificatemanager.ICertificate
	// WebACLArn is the ARN of a CLOUDFRONT-scope WAF web ACL. Default: no web ACL.
	WebACLArn *string
	// StaticPaths are the path patterns served from the portal bucket.
	// Default: ["/static/*", "/portal/*"].
	StaticPaths []string
	// StaticMinTTL is the minimum TTL of static files. Their default TTL is the larger of this
	// and one day. Default: 180 seconds.
	StaticMinTTL awscdk.Duration
	// LogBucket receives CloudFront standard logs and the portal bucket's access logs; it
	// must have ACLs enabled (object ownership BUCKET_OWNER_PREFERRED). Default: a new bucket.
	LogBucket awss3.IBucket
	// RemovalPolicy applies to the buckets this construct creates. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Distribution is a cell's CloudFront distribution with its portal bucket.
type Distribution interface {
	constructs.Construct
	// Distribution is the CloudFront distribution.
	Distribution() awscloudfront.IDistribution
	// DomainName is the distribution's *.cloudfront.net domain name.
	DomainName() *string
	// PortalBucket holds the files of the static paths.
	PortalBucket() awss3.IBucket
}

type distribution struct {
	constructs.Construct
	dist   awscloudfront.Distribution
	portal awss3.Bucket
}

func (d *distribution) Distribution() awscloudfront.IDistribution { return d.dist }
func (d *distribution) DomainName() *string                       { return d.dist.DistributionDomainName() }
func (d *distribution) PortalBucket() awss3.IBucket               { return d.portal }

// NewDistribution defines a CloudFront distribution that forwards requests to
// props.OriginDomain over HTTPS and serves props.StaticPaths from a private portal bucket.
func NewDistribution(scope constructs.Construct, id string, props *DistributionProps) Distribution {
	if props == nil || props.OriginDomain == "" {
		panic("cdn: props.OriginDomain is required")
	}
	if props.OriginSecret == nil {
		panic("cdn: props.OriginSecret is required; the load balancer rejects requests without it")
	}
	p := *props
	p.Hosts = append([]string(nil), props.Hosts...)
	p.StaticPaths = append([]string(nil), props.StaticPaths...)
	if len(p.Hosts) > MaxHosts {
		panic(fmt.Sprintf("cdn: %d hosts is over CloudFront's limit of %d alternate domain names per distribution; move tenants to another cell or raise the quota and MaxHosts", len(p.Hosts), MaxHosts))
	}
	if len(p.Hosts) > 0 && p.Certificate == nil {
		panic("cdn: props.Certificate is required when props.Hosts is set; pass an ACM certificate in us-east-1 covering the hosts")
	}
	seen := map[string]bool{}
	for _, h := range p.Hosts {
		if seen[strings.ToLower(h)] {
			panic(fmt.Sprintf("cdn: host %s is listed twice in props.Hosts", h))
		}
		seen[strings.ToLower(h)] = true
	}
	if p.OriginHeaderName == "" {
		p.OriginHeaderName = "X-Origin-Verify"
	}
	if len(p.StaticPaths) == 0 {
		p.StaticPaths = []string{"/static/*", "/portal/*"}
	}
	if p.StaticMinTTL == nil {
		p.StaticMinTTL = awscdk.Duration_Seconds(jsii.Number(180))
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	logs := p.LogBucket
	if logs == nil {
		bucket := awss3.NewBucket(this, jsii.String("LogBucket"), &awss3.BucketProps{
			ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED, // CloudFront standard logs write with ACLs
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			EnforceSSL:        jsii.Bool(true),
			// S3 server access logs (of the portal bucket) are delivered only to SSE-S3 buckets.
			Encryption:    awss3.BucketEncryption_S3_MANAGED,
			Versioned:     jsii.Bool(true),
			RemovalPolicy: p.RemovalPolicy,
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Expiration:                  awscdk.Duration_Days(jsii.Number(400)),
				NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
			}},
		})
		security.Suppress(bucket, "The bucket receives the portal bucket's S3 server access logs, which S3 delivers only "+
			"to SSE-S3 buckets.", security.BucketKMS...)
		security.Suppress(bucket, "Access logs are operational records; the distribution keeps working without them.",
			security.BucketReplication...)
		logs = bucket
	}
	// SSE-KMS with a rotating key: the origin access control reads objects through the key
	// policy statement S3BucketOrigin_WithOriginAccessControl adds for this distribution.
	key := awskms.NewKey(this, jsii.String("PortalKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the portal bucket " + *this.Node().Path()),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     p.RemovalPolicy,
	})
	security.DenyForeignGrants(key)
	portal := awss3.NewBucket(this, jsii.String("PortalBucket"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true),
		Versioned:              jsii.Bool(true),
		LifecycleRules:         &[]*awss3.LifecycleRule{{NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(90))}},
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("portal-bucket/"),
		RemovalPolicy:          p.RemovalPolicy,
	})

	minTTL := *p.StaticMinTTL.ToSeconds(nil)
	defaultTTL := math.Max(minTTL, day)
	staticCache := awscloudfront.NewCachePolicy(this, jsii.String("StaticCachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:                    jsii.String("Static portal files"),
		MinTtl:                     p.StaticMinTTL,
		DefaultTtl:                 awscdk.Duration_Seconds(jsii.Number(defaultTTL)),
		MaxTtl:                     awscdk.Duration_Seconds(jsii.Number(math.Max(defaultTTL, year))),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	})
	static := &awscloudfront.BehaviorOptions{
		Origin:               awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(portal, nil),
		CachePolicy:          staticCache,
		Compress:             jsii.Bool(true),
		AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
		ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
	}
	additional := make(map[string]*awscloudfront.BehaviorOptions, len(p.StaticPaths))
	for _, path := range p.StaticPaths {
		additional[path] = static
	}

	var domainNames *[]*string
	if len(p.Hosts) > 0 {
		domainNames = jsii.Strings(p.Hosts...)
	}
	dist := awscloudfront.NewDistribution(this, jsii.String("Resource"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String(p.OriginDomain), &awscloudfrontorigins.HttpOriginProps{
				ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
				OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
				CustomHeaders:      &map[string]*string{p.OriginHeaderName: p.OriginSecret.UnsafeUnwrap()},
			}),
			CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER(), // Host unchanged: the ALB routes on it
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		},
		AdditionalBehaviors:    &additional,
		DomainNames:            domainNames,
		Certificate:            p.Certificate,
		WebAclId:               p.WebACLArn,
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
		PriceClass:             awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableIpv6:             jsii.Bool(true),
		EnableLogging:          jsii.Bool(true),
		LogBucket:              logs,
		LogFilePrefix:          jsii.String("cloudfront/"),
	})
	security.Suppress(portal, "The portal's files are build output the pipeline publishes again on every release; "+
		"a region's loss loses no data.", security.BucketReplication...)
	// The key policy lets CloudFront decrypt for any distribution of this account (a condition
	// on the distribution's own ARN would be a dependency cycle key -> distribution -> bucket ->
	// key); the bucket policy still admits this distribution only.
	awscdk.Annotations_Of(this).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac"),
		jsii.String("the bucket policy limits reads to this distribution; the key is used by this bucket only"))
	return &distribution{Construct: this, dist: dist, portal: portal}
}
