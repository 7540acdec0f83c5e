//! examples/rest-api end to end against moto: apply from empty and plan clean; a changed
//! integration makes a new deployment and moves the stage to it in the same apply (the API id
//! stays); the parts of a REST API made by hand with the SDK are imported with `-generate` and
//! then plan clean with their ids unchanged.

use crate::support::*;

#[test]
fn rest_api_applies_plans_clean_and_redeploys_on_an_integration_change() {
    let p = Project::from_example("examples/rest-api");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete!"), "{out}");
    p.no_changes();

    let api = p.id_of("rest-api.main");
    // A deployment's id in state is REST-API-ID/DEPLOYMENT-ID; the stage names the deployment.
    let deployment_of = |p: &Project| {
        let id = p.id_of("rest-deployment.main");
        id.split_once('/').unwrap().1.to_string()
    };
    let deployment = deployment_of(&p);
    assert_eq!(p.attr("rest-stage.dev", "deployment"), deployment);

    // One integration changed: the plan replaces the deployment (create before destroy) and
    // moves the stage; the API and the other parts stay.
    p.edit(
        "request-templates \"application/json\"=\"{\\\"statusCode\\\": 200}\"",
        "request-templates \"application/json\"=\"{\\\"statusCode\\\": 204}\"",
    );
    let text = ok(&p.eco(&["plan"]));
    assert!(
        text.contains("# rest-integration.items-options will be updated in place"),
        "{text}"
    );
    assert!(
        text.contains("rest-deployment.main must be replaced"),
        "{text}"
    );
    assert!(
        text.contains("# rest-stage.dev will be updated in place"),
        "{text}"
    );
    assert!(!text.contains("rest-api.main will"), "{text}");
    assert!(!text.contains("rest-method.items-get will"), "{text}");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete!"), "{out}");
    let redeployed = deployment_of(&p);
    assert_ne!(redeployed, deployment, "a new deployment");
    assert_eq!(p.attr("rest-stage.dev", "deployment"), redeployed);
    assert_eq!(p.id_of("rest-api.main"), api, "the API id stays");
    p.no_changes();

    // The old deployment is gone, the new one is served.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let aws = p.aws();
    let ids: Vec<String> = rt.block_on(async {
        let out = aws
            .apigateway()
            .get_deployments()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap();
        out.items()
            .iter()
            .filter_map(|d| d.id().map(str::to_string))
            .collect()
    });
    assert_eq!(ids, vec![redeployed], "only the new deployment is left");
}

#[test]
fn removing_a_method_and_its_integration_redeploys_the_stage_once() {
    let p = Project::from_example("examples/rest-api");
    ok(&p.eco(&["apply", "-auto-approve"]));
    let api = p.id_of("rest-api.main");
    let deployment = p.attr("rest-stage.dev", "deployment");
    let options = p.id_of("rest-method.items-options");

    // The CORS preflight goes: its method and integration leave the configuration.
    let main = std::fs::read_to_string(p.file("main.kdl")).unwrap();
    let start = main.find("rest-method \"items-options\"").unwrap();
    let end = main.find("rest-deployment \"main\"").unwrap();
    p.write("main.kdl", &format!("{}{}", &main[..start], &main[end..]));

    let text = ok(&p.eco(&["plan"]));
    assert!(
        text.contains("# rest-method.items-options will be destroyed"),
        "{text}"
    );
    assert!(
        text.contains("rest-deployment.main must be replaced"),
        "{text}"
    );
    // Why, in the plan's JSON.
    let deployment_change = p.planned("rest-deployment.main").to_string();
    assert!(
        deployment_change
            .contains("rest-integration.items-options was removed (the deployment snapshots it)"),
        "{deployment_change}"
    );
    assert!(
        text.contains("# rest-stage.dev will be updated in place"),
        "{text}"
    );
    assert!(!text.contains("rest-api.main will"), "{text}");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete!"), "{out}");
    // The removed parts are gone before the new deployment is made, so that it snapshots the API
    // without them.
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {out}"))
    };
    assert!(
        at("rest-method.items-options: Destruction complete") < at("rest-deployment.main: "),
        "{out}"
    );

    let redeployed = p.attr("rest-stage.dev", "deployment");
    assert_ne!(redeployed, deployment, "a new deployment");
    assert_eq!(
        p.id_of("rest-deployment.main").split_once('/').unwrap().1,
        redeployed
    );
    assert_eq!(p.id_of("rest-api.main"), api, "the API id stays");
    p.no_changes();

    // The method is gone, and only the new deployment is left.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let aws = p.aws();
    let (method, ids) = rt.block_on(async {
        let c = aws.apigateway();
        let (_, resource, _) = {
            let mut parts = options.splitn(3, '/');
            (
                parts.next().unwrap().to_string(),
                parts.next().unwrap().to_string(),
                parts.next().unwrap().to_string(),
            )
        };
        let method = c
            .get_method()
            .rest_api_id(&api)
            .resource_id(&resource)
            .http_method("OPTIONS")
            .send()
            .await;
        let deployments = c.get_deployments().rest_api_id(&api).send().await.unwrap();
        let ids: Vec<String> = deployments
            .items()
            .iter()
            .filter_map(|d| d.id().map(str::to_string))
            .collect();
        (method, ids)
    });
    assert!(method.is_err(), "the OPTIONS method is deleted: {method:?}");
    assert_eq!(ids, vec![redeployed], "only the new deployment is left");
}

