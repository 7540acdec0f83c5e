//! From a stack's resources to eco resources: which eco type each CloudFormation type becomes,
//! the import id it is read with (its physical id, or composed from the template's `Ref` /
//! `Fn::GetAtt` to its parents and their ids), the name its address gets (its logical id in
//! kebab-case, unique), and, for what has no eco type or whose id cannot be known, the reason.
//!
//! Pure: nothing here calls AWS. An id part that only a parent's live attributes give (an API's
//! root resource id, the deployment a stage points at) is an [`IdPart::Live`], which the caller
//! resolves from the resources it has read already (they come first in [`Adoption::adoptable`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::template::{references, Template};
use super::StackResource;

/// A piece of an import id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdPart {
    /// Known from the stack: a physical id, or a literal of the template.
    Text(String),
    /// An attribute of another adoptable's live resource (by its [`Adoptable::key`]), once read.
    Live { key: String, attr: String },
}

/// Where a Lambda function's code package is (its template's `Code.S3Bucket` / `S3Key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLocation {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
}

/// One eco resource a stack's resource becomes (a method with an integration becomes two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoptable {
    /// Unique among the adoption: the logical id, with `/integration` or `/stage` for the second
    /// eco resource of one stack resource.
    pub key: String,
    /// The stack resource's logical id.
    pub logical_id: String,
    /// Its CloudFormation type.
    pub cfn_type: String,
    /// The eco type it becomes.
    pub eco_type: &'static str,
    /// The name of its address (`TYPE.NAME`): the logical id in kebab-case, unique per type.
    pub name: String,
    /// Its import id, in pieces.
    pub import_id: Vec<IdPart>,
    /// The keys of the other adoptables its template properties reference (`Ref`,
    /// `Fn::GetAtt`, `Fn::Sub`); a second eco resource of one stack resource refers to the
    /// first.
    pub refers_to: Vec<String>,
    /// A Lambda function's code package, when the template names its S3 object.
    pub code: Option<CodeLocation>,
}

impl Adoptable {
    /// Its address, `TYPE.NAME`.
    pub fn address(&self) -> String {
        format!("{}.{}", self.eco_type, self.name)
    }
}

/// A stack resource eco does not adopt, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    /// Its logical id.
    pub logical_id: String,
    /// Its CloudFormation type.
    pub cfn_type: String,
    /// Why eco does not adopt it.
    pub reason: String,
}

/// What adopting a stack means: the eco resources, parents first, and what cannot be adopted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adoption {
    /// The eco resources, each after those its import id or references need.
    pub adoptable: Vec<Adoptable>,
    /// The stack resources eco does not adopt, with the reason.
    pub unmapped: Vec<Unmapped>,
}

impl Adoption {
    /// How many of the stack's resources eco adopts (a resource that becomes two counts once).
    pub fn adoptable_resources(&self) -> usize {
        self.adoptable
            .iter()
            .map(|a| a.logical_id.as_str())
            .collect::<HashSet<_>>()
            .len()
    }
}

/// The CloudFormation types eco adopts, the eco types they become, and where the import id comes
/// from (for docs/migrating-from-cloudformation.md and `eco discover -stacks`).
pub const MAPPED: &[(&str, &str, &str)] = &[
    ("AWS::S3::Bucket", "s3-bucket", "physical id (bucket name)"),
    (
        "AWS::DynamoDB::Table",
        "dynamodb-table",
        "physical id (table name)",
    ),
    ("AWS::IAM::Role", "iam-role", "physical id (role name)"),
    (
        "AWS::IAM::ManagedPolicy",
        "iam-policy",
        "physical id (policy ARN)",
    ),
    (
        "AWS::Lambda::Function",
        "lambda-function",
        "physical id (function name)",
    ),
    (
        "AWS::Lambda::Permission",
        "lambda-permission",
        "`FunctionName` / statement id (physical id)",
    ),
    (
        "AWS::Logs::LogGroup",
        "log-group",
        "physical id (log group name)",
    ),
    ("AWS::SQS::Queue", "sqs-queue", "physical id (queue URL)"),
    (
        "AWS::SSM::Parameter",
        "ssm-parameter",
        "physical id (parameter name)",
    ),
    (
        "AWS::SecretsManager::Secret",
        "secretsmanager-secret",
        "physical id (secret ARN)",
    ),
    (
        "AWS::Events::EventBus",
        "eventbridge-bus",
        "physical id (bus name)",
    ),
    (
        "AWS::ApiGateway::RestApi",
        "rest-api",
        "physical id (API id)",
    ),
    (
        "AWS::ApiGateway::Resource",
        "rest-resource",
        "`RestApiId` / physical id",
    ),
    (
        "AWS::ApiGateway::Method",
        "rest-method + rest-integration",
        "`RestApiId` / `ResourceId` / `HttpMethod`",
    ),
    (
        "AWS::ApiGateway::Deployment",
        "rest-deployment (+ rest-stage for `StageName`)",
        "`RestApiId` / physical id (or the stage's deployment)",
    ),
    (
        "AWS::ApiGateway::Stage",
        "rest-stage",
        "`RestApiId` / physical id (stage name)",
    ),
    (
        "AWS::ApiGateway::Authorizer",
        "rest-authorizer",
        "`RestApiId` / physical id",
    ),
    (
        "AWS::ApiGateway::DomainName",
        "rest-domain",
        "physical id (domain name)",
    ),
    (
        "AWS::ApiGateway::BasePathMapping",
        "rest-base-path-mapping",
        "`DomainName` / `BasePath` (`(none)` without one)",
    ),
    ("AWS::ApiGatewayV2::Api", "api", "physical id (API id)"),
    (
        "AWS::ApiGatewayV2::Integration",
        "api-integration",
        "`ApiId` / physical id",
    ),
    (
        "AWS::ApiGatewayV2::Route",
        "api-route",
        "`ApiId` / physical id",
    ),
    (
        "AWS::ApiGatewayV2::Stage",
        "api-stage",
        "`ApiId` / physical id (stage name)",
    ),
    (
        "AWS::ApiGatewayV2::Authorizer",
        "api-authorizer",
        "`ApiId` / physical id",
    ),
    (
        "AWS::ApiGatewayV2::DomainName",
        "api-domain",
        "physical id (domain name)",
    ),
    (
        "AWS::Cognito::UserPool",
        "cognito-user-pool",
        "physical id (pool id)",
    ),
    (
        "AWS::Cognito::UserPoolClient",
        "cognito-user-pool-client",
        "`UserPoolId` / physical id",
    ),
    (
        "AWS::Cognito::UserPoolDomain",
        "cognito-user-pool-domain",
        "physical id (domain)",
    ),
    (
        "AWS::Cognito::UserPoolGroup",
        "cognito-group",
        "`UserPoolId` / `GroupName`",
    ),
    (
        "AWS::CloudFront::Distribution",
        "cloudfront-distribution",
        "physical id (distribution id)",
    ),
    (
        "AWS::Route53::HostedZone",
        "route53-zone",
        "physical id (zone id)",
    ),
    (
        "AWS::Route53::RecordSet",
        "route53-record",
        "`HostedZoneId` / `Name` / `Type` (/ `SetIdentifier`)",
    ),
    (
        "AWS::CertificateManager::Certificate",
        "acm-certificate",
        "physical id (certificate ARN)",
    ),
    (
        "AWS::CodeBuild::Project",
        "codebuild-project",
        "physical id (project name)",
    ),
    (
        "AWS::CodePipeline::Pipeline",
        "codepipeline",
        "physical id (pipeline name)",
    ),
    (
        "AWS::S3::BucketPolicy",
        "s3-bucket-policy",
        "`Bucket` (bucket name)",
    ),
    (
        "AWS::Events::Rule",
        "eventbridge-rule",
        "physical id (`NAME`, or `BUS|NAME` as `BUS/NAME`)",
    ),
    ("AWS::SNS::Topic", "sns-topic", "physical id (topic ARN)"),
    (
        "AWS::SNS::Subscription",
        "sns-subscription",
        "physical id (subscription ARN)",
    ),
    (
        "AWS::Lambda::EventSourceMapping",
        "lambda-event-source-mapping",
        "physical id (mapping UUID)",
    ),
    (
        "AWS::Lambda::LayerVersion",
        "lambda-layer",
        "the layer name of the physical id (version ARN), else `LayerName`",
    ),
    (
        "AWS::Scheduler::Schedule",
        "scheduler-schedule",
        "`GroupName` / physical id (schedule name; the name alone in the default group)",
    ),
    (
        "AWS::CloudFront::CachePolicy",
        "cloudfront-cache-policy",
        "physical id (policy id)",
    ),
    (
        "AWS::CloudFront::OriginRequestPolicy",
        "cloudfront-origin-request-policy",
        "physical id (policy id)",
    ),
    (
        "AWS::CloudFront::ResponseHeadersPolicy",
        "cloudfront-response-headers-policy",
        "physical id (policy id)",
    ),
    (
        "AWS::CloudFront::Function",
        "cloudfront-function",
        "the function name of the physical id (function ARN), else `Name`",
    ),
    (
        "AWS::SES::EmailIdentity",
        "ses-email-identity",
        "physical id (the domain or email address)",
    ),
    (
        "AWS::ApiGateway::UsagePlan",
        "rest-usage-plan",
        "physical id (usage plan id)",
    ),
    (
        "AWS::ApiGateway::ApiKey",
        "rest-api-key",
        "physical id (API key id)",
    ),
    (
        "AWS::ApiGateway::UsagePlanKey",
        "rest-usage-plan-key",
        "`UsagePlanId` / `KeyId`",
    ),
];

