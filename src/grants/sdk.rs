//! The one adapter to AWS: the [`Aws`] trait implemented over the AWS SDK (IAM, STS, KMS, S3,
//! DynamoDB) by [`SdkAws`]. Owns SDK configuration (region, profile, endpoint, adaptive
//! retry), pagination, URL-decoding of policy documents and the mapping of SDK errors to
//! [`AwsError`]. Must not decide verdicts or print anything.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::{ContextEntry as SdkContextEntry, ContextKeyTypeEnum};
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::engine::OrgPolicyType;
use crate::grants::model::{BucketEncryption, SimDecision, SimRequest, SimResult, SimStatement};
use crate::grants::org::{
    OrgAnswer, OrgCall, OrgDescription, OrgParent, PolicySummary, PolicyTypeState,
};
use crate::grants::source::{Accounts, Aws, AwsError, Entity, OrgAccount, Owner};
use crate::needs::catalogue::ContextType;

/// Settings that override the normal AWS configuration chain.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// `--endpoint-url`: every service's endpoint, except a service that has an endpoint of
    /// its own (`AWS_ENDPOINT_URL_DYNAMODB`, a `services` section of the profile); see
    /// [`EndpointOverride`].
    pub endpoint_url: Option<String>,
}

/// Counts every HTTP attempt the SDK makes (retries included) and, with `-v`, logs the
/// service, operation and endpoint of each to stderr. Request bodies and headers are never
/// logged, so credentials and session tokens cannot leak.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    verbose: bool,
}

impl CallLog {
    pub fn new(verbose: bool) -> CallLog {
        CallLog {
            calls: Default::default(),
            verbose,
        }
    }
    /// HTTP attempts so far.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for CallLog {
    fn name(&self) -> &'static str {
        "pydynox-iam-call-log"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let n = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        if self.verbose {
            let op = cfg
                .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
                .map(|m| format!("{}.{}", m.service(), m.name()))
                .unwrap_or_else(|| "unknown".into());
            let uri = context.request().uri();
            // The URI only: no headers (credentials) and no body.
            let uri = uri.split('?').next().unwrap_or(uri);
            eprintln!("pydynox-iam: aws call {n}: {op} {uri}");
        }
        Ok(())
    }
}

/// The SDK-backed adapter.
#[derive(Clone)]
pub struct SdkAws {
    iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
    kms: aws_sdk_kms::Client,
    s3: aws_sdk_s3::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    /// `None` for an adapter built over given clients without one ([`SdkAws::with_organizations`]).
    organizations: Option<aws_sdk_organizations::Client>,
    /// The configuration the clients were built from (kept to build an assumed account's
    /// clients with the same region, endpoints, retry and timeouts); `None` in tests.
    config: Option<SdkConfig>,
    log: CallLog,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Loads the SDK configuration from the normal chain (environment, profiles, SSO, IMDS),
/// with adaptive retry for throttling configured once here rather than in loops.
pub async fn load_config(opts: &ConnectOptions) -> SdkConfig {
    // AWS_MAX_ATTEMPTS, the standard variable, can lower or raise the attempts.
    let max_attempts = std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(8);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::adaptive()
                .with_max_attempts(max_attempts)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(10)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(120))
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    // `--endpoint-url` is not given to the loader: there it would be programmatic
    // configuration, which the SDK applies to every service and which hides the per-service
    // settings (aws-sdk-*'s `From<&SdkConfig>` uses a programmatic endpoint as is, and only
    // otherwise reads `AWS_ENDPOINT_URL_<SERVICE>`). It is layered on afterwards instead.
    let config = loader.load().await;
    match &opts.endpoint_url {
        Some(u) => with_endpoint_override(config, u),
        None => config,
    }
}

/// The SDK's per-service configuration key for endpoints (`AWS_ENDPOINT_URL_<SERVICE>`, or
/// `endpoint_url` in the profile's `services` section for that service).
fn endpoint_key(service_id: &str) -> aws_types::service_config::ServiceConfigKey<'_> {
    aws_types::service_config::ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .expect("all fields set")
}

/// A service id no SDK has: the configuration looked up under it is only the global one.
const NO_SERVICE: &str = "pydynox-iam no service";

/// The endpoint a client built from `config` for `service_id` (the SDK's service id, e.g.
/// `DynamoDB`) sends to, as the SDK resolves it; `None` is AWS's own endpoint.
pub fn service_endpoint(config: &SdkConfig, service_id: &str) -> Option<String> {
    if config.get_origin("endpoint_url").is_client_config() {
        return config.endpoint_url().map(str::to_string);
    }
    config
        .service_config()
        .and_then(|c| c.load_config(endpoint_key(service_id)))
        .or_else(|| config.endpoint_url().map(str::to_string))
}

/// `--endpoint-url` layered under the per-service endpoint settings: for each service, an
/// endpoint configured for that service alone wins; otherwise `--endpoint-url` does, over
/// `AWS_ENDPOINT_URL` and the profile's `endpoint_url`. So with LocalStack at
/// `--endpoint-url` and `AWS_ENDPOINT_URL_DYNAMODB` at moto, DynamoDB goes to moto and IAM,
/// STS, KMS and S3 to LocalStack.
///
/// The SDK's own order without the flag (aws-runtime `EnvConfigValue::load`): the service's
/// environment variable, then `AWS_ENDPOINT_URL`, then the profile's `services` section,
/// then the profile's `endpoint_url`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` ignores all
/// of them. "Configured for that service alone" is read from the SDK's answer: the service's
/// value when it differs from what the same lookup gives for no service (the global value),
/// or when `AWS_ENDPOINT_URL_<SERVICE>` is set. A profile `services` endpoint equal to the
/// global one is overridden by the flag; the endpoint is the same either way unless the flag
/// differs, and then the flag, which the user typed, wins.
#[derive(Debug)]
struct EndpointOverride {
    inner: SdkConfig,
    endpoint_url: String,
    /// Reads an environment variable (the process environment; tests pass their own).
    env: fn(&str) -> Option<String>,
}

impl aws_types::service_config::LoadServiceConfig for EndpointOverride {
    fn load_config(&self, key: aws_types::service_config::ServiceConfigKey<'_>) -> Option<String> {
        let inner = self.inner.service_config()?;
        let value = inner.load_config(key.clone());
        if key.env() != "AWS_ENDPOINT_URL" {
            return value;
        }
        let env_name = format!(
            "AWS_ENDPOINT_URL_{}",
            key.service_id()
                .to_ascii_uppercase()
                .replace([' ', '-'], "_")
        );
        let own_env = (self.env)(&env_name).is_some_and(|v| !v.trim().is_empty());
        let global = inner.load_config(endpoint_key(NO_SERVICE));
        match value {
            Some(v) if own_env || Some(&v) != global.as_ref() => Some(v),
            _ => Some(self.endpoint_url.clone()),
        }
    }
}

fn with_endpoint_override(config: SdkConfig, endpoint_url: &str) -> SdkConfig {
    with_endpoint_override_env(config, endpoint_url, |k| std::env::var(k).ok())
}

