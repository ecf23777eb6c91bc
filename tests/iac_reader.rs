//! The infrastructure-code reader (`grants::iac`) on templates and plans written for these tests
//! (tests/iac/): what it extracts from each, its errors on bad input, and two checks against the
//! real tools: the AWS SAM translator must build the same function roles from the SAM fixtures,
//! and cfn-lint must find no error in the template fixtures. Both tools run from a pinned venv
//! that tests/iac/tools/venv.sh creates on first use.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pydynox_iam::grants::iac::*;
use serde_json::json;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/iac")
}

fn text(rel: &str) -> String {
    std::fs::read_to_string(dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn opts() -> TemplateOptions {
    TemplateOptions {
        stack_name: Some("urls".into()),
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        parameters: Vec::new(),
    }
}

fn template(rel: &str) -> IacModel {
    template_with(rel, &opts())
}

fn template_with(rel: &str, o: &TemplateOptions) -> IacModel {
    read_template(rel, &text(rel), o).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn plan(rel: &str) -> IacModel {
    read_plan(rel, &text(rel), &PlanOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn role<'a>(m: &'a IacModel, id: &str) -> &'a Principal {
    m.find_principal(PrincipalKind::Role, id)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Inline documents of a principal, by name, as display JSON.
fn inline(p: &Principal) -> Vec<(String, serde_json::Value)> {
    p.policies
        .iter()
        .filter_map(|pol| match &pol.body {
            PolicyBody::Inline { document } => {
                Some((pol.name.to_string(), document.to_display_json()))
            }
            _ => None,
        })
        .collect()
}

fn managed(p: &Principal) -> Vec<String> {
    p.policies
        .iter()
        .filter_map(|pol| match &pol.body {
            PolicyBody::Managed(m) => Some(match &m.arn {
                ManagedPolicyArn::Arn(t) => t.to_string(),
                ManagedPolicyArn::Name(n) => format!("name:{n}"),
            }),
            _ => None,
        })
        .collect()
}

fn env_var(m: &IacModel, function: &str, var: &str) -> Value {
    let f = m
        .function(function)
        .unwrap_or_else(|| panic!("no function {function}"));
    f.environment
        .iter()
        .find(|(k, _)| k == var)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("{function} has no {var}"))
}

const CRUD_ACTIONS: [&str; 10] = [
    "dynamodb:GetItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem",
];

// ---------------------------------------------------------------- SAM, the done-when fixtures

#[test]
fn sam_crud_policy_names_the_table_and_its_indexes_by_the_same_symbol_as_the_env_var() {
    let m = template("sam/crud.yaml");
    assert_eq!(m.source, SourceKind::Sam);
    let r = role(&m, "UrlsFunctionRole");
    assert!(r.created);
    assert_eq!(r.completeness, Completeness::Exact);
    assert_eq!(r.defined_by, "AWS::Serverless::Function UrlsFunction");
    let docs = inline(r);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].0, "UrlsFunctionRolePolicy0");
    assert_eq!(
        docs[0].1,
        json!({"Statement": [{
        "Action": CRUD_ACTIONS,
        "Effect": "Allow",
        "Resource": [
            "arn:aws:dynamodb:us-east-1:111122223333:table/${UrlsTable.Ref}",
            "arn:aws:dynamodb:us-east-1:111122223333:table/${UrlsTable.Ref}/index/*"
        ]}]})
    );
    assert_eq!(
        managed(r),
        ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    );
    // The code reaches the table through TABLE_NAME: the same symbol as the policy's.
    let table = m.table("UrlsTable").unwrap();
    assert_eq!(
        env_var(&m, "UrlsFunction", "TABLE_NAME"),
        Value::Text(table.name.clone())
    );
    assert_eq!(table.name.to_string(), "${UrlsTable.Ref}");
    // Generated name: the stack name and logical id are a certain prefix, the rest unknown.
    let Part::Symbol(s) = &table.name.parts()[0] else {
        panic!()
    };
    assert_eq!(s.shape[0], Part::Known("urls-UrlsTable-".into()));
    assert!(matches!(&s.shape[1], Part::Unknown(u) if u.code == UnknownCode::Generated));
    assert_eq!(
        table.arn.to_string(),
        "arn:aws:dynamodb:us-east-1:111122223333:table/${UrlsTable.Ref}"
    );
    let gsi: Vec<String> = table
        .global_indexes
        .iter()
        .map(|i| i.name.to_string())
        .collect();
    let lsi: Vec<String> = table
        .local_indexes
        .iter()
        .map(|i| i.name.to_string())
        .collect();
    assert_eq!(
        (gsi, lsi),
        (vec!["by-owner".to_string()], vec!["by-created".to_string()])
    );
    assert_eq!(table.key_schema.len(), 2);
    // Globals merged into the function's environment.
    assert_eq!(
        env_var(&m, "UrlsFunction", "LOG_LEVEL"),
        Value::known("INFO")
    );
    assert_eq!(
        m.function("UrlsFunction").unwrap().role,
        FunctionRole::Principal {
            id: "UrlsFunctionRole".into()
        }
    );
    assert!(m.unresolved.is_empty(), "{:?}", m.unresolved);
}

#[test]
fn sam_read_and_write_templates_together_lack_delete_item() {
    let m = template("sam/read-write.yaml");
    let r = role(&m, "UrlsFunctionRole");
    let actions: Vec<String> = inline(r)
        .iter()
        .flat_map(|(_, d)| d["Statement"][0]["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"dynamodb:PutItem".to_string()));
    assert!(actions.contains(&"dynamodb:GetItem".to_string()));
    assert!(!actions.contains(&"dynamodb:DeleteItem".to_string()));
    assert!(!actions.contains(&"dynamodb:ConditionCheckItem".to_string()));
    // A named table: its name is known text.
    assert_eq!(
        m.table("UrlsTable").unwrap().arn.as_known(),
        Some("arn:aws:dynamodb:us-east-1:111122223333:table/urls")
    );
    assert_eq!(
        env_var(&m, "UrlsFunction", "TABLE_NAME"),
        Value::known("urls")
    );
}

#[test]
fn sam_kms_templates_grant_encrypt_and_decrypt_on_the_key_the_env_var_names() {
    let m = template("sam/kms.yaml");
    let r = role(&m, "SecretsFunctionRole");
    let docs = inline(r);
    assert_eq!(docs.len(), 3);
    let key = &m.keys[0];
    assert_eq!(key.id, "DataKey");
    let key_arn = key.arn.to_string();
    assert_eq!(
        key_arn,
        "arn:aws:kms:us-east-1:111122223333:key/${DataKey.KeyId}"
    );
    assert_eq!(docs[1].1["Statement"][0]["Action"], json!("kms:Encrypt"));
    assert_eq!(docs[1].1["Statement"][0]["Resource"], json!(key_arn));
    assert_eq!(docs[2].1["Statement"][0]["Action"], json!("kms:Decrypt"));
    assert_eq!(docs[2].1["Statement"][0]["Resource"], json!(key_arn));
    // `!GetAtt DataKey.Arn` in the environment and `!Ref DataKey` in the template: one key.
    assert_eq!(
        env_var(&m, "SecretsFunction", "KEY_ARN"),
        Value::Text(key.arn.clone())
    );
    assert_eq!(key.aliases.len(), 1);
    assert_eq!(key.aliases[0].as_known(), Some("alias/urls-data"));
    assert!(!key.default_policy);
    let kp = m
        .resource_policies
        .iter()
        .find(|p| p.kind == ResourceKind::KmsKey)
        .unwrap();
    assert_eq!(kp.resource_id.as_deref(), Some("DataKey"));
    assert_eq!(
        kp.document.to_display_json()["Statement"][0]["Principal"]["AWS"],
        json!("arn:aws:iam::111122223333:root")
    );
    // SimpleTable: a table with a one-attribute key.
    let t = m.table("SecretsTable").unwrap();
    assert_eq!(t.key_schema[0].attribute.as_known(), Some("pk"));
}

#[test]
fn sam_mixed_policies_conditions_and_extras() {
    let m = template("sam/mixed.yaml");
    let r = role(&m, "ReportFunctionRole");
    assert_eq!(r.path.as_known(), Some("/services/"));
    assert!(
        r.arn
            .to_string()
            .starts_with("arn:aws:iam::111122223333:role/services/${ReportFunctionRole.Ref}")
    );
    let names: Vec<String> = inline(r).into_iter().map(|(n, _)| n).collect();
    // Index 3 is `!If [IsProd, ..., NoValue]` with Env=dev: gone; index 4 (the Deny) stays.
    assert_eq!(
        names,
        [
            "DeadLetterQueuePolicy",
            "ReportFunctionRolePolicy2",
            "ReportFunctionRolePolicy4",
            "ReportFunctionRolePolicy5",
            "ReportFunctionRolePolicy6"
        ]
    );
    let deny = &inline(r)[2].1;
    assert_eq!(deny["Statement"][0]["Effect"], json!("Deny"));
    assert_eq!(
        managed(r),
        [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
            "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
            "arn:aws:iam::111122223333:policy/reports-extra",
        ]
    );
    let b = r.boundary.as_ref().unwrap();
    assert_eq!(
        b.arn,
        ManagedPolicyArn::Arn(Text::known(
            "arn:aws:iam::111122223333:policy/services-boundary"
        ))
    );
    assert_eq!(b.document, ManagedDocument::Referenced);
    let tags: Vec<&str> = r.tags.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(tags, ["lambda:createdBy", "team", "service"]);
    // Env=prod switches the conditional entries.
    let mut o = opts();
    o.parameters = vec![("Env".into(), "prod".into())];
    let prod = template_with("sam/mixed.yaml", &o);
    let names: Vec<String> = inline(role(&prod, "ReportFunctionRole"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(names.contains(&"ReportFunctionRolePolicy3".to_string()));
    assert!(!names.contains(&"ReportFunctionRolePolicy4".to_string()));
    // A function with a role outside the template.
    assert_eq!(
        m.function("ExternalRoleFunction").unwrap().role,
        FunctionRole::External {
            arn: Text::known("arn:aws:iam::111122223333:role/existing-app-role")
        }
    );
    assert_eq!(env_var(&m, "ReportFunction", "STAGE"), Value::known("dev"));
}

// ------------------------------------------------------------- against the real SAM translator

fn venv_python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new("bash")
            .arg(dir().join("tools/venv.sh"))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "tests/iac/tools/venv.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// A principal as display JSON (maps compare regardless of key order), without where-it-came-from
/// fields, policies and tags sorted, for comparison.
fn normalised(p: &Principal) -> serde_json::Value {
    let mut policies: Vec<serde_json::Value> = p
        .policies
        .iter()
        .map(|pol| {
            let body = match &pol.body {
                PolicyBody::Inline { document } => json!({"inline": document.to_display_json()}),
                PolicyBody::Managed(m) => json!({"managed": format!("{:?}", m.arn), "document": format!("{:?}", m.document)}),
                PolicyBody::Unknown { unknown } => json!({"unknown": unknown.to_string()}),
            };
            json!({"name": pol.name.to_string(), "body": body})
        })
        .collect();
    policies.sort_by_key(|p| p.to_string());
    let mut tags: Vec<serde_json::Value> = p
        .tags
        .iter()
        .map(|(k, v)| json!([k, v.to_display_json()]))
        .collect();
    tags.sort_by_key(|t| t.to_string());
    json!({
        "id": p.id, "kind": p.kind, "created": p.created, "name": p.name, "arn": p.arn, "path": p.path,
        "policies": policies, "boundary": p.boundary.as_ref().map(|b| format!("{b:?}")),
        "trust": p.trust.as_ref().map(Value::to_display_json), "tags": tags, "groups": p.groups,
        "completeness": p.completeness,
    })
}

#[test]
fn sam_function_roles_equal_what_the_sam_translator_builds() {
    let cases: [(&str, &[(&str, &str)]); 5] = [
        ("sam/crud.yaml", &[]),
        ("sam/read-write.yaml", &[]),
        ("sam/kms.yaml", &[]),
        ("sam/mixed.yaml", &[]),
        ("sam/mixed.yaml", &[("Env", "prod")]),
    ];
    let spec = |(f, params): &(&str, &[(&str, &str)])| {
        let q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}?{}", dir().join(f).display(), q.join("&"))
    };
    let out = Command::new(venv_python())
        .arg(dir().join("tools/sam_translate.py"))
        .arg("us-east-1")
        .args(cases.iter().map(spec))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "sam_translate.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let translated: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for case in &cases {
        let (s, params) = case;
        let t = &translated[spec(case)];
        assert!(
            t.get("error").is_none(),
            "{s}: the translator refused it: {}",
            t["error"]
        );
        let mut o = opts();
        o.parameters = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let ours = template_with(s, &o);
        let theirs = read_template(&format!("{s} (translated)"), &t.to_string(), &o)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(theirs.source, SourceKind::CloudFormation);
        let roles: Vec<&Principal> = ours
            .principals
            .iter()
            .filter(|p| p.defined_by.starts_with("AWS::Serverless::Function"))
            .collect();
        assert!(!roles.is_empty(), "{s}");
        for r in roles {
            let other = role(&theirs, &r.id);
            assert_eq!(
                normalised(r),
                normalised(other),
                "{s} {params:?}: role `{}` differs from the translator's",
                r.id
            );
        }
        for f in &ours.functions {
            let g = theirs.function(&f.id).unwrap();
            assert_eq!(f.role, g.role, "{s}: role of {}", f.id);
            let (mut a, mut b) = (f.environment.clone(), g.environment.clone());
            a.sort_by(|x, y| x.0.cmp(&y.0));
            b.sort_by(|x, y| x.0.cmp(&y.0));
            assert_eq!(a, b, "{s}: environment of {}", f.id);
        }
        for t in &ours.tables {
            let u = theirs.table(&t.id).unwrap();
            assert_eq!(
                (&t.name, &t.key_schema),
                (&u.name, &u.key_schema),
                "{s}: table {}",
                t.id
            );
        }
    }
}

#[test]
fn template_fixtures_pass_cfn_lint() {
    let py = venv_python();
    let lint = py.parent().unwrap().join("cfn-lint");
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["sam", "cfn"] {
        for e in std::fs::read_dir(dir().join(sub)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    let out = Command::new(&lint)
        .args(["--format", "json", "--regions", "us-east-1", "--"])
        .args(&files)
        .output()
        .expect("cfn-lint runs");
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint output is not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let errors: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["Level"] == "Error")
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["Filename"], f["Location"]["Start"]["LineNumber"], f["Rule"]["Id"], f["Message"]
            )
        })
        .collect();
    assert!(errors.is_empty(), "cfn-lint errors:\n{}", errors.join("\n"));
}

// ------------------------------------------------------------------------- CloudFormation

fn policy_doc<'a>(p: &'a Principal, name: &str) -> &'a Value {
    p.policies
        .iter()
        .find_map(|pol| match &pol.body {
            PolicyBody::Inline { document } if pol.name.as_known() == Some(name) => Some(document),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{} has no inline policy {name}", p.id))
}

#[test]
fn cfn_roles_users_groups_and_their_attachments() {
    let m = template("cfn/roles.yaml");
    assert_eq!(m.source, SourceKind::CloudFormation);
    let app = role(&m, "AppRole");
    assert_eq!(app.name.as_known(), Some("orders-app"));
    assert_eq!(
        app.arn.as_known(),
        Some("arn:aws:iam::111122223333:role/app/orders-app")
    );
    assert_eq!(
        policy_doc(app, "read-orders").to_display_json()["Statement"][0]["Resource"],
        json!("arn:aws:dynamodb:us-east-1:111122223333:table/orders")
    );
    // The template's managed policy comes with its document; the AWS managed one is referenced.
    let docs: Vec<(&str, bool)> = app
        .policies
        .iter()
        .filter_map(|p| match &p.body {
            PolicyBody::Managed(m) => Some((
                p.origin.as_str(),
                matches!(m.document, ManagedDocument::InInput { .. }),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        docs,
        [
            ("AppRole.ManagedPolicyArns[0]", true),
            ("AppRole.ManagedPolicyArns[1]", false)
        ]
    );
    assert_eq!(
        managed(app)[0],
        "arn:aws:iam::111122223333:policy/${SharedPolicy.Ref}"
    );
    assert_eq!(
        managed(app)[1],
        "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"
    );
    let b = app.boundary.as_ref().unwrap();
    assert_eq!(
        b.arn,
        ManagedPolicyArn::Arn(Text::known(
            "arn:aws:iam::111122223333:policy/boundaries/orders-boundary"
        ))
    );
    assert!(matches!(&b.document, ManagedDocument::InInput { id, .. } if id == "BoundaryPolicy"));
    assert_eq!(app.tags, vec![("team".to_string(), Value::known("orders"))]);
    assert!(app.trust.is_some());
    // One AWS::IAM::Policy attached through two roles: both hold it.
    let worker = role(&m, "WorkerRole");
    for r in [app, worker] {
        assert_eq!(
            policy_doc(r, "no-drop-tables").to_display_json()["Statement"][0]["Effect"],
            json!("Deny"),
            "{}",
            r.id
        );
    }
    assert!(
        policy_doc(worker, "worker-writes")
            .get("Statement")
            .is_some()
    );
    assert_eq!(worker.name.to_string(), "${WorkerRole.Ref}");
    // A role the template only names: its own principal, not exact.
    let legacy = role(&m, "legacy-orders-role");
    assert!(!legacy.created);
    assert!(matches!(
        legacy.completeness,
        Completeness::MayHaveMore { .. }
    ));
    assert_eq!(legacy.policies.len(), 1);
    // Users and groups.
    let auditor = m.find_principal(PrincipalKind::User, "auditor").unwrap();
    assert_eq!(auditor.groups, ["readers"]);
    assert_eq!(managed(auditor).len(), 1);
    let readers = m.find_principal(PrincipalKind::Group, "Readers").unwrap();
    assert!(
        policy_doc(readers, "readers-scan")
            .get("Statement")
            .is_some()
    );
    // The function runs as AppRole; its environment names the table and bucket.
    assert_eq!(
        m.function("OrdersFunction").unwrap().role,
        FunctionRole::Principal {
            id: "AppRole".into()
        }
    );
    assert_eq!(
        env_var(&m, "OrdersFunction", "TABLE_NAME"),
        Value::known("orders")
    );
    assert_eq!(
        env_var(&m, "OrdersFunction", "BUCKET"),
        Value::known("orders-blobs")
    );
    // --role by the name the template gives, after a parameter override.
    let mut o = opts();
    o.parameters = vec![("AppRoleName".into(), "orders-app-v2".into())];
    let m2 = template_with("cfn/roles.yaml", &o);
    assert_eq!(role(&m2, "orders-app-v2").id, "AppRole");
    assert!(m2.principal(PrincipalKind::Role, "orders-app").is_none());
    let e = m2
        .find_principal(PrincipalKind::Role, "orders")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("role `orders` is not in the file")
            && e.contains("`AppRole` (name `orders-app-v2`)"),
        "{e}"
    );
}

#[test]
fn cfn_tables_keys_buckets_and_their_resource_policies() {
    let m = template("cfn/roles.yaml");
    let orders = m.table("Orders").unwrap();
    assert_eq!(
        orders.sse_kms_key.as_ref().unwrap().to_string(),
        "${TableKey.KeyId}"
    );
    let by = |kind: ResourceKind, id: &str| {
        m.resource_policies
            .iter()
            .find(|p| p.kind == kind && p.resource_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no {kind:?} policy for {id}"))
    };
    let tp = by(ResourceKind::DynamoDbTable, "Orders");
    assert_eq!(
        tp.resource.as_known(),
        Some("arn:aws:dynamodb:us-east-1:111122223333:table/orders")
    );
    assert_eq!(
        tp.document.to_display_json()["Statement"][0]["Principal"]["AWS"],
        json!("arn:aws:iam::111122223333:role/${WorkerRole.Ref}")
    );
    // The global table's policy is the replica's in the stack's region.
    let gp = by(ResourceKind::DynamoDbTable, "Replicated");
    assert_eq!(
        gp.document.to_display_json()["Statement"][0]["Principal"]["AWS"],
        json!("arn:aws:iam::111122223333:role/app/orders-app")
    );
    let mut o = opts();
    o.region = Some("eu-west-1".into());
    let eu = template_with("cfn/roles.yaml", &o);
    assert!(
        !eu.resource_policies
            .iter()
            .any(|p| p.resource_id.as_deref() == Some("Replicated"))
    );
    o.region = None;
    let anywhere = template_with("cfn/roles.yaml", &o);
    let gp = anywhere
        .resource_policies
        .iter()
        .find(|p| p.resource_id.as_deref() == Some("Replicated"))
        .unwrap();
    assert!(
        matches!(gp.document, Value::Unknown(_)),
        "which replica is ours is unknown without a region"
    );
    // A key without KeyPolicy gets AWS's default key policy.
    let key = m.keys.iter().find(|k| k.id == "TableKey").unwrap();
    assert!(key.default_policy);
    let kp = by(ResourceKind::KmsKey, "TableKey");
    assert_eq!(
        kp.document.to_display_json()["Statement"][0]["Principal"]["AWS"],
        json!("arn:aws:iam::111122223333:root")
    );
    // Bucket, default encryption with the key, bucket policy.
    let blobs = &m.buckets[0];
    assert_eq!(blobs.name.as_known(), Some("orders-blobs"));
    assert_eq!(
        blobs.encryption_algorithm.as_ref().unwrap().as_known(),
        Some("aws:kms")
    );
    assert_eq!(blobs.encryption_key.as_ref().unwrap(), &key.arn);
    let bp = by(ResourceKind::S3Bucket, "Blobs");
    assert_eq!(
        bp.document.to_display_json()["Statement"][0]["Resource"],
        json!("arn:aws:s3:::orders-blobs/*")
    );
}

#[test]
fn cfn_intrinsics_resolve_and_unknowns_are_named() {
    let m = template("cfn/intrinsics.yaml");
    let r = role(&m, "IntrinsicsRole");
    let doc = policy_doc(r, "intrinsics").to_display_json();
    let st = doc["Statement"].as_array().unwrap();
    let sid = |s: &str| {
        st.iter()
            .find(|x| x["Sid"] == s)
            .unwrap_or_else(|| panic!("no {s} in {doc}"))
    };
    let t = "arn:aws:dynamodb:us-east-1:111122223333:table/";
    assert_eq!(
        sid("SubStringForm")["Resource"],
        json!(format!("{t}app-development")),
        "Join + FindInMap"
    );
    assert_eq!(
        sid("SubListFormWithLiteral")["Resource"],
        json!(format!("{t}second/${{Literal}}")),
        "${{!Literal}} is literal"
    );
    assert_eq!(
        sid("SelectFromListParameter")["Resource"],
        json!(format!("{t}audit"))
    );
    assert!(
        sid("IfNoValue").get("Condition").is_none(),
        "Fn::If choosing AWS::NoValue removes the key"
    );
    assert_eq!(sid("DevOnly")["Action"], json!("dynamodb:DeleteItem"));
    assert_eq!(sid("ProdOrUsEast")["Action"], json!("dynamodb:UpdateItem"));
    assert_eq!(sid("Imported")["Resource"], json!("${?import-value}"));
    assert_eq!(
        sid("PerTenant")["Resource"],
        json!(format!("{t}${{TenantId.Ref}}-orders"))
    );
    assert_eq!(
        sid("FromSsm")["Resource"],
        json!(format!("{t}${{?ssm-parameter}}"))
    );
    assert_eq!(
        sid("DynamicReference")["Resource"],
        json!(format!("{t}${{?dynamic-reference}}"))
    );
    assert_eq!(sid("Pseudo")["Resource"], json!(format!("{t}urls-cache")));
    assert_eq!(
        sid("Pseudo")["Condition"]["StringEquals"]["aws:SourceVpce"],
        json!("${?unsupported}")
    );
    // The statement under `KnownTenant` (TenantId has no value) is unknown as a whole.
    assert!(
        st.iter().any(|s| s == &json!("${?undecided-condition}")),
        "{doc}"
    );
    // Every unknown is listed with its resource and property.
    let codes: Vec<(String, UnknownCode)> = m
        .unresolved
        .iter()
        .map(|u| (format!("{}|{}", u.resource, u.property), u.unknown.code))
        .collect();
    for (what, code) in [
        ("Parameters|TenantId", UnknownCode::NotInInput),
        (
            "IntrinsicsRole.Policies[0]|PolicyDocument.Statement[6].Resource",
            UnknownCode::ImportValue,
        ),
        (
            "IntrinsicsRole.Policies[0]|PolicyDocument.Statement[8]",
            UnknownCode::UndecidedCondition,
        ),
        (
            "IntrinsicsRole.Policies[0]|PolicyDocument.Statement[9].Resource",
            UnknownCode::SsmParameter,
        ),
        (
            "IntrinsicsRole.Policies[0]|PolicyDocument.Statement[10].Resource",
            UnknownCode::DynamicReference,
        ),
    ] {
        assert!(
            codes.contains(&(what.to_string(), code)),
            "missing {what} {code:?} in {codes:?}"
        );
    }
    assert_eq!(
        m.table("Events").unwrap().name.as_known(),
        Some("app-development")
    );
    // Without --region, conditions on the region are undecided, never guessed.
    let mut o = opts();
    o.region = None;
    let m = template_with("cfn/intrinsics.yaml", &o);
    let doc = policy_doc(role(&m, "IntrinsicsRole"), "intrinsics").to_display_json();
    let st = doc["Statement"].as_array().unwrap();
    assert!(
        !st.iter()
            .any(|s| s["Sid"] == "DevOnly" || s["Sid"] == "ProdOrUsEast"),
        "{doc}"
    );
    assert_eq!(
        st.iter()
            .filter(|s| *s == &json!("${?undecided-condition}"))
            .count(),
        3,
        "{doc}"
    );
    assert_eq!(
        st.iter().find(|s| s["Sid"] == "SubStringForm").unwrap()["Resource"],
        json!(
            "arn:${AWS::Partition.Ref}:dynamodb:${AWS::Region.Ref}:111122223333:table/app-development"
        )
    );
    // Overrides are checked against AllowedValues, and a prod override changes the lookups.
    o.parameters = vec![("Stage".into(), "prod".into())];
    let m = template_with("cfn/intrinsics.yaml", &o);
    assert_eq!(
        m.table("Events").unwrap().name.as_known(),
        Some("app-production")
    );
}

#[test]
fn json_templates_read_like_yaml_ones() {
    let m = template("cfn/json-template.json");
    let r = role(&m, "SessionsRole");
    let doc = policy_doc(r, "sessions").to_display_json();
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!([
            "arn:aws:dynamodb:us-east-1:111122223333:table/${Sessions.Ref}",
            "arn:aws:dynamodb:us-east-1:111122223333:table/${Sessions.Ref}/index/*"
        ])
    );
}

// ------------------------------------------------------------------------------ bad input

fn template_err(rel: &str, o: &TemplateOptions) -> IacErrors {
    match read_template(rel, &text(rel), o) {
        Ok(_) => panic!("{rel} was accepted"),
        Err(e) => e,
    }
}

fn template_err_text(name: &str, body: &str) -> String {
    match read_template(name, body, &opts()) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_templates_are_located_errors() {
    let e = template_err("bad/duplicate-logical-id.yaml", &opts());
    assert!(
        matches!(&e.0[0].kind, IacErrorKind::DuplicateKey { key, first_line: 3 } if key == "AppRole"),
        "{e}"
    );
    assert_eq!(e.0[0].location.line_col, Some((7, 3)));
    assert!(
        e.to_string()
            .starts_with("`bad/duplicate-logical-id.yaml`:7:3: key `AppRole` appears twice"),
        "{e}"
    );

    let e = template_err("bad/duplicate-policy-keys.yaml", &opts());
    assert!(
        matches!(&e.0[0].kind, IacErrorKind::DuplicateKey { key, .. } if key == "Effect"),
        "{e}"
    );

    let e = template_err("bad/json-with-comments.json", &opts());
    assert!(e.to_string().contains("cannot hold comments"), "{e}");
    assert_eq!(e.0[0].location.line_col.map(|l| l.0), Some(6));

    let e = template_err("bad/not-a-template.yaml", &opts());
    assert!(
        matches!(e.0[0].kind, IacErrorKind::NotATemplate { .. }),
        "{e}"
    );

    let e = template_err("bad/unknown-ref.yaml", &opts());
    assert!(
        matches!(&e.0[0].kind, IacErrorKind::UnknownReference { name } if name == "MissingTable"),
        "{e}"
    );
    assert!(e.to_string().contains("Resources.AppRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource.Fn::GetAtt"), "{e}");

    let e = template_err("terraform/crud.plan.json", &opts());
    assert!(e.to_string().contains("looks like a Terraform plan"), "{e}");

    // Unknown and repeated parameters, and values outside AllowedValues, all reported at once.
    let mut o = opts();
    o.parameters = vec![
        ("Nope".into(), "1".into()),
        ("Stage".into(), "qa".into()),
        ("Stage".into(), "dev".into()),
    ];
    let e = template_err("cfn/intrinsics.yaml", &o);
    let kinds: Vec<&IacErrorKind> = e.0.iter().map(|e| &e.kind).collect();
    assert!(kinds.iter().any(|k| matches!(k, IacErrorKind::UnknownParameter { name, declared } if name == "Nope" && declared.contains("`Stage`"))), "{e}");
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, IacErrorKind::DuplicateParameter { .. })),
        "{e}"
    );
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, IacErrorKind::NotAllowed { value, .. } if value == "qa")),
        "{e}"
    );

    let empty = read_template("empty.yaml", "", &opts()).unwrap_err();
    assert!(matches!(empty.0[0].kind, IacErrorKind::NotATemplate { .. }));
}

