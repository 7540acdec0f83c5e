//! Adopting a CloudFormation stack (issue 17) end to end against moto's CloudFormation: a
//! serverless.com-shaped stack is imported with `-from-stack` (all or nothing), its generated KDL
//! validates and plans clean, the retained template lets the stack be deleted with every
//! resource still live, and a Cognito pool beside it gets a custom attribute in place.

use crate::support::{eco, ok, stderr, stdout, Project};
use aws_sdk_cloudformation::types::{Capability, StackStatus};
use eco_test_support::AwsProxy;
use serde_json::{json, Value};

const CONFIG: &str = r#"project "svc"

stage "dev" default=#true {
    account "123456789012"
    region "us-east-1"
}
stage "prod" {
    account "123456789012"
    region "us-east-1"
}
"#;

const STACK: &str = "svc-dev";
const CODE_KEY: &str = "serverless/svc/dev/1700000000000-2026-11-27T00:00:00.000Z/svc.zip";

/// moto answers TagResource on a REST API's ARN with 404 (it tags only stages): a proxy in front
/// of it answers that call as AWS does (success), so that adopting the API can tag it. moto does
/// not keep those tags, so the next plans put them again: the only change they show.
fn tagging_proxy(p: &Project) -> AwsProxy {
    AwsProxy::start(
        &p.moto,
        &json!([{
            "name": "rest-api-tags", "service": "apigateway", "method": "PUT",
            "path": "^/tags/arn[^?/]*(%2F|/)restapis(%2F|/)[a-z0-9]+(\\?.*)?$",
            "error": {"status": 200, "code": "Tagged", "message": "tagged"}
        }]),
    )
}

/// `eco ARGS` in the project, through the proxy.
fn eco_via(p: &Project, proxy: &AwsProxy, args: &[&str]) -> std::process::Output {
    eco()
        .args(args)
        .current_dir(p.path())
        .envs(proxy.env(&p.moto))
        .output()
        .unwrap()
}

/// Asserts that a plan of `stage` changes nothing but the REST API's ownership tags (which moto
/// does not keep).
fn only_ownership_tags(p: &Project, stage: &str) {
    let out = ok(&p.eco(&["plan", "-stage", stage, "-json"]));
    let plan: Value = serde_json::from_str(&out).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    for change in changes {
        assert_eq!(change["address"], "rest-api.api-gateway-rest-api", "{out}");
        assert_eq!(change["action"], "update", "{out}");
        let text = change.to_string();
        assert!(text.contains("eco:project"), "{out}");
    }
    assert!(changes.len() <= 1, "{out}");
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn cfn(p: &Project) -> aws_sdk_cloudformation::Client {
    aws_sdk_cloudformation::Client::new(p.aws().config())
}

/// What serverless.com's first deploy creates: the stack with its deployment bucket only.
fn bucket_only() -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "The AWS CloudFormation template for this Serverless application",
        "Resources": {
            "ServerlessDeploymentBucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}
            }
        },
        "Outputs": {"ServerlessDeploymentBucketName": {"Value": {"Ref": "ServerlessDeploymentBucket"}}}
    })
}

fn function(name: &str, log_group: &str, handler: &str) -> Value {
    json!({
        "Type": "AWS::Lambda::Function",
        "DependsOn": [log_group],
        "Properties": {
            "Code": {"S3Bucket": {"Ref": "ServerlessDeploymentBucket"}, "S3Key": CODE_KEY},
            "Handler": handler,
            "Runtime": "nodejs20.x",
            "FunctionName": name,
            "MemorySize": 1024,
            "Timeout": 6,
            "Role": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]},
            "Environment": {"Variables": {
                "TABLE": {"Ref": "UsersTable"},
                "QUEUE_URL": {"Ref": "JobsQueue"}
            }}
        }
    })
}

