//! Which IAM roles an S3 bucket policy lets in: the `Allow` statements' `AWS` principals that are
//! roles (`arn:aws:iam::…:role/…`) or assumed-role sessions (`arn:aws:sts::…:assumed-role/NAME/…`,
//! mapped back to the role). Service principals, users, accounts and `*` are reported, not
//! followed: they lead to no instance profile.

use std::collections::BTreeSet;

/// What a bucket policy allows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedPrincipals {
    /// Role ARNs (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), from roles and assumed-role sessions.
    pub roles: BTreeSet<String>,
    /// Service principals (`cloudtrail.amazonaws.com`, …).
    pub services: BTreeSet<String>,
    /// Other AWS principals: users, accounts, `*`.
    pub others: BTreeSet<String>,
}

/// Reads a bucket policy document. Errors say what is wrong with it.
pub fn allowed_principals(policy: &str) -> Result<AllowedPrincipals, String> {
    let document: serde_json::Value = serde_json::from_str(policy)
        .map_err(|error| format!("the bucket policy is not JSON: {error}"))?;
    let statements = match document.get("Statement") {
        Some(serde_json::Value::Array(statements)) => statements.clone(),
        Some(statement @ serde_json::Value::Object(_)) => vec![statement.clone()],
        Some(_) => {
            return Err("the bucket policy's Statement is neither an object nor a list".into());
        }
        None => return Err("the bucket policy has no Statement".into()),
    };
    let mut allowed = AllowedPrincipals::default();
    for statement in &statements {
        if statement.get("Effect").and_then(|effect| effect.as_str()) != Some("Allow") {
            continue;
        }
        match statement.get("Principal") {
            Some(serde_json::Value::String(star)) => {
                allowed.others.insert(star.clone());
            }
            Some(serde_json::Value::Object(principal)) => {
                for (kind, value) in principal {
                    for name in strings(value) {
                        match kind.as_str() {
                            "AWS" => match role_of(&name) {
                                Some(role) => {
                                    allowed.roles.insert(role);
                                }
                                None => {
                                    allowed.others.insert(name);
                                }
                            },
                            "Service" => {
                                allowed.services.insert(name);
                            }
                            _ => {
                                allowed.others.insert(format!("{kind}:{name}"));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(allowed)
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(text) => vec![text.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The role ARN behind a role or an assumed-role session ARN.
pub fn role_of(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, _, account, resource] = parts.as_slice() else {
        return None;
    };
    match *service {
        "iam" if resource.starts_with("role/") && resource.len() > 5 => Some(arn.to_owned()),
        "sts" => {
            let mut pieces = resource.strip_prefix("assumed-role/")?.split('/');
            let role = pieces.next().filter(|role| !role.is_empty())?;
            Some(format!("arn:{partition}:iam::{account}:role/{role}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_sessions_are_followed_services_are_not() {
        let policy = r#"{
          "Version": "2012-10-17",
          "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/app/web",
               "arn:aws:sts::111122223333:assumed-role/batch/i-0123456789abcdef0",
               "arn:aws:iam::111122223333:user/alice", "111122223333"]},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject"},
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:role/denied"}, "Action": "s3:*"}
          ]
        }"#;
        let allowed = allowed_principals(policy).unwrap();
        assert_eq!(
            allowed.roles.into_iter().collect::<Vec<_>>(),
            [
                "arn:aws:iam::111122223333:role/app/web",
                "arn:aws:iam::111122223333:role/batch"
            ]
        );
        assert!(allowed.services.contains("cloudtrail.amazonaws.com"));
        assert!(
            allowed
                .others
                .contains("arn:aws:iam::111122223333:user/alice")
        );
    }

    #[test]
    fn odd_policies_are_read_or_refused_clearly() {
        let single =
            r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}}"#;
        assert!(allowed_principals(single).unwrap().others.contains("*"));
        assert!(allowed_principals("{").unwrap_err().contains("not JSON"));
        assert!(
            allowed_principals("{}")
                .unwrap_err()
                .contains("no Statement")
        );
        assert_eq!(role_of("arn:aws:iam::1:role/"), None);
        assert_eq!(role_of("nonsense"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "(?s).{0,300}") {
            let _ = allowed_principals(&text);
            let _ = role_of(&text);
        }
    }
}