#[test]
fn intrinsic_misuse_cycles_and_sam_mistakes_are_errors() {
    let head = "Resources:\n";
    let role = |policy: &str| {
        format!(
            "{head}  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument: {policy}\n"
        )
    };
    let e = template_err_text(
        "cycle.yaml",
        &format!(
            "{head}  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !Sub '${{T}}-x'\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument: {{Resource: !Ref T}}\n"
        ),
    );
    assert!(e.contains("depends on itself"), "{e}");
    let e = template_err_text(
        "cond.yaml",
        &format!(
            "Conditions:\n  A: !Condition B\n  B: !Condition A\n{}",
            role("!If [A, {}, {}]")
        ),
    );
    assert!(e.contains("refers to itself"), "{e}");
    let e = template_err_text("nocond.yaml", &role("!If [Missing, {}, {}]"));
    assert!(e.contains("condition `Missing` is not defined"), "{e}");
    let e = template_err_text("select.yaml", &role("{Resource: !Select [5, [a, b]]}"));
    assert!(e.contains("out of range"), "{e}");
    let e = template_err_text("equals.yaml", &role("{Resource: !Equals [a, b]}"));
    assert!(e.contains("only allowed in the Conditions"), "{e}");
    let e = template_err_text("tag.yaml", &role("{Resource: !Reff T}"));
    assert!(e.contains("unknown YAML tag `!Reff`"), "{e}");
    let e = template_err_text("sub.yaml", &role("{Resource: !Sub 'arn:${Nowhere}'}"));
    assert!(e.contains("`Nowhere` is not a parameter"), "{e}");
    let e = template_err_text("map.yaml", &role("{Resource: !FindInMap [M, a, b]}"));
    assert!(e.contains("not in Mappings"), "{e}");

    let sam = |policies: &str| {
        format!(
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  T:\n    Type: AWS::Serverless::SimpleTable\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n{policies}"
        )
    };
    let e = template_err_text(
        "missing-param.yaml",
        &sam("        - DynamoDBCrudPolicy: {}\n"),
    );
    assert!(
        e.contains("`DynamoDBCrudPolicy` needs parameter(s) `TableName`"),
        "{e}"
    );
    let e = template_err_text(
        "not-a-template-name.yaml",
        &sam("        - DynamoDBEverythingPolicy: {TableName: !Ref T}\n"),
    );
    assert!(e.contains("policy at index 0"), "{e}");
    let e = template_err_text(
        "clash.yaml",
        &format!(
            "{}  FRole:\n    Type: AWS::SQS::Queue\n",
            sam("        - AWSLambdaExecute\n")
        ),
    );
    assert!(
        e.contains("already has a resource with that logical id"),
        "{e}"
    );
    // A managed policy name SAM does not know stays a name, for IAM to resolve.
    let m = read_template(
        "names.yaml",
        &sam("        - SomeCustomerPolicy\n        - AWSLambdaExecute\n"),
        &opts(),
    )
    .unwrap();
    let r = m.find_principal(PrincipalKind::Role, "FRole").unwrap();
    assert!(managed(r).contains(&"name:SomeCustomerPolicy".to_string()));
    assert!(managed(r).contains(&"arn:aws:iam::aws:policy/AWSLambdaExecute".to_string()));
    // An unknown transform is named as unresolved for everything.
    let m = read_template(
        "macro.yaml",
        "Transform: [AWS::Serverless-2016-10-31, MyMacro]\nResources: {}\n",
        &opts(),
    )
    .unwrap();
    assert!(
        m.unresolved
            .iter()
            .any(|u| u.resource == "Transform" && u.property == "MyMacro")
    );
}

