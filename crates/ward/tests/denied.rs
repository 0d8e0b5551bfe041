//! A missing AWS permission, with IAM enforced (a moto server of the test's own, with
//! authorization switched on after set-up): the decision records which call was denied, the
//! notifier says so, and the credentials never show.

use crate::support::{OwnMoto, Sim, moto_sdk, ward};
use serde_json::Value;
use std::path::Path;

#[test]
fn a_denied_call_is_named_in_the_decision_and_the_notice() {
    let Some(moto) = OwnMoto::start("denied") else {
        return;
    };
    let bucket = "ward-denied-payroll";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (key_id, secret) = runtime.block_on(async {
        let sdk = moto_sdk(&moto.url).await;
        let iam = aws_sdk_iam::Client::new(&sdk);
        let role_arn = iam
            .create_role()
            .role_name("payroll-reader")
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .unwrap()
            .role()
            .unwrap()
            .arn()
            .to_owned();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(bucket).send().await.unwrap();
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "s3:GetObject",
                           "Resource": format!("arn:aws:s3:::{bucket}/*")}]
        });
        s3.put_bucket_policy()
            .bucket(bucket)
            .policy(policy.to_string())
            .send()
            .await
            .unwrap();
        // ward's user may do everything but list the instance profiles of a role.
        iam.create_user().user_name("ward").send().await.unwrap();
        let user_policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:ListInstanceProfilesForRole", "Resource": "*"}
            ]
        });
        iam.put_user_policy()
            .user_name("ward")
            .policy_name("all-but-profiles")
            .policy_document(user_policy.to_string())
            .send()
            .await
            .unwrap();
        let key = iam.create_access_key().user_name("ward").send().await.unwrap();
        let key = key.access_key().unwrap();
        let enforce = reqwest::Client::new()
            .post(format!("{}/moto-api/reset-auth", moto.url))
            .body("0")
            .send()
            .await
            .unwrap();
        assert!(enforce.status().is_success());
        (
            key.access_key_id().to_owned(),
            key.secret_access_key().to_owned(),
        )
    });

    let sim = Sim::start(&["--fleet", "5"]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[manager]\nurl = \"{}\"\n[store]\nurl = \"sqlite://{}\"\n\
             [aws]\nregion = \"us-east-1\"\nendpoint_url = \"{}\"\n",
            sim.base_url,
            dir.path().join("ward.db").display(),
            moto.url
        ),
    )
    .unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/ward-macie-finding-s3-bucket-public.json");
    let mut event: Value = serde_json::from_slice(&std::fs::read(sample).unwrap()).unwrap();
    event["detail"]["resourcesAffected"]["s3Bucket"]["name"] = bucket.into();
    let events = dir.path().join("macie.json");
    std::fs::write(&events, event.to_string()).unwrap();
    let output = ward()
        .arg("--config")
        .arg(&config)
        .args(["handle", "--output", "json"])
        .arg(&events)
        .env("AWS_ACCESS_KEY_ID", &key_id)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let result: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(result["decision"], "notify", "{result}");
    let reason = result["reason"].as_str().unwrap();
    assert!(
        reason.contains("AWS denied ListInstanceProfilesForRole payroll-reader"),
        "{reason}"
    );
    let actions = result["actions"].as_array().unwrap();
    assert!(
        actions
            .iter()
            .any(|a| a["kind"] == "notify-action-failed" && a["status"] == "done"),
        "{actions:?}"
    );
    assert!(
        stderr.contains("cannot follow Macie finding") && stderr.contains("AWS denied"),
        "the notice (log notifier) names the denied call: {stderr}"
    );
    assert!(
        !stdout.contains(&secret) && !stderr.contains(&secret),
        "the secret key never shows"
    );
}
