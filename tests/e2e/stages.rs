//! Stages in their own AWS accounts (moto isolates accounts behind AssumeRole).

use eco_test_support::Moto;

use crate::support::{eco, stderr, stdout};

const PLATFORM: &str = r#"project "ecogy"

stage "dev" {
    account "123456789012"
    region "us-east-1"
    tags cost-center="dev"
}

stage "prod" {
    account "222222222222"
    region "us-east-1"
    assume-role "arn:aws:iam::222222222222:role/eco-deploy"
    tags cost-center="prod"
}

dynamodb-table "assets" {
    name "ecogy-assets"
    hash-key "pk" type="S"
    billing-mode "PAY_PER_REQUEST"
}

s3-bucket "site" {
    name "ecogy-${stage}-site"
    versioning #true
}
"#;

fn tables(rt: &tokio::runtime::Runtime, aws: &eco_aws::Aws) -> Vec<String> {
    rt.block_on(async { aws.dynamodb().list_tables().send().await.unwrap() })
        .table_names()
        .to_vec()
}

#[test]
fn each_stage_applies_into_its_own_account_with_its_own_state() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), PLATFORM).unwrap();
    let run = |args: &[&str]| {
        eco()
            .args(args)
            .current_dir(dir.path())
            .envs(moto.env())
            .output()
            .unwrap()
    };

    let out = run(&["apply", "-stage", "prod", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dev_account = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let prod_account = rt.block_on(eco_aws::Aws::for_endpoint_as(
        &moto.endpoint(),
        "us-east-1",
        "arn:aws:iam::222222222222:role/eco-deploy",
    ));
    assert_eq!(
        rt.block_on(prod_account.caller_account()).unwrap(),
        "222222222222"
    );
    assert_eq!(
        tables(&rt, &prod_account),
        ["ecogy-assets"],
        "prod's table is in prod's account"
    );
    assert!(
        tables(&rt, &dev_account).is_empty(),
        "nothing in the dev account yet"
    );

    let out = run(&["apply", "-stage", "dev", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(tables(&rt, &dev_account), ["ecogy-assets"]);

    // Separate states, each recording its own stage's resources and default tags.
    for (stage, cost) in [("dev", "dev"), ("prod", "prod")] {
        let out = run(&["state", "pull", "-stage", stage]);
        let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(state["stage"], stage);
        let site = state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == "s3-bucket.site")
            .unwrap();
        assert_eq!(site["id"], format!("ecogy-{stage}-site"));
        assert_eq!(site["attributes"]["tags"]["cost-center"], cost);
        assert_eq!(site["attributes"]["tags"]["eco:stage"], stage);
    }
    assert!(
        dir.path().join(".eco/state/dev.json").exists()
            && dir.path().join(".eco/state/prod.json").exists()
    );
    let out = run(&["plan", "-stage", "prod", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_stage_whose_account_differs_from_the_credentials_is_refused_before_any_change() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.kdl"),
        PLATFORM.replace("account \"123456789012\"", "account \"999999999999\""),
    )
    .unwrap();
    moto.start_recording();
    let out = eco()
        .args(["apply", "-stage", "dev", "-auto-approve"])
        .current_dir(dir.path())
        .envs(moto.env())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("declares account 999999999999")
            && err.contains("act in account 123456789012"),
        "{err}"
    );
    let calls = moto.recorded_calls();
    let ops: Vec<&str> = calls.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(
        ops,
        ["GetCallerIdentity"],
        "nothing but the identity check reached AWS"
    );
}

#[test]
fn state_can_live_in_a_tooling_account_while_resources_go_to_the_stage_account() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let config = PLATFORM.replace(
        "project \"ecogy\"\n",
        "project \"ecogy\"\nbackend \"s3\" bucket=\"ecogy-tooling-state\" key=\"platform\" region=\"us-east-1\" lock-table=\"eco-locks\"\n",
    );
    std::fs::write(dir.path().join("main.kdl"), config).unwrap();
    let run = |args: &[&str]| {
        eco()
            .args(args)
            .current_dir(dir.path())
            .envs(moto.env())
            .output()
            .unwrap()
    };
    let out = run(&["bootstrap", "-stage", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["apply", "-stage", "prod", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let tooling = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let prod = rt.block_on(eco_aws::Aws::for_endpoint_as(
        &moto.endpoint(),
        "us-east-1",
        "arn:aws:iam::222222222222:role/eco-deploy",
    ));
    // The state object (and the lock table) are in the tooling account; the table in prod's only.
    let keys: Vec<String> = rt
        .block_on(async {
            tooling
                .s3()
                .list_objects_v2()
                .bucket("ecogy-tooling-state")
                .send()
                .await
                .unwrap()
        })
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
    assert_eq!(keys, ["platform/prod.json"]);
    assert_eq!(tables(&rt, &prod), ["ecogy-assets"]);
    assert_eq!(
        tables(&rt, &tooling),
        ["eco-locks"],
        "only the lock table in the tooling account"
    );
}
