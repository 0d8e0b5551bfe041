//! A simulator served on a free loopback port, and a small HTTP helper to call it.

use reqwest::Method;
use serde_json::Value;
use ward_sim::{SimConfig, Simulator};

pub const FULL_ACCESS: &str = "ward-sim-full-access";
pub const AUDITOR: &str = "ward-sim-auditor";

/// A served simulator.
pub struct Running {
    pub sim: Simulator,
    /// `http://127.0.0.1:PORT`, without `/api`.
    pub root: String,
    pub http: reqwest::Client,
}

/// An answer: status, headers and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Running {
    pub async fn start(config: SimConfig) -> Self {
        Self::serve(Simulator::new(config)).await
    }

    /// A simulator on a controlled clock.
    pub async fn on_clock(config: SimConfig, clock: &ward_core::ManualClock) -> Self {
        Self::serve(Simulator::with_clock(
            config,
            std::sync::Arc::new(clock.clone()),
        ))
        .await
    }

    async fn serve(sim: Simulator) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let address = listener.local_addr().expect("bound address");
        let served = sim.clone();
        tokio::spawn(async move {
            let _ = ward_sim::serve(listener, served).await;
        });
        Self {
            sim,
            root: format!("http://{address}"),
            http: reqwest::Client::new(),
        }
    }

    /// A request to `/api{path}` with `api-version: v1` and `Authorization: ApiKey {key}`.
    pub fn request(&self, method: Method, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/api{path}", self.root))
            .header("api-version", "v1")
            .header("authorization", format!("ApiKey {key}"))
    }

    /// Sends a request and reads the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the simulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a whole body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                panic!(
                    "{status} body is not JSON ({error}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// A call with the Full Access key and an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.call_as(FULL_ACCESS, method, path, body).await
    }

    /// A call with a given key and an optional JSON body.
    pub async fn call_as(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.request(method, path, key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// A GET that must succeed.
    pub async fn get(&self, path: &str) -> Value {
        let answer = self.call(Method::GET, path, None).await;
        assert_eq!(answer.status, 200, "GET {path}: {:?}", answer.body);
        answer.body
    }

    /// A POST that must succeed.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let answer = self.call(Method::POST, path, Some(body)).await;
        assert_eq!(answer.status, 200, "POST {path}: {:?}", answer.body);
        answer.body
    }

    /// Every computer ID, paged through search by `ID > last`.
    pub async fn all_computer_ids(&self, page_size: usize) -> Vec<i64> {
        let mut ids = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .post(
                    "/computers/search?expand=none",
                    serde_json::json!({"maxItems": page_size, "sortByObjectID": true,
                        "searchCriteria": [{"idValue": after, "idTest": "greater-than"}]}),
                )
                .await;
            let page: Vec<i64> = page["computers"]
                .as_array()
                .expect("a computers list")
                .iter()
                .map(|c| c["ID"].as_i64().expect("an ID"))
                .collect();
            let Some(&last) = page.last() else {
                return ids;
            };
            ids.extend(&page);
            after = last;
        }
    }
}

/// A small fleet for quick tests.
pub fn small() -> SimConfig {
    SimConfig {
        fleet: 50,
        seed: 7,
        scan_delay_ms: 0,
        ..SimConfig::default()
    }
}

/// Asserts an error answer: the status and a `{"message": "…"}` body with nothing else.
pub fn assert_error(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    let body = answer.body.as_object().expect("an object body");
    assert_eq!(body.len(), 1, "only a message: {body:?}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body:?}"
    );
}