/// CloudFormation types eco deliberately does not adopt, and why.
pub const NOT_MAPPED: &[(&str, &str)] = &[
    ("AWS::Lambda::Version", "a published version is immutable and not an eco resource: lambda-function `publish` publishes versions; the version stays when the stack is deleted with the retained template"),
    ("AWS::IAM::Policy", "an inline policy: importing the role it is attached to brings it in as the role's `inline-policy`"),
    ("AWS::IAM::RolePolicy", "an inline policy: importing its role brings it in as the role's `inline-policy`"),
    ("AWS::ApiGatewayV2::Deployment", "eco deploys an HTTP API through its api-stage (auto-deploy); a deployment is not an eco resource"),
    ("AWS::CloudFormation::Stack", "a nested stack: adopt it with its own `eco import -from-stack`"),
    ("AWS::CloudFormation::WaitCondition", "CloudFormation's own resource: nothing in AWS to adopt"),
    ("AWS::CloudFormation::WaitConditionHandle", "CloudFormation's own resource: nothing in AWS to adopt"),
    ("AWS::CloudFormation::CustomResource", "a custom resource is code CloudFormation runs on stack events; eco has no equivalent (adopt what it made by hand with `eco import`)"),
];

/// A logical id as an address name: kebab-case (`ApiGatewayRestApi` -> `api-gateway-rest-api`,
/// `IAMRole` -> `iam-role`), starting with a letter.
pub fn kebab(logical_id: &str) -> String {
    let chars: Vec<char> = logical_id.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('-') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_matches('-').to_string();
    if out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out
    } else {
        format!("r-{out}")
    }
}

/// One eco resource of a stack resource, before it is named.
struct Piece {
    suffix: Option<&'static str>,
    eco_type: &'static str,
    import_id: Vec<IdPart>,
}

fn piece(eco_type: &'static str, import_id: Vec<IdPart>) -> Piece {
    Piece {
        suffix: None,
        eco_type,
        import_id,
    }
}

/// What the mapping rules see of the stack.
struct Stack<'a> {
    template: &'a Template,
    physical: HashMap<&'a str, &'a str>,
    types: HashMap<&'a str, &'a str>,
}

