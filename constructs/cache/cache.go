package cache

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/limits"
	"github.com/fleetcdk/fleet/security"
)

const (
	// port is the Redis port the replication group listens on.
	port = 6379
	// limits.RedisUsers.Max is the ElastiCache quota of users in one user group.
	// maxReplicas is the most read replicas a non-clustered replication group can have.
	maxReplicas = 5
	// maxSnapshotRetentionDays is the longest automatic snapshot retention ElastiCache allows.
	maxSnapshotRetentionDays = 35
	// defaultSnapshotRetentionDays is the least retention the HIPAA and NIST 800-53 checks accept.
	defaultSnapshotRetentionDays = 15

	serviceUserName = "svc"
	// tenantAccess lets a tenant's user touch only its own keys and channels.
	tenantAccess = "on ~%s:* &* +@all -@dangerous"
	// serviceAccess is for the pooled services, which prefix keys with the tenant id themselves.
	serviceAccess = "on ~* &* +@all -@dangerous"
	// defaultAccess disables the "default" user that every user group must hold.
	defaultAccess = "off -@all"
)

var (
	nameRE   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	tenantRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// ReplicationGroupProps configures a ReplicationGroup.
type ReplicationGroupProps struct {
	// Vpc holds the replication group, in its isolated subnets.
	Vpc awsec2.IVpc
	// Name prefixes the ElastiCache user ids and is the user group id, such as the cell id
	// "stg-euw1-a". Those ids are unique per account and region. Lowercase letters, digits and
	// single hyphens, starting with a letter.
	Name string
	// NodeType is the cache node type. Default: cache.t4g.small.
	NodeType string
	// MultiAZ places a replica in another zone and turns on automatic failover (production).
	// Default: false.
	MultiAZ bool
	// Replicas is the number of read replicas, 0 to 5. Default: 1 when MultiAZ, else 0.
	Replicas int
	// EngineVersion is the Redis OSS engine version. Default: "7.1".
	EngineVersion string
	// SnapshotRetentionDays is how many days automatic snapshots are kept, 1 to 35. Default: 15
	// (the HIPAA and NIST 800-53 minimum).
	SnapshotRetentionDays int
	// Users are the silo tenant ids that get a user of their own, limited to keys "<tenant>:*".
	// Default: none.
	Users []string
	// RemovalPolicy applies to the replication group. The KMS key and the user secrets are
	// retained unless it is DESTROY. Default: SNAPSHOT.
	RemovalPolicy awscdk.RemovalPolicy
}

// ReplicationGroup is an encrypted Redis OSS replication group with RBAC users.
type ReplicationGroup interface {
	constructs.Construct
	awsec2.IConnectable
	// PrimaryEndpoint is the host name of the primary node.
	PrimaryEndpoint() *string
	// Port is the port clients connect to, with TLS.
	Port() float64
	// ServiceUserSecret holds {"username": "svc", "password": ...} for the pooled services.
	ServiceUserSecret() awssecretsmanager.ISecret
	// UserSecret holds {"username": tenantID, "password": ...} for a tenant of props.Users. It
	// panics for any other tenant.
	UserSecret(tenantID string) awssecretsmanager.ISecret
}

type replicationGroup struct {
	constructs.Construct
	conns   awsec2.Connections
	rg      awselasticache.CfnReplicationGroup
	svc     awssecretsmanager.ISecret
	tenants map[string]awssecretsmanager.ISecret
}

func (r *replicationGroup) Connections() awsec2.Connections { return r.conns }
func (r *replicationGroup) PrimaryEndpoint() *string        { return r.rg.AttrPrimaryEndPointAddress() }
func (r *replicationGroup) Port() float64                   { return port }
func (r *replicationGroup) ServiceUserSecret() awssecretsmanager.ISecret {
	return r.svc
}

func (r *replicationGroup) UserSecret(tenantID string) awssecretsmanager.ISecret {
	s, ok := r.tenants[tenantID]
	if !ok {
		panic(fmt.Sprintf("cache: no user for tenant %q in %s; add it to props.Users", tenantID, *r.Node().Path()))
	}
	return s
}

// NewReplicationGroup defines an encrypted Redis replication group in the isolated subnets of
// props.Vpc, with a disabled default user, a "svc" user and one user per props.Users tenant.
func NewReplicationGroup(scope constructs.Construct, id string, props *ReplicationGroupProps) ReplicationGroup {
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))

	stateful := p.RemovalPolicy
	if stateful != awscdk.RemovalPolicy_DESTROY {
		// SNAPSHOT applies to the replication group only; its snapshots need the key.
		stateful = awscdk.RemovalPolicy_RETAIN
	}
	key := awskms.NewKey(this, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the " + p.Name + " Redis replication group and its user secrets"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     stateful,
	})
	security.DenyForeignGrants(key)

	sg := awsec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("Redis replication group " + p.Name),
		AllowAllOutbound: jsii.Bool(false),
	})
	conns := awsec2.NewConnections(&awsec2.ConnectionsProps{
		SecurityGroups: &[]awsec2.ISecurityGroup{sg},
		DefaultPort:    awsec2.Port_Tcp(jsii.Number(port)),
	})

	isolated := p.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED})
	var subnetIDs []any
	for _, s := range *isolated.SubnetIds {
		subnetIDs = append(subnetIDs, s)
	}
	subnets := awselasticache.NewCfnSubnetGroup(this, jsii.String("SubnetGroup"), &awselasticache.CfnSubnetGroupProps{
		Description: jsii.String("Isolated subnets of the " + p.Name + " Redis replication group"),
		SubnetIds:   &subnetIDs,
	})

	newUser := func(cid, userID, userName, access string) (awselasticache.CfnUser, awssecretsmanager.Secret) {
		template, err := json.Marshal(map[string]string{"username": userName})
		if err != nil {
			panic(err)
		}
		secret := awssecretsmanager.NewSecret(this, jsii.String(cid+"Secret"), &awssecretsmanager.SecretProps{
			Description:   jsii.String("Redis user " + userID),
			EncryptionKey: key,
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String(string(template)),
				GenerateStringKey:    jsii.String("password"),
				ExcludePunctuation:   jsii.Bool(true),
				PasswordLength:       jsii.Number(32),
			},
			RemovalPolicy: stateful,
		})
		user := awselasticache.NewCfnUser(this, jsii.String(cid), &awselasticache.CfnUserProps{
			Engine:       jsii.String("redis"),
			UserId:       jsii.String(userID),
			UserName:     jsii.String(userName),
			AccessString: jsii.String(access),
			// A {{resolve:secretsmanager:...}} dynamic reference: CloudFormation reads it at
			// deploy time, the template never holds the password. (Not AuthenticationMode: it is
			// untyped in CDK, which would render its keys in lower case.)
			Passwords: &[]*string{secret.SecretValueFromJson(jsii.String("password")).UnsafeUnwrap()},
		})
		return user, secret
	}

	defaultUser, _ := newUser("DefaultUser", p.Name+"-default", "default", defaultAccess)
	svcUser, svcSecret := newUser("ServiceUser", p.Name+"-"+serviceUserName, serviceUserName, serviceAccess)
	users := []awselasticache.CfnUser{defaultUser, svcUser}
	tenants := map[string]awssecretsmanager.ISecret{}
	for _, t := range p.Users {
		user, secret := newUser("TenantUser-"+t, p.Name+"-t-"+t, t, fmt.Sprintf(tenantAccess, t))
		users = append(users, user)
		tenants[t] = secret
	}

	userIDs := make([]*string, 0, len(users))
	for _, u := range users {
		userIDs = append(userIDs, u.UserId())
	}
	group := awselasticache.NewCfnUserGroup(this, jsii.String("UserGroup"), &awselasticache.CfnUserGroupProps{
		Engine:      jsii.String("redis"),
		UserGroupId: jsii.String(p.Name),
		UserIds:     &userIDs,
	})
	for _, u := range users {
		group.Node().AddDependency(u)
	}

	rg := awselasticache.NewCfnReplicationGroup(this, jsii.String("Resource"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("Redis of " + p.Name),
		Engine:                      jsii.String("redis"),
		EngineVersion:               jsii.String(p.EngineVersion),
		CacheNodeType:               jsii.String(p.NodeType),
		NumCacheClusters:            jsii.Number(float64(1 + p.Replicas)),
		MultiAzEnabled:              jsii.Bool(p.MultiAZ),
		AutomaticFailoverEnabled:    jsii.Bool(p.MultiAZ),
		CacheSubnetGroupName:        subnets.Ref(),
		SecurityGroupIds:            jsii.Strings(*sg.SecurityGroupId()),
		Port:                        jsii.Number(port),
		AtRestEncryptionEnabled:     jsii.Bool(true),
		KmsKeyId:                    key.KeyArn(),
		TransitEncryptionEnabled:    jsii.Bool(true),
		TransitEncryptionMode:       jsii.String("required"),
		UserGroupIds:                &[]*string{group.Ref()},
		SnapshotRetentionLimit:      jsii.Number(float64(p.SnapshotRetentionDays)),
		AutoMinorVersionUpgrade:     jsii.Bool(true),
	})
	rg.ApplyRemovalPolicy(p.RemovalPolicy, nil)

	security.Suppress(this, "Redis users authenticate with RBAC (a user group with the default user off and one user per "+
		"service or silo tenant), which replaces the AUTH token the rule looks for.", "AwsSolutions-AEC6")
	security.Suppress(rg, "The port is not a control: only the security groups of the cell's services reach it, "+
		"over TLS, as an RBAC user. Clients find Redis on its standard port.", "AwsSolutions-AEC5")
	if !p.MultiAZ {
		security.Suppress(rg, "A single node outside production (MultiAZ is set for production environments); "+
			"the data is a cache.", "AwsSolutions-AEC4")
	}
	security.Suppress(this, "Redis user passwords are generated into Secrets Manager and set on the ElastiCache user "+
		"by a dynamic reference at deploy; rotation needs a rotation function that also updates the ElastiCache "+
		"user, which is not built yet (SECURITY.md, accepted risk). The default user is disabled.", security.SecretRotation...)

	return &replicationGroup{Construct: this, conns: conns, rg: rg, svc: svcSecret, tenants: tenants}
}

