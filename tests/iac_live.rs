//! The demo SAM application (demo/sam-app) checked before deploy and, deployed to LocalStack
//! (the same role and table created directly: the pinned LocalStack runs without
//! CloudFormation), checked live: both verdicts must agree, feature by feature.

use crate::common::*;

fn verdicts(r: &serde_json::Value) -> Vec<(String, String)> {
    r["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_demo_application_gets_the_same_verdicts_before_deploy_and_live() {
    let iam = iam().await;
    let table = unique("links");
    let role = unique("links-fn");
    let features = "crud,query,indexes,batch,ping";
    let param = format!("TableName={table}");
    let pre = pydynox_iam(&[
        "check",
        "--template",
        "demo/sam-app/template.yaml",
        "--function",
        "LinksFunction",
        "--parameter",
        &param,
        "-f",
        features,
        "--table",
        "LinksTable",
        "--all-indexes",
        "--account",
        "000000000000",
        "--region",
        REGION,
        "--format",
        "json",
    ]);
    assert_eq!(pre.code, 1, "{}{}", pre.stdout, pre.stderr);
    let pre = pre.json();

    // Deploy what the template says: the function role's inline policy, and the table.
    let inline = pre["policies"]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["source"]["type"] == "inline")
        .expect("the SAM policy template, expanded");
    let mut doc: serde_json::Value =
        serde_json::from_str(inline["text"].as_str().unwrap()).unwrap();
    // SAM writes no `Version` (IAM reads 2008-10-17; no policy variables here); LocalStack
    // refuses a document without one.
    doc["Version"] = "2012-10-17".into();
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("create role");
    iam.put_role_policy()
        .role_name(&role)
        .policy_name("template")
        .policy_document(doc.to_string())
        .send()
        .await
        .expect("put role policy");
    create_table(&table, &["by-owner"]).await;

    let live = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "-f",
        features,
        "--table",
        &table,
        "--all-indexes",
        "--format",
        "json",
    ]);
    assert_eq!(live.code, 1, "{}{}", live.stdout, live.stderr);
    let live = live.json();
    assert_eq!(verdicts(&pre), verdicts(&live));
    // And the one feature the template does not grant is the one that fails.
    let failed: Vec<_> = verdicts(&live)
        .into_iter()
        .filter(|(_, v)| v != "PASS")
        .collect();
    assert_eq!(failed, vec![("ping".to_string(), "FAIL".to_string())]);
}
