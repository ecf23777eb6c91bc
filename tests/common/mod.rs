//! Helpers shared by the integration tests: the LocalStack endpoint and SDK clients, unique
//! names, and running the binary with a controlled environment.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};

/// LocalStack's account id.
pub const ACCOUNT: &str = "000000000000";
pub const REGION: &str = "us-east-1";
/// An endpoint where nothing listens: a run that needs AWS fails fast there.
pub const NOWHERE: &str = "http://127.0.0.1:9";
pub const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The LocalStack that `make test` started (localstack/with-localstack.sh).
pub fn endpoint() -> String {
    std::env::var("PYDYNOX_IAM_LOCALSTACK").unwrap_or_else(|_| "http://127.0.0.1:4566".into())
}

/// The moto server `make test` started beside LocalStack: DynamoDB's endpoint
/// (`AWS_ENDPOINT_URL_DYNAMODB` in the tests' environment).
pub fn moto_endpoint() -> String {
    std::env::var("PYDYNOX_IAM_MOTO").unwrap_or_else(|_| "http://127.0.0.1:5000".into())
}

/// A DynamoDB client on moto.
pub async fn dynamodb() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk_config().await)
            .endpoint_url(moto_endpoint())
            .build(),
    )
}

/// Creates a table on moto (partition key `pk`), with a GSI per name in `indexes`, and
/// returns its ARN.
pub async fn create_table(name: &str, indexes: &[&str]) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType,
    };
    let key = |attr: &str| {
        KeySchemaElement::builder()
            .attribute_name(attr)
            .key_type(KeyType::Hash)
            .build()
            .unwrap()
    };
    let attr = |attr: &str| {
        AttributeDefinition::builder()
            .attribute_name(attr)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let mut req = dynamodb()
        .await
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk"))
        .attribute_definitions(attr("pk"));
    for (n, index) in indexes.iter().enumerate() {
        let a = format!("gsi{n}");
        req = req
            .attribute_definitions(attr(&a))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(*index)
                    .key_schema(key(&a))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            );
    }
    let out = req.send().await.unwrap_or_else(|e| {
        panic!(
            "moto is not reachable at {} or refused the table ({}); run the tests with `make test`",
            moto_endpoint(),
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        )
    });
    out.table_description()
        .unwrap()
        .table_arn()
        .unwrap()
        .to_string()
}

/// Puts a resource-based policy on a moto table.
pub async fn put_table_policy(table_arn: &str, policy: &serde_json::Value) {
    dynamodb()
        .await
        .put_resource_policy()
        .resource_arn(table_arn)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
}

/// A name no other test (or earlier run against the same LocalStack) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .load()
        .await
}

/// An IAM client acting in `account` (LocalStack 4.10: an access key id of 12 digits is that
/// account). A test that reads a whole account (GetAccountAuthorizationDetails) reads one of
/// its own: LocalStack can fail that read with an InternalError ("dictionary changed size
/// during iteration") while other tests create roles in the account it reads.
pub async fn iam_in(account: &str) -> aws_sdk_iam::Client {
    let config = aws_sdk_iam::config::Builder::from(&sdk_config().await)
        .credentials_provider(Credentials::new(account, "test", None, None, "tests"))
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

/// An account of the test's own, for [`iam_in`]: 12 digits from `prefix` (two digits) and
/// this process.
pub fn own_account(prefix: u8) -> String {
    format!("{prefix:02}{:06}0009", std::process::id() % 1_000_000)
}

/// An IAM client on LocalStack; fails the test with a clear message when it is not running.
pub async fn iam() -> aws_sdk_iam::Client {
    let c = aws_sdk_iam::Client::new(&sdk_config().await);
    if let Err(e) = c.list_roles().max_items(1).send().await {
        panic!(
            "LocalStack is not reachable at {} ({}); run the tests with `make test`, which starts it",
            endpoint(),
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        );
    }
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// How to run the binary.
pub struct Bin<'a> {
    pub dir: Option<&'a Path>,
    pub endpoint: String,
    pub stdin: Option<&'a str>,
    /// Set when AWS must not be reachable at all: no credentials either.
    pub offline: bool,
    pub region: &'a str,
    /// Extra environment: `Some` sets a variable, `None` removes it.
    pub env: Vec<(&'a str, Option<&'a str>)>,
}

impl Default for Bin<'_> {
    fn default() -> Self {
        Bin {
            dir: None,
            endpoint: endpoint(),
            stdin: None,
            offline: false,
            region: REGION,
            env: vec![],
        }
    }
}