impl Stack<'_> {
    /// A template value as an id part: a literal, a `Ref` (the target's physical id) or a
    /// `Fn::GetAtt` (the target's live attribute, in kebab-case).
    fn id(&self, props: &Value, property: &str) -> Result<IdPart, String> {
        match props.get(property) {
            None | Some(Value::Null) => Err(format!("its template sets no `{property}`")),
            Some(Value::String(s)) => Ok(IdPart::Text(s.clone())),
            Some(Value::Object(m)) if m.len() == 1 && m.contains_key("Ref") => {
                let target = m["Ref"].as_str().unwrap_or_default();
                self.physical
                    .get(target)
                    .map(|id| IdPart::Text(id.to_string()))
                    .ok_or_else(|| {
                        format!("its `{property}` is a Ref to `{target}`, which has no physical id")
                    })
            }
            Some(v) => match references(v).as_slice() {
                [(target, Some(attr))] if v.get("Fn::GetAtt").is_some() => Ok(IdPart::Live {
                    key: target.clone(),
                    attr: kebab(attr),
                }),
                _ => Err(format!(
                    "its `{property}` is computed by a function eco does not evaluate"
                )),
            },
        }
    }

    /// A function named by a template value (a name, an ARN, a `Ref` or a `Fn::GetAtt` to a
    /// function of the stack).
    fn function(&self, props: &Value, property: &str) -> Result<IdPart, String> {
        if let Some(v @ Value::Object(_)) = props.get(property) {
            if let [(target, _)] = references(v).as_slice() {
                if self.types.get(target.as_str()) == Some(&"AWS::Lambda::Function") {
                    if let Some(id) = self.physical.get(target.as_str()) {
                        return Ok(IdPart::Text(id.to_string()));
                    }
                }
            }
        }
        match self.id(props, property)? {
            IdPart::Text(t) => Ok(IdPart::Text(
                t.rsplit_once(":function:")
                    .map(|(_, name)| name.to_string())
                    .unwrap_or(t),
            )),
            live => Ok(live),
        }
    }
}

/// What follows `marker` in an ARN (`arn_name(":function/")` of a CloudFront function's ARN
/// is its name); `None` when the ARN has no such part.
fn arn_name(marker: &'static str) -> impl Fn(&str) -> Option<&str> {
    move |arn| {
        arn.starts_with("arn:")
            .then(|| arn.split_once(marker).map(|(_, rest)| rest))
            .flatten()
    }
}

fn text(s: &str) -> IdPart {
    IdPart::Text(s.to_string())
}

fn slash() -> IdPart {
    text("/")
}