// ------------------------------------------------------------------------------ Terraform

#[test]
fn terraform_plan_with_a_policy_document_equals_the_sam_crud_template() {
    let m = plan("terraform/crud.plan.json");
    assert_eq!(m.source, SourceKind::TerraformPlan);
    assert_eq!(
        m.environment.account.as_known(),
        Some("111122223333"),
        "from data.aws_caller_identity"
    );
    assert_eq!(
        m.environment.region.as_known(),
        Some("us-east-1"),
        "from the provider configuration"
    );
    let r = role(&m, "aws_iam_role.urls");
    assert!(r.created);
    assert_eq!(r.completeness, Completeness::Exact);
    assert_eq!(
        r.arn.as_known(),
        Some("arn:aws:iam::111122223333:role/urls-fn")
    );
    // `managed_policy_arns`/`inline_policy` are unknown only because computed: not grants.
    assert!(
        r.policies
            .iter()
            .all(|p| !matches!(p.body, PolicyBody::Unknown { .. })),
        "{:?}",
        r.policies
    );
    assert_eq!(
        managed(r),
        ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    );
    let doc = policy_doc(r, "crud").to_display_json();
    // The same statement the SAM template's DynamoDBCrudPolicy expands to, once the table's
    // generated name is the plan's `urls`.
    let sam = template("sam/crud.yaml");
    let sam_doc = inline(role(&sam, "UrlsFunctionRole"))[0]
        .1
        .to_string()
        .replace("${UrlsTable.Ref}", "urls");
    let sam_doc: serde_json::Value = serde_json::from_str(&sam_doc).unwrap();
    assert_eq!(
        doc["Statement"][0]["Action"],
        sam_doc["Statement"][0]["Action"]
    );
    assert_eq!(
        doc["Statement"][0]["Resource"],
        sam_doc["Statement"][0]["Resource"]
    );
    assert_eq!(doc["Statement"][0]["Action"], json!(CRUD_ACTIONS));
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!([
            "arn:aws:dynamodb:us-east-1:111122223333:table/urls",
            "arn:aws:dynamodb:us-east-1:111122223333:table/urls/index/*"
        ])
    );
    assert_eq!(r.tags, vec![("service".to_string(), Value::known("urls"))]);
    let t = m.table("aws_dynamodb_table.urls").unwrap();
    assert_eq!(
        t.arn.as_known(),
        Some("arn:aws:dynamodb:us-east-1:111122223333:table/urls"),
        "shaped from the known name"
    );
    assert_eq!(t.global_indexes[0].name.as_known(), Some("by-owner"));
    assert_eq!(t.local_indexes[0].name.as_known(), Some("by-created"));
    assert_eq!(t.local_indexes[0].key_schema.len(), 2);
    let f = m.function("aws_lambda_function.urls").unwrap();
    assert_eq!(
        f.role,
        FunctionRole::Principal {
            id: "aws_iam_role.urls".into()
        },
        "role = aws_iam_role.urls.arn"
    );
    assert_eq!(
        env_var(&m, "aws_lambda_function.urls", "TABLE_NAME"),
        Value::known("urls")
    );
    assert!(m.unresolved.is_empty(), "{:?}", m.unresolved);
}

