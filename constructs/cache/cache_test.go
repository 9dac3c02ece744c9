package cache_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/cache"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

// vpc is a VPC with public, private and isolated subnets, like network.Network's.
func vpc(stack awscdk.Stack) awsec2.Vpc {
	return awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		NatGateways:       jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("public"), SubnetType: awsec2.SubnetType_PUBLIC},
			{Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
			{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
}

func newGroup(props cache.ReplicationGroupProps) (awscdk.Stack, awsec2.Vpc, cache.ReplicationGroup) {
	stack := cdktest.Stack()
	v := vpc(stack)
	props.Vpc = v
	if props.Name == "" {
		props.Name = "stg-euw1-a"
	}
	return stack, v, cache.NewReplicationGroup(stack, "Cache", &props)
}

const rgType = "AWS::ElastiCache::ReplicationGroup"

func TestReplicationGroup_encryptedAtRestWithRotatingKMSKey(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tpl.HasResourceProperties(jsii.String(rgType), map[string]any{
		"AtRestEncryptionEnabled": true,
		"KmsKeyId":                map[string]any{"Fn::GetAtt": []any{"CacheKeyCDF9DE27", "Arn"}},
	})
}

func TestReplicationGroup_requiresTLS(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{})
	cdktest.Template(stack).HasResourceProperties(jsii.String(rgType), map[string]any{
		"TransitEncryptionEnabled": true,
		"TransitEncryptionMode":    "required",
	})
}

func TestReplicationGroup_defaultsToOneNodeWithoutFailover(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{})
	cdktest.Template(stack).HasResourceProperties(jsii.String(rgType), map[string]any{
		"Engine":                   "redis",
		"EngineVersion":            "7.1",
		"CacheNodeType":            "cache.t4g.small",
		"NumCacheClusters":         1,
		"MultiAZEnabled":           false,
		"AutomaticFailoverEnabled": false,
		"AutoMinorVersionUpgrade":  true,
		"Port":                     6379,
	})
}

func TestReplicationGroup_multiAZTurnsOnFailoverWithAReplica(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{MultiAZ: true})
	cdktest.Template(stack).HasResourceProperties(jsii.String(rgType), map[string]any{
		"NumCacheClusters":         2,
		"MultiAZEnabled":           true,
		"AutomaticFailoverEnabled": true,
	})
}

func TestReplicationGroup_replicasAddNodes(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{MultiAZ: true, Replicas: 2, NodeType: "cache.r7g.large", EngineVersion: "7.0"})
	cdktest.Template(stack).HasResourceProperties(jsii.String(rgType), map[string]any{
		"NumCacheClusters": 3,
		"CacheNodeType":    "cache.r7g.large",
		"EngineVersion":    "7.0",
	})
}

func TestReplicationGroup_snapshotRetention(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{})
	cdktest.Template(stack).HasResourceProperties(jsii.String(rgType), map[string]any{"SnapshotRetentionLimit": 15})

	stack, _, _ = newGroup(cache.ReplicationGroupProps{SnapshotRetentionDays: 14})
	cdktest.Template(stack).HasResourceProperties(jsii.String(rgType), map[string]any{"SnapshotRetentionLimit": 14})
}

func TestReplicationGroup_snapshotOnDeletionAndKeyRetained(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{})
	tpl := cdktest.Template(stack)
	tpl.HasResource(jsii.String(rgType), map[string]any{"DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot"})
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{"DeletionPolicy": "Retain"})
	tpl.AllResources(jsii.String("AWS::SecretsManager::Secret"), map[string]any{"DeletionPolicy": "Retain"})
}

func TestReplicationGroup_destroyPolicyReachesKeyAndSecrets(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	tpl := cdktest.Template(stack)
	tpl.HasResource(jsii.String(rgType), map[string]any{"DeletionPolicy": "Delete"})
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{"DeletionPolicy": "Delete"})
	tpl.AllResources(jsii.String("AWS::SecretsManager::Secret"), map[string]any{"DeletionPolicy": "Delete"})
}

