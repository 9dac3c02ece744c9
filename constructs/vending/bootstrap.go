package vending

import (
	"encoding/json"
	"fmt"
)

const (
	// Qualifier is the CDK bootstrap qualifier the app's stack synthesizer expects (the
	// default one).
	Qualifier = "hnb659fds"
	// BootstrapVersion is the bootstrap version the template provides: that of the CDK CLI
	// pinned in package.json (aws-cdk 2.1148.x ships bootstrap template version 33). Stacks
	// synthesized by the app require at least 6.
	BootstrapVersion = "33"
	// VersionParameter is the SSM parameter stacks read the bootstrap version from.
	VersionParameter = "/cdk-bootstrap/" + Qualifier + "/version"
)

// RoleName returns the name CDK's modern synthesizer uses for bootstrap role kind ("deploy",
// "file-publishing", "image-publishing", "lookup", "cfn-exec") in account and region.
func RoleName(kind, account, region string) string {
	return fmt.Sprintf("cdk-%s-%s-role-%s-%s", Qualifier, kind, account, region)
}

// BootstrapTemplateProps configures BootstrapTemplate.
type BootstrapTemplateProps struct {
	// TrustedAccount is the pipeline (platform) account that may assume the deploy,
	// publishing and lookup roles. Required.
	TrustedAccount string
	// LifecycleBusArn, when set, adds the lifecycle forwarder: a rule on the account's default
	// bus sending status changes of ForwardStackNamePrefix* stacks to this bus. Default: none.
	LifecycleBusArn string
	// ForwardStackNamePrefix selects the stacks the forwarder forwards. Default: "tenant-".
	ForwardStackNamePrefix string
	// ForwardStatuses are the stack statuses the forwarder forwards. Required with
	// LifecycleBusArn.
	ForwardStatuses []string
}

type obj = map[string]any

func sub(s string) obj { return obj{"Fn::Sub": s} }

