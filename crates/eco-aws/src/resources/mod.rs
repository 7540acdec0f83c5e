//! One module per resource type. Each declares `TYPE_NAME`, `schema()` and a `Provider`; its
//! module doc names the AWS API calls that read, create, update, delete and import it. [`TYPES`]
//! is the one list of them: the registry and the providers both come from it.

pub mod acm_certificate;
pub mod api;
pub mod api_authorizer;
pub mod api_domain;
pub mod api_integration;
pub mod api_route;
pub mod api_stage;
pub mod cloudfront_cache_policy;
pub mod cloudfront_distribution;
pub mod cloudfront_function;
pub mod cloudfront_origin_request_policy;
pub mod cloudfront_response_headers_policy;
pub mod codebuild_project;
pub mod codepipeline;
pub mod cognito_group;
pub mod cognito_user_pool;
pub mod cognito_user_pool_client;
pub mod cognito_user_pool_domain;
pub mod dynamodb_table;
pub mod eventbridge_bus;
pub mod eventbridge_rule;
pub mod iam_policy;
pub mod iam_role;
pub mod iam_role_policy_attachment;
pub mod lambda_event_source_mapping;
pub mod lambda_function;
pub mod lambda_layer;
pub mod lambda_permission;
pub mod log_group;
pub mod rest_api;
pub mod rest_api_key;
pub mod rest_authorizer;
pub mod rest_base_path_mapping;
pub mod rest_deployment;
pub mod rest_domain;
pub mod rest_integration;
pub mod rest_method;
pub mod rest_resource;
pub mod rest_stage;
pub mod rest_usage_plan;
pub mod rest_usage_plan_key;
pub mod route53_record;
pub mod route53_zone;
pub mod s3_bucket;
pub mod s3_bucket_policy;
pub mod s3_sync;
pub mod scheduler_schedule;
pub mod secretsmanager_secret;
pub mod ses_email_identity;
pub mod sns_subscription;
pub mod sns_topic;
pub mod sqs_queue;
pub mod ssm_parameter;

use std::sync::Arc;

use eco_provider::ResourceProvider;
use eco_schema::Schema;

use crate::aws::Aws;

/// One resource type as registered: its name, its schema and how to make its provider.
#[derive(Clone, Copy)]
pub struct TypeEntry {
    pub name: &'static str,
    pub schema: fn() -> Schema,
    pub provider: fn(&Aws) -> Arc<dyn ResourceProvider>,
}

/// The entry of a module with the standard shape (`TYPE_NAME`, `schema()`, `Provider::new`).
macro_rules! entry {
    ($module:ident) => {
        TypeEntry {
            name: $module::TYPE_NAME,
            schema: $module::schema,
            provider: |aws| Arc::new($module::Provider::new(aws)),
        }
    };
}

/// The first items of every `impl ResourceProvider` whose struct keeps its schema in a `schema`
/// field and that names what AWS answers for a while before it succeeds:
/// `schema_and_transient!(TRANSIENT)` gives `schema()` (the field) and `transient()` (the list).
macro_rules! schema_and_transient {
    ($transient:expr) => {
        fn schema(&self) -> &eco_schema::Schema {
            &self.schema
        }

        fn transient(&self) -> &'static [eco_provider::Transient] {
            $transient
        }
    };
}
pub(crate) use schema_and_transient;

/// Every resource type, in the order of the design brief. A type joins by adding its line here.
pub const TYPES: &[TypeEntry] = &[
    entry!(s3_bucket),
    entry!(s3_sync),
    entry!(dynamodb_table),
    entry!(iam_role),
    entry!(lambda_function),
    entry!(lambda_permission),
    entry!(api),
    entry!(api_integration),
    entry!(api_route),
    entry!(api_stage),
    entry!(api_authorizer),
    entry!(api_domain),
    entry!(acm_certificate),
    entry!(cloudfront_distribution),
    entry!(route53_zone),
    entry!(route53_record),
    entry!(cognito_user_pool),
    entry!(cognito_user_pool_client),
    entry!(cognito_user_pool_domain),
    entry!(cognito_group),
    entry!(codebuild_project),
    entry!(codepipeline),
    entry!(iam_policy),
    entry!(iam_role_policy_attachment),
    entry!(log_group),
    entry!(ssm_parameter),
    entry!(secretsmanager_secret),
    entry!(sqs_queue),
    entry!(eventbridge_bus),
    entry!(eventbridge_rule),
    entry!(sns_topic),
    entry!(sns_subscription),
    entry!(rest_api),
    entry!(rest_resource),
    entry!(rest_method),
    entry!(rest_integration),
    entry!(rest_authorizer),
    entry!(rest_deployment),
    entry!(rest_stage),
    entry!(rest_domain),
    entry!(rest_base_path_mapping),
    entry!(rest_usage_plan),
    entry!(rest_api_key),
    entry!(rest_usage_plan_key),
    entry!(s3_bucket_policy),
    entry!(lambda_event_source_mapping),
    entry!(lambda_layer),
    entry!(scheduler_schedule),
    entry!(cloudfront_cache_policy),
    entry!(cloudfront_origin_request_policy),
    entry!(cloudfront_response_headers_policy),
    entry!(cloudfront_function),
    entry!(ses_email_identity),
];

/// Every type's provider for one stage's AWS clients, in [`TYPES`] order.
pub fn providers(aws: &Aws) -> Vec<(&'static str, Arc<dyn ResourceProvider>)> {
    TYPES.iter().map(|t| (t.name, (t.provider)(aws))).collect()
}

/// The schema of every resource type, in [`TYPES`] order.
pub fn all() -> Vec<Schema> {
    TYPES.iter().map(|t| (t.schema)()).collect()
}