// withDefaults validates props and returns a copy with the defaults filled in.
func withDefaults(props *ReplicationGroupProps) ReplicationGroupProps {
	if props == nil || props.Vpc == nil {
		panic("cache: props.Vpc is required")
	}
	if props.Name == "" {
		panic("cache: props.Name is required (the prefix of the ElastiCache user ids, such as the cell id)")
	}
	p := *props
	p.Name = strings.ToLower(p.Name)
	if !nameRE.MatchString(p.Name) {
		panic(fmt.Sprintf("cache: props.Name %q must be letters, digits and single hyphens, starting with a letter", props.Name))
	}
	if p.NodeType == "" {
		p.NodeType = "cache.t4g.small"
	}
	if p.EngineVersion == "" {
		p.EngineVersion = "7.1"
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_SNAPSHOT
	}
	if p.Replicas < 0 || p.Replicas > maxReplicas {
		panic(fmt.Sprintf("cache: props.Replicas must be 0 to %d; got %d", maxReplicas, p.Replicas))
	}
	if p.Replicas == 0 && p.MultiAZ {
		p.Replicas = 1
	}
	if p.SnapshotRetentionDays == 0 {
		p.SnapshotRetentionDays = defaultSnapshotRetentionDays
	}
	if p.SnapshotRetentionDays < 0 || p.SnapshotRetentionDays > maxSnapshotRetentionDays {
		panic(fmt.Sprintf("cache: props.SnapshotRetentionDays must be 1 to %d; got %d", maxSnapshotRetentionDays, p.SnapshotRetentionDays))
	}
	// The user group holds "default" and "svc" besides the tenants.
	if n := len(props.Users) + 2; n > limits.RedisUsers.Max {
		panic(fmt.Sprintf("cache: %d users (default, svc and %d tenants) exceed the %d users of an ElastiCache user group; split the tenants over more cells",
			n, len(props.Users), limits.RedisUsers.Max))
	}
	p.Users = make([]string, 0, len(props.Users))
	seen := map[string]bool{}
	for _, t := range props.Users {
		if !tenantRE.MatchString(t) {
			panic(fmt.Sprintf("cache: props.Users: tenant id %q must be lowercase letters, digits and single hyphens", t))
		}
		if seen[t] {
			panic(fmt.Sprintf("cache: props.Users: tenant id %q is listed twice", t))
		}
		seen[t] = true
		p.Users = append(p.Users, t)
	}
	return p
}
