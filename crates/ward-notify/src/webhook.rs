//! Slack-compatible incoming webhooks (`POST {"text": …}`), routed by AWS account. A webhook URL
//! holds its token in the path, so it is a secret: errors and logs name only its host.

use async_trait::async_trait;
use std::time::Duration;
use url::Url;
use ward_core::{Notice, NoticeKind, Notifier, OutboundError, Secret};

/// One webhook and the accounts it serves (empty: the accounts no other route names).
#[derive(Debug, Clone)]
pub struct WebhookRoute {
    pub url: Secret,
    pub accounts: Vec<String>,
}

/// Posts notices to the webhooks their account routes to.
#[derive(Debug, Clone)]
pub struct WebhookNotifier {
    routes: Vec<WebhookRoute>,
    http: reqwest::Client,
}

impl WebhookNotifier {
    /// Checks every route's URL (https, or http on this machine) without revealing it.
    pub fn new(routes: Vec<WebhookRoute>, timeout: Duration) -> Result<Self, String> {
        for (index, route) in routes.iter().enumerate() {
            let url = Url::parse(route.url.expose())
                .map_err(|_| format!("webhook {index}: the URL does not parse"))?;
            let loopback = matches!(url.host(), Some(url::Host::Domain("localhost")))
                || url.host_str().is_some_and(|host| {
                    host.trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
                });
            if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
                return Err(format!(
                    "webhook {index} ({}): only https webhooks are allowed (http on this machine)",
                    host(&url)
                ));
            }
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        Ok(Self { routes, http })
    }

    /// The routes a notice goes to: those naming its account, else those naming none.
    fn routes_for(&self, notice: &Notice) -> Vec<&WebhookRoute> {
        let named: Vec<&WebhookRoute> = self
            .routes
            .iter()
            .filter(|route| {
                notice
                    .account_id
                    .as_ref()
                    .is_some_and(|account| route.accounts.contains(account))
            })
            .collect();
        if named.is_empty() {
            self.routes
                .iter()
                .filter(|route| route.accounts.is_empty())
                .collect()
        } else {
            named
        }
    }
}

fn host(url: &Url) -> String {
    format!("webhook at {}", url.host_str().unwrap_or("?"))
}

/// The message text: Slack's mrkdwn, readable as plain text elsewhere.
pub(crate) fn message(notice: &Notice) -> String {
    let icon = match notice.kind {
        NoticeKind::UnprotectedInstance => ":warning:",
        NoticeKind::UncoveredCve => ":shield:",
        NoticeKind::ActionFailed => ":x:",
    };
    let mut text = format!("{icon} *{}*\n{}", notice.title, notice.detail);
    let mut facts = Vec::new();
    if let Some(account) = &notice.account_id {
        facts.push(format!("account {account}"));
    }
    if let Some(region) = &notice.region {
        facts.push(format!("region {region}"));
    }
    facts.push(format!(
        "finding {} ({})",
        notice.finding_id, notice.finding_type
    ));
    text.push_str(&format!("\n_{}_", facts.join(" · ")));
    text
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), OutboundError> {
        let body = serde_json::json!({ "text": message(notice) });
        for route in self.routes_for(notice) {
            let url = Url::parse(route.url.expose()).map_err(|_| OutboundError {
                destination: "webhook".into(),
                cause: "the URL does not parse".into(),
            })?;
            let destination = host(&url);
            let failed = |cause: String| OutboundError {
                destination: destination.clone(),
                cause,
            };
            let response = self
                .http
                .post(url.clone())
                .json(&body)
                .send()
                .await
                // reqwest's error text includes the URL (and so the token): keep only its kind.
                .map_err(|error| failed(describe(&error)))?;
            let status = response.status();
            if !status.is_success() {
                let text = response.text().await.unwrap_or_default();
                return Err(failed(format!(
                    "answered {status}: {}",
                    text.chars().take(200).collect::<String>()
                )));
            }
        }
        Ok(())
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        "request failed".into()
    }
}