#[test]
fn terraform_unknown_after_apply_values_are_named_and_references_are_read() {
    let m = plan("terraform/unknown-after-apply.plan.json");
    assert_eq!(m.environment.region.as_known(), Some("eu-west-1"));
    assert!(!m.environment.account.is_known());
    // A role with a generated name, in a module: its attachment's role and policy_arn are
    // unknown in the plan and read through their references.
    let app = role(&m, "module.app.aws_iam_role.app");
    assert_eq!(app.name.to_string(), "${module.app.aws_iam_role.app.name}");
    assert_eq!(
        app.arn.to_string(),
        "arn:aws:iam::${AWS::AccountId.Ref}:role/svc/${module.app.aws_iam_role.app.name}"
    );
    assert_eq!(app.policies.len(), 1, "{:?}", app.policies);
    let PolicyBody::Managed(mp) = &app.policies[0].body else {
        panic!("{:?}", app.policies[0])
    };
    assert_eq!(
        mp.arn,
        ManagedPolicyArn::Arn(Text::concat([
            Text::known("arn:aws:iam::"),
            m.environment.account.clone(),
            Text::known(":policy/orders-rw")
        ]))
    );
    let ManagedDocument::InInput { id, document } = &mp.document else {
        panic!()
    };
    assert_eq!(id, "module.app.aws_iam_policy.orders");
    // The policy document data source could not be read at plan time: rebuilt from its
    // arguments, with the unknown resources named.
    let d = document.to_display_json();
    assert_eq!(
        d["Statement"][0]["Action"],
        json!(["dynamodb:GetItem", "dynamodb:PutItem"])
    );
    assert_eq!(d["Statement"][0]["Resource"], json!("${?after-apply}"));
    assert_eq!(d["Statement"][1]["Effect"], json!("Deny"));
    assert_eq!(
        d["Statement"][1]["Condition"],
        json!({"StringNotEquals": {"aws:PrincipalTag/team": ["orders"]}})
    );
    let u = m
        .unresolved
        .iter()
        .find(|u| u.resource == "module.app.aws_iam_policy.orders")
        .unwrap_or_else(|| panic!("{:?}", m.unresolved));
    assert_eq!(u.property, "PolicyDocument.Statement[0].Resource");
    assert!(
        u.unknown
            .detail
            .contains("module.app.data.aws_iam_policy_document.orders.statement[0].resources"),
        "{}",
        u.unknown.detail
    );
    // The function's role = aws_iam_role.app.arn, matched through the shaped ARN.
    assert_eq!(
        m.function("module.app.aws_lambda_function.api")
            .unwrap()
            .role,
        FunctionRole::Principal { id: app.id.clone() }
    );
    // An inline policy whose document is unknown (a module output): unknown, named.
    let iu = role(&m, "aws_iam_role.inline_unknown");
    assert!(
        matches!(&iu.policies[0].body, PolicyBody::Unknown { unknown } if unknown.code == UnknownCode::AfterApply && unknown.detail.contains("inline_policy[0].policy"))
    );
    // An existing role: marked, with what the state shows, plus the exclusive attachment.
    let legacy = role(&m, "legacy");
    assert!(!legacy.created);
    assert!(matches!(
        legacy.completeness,
        Completeness::MayHaveMore { .. }
    ));
    assert_eq!(
        managed(legacy),
        [
            "arn:aws:iam::111122223333:policy/legacy-orders",
            "arn:aws:iam::111122223333:policy/shared-read"
        ]
    );
    assert!(policy_doc(legacy, "old-inline").get("Statement").is_some());
    assert!(legacy.boundary.is_some());
    assert!(
        m.notes
            .iter()
            .any(|n| n.contains("aws_iam_policy_attachment.shared") && n.contains("exclusive"))
    );
    // A role the plan deletes is gone.
    assert!(
        m.principal(PrincipalKind::Role, "aws_iam_role.gone")
            .is_none()
    );
    // Keys: default policy when none is configured; aws_kms_key_policy replaces it.
    let data = m
        .keys
        .iter()
        .find(|k| k.id == "module.app.aws_kms_key.data")
        .unwrap();
    assert!(data.default_policy);
    let signing = m
        .keys
        .iter()
        .find(|k| k.id == "module.app.aws_kms_key.signing")
        .unwrap();
    assert!(!signing.default_policy);
    let sp = m
        .resource_policies
        .iter()
        .find(|p| p.resource_id.as_deref() == Some("module.app.aws_kms_key.signing"))
        .unwrap();
    assert_eq!(sp.origin, "module.app.aws_kms_key_policy.signing.policy");
    assert_eq!(
        signing.arn.to_string(),
        "arn:aws:kms:eu-west-1:${AWS::AccountId.Ref}:key/${module.app.aws_kms_key.signing.key_id}"
    );
    // Bucket policy and encryption found their bucket through `bucket = aws_s3_bucket.blobs.id`.
    let b = &m.buckets[0];
    assert_eq!(
        b.encryption_algorithm.as_ref().unwrap().as_known(),
        Some("aws:kms")
    );
    assert!(
        b.encryption_key
            .as_ref()
            .unwrap()
            .unknowns()
            .next()
            .is_some()
    );
    assert!(
        m.resource_policies
            .iter()
            .any(|p| p.kind == ResourceKind::S3Bucket
                && p.resource_id.as_deref() == Some("module.app.aws_s3_bucket.blobs"))
    );
    // The table policy found its table through the shaped ARN.
    let tp = m
        .resource_policies
        .iter()
        .find(|p| p.kind == ResourceKind::DynamoDbTable)
        .unwrap();
    assert_eq!(
        tp.resource_id.as_deref(),
        Some("module.app.aws_dynamodb_table.orders")
    );
    // Users, groups, membership.
    let dev = m
        .find_principal(PrincipalKind::User, "aws_iam_user.dev")
        .unwrap();
    assert_eq!(dev.groups, ["devs"]);
    assert_eq!(
        managed(dev),
        ["arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"]
    );
    let devs = m.find_principal(PrincipalKind::Group, "devs").unwrap();
    assert!(policy_doc(devs, "devs-read").get("Statement").is_some());
}