/// The eco resources one stack resource becomes, or why it becomes none.
fn pieces(stack: &Stack, r: &StackResource, props: &Value) -> Result<Vec<Piece>, String> {
    let physical = || {
        r.physical_id
            .as_deref()
            .map(text)
            .ok_or_else(|| "CloudFormation reports no physical id for it".to_string())
    };
    let single = |eco_type| physical().map(|id| vec![piece(eco_type, vec![id])]);
    let child = |eco_type, parent: &str| -> Result<Vec<Piece>, String> {
        Ok(vec![piece(
            eco_type,
            vec![stack.id(props, parent)?, slash(), physical()?],
        )])
    };
    match r.cfn_type.as_str() {
        "AWS::S3::Bucket" => single("s3-bucket"),
        "AWS::DynamoDB::Table" => single("dynamodb-table"),
        "AWS::IAM::Role" => single("iam-role"),
        "AWS::IAM::ManagedPolicy" => single("iam-policy"),
        "AWS::Lambda::Function" => single("lambda-function"),
        "AWS::Logs::LogGroup" => single("log-group"),
        "AWS::SQS::Queue" => single("sqs-queue"),
        "AWS::SSM::Parameter" => single("ssm-parameter"),
        "AWS::SecretsManager::Secret" => single("secretsmanager-secret"),
        "AWS::Events::EventBus" => single("eventbridge-bus"),
        "AWS::ApiGateway::RestApi" => single("rest-api"),
        "AWS::ApiGateway::DomainName" => single("rest-domain"),
        "AWS::ApiGateway::BasePathMapping" => {
            let base_path = props.get("BasePath").and_then(Value::as_str);
            let base_path = base_path.filter(|p| !p.is_empty()).unwrap_or("(none)");
            Ok(vec![piece(
                "rest-base-path-mapping",
                vec![stack.id(props, "DomainName")?, slash(), text(base_path)],
            )])
        }
        "AWS::ApiGateway::UsagePlan" => single("rest-usage-plan"),
        "AWS::ApiGateway::ApiKey" => single("rest-api-key"),
        "AWS::ApiGateway::UsagePlanKey" => Ok(vec![piece(
            "rest-usage-plan-key",
            vec![
                stack.id(props, "UsagePlanId")?,
                slash(),
                stack.id(props, "KeyId")?,
            ],
        )]),
        "AWS::ApiGatewayV2::Api" => single("api"),
        "AWS::ApiGatewayV2::DomainName" => single("api-domain"),
        "AWS::Cognito::UserPool" => single("cognito-user-pool"),
        "AWS::Cognito::UserPoolDomain" => single("cognito-user-pool-domain"),
        "AWS::CloudFront::Distribution" => single("cloudfront-distribution"),
        "AWS::Route53::HostedZone" => single("route53-zone"),
        "AWS::CertificateManager::Certificate" => single("acm-certificate"),
        "AWS::CodeBuild::Project" => single("codebuild-project"),
        "AWS::CodePipeline::Pipeline" => single("codepipeline"),
        "AWS::SNS::Topic" => single("sns-topic"),
        "AWS::SNS::Subscription" => single("sns-subscription"),
        "AWS::Lambda::EventSourceMapping" => single("lambda-event-source-mapping"),
        "AWS::CloudFront::CachePolicy" => single("cloudfront-cache-policy"),
        "AWS::CloudFront::OriginRequestPolicy" => single("cloudfront-origin-request-policy"),
        "AWS::CloudFront::ResponseHeadersPolicy" => single("cloudfront-response-headers-policy"),
        "AWS::SES::EmailIdentity" => single("ses-email-identity"),
        // A layer version's physical id is its ARN, `arn:...:layer:NAME:VERSION`; eco's layer
        // is the name (its versions follow the source).
        "AWS::Lambda::LayerVersion" => {
            let id = match r.physical_id.as_deref().and_then(arn_name(":layer:")) {
                Some(name) => text(name.rsplit_once(':').map_or(name, |(name, _)| name)),
                None => stack.id(props, "LayerName")?,
            };
            Ok(vec![piece("lambda-layer", vec![id])])
        }
        // A function's physical id is its ARN, `arn:aws:cloudfront::ACCOUNT:function/NAME`.
        "AWS::CloudFront::Function" => {
            let id = match r.physical_id.as_deref() {
                Some(p) => text(arn_name(":function/")(p).unwrap_or(p)),
                None => stack.id(props, "Name")?,
            };
            Ok(vec![piece("cloudfront-function", vec![id])])
        }
        // A schedule's physical id is its name; outside the default group eco's id is
        // `GROUP/NAME`.
        "AWS::Scheduler::Schedule" => {
            let name = physical().or_else(|_| stack.id(props, "Name"))?;
            let id = match props.get("GroupName") {
                None | Some(Value::Null) => vec![name],
                Some(Value::String(g)) if g == "default" => vec![name],
                Some(_) => vec![stack.id(props, "GroupName")?, slash(), name],
            };
            Ok(vec![piece("scheduler-schedule", id)])
        }
        "AWS::S3::BucketPolicy" => Ok(vec![piece(
            "s3-bucket-policy",
            vec![stack.id(props, "Bucket")?],
        )]),
        "AWS::Events::Rule" => {
            let physical = r
                .physical_id
                .as_deref()
                .ok_or_else(|| "CloudFormation reports no physical id for it".to_string())?;
            // A rule on another bus is `BUS|NAME` to CloudFormation, `BUS/NAME` to eco.
            let id = match physical.split_once('|') {
                Some((bus, name)) => vec![text(bus), slash(), text(name)],
                None => vec![text(physical)],
            };
            Ok(vec![piece("eventbridge-rule", id)])
        }
        "AWS::ApiGateway::Resource" => child("rest-resource", "RestApiId"),
        "AWS::ApiGateway::Stage" => child("rest-stage", "RestApiId"),
        "AWS::ApiGateway::Authorizer" => child("rest-authorizer", "RestApiId"),
        "AWS::ApiGatewayV2::Integration" => child("api-integration", "ApiId"),
        "AWS::ApiGatewayV2::Route" => child("api-route", "ApiId"),
        "AWS::ApiGatewayV2::Stage" => child("api-stage", "ApiId"),
        "AWS::ApiGatewayV2::Authorizer" => child("api-authorizer", "ApiId"),
        "AWS::Cognito::UserPoolClient" => child("cognito-user-pool-client", "UserPoolId"),
        "AWS::Cognito::UserPoolGroup" => Ok(vec![piece(
            "cognito-group",
            vec![
                stack.id(props, "UserPoolId")?,
                slash(),
                stack.id(props, "GroupName").or_else(|_| physical())?,
            ],
        )]),
        "AWS::ApiGateway::Method" => {
            let id = vec![
                stack.id(props, "RestApiId")?,
                slash(),
                stack.id(props, "ResourceId")?,
                slash(),
                stack.id(props, "HttpMethod")?,
            ];
            let mut out = vec![piece("rest-method", id.clone())];
            if props.get("Integration").is_some_and(Value::is_object) {
                out.push(Piece {
                    suffix: Some("integration"),
                    ..piece("rest-integration", id)
                });
            }
            Ok(out)
        }
        "AWS::ApiGateway::Deployment" => {
            let api = stack.id(props, "RestApiId")?;
            let stage = props.get("StageName").and_then(Value::as_str);
            let mut out = Vec::new();
            if let Some(stage) = stage {
                out.push(Piece {
                    suffix: Some("stage"),
                    ..piece("rest-stage", vec![api.clone(), slash(), text(stage)])
                });
            }
            // CloudFormation does not always report a deployment's id; the stage it made
            // points at it.
            let deployment = match (physical(), stage) {
                (Ok(id), _) => id,
                (Err(_), Some(_)) => IdPart::Live {
                    key: format!("{}/stage", r.logical_id),
                    attr: "deployment".into(),
                },
                (Err(e), None) => return Err(e),
            };
            out.push(piece("rest-deployment", vec![api, slash(), deployment]));
            Ok(out)
        }
        "AWS::Lambda::Permission" => {
            let physical = r
                .physical_id
                .clone()
                .ok_or_else(|| "CloudFormation reports no physical id for it".to_string())?;
            // The registry's Lambda::Permission reports `FUNCTION|STATEMENT-ID`; the older one
            // the statement id alone.
            let id = match physical.split_once('|') {
                Some((function, sid)) => {
                    let function = function.rsplit(':').next().unwrap_or(function);
                    vec![text(function), slash(), text(sid)]
                }
                None => vec![
                    stack.function(props, "FunctionName")?,
                    slash(),
                    text(&physical),
                ],
            };
            Ok(vec![piece("lambda-permission", id)])
        }
        "AWS::Route53::RecordSet" => {
            if props.get("HostedZoneId").is_none() {
                return Err("it names its zone by `HostedZoneName`; eco imports a record by its zone id: import it with `eco import route53-record.NAME ZONE-ID/NAME/TYPE`".into());
            }
            let mut id = vec![
                stack.id(props, "HostedZoneId")?,
                slash(),
                stack.id(props, "Name")?,
                slash(),
                stack.id(props, "Type")?,
            ];
            if props.get("SetIdentifier").is_some() {
                id.extend([slash(), stack.id(props, "SetIdentifier")?]);
            }
            Ok(vec![piece("route53-record", id)])
        }
        t => Err(NOT_MAPPED
            .iter()
            .find(|(ty, _)| *ty == t)
            .map(|(_, why)| why.to_string())
            .unwrap_or_else(|| {
                if t.starts_with("Custom::") {
                    NOT_MAPPED
                        .iter()
                        .find(|(ty, _)| *ty == "AWS::CloudFormation::CustomResource")
                        .map(|(_, why)| why.to_string())
                        .unwrap_or_default()
                } else {
                    "eco has no resource type for it".into()
                }
            })),
    }
}

/// Where a Lambda function's package is, from its template's `Code`.
fn code_location(stack: &Stack, props: &Value) -> Option<CodeLocation> {
    let code = props.get("Code")?;
    let bucket = match stack.id(code, "S3Bucket").ok()? {
        IdPart::Text(b) => b,
        IdPart::Live { .. } => return None,
    };
    let key = code.get("S3Key")?.as_str()?.to_string();
    Some(CodeLocation { bucket, key })
}

/// Statuses of a stack resource that exists in AWS and can be adopted.
fn adoptable_status(status: &str) -> bool {
    !status.ends_with("_FAILED") && !status.starts_with("DELETE_")
}

