package compute

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/ingress"
	"github.com/fleetcdk/fleet/security"
)

// ClusterProps configures a Cluster.
type ClusterProps struct {
	// Vpc holds the cluster's services.
	Vpc awsec2.IVpc
	// RemovalPolicy applies to the log key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Cluster is an ECS cluster with a log encryption key for its services.
type Cluster interface {
	constructs.Construct
	Cluster() awsecs.ICluster
	// LogKey encrypts the log groups of the cluster's services.
	LogKey() awskms.IKey
}

type cluster struct {
	constructs.Construct
	c   awsecs.Cluster
	key awskms.Key
}

func (c *cluster) Cluster() awsecs.ICluster { return c.c }
func (c *cluster) LogKey() awskms.IKey      { return c.key }

// NewCluster defines an ECS cluster with Container Insights.
func NewCluster(scope constructs.Construct, id string, props *ClusterProps) Cluster {
	if props == nil || props.Vpc == nil {
		panic("compute: props.Vpc is required")
	}
	rp := props.RemovalPolicy
	if rp == "" {
		rp = awscdk.RemovalPolicy_RETAIN
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	c := awsecs.NewCluster(this, jsii.String("Resource"), &awsecs.ClusterProps{
		Vpc:                 props.Vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENHANCED,
	})
	key := awskms.NewKey(this, jsii.String("LogKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the log groups of the cluster's services"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     rp,
	})
	security.DenyForeignGrants(key)
	stack := awscdk.Stack_Of(this)
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil))
	return &cluster{Construct: this, c: c, key: key}
}

