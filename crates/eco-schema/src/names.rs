//! The rules AWS applies to resource names, so that `eco validate` refuses a name AWS would
//! refuse before anything is created.

/// A naming rule of one AWS resource kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// S3 bucket names: 3 to 63 characters, lower-case letters, digits, dots and hyphens,
    /// beginning and ending with a letter or digit, no `..`, not an IP address.
    S3Bucket,
    /// DynamoDB table names: 3 to 255 characters, letters, digits, `_`, `-` and `.`.
    DynamodbTable,
    /// IAM role (and policy) names: 1 to 64 characters, letters, digits and `+=,.@_-`.
    Iam,
    /// Lambda function names: 1 to 64 characters, letters, digits, `-` and `_`.
    LambdaFunction,
    /// IAM managed policy names: 1 to 128 characters, letters, digits and `+=,.@_-`.
    IamPolicy,
    /// CloudWatch Logs log group names: 1 to 512 characters, letters, digits and `._-/#`.
    LogGroup,
    /// SSM parameter names: 1 to 2048 characters, letters, digits and `_.-/`.
    SsmParameter,
    /// Secrets Manager secret names: 1 to 512 characters, letters, digits and `/_+=.@-`.
    Secret,
    /// SQS queue names: 1 to 80 characters, letters, digits, `-` and `_`, a FIFO queue's
    /// ending in `.fifo` (counted in the 80).
    SqsQueue,
    /// SNS topic names: 1 to 256 characters, letters, digits, `-` and `_`, a FIFO topic's
    /// ending in `.fifo`.
    SnsTopic,
    /// EventBridge rule and event bus names: 1 to 64 characters, letters, digits, `.`, `-`
    /// and `_`.
    Eventbridge,
    /// Lambda layer names: 1 to 140 characters, letters, digits, `-` and `_`.
    LambdaLayer,
    /// CloudFront cache, origin request and response headers policy names: 1 to 128
    /// characters, letters, digits, `-` and `_`.
    CloudfrontPolicy,
    /// CloudFront function names: 1 to 64 characters, letters, digits, `-` and `_`.
    CloudfrontFunction,
    /// SES identities: a domain name (labels of letters, digits and `-`, at least two, up to
    /// 253 characters) or an email address (`LOCAL@DOMAIN`, up to 320 characters).
    SesIdentity,
    /// API Gateway stage names: 1 to 128 characters, letters, digits, `-` and `_`.
    ApiStage,
    /// API Gateway REST API path parts: letters, digits and `._-:`, or one such name in braces
    /// (`{id}`), optionally greedy (`{proxy+}`); 1 to 1024 characters.
    RestPathPart,
    /// API Gateway API key values: 20 to 128 printable ASCII characters, no spaces.
    RestApiKeyValue,
    /// REST API custom domain base paths (rest-base-path-mapping): one segment of letters,
    /// digits and `$-_.+!*'()` (no `/`; leave the base path out for the domain's root).
    RestBasePath,
}

