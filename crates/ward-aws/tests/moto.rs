//! The adapters against moto.

use aws_config::SdkConfig;
use std::io::Write;
use ward_aws::{
    AwsSettings, ConfigEvaluations, SecretRef, SecurityHubNotifier, SnsNotifier, SqsQueue,
};
use ward_core::{Compliance, Evaluation, Evaluations, Notice, NoticeKind, Notifier};

/// moto's URL, or `None` (after a loud line; a failure with `CI=true`) when moto is not running.
pub(crate) fn moto_url(test: &str) -> Option<String> {
    let Ok(url) = std::env::var("WARD_TEST_MOTO_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "WARD_TEST_MOTO_URL is not set (CI=true needs moto; scripts/test starts it)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (no moto: run scripts/test): {test}"
        );
        return None;
    };
    Some(url)
}

/// The SDK configuration for moto, or `None` when moto is not running.
async fn moto(test: &str) -> Option<SdkConfig> {
    let url = moto_url(test)?;
    Some(
        ward_aws::sdk_config(&AwsSettings {
            region: Some("us-east-1".into()),
            endpoint_url: Some(url),
        })
        .await,
    )
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn notice(kind: NoticeKind) -> Notice {
    Notice {
        kind,
        title: "Recon:EC2/PortProbeUnprotectedPort on unprotected instance i-0123456789abcdef0"
            .into(),
        detail: "the manager has no computer for it".into(),
        account_id: Some("123456789012".into()),
        region: Some("us-east-1".into()),
        instance_id: Some("i-0123456789abcdef0".into()),
        finding_id: "f-1".into(),
        finding_type: "Recon:EC2/PortProbeUnprotectedPort".into(),
        cves: vec!["CVE-2099-0001".into()],
    }
}

#[tokio::test]
async fn sqs_receives_extends_and_deletes() {
    let Some(config) = moto("sqs_receives_extends_and_deletes").await else {
        return;
    };
    let client = aws_sdk_sqs::Client::new(&config);
    let url = client
        .create_queue()
        .queue_name(unique("ward-test"))
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let queue = SqsQueue::new(&config, &url);
    for index in 0..12 {
        queue.send(&format!("{{\"n\": {index}}}")).await.unwrap();
    }
    let first = queue.receive(10, 1, 30).await.unwrap();
    assert_eq!(first.len(), 10);
    assert!(first.iter().all(|message| message.receive_count == 1));
    queue.extend(&first[0].receipt_handle, 60).await.unwrap();
    for message in &first {
        queue.delete(&message.receipt_handle).await.unwrap();
    }
    let rest = queue.receive(10, 1, 30).await.unwrap();
    assert_eq!(rest.len(), 2);
}

#[tokio::test]
async fn evaluations_go_to_config_in_test_mode() {
    let Some(config) = moto("evaluations_go_to_config_in_test_mode").await else {
        return;
    };
    let sink = ConfigEvaluations::new(&config, true);
    let evaluations: Vec<Evaluation> = (0..150)
        .map(|index| Evaluation {
            rule_name: "ward-is-clear".into(),
            resource_type: "AWS::EC2::Instance".into(),
            resource_id: format!("i-{index:017x}"),
            compliance: if index % 2 == 0 {
                Compliance::Compliant
            } else {
                Compliance::NonCompliant
            },
            annotation: Some("why".into()),
            ordering_timestamp: 1_700_000_000_000,
        })
        .collect();
    sink.put("token", &evaluations)
        .await
        .expect("two calls of at most 100");
    // Without test mode the emulator refuses (it does not implement real PutEvaluations): the
    // error names the operation.
    let real = ConfigEvaluations::new(&config, false);
    let error = real.put("token", &evaluations[..1]).await.unwrap_err();
    assert!(error.to_string().contains("PutEvaluations"), "{error}");
}

#[tokio::test]
async fn notices_reach_sns_and_security_hub_without_duplicates() {
    let Some(config) = moto("notices_reach_sns_and_security_hub_without_duplicates").await else {
        return;
    };
    let sns = aws_sdk_sns::Client::new(&config);
    let topic = sns
        .create_topic()
        .name(unique("ward-notices"))
        .send()
        .await
        .unwrap();
    let notifier = SnsNotifier::new(&config, topic.topic_arn().unwrap());
    notifier
        .notify(&notice(NoticeKind::UnprotectedInstance))
        .await
        .unwrap();

    let hub = aws_sdk_securityhub::Client::new(&config);
    let _ = hub.enable_security_hub().send().await;
    let notifier = SecurityHubNotifier::new(
        &config,
        "123456789012",
        "us-east-1",
        ward_clock::SystemClock::shared(),
    );
    notifier
        .notify(&notice(NoticeKind::UnprotectedInstance))
        .await
        .unwrap();
    notifier
        .notify(&notice(NoticeKind::UnprotectedInstance))
        .await
        .unwrap();
    notifier
        .notify(&notice(NoticeKind::UncoveredCve))
        .await
        .unwrap();
    let findings = hub.get_findings().send().await.unwrap();
    let ids: Vec<&str> = findings
        .findings()
        .iter()
        .filter_map(|finding| finding.id())
        .collect();
    let unprotected = ids
        .iter()
        .filter(|id| id.starts_with("ward/unprotected-instance/123456789012/i-0123456789abcdef0"))
        .count();
    assert_eq!(unprotected, 1, "{ids:?}");
    assert!(
        ids.iter().any(|id| id.starts_with("ward/uncovered-cve/")),
        "{ids:?}"
    );
}

#[tokio::test]
async fn secrets_come_from_secrets_manager_and_ssm() {
    let Some(config) = moto("secrets_come_from_secrets_manager_and_ssm").await else {
        return;
    };
    let name = unique("ward/api-key");
    aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name(&name)
        .secret_string("2:from-secrets-manager")
        .send()
        .await
        .unwrap();
    let secret = ward_aws::read_secret(&config, &SecretRef::SecretsManager(name.clone()))
        .await
        .unwrap();
    assert_eq!(secret.expose(), "2:from-secrets-manager");
    let parameter = format!("/{}", unique("ward/api-key"));
    aws_sdk_ssm::Client::new(&config)
        .put_parameter()
        .name(&parameter)
        .value("2:from-ssm")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let secret = ward_aws::read_secret(&config, &SecretRef::Ssm(parameter))
        .await
        .unwrap();
    assert_eq!(secret.expose(), "2:from-ssm");
    let missing = ward_aws::read_secret(&config, &SecretRef::SecretsManager("nope".into()))
        .await
        .unwrap_err();
    assert!(missing.contains("GetSecretValue nope"), "{missing}");
    assert!(!missing.contains("from-"), "{missing}");
}