fn with_endpoint_override_env(
    config: SdkConfig,
    endpoint_url: &str,
    env: fn(&str) -> Option<String>,
) -> SdkConfig {
    let wrapper = EndpointOverride {
        inner: config.clone(),
        endpoint_url: endpoint_url.to_string(),
        env,
    };
    let mut builder = config.into_builder();
    // Not an origin of "programmatic": the services must still ask the per-service settings.
    builder.set_endpoint_url(Some(endpoint_url.to_string()));
    builder.service_config(wrapper).build()
}

impl SdkAws {
    /// An adapter whose every HTTP attempt goes through `log`.
    pub fn with_call_log(config: &SdkConfig, log: CallLog) -> SdkAws {
        SdkAws {
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(config)
                    .interceptor(log.clone())
                    .build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(config)
                    .interceptor(log.clone())
                    .build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(config)
                    .interceptor(log.clone())
                    .build(),
            ),
            // Path-style addressing when an endpoint is set (LocalStack has no bucket DNS).
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(config)
                    .force_path_style(service_endpoint(config, "S3").is_some())
                    .interceptor(log.clone())
                    .build(),
            ),
            organizations: Some(aws_sdk_organizations::Client::from_conf(
                aws_sdk_organizations::config::Builder::from(config)
                    .interceptor(log.clone())
                    .build(),
            )),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(config)
                    .interceptor(log.clone())
                    .build(),
            ),
            config: Some(config.clone()),
            log,
            region: config.region().map(|r| r.to_string()),
            // IAM's: the simulator's endpoint decides whether it is LocalStack's stub.
            endpoint_url: service_endpoint(config, "IAM"),
        }
    }

    /// For tests: an adapter over given clients.
    pub fn from_clients(
        iam: aws_sdk_iam::Client,
        sts: aws_sdk_sts::Client,
        kms: aws_sdk_kms::Client,
        s3: aws_sdk_s3::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    ) -> SdkAws {
        SdkAws {
            iam,
            sts,
            kms,
            s3,
            dynamodb,
            organizations: None,
            config: None,
            log: CallLog::default(),
            region: Some("us-east-1".into()),
            endpoint_url: None,
        }
    }

    /// For tests: the same adapter with an AWS Organizations client.
    pub fn with_organizations(mut self, client: aws_sdk_organizations::Client) -> SdkAws {
        self.organizations = Some(client);
        self
    }

    fn organizations_client(
        &self,
        action: &'static str,
    ) -> Result<&aws_sdk_organizations::Client, AwsError> {
        self.organizations.as_ref().ok_or(AwsError::Offline {
            message: format!("no AWS Organizations client was configured for `{action}`"),
        })
    }
}

impl Accounts for SdkAws {
    type Account = SdkAws;

    async fn list_accounts(&self) -> Result<Vec<OrgAccount>, AwsError> {
        const ACTION: &str = "organizations:ListAccounts";
        let mut pages = Pages::new(ACTION);
        let mut marker: Option<String> = None;
        let mut out = Vec::new();
        loop {
            let page = self
                .organizations_client(ACTION)?
                .list_accounts()
                .set_next_token(marker.clone())
                .send()
                .await
                .map_err(|e| map_sdk_error(ACTION, || "the organization".into(), e))?;
            for a in page.accounts() {
                let (Some(id), Some(state)) = (
                    a.id(),
                    a.state()
                        .map(|s| s.as_str().to_string())
                        .or_else(|| a.status().map(|s| s.as_str().to_string())),
                ) else {
                    // An account without its id or state cannot be audited nor said skipped
                    // for a reason: the answer is refused rather than the account dropped.
                    return Err(AwsError::BadResponse {
                        action: ACTION,
                        message: "an account without its Id or State".into(),
                    });
                };
                out.push(OrgAccount {
                    id: id.to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                    state,
                });
            }
            let more = page.next_token().is_some_and(|t| !t.is_empty());
            marker = pages.next(more, page.next_token())?;
            if marker.is_none() {
                return Ok(out);
            }
        }
    }

    async fn assume_role(
        &self,
        role_arn: &str,
        session_name: &str,
        external_id: Option<&str>,
    ) -> Result<SdkAws, AwsError> {
        const ACTION: &str = "sts:AssumeRole";
        let out = self
            .sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .set_external_id(external_id.map(str::to_string))
            .send()
            .await
            .map_err(|e| map_sdk_error(ACTION, || format!("role `{role_arn}`"), e))?;
        let c = out.credentials().ok_or(AwsError::BadResponse {
            action: ACTION,
            message: "no Credentials in the response".into(),
        })?;
        let Some(config) = &self.config else {
            return Err(AwsError::Offline {
                message: "this source cannot assume roles".into(),
            });
        };
        let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
        let creds = aws_sdk_sts::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "pydynox-iam sts:AssumeRole",
        );
        let mut renew = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name(session_name)
            .configure(config);
        if let Some(x) = external_id {
            renew = renew.external_id(x);
        }
        let provider = AssumedCredentials {
            first: std::sync::Mutex::new(Some(creds)),
            renew: renew.build().await,
        };
        let assumed = config
            .to_builder()
            .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
                provider,
            ))
            .build();
        Ok(SdkAws::with_call_log(&assumed, self.log.clone()))
    }

    fn as_caller(&self) -> SdkAws {
        self.clone()
    }
}

/// An audit role's credentials: first the ones `sts:AssumeRole` answered when the account was
/// entered, then, as they near expiry (an hour by default: STS AssumeRole API reference,
/// DurationSeconds), new ones from aws-config's `AssumeRoleProvider`; the SDK's identity cache
/// asks again before the ones it holds expire, so an audit longer than a session goes on.
/// Written by hand because aws-config's provider cannot start from credentials already
/// obtained, and the entry's own AssumeRole is what tells an account that cannot be entered
/// (reported with its reason) from one that can.
#[derive(Debug)]
struct AssumedCredentials {
    first: std::sync::Mutex<Option<aws_sdk_sts::config::Credentials>>,
    renew: aws_config::sts::AssumeRoleProvider,
}

/// How long before their expiry the entry's credentials are no longer handed out.
const RENEW_BEFORE: std::time::Duration = std::time::Duration::from_secs(300);

impl aws_sdk_sts::config::ProvideCredentials for AssumedCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self
            .first
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .filter(|c| {
                c.expiry().is_none_or(|at| {
                    at.duration_since(std::time::SystemTime::now())
                        .is_ok_and(|left| left > RENEW_BEFORE)
                })
            });
        match first {
            Some(c) => aws_credential_types::provider::future::ProvideCredentials::ready(Ok(c)),
            None => self.renew.provide_credentials(),
        }
    }
}

/// Maps an SDK error to an [`AwsError`] naming the action that failed.
pub fn map_sdk_error<E, R>(
    action: &'static str,
    what: impl FnOnce() -> String,
    err: SdkError<E, R>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let full = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or("").to_string();
            classify(action, what, code, message)
        }
        SdkError::TimeoutError(_) => AwsError::Network {
            action,
            message: "timed out".into(),
        },
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => AwsError::Network {
            action,
            message: short(&full),
        },
        _ if looks_like_missing_credentials(&full) => AwsError::NoCredentials {
            detail: short(&full),
        },
        SdkError::DispatchFailure(_) => AwsError::Network {
            action,
            message: short(&full),
        },
        _ => {
            // ResponseError and ConstructionFailure: keep any code the payload carries.
            let code = err.code().map(str::to_string);
            match code {
                Some(code) => classify(action, what, code, err.message().unwrap_or("").to_string()),
                None => AwsError::BadResponse {
                    action,
                    message: short(&full),
                },
            }
        }
    }
}

