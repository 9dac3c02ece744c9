package ingress

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/limits"
	"github.com/fleetcdk/fleet/security"
)

// DefaultOriginHeader is the header CloudFront adds and every listener rule checks.
const DefaultOriginHeader = "X-Origin-Verify"

// LoadBalancerProps configures a LoadBalancer.
type LoadBalancerProps struct {
	// Vpc holds the load balancer in its public subnets.
	Vpc awsec2.IVpc
	// Certificate covers the origin name CloudFront connects to.
	Certificate awscertificatemanager.ICertificate
	// OriginSecret is the value of the origin header; requests without it get 403.
	OriginSecret awscdk.SecretValue
	// OriginHeaderName is the header CloudFront sets. Default: X-Origin-Verify.
	OriginHeaderName string
	// AccessLogBucket receives access logs. Default: a new encrypted, retained bucket.
	AccessLogBucket awss3.IBucket
	// DeletionProtection keeps the load balancer from being deleted (production).
	// Default: false.
	DeletionProtection bool
	// RemovalPolicy applies to the access log bucket it creates. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Route forwards requests to a target group.
type Route struct {
	// Priority of the first rule; a route split over n rules uses Priority .. Priority+n-1.
	Priority int
	// Hosts limits the route to these Host headers. Default: any host (pooled services).
	Hosts []string
	// PathPrefix such as /doctor matches /doctor and /doctor/*; "/" matches every path.
	PathPrefix string
	// TargetGroup receives the requests.
	TargetGroup elbv2.IApplicationTargetGroup
}

// LoadBalancer is a CloudFront-only ALB with an HTTPS listener.
type LoadBalancer interface {
	constructs.Construct
	awsec2.IConnectable
	// LoadBalancer is the ALB.
	LoadBalancer() elbv2.IApplicationLoadBalancer
	// Listener is the HTTPS listener routes attach to.
	Listener() elbv2.IApplicationListener
	// AddRoute adds the listener rules of route under scope (which may be in another stack of
	// the same environment) and returns how many rules it added.
	AddRoute(scope constructs.Construct, id string, route *Route) int
}

type loadBalancer struct {
	constructs.Construct
	alb      elbv2.ApplicationLoadBalancer
	listener elbv2.ApplicationListener
	header   string
	secret   awscdk.SecretValue
}

func (l *loadBalancer) LoadBalancer() elbv2.IApplicationLoadBalancer { return l.alb }
func (l *loadBalancer) Listener() elbv2.IApplicationListener         { return l.listener }
func (l *loadBalancer) Connections() awsec2.Connections              { return l.alb.Connections() }

// NewLoadBalancer defines an internet-facing ALB that admits only CloudFront.
func NewLoadBalancer(scope constructs.Construct, id string, props *LoadBalancerProps) LoadBalancer {
	if props == nil || props.Vpc == nil {
		panic("ingress: props.Vpc is required")
	}
	if props.Certificate == nil {
		panic("ingress: props.Certificate is required (it covers the origin name CloudFront connects to)")
	}
	if props.OriginSecret == nil {
		panic("ingress: props.OriginSecret is required")
	}
	p := *props
	if p.OriginHeaderName == "" {
		p.OriginHeaderName = DefaultOriginHeader
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	this := constructs.NewConstruct(scope, jsii.String(id))

	sg := awsec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("ALB: HTTPS from the CloudFront origin-facing prefix list only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	prefixList := cloudFrontPrefixList(this)
	sg.AddIngressRule(awsec2.Peer_PrefixList(prefixList), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from CloudFront"), nil)

	alb := elbv2.NewApplicationLoadBalancer(this, jsii.String("Resource"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		InternetFacing:          jsii.Bool(true),
		SecurityGroup:           sg,
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		DeletionProtection:      jsii.Bool(p.DeletionProtection),
		DropInvalidHeaderFields: jsii.Bool(true),
		Http2Enabled:            jsii.Bool(true),
	})
	logs := p.AccessLogBucket
	if logs == nil {
		logs = awss3.NewBucket(this, jsii.String("AccessLogs"), &awss3.BucketProps{
			Encryption:        awss3.BucketEncryption_S3_MANAGED, // ALB access logs support SSE-S3 only
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			EnforceSSL:        jsii.Bool(true),
			Versioned:         jsii.Bool(true),
			RemovalPolicy:     p.RemovalPolicy,
			ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Expiration:                  awscdk.Duration_Days(jsii.Number(400)),
				NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
			}},
		})
		security.Suppress(logs, "This bucket is the destination of the ALB's access logs; logging access to it would need "+
			"another log bucket, without end.", "AwsSolutions-S1", "HIPAA.Security-S3BucketLoggingEnabled", "NIST.800.53.R5-S3BucketLoggingEnabled")
		security.Suppress(logs, "ALB access logs can only be delivered to buckets encrypted with SSE-S3.", security.BucketKMS...)
		security.Suppress(logs, "Access logs are operational records kept in the region of the load balancer; "+
			"losing a region's logs does not lose data.", security.BucketReplication...)
	}
	alb.LogAccessLogs(logs, jsii.String("alb"))

	listener := alb.AddListener(jsii.String("Https"), &elbv2.BaseApplicationListenerProps{
		Port:          jsii.Number(443),
		Protocol:      elbv2.ApplicationProtocol_HTTPS,
		Certificates:  &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromCertificateManager(p.Certificate)},
		SslPolicy:     elbv2.SslPolicy_TLS13_12_RES_PQ,
		Open:          jsii.Bool(false),
		DefaultAction: elbv2.ListenerAction_FixedResponse(jsii.Number(403), &elbv2.FixedResponseOptions{ContentType: jsii.String("text/plain"), MessageBody: jsii.String("Forbidden")}),
	})
	// No port 80 listener: CloudFront connects over HTTPS only and the security group admits 443 only.
	security.Suppress(alb, "The ALB admits only CloudFront's origin-facing prefix list and requests carrying the secret "+
		"origin header; the WAF web ACL is on the CloudFront distribution in front of it.", "NIST.800.53.R5-ALBWAFEnabled")
	if !p.DeletionProtection {
		security.Suppress(alb, "Deletion protection is on in production environments (props.DeletionProtection); "+
			"other environments are torn down freely.", "HIPAA.Security-ELBDeletionProtectionEnabled", "NIST.800.53.R5-ELBDeletionProtectionEnabled")
	}
	return &loadBalancer{Construct: this, alb: alb, listener: listener, header: p.OriginHeaderName, secret: p.OriginSecret}
}

// cloudFrontPrefixList resolves the id of com.amazonaws.global.cloudfront.origin-facing at
// deploy time: the id differs per region and a synth-time lookup would need AWS credentials.
func cloudFrontPrefixList(scope constructs.Construct) *string {
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("EC2"),
		Action:             jsii.String("describeManagedPrefixLists"),
		Parameters:         map[string]any{"Filters": []map[string]any{{"Name": "prefix-list-name", "Values": []string{"com.amazonaws.global.cloudfront.origin-facing"}}}},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("cloudfront-origin-facing")),
		OutputPaths:        jsii.Strings("PrefixLists.0.PrefixListId"),
	}
	cr := customresources.NewAwsCustomResource(scope, jsii.String("CloudFrontPrefixList"), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		Policy:              customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{Resources: customresources.AwsCustomResourcePolicy_ANY_RESOURCE()}),
		InstallLatestAwsSdk: jsii.Bool(false),
	})
	security.SuppressFindings(cr, "ec2:DescribeManagedPrefixLists has no resource-level permissions; the call is read-only.",
		"AwsSolutions-IAM5", "Resource::*")
	security.Suppress(cr, "The policy is the one statement the CDK writes for the SDK call.", security.InlinePolicy...)
	security.SuppressAwsCustomResourceProvider(cr, "to read the id of the CloudFront origin-facing prefix list")
	return cr.GetResponseField(jsii.String("PrefixLists.0.PrefixListId"))
}

