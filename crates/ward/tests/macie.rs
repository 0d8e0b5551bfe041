//! A Macie finding against moto and the simulator: the bucket's policy allows a role; an instance
//! profile holds the role; two instances use the profile, one protected. ward scans the protected
//! one and notifies about the other; a bucket without a policy is a recorded decision.

use crate::support::{Sim, moto_sdk, moto_url, ward};
use serde_json::Value;
use std::path::Path;

/// The bundled Macie sample, about `bucket`.
fn finding(bucket: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/ward-macie-finding-s3-bucket-public.json");
    let mut event: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    event["detail"]["id"] = format!("macie-{bucket}").into();
    event["detail"]["resourcesAffected"]["s3Bucket"]["name"] = bucket.into();
    event["detail"]["resourcesAffected"]["s3Bucket"]["arn"] =
        format!("arn:aws:s3:::{bucket}").into();
    event.to_string()
}

#[test]
fn macie_scans_the_protected_instance_behind_the_bucket_and_notifies_about_the_other() {
    let Some(moto) = moto_url("macie") else {
        return;
    };
    let suffix = format!("{}", std::process::id());
    let bucket = format!("ward-payroll-{suffix}");
    let bare_bucket = format!("ward-no-policy-{suffix}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let instances: Vec<String> = runtime.block_on(async {
        let sdk = moto_sdk(&moto).await;
        let iam = aws_sdk_iam::Client::new(&sdk);
        let role = iam
            .create_role()
            .role_name(format!("payroll-reader-{suffix}"))
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .unwrap();
        let role_arn = role.role().unwrap().arn().to_owned();
        let profile = iam
            .create_instance_profile()
            .instance_profile_name(format!("payroll-{suffix}"))
            .send()
            .await
            .unwrap();
        let profile_arn = profile.instance_profile().unwrap().arn().to_owned();
        iam.add_role_to_instance_profile()
            .instance_profile_name(format!("payroll-{suffix}"))
            .role_name(format!("payroll-reader-{suffix}"))
            .send()
            .await
            .unwrap();
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let image = ec2.describe_images().owners("amazon").send().await.unwrap();
        let image_id = image.images().first().and_then(|image| image.image_id()).unwrap().to_owned();
        let mut instances = Vec::new();
        // One at a time: the emulator attaches a profile only to the first of a batch.
        for _ in 0..2 {
            let run = ec2
                .run_instances()
                .image_id(&image_id)
                .min_count(1)
                .max_count(1)
                .iam_instance_profile(
                    aws_sdk_ec2::types::IamInstanceProfileSpecification::builder().arn(&profile_arn).build(),
                )
                .send()
                .await
                .unwrap();
            instances.push(run.instances()[0].instance_id().unwrap().to_owned());
        }
        // A third instance without the profile must not be pulled in.
        ec2.run_instances().image_id(&image_id).min_count(1).max_count(1).send().await.unwrap();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build(),
        );
        for name in [&bucket, &bare_bucket] {
            s3.create_bucket().bucket(name).send().await.unwrap();
        }
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "s3:GetObject",
                 "Resource": format!("arn:aws:s3:::{bucket}/*")},
                {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}
            ]
        });
        s3.put_bucket_policy().bucket(&bucket).policy(policy.to_string()).send().await.unwrap();
        instances
    });
    let (protected, unprotected) = (&instances[0], &instances[1]);
    let sim = Sim::start(&[
        "--fleet",
        "20",
        "--scan-delay-ms",
        "0",
        "--protect",
        protected,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[manager]\nurl = \"{}\"\n[store]\nurl = \"sqlite://{}\"\n[aws]\nregion = \"us-east-1\"\nendpoint_url = \"{moto}\"\n",
            sim.base_url,
            dir.path().join("ward.db").display()
        ),
    )
    .unwrap();
    let events = dir.path().join("macie.jsonl");
    std::fs::write(
        &events,
        format!("{}\n{}\n", finding(&bucket), finding(&bare_bucket)),
    )
    .unwrap();
    let output = ward()
        .arg("--config")
        .arg(&config)
        .args(["handle", "--output", "json"])
        .arg(&events)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let exposed = &results[0];
    assert_eq!(exposed["decision"], "respond", "{exposed}");
    let reason = exposed["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("payroll-reader-{suffix}")),
        "{reason}"
    );
    assert!(
        reason.contains(&format!("protected: {protected}")),
        "{reason}"
    );
    assert!(
        reason.contains(&format!("unprotected: {unprotected}")),
        "{reason}"
    );
    let actions: Vec<(String, String, String)> = exposed["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["target"].as_str().unwrap().to_owned(),
                a["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert!(
        actions
            .iter()
            .any(|(kind, _, status)| kind == "scan-recommendations-applied" && status == "done")
    );
    assert!(
        actions
            .iter()
            .any(|(kind, _, status)| kind == "scan-integrity" && status == "done")
    );
    assert!(actions.contains(&(
        "notify-unprotected-instance".to_owned(),
        format!("instance:{unprotected}"),
        "done".to_owned()
    )));

    let bare = &results[1];
    assert_eq!(bare["decision"], "ignore", "{bare}");
    assert!(
        bare["reason"]
            .as_str()
            .unwrap()
            .contains("has no bucket policy"),
        "{bare}"
    );
}