impl Bin<'_> {
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pydynox-iam"));
        cmd.args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            // DynamoDB beside LocalStack is moto; any other endpoint (NOWHERE, a fake) is
            // DynamoDB's too.
            .env(
                "AWS_ENDPOINT_URL_DYNAMODB",
                if self.endpoint == endpoint() {
                    moto_endpoint()
                } else {
                    self.endpoint.clone()
                },
            )
            .env_remove("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .env("AWS_REGION", self.region)
            .env("AWS_MAX_ATTEMPTS", "2")
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE")
            .env_remove("COLUMNS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.offline {
            cmd.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
        } else {
            cmd.env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test");
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(d) = self.dir {
            cmd.current_dir(d);
        }
        let mut child = cmd.spawn().expect("run pydynox-iam");
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = self.stdin {
                input.write_all(text.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs the binary against LocalStack, in the current directory.
pub fn pydynox_iam(args: &[&str]) -> Run {
    Bin::default().run(args)
}

/// An HTML document parsed as a browser would (html5ever), flattened for the tests: every
/// element with its attributes and text, and the parse errors (a valid document has none).
pub mod html {
    use std::collections::BTreeMap;

    use html5ever::tendril::TendrilSink;
    use markup5ever_rcdom::{Handle, NodeData, RcDom};

    #[derive(Debug, Clone)]
    pub struct Element {
        pub name: String,
        pub attrs: BTreeMap<String, String>,
        /// The text of every descendant, concatenated.
        pub text: String,
        /// Names of the ancestor elements, nearest first.
        pub ancestors: Vec<String>,
        /// Index of the nearest ancestor element in `Page::elements`.
        pub parent: Option<usize>,
    }

    impl Element {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs.get(name).map(String::as_str)
        }
        pub fn has_class(&self, c: &str) -> bool {
            self.attr("class")
                .is_some_and(|v| v.split_whitespace().any(|x| x == c))
        }
    }

    pub struct Page {
        pub elements: Vec<Element>,
        pub errors: Vec<String>,
    }

    impl Page {
        pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
            self.elements.iter().filter(move |e| e.name == name)
        }
        pub fn by_id(&self, id: &str) -> Option<&Element> {
            self.elements.iter().find(|e| e.attr("id") == Some(id))
        }
    }

    fn text_of(h: &Handle, out: &mut String) {
        if let NodeData::Text { contents } = &h.data {
            out.push_str(&contents.borrow());
        }
        for c in h.children.borrow().iter() {
            text_of(c, out);
        }
    }

    fn walk(h: &Handle, ancestors: &mut Vec<(String, usize)>, out: &mut Vec<Element>) {
        let mut pushed = false;
        if let NodeData::Element { name, attrs, .. } = &h.data {
            let mut text = String::new();
            text_of(h, &mut text);
            out.push(Element {
                name: name.local.to_string(),
                attrs: attrs
                    .borrow()
                    .iter()
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect(),
                text,
                ancestors: ancestors.iter().rev().map(|(n, _)| n.clone()).collect(),
                parent: ancestors.last().map(|(_, i)| *i),
            });
            ancestors.push((name.local.to_string(), out.len() - 1));
            pushed = true;
        }
        for c in h.children.borrow().iter() {
            walk(c, ancestors, out);
        }
        if pushed {
            ancestors.pop();
        }
    }

    /// Parses `text`, collecting html5ever's parse errors (exact ones).
    pub fn parse(text: &str) -> Page {
        let opts = html5ever::ParseOpts {
            tree_builder: html5ever::tree_builder::TreeBuilderOpts {
                exact_errors: true,
                ..Default::default()
            },
            tokenizer: html5ever::tokenizer::TokenizerOpts {
                exact_errors: true,
                ..Default::default()
            },
        };
        let dom: RcDom = html5ever::parse_document(RcDom::default(), opts).one(text);
        let mut elements = Vec::new();
        walk(&dom.document, &mut Vec::new(), &mut elements);
        let errors = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
        Page { elements, errors }
    }

    /// Parses `text` and fails on any parse error (the HTML is not valid).
    pub fn parse_valid(text: &str) -> Page {
        let page = parse(text);
        assert!(
            page.errors.is_empty(),
            "the HTML has parse errors: {:?}",
            page.errors
        );
        page
    }
}
