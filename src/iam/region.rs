//! AWS regions and partitions as names: whether a `--region` is a region's name at all, and
//! which partition it belongs to, so a principal in one partition is never checked against
//! resources in another (cross-partition access is impossible: each partition is its own
//! set of accounts, aws-general's "ARN format" and "AWS partitions"). Pure: knows no list of
//! regions, which grows; only their shape.

/// Whether `s` has the shape of a region name: lower-case words and a number joined by `-`
/// (`us-east-1`, `eu-central-2`, `cn-north-1`, `us-gov-west-1`, `us-isob-east-1`), nothing
/// else (no `:` to inject an ARN segment, no spaces).
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
        && s.len() <= 32
}

/// The partition a region belongs to, by its prefix (aws-general, "AWS partitions").
pub fn partition_of(region: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isof-", "aws-iso-f"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| region.starts_with(p))
        .map(|(_, part)| *part)
        .unwrap_or("aws")
}

/// The problem with `--region REGION` for a principal in `principal_partition`, if any.
pub fn check_region(region: &str, principal_partition: Option<&str>) -> Result<(), String> {
    if !is_region(region) {
        return Err(format!(
            "--region `{region}` is not an AWS region name; give one such as us-east-1 or eu-west-2"
        ));
    }
    if let Some(p) = principal_partition
        && p != partition_of(region)
    {
        return Err(format!(
            "--region `{region}` is in partition `{}`, but the principal is in partition `{p}`; a principal cannot reach resources in another partition: give a region of `{p}`",
            partition_of(region)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "cn-north-1",
            "us-gov-west-1",
            "us-isob-east-1",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "not a region!",
            "us-east-1:999999999999",
            "",
            "us-east",
            "US-EAST-1",
            "us--1",
            "useast1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
        assert_eq!(partition_of("cn-northwest-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-east-1"), "aws-us-gov");
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert!(
            check_region("cn-north-1", Some("aws"))
                .unwrap_err()
                .contains("partition")
        );
        assert!(check_region("us-east-1", Some("aws")).is_ok());
    }
}
