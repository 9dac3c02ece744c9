package ingress_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/ingress"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

func newLB(t *testing.T, prod bool) (awscdk.Stack, ingress.LoadBalancer, awsec2.IVpc) {
	t.Helper()
	stack := cdktest.Stack()
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"), NatGateways: jsii.Number(0)})
	cert := awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"), jsii.String("arn:aws:acm:eu-west-1:123456789012:certificate/abc"))
	lb := ingress.NewLoadBalancer(stack, "Ingress", &ingress.LoadBalancerProps{
		Vpc: vpc, Certificate: cert, OriginSecret: awscdk.SecretValue_UnsafePlainText(jsii.String("s3cr3t-origin")), DeletionProtection: prod,
	})
	return stack, lb, vpc
}

func targetGroup(stack awscdk.Stack, vpc awsec2.IVpc, id string) elbv2.IApplicationTargetGroup {
	return elbv2.NewApplicationTargetGroup(stack, jsii.String(id), &elbv2.ApplicationTargetGroupProps{Vpc: vpc, Port: jsii.Number(80), TargetType: elbv2.TargetType_IP})
}

func TestLoadBalancer_httpsListenerWithModernTLSAndDefault403(t *testing.T) {
	stack, _, _ := newLB(t, false)
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
		"Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
		"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "403", "ContentType": "text/plain", "MessageBody": "Forbidden"}}},
	})
}

func TestLoadBalancer_listensOnHTTPSOnly(t *testing.T) {
	stack, _, _ := newLB(t, false)
	// CloudFront connects over HTTPS only and the security group admits 443 only: a port 80
	// listener would be an unreachable, unencrypted listener.
	cdktest.Template(stack).ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), jsii.Number(1))
}

func TestLoadBalancer_admitsOnlyTheCloudFrontPrefixList(t *testing.T) {
	stack, _, _ := newLB(t, false)
	tpl := cdktest.Template(stack)
	// The only ingress is 443 from the prefix list, resolved at deploy time by name.
	tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]any{
		"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
		"SourcePrefixListId": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"PrefixLists.0.PrefixListId"})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
		"GroupDescription":     assertions.Match_StringLikeRegexp(jsii.String("CloudFront")),
		"SecurityGroupIngress": assertions.Match_Absent(),
		"SecurityGroupEgress":  assertions.Match_AnyValue(), // allowAllOutbound false: CDK writes a deny-all placeholder
	})
	tpl.HasResourceProperties(jsii.String("Custom::AWS"), map[string]any{
		"Create": assertions.Match_StringLikeRegexp(jsii.String("com.amazonaws.global.cloudfront.origin-facing")),
	})
	// Nothing open to the world.
	for id, r := range cdktest.Resources(stack, "AWS::EC2::SecurityGroup") {
		props, _ := r["Properties"].(map[string]any)
		for _, rule := range asList(props["SecurityGroupIngress"]) {
			if rule.(map[string]any)["CidrIp"] == "0.0.0.0/0" {
				t.Errorf("%s is open to 0.0.0.0/0", id)
			}
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func TestLoadBalancer_accessLogsAndHardening(t *testing.T) {
	stack, _, _ := newLB(t, true)
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
		"Scheme": "internet-facing",
		"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Key": "deletion_protection.enabled", "Value": "true"},
			map[string]any{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
			map[string]any{"Key": "access_logs.s3.enabled", "Value": "true"},
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
	})
	tpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{"DeletionPolicy": "Retain"})
}

func TestLoadBalancer_deletionProtectionOffOutsideProduction(t *testing.T) {
	stack, _, _ := newLB(t, false)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
		"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "deletion_protection.enabled", "Value": "false"}}),
	})
}

func TestAddRoute_requiresTheOriginHeaderHostAndPath(t *testing.T) {
	stack, lb, vpc := newLB(t, false)
	n := lb.AddRoute(stack, "Doctor", &ingress.Route{Priority: 104, Hosts: []string{"acme.app.example.com"}, PathPrefix: "/doctor", TargetGroup: targetGroup(stack, vpc, "Tg")})
	if n != 1 {
		t.Fatalf("rules: %d, want 1", n)
	}
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), map[string]any{
		"Priority": 104,
		"Conditions": []any{
			map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{"HttpHeaderName": "X-Origin-Verify", "Values": []any{"s3cr3t-origin"}}},
			map[string]any{"Field": "host-header", "HostHeaderConfig": map[string]any{"Values": []any{"acme.app.example.com"}}},
			map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/doctor", "/doctor/*"}}},
		},
	})
}

func TestAddRoute_splitsHostsOverRulesWithinFiveConditionValues(t *testing.T) {
	stack, lb, vpc := newLB(t, false)
	hosts := []string{"a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com"}
	n := lb.AddRoute(stack, "Api", &ingress.Route{Priority: 200, Hosts: hosts, PathPrefix: "/api", TargetGroup: targetGroup(stack, vpc, "Tg")})
	if n != 3 {
		t.Fatalf("5 hosts with a path need 3 rules of 2 hosts; got %d", n)
	}
	rules := cdktest.Resources(stack, "AWS::ElasticLoadBalancingV2::ListenerRule")
	var prios []string
	for _, r := range rules {
		props := r["Properties"].(map[string]any)
		prios = append(prios, fmt.Sprint(props["Priority"]))
		values := 0
		for _, c := range props["Conditions"].([]any) {
			for k, v := range c.(map[string]any) {
				if strings.HasSuffix(k, "Config") {
					values += len(v.(map[string]any)["Values"].([]any))
				}
			}
		}
		if values > 5 {
			t.Errorf("rule %v has %d condition values, over the quota of 5", props["Priority"], values)
		}
	}
	if got := strings.Join(sortStrings(prios), ","); got != "200,201,202" {
		t.Errorf("priorities %s, want 200,201,202", got)
	}
}

func TestAddRoute_rootPathHasNoPathCondition(t *testing.T) {
	stack, lb, vpc := newLB(t, false)
	lb.AddRoute(stack, "Web", &ingress.Route{Priority: 49000, PathPrefix: "/", TargetGroup: targetGroup(stack, vpc, "Tg")})
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), map[string]any{
		"Priority":   49000,
		"Conditions": []any{map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{"HttpHeaderName": "X-Origin-Verify", "Values": []any{"s3cr3t-origin"}}}},
	})
}

func TestAddRoute_rejectsPriorityOutOfRange(t *testing.T) {
	stack, lb, vpc := newLB(t, false)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "outside 1..50000") {
			t.Fatalf("want a priority range panic, got %v", r)
		}
	}()
	lb.AddRoute(stack, "Bad", &ingress.Route{Priority: 50001, PathPrefix: "/", TargetGroup: targetGroup(stack, vpc, "Tg")})
}

func TestNewLoadBalancer_rejectsMissingCertificate(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Certificate is required") {
			t.Fatalf("want a certificate panic, got %v", r)
		}
	}()
	stack := cdktest.Stack()
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b")})
	ingress.NewLoadBalancer(stack, "Ingress", &ingress.LoadBalancerProps{Vpc: vpc, OriginSecret: awscdk.SecretValue_UnsafePlainText(jsii.String("x"))})
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