impl NameRule {
    /// The rule in words, for help texts and the reference.
    pub fn describe(self) -> &'static str {
        match self {
            NameRule::S3Bucket => "3 to 63 characters: lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit",
            NameRule::DynamodbTable => "3 to 255 characters: letters, digits, `_`, `-` and `.`",
            NameRule::Iam => "1 to 64 characters: letters, digits and `+=,.@_-`",
            NameRule::LambdaFunction => "1 to 64 characters: letters, digits, `-` and `_`",
            NameRule::IamPolicy => "1 to 128 characters: letters, digits and `+=,.@_-`",
            NameRule::LogGroup => "1 to 512 characters: letters, digits and `._-/#`",
            NameRule::SsmParameter => "1 to 2048 characters: letters, digits and `_.-/`",
            NameRule::Secret => "1 to 512 characters: letters, digits and `/_+=.@-`",
            NameRule::SqsQueue => "1 to 80 characters: letters, digits, `-` and `_`, ending in `.fifo` for a FIFO queue",
            NameRule::SnsTopic => "1 to 256 characters: letters, digits, `-` and `_`, ending in `.fifo` for a FIFO topic",
            NameRule::Eventbridge => "1 to 64 characters: letters, digits, `.`, `-` and `_`",
            NameRule::LambdaLayer => "1 to 140 characters: letters, digits, `-` and `_`",
            NameRule::CloudfrontPolicy => "1 to 128 characters: letters, digits, `-` and `_`",
            NameRule::CloudfrontFunction => "1 to 64 characters: letters, digits, `-` and `_`",
            NameRule::SesIdentity => "a domain (example.com) or an email address (noreply@example.com)",
            NameRule::ApiStage => "1 to 128 characters: letters, digits, `-` and `_`",
            NameRule::RestApiKeyValue => "20 to 128 printable ASCII characters, without spaces",
            NameRule::RestBasePath => "one path segment of letters, digits and `$-_.+!*'()` (no `/`; leave base-path out for the domain's root)",
            NameRule::RestPathPart => "one path segment: letters, digits and `._-:`, or a parameter such as `{id}` or `{proxy+}` (no `/`: nest resources for deeper paths)",
        }
    }

    /// What is wrong with `name` under this rule, if anything.
    pub fn check(self, name: &str) -> Result<(), String> {
        let len = name.chars().count();
        let (min, max, ok): (usize, usize, fn(char) -> bool) = match self {
            NameRule::S3Bucket => (3, 63, |c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
            }),
            NameRule::DynamodbTable => (3, 255, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
            }),
            NameRule::Iam => (1, 64, |c| {
                c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
            }),
            NameRule::LambdaFunction => (1, 64, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
            }),
            NameRule::IamPolicy => (1, 128, |c| {
                c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
            }),
            NameRule::LogGroup => (1, 512, |c| c.is_ascii_alphanumeric() || "._-/#".contains(c)),
            NameRule::SsmParameter => {
                (1, 2048, |c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
            }
            NameRule::Secret => (1, 512, |c| {
                c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
            }),
            NameRule::SqsQueue => (1, 80, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
            }),
            NameRule::SnsTopic => (1, 256, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
            }),
            NameRule::Eventbridge => (1, 64, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
            }),
            NameRule::LambdaLayer => (1, 140, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
            }),
            NameRule::CloudfrontPolicy => (1, 128, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
            }),
            NameRule::CloudfrontFunction => (1, 64, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
            }),
            NameRule::SesIdentity => return check_ses_identity(name),
            NameRule::ApiStage => (1, 128, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
            }),
            NameRule::RestPathPart => {
                (1, 1024, |c| c.is_ascii_alphanumeric() || "._-:".contains(c))
            }
            NameRule::RestApiKeyValue => (20, 128, |c| c.is_ascii_graphic()),
            NameRule::RestBasePath => return check_base_path(name),
        };
        // A FIFO queue's or topic's `.fifo` counts in the length, not against the characters;
        // a path parameter's braces and `+` are not characters of its name.
        let stem = match self {
            NameRule::SqsQueue | NameRule::SnsTopic => name.strip_suffix(".fifo").unwrap_or(name),
            NameRule::RestPathPart => {
                match name.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(inner) => inner.strip_suffix('+').unwrap_or(inner),
                    None => name,
                }
            }
            _ => name,
        };
        if len < min || len > max {
            let unit = if len == 1 { "character" } else { "characters" };
            return Err(format!("is {len} {unit} long; AWS takes {min} to {max}"));
        }
        if stem.is_empty() {
            return Err(match self {
                NameRule::RestPathPart => "has no parameter name between its braces".into(),
                _ => "has nothing before `.fifo`".into(),
            });
        }
        if let Some(bad) = stem.chars().find(|c| !ok(*c)) {
            return Err(format!("contains `{bad}`, which AWS does not allow here"));
        }
        if self == NameRule::S3Bucket {
            let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            if !edge(name.chars().next()) || !edge(name.chars().last()) {
                return Err("must begin and end with a letter or digit".into());
            }
            if name.contains("..") {
                return Err("contains `..`".into());
            }
            if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
                return Err("is formatted as an IP address".into());
            }
        }
        Ok(())
    }
}