// AddRoute adds the rules of route, each requiring the origin header.
func (l *loadBalancer) AddRoute(scope constructs.Construct, id string, route *Route) int {
	if route == nil || route.TargetGroup == nil {
		panic("ingress: route.TargetGroup is required")
	}
	if route.Priority < 1 || route.Priority > limits.ALBMaxPriority {
		panic(fmt.Sprintf("ingress: route %s: priority %d is outside 1..50000", id, route.Priority))
	}
	hosts := append([]string(nil), route.Hosts...)
	sort.Strings(hosts)
	per := limits.HostsPerRule(route.PathPrefix)
	chunks := [][]string{nil}
	if len(hosts) > 0 {
		chunks = nil
		for i := 0; i < len(hosts); i += per {
			chunks = append(chunks, hosts[i:min(i+per, len(hosts))])
		}
	}
	for i, chunk := range chunks {
		conds := []elbv2.ListenerCondition{elbv2.ListenerCondition_HttpHeader(jsii.String(l.header), jsii.Strings(*l.secret.UnsafeUnwrap()))}
		if len(chunk) > 0 {
			conds = append(conds, elbv2.ListenerCondition_HostHeaders(jsii.Strings(chunk...)))
		}
		if pv := limits.PathValues(route.PathPrefix); pv != nil {
			conds = append(conds, elbv2.ListenerCondition_PathPatterns(jsii.Strings(pv...)))
		}
		rid := id
		if i > 0 {
			rid = fmt.Sprintf("%s%d", id, i+1)
		}
		elbv2.NewApplicationListenerRule(scope, jsii.String(rid), &elbv2.ApplicationListenerRuleProps{
			Listener:   l.listener,
			Priority:   jsii.Number(float64(route.Priority + i)),
			Conditions: &conds,
			Action:     elbv2.ListenerAction_Forward(&[]elbv2.IApplicationTargetGroup{route.TargetGroup}, nil),
		})
	}
	return len(chunks)
}