#[test]
fn bad_plans_are_errors() {
    let e = read_plan("t.yaml", &text("sam/crud.yaml"), &PlanOptions::default()).unwrap_err();
    assert!(e.to_string().contains("not JSON"), "{e}");
    let e = read_plan(
        "t.json",
        &text("cfn/json-template.json"),
        &PlanOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("use --template"), "{e}");
    let e = read_plan(
        "s.json",
        r#"{"format_version": "1.0", "values": {}}"#,
        &PlanOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("a state, not a plan"), "{e}");
    let e = read_plan(
        "v.json",
        r#"{"format_version": "2.0", "planned_values": {}}"#,
        &PlanOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e.0[0].kind, IacErrorKind::PlanVersion { .. }),
        "{e}"
    );
    let e = read_plan(
        "x.json",
        "{\n  \"format_version\": \"1.2\",\n  oops\n}",
        &PlanOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.0[0].location.line_col.map(|l| l.0), Some(3));
    let m = read_plan(
        "p.json",
        &text("terraform/crud.plan.json"),
        &PlanOptions::default(),
    )
    .unwrap();
    let e = m
        .find_principal(PrincipalKind::Role, "aws_iam_role.nope")
        .unwrap_err()
        .to_string();
    assert!(e.contains("`aws_iam_role.urls` (name `urls-fn`)"), "{e}");
}