#[test]
fn a_hand_made_rest_apis_parts_are_imported_with_generate_and_plan_clean() {
    let p = Project::with_main(
        "project \"handmade\"\nstage \"dev\" {\n    account \"123456789012\"\n    region \"us-east-1\"\n}\n",
    );
    let (api, resource, authorizer, deployment) = hand_made_api(&p, None);

    // The API itself is not imported here: adoption tags it (TagResource on its ARN), which
    // moto answers with a 500 for REST API ARNs (docs/testing.md); its parts are.
    let imports = [
        ("rest-resource.orders", format!("{api}/{resource}")),
        ("rest-authorizer.cognito", format!("{api}/{authorizer}")),
        ("rest-method.orders-get", format!("{api}/{resource}/GET")),
        (
            "rest-integration.orders-get",
            format!("{api}/{resource}/GET"),
        ),
        ("rest-deployment.first", format!("{api}/{deployment}")),
        ("rest-stage.live", format!("{api}/live")),
    ];
    for (address, id) in &imports {
        let out = ok(&p.eco(&["import", "-generate", address, id]));
        assert!(out.contains("generated.kdl"), "{out}");
    }
    let generated = std::fs::read_to_string(p.file("generated.kdl")).unwrap();
    assert!(
        generated.contains(&format!("rest-api \"{api}\"")),
        "{generated}"
    );
    assert!(generated.contains("path-part \"orders\""), "{generated}");
    assert!(
        generated.contains("authorization \"COGNITO_USER_POOLS\""),
        "{generated}"
    );
    p.no_changes();
    for (address, id) in &imports {
        assert_eq!(&p.id_of(address), id, "{address} keeps its id");
    }
}

/// A REST API made as boto3 would: a resource `/orders`, a Cognito authorizer, a GET method with
/// a Lambda proxy integration, a deployment and a stage `live`. Its (API, resource, authorizer,
/// deployment) ids.
fn hand_made_api(
    p: &Project,
    tags: Option<std::collections::HashMap<String, String>>,
) -> (String, String, String, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let aws = p.aws();
    let fn_uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hand/invocations";
    // As boto3 would: an API, a resource, a method with an authorizer, a Lambda integration,
    // a deployment and a stage.
    rt.block_on(async {
        let c = aws.apigateway();
        let api = c
            .create_rest_api()
            .name("hand-made")
            .description("made by hand")
            .set_tags(tags)
            .send()
            .await
            .unwrap();
        let api = api.id().unwrap().to_string();
        let root = c
            .get_resources()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .find(|r| r.path() == Some("/"))
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        let resource = c
            .create_resource()
            .rest_api_id(&api)
            .parent_id(&root)
            .path_part("orders")
            .send()
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        let authorizer = c
            .create_authorizer()
            .rest_api_id(&api)
            .name("cognito")
            .r#type(aws_sdk_apigateway::types::AuthorizerType::CognitoUserPools)
            .provider_arns("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_hand")
            .identity_source("method.request.header.Authorization")
            .send()
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        c.put_method()
            .rest_api_id(&api)
            .resource_id(&resource)
            .http_method("GET")
            .authorization_type("COGNITO_USER_POOLS")
            .authorizer_id(&authorizer)
            .send()
            .await
            .unwrap();
        c.put_integration()
            .rest_api_id(&api)
            .resource_id(&resource)
            .http_method("GET")
            .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(fn_uri)
            .send()
            .await
            .unwrap();
        let deployment = c
            .create_deployment()
            .rest_api_id(&api)
            .description("first")
            .send()
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        c.create_stage()
            .rest_api_id(&api)
            .stage_name("live")
            .deployment_id(&deployment)
            .send()
            .await
            .unwrap();
        (api, resource, authorizer, deployment)
    })
}