fn method(http: &str, resource: &str, function: &str) -> Value {
    json!({
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "HttpMethod": http,
            "RequestParameters": {},
            "ResourceId": {"Ref": resource},
            "RestApiId": {"Ref": "ApiGatewayRestApi"},
            "ApiKeyRequired": false,
            "AuthorizationType": "NONE",
            "Integration": {
                "IntegrationHttpMethod": "POST",
                "Type": "AWS_PROXY",
                "Uri": {"Fn::Join": ["", [
                    "arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
                    ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": [function, "Arn"]}, "/invocations"
                ]]}
            },
            "MethodResponses": []
        }
    })
}

/// The whole service, as serverless.com's update-stack writes it (JSON).
fn service() -> Value {
    let mut t = bucket_only();
    let resources = t["Resources"].as_object_mut().unwrap();
    let more = json!({
        "HelloLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/svc-dev-hello"}},
        "JobsLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/svc-dev-jobs", "RetentionInDays": 14}},
        "UsersTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": "svc-dev-users",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]
        }},
        "JobsQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "svc-dev-jobs"}},
        "IamRoleLambdaExecution": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "svc-dev-us-east-1-lambdaRole",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]},
            // moto keeps a document given as an object as Python's repr of it (docs/testing.md):
            // the same document, as a string (which CloudFormation takes too).
            "Policies": [{"PolicyName": "svc-dev-lambda", "PolicyDocument": {"Fn::Sub":
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\"],\"Resource\":[\"${UsersTable.Arn}\"]}]}"
            }}]
        }},
        "HelloLambdaFunction": function("svc-dev-hello", "HelloLogGroup", "handler.hello"),
        "JobsLambdaFunction": function("svc-dev-jobs", "JobsLogGroup", "handler.jobs"),
        "HelloLambdaVersionAbc123": {"Type": "AWS::Lambda::Version", "DeletionPolicy": "Retain",
            "Properties": {"FunctionName": {"Ref": "HelloLambdaFunction"}, "CodeSha256": "x"}},
        "ApiGatewayRestApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
            "Name": "dev-svc", "EndpointConfiguration": {"Types": ["EDGE"]}}},
        "ApiGatewayResourceHello": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "ParentId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]},
            "PathPart": "hello", "RestApiId": {"Ref": "ApiGatewayRestApi"}}},
        "ApiGatewayResourceJobs": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "ParentId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]},
            "PathPart": "jobs", "RestApiId": {"Ref": "ApiGatewayRestApi"}}},
        "ApiGatewayMethodHelloGet": method("GET", "ApiGatewayResourceHello", "HelloLambdaFunction"),
        "ApiGatewayMethodJobsPost": method("POST", "ApiGatewayResourceJobs", "JobsLambdaFunction"),
        "ApiGatewayDeployment1700000000000": {"Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": {"Ref": "ApiGatewayRestApi"}, "StageName": "dev"},
            "DependsOn": ["ApiGatewayMethodHelloGet", "ApiGatewayMethodJobsPost"]},
        "HelloLambdaPermissionApiGateway": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Fn::GetAtt": ["HelloLambdaFunction", "Arn"]},
            "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com"}}
    });
    resources.extend(more.as_object().unwrap().clone());
    t
}

/// Deploys the service as serverless.com does: create the stack with its bucket, upload the
/// package, update the stack with everything. Returns the deployment bucket's name.
fn deploy(p: &Project) -> String {
    let aws = p.aws();
    let cfn = cfn(p);
    let code = tempfile::tempdir().unwrap();
    std::fs::write(
        code.path().join("handler.js"),
        "exports.hello = async () => ({ statusCode: 200 });\nexports.jobs = exports.hello;\n",
    )
    .unwrap();
    let zip = eco_aws::resources::lambda_function::package_dir(code.path()).unwrap();
    rt().block_on(async {
        cfn.create_stack()
            .stack_name(STACK)
            .template_body(bucket_only().to_string())
            .send()
            .await
            .unwrap();
        let bucket = physical_id(&cfn, "ServerlessDeploymentBucket").await;
        aws.s3()
            .put_object()
            .bucket(&bucket)
            .key(CODE_KEY)
            .body(zip.into())
            .send()
            .await
            .unwrap();
        cfn.update_stack()
            .stack_name(STACK)
            .template_body(service().to_string())
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await
            .unwrap();
        bucket
    })
}