fn classify(
    action: &'static str,
    what: impl FnOnce() -> String,
    code: String,
    message: String,
) -> AwsError {
    match code.as_str() {
        "NoSuchEntity"
        | "NoSuchEntityException"
        | "NotFoundException"
        | "NoSuchBucket"
        | "ResourceNotFoundException" => AwsError::NotFound {
            action,
            what: what(),
            code,
            message,
        },
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthorizationError" => AwsError::AccessDenied { action, message },
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "SlowDown" => AwsError::Throttled { action, message },
        "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId" => AwsError::BadCredentials {
            action,
            code,
            message,
        },
        _ => AwsError::Service {
            action,
            code,
            message,
        },
    }
}

fn looks_like_missing_credentials(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("no credentials")
        || l.contains("credentials provider")
        || l.contains("failed to load credentials")
        || l.contains("resolve identity")
        || l.contains("identity resolver")
}

/// First line of a long SDK error chain, without the Debug dump the SDK appends, bounded.
fn short(s: &str) -> String {
    let s = s.lines().next().unwrap_or("").trim();
    let s = [
        "(DispatchFailure(",
        "(ConstructionFailure(",
        "(TimeoutError(",
        "(ResponseError(",
    ]
    .iter()
    .filter_map(|m| s.find(m))
    .min()
    .map_or(s, |i| s[..i].trim_end());
    if s.chars().count() > 400 {
        s.chars().take(400).collect::<String>() + "…"
    } else {
        s.to_string()
    }
}

/// IAM's paging (`IsTruncated`, `Marker`), followed to the end of one paged call. IAM may
/// return fewer items than asked even when more exist, so `IsTruncated` decides, not the page
/// size (API_SimulatePrincipalPolicy, MaxItems). A page that says it is truncated but gives no
/// marker, or gives a marker this call already followed, is an error naming the call: ending
/// there would silently drop the rest (a policy never read, a result never seen), and following
/// it would loop forever.
pub struct Pages {
    action: &'static str,
    seen: std::collections::HashSet<String>,
}

impl Pages {
    pub fn new(action: &'static str) -> Pages {
        Pages {
            action,
            seen: Default::default(),
        }
    }

    /// The marker to ask the next page with, or `None` after the last page.
    pub fn next(
        &mut self,
        truncated: bool,
        marker: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        if !truncated {
            return Ok(None);
        }
        match marker {
            None | Some("") => Err(AwsError::BadResponse {
                action: self.action,
                message: "a page says more results follow (IsTruncated) but gives no Marker to ask for them".into(),
            }),
            Some(m) if !self.seen.insert(m.to_string()) => Err(AwsError::BadResponse {
                action: self.action,
                message: format!(
                    "the Marker `{m}` came back a second time; following it would never end"
                ),
            }),
            Some(m) => Ok(Some(m.to_string())),
        }
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986; `+` is not a space).
pub fn decode_policy_document(raw: &str) -> String {
    if !raw.contains('%') {
        return raw.to_string();
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

fn sdk_context_type(t: ContextType) -> ContextKeyTypeEnum {
    ContextKeyTypeEnum::from(t.as_str())
}

fn to_statement(s: &aws_sdk_iam::types::Statement) -> SimStatement {
    SimStatement {
        source_policy_id: s.source_policy_id().map(str::to_string),
        source_policy_type: s.source_policy_type().map(|t| t.as_str().to_string()),
        start: s.start_position().map(|p| (p.line(), p.column())),
    }
}

/// Reads one `EvaluationResult` in either shape: with `ResourceSpecificResults` (one result
/// per action, per-resource decisions inside) or one result per action and resource. Nothing
/// is dropped: the organization detail (given only at the action level) and the boundary
/// detail (action level, or per resource) are kept with each resource's result, and an
/// action-level decision that no per-resource decision explains is kept beside them
/// ([`SimResult::unexplained_top_decision`]). A missing resource name reads as empty, so it
/// answers no check (the SDK fills missing required fields with defaults rather than failing).
pub fn read_evaluation_result(r: &aws_sdk_iam::types::EvaluationResult) -> Vec<SimResult> {
    let action = r.eval_action_name().to_string();
    let orgs = r
        .organizations_decision_detail()
        .map(|d| d.allowed_by_organizations());
    let top_boundary = r
        .permissions_boundary_decision_detail()
        .map(|d| d.allowed_by_permissions_boundary());
    let top_decision = SimDecision::parse(r.eval_decision().as_str());
    if !r.resource_specific_results().is_empty() {
        let per_resource: Vec<SimDecision> = r
            .resource_specific_results()
            .iter()
            .map(|rs| SimDecision::parse(rs.eval_resource_decision().as_str()))
            .collect();
        // AWS: the action-level decision "reflects the most restrictive decision" of the
        // resources (API_EvaluationResult). One stricter than all of them has a cause the
        // per-resource results do not show.
        let worst = per_resource
            .iter()
            .map(SimDecision::restrictiveness)
            .max()
            .unwrap_or(0);
        let unexplained = (top_decision.restrictiveness() > worst).then(|| top_decision.clone());
        return r
            .resource_specific_results()
            .iter()
            .zip(per_resource)
            .map(|(rs, decision)| {
                let mut missing: Vec<String> = rs.missing_context_values().to_vec();
                for m in r.missing_context_values() {
                    if !missing.contains(m) {
                        missing.push(m.clone());
                    }
                }
                // A per-resource boundary detail is about this resource; the action-level one
                // is about the action on some resource. The stricter of the two is kept.
                let boundary = match (
                    rs.permissions_boundary_decision_detail()
                        .map(|d| d.allowed_by_permissions_boundary()),
                    top_boundary,
                ) {
                    (Some(a), Some(b)) => Some(a && b),
                    (a, b) => a.or(b),
                };
                SimResult {
                    action: action.clone(),
                    resource: rs.eval_resource_name().to_string(),
                    decision,
                    matched: rs.matched_statements().iter().map(to_statement).collect(),
                    missing_context: missing,
                    allowed_by_boundary: boundary,
                    allowed_by_organizations: orgs,
                    unexplained_top_decision: unexplained.clone(),
                }
            })
            .collect();
    }
    vec![SimResult {
        action,
        resource: r.eval_resource_name().unwrap_or_default().to_string(),
        decision: top_decision,
        matched: r.matched_statements().iter().map(to_statement).collect(),
        missing_context: r.missing_context_values().to_vec(),
        allowed_by_boundary: top_boundary,
        allowed_by_organizations: orgs,
        unexplained_top_decision: None,
    }]
}

impl Aws for SdkAws {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        let out =
            self.sts.get_caller_identity().send().await.map_err(|e| {
                map_sdk_error("sts:GetCallerIdentity", || "caller identity".into(), e)
            })?;
        out.arn().map(str::to_string).ok_or(AwsError::BadResponse {
            action: "sts:GetCallerIdentity",
            message: "no Arn in the response".into(),
        })
    }

    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        let out = self
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| map_sdk_error("iam:GetRole", || format!("role `{name}`"), e))?;
        let role = out.role().ok_or(AwsError::BadResponse {
            action: "iam:GetRole",
            message: "no Role".into(),
        })?;
        Ok(Entity {
            arn: role.arn().to_string(),
            name: role.role_name().to_string(),
            boundary_arn: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            // GetRole returns every tag of the role (at most 50, IAM's quota), so no ListRoleTags.
            tags: Some(
                role.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            ),
        })
    }