// ServiceProps configures a Service.
type ServiceProps struct {
	// Cluster runs the service.
	Cluster Cluster
	// Name is the catalog name, used for the container and log stream prefix.
	Name string
	// Image is a registry URI with a tag or digest. ECR images get pull permissions.
	Image string
	// Port is the container port.
	Port int
	// HealthCheckPath is probed by the target group.
	HealthCheckPath string
	// Cpu in Fargate units and MemoryMiB must be a pair Fargate accepts (config validates it).
	Cpu, MemoryMiB int
	// DesiredCount, MinCount and MaxCount bound the task count.
	DesiredCount, MinCount, MaxCount int
	// Environment variables of the container, such as TENANT_ID for silo services.
	Environment map[string]string
	// LoadBalancer and Route attach the service; Route.TargetGroup is set by NewService.
	LoadBalancer ingress.LoadBalancer
	Route        *ingress.Route
	// CpuTarget is the CPU utilization autoscaling tracks, in percent. Default: 60.
	CpuTarget int
	// RequestsPerTarget is the ALB requests per target per minute autoscaling tracks.
	// Default: 1000.
	RequestsPerTarget int
	// EnableExec turns on ECS Exec. Default: false.
	EnableExec bool
	// LogRetention of the service's log group. Default: one year.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy applies to the log group. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Service is a load-balanced, autoscaled Fargate service.
type Service interface {
	constructs.Construct
	awsec2.IConnectable
	Service() awsecs.FargateService
	TaskRole() awsiam.IRole
	TargetGroup() elbv2.IApplicationTargetGroup
	// Rules is how many listener rules the service's route took.
	Rules() int
	// SecurityGroup is the service's own security group.
	SecurityGroup() awsec2.ISecurityGroup
}

type service struct {
	constructs.Construct
	svc   awsecs.FargateService
	tg    elbv2.ApplicationTargetGroup
	sg    awsec2.SecurityGroup
	rules int
}

func (s *service) Service() awsecs.FargateService             { return s.svc }
func (s *service) TaskRole() awsiam.IRole                     { return s.svc.TaskDefinition().TaskRole() }
func (s *service) TargetGroup() elbv2.IApplicationTargetGroup { return s.tg }
func (s *service) Connections() awsec2.Connections            { return s.svc.Connections() }
func (s *service) Rules() int                                 { return s.rules }
func (s *service) SecurityGroup() awsec2.ISecurityGroup       { return s.sg }

var ecrImageRE = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)(?::([^@]+))?(?:@(sha256:[a-f0-9]{64}))?$`)

// NewService defines a Fargate service behind props.LoadBalancer.
func NewService(scope constructs.Construct, id string, props *ServiceProps) Service {
	if props == nil || props.Cluster == nil || props.LoadBalancer == nil || props.Route == nil {
		panic("compute: props.Cluster, props.LoadBalancer and props.Route are required")
	}
	if props.Name == "" || props.Image == "" || props.Port == 0 {
		panic(fmt.Sprintf("compute: service %s: Name, Image and Port are required", id))
	}
	p := *props
	route := *props.Route
	if p.CpuTarget == 0 {
		p.CpuTarget = 60
	}
	if p.RequestsPerTarget == 0 {
		p.RequestsPerTarget = 1000
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	this := constructs.NewConstruct(scope, jsii.String(id))

	task := awsecs.NewFargateTaskDefinition(this, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(float64(p.Cpu)),
		MemoryLimitMiB: jsii.Number(float64(p.MemoryMiB)),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       awsecs.CpuArchitecture_X86_64(),
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
	})
	logs := awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: p.Cluster.LogKey(),
		RemovalPolicy: p.RemovalPolicy,
	})
	env := map[string]*string{}
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	task.AddContainer(jsii.String("App"), &awsecs.ContainerDefinitionOptions{
		ContainerName:          jsii.String(p.Name),
		Image:                  image(this, p.Image),
		MemoryLimitMiB:         jsii.Number(float64(p.MemoryMiB)), // a hard limit: the one container may use the whole task
		Essential:              jsii.Bool(true),
		Environment:            &env,
		ReadonlyRootFilesystem: jsii.Bool(true),
		PortMappings:           &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(float64(p.Port)), Protocol: awsecs.Protocol_TCP}},
		Logging:                awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{LogGroup: logs, StreamPrefix: jsii.String(p.Name)}),
	})
	sg := awsec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Cluster.Cluster().Vpc(),
		Description:      jsii.String(fmt.Sprintf("%s: traffic from the load balancer only", p.Name)),
		AllowAllOutbound: jsii.Bool(true),
	})
	svc := awsecs.NewFargateService(this, jsii.String("Resource"), &awsecs.FargateServiceProps{
		Cluster:              p.Cluster.Cluster(),
		TaskDefinition:       task,
		DesiredCount:         jsii.Number(float64(p.DesiredCount)),
		MinHealthyPercent:    jsii.Number(100),
		MaxHealthyPercent:    jsii.Number(200),
		CircuitBreaker:       &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		EnableExecuteCommand: jsii.Bool(p.EnableExec),
		AssignPublicIp:       jsii.Bool(false),
		SecurityGroups:       &[]awsec2.ISecurityGroup{sg},
		VpcSubnets:           &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		PropagateTags:        awsecs.PropagatedTagSource_SERVICE,
		EnableECSManagedTags: jsii.Bool(true),
	})
	// The load balancer -> service rules (ALB egress, service ingress on Port) are added by the
	// CDK when the target group joins the listener, in the consuming stack when the service is a
	// silo tenant's; adding them here too would fail the deploy with duplicate rules.

	tg := elbv2.NewApplicationTargetGroup(this, jsii.String("Target"), &elbv2.ApplicationTargetGroupProps{
		Vpc:        p.Cluster.Cluster().Vpc(),
		Port:       jsii.Number(float64(p.Port)),
		Protocol:   elbv2.ApplicationProtocol_HTTP,
		TargetType: elbv2.TargetType_IP,
		Targets:    &[]elbv2.IApplicationLoadBalancerTarget{svc},
		HealthCheck: &elbv2.HealthCheck{
			Path:                    jsii.String(p.HealthCheckPath),
			HealthyHttpCodes:        jsii.String("200-399"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(3),
		},
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(30)),
	})
	route.TargetGroup = tg
	rules := p.LoadBalancer.AddRoute(this, "Rule", &route)

	scaling := svc.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{MinCapacity: jsii.Number(float64(p.MinCount)), MaxCapacity: jsii.Number(float64(p.MaxCount))})
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{TargetUtilizationPercent: jsii.Number(float64(p.CpuTarget))})
	scaling.ScaleOnRequestCount(jsii.String("Requests"), &awsecs.RequestCountScalingProps{RequestsPerTarget: jsii.Number(float64(p.RequestsPerTarget)), TargetGroup: tg})
	suppressFindings(task)
	return &service{Construct: this, svc: svc, tg: tg, sg: sg, rules: rules}
}

// suppressFindings records the cdk-nag findings of a service's task definition that are
// accepted, with the reason. The task role's policy is written later by other constructs'
// grants (tables, secrets), so its suppressions are applied at synth.
func suppressFindings(task awsecs.FargateTaskDefinition) {
	security.Suppress(task, "The environment holds configuration only (tier, tenant, table name, Redis host, the ARN of the "+
		"Redis user's secret); secrets are read from Secrets Manager at run time and never appear in the task definition.",
		"AwsSolutions-ECS2")
	if role := task.ExecutionRole(); role != nil {
		security.Suppress(role, "The execution role's inline policy is the CDK's grant to pull this image and write to this "+
			"service's log group.", security.InlinePolicy...)
		security.SuppressFindings(role, "ecr:GetAuthorizationToken has no resource-level permissions; the image pull "+
			"itself is granted on the one repository.", "AwsSolutions-IAM5", "Resource::*")
	}
	role := task.TaskRole()
	security.SuppressAtSynth(role, "The task role's inline policy holds only the grants other constructs make to it "+
		"(its table, its Redis user secret), each on named resources.", security.InlinePolicy)
	security.SuppressAtSynth(role, "kms:GenerateDataKey* and kms:ReEncrypt* come from the CDK's grant to use one named key "+
		"(the table's); the wildcards cover variants of those operations, on that key only.", []string{"AwsSolutions-IAM5"},
		"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*")
}

// image references a registry image; ECR images are referenced as repositories so the
// execution role gets pull permissions, never built at synth time.
func image(scope constructs.Construct, uri string) awsecs.ContainerImage {
	m := ecrImageRE.FindStringSubmatch(uri)
	if m == nil {
		return awsecs.ContainerImage_FromRegistry(jsii.String(uri), nil)
	}
	repo := awsecr.Repository_FromRepositoryAttributes(scope, jsii.String("Repository"), &awsecr.RepositoryAttributes{
		RepositoryName: jsii.String(m[3]),
		RepositoryArn:  jsii.String(fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", m[2], m[1], m[3])),
	})
	tag := m[4]
	if m[5] != "" {
		tag = m[5]
	}
	return awsecs.ContainerImage_FromEcrRepository(repo, jsii.String(tag))
}