async fn physical_id(cfn: &aws_sdk_cloudformation::Client, logical: &str) -> String {
    let out = cfn
        .describe_stack_resource()
        .stack_name(STACK)
        .logical_resource_id(logical)
        .send()
        .await
        .unwrap();
    out.stack_resource_detail()
        .and_then(|d| d.physical_resource_id())
        .unwrap()
        .to_string()
}

/// Fails unless every resource of the service is live in moto.
fn all_live(p: &Project, bucket: &str, api_id: &str) {
    let aws = p.aws();
    rt().block_on(async {
        aws.s3().head_bucket().bucket(bucket).send().await.unwrap();
        aws.dynamodb()
            .describe_table()
            .table_name("svc-dev-users")
            .send()
            .await
            .unwrap();
        aws.iam()
            .get_role()
            .role_name("svc-dev-us-east-1-lambdaRole")
            .send()
            .await
            .unwrap();
        for f in ["svc-dev-hello", "svc-dev-jobs"] {
            aws.lambda()
                .get_function()
                .function_name(f)
                .send()
                .await
                .unwrap();
        }
        let groups = aws
            .logs()
            .describe_log_groups()
            .log_group_name_prefix("/aws/lambda/svc-dev-")
            .send()
            .await
            .unwrap();
        assert_eq!(groups.log_groups().len(), 2, "{groups:?}");
        aws.sqs()
            .get_queue_url()
            .queue_name("svc-dev-jobs")
            .send()
            .await
            .unwrap();
        let api = aws.apigateway();
        api.get_rest_api().rest_api_id(api_id).send().await.unwrap();
        let resources = api
            .get_resources()
            .rest_api_id(api_id)
            .send()
            .await
            .unwrap();
        assert_eq!(resources.items().len(), 3, "{resources:?}");
        api.get_stage()
            .rest_api_id(api_id)
            .stage_name("dev")
            .send()
            .await
            .unwrap();
    });
}

fn state_text(p: &Project) -> Option<String> {
    std::fs::read_to_string(p.file(".eco/state/dev.json")).ok()
}