#[test]
fn terraform_fixtures_follow_the_documented_json_format() {
    for f in [
        "terraform/crud.plan.json",
        "terraform/unknown-after-apply.plan.json",
    ] {
        let v: serde_json::Value = serde_json::from_str(&text(f)).unwrap();
        assert!(v["format_version"].as_str().unwrap().starts_with("1."));
        for rc in v["resource_changes"].as_array().unwrap() {
            for k in ["address", "mode", "type", "name", "provider_name"] {
                assert!(rc[k].is_string(), "{f}: resource change without {k}: {rc}");
            }
            let actions = rc["change"]["actions"].as_array().unwrap();
            assert!(!actions.is_empty());
            for a in actions {
                assert!(
                    ["no-op", "create", "read", "update", "delete"].contains(&a.as_str().unwrap()),
                    "{f}: action {a}"
                );
            }
            assert!(rc["change"]["after_unknown"].is_object() || actions == &[json!("delete")]);
        }
        assert!(v["configuration"]["root_module"].is_object(), "{f}");
    }
}

// --------------------------------------------------------------------- uncertain attachments

fn attachments(p: &Principal) -> Vec<(String, bool)> {
    p.policies
        .iter()
        .map(|pol| (pol.name.to_string(), pol.attachment.is_certain()))
        .collect()
}

