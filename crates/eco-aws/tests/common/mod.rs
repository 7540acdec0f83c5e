//! Resources made in moto "by hand" (straight through the SDK, without eco and without its
//! ownership tags), as an account's hand-made resources are, for the discovery and adoption
//! tests of several types.
#![allow(dead_code)]

use eco_aws::Aws;
use eco_test_support::Moto;

/// A moto of the test's own, an `Aws` for it (us-east-1) and a type's provider made by `new`.
pub fn setup<P>(new: impl FnOnce(&Aws) -> P) -> (Moto, Aws, P) {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let provider = new(&aws);
    (moto, aws, provider)
}

/// A trust policy that lets Lambda assume a role.
pub const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// An on-demand table `name` with a string hash key `pk`.
pub async fn hand_made_table(aws: &Aws, name: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    aws.dynamodb()
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

/// A role `name` Lambda may assume.
pub async fn hand_made_role(aws: &Aws, name: &str) {
    aws.iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(LAMBDA_TRUST)
        .send()
        .await
        .unwrap();
}