#[test]
fn a_serverless_stack_is_adopted_retired_and_owned_by_eco() {
    let p = Project::with_main(CONFIG);
    let bucket = deploy(&p);
    let api_id = rt().block_on(physical_id(&cfn(&p), "ApiGatewayRestApi"));

    // discover -stacks: the stack, with how much of it eco adopts (every resource but the
    // Lambda version and the permission moto gives no id).
    let out = ok(&p.eco(&["discover", "-stacks"]));
    assert!(out.contains(STACK), "{out}");
    assert!(out.contains("14 of 16 resources adoptable"), "{out}");
    assert!(out.contains("eco import -from-stack svc-dev"), "{out}");

    // All or nothing: a resource deleted from under the stack fails the import part-way (after
    // others were read), naming it and the operation; state and the directory are untouched.
    let aws = p.aws();
    rt().block_on(async {
        let url = aws
            .sqs()
            .get_queue_url()
            .queue_name("svc-dev-jobs")
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string();
        aws.sqs()
            .delete_queue()
            .queue_url(&url)
            .send()
            .await
            .unwrap();
    });
    let proxy = tagging_proxy(&p);
    let before = state_text(&p);
    let failed = eco_via(&p, &proxy, &["import", "-from-stack", STACK]);
    assert_eq!(failed.status.code(), Some(1), "{}", stdout(&failed));
    let err = stderr(&failed);
    assert!(
        err.contains("sqs-queue.jobs-queue (JobsQueue, AWS::SQS::Queue)"),
        "{err}"
    );
    assert!(err.contains("Import"), "{err}");
    assert!(err.contains("state is as it was"), "{err}");
    assert_eq!(state_text(&p), before, "state changed by a failed import");
    assert!(!p.file("generated.kdl").exists());
    rt().block_on(async {
        aws.sqs()
            .create_queue()
            .queue_name("svc-dev-jobs")
            .send()
            .await
            .unwrap();
    });

    // The import: every mapped resource, references as in the template, the rest listed.
    let out = ok(&eco_via(
        &p,
        &proxy,
        &["import", "-from-stack", STACK, "-generate", "service.kdl"],
    ));
    assert!(
        out.contains("Stack `svc-dev`: 14 of 16 resources adoptable."),
        "{out}"
    );
    assert!(out.contains("Not adopted (2)"), "{out}");
    assert!(out.contains("HelloLambdaVersionAbc123"), "{out}");
    assert!(out.contains("AWS::Lambda::Version"), "{out}");
    assert!(out.contains("HelloLambdaPermissionApiGateway"), "{out}");
    assert!(out.contains("no physical id"), "{out}");
    let kdl = std::fs::read_to_string(p.file("service.kdl")).unwrap();
    for expected in [
        "s3-bucket \"serverless-deployment-bucket\"",
        "lambda-function \"hello-lambda-function\"",
        "source \"stack-code/hello-lambda-function.zip\"",
        "role \"${iam-role.iam-role-lambda-execution.arn}\"",
        "TABLE=\"${dynamodb-table.users-table.name}\"",
        "QUEUE_URL=\"${sqs-queue.jobs-queue.url}\"",
        "rest-api \"${rest-api.api-gateway-rest-api.id}\"",
        "parent \"${rest-api.api-gateway-rest-api.root-resource-id}\"",
        "resource \"${rest-resource.api-gateway-resource-hello.id}\"",
        "uri \"${lambda-function.hello-lambda-function.invoke-arn}\"",
        "http-method \"${rest-method.api-gateway-method-hello-get.http-method}\"",
        "deployment \"${rest-deployment.api-gateway-deployment1700000000000.id}\"",
        "${dynamodb-table.users-table.arn}",
    ] {
        assert!(kdl.contains(expected), "{expected} not in:\n{kdl}");
    }
    assert_eq!(p.id_of("rest-api.api-gateway-rest-api"), api_id);
    assert_eq!(p.id_of("s3-bucket.serverless-deployment-bucket"), bucket);

    // The generated configuration validates, and the next plan changes nothing but ownership
    // tags (moto's gap, above).
    ok(&p.eco(&["validate"]));
    only_ownership_tags(&p, "dev");

    // Retire the stack: the retained template (JSON, as it came), update-stack, delete-stack.
    let out = ok(&p.eco(&[
        "import",
        "-from-stack",
        STACK,
        "-retain-template",
        "retained.json",
    ]));
    assert!(out.contains("never updates or deletes a stack"), "{out}");
    let retained: Value =
        serde_json::from_str(&std::fs::read_to_string(p.file("retained.json")).unwrap()).unwrap();
    for (logical, r) in retained["Resources"].as_object().unwrap() {
        assert_eq!(r["DeletionPolicy"], "Retain", "{logical}");
        assert_eq!(r["UpdateReplacePolicy"], "Retain", "{logical}");
    }
    let cfn = cfn(&p);
    rt().block_on(async {
        let updated = cfn
            .update_stack()
            .stack_name(STACK)
            .template_body(retained.to_string())
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await;
        // moto takes the new template (its policies) and then fails to "update" the types it
        // has no update for (docs/testing.md); AWS changes no resource for a policy-only update.
        if let Err(e) = updated {
            let e = format!("{}", aws_sdk_cloudformation::error::DisplayErrorContext(&e));
            assert!(e.contains("references undefined resource"), "{e}");
        }
        cfn.delete_stack().stack_name(STACK).send().await.unwrap();
        let stacks = cfn.list_stacks().send().await.unwrap();
        let status = stacks
            .stack_summaries()
            .iter()
            .find(|s| s.stack_name() == Some(STACK))
            .and_then(|s| s.stack_status().cloned());
        assert_eq!(status, Some(StackStatus::DeleteComplete));
    });
    all_live(&p, &bucket, &api_id);
    // moto's failed policy-only update (above) also re-created the functions' environment
    // without the values that Ref the resources it dropped; eco now owns them and puts the
    // configuration back in place. Nothing else differs.
    let out = ok(&p.eco(&["plan", "-json"]));
    let plan: Value = serde_json::from_str(&out).unwrap();
    for change in plan["changes"].as_array().unwrap() {
        let address = change["address"].as_str().unwrap();
        assert_eq!(change["action"], "update", "{out}");
        let attrs: Vec<&str> = change["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        match address {
            "rest-api.api-gateway-rest-api" => assert_eq!(attrs, ["tags"], "{out}"),
            "lambda-function.hello-lambda-function" | "lambda-function.jobs-lambda-function" => {
                assert_eq!(attrs, ["env"], "{out}")
            }
            other => panic!("{other} changed: {out}"),
        }
    }
    ok(&eco_via(&p, &proxy, &["apply", "-auto-approve"]));
    only_ownership_tags(&p, "dev");
    let out = ok(&p.eco(&["discover", "-stacks"]));
    assert!(!out.contains(STACK), "{out}");

    // The platform's pool, made beside the stack, gets a custom attribute in place.
    let pool_id = rt().block_on(async {
        let idp = aws.cognito_idp();
        let pool = idp
            .create_user_pool()
            .pool_name("svc-dev-users")
            .send()
            .await
            .unwrap();
        let id = pool.user_pool().unwrap().id().unwrap().to_string();
        idp.admin_create_user()
            .user_pool_id(&id)
            .username("ada")
            .send()
            .await
            .unwrap();
        id
    });
    ok(&p.eco(&["import", "-generate", "cognito-user-pool.users", &pool_id]));
    p.edit_file(
        "generated.kdl",
        "cognito-user-pool \"users\" {\n",
        "cognito-user-pool \"users\" {\n    custom-attribute \"org\" type=\"String\" mutable=#true\n",
    );
    let plan = ok(&p.eco(&["plan"]));
    assert!(
        plan.contains("cognito-user-pool.users will be updated in place"),
        "{plan}"
    );
    assert!(!plan.contains("must be replaced"), "{plan}");
    ok(&eco_via(&p, &proxy, &["apply", "-auto-approve"]));
    assert_eq!(p.id_of("cognito-user-pool.users"), pool_id);
    rt().block_on(async {
        let idp = aws.cognito_idp();
        let users = idp
            .list_users()
            .user_pool_id(&pool_id)
            .send()
            .await
            .unwrap();
        assert_eq!(users.users().len(), 1);
        let pool = idp
            .describe_user_pool()
            .user_pool_id(&pool_id)
            .send()
            .await
            .unwrap();
        let attrs = pool.user_pool().unwrap().schema_attributes();
        assert!(
            attrs.iter().any(|a| a.name() == Some("custom:org")),
            "{attrs:?}"
        );
    });
    only_ownership_tags(&p, "dev");
}