#[test]
fn policies_that_may_be_attached_are_kept_as_possible_never_dropped() {
    let m = template("cfn/attachments.yaml");
    let app = role(&m, "AppRole");
    let generated = role(&m, "GeneratedRole");
    let pair = |n: &str, c: bool| (n.to_string(), c);
    assert_eq!(
        attachments(app),
        [
            pair("deny-deletes", false),
            pair("deny-scans", false),
            pair("upper", true)
        ]
    );
    assert_eq!(
        attachments(generated),
        [pair("deny-deletes", false)],
        "a generated name is no parameter's value"
    );
    let Attachment::Possible { why } = &app.policies[0].attachment else {
        panic!()
    };
    assert!(
        why.detail.contains("DenyDeletes") && why.detail.contains("condition `Shared`"),
        "{}",
        why.detail
    );
    // The parameter's role is a principal of its own, which certainly holds its policy, and may
    // hold those that name `orders-app` or an unknown role, whatever the order of resources.
    let other = role(&m, "${OtherRoleName.Ref}");
    assert_eq!(
        attachments(other),
        [
            pair("deny-deletes", false),
            pair("deny-scans", true),
            pair("upper", false)
        ]
    );
    assert!(!other.created);
    assert!(
        m.unresolved
            .iter()
            .any(|u| u.resource == "DenyDeletes" && u.property == "Properties.Roles[0]")
    );
    // With the parameters given, everything is certain.
    let mut o = opts();
    o.parameters = vec![
        ("OtherRoleName".into(), "orders-app".into()),
        ("UseShared".into(), "no".into()),
    ];
    let m = template_with("cfn/attachments.yaml", &o);
    let app = role(&m, "AppRole");
    assert_eq!(
        attachments(app),
        [
            pair("deny-deletes", true),
            pair("deny-scans", true),
            pair("upper", true)
        ]
    );
    assert!(attachments(role(&m, "GeneratedRole")).is_empty());
    // Inline policies sharing a name (case-insensitively) on one role: none is certain.
    let m = template("lint-rejects/same-inline-name.yaml");
    let app = role(&m, "AppRole");
    assert_eq!(
        attachments(app),
        [
            pair("Orders", false),
            pair("orders", false),
            pair("orders", false)
        ]
    );
    let Attachment::Possible { why } = &app.policies[1].attachment else {
        panic!()
    };
    assert!(
        why.detail
            .contains("more than one inline policy named `orders`"),
        "{}",
        why.detail
    );
}

#[test]
fn terraform_policy_marked_unknown_and_a_role_known_only_after_apply_stay_unknown() {
    // `policy` and `role` are unknown in the plan and refer to more than one thing
    // (`replace(...)` of a variable and a resource), so there is no single reference to read.
    let plan = json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_iam_role.a", "mode": "managed", "type": "aws_iam_role", "name": "a", "values": {"name": "a", "path": "/"}},
            {"address": "aws_iam_role.b", "mode": "managed", "type": "aws_iam_role", "name": "b", "values": {"name": "b", "path": "/"}},
            {"address": "aws_iam_role_policy.p", "mode": "managed", "type": "aws_iam_role_policy", "name": "p", "values": {"name": "deny"}}
        ]}},
        "resource_changes": [
            {"address": "aws_iam_role.a", "mode": "managed", "type": "aws_iam_role", "name": "a",
             "change": {"actions": ["create"], "before": null, "after": {"name": "a", "path": "/"}, "after_unknown": {"arn": true, "managed_policy_arns": true, "inline_policy": true}}},
            {"address": "aws_iam_role.b", "mode": "managed", "type": "aws_iam_role", "name": "b",
             "change": {"actions": ["create"], "before": null, "after": {"name": "b", "path": "/"}, "after_unknown": {"arn": true, "managed_policy_arns": true, "inline_policy": true}}},
            {"address": "aws_iam_role_policy.p", "mode": "managed", "type": "aws_iam_role_policy", "name": "p",
             "change": {"actions": ["create"], "before": null, "after": {"name": "deny"}, "after_unknown": {"id": true, "policy": true, "role": true}}}
        ],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_iam_role.a", "mode": "managed", "type": "aws_iam_role", "name": "a", "expressions": {"name": {"constant_value": "a"}}},
            {"address": "aws_iam_role.b", "mode": "managed", "type": "aws_iam_role", "name": "b", "expressions": {"name": {"constant_value": "b"}}},
            {"address": "aws_iam_role_policy.p", "mode": "managed", "type": "aws_iam_role_policy", "name": "p", "expressions": {
                "name": {"constant_value": "deny"},
                "role": {"references": ["var.prefix", "aws_iam_role.a.name", "aws_iam_role.a"]},
                "policy": {"references": ["aws_s3_bucket.x.arn", "aws_s3_bucket.x", "var.extra"]}}}
        ]}}
    });
    let m = read_plan("inline.json", &plan.to_string(), &PlanOptions::default()).unwrap();
    for id in ["aws_iam_role.a", "aws_iam_role.b"] {
        let r = role(&m, id);
        assert_eq!(r.policies.len(), 1, "{id}: {:?}", r.policies);
        let pol = &r.policies[0];
        assert!(
            !pol.attachment.is_certain(),
            "{id}: the role it names is known only after apply"
        );
        let PolicyBody::Unknown { unknown } = &pol.body else {
            panic!("{pol:?}")
        };
        assert_eq!(unknown.code, UnknownCode::AfterApply);
        assert!(
            unknown.detail.contains("aws_iam_role_policy.p.policy")
                && unknown.detail.contains("var.extra"),
            "{}",
            unknown.detail
        );
    }
    assert!(
        m.unresolved
            .iter()
            .any(|u| u.resource == "aws_iam_role_policy.p" && u.property == "role")
    );
}

