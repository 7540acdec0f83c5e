//! The AWS behaviours eco rides out (docs/aws-behaviour.md), as the errors AWS documents for
//! them: each is found among its type's transient rules with the budget the document states,
//! and what looks like it but is final is not.

use std::time::Duration;

use eco_provider::{ErrorKind, OpError};

/// (type, AWS operation, code, message, budget in seconds; `None`: final, no rule).
const QUIRKS: &[(&str, &str, &str, &str, Option<u64>)] = &[
    ("lambda-function", "CreateFunction", "InvalidParameterValueException",
     "The role defined for the function cannot be assumed by Lambda.", Some(300)),
    ("lambda-function", "CreateFunction", "InvalidParameterValueException",
     "Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant. Please check your KMS key settings.", Some(300)),
    ("lambda-function", "CreateFunction", "InvalidParameterValueException",
     "The runtime parameter of nodejs8.10 is no longer supported", None),
    ("lambda-function", "UpdateFunctionConfiguration", "InvalidParameterValueException",
     "The provided execution role does not have permissions to call CreateNetworkInterface on EC2", Some(120)),
    ("lambda-function", "UpdateFunctionCode", "ResourceConflictException",
     "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:f", Some(300)),
    ("lambda-permission", "AddPermission", "ResourceConflictException",
     "The operation cannot be performed at this time. The resource's policy is being updated.", Some(300)),
    ("dynamodb-table", "UpdateContinuousBackups", "ContinuousBackupsUnavailableException",
     "Backups are being enabled for the table: t. Please retry later", Some(1200)),
    ("dynamodb-table", "CreateTable", "LimitExceededException",
     "Subscriber limit exceeded: Only 50 tables can be created, updated, or deleted simultaneously", Some(1200)),
    ("dynamodb-table", "CreateTable", "LimitExceededException",
     "The number of tables in the account exceeds the quota", None),
    ("dynamodb-table", "CreateTable", "ResourceInUseException",
     "table `t` is still being deleted; create it once it is gone", Some(600)),
    ("acm-certificate", "DeleteCertificate", "ResourceInUseException",
     "Certificate arn:aws:acm:us-east-1:123456789012:certificate/c is in use.", Some(1200)),
    ("cloudfront-distribution", "UpdateDistribution", "InvalidViewerCertificate",
     "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.", Some(60)),
    ("cloudfront-distribution", "DeleteDistribution", "DistributionNotDisabled",
     "The distribution you are trying to delete has not been disabled.", Some(600)),
    ("cloudfront-distribution", "DeleteDistribution", "PreconditionFailed",
     "The precondition given in one or more of the request-header fields evaluated to false.", Some(120)),
    ("cloudfront-distribution", "DeleteDistribution", "InvalidIfMatchVersion",
     "The If-Match version is missing or not valid for the resource.", Some(120)),
    ("acm-certificate", "ChangeResourceRecordSets", "PriorRequestNotComplete",
     "The request was rejected because Route 53 was still processing a prior request.", Some(300)),
    ("route53-record", "ChangeResourceRecordSets", "PriorRequestNotComplete",
     "The request was rejected because Route 53 was still processing a prior request.", Some(300)),
    ("route53-record", "ChangeResourceRecordSets", "Throttling", "Rate exceeded", Some(300)),
    ("s3-bucket", "PutBucketVersioning", "NoSuchBucket", "The specified bucket does not exist", Some(120)),
    ("s3-bucket", "PutPublicAccessBlock", "NoSuchBucket", "The specified bucket does not exist", Some(120)),
    ("iam-role", "DeleteRole", "DeleteConflict",
     "Cannot delete entity, must detach all policies first.", Some(120)),
    ("api-route", "CreateRoute", "ConflictException",
     "Unable to complete operation due to concurrent modification. Please try again later.", Some(300)),
    ("api-integration", "CreateIntegration", "ConflictException",
     "Unable to complete operation due to concurrent modification. Please try again later.", Some(300)),
    ("api-stage", "CreateStage", "ConflictException",
     "Unable to complete operation due to concurrent modification. Please try again later.", Some(300)),
    ("api-route", "CreateRoute", "ConflictException", "Route with key GET /x already exists", None),
    ("cognito-user-pool", "UpdateUserPool", "InvalidParameterException", "x", None),
];

#[test]
fn every_documented_quirk_has_its_rule_and_budget() {
    let providers = crate::providers(&crate::aws::offline());
    for &(ty, op, code, message, budget) in QUIRKS {
        let provider = providers.get(ty).unwrap_or_else(|| panic!("no type {ty}"));
        let error =
            OpError::new(op, ErrorKind::Other, format!("{code}: {message}")).with_code(code);
        let rule = eco_provider::transient::find(provider.transient(), &error);
        assert_eq!(
            rule.map(|r| r.budget),
            budget.map(Duration::from_secs),
            "{ty} {op} {code}: {message}"
        );
    }
}

#[test]
fn writes_that_aws_serializes_share_a_lane_per_parent() {
    use eco_provider::{values::s, Attrs};
    let providers = crate::providers(&crate::aws::offline());
    let lane = |ty: &str, attrs: &[(&str, &str)]| {
        let attrs: Attrs = attrs.iter().map(|(k, v)| (k.to_string(), s(v))).collect();
        providers[ty].lane(&attrs)
    };
    // One API: its routes, integrations, authorizers and stages share one lane.
    let api = lane("api-route", &[("api", "a1"), ("route-key", "GET /")]);
    assert!(api.is_some());
    for ty in ["api-integration", "api-authorizer", "api-stage"] {
        assert_eq!(lane(ty, &[("api", "a1")]), api, "{ty}");
    }
    assert_ne!(lane("api-route", &[("api", "a2")]), api);
    // One function's policy, whether named by name, name:qualifier or ARN.
    let f = lane("lambda-permission", &[("function", "f")]);
    assert!(f.is_some());
    assert_eq!(lane("lambda-permission", &[("function", "f:live")]), f);
    assert_eq!(
        lane(
            "lambda-permission",
            &[(
                "function",
                "arn:aws:lambda:us-east-1:123456789012:function:f"
            )]
        ),
        f
    );
    assert_ne!(lane("lambda-permission", &[("function", "g")]), f);
    // Route53: one zone's batches.
    assert_eq!(
        lane("route53-record", &[("zone", "/hostedzone/Z1")]),
        lane("route53-record", &[("zone", "Z1")])
    );
    // Types AWS does not serialize have no lane.
    assert_eq!(lane("s3-bucket", &[("bucket", "b")]), None);
}