func TestReplicationGroup_subnetGroupOnIsolatedSubnetsOnly(t *testing.T) {
	stack, v, _ := newGroup(cache.ReplicationGroupProps{})
	var isolated []any
	for _, s := range *v.IsolatedSubnets() {
		isolated = append(isolated, stack.Resolve(s.SubnetId()))
	}
	if len(isolated) != 2 {
		t.Fatalf("test VPC has %d isolated subnets, want 2", len(isolated))
	}
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::SubnetGroup"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::SubnetGroup"), map[string]any{
		"SubnetIds": assertions.Match_ArrayEquals(&isolated),
	})
	tpl.HasResourceProperties(jsii.String(rgType), map[string]any{
		"CacheSubnetGroupName": map[string]any{"Ref": "CacheSubnetGroup355C216D"},
	})
}

func TestReplicationGroup_userGroupHoldsDefaultServiceAndTenantUsers(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{Users: []string{"acme-health", "orbit-care"}})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::User"), jsii.Number(4))
	tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::UserGroup"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::UserGroup"), map[string]any{
		"Engine":      "redis",
		"UserGroupId": "stg-euw1-a",
		"UserIds":     []any{"stg-euw1-a-default", "stg-euw1-a-svc", "stg-euw1-a-t-acme-health", "stg-euw1-a-t-orbit-care"},
	})
	for _, u := range []map[string]any{
		{"UserId": "stg-euw1-a-default", "UserName": "default", "AccessString": "off -@all"},
		{"UserId": "stg-euw1-a-svc", "UserName": "svc", "AccessString": "on ~* &* +@all -@dangerous"},
		{"UserId": "stg-euw1-a-t-acme-health", "UserName": "acme-health", "AccessString": "on ~acme-health:* &* +@all -@dangerous"},
		{"UserId": "stg-euw1-a-t-orbit-care", "UserName": "orbit-care", "AccessString": "on ~orbit-care:* &* +@all -@dangerous"},
	} {
		u["Engine"] = "redis"
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::User"), u)
	}
	tpl.HasResourceProperties(jsii.String(rgType), map[string]any{
		"UserGroupIds": []any{map[string]any{"Ref": "CacheUserGroup978A79CF"}},
	})
	// The group is created after its users, which it names by id rather than by Ref.
	tpl.HasResource(jsii.String("AWS::ElastiCache::UserGroup"), map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{"CacheDefaultUser47D483BA", "CacheTenantUseracmehealthBF06B912"}),
	})
}

func TestReplicationGroup_nameIsLowercased(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{Name: "STG-euw1-A"})
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::ElastiCache::User"), map[string]any{"UserId": "stg-euw1-a-svc"})
}

func TestReplicationGroup_userSecretsAreGeneratedAndKMSEncrypted(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{Users: []string{"acme-health"}})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(3))
	for _, name := range []string{"default", "svc", "acme-health"} {
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
			"KmsKeyId":     map[string]any{"Fn::GetAtt": []any{"CacheKeyCDF9DE27", "Arn"}},
			"SecretString": assertions.Match_Absent(),
			"GenerateSecretString": map[string]any{
				"SecretStringTemplate": fmt.Sprintf(`{"username":%q}`, name),
				"GenerateStringKey":    "password",
				"ExcludePunctuation":   true,
				"PasswordLength":       32,
			},
		})
	}
}

func TestReplicationGroup_passwordsAreDynamicReferences(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{Users: []string{"acme-health"}})
	users := cdktest.Resources(stack, "AWS::ElastiCache::User")
	if len(users) != 3 {
		t.Fatalf("got %d users, want 3", len(users))
	}
	for id, u := range users {
		props := u["Properties"].(map[string]any)
		pw, _ := props["Passwords"].([]any)
		if len(pw) != 1 {
			t.Fatalf("%s: got %d passwords, want 1", id, len(pw))
		}
		if _, literal := pw[0].(string); literal {
			t.Errorf("%s: password is a literal string %q", id, pw[0])
		}
		// The user's own secret: CacheDefaultUser47D483BA reads CacheDefaultUserSecret<hash>.
		ownSecret := fmt.Sprintf(`{"Ref":"%sSecret`, id[:len(id)-8])
		ref, _ := json.Marshal(pw[0])
		if !strings.Contains(string(ref), `"{{resolve:secretsmanager:"`) || !strings.Contains(string(ref), `":SecretString:password::}}"`) || !strings.Contains(string(ref), ownSecret) {
			t.Errorf("%s: password %s is not a dynamic reference to the password of %s...}", id, ref, ownSecret)
		}
	}
}

