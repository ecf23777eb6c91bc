//! The pydynox catalogue against the AWS action snapshot: every action it names is a real IAM
//! action, checked on a resource type that action takes.

use pydynox_iam::iam::actions;
use pydynox_iam::needs::catalogue::Catalogue;

/// Catalogue resource kind → the SAR resource type it stands for; `None` for `any`, which is
/// only right for actions that have no resource type (IAM then matches only `"*"`).
fn sar_type(kind: &str) -> Option<&'static str> {
    match kind {
        "table" | "lock-table" => Some("table"),
        "index" => Some("index"),
        "kms-key" => Some("key"),
        "s3-object" => Some("object"),
        "role" => Some("role"),
        "any" => None,
        other => panic!("catalogue resource kind `{other}` has no SAR mapping in this test"),
    }
}

#[test]
fn every_catalogue_action_exists_and_takes_its_resource_kind() {
    let cat = Catalogue::embedded();
    let mut checked = 0;
    let mut errors = Vec::new();
    for f in &cat.features {
        // Every check, whatever its `since`/`before`: old releases' actions must be real too.
        for c in &f.checks {
            checked += 1;
            let Some(info) = actions::lookup(&c.action) else {
                errors.push(format!(
                    "{}: `{}` is not in the action snapshot nor in its supplement (src/iam/data/aws-actions-supplement.json)",
                    f.name, c.action
                ));
                continue;
            };
            match sar_type(&c.resource) {
                Some(t) if !info.takes(t) => errors.push(format!(
                    "{}: `{}` is checked on `{}` but takes {:?}",
                    f.name,
                    c.action,
                    t,
                    info.resource_types
                        .iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                )),
                None if !info.resource_types.is_empty() => errors.push(format!(
                    "{}: `{}` is checked on `*` (kind any) but has resource types",
                    f.name, c.action
                )),
                _ => {}
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(checked >= 30, "only {checked} checks seen");
}

#[test]
fn actions_the_supplement_adds_are_ones_pydynox_calls() {
    // The supplement exists for pydynox's calls that AWS added after the snapshot; each of its
    // actions must be checked by some feature (and `Snapshot::with_supplement` refuses one
    // the snapshot has, so a refresh removes it).
    let cat = Catalogue::embedded();
    let supplemented: Vec<&actions::ActionInfo> = actions::snapshot()
        .actions()
        .iter()
        .filter(|a| {
            actions::snapshot()
                .supplement_source(&a.full_name())
                .is_some()
        })
        .collect();
    assert!(!supplemented.is_empty());
    for a in supplemented {
        assert!(
            cat.features
                .iter()
                .any(|f| f.checks.iter().any(|c| c.action == a.full_name())),
            "`{}` is in the supplement but no feature checks it",
            a.full_name()
        );
    }
}

/// The catalogue's request context claims AWS evaluates these keys with these values: a
/// service key must be one SAR lists for the action (else AWS meets an absent key, and a
/// claimed value could turn an Allow conditioned on it into a false PASS). The one
/// documented exception: dynamodb:EnclosingOperation on ConditionCheckItem, which AWS's
/// "Using IAM with DynamoDB transactions" page conditions on ("Allow only transactional
/// operations") though SAR does not list it.
#[test]
fn every_context_key_is_one_aws_evaluates_for_that_action() {
    let cat = Catalogue::embedded();
    let mut errors = Vec::new();
    for f in &cat.features {
        for c in &f.checks {
            for e in &c.context {
                let key = e.key.to_ascii_lowercase();
                if key.starts_with("aws:") {
                    continue;
                }
                if c.action == "dynamodb:ConditionCheckItem"
                    && e.key == "dynamodb:EnclosingOperation"
                {
                    continue;
                }
                let listed = actions::lookup(&c.action).is_some_and(|i| {
                    i.condition_keys
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(&e.key))
                });
                if !listed {
                    errors.push(format!("{}: `{}` with `{}`", f.name, c.action, e.key));
                }
            }
        }
    }
    assert!(
        errors.is_empty(),
        "context keys SAR does not list:\n{}",
        errors.join("\n")
    );
}

#[test]
fn catalogue_resource_templates_classify_as_their_kind() {
    // The ARNs the plan builds must be recognised as the SAR type of their kind.
    let cases = [
        (
            "dynamodb",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/users",
            "table",
        ),
        (
            "dynamodb",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/users/index/*",
            "index",
        ),
        (
            "kms",
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "key",
        ),
        (
            "s3",
            "arn:aws:s3:::bucket/uploads/pydynox-iam-check",
            "object",
        ),
        (
            "sts",
            "arn:aws:iam::111122223333:role/service/AppRole",
            "role",
        ),
    ];
    for (svc, arn, want) in cases {
        assert_eq!(actions::resource_type_of(svc, arn), Some(want), "{arn}");
    }
}

#[test]
fn names_from_the_docs_page_that_are_not_iam_actions() {
    for name in ["dynamodb:TransactWriteItems", "dynamodb:TransactGetItems"] {
        assert!(!actions::exists(name), "{name} should not be an IAM action");
        assert!(actions::matching(name).is_empty(), "{name}");
    }
    // What AWS checks instead does exist.
    for name in [
        "dynamodb:ConditionCheckItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    ] {
        assert!(actions::exists(name), "{name}");
    }
}