#[test]
fn terraform_exclusive_settings_make_what_they_remove_uncertain() {
    let role_change = |name: &str, actions: &str, after: serde_json::Value| {
        json!({"address": format!("aws_iam_role.{name}"), "mode": "managed", "type": "aws_iam_role", "name": name,
               "change": {"actions": [actions], "before": null, "after": after, "after_unknown": {}}})
    };
    let plan = json!({
        "format_version": "1.2",
        "resource_changes": [
            role_change("x", "create", json!({"name": "x", "path": "/", "managed_policy_arns": ["arn:aws:iam::aws:policy/A"]})),
            role_change("old", "no-op", json!({"name": "old", "path": "/", "managed_policy_arns": ["arn:aws:iam::111122223333:policy/shared"]})),
            {"address": "aws_iam_role_policy_attachment.b", "mode": "managed", "type": "aws_iam_role_policy_attachment", "name": "b",
             "change": {"actions": ["create"], "before": null, "after": {"role": "x", "policy_arn": "arn:aws:iam::aws:policy/B"}, "after_unknown": {}}},
            {"address": "aws_iam_policy_attachment.shared", "mode": "managed", "type": "aws_iam_policy_attachment", "name": "shared",
             "change": {"actions": ["create"], "before": null, "after": {"name": "shared", "roles": ["x"], "policy_arn": "arn:aws:iam::111122223333:policy/shared"}, "after_unknown": {}}}
        ],
        "prior_state": {"values": {"root_module": {"resources": [
            {"address": "aws_iam_role.old", "mode": "managed", "type": "aws_iam_role", "name": "old", "values": {"name": "old", "path": "/"}}
        ]}}},
        "configuration": {"root_module": {"resources": [
            {"address": "aws_iam_role.x", "mode": "managed", "type": "aws_iam_role", "name": "x", "expressions": {
                "name": {"constant_value": "x"}, "managed_policy_arns": {"constant_value": ["arn:aws:iam::aws:policy/A"]}}}
        ]}}
    });
    let m = read_plan("exclusive.json", &plan.to_string(), &PlanOptions::default()).unwrap();
    let x = role(&m, "aws_iam_role.x");
    let certain: Vec<(String, bool)> = x
        .policies
        .iter()
        .map(|p| (p.name.to_string(), p.attachment.is_certain()))
        .collect();
    assert_eq!(
        certain,
        [
            ("arn:aws:iam::aws:policy/A".to_string(), true),
            ("arn:aws:iam::aws:policy/B".to_string(), false),
            ("arn:aws:iam::111122223333:policy/shared".to_string(), false),
        ]
    );
    // `old` holds `shared` in the state, but the exclusive attachment will take it away.
    let u = m
        .unresolved
        .iter()
        .find(|u| u.resource == "aws_iam_role.old")
        .unwrap_or_else(|| panic!("{:?}", m.unresolved));
    assert!(
        u.unknown
            .detail
            .contains("aws_iam_policy_attachment.shared"),
        "{}",
        u.unknown.detail
    );
    let old = role(&m, "aws_iam_role.old");
    assert!(
        !old.policies[0].attachment.is_certain(),
        "{:?}",
        old.policies
    );
}

#[test]
fn resources_under_conditions_exist_or_not_and_undecided_ones_are_unknown() {
    let body = r#"
Parameters:
  Env: {Type: String, Default: dev}
  Flag: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Flagged: !Equals [!Ref Flag, 'on']
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      RoleName: r
  ProdOnly:
    Type: AWS::IAM::Policy
    Condition: IsProd
    Properties:
      PolicyName: prod-only
      Roles: [!Ref R]
      PolicyDocument: {Statement: []}
  Maybe:
    Type: AWS::IAM::Policy
    Condition: Flagged
    Properties:
      PolicyName: maybe
      Roles: [!Ref R]
      PolicyDocument: {Statement: [{Effect: Deny, Action: '*', Resource: '*'}]}
"#;
    let m = read_template("conditions.yaml", body, &opts()).unwrap();
    let r = role(&m, "R");
    assert_eq!(
        r.policies.len(),
        1,
        "the IsProd policy does not exist when Env=dev: {:?}",
        r.policies
    );
    assert!(
        matches!(&r.policies[0].body, PolicyBody::Unknown { unknown } if unknown.code == UnknownCode::UndecidedCondition)
    );
    assert!(
        m.unresolved
            .iter()
            .any(|u| u.resource == "Maybe" && u.property == "Condition")
    );
    let mut o = opts();
    o.parameters = vec![("Flag".into(), "on".into()), ("Env".into(), "prod".into())];
    let m = read_template("conditions.yaml", body, &o).unwrap();
    let names: Vec<String> = role(&m, "R")
        .policies
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    assert_eq!(names, ["prod-only", "maybe"]);
}

#[test]
fn terraform_regions_come_from_the_resource_or_its_provider_configuration() {
    let table = |name: &str, after: serde_json::Value| {
        json!({"address": format!("aws_dynamodb_table.{name}"), "mode": "managed", "type": "aws_dynamodb_table", "name": name,
               "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": {"arn": true}}})
    };
    let cfg = |name: &str, provider: &str| {
        json!({"address": format!("aws_dynamodb_table.{name}"), "mode": "managed", "type": "aws_dynamodb_table", "name": name,
               "provider_config_key": provider, "expressions": {"name": {"constant_value": name}}})
    };
    let plan = json!({
        "format_version": "1.2",
        "resource_changes": [
            table("home", json!({"name": "home"})),
            table("west", json!({"name": "west"})),
            table("own", json!({"name": "own", "region": "ap-south-1"})),
            table("varying", json!({"name": "varying"}))
        ],
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}},
                "aws.west": {"name": "aws", "alias": "west", "expressions": {"region": {"constant_value": "us-west-2"}}},
                "aws.other": {"name": "aws", "alias": "other", "expressions": {"region": {"references": ["var.region"]}}}
            },
            "root_module": {"resources": [cfg("home", "aws"), cfg("west", "aws.west"), cfg("own", "aws"), cfg("varying", "aws.other")]}
        }
    });
    let m = read_plan(
        "regions.json",
        &plan.to_string(),
        &PlanOptions {
            account: Some("111122223333".into()),
            region: None,
        },
    )
    .unwrap();
    let arn = |id: &str| m.table(id).unwrap().arn.to_string();
    assert_eq!(
        arn("aws_dynamodb_table.home"),
        "arn:aws:dynamodb:us-east-1:111122223333:table/home"
    );
    assert_eq!(
        arn("aws_dynamodb_table.west"),
        "arn:aws:dynamodb:us-west-2:111122223333:table/west"
    );
    assert_eq!(
        arn("aws_dynamodb_table.own"),
        "arn:aws:dynamodb:ap-south-1:111122223333:table/own"
    );
    assert_eq!(
        arn("aws_dynamodb_table.varying"),
        "arn:aws:dynamodb:${provider[aws.other].region}:111122223333:table/varying"
    );
}

#[test]
fn cdk_synth_output_reads_as_cloudformation() {
    let m = template("cfn/cdk-synth.json");
    let r = role(&m, "UrlsFunctionServiceRole0D5F3E71");
    assert_eq!(
        managed(r),
        ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    );
    let doc = policy_doc(r, "UrlsFunctionServiceRoleDefaultPolicy5C1D2B8A").to_display_json();
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!([
            "arn:aws:dynamodb:us-east-1:111122223333:table/${UrlsTable8D5B3CE2.Ref}",
            "arn:aws:dynamodb:us-east-1:111122223333:table/${UrlsTable8D5B3CE2.Ref}/index/*"
        ])
    );
    let f = m.function("UrlsFunction1A2B3C4D").unwrap();
    assert_eq!(f.role, FunctionRole::Principal { id: r.id.clone() });
    assert_eq!(
        env_var(&m, "UrlsFunction1A2B3C4D", "TABLE_NAME"),
        Value::Text(m.table("UrlsTable8D5B3CE2").unwrap().name.clone())
    );
    // The bootstrap-version parameter is read from SSM, but nothing that grants uses it.
    assert!(m.unresolved.is_empty(), "{:?}", m.unresolved);
}

#[test]
fn models_serialize_and_read_back_unchanged() {
    // A run can be saved and replayed: every model survives JSON.
    for m in [
        template("sam/mixed.yaml"),
        template("cfn/intrinsics.yaml"),
        template("cfn/attachments.yaml"),
        plan("terraform/unknown-after-apply.plan.json"),
    ] {
        let text = serde_json::to_string(&m).unwrap();
        let back: IacModel = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m, "{}", m.file);
    }
}