    async fn get_user(&self, name: &str) -> Result<Entity, AwsError> {
        let out = self
            .iam
            .get_user()
            .user_name(name)
            .send()
            .await
            .map_err(|e| map_sdk_error("iam:GetUser", || format!("user `{name}`"), e))?;
        let user = out.user().ok_or(AwsError::BadResponse {
            action: "iam:GetUser",
            message: "no User".into(),
        })?;
        Ok(Entity {
            arn: user.arn().to_string(),
            name: user.user_name().to_string(),
            boundary_arn: user
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            // GetUser returns every tag of the user (at most 50, IAM's quota), so no ListUserTags.
            tags: Some(
                user.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            ),
        })
    }

    async fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, AwsError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        let mut pages = Pages::new("iam:ListGroupsForUser");
        loop {
            let page = self
                .iam
                .list_groups_for_user()
                .user_name(user)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| {
                    map_sdk_error("iam:ListGroupsForUser", || format!("user `{user}`"), e)
                })?;
            out.extend(page.groups().iter().map(|g| g.group_name().to_string()));
            match pages.next(page.is_truncated(), page.marker())? {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        Ok(out)
    }

    async fn list_inline_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        let what = || format!("{} `{}`", owner.kind(), owner.name());
        let mut pages = Pages::new(match owner {
            Owner::Role(_) => "iam:ListRolePolicies",
            Owner::User(_) => "iam:ListUserPolicies",
            Owner::Group(_) => "iam:ListGroupPolicies",
        });
        loop {
            let (names, truncated, next) = match owner {
                Owner::Role(n) => {
                    let p = self
                        .iam
                        .list_role_policies()
                        .role_name(n)
                        .set_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| map_sdk_error("iam:ListRolePolicies", what, e))?;
                    (
                        p.policy_names().to_vec(),
                        p.is_truncated(),
                        p.marker().map(str::to_string),
                    )
                }
                Owner::User(n) => {
                    let p = self
                        .iam
                        .list_user_policies()
                        .user_name(n)
                        .set_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| map_sdk_error("iam:ListUserPolicies", what, e))?;
                    (
                        p.policy_names().to_vec(),
                        p.is_truncated(),
                        p.marker().map(str::to_string),
                    )
                }
                Owner::Group(n) => {
                    let p = self
                        .iam
                        .list_group_policies()
                        .group_name(n)
                        .set_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| map_sdk_error("iam:ListGroupPolicies", what, e))?;
                    (
                        p.policy_names().to_vec(),
                        p.is_truncated(),
                        p.marker().map(str::to_string),
                    )
                }
            };
            out.extend(names);
            match pages.next(truncated, next.as_deref())? {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        Ok(out)
    }

    async fn get_inline_policy(&self, owner: &Owner, name: &str) -> Result<String, AwsError> {
        let what = || {
            format!(
                "inline policy `{name}` of {} `{}`",
                owner.kind(),
                owner.name()
            )
        };
        let doc = match owner {
            Owner::Role(n) => self
                .iam
                .get_role_policy()
                .role_name(n)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| map_sdk_error("iam:GetRolePolicy", what, e))?
                .policy_document()
                .to_string(),
            Owner::User(n) => self
                .iam
                .get_user_policy()
                .user_name(n)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| map_sdk_error("iam:GetUserPolicy", what, e))?
                .policy_document()
                .to_string(),
            Owner::Group(n) => self
                .iam
                .get_group_policy()
                .group_name(n)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| map_sdk_error("iam:GetGroupPolicy", what, e))?
                .policy_document()
                .to_string(),
        };
        Ok(decode_policy_document(&doc))
    }

    async fn list_attached_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        let what = || format!("{} `{}`", owner.kind(), owner.name());
        let mut pages = Pages::new(match owner {
            Owner::Role(_) => "iam:ListAttachedRolePolicies",
            Owner::User(_) => "iam:ListAttachedUserPolicies",
            Owner::Group(_) => "iam:ListAttachedGroupPolicies",
        });
        loop {
            let (arns, truncated, next) = match owner {
                Owner::Role(n) => {
                    let p = self
                        .iam
                        .list_attached_role_policies()
                        .role_name(n)
                        .set_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| map_sdk_error("iam:ListAttachedRolePolicies", what, e))?;
                    (
                        arns_of(p.attached_policies()),
                        p.is_truncated(),
                        p.marker().map(str::to_string),
                    )
                }
                Owner::User(n) => {
                    let p = self
                        .iam
                        .list_attached_user_policies()
                        .user_name(n)
                        .set_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| map_sdk_error("iam:ListAttachedUserPolicies", what, e))?;
                    (
                        arns_of(p.attached_policies()),
                        p.is_truncated(),
                        p.marker().map(str::to_string),
                    )
                }
                Owner::Group(n) => {
                    let p = self
                        .iam
                        .list_attached_group_policies()
                        .group_name(n)
                        .set_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| map_sdk_error("iam:ListAttachedGroupPolicies", what, e))?;
                    (
                        arns_of(p.attached_policies()),
                        p.is_truncated(),
                        p.marker().map(str::to_string),
                    )
                }
            };
            out.extend(arns);
            match pages.next(truncated, next.as_deref())? {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        Ok(out)
    }

    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError> {
        let what = || format!("managed policy `{arn}`");
        let policy = self
            .iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| map_sdk_error("iam:GetPolicy", what, e))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .ok_or(AwsError::BadResponse {
                action: "iam:GetPolicy",
                message: format!("`{arn}` has no default version"),
            })?
            .to_string();
        let v = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(&version)
            .send()
            .await
            .map_err(|e| map_sdk_error("iam:GetPolicyVersion", what, e))?;
        let doc = v
            .policy_version()
            .and_then(|p| p.document())
            .ok_or(AwsError::BadResponse {
                action: "iam:GetPolicyVersion",
                message: format!("`{arn}` version {version} has no document"),
            })?;
        Ok((version, decode_policy_document(doc)))
    }

    async fn simulate(&self, req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        let entries: Vec<SdkContextEntry> = req
            .context
            .iter()
            .map(|c| {
                SdkContextEntry::builder()
                    .context_key_name(&c.key)
                    .set_context_key_values(Some(c.values.clone()))
                    .context_key_type(sdk_context_type(c.kind))
                    .build()
            })
            .collect();
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        let mut pages = Pages::new("iam:SimulatePrincipalPolicy");
        loop {
            let page = self
                .iam
                .simulate_principal_policy()
                .policy_source_arn(&req.policy_source_arn)
                // The account id, as this operation's API reference describes ResourceOwner
                // ("An Amazon Web Services account ID"); SimulateCustomPolicy's page asks for
                // `arn:aws:iam::ID:root` instead. If IAM refused the id, the run would stop
                // with its error (exit 3), never pass.
                .set_resource_owner(req.resource_owner.clone())
                .set_action_names(Some(req.actions.clone()))
                .set_resource_arns(Some(req.resources.clone()))
                .set_context_entries(if entries.is_empty() {
                    None
                } else {
                    Some(entries.clone())
                })
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| {
                    map_sdk_error(
                        "iam:SimulatePrincipalPolicy",
                        || format!("principal `{}`", req.policy_source_arn),
                        e,
                    )
                })?;
            for r in page.evaluation_results() {
                out.extend(read_evaluation_result(r));
            }
            match pages.next(page.is_truncated(), page.marker())? {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        Ok(out)
    }

    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        let out = self
            .kms
            .describe_key()
            .key_id(key)
            .send()
            .await
            .map_err(|e| map_sdk_error("kms:DescribeKey", || format!("KMS key `{key}`"), e))?;
        out.key_metadata()
            .and_then(|m| m.arn())
            .map(str::to_string)
            .ok_or(AwsError::BadResponse {
                action: "kms:DescribeKey",
                message: "no key ARN".into(),
            })
    }

    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        self.key_policy(key_arn).await
    }

    async fn get_bucket_policy(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        self.bucket_policy(bucket, expected_owner).await
    }

    async fn get_bucket_encryption(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        self.bucket_encryption(bucket, expected_owner).await
    }

    async fn get_table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError> {
        self.table_policy(table_arn).await
    }

    async fn get_role_trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        self.trust_policy(role_name).await
    }

    /// Every page of GetAccountAuthorizationDetails (no `Filter`: roles, users, groups, local
    /// and AWS managed policies), merged into the JSON the AWS CLI prints. Documents stay as
    /// IAM sends them (URL-encoded strings), which the reader decodes; an element IAM leaves
    /// out stays out (a missing `Tags` is unknown, not "untagged"), so the reader's consistency
    /// rules see exactly what IAM answered.
    async fn get_account_authorization_details(&self) -> Result<String, AwsError> {
        const ACTION: &str = "iam:GetAccountAuthorizationDetails";
        let mut users = Vec::new();
        let mut groups = Vec::new();
        let mut roles = Vec::new();
        let mut policies = Vec::new();
        let mut marker: Option<String> = None;
        let mut pages = Pages::new(ACTION);
        loop {
            let page = self
                .iam
                .get_account_authorization_details()
                .set_marker(marker.take())
                .customize()
                // A page of a large account (or an emulator that does not page) can take longer
                // than the 30 s per attempt that suits every other call.
                .config_override(
                    aws_sdk_iam::config::Builder::default().timeout_config(
                        TimeoutConfig::builder()
                            .operation_attempt_timeout(Duration::from_secs(120))
                            .operation_timeout(Duration::from_secs(300))
                            .build(),
                    ),
                )
                .send()
                .await
                .map_err(|e| {
                    map_sdk_error(ACTION, || "the account's authorization details".into(), e)
                })?;
            users.extend(page.user_detail_list().iter().map(details_json::user));
            groups.extend(page.group_detail_list().iter().map(details_json::group));
            roles.extend(page.role_detail_list().iter().map(details_json::role));
            policies.extend(page.policies().iter().map(details_json::policy));
            match pages.next(page.is_truncated(), page.marker())? {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        Ok(serde_json::json!({
            "UserDetailList": users,
            "GroupDetailList": groups,
            "RoleDetailList": roles,
            "Policies": policies,
        })
        .to_string())
    }

    /// AWS Organizations, every page (`NextToken`, with the same checks as IAM's markers).
    /// AWSOrganizationsNotInUseException on DescribeOrganization means "in no organization".
    async fn organizations(&self, call: &OrgCall) -> Result<OrgAnswer, AwsError> {
        use aws_sdk_organizations::types::{ParentType, PolicyType};
        let action = call.action();
        let client = self.organizations_client(action)?;
        let what = || format!("the target of `{action}`");
        let policy_type = |k: OrgPolicyType| match k {
            OrgPolicyType::Scp => PolicyType::ServiceControlPolicy,
            OrgPolicyType::Rcp => PolicyType::ResourceControlPolicy,
        };
        match call {
            OrgCall::DescribeOrganization => match client.describe_organization().send().await {
                Ok(out) => {
                    let o = out.organization().ok_or(AwsError::BadResponse {
                        action,
                        message: "no Organization in the answer".into(),
                    })?;
                    let field = |v: Option<&str>, name: &str| {
                        v.map(str::to_string).ok_or(AwsError::BadResponse {
                            action,
                            message: format!("the organization has no {name}"),
                        })
                    };
                    Ok(OrgAnswer::Organization {
                        organization: Some(OrgDescription {
                            id: field(o.id(), "Id")?,
                            management_account: field(o.master_account_id(), "MasterAccountId")?,
                            feature_set: field(o.feature_set().map(|f| f.as_str()), "FeatureSet")?,
                        }),
                    })
                }
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_aws_organizations_not_in_use_exception()) =>
                {
                    Ok(OrgAnswer::Organization { organization: None })
                }
                Err(e) => Err(map_sdk_error(action, what, e)),
            },
            OrgCall::ListRoots => {
                let mut roots = Vec::new();
                let mut token: Option<String> = None;
                let mut pages = Pages::new(action);
                loop {
                    let out = client
                        .list_roots()
                        .set_next_token(token.take())
                        .send()
                        .await
                        .map_err(|e| map_sdk_error(action, what, e))?;
                    for r in out.roots() {
                        let mut types = Vec::new();
                        for t in r.policy_types() {
                            let kind = match t.r#type() {
                                Some(PolicyType::ServiceControlPolicy) => OrgPolicyType::Scp,
                                Some(PolicyType::ResourceControlPolicy) => OrgPolicyType::Rcp,
                                _ => continue,
                            };
                            types.push(PolicyTypeState {
                                kind,
                                status: t
                                    .status()
                                    .map(|s| s.as_str().to_string())
                                    .unwrap_or_default(),
                            });
                        }
                        roots.push((r.id().unwrap_or_default().to_string(), types));
                    }
                    match pages.next(out.next_token().is_some(), out.next_token())? {
                        Some(t) => token = Some(t),
                        None => break,
                    }
                }
                Ok(OrgAnswer::Roots { roots })
            }
            OrgCall::ListParents { child } => {
                let mut parents = Vec::new();
                let mut token: Option<String> = None;
                let mut pages = Pages::new(action);
                loop {
                    let out = client
                        .list_parents()
                        .child_id(child)
                        .set_next_token(token.take())
                        .send()
                        .await
                        .map_err(|e| {
                            map_sdk_error(action, || format!("`{child}` in the organization"), e)
                        })?;
                    for p in out.parents() {
                        let root = match p.r#type() {
                            Some(ParentType::Root) => true,
                            Some(ParentType::OrganizationalUnit) => false,
                            other => {
                                return Err(AwsError::BadResponse {
                                    action,
                                    message: format!("a parent of unknown type {other:?}"),
                                });
                            }
                        };
                        parents.push(OrgParent {
                            id: p.id().unwrap_or_default().to_string(),
                            root,
                        });
                    }
                    match pages.next(out.next_token().is_some(), out.next_token())? {
                        Some(t) => token = Some(t),
                        None => break,
                    }
                }
                Ok(OrgAnswer::Parents { parents })
            }
            OrgCall::ListPoliciesForTarget { target, kind } => {
                let mut policies = Vec::new();
                let mut token: Option<String> = None;
                let mut pages = Pages::new(action);
                loop {
                    let out = client
                        .list_policies_for_target()
                        .target_id(target)
                        .filter(policy_type(*kind))
                        .set_next_token(token.take())
                        .send()
                        .await
                        .map_err(|e| {
                            map_sdk_error(action, || format!("`{target}` in the organization"), e)
                        })?;
                    for p in out.policies() {
                        policies.push(PolicySummary {
                            id: p.id().unwrap_or_default().to_string(),
                            name: p.name().unwrap_or_default().to_string(),
                        });
                    }
                    match pages.next(out.next_token().is_some(), out.next_token())? {
                        Some(t) => token = Some(t),
                        None => break,
                    }
                }
                Ok(OrgAnswer::Policies { policies })
            }
            OrgCall::DescribePolicy { policy } => {
                let out = client
                    .describe_policy()
                    .policy_id(policy)
                    .send()
                    .await
                    .map_err(|e| map_sdk_error(action, || format!("policy `{policy}`"), e))?;
                let content =
                    out.policy()
                        .and_then(|p| p.content())
                        .ok_or(AwsError::BadResponse {
                            action,
                            message: format!("policy `{policy}` came back without its Content"),
                        })?;
                Ok(OrgAnswer::Policy {
                    content: content.to_string(),
                })
            }
        }
    }
}

