//! One module per resource type. Each declares `TYPE_NAME` and `schema()`; its module doc names
//! the AWS API calls that read, create, update, delete and import it.

pub mod acm_certificate;
pub mod api;
pub mod api_authorizer;
pub mod api_domain;
pub mod api_integration;
pub mod api_route;
pub mod api_stage;
pub mod cloudfront_distribution;
pub mod codebuild_project;
pub mod codepipeline;
pub mod cognito_group;
pub mod cognito_user_pool;
pub mod cognito_user_pool_client;
pub mod cognito_user_pool_domain;
pub mod dynamodb_table;
pub mod iam_role;
pub mod lambda_function;
pub mod lambda_permission;
pub mod route53_record;
pub mod route53_zone;
pub mod s3_bucket;
pub mod s3_sync;
pub mod serverless;

use std::sync::Arc;

use eco_provider::ResourceProvider;
use eco_schema::Schema;

use crate::aws::Aws;

/// The types that have operations, with their providers. A type joins by adding its line here.
pub fn providers(aws: &Aws) -> Vec<(&'static str, Arc<dyn ResourceProvider>)> {
    let _ = aws;
    vec![
        (
            s3_bucket::TYPE_NAME,
            Arc::new(s3_bucket::Provider::new(aws)),
        ),
        (
            dynamodb_table::TYPE_NAME,
            Arc::new(dynamodb_table::Provider::new(aws)),
        ),
        (iam_role::TYPE_NAME, Arc::new(iam_role::Provider::new(aws))),
        (
            cognito_user_pool::TYPE_NAME,
            Arc::new(cognito_user_pool::Provider::new(aws)),
        ),
        (
            cognito_user_pool_client::TYPE_NAME,
            Arc::new(cognito_user_pool_client::Provider::new(aws)),
        ),
        (
            cognito_user_pool_domain::TYPE_NAME,
            Arc::new(cognito_user_pool_domain::Provider::new(aws)),
        ),
        (
            cognito_group::TYPE_NAME,
            Arc::new(cognito_group::Provider::new(aws)),
        ),
        (
            api_domain::TYPE_NAME,
            Arc::new(api_domain::Provider::new(aws)),
        ),
        (api::TYPE_NAME, Arc::new(api::Provider::new(aws))),
        (
            api_integration::TYPE_NAME,
            Arc::new(api_integration::Provider::new(aws)),
        ),
        (
            api_route::TYPE_NAME,
            Arc::new(api_route::Provider::new(aws)),
        ),
        (
            api_stage::TYPE_NAME,
            Arc::new(api_stage::Provider::new(aws)),
        ),
        (
            api_authorizer::TYPE_NAME,
            Arc::new(api_authorizer::Provider::new(aws)),
        ),
        (
            lambda_function::TYPE_NAME,
            Arc::new(lambda_function::Provider::new(aws)),
        ),
        (
            lambda_permission::TYPE_NAME,
            Arc::new(lambda_permission::Provider::new(aws)),
        ),
        (
            route53_zone::TYPE_NAME,
            Arc::new(route53_zone::Provider::new(aws)),
        ),
        (
            route53_record::TYPE_NAME,
            Arc::new(route53_record::Provider::new(aws)),
        ),
        (s3_sync::TYPE_NAME, Arc::new(s3_sync::Provider::new(aws))),
        (
            cloudfront_distribution::TYPE_NAME,
            Arc::new(cloudfront_distribution::Provider::new(aws)),
        ),
        (
            acm_certificate::TYPE_NAME,
            Arc::new(acm_certificate::Provider::new(aws)),
        ),
        (
            codebuild_project::TYPE_NAME,
            Arc::new(codebuild_project::Provider::new(aws)),
        ),
        (
            codepipeline::TYPE_NAME,
            Arc::new(codepipeline::Provider::new(aws)),
        ),
    ]
}

/// The schema of every resource type, in the order of the design brief.
pub fn all() -> Vec<Schema> {
    vec![
        s3_bucket::schema(),
        s3_sync::schema(),
        dynamodb_table::schema(),
        iam_role::schema(),
        lambda_function::schema(),
        lambda_permission::schema(),
        api::schema(),
        api_integration::schema(),
        api_route::schema(),
        api_stage::schema(),
        api_authorizer::schema(),
        api_domain::schema(),
        acm_certificate::schema(),
        cloudfront_distribution::schema(),
        route53_zone::schema(),
        route53_record::schema(),
        cognito_user_pool::schema(),
        cognito_user_pool_client::schema(),
        cognito_user_pool_domain::schema(),
        cognito_group::schema(),
        codebuild_project::schema(),
        codepipeline::schema(),
    ]
}
