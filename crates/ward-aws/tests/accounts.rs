//! Another account through its role: `account_sdk_config` assumes the role (session `ward`) and
//! the calls made with the result run as that role.

use ward_aws::{AccountRole, AwsSettings, account_sdk_config, caller_identity};

#[tokio::test]
async fn an_account_role_is_assumed_with_the_ward_session_name() {
    let Some(url) = crate::moto::moto_url("an_account_role_is_assumed_with_the_ward_session_name")
    else {
        return;
    };
    let base = ward_aws::sdk_config(&AwsSettings {
        region: Some("us-east-1".into()),
        endpoint_url: Some(url),
    })
    .await;
    let (own_account, own_arn) = caller_identity(&base).await.expect("default identity");
    assert!(!own_arn.contains("assumed-role"), "{own_arn}");
    let role_name = format!("ward-reader-{}", std::process::id());
    let role = aws_sdk_iam::Client::new(&base)
        .create_role()
        .role_name(&role_name)
        .assume_role_policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{own_account}:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"ward-test"}}}}}}]}}"#
        ))
        .send()
        .await
        .expect("create role");
    let role_arn = role.role().expect("role").arn().to_owned();

    // Without a role the configuration is the default one.
    let same = account_sdk_config(&base, None).await;
    assert_eq!(caller_identity(&same).await.expect("identity").1, own_arn);

    let assumed = account_sdk_config(
        &base,
        Some(&AccountRole {
            role_arn: role_arn.clone(),
            external_id: Some("ward-test".into()),
        }),
    )
    .await;
    let (account, arn) = caller_identity(&assumed).await.expect("assumed identity");
    assert_eq!(account, own_account);
    assert!(
        arn.ends_with(&format!(":assumed-role/{role_name}/ward")),
        "{arn}"
    );

    // A role in another account: the calls run in that account.
    let other = account_sdk_config(
        &base,
        Some(&AccountRole {
            role_arn: "arn:aws:iam::111122223333:role/ward-audit".into(),
            external_id: None,
        }),
    )
    .await;
    let (account, arn) = caller_identity(&other).await.expect("other account");
    assert_eq!(account, "111122223333", "{arn}");
}