/// The adoption of a stack: its resources (as ListStackResources reports them) mapped with its
/// template. `has_type` says whether eco has operations for an eco type (what has none is
/// unmapped); `taken` holds the addresses (`TYPE.NAME`) the configuration uses already, which
/// the generated names avoid.
pub fn adoption(
    template: &Template,
    resources: &[StackResource],
    has_type: &dyn Fn(&str) -> bool,
    taken: &HashSet<String>,
) -> Adoption {
    let stack = Stack {
        template,
        physical: resources
            .iter()
            .filter_map(|r| Some((r.logical_id.as_str(), r.physical_id.as_deref()?)))
            .collect(),
        types: resources
            .iter()
            .map(|r| (r.logical_id.as_str(), r.cfn_type.as_str()))
            .collect(),
    };
    let mut unmapped = Vec::new();
    let mut mapped: BTreeMap<&str, Vec<Piece>> = BTreeMap::new();
    for r in resources {
        let props = stack.template.properties(&r.logical_id);
        let result = if adoptable_status(&r.status) {
            pieces(&stack, r, props)
        } else {
            Err(format!("its status is {}", r.status))
        };
        let result =
            result.and_then(
                |pieces| match pieces.iter().find(|p| !has_type(p.eco_type)) {
                    Some(p) => Err(format!("eco has no operations for {} yet", p.eco_type)),
                    None => Ok(pieces),
                },
            );
        match result {
            Ok(pieces) => {
                mapped.insert(&r.logical_id, pieces);
            }
            Err(reason) => unmapped.push(Unmapped {
                logical_id: r.logical_id.clone(),
                cfn_type: r.cfn_type.clone(),
                reason,
            }),
        }
    }
    // Parents first: a resource after everything its properties reference (the template's
    // references are acyclic, as CloudFormation requires).
    let mut order: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for r in resources {
        visit(&r.logical_id, &stack, &mapped, &mut seen, &mut order);
    }
    let mut names: HashSet<String> = taken.clone();
    let mut adoptable: Vec<Adoptable> = Vec::new();
    for logical_id in order {
        let r = resources
            .iter()
            .find(|r| r.logical_id == logical_id)
            .expect("ordered from the resources");
        let props = stack.template.properties(logical_id);
        let referenced: Vec<String> = references(props)
            .into_iter()
            .map(|(target, _)| target)
            .collect();
        let pieces = mapped.remove(logical_id).expect("mapped");
        let keys: Vec<String> = pieces
            .iter()
            .map(|p| match p.suffix {
                Some(s) => format!("{logical_id}/{s}"),
                None => logical_id.to_string(),
            })
            .collect();
        for (p, key) in pieces.into_iter().zip(&keys) {
            let base = kebab(logical_id);
            let mut name = base.clone();
            let mut n = 2;
            while !names.insert(format!("{}.{name}", p.eco_type)) {
                name = format!("{base}-{n}");
                n += 1;
            }
            // A second resource made from one stack resource (a method's integration, a
            // deployment's stage) refers to the first.
            let mut refers_to: Vec<String> = match p.suffix {
                Some(_) => vec![logical_id.to_string()],
                None => Vec::new(),
            };
            for target in &referenced {
                for a in adoptable.iter().filter(|a| &a.logical_id == target) {
                    if !refers_to.contains(&a.key) {
                        refers_to.push(a.key.clone());
                    }
                }
            }
            let code = (p.eco_type == "lambda-function")
                .then(|| code_location(&stack, props))
                .flatten();
            adoptable.push(Adoptable {
                key: key.clone(),
                logical_id: logical_id.to_string(),
                cfn_type: r.cfn_type.clone(),
                eco_type: p.eco_type,
                name,
                import_id: p.import_id,
                refers_to,
                code,
            });
        }
    }
    Adoption {
        adoptable,
        unmapped,
    }
}

fn visit<'a>(
    logical_id: &'a str,
    stack: &Stack<'a>,
    mapped: &BTreeMap<&'a str, Vec<Piece>>,
    seen: &mut HashSet<&'a str>,
    order: &mut Vec<&'a str>,
) {
    let Some((&key, _)) = mapped.get_key_value(logical_id) else {
        return;
    };
    if !seen.insert(key) {
        return;
    }
    for (target, _) in references(stack.template.properties(key)) {
        if let Some((&t, _)) = mapped.get_key_value(target.as_str()) {
            visit(t, stack, mapped, seen, order);
        }
    }
    order.push(key);
}

