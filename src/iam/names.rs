//! The shapes AWS allows for the names and ids the tool is given (DynamoDB tables and indexes,
//! S3 buckets, KMS key ids, account ids, regions, partitions), the partition a region belongs to,
//! and IAM's escapes for characters that are special in a policy. Pure string checks; must not
//! call AWS.

/// AWS partitions, as they appear in ARNs.
pub const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// A DynamoDB table or index name: 3 to 255 of `a-z A-Z 0-9 _ - .` (Amazon DynamoDB Developer
/// Guide, "Supported data types and naming rules": tables, secondary indexes). No `*` or `?`: a
/// name with them would be a wildcard in a policy.
pub fn is_dynamodb_name(s: &str) -> bool {
    (3..=255).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

/// A region name: lower-case words joined by `-`, ending in a number (`eu-west-1`,
/// `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`). No `:`, which would shift an ARN's parts.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && (2..=4).contains(&parts[0].len())
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The partition of a region (AWS General Reference, "Amazon Resource Names": partitions):
/// `cn-*` is `aws-cn`, `us-gov-*` `aws-us-gov`, the isolated regions theirs, the rest `aws`.
pub fn partition_of_region(region: &str) -> &'static str {
    for (prefix, partition) in [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-iso-", "aws-iso"),
        ("eusc-", "aws-eusc"),
    ] {
        if region.starts_with(prefix) {
            return partition;
        }
    }
    "aws"
}

/// An S3 bucket name (Amazon S3 User Guide, "General purpose bucket naming rules"): 3 to 63 of
/// `a-z 0-9 . -`, beginning and ending with a letter or digit.
pub fn is_bucket_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A KMS key id: a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`) or a multi-Region key id
/// (`mrk-` and 32 hex digits).
pub fn is_kms_key_id(s: &str) -> bool {
    let hex = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(rest) = s.strip_prefix("mrk-") {
        return hex(rest, 32);
    }
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5 && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| hex(p, n))
}

/// Writes `*`, `?` and `$` as IAM's escapes `${*}`, `${?}` and `${$}`, so a policy matches them
/// literally instead of as wildcards or the start of a variable (IAM User Guide, "IAM policy
/// elements: Variables and tags", special characters). Only for version 2012-10-17 documents,
/// the only version the tool writes.
pub fn iam_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            c => out.push(c),
        }
    }
    out
}

/// The first character an IAM policy document cannot hold: documents may contain only tab,
/// line feed, carriage return and U+0020 to U+00FF (IAM User Guide, "IAM and AWS STS quotas",
/// name requirements).
pub fn char_iam_refuses(s: &str) -> Option<char> {
    s.chars()
        .find(|&c| !(matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{ff}').contains(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamodb_names() {
        for ok in ["abc", "orders", "my_table.v2-prod", &"a".repeat(255)] {
            assert!(is_dynamodb_name(ok), "{ok}");
        }
        for bad in [
            "ab",
            "T*",
            "by-?",
            "a/b",
            "a b",
            "tabl:e",
            "",
            &"a".repeat(256),
        ] {
            assert!(!is_dynamodb_name(bad), "{bad}");
        }
    }

    #[test]
    fn accounts_and_regions() {
        assert!(is_account_id("111122223333"));
        for bad in ["1", "11112222333a", "1111222233334", ""] {
            assert!(!is_account_id(bad), "{bad}");
        }
        for ok in [
            "eu-west-1",
            "us-gov-west-1",
            "cn-north-1",
            "us-isob-east-1",
            "eusc-de-east-1",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "not a region!",
            "us-east-1:999999999999",
            "EU-WEST-1",
            "eu-west",
            "west-1",
            "",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn partitions_of_regions() {
        for (region, partition) in [
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(partition_of_region(region), partition, "{region}");
            assert!(PARTITIONS.contains(&partition));
        }
    }

    #[test]
    fn buckets_and_keys() {
        assert!(is_bucket_name("media.example-1"));
        for bad in ["Media", "a", "-media", "media-", "med*ia", "arn:aws:s3:::x"] {
            assert!(!is_bucket_name(bad), "{bad}");
        }
        assert!(is_kms_key_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(is_kms_key_id("mrk-1234abcd12ab34cd56ef1234567890ab"));
        for bad in ["*", "1234abcd-*", "mrk-12", "k-1"] {
            assert!(!is_kms_key_id(bad), "{bad}");
        }
    }

    #[test]
    fn iam_escapes() {
        assert_eq!(iam_escape("a*b?c$d"), "a${*}b${?}c${$}d");
        assert_eq!(iam_escape("${aws:username}"), "${$}{aws:username}");
        assert_eq!(iam_escape("plain/"), "plain/");
        assert_eq!(char_iam_refuses("café/"), None);
        assert_eq!(char_iam_refuses("日本"), Some('日'));
    }
}