#[test]
fn a_stage_adopts_its_own_stack_under_the_account_guard() {
    let p = Project::with_main(&CONFIG.replace(
        "stage \"prod\" {\n    account \"123456789012\"",
        "stage \"prod\" {\n    account \"123456789012\"\n}\nstage \"other\" {\n    account \"222222222222\"",
    ));
    deploy(&p);
    let proxy = tagging_proxy(&p);
    // A stage whose account is not the credentials' is refused before anything is read.
    let refused = eco_via(
        &p,
        &proxy,
        &["import", "-stage", "other", "-from-stack", STACK],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("222222222222"),
        "{}",
        stderr(&refused)
    );
    assert!(!p.file(".eco/state/other.json").exists());
    // prod adopts it into prod's state; dev's state stays empty.
    ok(&eco_via(
        &p,
        &proxy,
        &["import", "-stage", "prod", "-from-stack", STACK],
    ));
    let prod: Value =
        serde_json::from_str(&std::fs::read_to_string(p.file(".eco/state/prod.json")).unwrap())
            .unwrap();
    assert_eq!(prod["resources"].as_array().unwrap().len(), 17, "{prod}");
    assert!(state_text(&p).is_none());
    only_ownership_tags(&p, "prod");
}

/// The newer mapped types moto's CloudFormation creates: a stack with a queue, a function, the
/// event source mapping between them and a layer version is adopted with `-from-stack`; the
/// mapping under its UUID, with references to the function and the queue, and the layer under
/// its name.
#[test]
fn an_event_source_mapping_and_a_layer_version_are_adopted_from_a_stack() {
    let p = Project::with_main(CONFIG);
    let aws = p.aws();
    let code = tempfile::tempdir().unwrap();
    std::fs::write(
        code.path().join("handler.js"),
        "exports.run = async () => {};\n",
    )
    .unwrap();
    let zip = eco_aws::resources::lambda_function::package_dir(code.path()).unwrap();
    let template = json!({
        "Resources": {
            "WorkQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs-dev-work"}},
            "WorkerRole": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": "jobs-dev-worker",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]}}},
            "Worker": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": "jobs-dev-worker",
                "Runtime": "nodejs20.x",
                "Handler": "handler.run",
                "Role": {"Fn::GetAtt": ["WorkerRole", "Arn"]},
                "Code": {"S3Bucket": "jobs-dev-code", "S3Key": "worker.zip"}}},
            "WorkerQueueMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "FunctionName": {"Ref": "Worker"},
                "EventSourceArn": {"Fn::GetAtt": ["WorkQueue", "Arn"]},
                "BatchSize": 5}},
            // moto names a layer version from `LayerVersion` (not a property AWS has) instead
            // of `LayerName`, and reports no physical id for it: both say the same name here,
            // which the mapping then takes from `LayerName` (docs/testing.md).
            "DepsLayer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {
                "LayerName": "jobs-dev-deps",
                "LayerVersion": "jobs-dev-deps",
                "Content": {"S3Bucket": "jobs-dev-code", "S3Key": "worker.zip"}}}
        }
    });
    let uuid = rt().block_on(async {
        aws.s3()
            .create_bucket()
            .bucket("jobs-dev-code")
            .send()
            .await
            .unwrap();
        aws.s3()
            .put_object()
            .bucket("jobs-dev-code")
            .key("worker.zip")
            .body(zip.into())
            .send()
            .await
            .unwrap();
        let cfn = cfn(&p);
        cfn.create_stack()
            .stack_name("jobs-dev")
            .template_body(template.to_string())
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await
            .unwrap();
        let mappings = aws
            .lambda()
            .list_event_source_mappings()
            .function_name("jobs-dev-worker")
            .send()
            .await
            .unwrap();
        mappings.event_source_mappings()[0]
            .uuid()
            .unwrap()
            .to_string()
    });

    let out = ok(&p.eco(&["import", "-from-stack", "jobs-dev", "-generate", "jobs.kdl"]));
    assert!(
        out.contains("Stack `jobs-dev`: 5 of 5 resources adoptable."),
        "{out}"
    );
    let kdl = std::fs::read_to_string(p.file("jobs.kdl")).unwrap();
    for expected in [
        "lambda-event-source-mapping \"worker-queue-mapping\"",
        "${lambda-function.worker.",
        "${sqs-queue.work-queue.arn}",
        "batch-size 5",
        "lambda-layer \"deps-layer\"",
        "name \"jobs-dev-deps\"",
    ] {
        assert!(kdl.contains(expected), "{expected} not in:\n{kdl}");
    }
    // AWS gives no layer's content back: the user completes its `source`, as the import says.
    assert!(out.contains("complete their configuration"), "{out}");
    std::fs::create_dir_all(p.file("layer")).unwrap();
    std::fs::write(p.file("layer/index.js"), "module.exports = {};\n").unwrap();
    let completed = kdl.replace(
        "lambda-layer \"deps-layer\" {\n",
        "lambda-layer \"deps-layer\" {\n    source \"layer\"\n",
    );
    std::fs::write(p.file("jobs.kdl"), completed).unwrap();
    ok(&p.eco(&["validate"]));
    assert_eq!(
        p.id_of("lambda-event-source-mapping.worker-queue-mapping"),
        uuid
    );
    assert_eq!(p.id_of("lambda-layer.deps-layer"), "jobs-dev-deps");
}