/// The SDK's types of GetAccountAuthorizationDetails as the AWS CLI's JSON, element for
/// element; an element IAM did not send is left out, never defaulted.
mod details_json {
    use aws_sdk_iam::types::{
        AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, ManagedPolicyDetail,
        PolicyDetail, RoleDetail, Tag, UserDetail,
    };
    use serde_json::{Map, Value, json};

    fn put<T: Into<Value>>(m: &mut Map<String, Value>, key: &str, v: Option<T>) {
        if let Some(v) = v {
            m.insert(key.into(), v.into());
        }
    }
    fn inline(list: &Option<Vec<PolicyDetail>>) -> Option<Value> {
        list.as_ref().map(|l| {
            l.iter()
                .map(|p| {
                    let mut m = Map::new();
                    put(&mut m, "PolicyName", p.policy_name.clone());
                    put(&mut m, "PolicyDocument", p.policy_document.clone());
                    Value::Object(m)
                })
                .collect()
        })
    }
    fn attached(list: &Option<Vec<AttachedPolicy>>) -> Option<Value> {
        list.as_ref().map(|l| {
            l.iter()
                .map(|p| {
                    let mut m = Map::new();
                    put(&mut m, "PolicyName", p.policy_name.clone());
                    put(&mut m, "PolicyArn", p.policy_arn.clone());
                    Value::Object(m)
                })
                .collect()
        })
    }
    fn boundary(b: &Option<AttachedPermissionsBoundary>) -> Option<Value> {
        b.as_ref().map(|b| {
            let mut m = Map::new();
            put(
                &mut m,
                "PermissionsBoundaryType",
                b.permissions_boundary_type
                    .as_ref()
                    .map(|t| t.as_str().to_string()),
            );
            put(
                &mut m,
                "PermissionsBoundaryArn",
                b.permissions_boundary_arn.clone(),
            );
            Value::Object(m)
        })
    }
    fn tags(t: &Option<Vec<Tag>>) -> Option<Value> {
        t.as_ref().map(|l| {
            l.iter()
                .map(|t| json!({"Key": t.key, "Value": t.value}))
                .collect()
        })
    }
    pub fn role(r: &RoleDetail) -> Value {
        let mut m = Map::new();
        put(&mut m, "Path", r.path.clone());
        put(&mut m, "RoleName", r.role_name.clone());
        put(&mut m, "Arn", r.arn.clone());
        put(
            &mut m,
            "AssumeRolePolicyDocument",
            r.assume_role_policy_document.clone(),
        );
        put(&mut m, "RolePolicyList", inline(&r.role_policy_list));
        put(
            &mut m,
            "AttachedManagedPolicies",
            attached(&r.attached_managed_policies),
        );
        put(
            &mut m,
            "PermissionsBoundary",
            boundary(&r.permissions_boundary),
        );
        put(&mut m, "Tags", tags(&r.tags));
        Value::Object(m)
    }
    pub fn user(u: &UserDetail) -> Value {
        let mut m = Map::new();
        put(&mut m, "Path", u.path.clone());
        put(&mut m, "UserName", u.user_name.clone());
        put(&mut m, "Arn", u.arn.clone());
        put(&mut m, "UserPolicyList", inline(&u.user_policy_list));
        put(&mut m, "GroupList", u.group_list.clone());
        put(
            &mut m,
            "AttachedManagedPolicies",
            attached(&u.attached_managed_policies),
        );
        put(
            &mut m,
            "PermissionsBoundary",
            boundary(&u.permissions_boundary),
        );
        put(&mut m, "Tags", tags(&u.tags));
        Value::Object(m)
    }
    pub fn group(g: &GroupDetail) -> Value {
        let mut m = Map::new();
        put(&mut m, "Path", g.path.clone());
        put(&mut m, "GroupName", g.group_name.clone());
        put(&mut m, "Arn", g.arn.clone());
        put(&mut m, "GroupPolicyList", inline(&g.group_policy_list));
        put(
            &mut m,
            "AttachedManagedPolicies",
            attached(&g.attached_managed_policies),
        );
        Value::Object(m)
    }
    pub fn policy(p: &ManagedPolicyDetail) -> Value {
        let mut m = Map::new();
        put(&mut m, "PolicyName", p.policy_name.clone());
        put(&mut m, "Arn", p.arn.clone());
        put(&mut m, "Path", p.path.clone());
        put(&mut m, "DefaultVersionId", p.default_version_id.clone());
        put(
            &mut m,
            "PolicyVersionList",
            p.policy_version_list.as_ref().map(|l| {
                l.iter()
                    .map(|v| {
                        let mut m = Map::new();
                        put(&mut m, "Document", v.document.clone());
                        put(&mut m, "VersionId", v.version_id.clone());
                        m.insert("IsDefaultVersion".into(), v.is_default_version.into());
                        Value::Object(m)
                    })
                    .collect::<Vec<_>>()
            }),
        );
        Value::Object(m)
    }
}

