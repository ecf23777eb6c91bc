//! pydynox's Python API as data (`pydynox-api.toml`): receiver kind and method → feature,
//! IAM actions, where the table and index names are, what the call does to items. Owns
//! loading that table; must not walk Python code.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub const API_TOML: &str = include_str!("pydynox-api.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Receiver {
    Model,
    Instance,
    Index,
    VectorIndex,
    Client,
    Transaction,
    BatchWriter,
    Lock,
    S3Value,
    Collection,
    Integration,
    IntegrationInstance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TableFrom {
    Model,
    Arg,
    Writer,
    Lock,
    Statement,
    Items,
    ModelArg,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Io {
    #[default]
    None,
    Read,
    Write,
    /// `Transaction.save_model`: serialized with `to_dict` (encryption applies), no upload.
    WriteNoS3,
    Delete,
    /// `to_dict`/`calculate_size`: encryption only.
    Serialize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Returns {
    #[default]
    None,
    Loaded,
    Results,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    SmartSave,
    Partiql,
    TransactWrite,
    TransactGet,
    CreateTable,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    pub receiver: Receiver,
    pub methods: Vec<String>,
    /// Empty for calls that need nothing from DynamoDB themselves (`to_dict`).
    pub feature: String,
    pub actions: Vec<String>,
    pub table: TableFrom,
    #[serde(default)]
    pub table_arg: usize,
    #[serde(default)]
    pub table_kw: Option<String>,
    #[serde(default)]
    pub index_arg: Option<usize>,
    #[serde(default)]
    pub index_kw: Option<String>,
    #[serde(default)]
    pub index_feature: Option<String>,
    #[serde(default)]
    pub wait: Vec<String>,
    #[serde(default)]
    pub io: Io,
    #[serde(default)]
    pub returns: Returns,
    #[serde(default)]
    pub rule: Option<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiFile {
    call: Vec<CallSpec>,
}

/// The loaded table.
#[derive(Debug)]
pub struct Api {
    pub calls: Vec<CallSpec>,
    by_method: HashMap<(Receiver, String), usize>,
    vocabulary: BTreeSet<String>,
}

impl Api {
    pub fn parse(text: &str) -> Result<Api, String> {
        let file: ApiFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_method = HashMap::default();
        let mut vocabulary = BTreeSet::new();
        for (i, c) in file.call.iter().enumerate() {
            for m in &c.methods {
                if by_method.insert((c.receiver, m.clone()), i).is_some() {
                    return Err(format!("{:?}.{m} is listed twice", c.receiver));
                }
                vocabulary.insert(m.clone());
            }
        }
        Ok(Api {
            calls: file.call,
            by_method,
            vocabulary,
        })
    }

    /// The table compiled into the binary.
    pub fn embedded() -> &'static Api {
        static API: OnceLock<Api> = OnceLock::new();
        API.get_or_init(|| Api::parse(API_TOML).expect("pydynox-api.toml is valid (see tests)"))
    }

    pub fn lookup(&self, receiver: Receiver, method: &str) -> Option<&CallSpec> {
        self.by_method
            .get(&(receiver, base_name(method).to_string()))
            .map(|&i| &self.calls[i])
    }

    /// True when `method` (after stripping `sync_`/`async_`) is a pydynox method name of
    /// any receiver: a call of it on a receiver the scan cannot resolve is unresolved.
    pub fn is_vocabulary(&self, method: &str) -> bool {
        self.vocabulary.contains(base_name(method))
    }

    /// Every spec a method name could mean, for an unresolved receiver.
    pub fn candidates(&self, method: &str) -> Vec<&CallSpec> {
        let base = base_name(method);
        self.calls
            .iter()
            .filter(|c| c.methods.iter().any(|m| m == base))
            .collect()
    }
}

/// Strips one leading `sync_` (0.22 and later) or `async_` (0.21 and earlier).
pub fn base_name(method: &str) -> &str {
    method
        .strip_prefix("sync_")
        .or_else(|| method.strip_prefix("async_"))
        .unwrap_or(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Features the catalogue gains with pydynox 1.4–1.8 (issue 16, being added beside this
    /// work). Until it has them they are only checked for being named here; once it does,
    /// their actions are checked like every other feature's.
    const PENDING_IN_CATALOGUE: &[&str] = &[
        "vector-search",
        "vector-indexes",
        "locks",
        "locks-in-transactions",
    ];

    /// (feature, action) pairs the resolver emits from code rather than from this table.
    const FROM_CODE: &[(&str, &str)] = &[
        ("crud", "dynamodb:PutItem"),
        ("crud", "dynamodb:UpdateItem"),
        ("partiql", "dynamodb:PartiQLSelect"),
        ("partiql-write", "dynamodb:PartiQLInsert"),
        ("partiql-write", "dynamodb:PartiQLUpdate"),
        ("partiql-write", "dynamodb:PartiQLDelete"),
        ("transactions", "dynamodb:PutItem"),
        ("transactions", "dynamodb:UpdateItem"),
        ("transactions", "dynamodb:DeleteItem"),
        ("transactions", "dynamodb:ConditionCheckItem"),
        ("table-cmk", "kms:DescribeKey"),
        ("table-cmk", "kms:CreateGrant"),
        ("encryption-readwrite", "kms:GenerateDataKey"),
        ("encryption-readwrite", "kms:Encrypt"),
        ("encryption-readwrite", "kms:Decrypt"),
        ("encryption-writeonly", "kms:GenerateDataKey"),
        ("encryption-writeonly", "kms:Encrypt"),
        ("encryption-readonly", "kms:Decrypt"),
        ("s3-attribute", "s3:PutObject"),
        ("s3-attribute", "s3:AbortMultipartUpload"),
        ("s3-attribute", "s3:GetObject"),
        ("s3-attribute", "s3:DeleteObject"),
        ("assume-role", "sts:AssumeRole"),
        ("locks", "dynamodb:GetItem"),
        ("locks", "dynamodb:PutItem"),
        ("locks", "dynamodb:UpdateItem"),
        ("locks", "dynamodb:DeleteItem"),
    ];

    #[test]
    fn every_feature_and_action_is_the_catalogues() {
        let cat = crate::needs::catalogue::Catalogue::embedded();
        let mut pairs: Vec<(String, String)> = FROM_CODE
            .iter()
            .map(|(f, a)| (f.to_string(), a.to_string()))
            .collect();
        for c in &Api::embedded().calls {
            for a in c.actions.iter().chain(c.wait.iter()) {
                pairs.push((c.feature.clone(), a.clone()));
                if let Some(f) = &c.index_feature {
                    pairs.push((f.clone(), a.clone()));
                }
            }
        }
        for (feature, action) in pairs {
            match cat.feature(&feature) {
                Some(f) => assert!(
                    f.checks.iter().any(|c| c.action == action),
                    "the catalogue's `{feature}` does not check `{action}`"
                ),
                None => assert!(
                    PENDING_IN_CATALOGUE.contains(&feature.as_str()),
                    "`{feature}` is not a catalogue feature"
                ),
            }
        }
    }

    #[test]
    fn the_embedded_table_loads_and_strips_both_prefixes() {
        let api = Api::embedded();
        assert!(api.lookup(Receiver::Model, "sync_get").is_some());
        assert!(api.lookup(Receiver::Model, "async_get").is_some());
        assert!(api.lookup(Receiver::Model, "get").is_some());
        assert!(api.lookup(Receiver::Model, "sync_async_get").is_none());
        assert!(api.is_vocabulary("sync_put_item"));
        assert!(!api.is_vocabulary("append"));
    }
}