/// What is wrong with `path` as a REST API base path: `/` (one segment only) or a character
/// outside `$-_.+!*'()`, letters and digits. Empty is the root of the domain.
fn check_base_path(path: &str) -> Result<(), String> {
    if path.contains('/') {
        return Err("contains `/`; a base path mapping takes one segment".into());
    }
    match path
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !"$-_.+!*'()".contains(*c))
    {
        Some(bad) => Err(format!("contains `{bad}`, which AWS does not allow here")),
        None => Ok(()),
    }
}

/// What is wrong with `name` as an SES identity: a domain, or `LOCAL@DOMAIN`.
fn check_ses_identity(name: &str) -> Result<(), String> {
    let (local, domain) = match name.rsplit_once('@') {
        Some((local, domain)) => (Some(local), domain),
        None => (None, name),
    };
    if let Some(local) = local {
        if name.chars().count() > 320 {
            return Err("is longer than the 320 characters of an email address".into());
        }
        if local.is_empty() || local.chars().count() > 64 {
            return Err("must have 1 to 64 characters before `@`".into());
        }
        if let Some(bad) = local
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '@' | '<' | '>' | ','))
        {
            return Err(format!(
                "contains `{bad}` before the `@`, which AWS does not allow"
            ));
        }
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.chars().count() > 253 {
        return Err("has a domain longer than 253 characters".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(
            "is neither a domain (example.com) nor an email address (noreply@example.com)".into(),
        );
    }
    for label in labels {
        if label.is_empty() || label.len() > 63 {
            return Err(format!(
                "has a domain label `{label}` that is not 1 to 63 characters"
            ));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "contains `{bad}` in its domain, which AWS does not allow"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "has a domain label `{label}` beginning or ending with `-`"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::NameRule::*;

    #[test]
    fn rest_base_paths_and_api_key_values() {
        for ok in ["", "v1", "orders-v2", "a.b_c$(1)"] {
            assert!(RestBasePath.check(ok).is_ok(), "{ok}");
        }
        assert!(RestBasePath.check("v1/items").unwrap_err().contains("`/`"));
        assert!(RestBasePath.check("/").unwrap_err().contains("`/`"));
        assert!(RestBasePath.check("a b").unwrap_err().contains("` `"));
        assert!(RestBasePath.check("a?b").unwrap_err().contains("`?`"));
        assert!(RestApiKeyValue.check(&"k".repeat(20)).is_ok());
        assert!(RestApiKeyValue
            .check("short")
            .unwrap_err()
            .contains("20 to 128"));
        assert!(RestApiKeyValue.check(&"k".repeat(129)).is_err());
        assert!(RestApiKeyValue
            .check(&format!("{} x", "k".repeat(20)))
            .unwrap_err()
            .contains("` `"));
    }

    #[test]
    fn ses_identities_are_domains_or_addresses() {
        for ok in [
            "ecogy.example",
            "mail.ecogy.example.",
            "noreply+alerts@ecogy.example",
        ] {
            assert!(SesIdentity.check(ok).is_ok(), "{ok}");
        }
        assert!(SesIdentity
            .check("localhost")
            .unwrap_err()
            .contains("neither a domain"));
        assert!(SesIdentity
            .check("@ecogy.example")
            .unwrap_err()
            .contains("before `@`"));
        assert!(SesIdentity
            .check("a b@ecogy.example")
            .unwrap_err()
            .contains("` `"));
        assert!(SesIdentity
            .check("ecogy_dev.example")
            .unwrap_err()
            .contains("`_`"));
        assert!(SesIdentity.check("-a.example").unwrap_err().contains("`-`"));
        assert!(SesIdentity.check("a..example").is_err());
        assert!(SesIdentity
            .check(&format!("{}.example", "a".repeat(64)))
            .is_err());
        assert!(SesIdentity
            .check(&format!("{}@x.example", "a".repeat(65)))
            .is_err());
    }

    #[test]
    fn each_rule_takes_what_aws_takes_and_says_what_is_wrong() {
        assert!(S3Bucket.check("ecogy-dev-site.v2").is_ok());
        for bad in [
            "My_Bucket",
            "ab",
            "-start",
            "end-",
            "a..b",
            "192.168.1.1",
            "",
        ] {
            assert!(S3Bucket.check(bad).is_err(), "{bad}");
        }
        assert!(S3Bucket.check("My_Bucket").unwrap_err().contains("`M`"));
        assert!(DynamodbTable.check("Users_v2.prod-1").is_ok());
        assert!(DynamodbTable
            .check("")
            .unwrap_err()
            .contains("0 characters"));
        assert!(Iam.check("svc+role=a,b.c@d_e-f").is_ok());
        assert!(Iam.check("a role").unwrap_err().contains("` `"));
        assert!(Iam.check(&"r".repeat(65)).is_err());
        assert!(LambdaFunction.check("api-users_v2").is_ok());
        assert!(LambdaFunction.check("api.users").is_err());
        assert!(IamPolicy.check(&"p".repeat(128)).is_ok());
        assert!(IamPolicy.check(&"p".repeat(129)).is_err());
        assert!(IamPolicy.check("read/write").is_err());
        assert!(LogGroup.check("/aws/lambda/api_v2#1.x").is_ok());
        assert!(LogGroup.check("/aws/lambda/api:v2").is_err());
        assert!(SsmParameter.check("/ecogy/dev/db_host-1.x").is_ok());
        assert!(SsmParameter.check("/ecogy/dev/db host").is_err());
        assert!(Secret.check("ecogy/dev/partner+api@v2").is_ok());
        assert!(Secret.check("ecogy:dev").is_err());
        assert!(SqsQueue.check("jobs_dlq-1").is_ok());
        assert!(SqsQueue.check("orders.fifo").is_ok());
        assert!(SqsQueue.check(".fifo").is_err());
        assert!(SqsQueue.check("a.b").unwrap_err().contains("`.`"));
        assert!(SqsQueue.check(&"q".repeat(81)).is_err());
        assert!(SnsTopic.check(&format!("{}.fifo", "t".repeat(251))).is_ok());
        assert!(Eventbridge.check("nightly.import-1").is_ok());
        assert!(Eventbridge.check("a/b").is_err());
        assert!(ApiStage.check("prod-v2_1").is_ok());
        assert!(ApiStage.check("prod.v2").unwrap_err().contains("`.`"));
        assert!(ApiStage.check(&"s".repeat(129)).is_err());
        for ok in ["users", "{id}", "{proxy+}", "v1.2", "a:b"] {
            assert!(RestPathPart.check(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "{}", "{a", "us ers", "{+}", "a}", "{a+b}"] {
            assert!(RestPathPart.check(bad).is_err(), "{bad}");
        }
        assert!(RestPathPart.check("a/b").unwrap_err().contains("`/`"));
        assert!(RestPathPart.check("{+}").unwrap_err().contains("braces"));
    }
}

/// The value of the `eco:address` ownership tag for an address. AWS tag values take letters,
/// digits, spaces and `_ . : / = + - @` only, so each key `["KEY"]` (of an instance, or of an
/// instance of a for-each module call) is written `:KEY`, any other character of the key as `_`:
/// `TYPE.NAME["KEY"]` is `TYPE.NAME:KEY`. Other addresses are unchanged.
pub fn address_tag_value(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut rest = address;
    while let Some((before, after)) = rest.split_once("[\"") {
        out.push_str(before);
        out.push(':');
        let (key, tail) = after.split_once("\"]").unwrap_or((after, ""));
        out.extend(key.chars().map(|c| {
            if c.is_alphanumeric() || " _.:/=+-@".contains(c) {
                c
            } else {
                '_'
            }
        }));
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod address_tag_tests {
    use super::address_tag_value;

    #[test]
    fn instance_keys_become_tag_safe() {
        assert_eq!(address_tag_value("s3-bucket.site"), "s3-bucket.site");
        assert_eq!(
            address_tag_value("module.a.s3-bucket.site[\"x y\"]"),
            "module.a.s3-bucket.site:x y"
        );
        assert_eq!(address_tag_value("s3-bucket.b[\"a*b\"]"), "s3-bucket.b:a_b");
        assert_eq!(
            address_tag_value("module.site[\"ams\"].s3-bucket.files"),
            "module.site:ams.s3-bucket.files"
        );
        assert_eq!(
            address_tag_value("module.site[\"a\"].s3-bucket.b[\"k\"]"),
            "module.site:a.s3-bucket.b:k"
        );
    }
}