impl SdkAws {
    async fn key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        let out = self
            .kms
            .get_key_policy()
            .key_id(key_arn)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| map_sdk_error("kms:GetKeyPolicy", || format!("KMS key `{key_arn}`"), e))?;
        out.policy()
            .map(str::to_string)
            .ok_or(AwsError::BadResponse {
                action: "kms:GetKeyPolicy",
                message: format!("no policy for `{key_arn}`"),
            })
    }

    /// `ExpectedBucketOwner`: "If the account ID that you provide does not match the actual
    /// owner of the bucket, the request fails with the HTTP status code 403 Forbidden (access
    /// denied)" (S3 API reference, GetBucketPolicy), so an answer confirms the owner; a 403
    /// cannot tell a wrong owner from a missing permission (the caller's reasons say both).
    async fn bucket_policy(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        match self
            .s3
            .get_bucket_policy()
            .bucket(bucket)
            .set_expected_bucket_owner(expected_owner.map(str::to_string))
            .send()
            .await
        {
            Ok(out) => Ok(out.policy().map(str::to_string)),
            Err(e) if e.code() == Some("NoSuchBucketPolicy") => Ok(None),
            Err(e) => Err(map_sdk_error(
                "s3:GetBucketPolicy",
                || format!("bucket `{bucket}`"),
                e,
            )),
        }
    }

    /// The bucket's default encryption (GetBucketEncryption, authorized by
    /// `s3:GetEncryptionConfiguration`). Since January 2023 every bucket has one (SSE-S3 at
    /// least); a bucket without one (`ServerSideEncryptionConfigurationNotFoundError`) encrypts
    /// with no KMS key either. Of several rules, any that names KMS makes it KMS.
    async fn bucket_encryption(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        let out = match self
            .s3
            .get_bucket_encryption()
            .bucket(bucket)
            .set_expected_bucket_owner(expected_owner.map(str::to_string))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
                return Ok(BucketEncryption::S3Managed);
            }
            Err(e) => {
                return Err(map_sdk_error(
                    "s3:GetEncryptionConfiguration",
                    || format!("bucket `{bucket}`"),
                    e,
                ));
            }
        };
        let rules = out
            .server_side_encryption_configuration()
            .map(|c| c.rules())
            .unwrap_or_default();
        for rule in rules {
            if let Some(d) = rule.apply_server_side_encryption_by_default() {
                use aws_sdk_s3::types::ServerSideEncryption as Sse;
                match d.sse_algorithm() {
                    Sse::Aes256 => {}
                    // aws:kms, aws:kms:dsse, and any algorithm this SDK does not know: KMS
                    // may be involved, so the key rows are checked (fail safe).
                    _ => {
                        return Ok(BucketEncryption::Kms {
                            key: d
                                .kms_master_key_id()
                                .filter(|k| !k.is_empty())
                                .map(str::to_string),
                            bucket_key: rule.bucket_key_enabled().unwrap_or(false),
                        });
                    }
                }
            }
        }
        Ok(BucketEncryption::S3Managed)
    }

    async fn table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError> {
        match self
            .dynamodb
            .get_resource_policy()
            .resource_arn(table_arn)
            .send()
            .await
        {
            Ok(out) => Ok(out.policy().map(str::to_string)),
            Err(e) if e.code() == Some("PolicyNotFoundException") => Ok(None),
            Err(e) => Err(map_sdk_error(
                "dynamodb:GetResourcePolicy",
                || format!("DynamoDB table `{table_arn}`"),
                e,
            )),
        }
    }

    async fn trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        let out = self
            .iam
            .get_role()
            .role_name(role_name)
            .send()
            .await
            .map_err(|e| map_sdk_error("iam:GetRole", || format!("role `{role_name}`"), e))?;
        out.role()
            .and_then(|r| r.assume_role_policy_document())
            .map(decode_policy_document)
            .ok_or(AwsError::BadResponse {
                action: "iam:GetRole",
                message: format!("role `{role_name}` has no trust policy"),
            })
    }
}