// trust is the trust policy of a bootstrap role assumable by the account itself and by the
// trusted (pipeline) account, as `cdk bootstrap --trust` writes it.
func trust(trusted string) obj {
	principal := obj{"AWS": []any{sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"), sub("arn:${AWS::Partition}:iam::" + trusted + ":root")}}
	return obj{"Version": "2012-10-17", "Statement": []any{
		obj{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal},
		obj{"Effect": "Allow", "Action": "sts:TagSession", "Principal": principal},
	}}
}

func role(kind, trusted string, extra obj) obj {
	props := obj{
		"RoleName":                 sub("cdk-" + Qualifier + "-" + kind + "-role-${AWS::AccountId}-${AWS::Region}"),
		"AssumeRolePolicyDocument": trust(trusted),
		"Tags":                     []any{obj{"Key": "aws-cdk:bootstrap-role", "Value": kind}},
	}
	for k, v := range extra {
		props[k] = v
	}
	return obj{"Type": "AWS::IAM::Role", "Properties": props}
}

func policy(name string, roleRef string, statements ...any) obj {
	return obj{"Type": "AWS::IAM::Policy", "Properties": obj{
		"PolicyName":     sub("cdk-" + Qualifier + "-" + name + "-default-policy-${AWS::AccountId}-${AWS::Region}"),
		"Roles":          []any{obj{"Ref": roleRef}},
		"PolicyDocument": obj{"Version": "2012-10-17", "Statement": statements},
	}}
}

// BootstrapTemplate returns a compact CDK bootstrap template (JSON) that lets props'
// TrustedAccount deploy CDK apps into the account it is deployed in, the way
// `cdk bootstrap --trust <TrustedAccount>` does with the default qualifier. It is not a copy
// of the CLI's template: no parameters, no conditions, an AWS managed KMS key for the staging
// bucket (as `cdk bootstrap` does by default), only the resources `cdk deploy` needs.
func BootstrapTemplate(props BootstrapTemplateProps) string {
	if props.TrustedAccount == "" {
		panic("vending: BootstrapTemplate: TrustedAccount is required")
	}
	t := props.TrustedAccount
	bucketArn := "${StagingBucket.Arn}"
	resources := obj{
		"StagingBucket": obj{
			"Type":                "AWS::S3::Bucket",
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": obj{
				"BucketName": sub("cdk-" + Qualifier + "-assets-${AWS::AccountId}-${AWS::Region}"),
				"BucketEncryption": obj{"ServerSideEncryptionConfiguration": []any{
					obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": true},
				}},
				"PublicAccessBlockConfiguration": obj{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"OwnershipControls":       obj{"Rules": []any{obj{"ObjectOwnership": "BucketOwnerEnforced"}}},
				"VersioningConfiguration": obj{"Status": "Enabled"},
				"LifecycleConfiguration": obj{"Rules": []any{
					obj{"Id": "CleanupOldVersions", "Status": "Enabled", "NoncurrentVersionExpiration": obj{"NoncurrentDays": 30}},
					obj{"Id": "AbortIncompleteMultipartUploads", "Status": "Enabled", "AbortIncompleteMultipartUpload": obj{"DaysAfterInitiation": 1}},
				}},
			},
		},
		"StagingBucketPolicy": obj{
			"Type": "AWS::S3::BucketPolicy",
			"Properties": obj{
				"Bucket": obj{"Ref": "StagingBucket"},
				"PolicyDocument": obj{"Version": "2012-10-17", "Statement": []any{obj{
					"Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
					"Resource":  []any{sub(bucketArn), sub(bucketArn + "/*")},
					"Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}},
				}}},
			},
		},
		"ContainerAssetsRepository": obj{
			"Type":                "AWS::ECR::Repository",
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": obj{
				"RepositoryName":             sub("cdk-" + Qualifier + "-container-assets-${AWS::AccountId}-${AWS::Region}"),
				"ImageTagMutability":         "IMMUTABLE",
				"ImageScanningConfiguration": obj{"ScanOnPush": true},
				"EncryptionConfiguration":    obj{"EncryptionType": "KMS"},
				"LifecyclePolicy":            obj{"LifecyclePolicyText": `{"rules":[{"rulePriority":1,"description":"Untagged images should not exist, but expire any older than one year","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":365},"action":{"type":"expire"}}]}`},
			},
		},
		"FilePublishingRole": role("file-publishing", t, nil),
		"FilePublishingRoleDefaultPolicy": policy("file-publishing-role", "FilePublishingRole",
			obj{
				"Effect":    "Allow",
				"Action":    []any{"s3:GetObject*", "s3:GetBucket*", "s3:GetEncryptionConfiguration", "s3:List*", "s3:DeleteObject*", "s3:PutObject*", "s3:Abort*"},
				"Resource":  []any{sub(bucketArn), sub(bucketArn + "/*")},
				"Condition": obj{"StringEquals": obj{"aws:ResourceAccount": sub("${AWS::AccountId}")}},
			},
		),
		"ImagePublishingRole": role("image-publishing", t, nil),
		"ImagePublishingRoleDefaultPolicy": policy("image-publishing-role", "ImagePublishingRole",
			obj{
				"Effect":   "Allow",
				"Action":   []any{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability", "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
				"Resource": sub("${ContainerAssetsRepository.Arn}"),
			},
			// GetAuthorizationToken has no resource-level permissions.
			obj{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
		),
		"LookupRole": role("lookup", t, obj{
			"ManagedPolicyArns": []any{sub("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess")},
			"Policies": []any{obj{"PolicyName": "LookupRolePolicy", "PolicyDocument": obj{"Version": "2012-10-17", "Statement": []any{
				obj{"Sid": "DontReadSecrets", "Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"},
			}}}},
		}),
		"DeploymentActionRole": role("deploy", t, obj{
			"ManagedPolicyArns": []any{sub("arn:${AWS::Partition}:iam::aws:policy/AWSCloudFormationReadOnlyAccess")},
			"Policies": []any{obj{"PolicyName": "default", "PolicyDocument": obj{"Version": "2012-10-17", "Statement": []any{
				obj{"Sid": "DeployPermissions", "Effect": "Allow", "Resource": "*", "Action": []any{
					"cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:ExecuteChangeSet",
					"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:RollbackStack",
					"cloudformation:ContinueUpdateRollback", "cloudformation:DeleteStack",
					"cloudformation:UpdateTerminationProtection", "sts:GetCallerIdentity",
				}},
				obj{"Sid": "PassExecutionRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": sub("${CloudFormationExecutionRole.Arn}")},
				obj{"Sid": "CliStagingBucket", "Effect": "Allow", "Action": []any{"s3:GetObject*", "s3:GetBucket*", "s3:List*"}, "Resource": []any{sub(bucketArn), sub(bucketArn + "/*")}},
				obj{"Sid": "ReadVersion", "Effect": "Allow", "Action": []any{"ssm:GetParameter", "ssm:GetParameters"},
					"Resource": sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter" + VersionParameter)},
			}}}},
		}),
		// The CloudFormation execution role creates whatever a tenant stack holds (VPCs, ECS,
		// IAM roles, DynamoDB, ElastiCache, CloudFront, WAF, Route 53, KMS ...). Listing those
		// actions would have to follow every construct change and would still need iam:* to
		// create the roles the stacks define, which is administrator in all but name. So, as
		// `cdk bootstrap` does by default, it gets AdministratorAccess; what bounds it is that
		// only CloudFormation can assume it (and only the deploy role may pass it), and that
		// only the pipeline account and the account itself can assume the deploy role.
		"CloudFormationExecutionRole": obj{
			"Type": "AWS::IAM::Role",
			"Properties": obj{
				"RoleName": sub("cdk-" + Qualifier + "-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"),
				"AssumeRolePolicyDocument": obj{"Version": "2012-10-17", "Statement": []any{
					obj{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": obj{"Service": "cloudformation.amazonaws.com"}},
				}},
				"ManagedPolicyArns": []any{sub("arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess")},
			},
		},
		"CdkBootstrapVersion": obj{
			"Type":       "AWS::SSM::Parameter",
			"Properties": obj{"Type": "String", "Name": VersionParameter, "Value": BootstrapVersion},
		},
	}
	if props.LifecycleBusArn != "" {
		if len(props.ForwardStatuses) == 0 {
			panic("vending: BootstrapTemplate: ForwardStatuses is required with LifecycleBusArn")
		}
		prefix := props.ForwardStackNamePrefix
		if prefix == "" {
			prefix = "tenant-"
		}
		resources["LifecycleForwarderRole"] = obj{
			"Type": "AWS::IAM::Role",
			"Properties": obj{
				"AssumeRolePolicyDocument": obj{"Version": "2012-10-17", "Statement": []any{
					obj{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": obj{"Service": "events.amazonaws.com"}},
				}},
				"Policies": []any{obj{"PolicyName": "PutLifecycleEvents", "PolicyDocument": obj{"Version": "2012-10-17", "Statement": []any{
					obj{"Effect": "Allow", "Action": "events:PutEvents", "Resource": props.LifecycleBusArn},
				}}}},
			},
		}
		resources["LifecycleForwarder"] = obj{
			"Type": "AWS::Events::Rule",
			"Properties": obj{
				"Description": "Forward status changes of " + prefix + "* stacks to the fleet's tenant lifecycle bus",
				"EventPattern": obj{
					"source":      []any{"aws.cloudformation"},
					"detail-type": []any{"CloudFormation Stack Status Change"},
					"detail": obj{
						"stack-id":       []any{obj{"wildcard": "arn:*:cloudformation:*:*:stack/" + prefix + "*"}},
						"status-details": obj{"status": props.ForwardStatuses},
					},
				},
				"State": "ENABLED",
				"Targets": []any{obj{
					"Id": "LifecycleBus", "Arn": props.LifecycleBusArn,
					"RoleArn": obj{"Fn::GetAtt": []any{"LifecycleForwarderRole", "Arn"}},
				}},
			},
		}
	}
	tpl := obj{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "Fleet bootstrap (CDK bootstrap version " + BootstrapVersion + ", qualifier " + Qualifier + "): lets account " + t + " deploy CDK apps here",
		"Resources":                resources,
		"Outputs": obj{
			"BucketName":          obj{"Value": obj{"Ref": "StagingBucket"}},
			"ImageRepositoryName": obj{"Value": obj{"Ref": "ContainerAssetsRepository"}},
			"BootstrapVersion":    obj{"Value": BootstrapVersion, "Description": "The version of the bootstrap resources in this stack"},
		},
	}
	out, err := json.Marshal(tpl) // map keys are sorted: the template is deterministic
	if err != nil {
		panic(err)
	}
	return string(out)
}