func TestReplicationGroup_securityGroupHasNoIngressByDefault(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(0))
	tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
		"GroupDescription":     "Redis replication group stg-euw1-a",
		"SecurityGroupIngress": assertions.Match_Absent(),
		// allowAllOutbound false: CDK's placeholder rule that matches no traffic.
		"SecurityGroupEgress": []any{map[string]any{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}},
	})
	tpl.HasResourceProperties(jsii.String(rgType), map[string]any{
		"SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{"CacheSecurityGroup79A9F160", "GroupId"}}},
	})
}

func TestReplicationGroup_allowDefaultPortFromAddsIngressOn6379(t *testing.T) {
	stack, v, rg := newGroup(cache.ReplicationGroupProps{})
	svc := awsec2.NewSecurityGroup(stack, jsii.String("Service"), &awsec2.SecurityGroupProps{Vpc: v})
	rg.Connections().AllowDefaultPortFrom(svc, jsii.String("service to redis"))
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]any{
		"IpProtocol":            "tcp",
		"FromPort":              6379,
		"ToPort":                6379,
		"GroupId":               map[string]any{"Fn::GetAtt": []any{"CacheSecurityGroup79A9F160", "GroupId"}},
		"SourceSecurityGroupId": map[string]any{"Fn::GetAtt": []any{"ServiceDBC79909", "GroupId"}},
	})
}