fn arns_of(p: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    p.iter()
        .filter_map(|a| a.policy_arn())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An audit role's credentials with a seed that expires `left` from now, renewed through an
    /// STS endpoint nobody listens on (so a renewal is seen as its error).
    async fn assumed(left: std::time::Duration) -> AssumedCredentials {
        let base = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "AKIDBASE", "base", None, None, "test",
            ))
            .retry_config(RetryConfig::disabled())
            .load()
            .await;
        AssumedCredentials {
            first: std::sync::Mutex::new(Some(aws_sdk_sts::config::Credentials::new(
                "ASIAENTRY",
                "entry",
                Some("token".into()),
                Some(std::time::SystemTime::now() + left),
                "test",
            ))),
            renew: aws_config::sts::AssumeRoleProvider::builder(
                "arn:aws:iam::222222222222:role/audit",
            )
            .session_name("pydynox-iam")
            .configure(&base)
            .build()
            .await,
        }
    }

    #[tokio::test]
    async fn an_audit_role_s_credentials_are_the_entry_s_then_renewed_with_assume_role() {
        use aws_sdk_sts::config::ProvideCredentials;
        // Fresh: the entry's credentials first (no second AssumeRole), then a renewal.
        let c = assumed(std::time::Duration::from_secs(3600)).await;
        let first = c.provide_credentials().await.unwrap();
        assert_eq!(first.access_key_id(), "ASIAENTRY");
        let again = c.provide_credentials().await;
        assert!(again.is_err(), "a renewal asks STS: {again:?}");
        // Near expiry: never handed out, renewed at once.
        let c = assumed(std::time::Duration::from_secs(60)).await;
        let near = c.provide_credentials().await;
        assert!(near.is_err(), "{near:?}");
    }

    /// The SDK's configuration as a fixed table: (service id or `*` for the global value).
    #[derive(Debug)]
    struct FakeEnv(Vec<(&'static str, &'static str)>);

    impl aws_types::service_config::LoadServiceConfig for FakeEnv {
        fn load_config(
            &self,
            key: aws_types::service_config::ServiceConfigKey<'_>,
        ) -> Option<String> {
            let find = |id: &str| {
                self.0
                    .iter()
                    .find(|(k, _)| *k == id)
                    .map(|(_, v)| v.to_string())
            };
            // The SDK's order: the service's own value, then the global one.
            find(key.service_id()).or_else(|| find("*"))
        }
    }

    fn config(table: Vec<(&'static str, &'static str)>, flag: Option<&str>) -> SdkConfig {
        let global = table
            .iter()
            .find(|(k, _)| *k == "*")
            .map(|(_, v)| v.to_string());
        let mut b = SdkConfig::builder().service_config(FakeEnv(table));
        b.set_endpoint_url(global);
        let c = b.build();
        // An empty environment: the tests must not depend on the one they run in.
        match flag {
            Some(f) => with_endpoint_override_env(c, f, |_| None),
            None => c,
        }
    }

    #[test]
    fn a_per_service_endpoint_wins_and_the_flag_sets_the_rest() {
        let ls = "http://127.0.0.1:4566";
        let moto = "http://127.0.0.1:5000";
        // The flag and a DynamoDB-only setting: DynamoDB to moto, the rest to the flag.
        let c = config(vec![("DynamoDB", moto)], Some(ls));
        assert_eq!(service_endpoint(&c, "DynamoDB").as_deref(), Some(moto));
        for s in ["IAM", "STS", "KMS", "S3"] {
            assert_eq!(service_endpoint(&c, s).as_deref(), Some(ls), "{s}");
        }
        // The flag beats the global setting (AWS_ENDPOINT_URL / profile endpoint_url).
        let c = config(vec![("*", "http://global"), ("DynamoDB", moto)], Some(ls));
        assert_eq!(service_endpoint(&c, "DynamoDB").as_deref(), Some(moto));
        assert_eq!(service_endpoint(&c, "IAM").as_deref(), Some(ls));
        let c = config(vec![("*", "http://global")], Some(ls));
        assert_eq!(service_endpoint(&c, "DynamoDB").as_deref(), Some(ls));
        // Without the flag the SDK decides: the per-service value, else the global one.
        let c = config(vec![("*", ls), ("DynamoDB", moto)], None);
        assert_eq!(service_endpoint(&c, "DynamoDB").as_deref(), Some(moto));
        assert_eq!(service_endpoint(&c, "KMS").as_deref(), Some(ls));
        // Nothing configured and no flag: AWS's own endpoints.
        let c = config(vec![], None);
        assert_eq!(service_endpoint(&c, "DynamoDB"), None);
        // Everything ignored (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: the SDK answers nothing):
        // the flag still applies to every service.
        let c = config(vec![], Some(ls));
        assert_eq!(service_endpoint(&c, "DynamoDB").as_deref(), Some(ls));
        // AWS_ENDPOINT_URL_DYNAMODB equal to the global value is still DynamoDB's own.
        let base = config(vec![("*", moto), ("DynamoDB", moto)], None);
        let c = with_endpoint_override_env(base.clone(), ls, |k| {
            (k == "AWS_ENDPOINT_URL_DYNAMODB").then(|| "http://127.0.0.1:5000".into())
        });
        assert_eq!(service_endpoint(&c, "DynamoDB").as_deref(), Some(moto));
        assert_eq!(service_endpoint(&c, "S3").as_deref(), Some(ls));
        // Without that variable the same value reads as the global one: the flag wins.
        let c = with_endpoint_override_env(base, ls, |_| None);
        assert_eq!(service_endpoint(&c, "DynamoDB").as_deref(), Some(ls));
    }

    #[test]
    fn the_override_answers_only_endpoint_keys() {
        let c = config(vec![("*", "x")], Some("http://flag"));
        let other = aws_types::service_config::ServiceConfigKey::builder()
            .service_id("DynamoDB")
            .env("AWS_ACCOUNT_ID_ENDPOINT_MODE")
            .profile("account_id_endpoint_mode")
            .build()
            .unwrap();
        // Another setting passes through to the SDK's configuration unchanged.
        assert_eq!(
            c.service_config().unwrap().load_config(other).as_deref(),
            Some("x")
        );
        // The flag is not programmatic configuration: the services still ask per service.
        assert!(!c.get_origin("endpoint_url").is_client_config());
    }

    /// Both response shapes, with the organization and boundary details wherever AWS puts
    /// them: nothing is dropped, and an action-level decision no resource explains is kept.
    #[test]
    fn evaluation_results_keep_every_detail_in_both_shapes() {
        use aws_sdk_iam::types::{
            EvaluationResult, OrganizationsDecisionDetail, PermissionsBoundaryDecisionDetail,
            PolicyEvaluationDecisionType as D, ResourceSpecificResult,
        };
        let boundary = |b| {
            PermissionsBoundaryDecisionDetail::builder()
                .allowed_by_permissions_boundary(b)
                .build()
        };
        let rs = |name: &str, d: D| {
            ResourceSpecificResult::builder()
                .eval_resource_name(name)
                .eval_resource_decision(d)
        };
        // Per-resource shape: the action level is stricter than both resources.
        let r = EvaluationResult::builder()
            .eval_action_name("dynamodb:GetItem")
            .eval_resource_name("*")
            .eval_decision(D::ImplicitDeny)
            .organizations_decision_detail(
                OrganizationsDecisionDetail::builder()
                    .allowed_by_organizations(false)
                    .build(),
            )
            .permissions_boundary_decision_detail(boundary(false))
            .missing_context_values("aws:SourceIp")
            .resource_specific_results(rs("a", D::Allowed).build().unwrap())
            .resource_specific_results(
                rs("b", D::Allowed)
                    .permissions_boundary_decision_detail(boundary(true))
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let out = read_evaluation_result(&r);
        assert_eq!(out.len(), 2);
        for x in &out {
            assert_eq!(x.allowed_by_organizations, Some(false));
            assert_eq!(x.unexplained_top_decision, Some(SimDecision::ImplicitDeny));
            assert_eq!(x.missing_context, vec!["aws:SourceIp".to_string()]);
            // The stricter of the action-level and per-resource boundary details.
            assert_eq!(x.allowed_by_boundary, Some(false));
        }
        // One resource denied explains the action-level deny.
        let r = EvaluationResult::builder()
            .eval_action_name("dynamodb:GetItem")
            .eval_decision(D::ImplicitDeny)
            .resource_specific_results(rs("a", D::Allowed).build().unwrap())
            .resource_specific_results(rs("b", D::ImplicitDeny).build().unwrap())
            .build()
            .unwrap();
        assert!(
            read_evaluation_result(&r)
                .iter()
                .all(|x| x.unexplained_top_decision.is_none())
        );
        // The older shape; a missing resource name answers no check.
        let r = EvaluationResult::builder()
            .eval_action_name("dynamodb:GetItem")
            .eval_decision(D::from("no value was set"))
            .build()
            .unwrap();
        let out = read_evaluation_result(&r);
        assert_eq!(out[0].resource, "");
        assert_eq!(
            out[0].decision,
            SimDecision::Other("no value was set".into())
        );
    }

    #[test]
    fn paging_ends_only_where_iam_says_and_never_loops() {
        let mut p = Pages::new("iam:ListRolePolicies");
        assert_eq!(p.next(false, None).unwrap(), None);
        // A marker on the last page is not followed.
        assert_eq!(p.next(false, Some("m0")).unwrap(), None);
        assert_eq!(p.next(true, Some("m1")).unwrap().as_deref(), Some("m1"));
        assert_eq!(p.next(true, Some("m2")).unwrap().as_deref(), Some("m2"));
        for (truncated, marker) in [(true, None), (true, Some("")), (true, Some("m1"))] {
            let err = p.next(truncated, marker).unwrap_err();
            assert!(
                matches!(
                    err,
                    AwsError::BadResponse {
                        action: "iam:ListRolePolicies",
                        ..
                    }
                ),
                "{marker:?}: {err:?}"
            );
        }
    }

    #[test]
    fn decodes_url_encoded_documents() {
        let raw = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode_policy_document(raw),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        // `+` stays a plus sign: IAM encodes per RFC 3986.
        assert_eq!(decode_policy_document("a%20b+c"), "a b+c");
        assert_eq!(decode_policy_document(r#"{"a":1}"#), r#"{"a":1}"#);
    }

    #[test]
    fn error_codes_are_classified() {
        let w = || "role `x`".to_string();
        assert!(matches!(
            classify("iam:GetRole", w, "NoSuchEntity".into(), "m".into()),
            AwsError::NotFound { .. }
        ));
        assert!(matches!(
            classify("iam:GetRole", w, "AccessDenied".into(), "m".into()),
            AwsError::AccessDenied {
                action: "iam:GetRole",
                ..
            }
        ));
        assert!(matches!(
            classify("iam:GetRole", w, "Throttling".into(), "m".into()),
            AwsError::Throttled { .. }
        ));
        assert!(matches!(
            classify("iam:GetRole", w, "ExpiredToken".into(), "m".into()),
            AwsError::BadCredentials { .. }
        ));
        assert!(matches!(
            classify("iam:GetRole", w, "Weird".into(), "m".into()),
            AwsError::Service { .. }
        ));
    }

    #[test]
    fn access_denied_message_names_the_permission() {
        let e = AwsError::AccessDenied {
            action: "iam:GetRole",
            message: "User: x is not authorized".into(),
        };
        assert!(e.to_string().contains("grant it `iam:GetRole`"));
    }
}