/// An import id with its live parts filled in by `live(key, attr)`; `None` names the part that
/// is not known.
pub fn resolve(
    parts: &[IdPart],
    live: impl Fn(&str, &str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::new();
    for part in parts {
        match part {
            IdPart::Text(t) => out.push_str(t),
            IdPart::Live { key, attr } => match live(key, attr) {
                Some(v) => out.push_str(&v),
                None => return Err(format!("`{attr}` of {key}")),
            },
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_become_kebab_case_names() {
        assert_eq!(kebab("ApiGatewayRestApi"), "api-gateway-rest-api");
        assert_eq!(kebab("IamRoleLambdaExecution"), "iam-role-lambda-execution");
        assert_eq!(kebab("IAMRole"), "iam-role");
        assert_eq!(
            kebab("ServerlessDeploymentBucket"),
            "serverless-deployment-bucket"
        );
        assert_eq!(
            kebab("ApiGatewayDeployment1700000000"),
            "api-gateway-deployment1700000000"
        );
        assert_eq!(kebab("HelloLambdaFunction"), "hello-lambda-function");
        assert_eq!(kebab("S3Bucket"), "s3-bucket");
        assert_eq!(kebab("9Lives"), "r-9-lives");
    }

    fn res(logical: &str, ty: &str, physical: &str) -> StackResource {
        StackResource {
            logical_id: logical.into(),
            cfn_type: ty.into(),
            physical_id: (!physical.is_empty()).then(|| physical.to_string()),
            status: "CREATE_COMPLETE".into(),
        }
    }

    const SERVERLESS: &str = r#"{
      "Resources": {
        "ServerlessDeploymentBucket": {"Type": "AWS::S3::Bucket"},
        "UsersTable": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "svc-dev-users"}},
        "HelloLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
          "Code": {"S3Bucket": {"Ref": "ServerlessDeploymentBucket"}, "S3Key": "serverless/svc/dev/1/svc.zip"},
          "Role": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]},
          "Environment": {"Variables": {"TABLE": {"Ref": "UsersTable"}}}}},
        "IamRoleLambdaExecution": {"Type": "AWS::IAM::Role"},
        "ApiGatewayRestApi": {"Type": "AWS::ApiGateway::RestApi"},
        "ApiGatewayResourceHello": {"Type": "AWS::ApiGateway::Resource", "Properties": {
          "ParentId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]},
          "PathPart": "hello", "RestApiId": {"Ref": "ApiGatewayRestApi"}}},
        "ApiGatewayMethodHelloGet": {"Type": "AWS::ApiGateway::Method", "Properties": {
          "HttpMethod": "GET", "ResourceId": {"Ref": "ApiGatewayResourceHello"},
          "RestApiId": {"Ref": "ApiGatewayRestApi"},
          "Integration": {"Type": "AWS_PROXY", "Uri": {"Fn::Join": ["", ["arn:", {"Fn::GetAtt": ["HelloLambdaFunction", "Arn"]}]]}}}},
        "ApiGatewayMethodAny": {"Type": "AWS::ApiGateway::Method", "Properties": {
          "HttpMethod": "ANY", "ResourceId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]},
          "RestApiId": {"Ref": "ApiGatewayRestApi"}}},
        "ApiGatewayDeployment1": {"Type": "AWS::ApiGateway::Deployment", "Properties": {
          "RestApiId": {"Ref": "ApiGatewayRestApi"}, "StageName": "dev"}},
        "HelloLambdaVersionAbc": {"Type": "AWS::Lambda::Version"},
        "HelloLambdaPermissionApiGateway": {"Type": "AWS::Lambda::Permission", "Properties": {
          "FunctionName": {"Fn::GetAtt": ["HelloLambdaFunction", "Arn"]}}},
        "Thing": {"Type": "Custom::Thing"},
        "Broken": {"Type": "AWS::SQS::Queue"}
      }
    }"#;

    fn stack() -> (Template, Vec<StackResource>) {
        let mut broken = res("Broken", "AWS::SQS::Queue", "https://q");
        broken.status = "CREATE_FAILED".into();
        let resources = vec![
            res(
                "ServerlessDeploymentBucket",
                "AWS::S3::Bucket",
                "svc-dev-bucket-1x",
            ),
            res("UsersTable", "AWS::DynamoDB::Table", "svc-dev-users"),
            res(
                "HelloLambdaFunction",
                "AWS::Lambda::Function",
                "svc-dev-hello",
            ),
            res("IamRoleLambdaExecution", "AWS::IAM::Role", "svc-dev-role"),
            res("ApiGatewayRestApi", "AWS::ApiGateway::RestApi", "abc123"),
            res(
                "ApiGatewayResourceHello",
                "AWS::ApiGateway::Resource",
                "res1",
            ),
            res("ApiGatewayMethodHelloGet", "AWS::ApiGateway::Method", ""),
            res("ApiGatewayMethodAny", "AWS::ApiGateway::Method", ""),
            res("ApiGatewayDeployment1", "AWS::ApiGateway::Deployment", ""),
            res("HelloLambdaVersionAbc", "AWS::Lambda::Version", ""),
            res(
                "HelloLambdaPermissionApiGateway",
                "AWS::Lambda::Permission",
                "stmt-1",
            ),
            res("Thing", "Custom::Thing", "x"),
            broken,
        ];
        (Template::parse(SERVERLESS).unwrap(), resources)
    }

    fn by_key<'a>(a: &'a Adoption, key: &str) -> &'a Adoptable {
        a.adoptable
            .iter()
            .find(|x| x.key == key)
            .unwrap_or_else(|| panic!("{key}: {a:#?}"))
    }

    /// Each adoptable's address and import id, sorted; every id known from the stack alone.
    fn known_ids(a: &Adoption) -> Vec<(String, String)> {
        let text = |parts: &[IdPart]| -> String {
            parts
                .iter()
                .map(|p| match p {
                    IdPart::Text(t) => t.clone(),
                    IdPart::Live { .. } => panic!("known from the stack"),
                })
                .collect()
        };
        let mut ids: Vec<_> = a
            .adoptable
            .iter()
            .map(|x| (x.address(), text(&x.import_id)))
            .collect();
        ids.sort();
        ids
    }

    fn id_of(a: &Adoption, key: &str) -> String {
        resolve(&by_key(a, key).import_id, |k, attr| {
            Some(format!("<{k}.{attr}>"))
        })
        .unwrap()
    }

    #[test]
    fn a_serverless_stack_maps_with_composite_ids_from_its_template() {
        let (t, r) = stack();
        let a = adoption(&t, &r, &|_| true, &HashSet::new());
        assert_eq!(id_of(&a, "ServerlessDeploymentBucket"), "svc-dev-bucket-1x");
        assert_eq!(id_of(&a, "ApiGatewayResourceHello"), "abc123/res1");
        assert_eq!(id_of(&a, "ApiGatewayMethodHelloGet"), "abc123/res1/GET");
        assert_eq!(
            id_of(&a, "ApiGatewayMethodHelloGet/integration"),
            "abc123/res1/GET"
        );
        assert_eq!(
            id_of(&a, "ApiGatewayMethodAny"),
            "abc123/<ApiGatewayRestApi.root-resource-id>/ANY"
        );
        assert!(a
            .adoptable
            .iter()
            .all(|x| x.key != "ApiGatewayMethodAny/integration"));
        assert_eq!(id_of(&a, "ApiGatewayDeployment1/stage"), "abc123/dev");
        assert_eq!(
            id_of(&a, "ApiGatewayDeployment1"),
            "abc123/<ApiGatewayDeployment1/stage.deployment>"
        );
        assert_eq!(
            id_of(&a, "HelloLambdaPermissionApiGateway"),
            "svc-dev-hello/stmt-1"
        );
        let f = by_key(&a, "HelloLambdaFunction");
        assert_eq!(f.address(), "lambda-function.hello-lambda-function");
        assert_eq!(
            f.code,
            Some(CodeLocation {
                bucket: "svc-dev-bucket-1x".into(),
                key: "serverless/svc/dev/1/svc.zip".into()
            })
        );
        let mut refers = f.refers_to.clone();
        refers.sort();
        assert_eq!(
            refers,
            [
                "IamRoleLambdaExecution",
                "ServerlessDeploymentBucket",
                "UsersTable"
            ]
        );
        // A deployment's stage refers to the deployment (made from one resource).
        assert!(by_key(&a, "ApiGatewayDeployment1/stage")
            .refers_to
            .contains(&"ApiGatewayDeployment1".to_string()));
    }

    #[test]
    fn parents_come_before_what_needs_their_ids() {
        let (t, r) = stack();
        let a = adoption(&t, &r, &|_| true, &HashSet::new());
        let at = |k: &str| a.adoptable.iter().position(|x| x.key == k).unwrap();
        assert!(at("ApiGatewayRestApi") < at("ApiGatewayResourceHello"));
        assert!(at("ApiGatewayResourceHello") < at("ApiGatewayMethodHelloGet"));
        assert!(at("ApiGatewayRestApi") < at("ApiGatewayMethodAny"));
        assert!(at("ApiGatewayDeployment1/stage") < at("ApiGatewayDeployment1"));
        assert!(at("IamRoleLambdaExecution") < at("HelloLambdaFunction"));
        for x in &a.adoptable {
            for part in &x.import_id {
                if let IdPart::Live { key, .. } = part {
                    assert!(at(key) < at(&x.key), "{} needs {key} first", x.key);
                }
            }
        }
    }

    #[test]
    fn what_cannot_be_adopted_is_listed_with_its_reason() {
        let (t, r) = stack();
        let a = adoption(&t, &r, &|ty| ty != "lambda-permission", &HashSet::new());
        let reason = |l: &str| {
            a.unmapped
                .iter()
                .find(|u| u.logical_id == l)
                .map(|u| u.reason.clone())
                .unwrap_or_else(|| panic!("{l} not listed: {a:#?}"))
        };
        assert!(reason("HelloLambdaVersionAbc").contains("immutable"));
        assert!(reason("Thing").contains("custom resource"));
        assert!(reason("Broken").contains("CREATE_FAILED"));
        assert!(reason("HelloLambdaPermissionApiGateway").contains("no operations"));
        // Every stack resource is either adopted or listed: none is dropped.
        let listed = a.adoptable_resources() + a.unmapped.len();
        assert_eq!(listed, r.len());
        assert_eq!(a.adoptable_resources(), 9);
    }

    #[test]
    fn names_are_unique_and_avoid_the_configuration() {
        let t = Template::parse(
            r#"{"Resources":{"MyQueue":{"Type":"AWS::SQS::Queue"},"MYQueue":{"Type":"AWS::SQS::Queue"}}}"#,
        )
        .unwrap();
        let r = vec![
            res("MyQueue", "AWS::SQS::Queue", "https://a"),
            res("MYQueue", "AWS::SQS::Queue", "https://b"),
        ];
        let taken: HashSet<String> = ["sqs-queue.my-queue".to_string()].into();
        let a = adoption(&t, &r, &|_| true, &taken);
        let names: Vec<_> = a.adoptable.iter().map(|x| x.address()).collect();
        assert_eq!(names, ["sqs-queue.my-queue-2", "sqs-queue.my-queue-3"]);
    }

    #[test]
    fn ids_that_need_a_function_eco_does_not_evaluate_are_unmapped() {
        let t = Template::parse(
            r#"{"Resources":{"R":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Fn::ImportValue":"shared-api"}}}}}"#,
        )
        .unwrap();
        let a = adoption(
            &t,
            &[res("R", "AWS::ApiGateway::Resource", "r1")],
            &|_| true,
            &HashSet::new(),
        );
        assert!(a.adoptable.is_empty());
        assert!(a.unmapped[0].reason.contains("RestApiId"), "{a:?}");
    }

    #[test]
    fn a_rest_domain_and_its_base_path_mappings_are_imported_by_domain_and_base_path() {
        let t = Template::parse(
            r#"{"Resources":{
                "Domain":{"Type":"AWS::ApiGateway::DomainName","Properties":{"DomainName":"api.example.com"}},
                "Root":{"Type":"AWS::ApiGateway::BasePathMapping","Properties":{"DomainName":{"Ref":"Domain"},"RestApiId":"a1"}},
                "V1":{"Type":"AWS::ApiGateway::BasePathMapping","Properties":{"DomainName":"api.example.com","BasePath":"v1","RestApiId":"a1"}}
            }}"#,
        )
        .unwrap();
        let a = adoption(
            &t,
            &[
                res("Domain", "AWS::ApiGateway::DomainName", "api.example.com"),
                res("Root", "AWS::ApiGateway::BasePathMapping", "x"),
                res("V1", "AWS::ApiGateway::BasePathMapping", "y"),
            ],
            &|_| true,
            &HashSet::new(),
        );
        let ids = known_ids(&a);
        assert_eq!(
            ids,
            [
                (
                    "rest-base-path-mapping.root".to_string(),
                    "api.example.com/(none)".to_string()
                ),
                (
                    "rest-base-path-mapping.v1".to_string(),
                    "api.example.com/v1".to_string()
                ),
                (
                    "rest-domain.domain".to_string(),
                    "api.example.com".to_string()
                ),
            ]
        );
    }

    #[test]
    fn usage_plans_api_keys_and_usage_plan_keys_are_imported_by_their_ids() {
        let t = Template::parse(
            r#"{"Resources":{
                "Plan":{"Type":"AWS::ApiGateway::UsagePlan","Properties":{"UsagePlanName":"basic"}},
                "Key":{"Type":"AWS::ApiGateway::ApiKey","Properties":{"Name":"partner"}},
                "PlanKey":{"Type":"AWS::ApiGateway::UsagePlanKey","Properties":{"UsagePlanId":{"Ref":"Plan"},"KeyId":{"Ref":"Key"},"KeyType":"API_KEY"}}
            }}"#,
        )
        .unwrap();
        let a = adoption(
            &t,
            &[
                res("Plan", "AWS::ApiGateway::UsagePlan", "p1"),
                res("Key", "AWS::ApiGateway::ApiKey", "k1"),
                res("PlanKey", "AWS::ApiGateway::UsagePlanKey", "k1"),
            ],
            &|_| true,
            &HashSet::new(),
        );
        let ids = known_ids(&a);
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            ids,
            [
                pair("rest-api-key.key", "k1"),
                pair("rest-usage-plan-key.plan-key", "p1/k1"),
                pair("rest-usage-plan.plan", "p1"),
            ]
        );
    }

    #[test]
    fn a_rule_on_another_bus_is_imported_as_bus_slash_name() {
        let t = Template::parse(
            r#"{"Resources":{"Nightly":{"Type":"AWS::Events::Rule"},"Default":{"Type":"AWS::Events::Rule"}}}"#,
        )
        .unwrap();
        let a = adoption(
            &t,
            &[
                res("Nightly", "AWS::Events::Rule", "jobs|nightly"),
                res("Default", "AWS::Events::Rule", "hourly"),
            ],
            &|_| true,
            &HashSet::new(),
        );
        let ids = known_ids(&a);
        assert_eq!(
            ids,
            [
                ("eventbridge-rule.default".to_string(), "hourly".to_string()),
                (
                    "eventbridge-rule.nightly".to_string(),
                    "jobs/nightly".to_string()
                ),
            ]
        );
    }

    #[test]
    fn the_newer_types_map_their_physical_ids_to_eco_import_ids() {
        let t = Template::parse(
            r#"{"Resources":{
              "Fn": {"Type": "AWS::Lambda::Function"},
              "Jobs": {"Type": "AWS::SQS::Queue"},
              "JobsMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "FunctionName": {"Ref": "Fn"}, "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]}}},
              "Deps": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"LayerName": "svc-deps"}},
              "DepsNoId": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"LayerName": "svc-libs"}},
              "Group": {"Type": "AWS::Scheduler::ScheduleGroup"},
              "Nightly": {"Type": "AWS::Scheduler::Schedule", "Properties": {"GroupName": {"Ref": "Group"}}},
              "Hourly": {"Type": "AWS::Scheduler::Schedule", "Properties": {"GroupName": "default"}},
              "Daily": {"Type": "AWS::Scheduler::Schedule"},
              "Cache": {"Type": "AWS::CloudFront::CachePolicy"},
              "Origin": {"Type": "AWS::CloudFront::OriginRequestPolicy"},
              "Headers": {"Type": "AWS::CloudFront::ResponseHeadersPolicy"},
              "Rewrite": {"Type": "AWS::CloudFront::Function", "Properties": {"Name": "svc-rewrite"}},
              "Mail": {"Type": "AWS::SES::EmailIdentity", "Properties": {"EmailIdentity": "svc.example"}}
            }}"#,
        )
        .unwrap();
        let resources = [
            res("Fn", "AWS::Lambda::Function", "svc-dev-fn"),
            res("Jobs", "AWS::SQS::Queue", "https://sqs/q"),
            res(
                "JobsMapping",
                "AWS::Lambda::EventSourceMapping",
                "6a9c2e1f-0b1d-4c2e-9f3a-8b7c6d5e4f30",
            ),
            res(
                "Deps",
                "AWS::Lambda::LayerVersion",
                "arn:aws:lambda:us-east-1:123456789012:layer:svc-deps:7",
            ),
            // moto's CloudFormation reports no physical id for a layer version: its name comes
            // from the template.
            res("DepsNoId", "AWS::Lambda::LayerVersion", ""),
            res("Group", "AWS::Scheduler::ScheduleGroup", "jobs"),
            res("Nightly", "AWS::Scheduler::Schedule", "nightly"),
            res("Hourly", "AWS::Scheduler::Schedule", "hourly"),
            res("Daily", "AWS::Scheduler::Schedule", "daily"),
            res(
                "Cache",
                "AWS::CloudFront::CachePolicy",
                "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            ),
            res("Origin", "AWS::CloudFront::OriginRequestPolicy", "orp-1"),
            res("Headers", "AWS::CloudFront::ResponseHeadersPolicy", "rhp-1"),
            res(
                "Rewrite",
                "AWS::CloudFront::Function",
                "arn:aws:cloudfront::123456789012:function/svc-rewrite",
            ),
            res("Mail", "AWS::SES::EmailIdentity", "svc.example"),
        ];
        let a = adoption(&t, &resources, &|_| true, &HashSet::new());
        let mut ids: Vec<(String, String)> = a
            .adoptable
            .iter()
            .filter(|x| !["Fn", "Jobs"].contains(&x.logical_id.as_str()))
            .map(|x| (x.address(), id_of(&a, &x.key)))
            .collect();
        ids.sort();
        let want = [
            (
                "cloudfront-cache-policy.cache",
                "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            ),
            ("cloudfront-function.rewrite", "svc-rewrite"),
            ("cloudfront-origin-request-policy.origin", "orp-1"),
            ("cloudfront-response-headers-policy.headers", "rhp-1"),
            (
                "lambda-event-source-mapping.jobs-mapping",
                "6a9c2e1f-0b1d-4c2e-9f3a-8b7c6d5e4f30",
            ),
            ("lambda-layer.deps", "svc-deps"),
            ("lambda-layer.deps-no-id", "svc-libs"),
            ("scheduler-schedule.daily", "daily"),
            ("scheduler-schedule.hourly", "hourly"),
            ("scheduler-schedule.nightly", "jobs/nightly"),
            ("ses-email-identity.mail", "svc.example"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(ids, want);
        // The mapping follows the function and the queue it reads from.
        let mut refers_to = by_key(&a, "JobsMapping").refers_to.clone();
        refers_to.sort();
        assert_eq!(refers_to, ["Fn", "Jobs"]);
        // A schedule group has no eco type: listed, with the reason.
        assert_eq!(a.unmapped.len(), 1, "{:?}", a.unmapped);
        assert_eq!(a.unmapped[0].logical_id, "Group");
        // A schedule group computed by a function eco does not evaluate is refused, not guessed.
        let t = Template::parse(
            r#"{"Resources":{"S":{"Type":"AWS::Scheduler::Schedule","Properties":{"GroupName":{"Fn::Sub":"${AWS::StackName}-jobs"}}}}}"#,
        )
        .unwrap();
        let a = adoption(
            &t,
            &[res("S", "AWS::Scheduler::Schedule", "s")],
            &|_| true,
            &HashSet::new(),
        );
        assert!(a.adoptable.is_empty());
        assert!(a.unmapped[0].reason.contains("GroupName"), "{a:?}");
    }

    #[test]
    fn every_mapped_type_maps() {
        for (cfn, eco, _) in MAPPED {
            let t = Template::parse(r#"{"Resources":{"X":{"Type":"T"}}}"#).unwrap();
            let r = res("X", cfn, "phys");
            let stack = Stack {
                template: &t,
                physical: HashMap::new(),
                types: HashMap::new(),
            };
            let props = serde_json::json!({
                "DomainName": "api.example.com",
                "RestApiId": "api", "ApiId": "api", "UserPoolId": "pool", "ResourceId": "res",
                "HttpMethod": "GET", "FunctionName": "fn", "HostedZoneId": "Z1", "Name": "a.example.com",
                "Type": "A", "GroupName": "g", "StageName": "dev", "Bucket": "b", "LayerName": "l",
                "UsagePlanId": "p1", "KeyId": "k1"
            });
            let pieces = pieces(&stack, &r, &props).unwrap_or_else(|e| panic!("{cfn}: {e}"));
            assert!(
                eco.starts_with(pieces[0].eco_type) || eco.contains(pieces[0].eco_type),
                "{cfn}"
            );
        }
    }
}