/// `eco import -generate rest-api.NAME ID` adopts the whole API: its resources, methods,
/// integrations, authorizer, deployment and stage, written with references to each other. The
/// API here carries eco's ownership tags for this address already (an eco project whose state
/// was lost), so that adoption need not tag it: moto cannot tag a REST API after its creation.
#[test]
fn a_whole_rest_api_is_imported_in_one_step_and_plans_clean() {
    let p = Project::with_main(
        "project \"handmade\"\nstage \"dev\" {\n    account \"123456789012\"\n    region \"us-east-1\"\n}\n",
    );
    let tags = [
        ("eco:project", "handmade"),
        ("eco:stage", "dev"),
        ("eco:address", "rest-api.hand"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .into_iter()
    .collect();
    let (api, resource, authorizer, deployment) = hand_made_api(&p, Some(tags));
    let out = ok(&p.eco(&["import", "-generate", "rest-api.hand", &api]));
    assert!(out.contains("rest-method.orders-get: imported"), "{out}");
    let generated = std::fs::read_to_string(p.file("generated.kdl")).unwrap();
    for block in [
        "rest-api \"hand\" {",
        "rest-resource \"orders\" {",
        "rest-authorizer \"cognito\" {",
        "rest-method \"orders-get\" {",
        "rest-integration \"orders-get\" {",
        "rest-deployment \"live\" {",
        "rest-stage \"live\" {",
    ] {
        assert!(generated.contains(block), "{block}: {generated}");
    }
    assert!(
        generated.contains("parent \"${rest-api.hand.root-resource-id}\""),
        "{generated}"
    );
    assert!(
        generated.contains("authorizer \"${rest-authorizer.cognito.id}\""),
        "{generated}"
    );
    assert!(
        generated.contains("http-method \"${rest-method.orders-get.http-method}\""),
        "{generated}"
    );
    assert!(!generated.contains(&format!("\"{api}\"")), "{generated}");
    p.no_changes();
    for (address, id) in [
        ("rest-api.hand", api.clone()),
        ("rest-resource.orders", format!("{api}/{resource}")),
        ("rest-authorizer.cognito", format!("{api}/{authorizer}")),
        ("rest-method.orders-get", format!("{api}/{resource}/GET")),
        (
            "rest-integration.orders-get",
            format!("{api}/{resource}/GET"),
        ),
        ("rest-deployment.live", format!("{api}/{deployment}")),
        ("rest-stage.live", format!("{api}/live")),
    ] {
        assert_eq!(p.id_of(address), id, "{address} keeps its id");
    }
}

/// An API key's value, given by a sensitive variable or generated by AWS, appears in no output
/// channel: plan, plan -json, apply, show, show -json, state show, output, output -json; a new
/// value replaces the key, and the plan says so without showing either value.
#[test]
fn an_api_keys_value_appears_in_no_output_channel() {
    const GIVEN: &str = "partner-key-4f1c9a-never-print";
    const NEXT: &str = "partner-key-77d0e2-never-print";
    let p = Project::with_main(
        r#"project "keys"

var "partner-key" sensitive=#true

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

rest-api-key "partner" {
    name "keys-partner"
    enabled #true
    value "${var.partner-key}"
}

rest-api-key "generated" {
    name "keys-generated"
    enabled #true
}

output "partner-key" value="${rest-api-key.partner.value}"
output "generated-key" value="${rest-api-key.generated.value}"
"#,
    );
    let printed = |out: &std::process::Output| format!("{}\n{}", stdout(out), stderr(out));
    let with_key = |key: &str, args: &[&str]| {
        let var = format!("partner-key={key}");
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-var", var.as_str()]);
        p.eco(&all)
    };
    let mut seen = Vec::new();
    seen.push(("plan", printed(&with_key(GIVEN, &["plan"]))));
    seen.push(("plan -json", printed(&with_key(GIVEN, &["plan", "-json"]))));
    let apply = with_key(GIVEN, &["apply", "-auto-approve"]);
    assert!(apply.status.success(), "{}", printed(&apply));
    seen.push(("apply", printed(&apply)));
    let generated = p.attr("rest-api-key.generated", "value");
    assert!(generated.len() >= 20, "AWS generated a value: {generated}");
    assert_eq!(p.attr("rest-api-key.partner", "value"), GIVEN);

    seen.push(("show", printed(&p.eco(&["show"]))));
    seen.push(("show -json", printed(&p.eco(&["show", "-json"]))));
    for address in ["rest-api-key.partner", "rest-api-key.generated"] {
        seen.push(("state show", printed(&p.eco(&["state", "show", address]))));
    }
    seen.push(("output", printed(&p.eco(&["output"]))));
    seen.push(("output -json", printed(&p.eco(&["output", "-json"]))));
    let listed = ok(&p.eco(&["output"]));
    assert!(
        listed.contains("partner-key   = (sensitive value)"),
        "{listed}"
    );
    let plan = with_key(GIVEN, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", printed(&plan));

    // A new value: AWS cannot change a key's value, so the key is replaced.
    let id = p.id_of("rest-api-key.partner");
    let plan = with_key(NEXT, &["plan"]);
    let text = printed(&plan);
    assert!(
        text.contains("rest-api-key.partner must be replaced"),
        "{text}"
    );
    seen.push(("plan of a new value", text));
    seen.push((
        "plan -json of a new value",
        printed(&with_key(NEXT, &["plan", "-json"])),
    ));
    let apply = with_key(NEXT, &["apply", "-auto-approve"]);
    assert!(apply.status.success(), "{}", printed(&apply));
    seen.push(("apply of a new value", printed(&apply)));
    assert_ne!(p.id_of("rest-api-key.partner"), id, "a new key");
    assert_eq!(p.attr("rest-api-key.partner", "value"), NEXT);
    let plan = with_key(NEXT, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", printed(&plan));

    for (channel, text) in &seen {
        for secret in [GIVEN, NEXT, generated.as_str()] {
            assert!(
                !text.contains(secret),
                "{channel} shows a key's value:\n{text}"
            );
        }
    }
    // Asked for by name, an output is printed: that is how a script reads the key.
    assert_eq!(ok(&p.eco(&["output", "generated-key"])).trim(), generated);
}

/// A REST API defined by an OpenAPI document (`body "${file("openapi.json")}"`): applied from
/// empty it has the document's resources and plans clean; an edited document is put again in
/// place (its SHA-256 changed), the API id stays, and the next plan is clean.
#[test]
fn a_rest_api_from_an_openapi_file_is_put_again_when_the_file_changes() {
    let p = Project::with_main(
        r#"project "documented"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

rest-api "main" {
    name "documented-${stage}"
    endpoint-type "REGIONAL"
    body "${file(\"openapi.json\")}"
}
"#,
    );
    let document = |paths: &[&str]| {
        let paths: Vec<String> = paths
            .iter()
            .map(|p| {
                format!(r#""{p}": {{"get": {{"responses": {{"200": {{"description": "ok"}}}}}}}}"#)
            })
            .collect();
        format!(
            r#"{{"openapi": "3.0.1", "info": {{"title": "documented", "description": "d", "version": "1"}}, "paths": {{{}}}}}"#,
            paths.join(", ")
        )
    };
    p.write("openapi.json", &document(&["/items", "/items/{id}"]));
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete!"), "{out}");
    p.no_changes();
    let api = p.id_of("rest-api.main");
    let hash = p.attr("rest-api.main", "body-sha256");
    assert_eq!(hash.len(), 64, "{hash}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let aws = p.aws();
    let paths = || {
        rt.block_on(async {
            let out = aws
                .apigateway()
                .get_resources()
                .rest_api_id(&api)
                .send()
                .await
                .unwrap();
            let mut paths: Vec<String> = out
                .items()
                .iter()
                .filter_map(|r| r.path().map(str::to_string))
                .collect();
            paths.sort();
            paths
        })
    };
    assert_eq!(paths(), ["/", "/items", "/items/{id}"]);

    p.write("openapi.json", &document(&["/orders"]));
    let text = ok(&p.eco(&["plan"]));
    assert!(
        text.contains("# rest-api.main will be updated in place"),
        "{text}"
    );
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete!"), "{out}");
    assert_eq!(p.id_of("rest-api.main"), api, "the API id stays");
    assert_ne!(p.attr("rest-api.main", "body-sha256"), hash);
    assert_eq!(paths(), ["/", "/orders"]);
    p.no_changes();
}
