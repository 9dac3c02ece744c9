package compute_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/compute"
	"github.com/fleetcdk/fleet/constructs/ingress"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

func newService(t *testing.T, mutate func(*compute.ServiceProps)) (awscdk.Stack, compute.Service) {
	t.Helper()
	stack := cdktest.Stack()
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"), NatGateways: jsii.Number(1)})
	cert := awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"), jsii.String("arn:aws:acm:eu-west-1:123456789012:certificate/abc"))
	lb := ingress.NewLoadBalancer(stack, "Ingress", &ingress.LoadBalancerProps{Vpc: vpc, Certificate: cert, OriginSecret: awscdk.SecretValue_UnsafePlainText(jsii.String("x"))})
	cluster := compute.NewCluster(stack, "Compute", &compute.ClusterProps{Vpc: vpc})
	props := &compute.ServiceProps{
		Cluster: cluster, Name: "doctor-api", Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/adhere/doctor-api:1.8.2",
		Port: 8080, HealthCheckPath: "/doctor/health", Cpu: 512, MemoryMiB: 1024, DesiredCount: 2, MinCount: 2, MaxCount: 10,
		LoadBalancer: lb, Route: &ingress.Route{Priority: 104, Hosts: []string{"acme.app.example.com"}, PathPrefix: "/doctor"},
		Environment: map[string]string{"FLEET_TENANT": "acme"},
	}
	if mutate != nil {
		mutate(props)
	}
	return stack, compute.NewService(stack, "DoctorApi", props)
}

func TestCluster_containerInsightsOn(t *testing.T) {
	stack, _ := newService(t, nil)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{
		"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enhanced"}},
	})
}

func TestService_circuitBreakerRollsBackAndExecIsOff(t *testing.T) {
	stack, _ := newService(t, nil)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"LaunchType":           "FARGATE",
		"DesiredCount":         2,
		"EnableExecuteCommand": false,
		"DeploymentConfiguration": map[string]any{
			"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
			"MinimumHealthyPercent":    100, "MaximumPercent": 200,
		},
		"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{"AssignPublicIp": "DISABLED"}},
	})
}

func TestService_execCanBeTurnedOn(t *testing.T) {
	stack, _ := newService(t, func(p *compute.ServiceProps) { p.EnableExec = true })
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{"EnableExecuteCommand": true})
}

func TestService_taskHasItsOwnRoleAndEncryptedLogsWithRetention(t *testing.T) {
	stack, _ := newService(t, nil)
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"Cpu": "512", "Memory": "1024", "RequiresCompatibilities": []any{"FARGATE"},
		"TaskRoleArn": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("^DoctorApiTaskTaskRole"))})},
		"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
			"Name": "doctor-api", "ReadonlyRootFilesystem": true,
			"Environment":      []any{map[string]any{"Name": "FLEET_TENANT", "Value": "acme"}},
			"LogConfiguration": assertions.Match_ObjectLike(&map[string]any{"LogDriver": "awslogs"}),
		})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"RetentionInDays": 365, "KmsKeyId": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
}

func TestService_ecrImageIsReferencedNotBuilt(t *testing.T) {
	stack, _ := newService(t, nil)
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
			"Image": assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_ArrayWith(&[]any{assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("/adhere/doctor-api:1.8.2$"))})})}),
		})},
	})
	// the execution role may pull from that repository only
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action":   []any{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
			"Resource": "arn:aws:ecr:eu-west-1:123456789012:repository/adhere/doctor-api",
		})})},
	})
}

func TestService_targetGroupHealthCheck(t *testing.T) {
	stack, _ := newService(t, nil)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), map[string]any{
		"TargetType": "ip", "Port": 8080, "Protocol": "HTTP",
		"HealthCheckPath": "/doctor/health", "Matcher": map[string]any{"HttpCode": "200-399"},
		"HealthCheckIntervalSeconds": 15,
	})
}

func TestService_autoscalesOnCpuAndRequestsPerTarget(t *testing.T) {
	stack, _ := newService(t, func(p *compute.ServiceProps) { p.RequestsPerTarget = 500 })
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{"MinCapacity": 2, "MaxCapacity": 10})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingScalingPolicyConfiguration": assertions.Match_ObjectLike(&map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}, "TargetValue": 60,
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": assertions.Match_ObjectLike(&map[string]any{
			"PredefinedMetricSpecification": assertions.Match_ObjectLike(&map[string]any{"PredefinedMetricType": "ALBRequestCountPerTarget"}), "TargetValue": 500,
		}),
	})
}

func TestService_securityGroupOpenOnlyToTheLoadBalancer(t *testing.T) {
	stack, _ := newService(t, nil)
	ingress := cdktest.Resources(stack, "AWS::EC2::SecurityGroupIngress")
	found := false
	for id, r := range ingress {
		p := r["Properties"].(map[string]any)
		if p["CidrIp"] != nil {
			t.Errorf("%s opens the service to a CIDR: %v", id, p["CidrIp"])
		}
		if fmt.Sprint(p["FromPort"]) == "8080" && strings.Contains(fmt.Sprint(p["SourceSecurityGroupId"]), "IngressSecurityGroup") {
			found = true
		}
	}
	if !found {
		t.Error("no ingress on 8080 from the load balancer's security group")
	}
}

func TestService_routeAttachedWithItsPriority(t *testing.T) {
	stack, svc := newService(t, nil)
	if svc.Rules() != 1 {
		t.Errorf("rules %d, want 1", svc.Rules())
	}
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), map[string]any{
		"Priority": 104,
		"Actions":  []any{assertions.Match_ObjectLike(&map[string]any{"Type": "forward"})},
	})
}

func TestNewService_rejectsMissingRoute(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "are required") {
			t.Fatalf("want a panic naming the required props, got %v", r)
		}
	}()
	newService(t, func(p *compute.ServiceProps) { p.Route = nil })
}