func TestReplicationGroup_attributes(t *testing.T) {
	stack, _, rg := newGroup(cache.ReplicationGroupProps{Users: []string{"acme-health"}})
	if got, want := stack.Resolve(rg.PrimaryEndpoint()), (map[string]any{"Fn::GetAtt": []any{"Cache18F6EE16", "PrimaryEndPoint.Address"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("PrimaryEndpoint() = %v, want %v", got, want)
	}
	if rg.Port() != 6379 {
		t.Errorf("Port() = %v, want 6379", rg.Port())
	}
	if got, want := stack.Resolve(rg.ServiceUserSecret().SecretArn()), (map[string]any{"Ref": "CacheServiceUserSecret92BED16B"}); !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceUserSecret() = %v, want %v", got, want)
	}
	if got, want := stack.Resolve(rg.UserSecret("acme-health").SecretArn()), (map[string]any{"Ref": "CacheTenantUseracmehealthSecret1663DA14"}); !reflect.DeepEqual(got, want) {
		t.Errorf("UserSecret(acme-health) = %v, want %v", got, want)
	}
}

func TestReplicationGroup_userSecretRejectsUnknownTenant(t *testing.T) {
	_, _, rg := newGroup(cache.ReplicationGroupProps{Users: []string{"acme-health"}})
	cdktest.MustPanic(t, `cache: no user for tenant "orbit-care"`, func() { rg.UserSecret("orbit-care") })
}

// Replacing any of these loses data (the replication group, the key, the secrets) or fails on
// a fixed name (users, user group), so their logical ids are part of the contract.
func TestReplicationGroup_logicalIDsArePinned(t *testing.T) {
	stack, _, _ := newGroup(cache.ReplicationGroupProps{Users: []string{"acme-health"}})
	for typ, want := range map[string][]string{
		rgType:                          {"Cache18F6EE16"},
		"AWS::KMS::Key":                 {"CacheKeyCDF9DE27"},
		"AWS::ElastiCache::SubnetGroup": {"CacheSubnetGroup355C216D"},
		"AWS::ElastiCache::UserGroup":   {"CacheUserGroup978A79CF"},
		"AWS::ElastiCache::User":        {"CacheDefaultUser47D483BA", "CacheServiceUserCFA9D687", "CacheTenantUseracmehealthBF06B912"},
		"AWS::SecretsManager::Secret":   {"CacheDefaultUserSecret1DA60DDC", "CacheServiceUserSecret92BED16B", "CacheTenantUseracmehealthSecret1663DA14"},
		"AWS::EC2::SecurityGroup":       {"CacheSecurityGroup79A9F160"},
	} {
		var got []string
		for id := range cdktest.Resources(stack, typ) {
			got = append(got, id)
		}
		if !cdktest.SameSet(got, want) {
			t.Errorf("%s logical ids = %v, want %v", typ, got, want)
		}
	}
}

func TestNewReplicationGroup_rejectsBadProps(t *testing.T) {
	tooMany := make([]string, 99)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("t%d", i)
	}
	for _, tc := range []struct {
		name  string
		props func(awsec2.IVpc) *cache.ReplicationGroupProps
		want  string
	}{
		{"nil props", func(awsec2.IVpc) *cache.ReplicationGroupProps { return nil }, "cache: props.Vpc is required"},
		{"missing vpc", func(awsec2.IVpc) *cache.ReplicationGroupProps { return &cache.ReplicationGroupProps{Name: "stg"} }, "cache: props.Vpc is required"},
		{"missing name", func(v awsec2.IVpc) *cache.ReplicationGroupProps { return &cache.ReplicationGroupProps{Vpc: v} }, "cache: props.Name is required"},
		{"name with underscore", func(v awsec2.IVpc) *cache.ReplicationGroupProps {
			return &cache.ReplicationGroupProps{Vpc: v, Name: "stg_euw1"}
		}, `cache: props.Name "stg_euw1"`},
		{"name starting with a digit", func(v awsec2.IVpc) *cache.ReplicationGroupProps {
			return &cache.ReplicationGroupProps{Vpc: v, Name: "1stg"}
		}, `cache: props.Name "1stg"`},
		{"more than 100 users", func(v awsec2.IVpc) *cache.ReplicationGroupProps {
			return &cache.ReplicationGroupProps{Vpc: v, Name: "stg", Users: tooMany}
		}, "cache: 101 users (default, svc and 99 tenants) exceed the 100 users"},
		{"duplicate tenant", func(v awsec2.IVpc) *cache.ReplicationGroupProps {
			return &cache.ReplicationGroupProps{Vpc: v, Name: "stg", Users: []string{"acme", "acme"}}
		}, `cache: props.Users: tenant id "acme" is listed twice`},
		{"tenant with a wildcard", func(v awsec2.IVpc) *cache.ReplicationGroupProps {
			return &cache.ReplicationGroupProps{Vpc: v, Name: "stg", Users: []string{"acme*"}}
		}, `cache: props.Users: tenant id "acme*"`},
		{"too many replicas", func(v awsec2.IVpc) *cache.ReplicationGroupProps {
			return &cache.ReplicationGroupProps{Vpc: v, Name: "stg", Replicas: 6}
		}, "cache: props.Replicas must be 0 to 5; got 6"},
		{"snapshot retention beyond 35 days", func(v awsec2.IVpc) *cache.ReplicationGroupProps {
			return &cache.ReplicationGroupProps{Vpc: v, Name: "stg", SnapshotRetentionDays: 36}
		}, "cache: props.SnapshotRetentionDays must be 1 to 35; got 36"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := cdktest.Stack()
			props := tc.props(vpc(stack))
			cdktest.MustPanic(t, tc.want, func() { cache.NewReplicationGroup(stack, "Cache", props) })
		})
	}
}

func TestNewReplicationGroup_acceptsNinetyEightTenants(t *testing.T) {
	tenants := make([]string, 98)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("t%d", i)
	}
	newGroup(cache.ReplicationGroupProps{Users: tenants})
}
